"""PixelCNN (van den Oord et al., 2016): every conditional of the chain rule from one stack of masked convolutions.

    p(x) = prod_{i=1}^{H W} prod_{c=1}^{C} p(x_{i,c} | x_{<i}, x_{i,<c})

A convolution sees a neighbourhood on every side; masking its kernel to the
rows above the centre and the pixels left of it makes its output at pixel i a
function of pixels before i only (``masks.pixelcnn_mask``). The first layer
hides the centre pixel (mask A), so no prediction sees its own value; the
layers after it may keep the centre (mask B), whose features already depend on
earlier pixels only. Stacking them grows the field of view up and to the left:
all H W C conditionals in one forward pass, hence fast exact likelihoods, but
(a known flaw) a blind spot to the upper right that Gated PixelCNN later fixed.

The layers, with h = hidden_channels, around the shared input layer and output
head of ``pixel``:

    7x7 conv, mask A, C -> 2h
    num_blocks residual blocks:  x + conv1x1(relu(conv_kxk(relu(conv1x1(relu(x))))))
                                 (2h -> h -> h -> 2h, all mask B)
    ReLU, 1x1 conv, ReLU, 1x1 conv (mask B)  ->  logits of every subpixel

Each layer widens the field of view by k // 2 rows up and k // 2 columns on
either side: with the defaults (7x7 input, 5 blocks of 3x3) a conditional sees
8 rows above it. Sampling computes each block at each pixel once, reading the
k x k convolution's window from a cache of its input (``incremental``; the
scheme is in ``pixel``).
"""
from ...nn import Module, ModuleList, ReLU, Sequential
from .masks import pixelcnn_conv
from .pixel import PixelAutoregressive, WindowCache


class ResidualBlock(Module):
    """x + F(x), F a bottleneck of three mask-B convolutions: 1x1 (2h -> h), k x k (h -> h), 1x1 (h -> 2h)."""

    def __init__(self, hidden_channels, kernel_size, color_groups, device=None, dtype=None):
        super().__init__()
        h, options = hidden_channels, {"color_groups": color_groups, "device": device, "dtype": dtype}
        self.body = Sequential(
            ReLU(), pixelcnn_conv(2 * h, h, 1, "B", **options),
            ReLU(), pixelcnn_conv(h, h, kernel_size, "B", **options),
            ReLU(), pixelcnn_conv(h, 2 * h, 1, "B", **options),
        )  # fmt: skip

    def forward(self, x):
        return x + self.body(x)

    def incremental(self, n, height, width):
        """This block at one pixel at a time, for fast generation (``pixel``): the 1x1 convolutions need that
        pixel alone, the k x k one its window of a cache."""
        reduce, window, expand = self.body[:3], WindowCache(self.body[3], n, height, width), self.body[4:]
        return lambda x, row, column: x + expand(window(reduce(x), row, column))


class PixelCNN(PixelAutoregressive):
    """PixelCNN over images (N, channels, *image_size) whose subpixels take ``levels`` values.

    levels=2: binary images, one Bernoulli per subpixel; levels=256: 8-bit
    colour, one 256-way Categorical per subpixel, R -> G -> B inside each pixel.
    ``image_size`` is the size ``sample`` draws; log_prob accepts any size.
    """

    def __init__(self, channels=1, image_size=28, levels=2, hidden_channels=32, num_blocks=5, kernel_size=3,
                 device=None, dtype=None):  # fmt: skip
        super().__init__(channels, image_size, levels, hidden_channels, device, dtype)
        self.layers = ModuleList(
            [ResidualBlock(hidden_channels, kernel_size, channels, device, dtype) for _ in range(num_blocks)]
        )
