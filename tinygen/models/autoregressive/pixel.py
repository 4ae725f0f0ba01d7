"""What PixelCNN and PixelRNN share: the pixel ordering, the masked input and output layers.

An image x of C channels and H x W pixels is a sequence of H W C numbers in
raster order, pixel i = (row, column) after every pixel above it and to its
left, and inside each pixel the channels in the order R -> G -> B. The chain
rule then factorises its joint distribution exactly:

    p(x) = prod_{i=1}^{H W} prod_{c=1}^{C} p(x_{i,c} | x_{<i}, x_{i,<c}).

That order is row-major over (H, W, C): ``flatten`` moves the channels behind
the pixels, (N, C, H, W) -> (N, H, W, C), and ``Autoregressive`` does the rest
(log-likelihood, loss, sampling). One network computes all H W C conditionals
at once, for training and for the exact log-likelihood, provided no output
looks at its own input or the inputs after it. The networks here guarantee
that by construction (the masks are in ``masks``):

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

Sampling runs the whole network once per subpixel, in the order above, and
draws each value from its conditional given those drawn before it.
"""
from ...distributions import Bernoulli, Categorical
from ...nn import ReLU, Sequential
from ...ops.conv import pair
from .base import Autoregressive
from .masks import pixelcnn_conv


def channels_last(t):
    """(N, C, H, W, ...) -> (N, H, W, C, ...): pixels in raster order, then the channels R -> G -> B."""
    return t.permute(0, 2, 3, 1, *range(4, t.ndim))


class PixelAutoregressive(Autoregressive):
    """Base class: subclasses set ``self.layers`` (feature maps of ``2 * hidden_channels`` in and out)."""

    def __init__(self, channels, image_size, levels, hidden_channels, device=None, dtype=None):
        if hidden_channels % channels:
            raise ValueError(f"hidden_channels={hidden_channels} must be divisible by channels={channels}: "
                             "each colour gets its own group of feature maps")  # fmt: skip
        if levels < 2:
            raise ValueError(f"levels={levels}: each subpixel needs at least 2 possible values")
        image_size = pair(image_size, "image_size")
        super().__init__((channels, *image_size))
        self.channels, self.image_size, self.levels = channels, image_size, levels
        features, logits_per_subpixel = 2 * hidden_channels, 1 if levels == 2 else levels
        self.input_conv = pixelcnn_conv(channels, features, 7, "A", channels, device=device, dtype=dtype)
        self.output_head = Sequential(
            ReLU(),
            pixelcnn_conv(features, features, 1, "B", channels, device=device, dtype=dtype),
            ReLU(),
            pixelcnn_conv(features, channels * logits_per_subpixel, 1, "B", channels, device=device, dtype=dtype),
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

    def flatten(self, x):
        """Images (N, C, H, W) of any size -> (N, H, W, C), whose row-major order is the generation order."""
        if x.ndim != 4 or x.shape[1] != self.channels:
            raise ValueError(f"expected images of shape (N, {self.channels}, H, W), got {x.shape}")
        values, xp = x.data, x.xp
        if bool(xp.any((values != xp.round(values)) | (values < 0) | (values > self.levels - 1))):
            raise ValueError(f"pixel values must be integers in [0, {self.levels - 1}] (levels={self.levels}); "
                             f"got values from {values.min().item()} to {values.max().item()}")  # fmt: skip
        return channels_last(x)

    def unflatten(self, x):
        """(N, H, W, C) -> images (N, C, H, W)."""
        return x.permute(0, 3, 1, 2)

    def conditional_params(self, context):
        """The logits of every subpixel from one pass of the network, in generation order: (N, H, W, C, ...)."""
        return channels_last(self(self.unflatten(context)))

    def distribution(self, logits):
        return Bernoulli(logits=logits) if self.levels == 2 else Categorical(logits=logits)
