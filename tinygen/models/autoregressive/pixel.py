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

Sampling draws the subpixels in the order above, each from its conditional
given those drawn before it. Running the whole network for each (784 passes
for a binarised MNIST digit, ``sample_naive``) recomputes at every step the
features of every pixel, though only the new pixel's are new. Fast generation
(Ramachandran et al., 2017) computes each layer at each pixel once, at that
pixel's step, from caches of what the earlier steps computed:

    for each pixel i in raster order (and each colour c in it):
        every layer, bottom to top, at pixel i only: a k x k masked convolution
        reads its k x k window of a cache of its input (``WindowCache``), whose
        unmasked taps, above i and left of it, were filled at earlier steps;
        a 1x1 convolution and a ReLU need pixel i alone; an LSTM layer takes
        one step from the states it keeps (``pixelrnn``);
        the head's logits at i -> draw x_{i,c}

In all, about one forward pass per sample (C of them for C colours, drawn one
after another at each pixel) instead of H W C. Each layer
supplies its part as ``incremental(n, height, width)``: a function
(features at pixel i, row, column) -> its output at pixel i, holding the
layer's caches. A model whose layers are not one chain (Gated PixelCNN's two
stacks) supplies the whole body at once as the model's ``incremental(x)``. The draws are those of ``sample_naive``, given the same random
stream (the tests check it), since each conditional is the same number.
"""
import numpy

from ...creation import zeros
from ...distributions import Bernoulli, Categorical
from ...nn import ReLU, Sequential
from ...ops import stack
from ...ops.conv import pair
from .base import Autoregressive
from .masks import pixelcnn_conv


def one_pixel(t):
    """(N, C) -> (N, C, 1, 1): one pixel's values as a feature map, for the layers' convolutions."""
    return t.reshape(*t.shape, 1, 1)


class WindowCache:
    """A same-size masked convolution computed one pixel at a time, for fast generation.

    Its input is kept in a zero-padded map of the whole image. Writing the
    input at pixel (row, column) and taking the dot product of the kernel with
    the k x k window centred there gives the convolution's output at that pixel:
    the taps the mask keeps (above the pixel, left of it) were written at
    earlier steps; the others, not yet written, are multiplied by zero. The map
    is stored pixel-major, (H, W, N, C): what one step writes, a pixel of every
    example, is one block of memory.
    """

    def __init__(self, conv, n, height, width):
        (kh, kw), device, dtype = conv.kernel_size, conv.weight.device, conv.weight.dtype
        self.bias, self.size = conv.bias, (kh, kw)
        # (out, in, kh, kw) -> (kh * kw * in, out), the order of a window's (kh, kw, N, in) flattened per example
        self.kernel = (conv.weight * conv.mask).permute(2, 3, 1, 0).reshape(-1, conv.out_channels)
        self.inputs = zeros(height + kh - 1, width + kw - 1, n, conv.in_channels, dtype=dtype, device=device)

    def write(self, features, row, column):
        """features (N, in, 1, 1): the convolution's input at pixel (row, column)."""
        kh, kw = self.size
        self.inputs[row + kh // 2, column + kw // 2] = features.reshape(features.shape[0], -1)

    def output(self, row, column):
        """The convolution's output at pixel (row, column): (N, out, 1, 1)."""
        kh, kw = self.size
        window = self.inputs[row : row + kh, column : column + kw].permute(2, 0, 1, 3)
        out = window.reshape(window.shape[0], -1) @ self.kernel + self.bias
        return one_pixel(out)

    def __call__(self, features, row, column):
        self.write(features, row, column)
        return self.output(row, column)

    def write_row(self, features, row):
        """features (N, in, 1, W): the convolution's input along a whole row."""
        kh, kw = self.size
        width = features.shape[3]
        self.inputs[row + kh // 2, kw // 2 : kw // 2 + width] = features.reshape(*features.shape[:2], width).permute(2, 0, 1)

    def output_row(self, row):
        """The convolution's output along a whole row, every column's window at once: (N, out, 1, W)."""
        kh, kw = self.size
        rows = self.inputs[row : row + kh]  # (kh, W + kw - 1, N, in)
        width = rows.shape[1] - kw + 1
        windows = stack([rows[:, j : j + width] for j in range(kw)], dim=2).permute(3, 1, 0, 2, 4)  # (N, W, kh, kw, in)
        n = windows.shape[0]
        out = windows.reshape(n * width, -1) @ self.kernel + self.bias
        return out.reshape(n, width, -1).permute(0, 2, 1).reshape(n, -1, 1, width)

    def row(self, features, row):
        self.write_row(features, row)
        return self.output_row(row)


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
        features = self.input_conv(self.scaled(x))
        for layer in self.layers:
            features = layer(features)
        return self.head(features)

    def scaled(self, x):
        """The values 0..levels-1 as the network sees them, in [-1, 1]."""
        return x * (2 / (self.levels - 1)) - 1

    def head(self, features):
        """The output head: features (N, 2h, H, W) -> logits (N, C, H, W), or (N, C, H, W, levels)."""
        logits = self.output_head(features)
        if self.levels == 2:
            return logits
        n, _, height, width = logits.shape
        # The head's output channels come in colour groups: channel c * levels + v is value v of colour c.
        return logits.reshape(n, self.channels, self.levels, height, width).permute(0, 1, 3, 4, 2)

    def params_in_order(self, x):
        """Fast generation (see the module docstring): each layer computed at each pixel once, from its caches.

        x: (N, H, W, C), the batch being drawn. Pixel i is read at its own steps
        (its colours before c are drawn, the mask hides the rest) and, once
        complete, written again for the later pixels' input windows.
        """
        n, height, width, channels = x.shape
        inputs, layers = WindowCache(self.input_conv, n, height, width), self.incremental(x)

        def pixel(row, column):  # its values as drawn so far
            return self.scaled(one_pixel(x[:, row, column]))

        for row, column in numpy.ndindex(height, width):
            for channel in range(channels):
                features = layers(inputs(pixel(row, column), row, column), row, column)
                yield self.head(features)[:, channel, 0, 0]
            inputs.write(pixel(row, column), row, column)

    def incremental(self, x):
        """The layers between the input layer and the head, at one pixel at a time: a function (features at
        pixel i, row, column) -> their output there, for the batch x (N, H, W, C) being drawn (read only
        where drawn). Here each layer's own ``incremental``, in turn."""
        layers = [layer.incremental(*x.shape[:3]) for layer in self.layers]

        def through_layers(features, row, column):
            for layer in layers:
                features = layer(features, row, column)
            return features

        return through_layers

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
