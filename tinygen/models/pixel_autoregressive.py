"""What PixelCNN and PixelRNN share: the pixel ordering, the masked input and output layers, and sampling.

An image x of C channels and H x W pixels is a sequence of H W C numbers in
raster order, pixel i = (row, column) after every pixel above it and to its
left, and inside each pixel the channels in the order R -> G -> B. The chain
rule then factorises its joint distribution exactly:

    p(x) = prod_{i=1}^{H W} prod_{c=1}^{C} p(x_{i,c} | x_{<i}, x_{i,<c}).

One network computes all H W C conditionals at once, for training and for the
exact log-likelihood, provided no output looks at its own input or the inputs
after it. The networks here guarantee that by construction:

    input layer   7x7 masked convolution, mask A (the centre pixel is hidden,
                  and inside a pixel colour c sees only colours < c);
    body          layers that never look further (PixelCNN's residual blocks,
                  PixelRNN's LSTM layers), which subclasses supply as ``self.layers``;
    output head   ReLU, 1x1 conv, ReLU, 1x1 conv, both mask B (colour c sees colours <= c).

Every feature map is split into C colour groups so the masks can keep R -> G -> B
apart. Each subpixel takes one of ``levels`` values: levels = 2 (binary images)
gives one logit per subpixel and a Bernoulli, levels = 256 (colour) gives 256
logits per subpixel and a Categorical over the last axis. The network sees the
values scaled to [-1, 1]: x / (levels - 1) * 2 - 1.

Sampling runs the same network once per subpixel, in the order above, and draws
each value from its conditional given those drawn before it.
"""
import numpy

from .. import backend
from ..autograd import no_grad
from ..creation import zeros
from ..distributions import Bernoulli, Categorical
from ..kernels._geometry import pair
from ..nn import MaskedConv2d, Module, ReLU, Sequential


class PixelAutoregressive(Module):
    """Base class: subclasses set ``self.layers`` (feature maps of ``2 * hidden_channels`` in and out)."""

    def __init__(self, channels, image_size, levels, hidden_channels, device=None, dtype=None):
        super().__init__()
        if hidden_channels % channels:
            raise ValueError(f"hidden_channels={hidden_channels} must be divisible by channels={channels}: "
                             "each colour gets its own group of feature maps")  # fmt: skip
        if levels < 2:
            raise ValueError(f"levels={levels}: each subpixel needs at least 2 possible values")
        self.channels, self.image_size, self.levels = channels, pair(image_size, "image_size"), levels
        features, logits_per_subpixel = 2 * hidden_channels, 1 if levels == 2 else levels
        self.input_conv = MaskedConv2d(channels, features, 7, "A", channels, device=device, dtype=dtype)
        self.output_head = Sequential(
            ReLU(),
            MaskedConv2d(features, features, 1, "B", channels, device=device, dtype=dtype),
            ReLU(),
            MaskedConv2d(features, channels * logits_per_subpixel, 1, "B", channels, device=device, dtype=dtype),
        )

    def forward(self, x):
        """Images (N, C, H, W) -> logits (N, C, H, W) for binary, (N, C, H, W, levels) otherwise."""
        features = self.input_conv(x * (2 / (self.levels - 1)) - 1)
        for layer in self.layers:
            features = layer(features)
        logits = self.output_head(features)
        if self.levels == 2:
            return logits
        n, _, height, width = logits.shape
        # The head's output channels come in colour groups: channel c * levels + v is value v of colour c.
        return logits.reshape(n, self.channels, self.levels, height, width).permute(0, 1, 3, 4, 2)

    def distribution(self, logits):
        return Bernoulli(logits=logits) if self.levels == 2 else Categorical(logits=logits)

    def log_prob_per_dim(self, x, context=None):
        """log p(x_{i,c} | everything before it), shaped like x (N, C, H, W), in nats.

        The conditionals are computed from ``context`` (x itself unless given): passing
        another batch asks what each conditional makes of x given that context, which is
        how the tests prove that subpixel i looks at nothing at or after i.
        """
        context = x if context is None else context
        for images in (x, context):
            self._check_images(images)
        # A Categorical takes the values as integer class labels; a Bernoulli takes them as they are.
        values = x if self.levels == 2 else x.detach().astype(numpy.int64)
        return self.distribution(self(context)).log_prob(values)

    def log_prob(self, x):
        """log p(x) of each image, (N,), in nats: the sum of its conditionals."""
        return self.log_prob_per_dim(x).sum(dim=(1, 2, 3))

    def loss(self, x):
        """Mean negative log-likelihood in nats per image, the training objective."""
        return -self.log_prob(x).mean()

    def sample(self, n, device=None):
        """n images (n, C, H, W), drawn one subpixel at a time from the model's conditionals."""
        weight = self.input_conv.weight
        if device is not None and backend.normalize_device(device) != weight.device:
            raise ValueError(f"the model lives on {weight.device!r}, so its samples do too: move it first "
                             f"with model.to({device!r})")  # fmt: skip
        x = zeros(n, self.channels, *self.image_size, dtype=weight.dtype, device=weight.device)
        with no_grad():
            for row in range(self.image_size[0]):
                for column in range(self.image_size[1]):
                    for channel in range(self.channels):
                        logits = self(x)[:, channel, row, column]
                        x.data[:, channel, row, column] = self.distribution(logits).sample().data
        return x

    def _check_images(self, x):
        if x.ndim != 4 or x.shape[1] != self.channels:
            raise ValueError(f"expected images of shape (N, {self.channels}, H, W), got {x.shape}")
        values, xp = x.data, x.xp
        if bool(xp.any((values != xp.round(values)) | (values < 0) | (values > self.levels - 1))):
            raise ValueError(f"pixel values must be integers in [0, {self.levels - 1}] (levels={self.levels}); "
                             f"got values from {values.min().item()} to {values.max().item()}")  # fmt: skip
