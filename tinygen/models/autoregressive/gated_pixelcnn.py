"""Gated PixelCNN (van den Oord, Kalchbrenner, Vinyals, Espeholt, Graves & Kavukcuoglu, 2016): PixelCNN
without the blind spot, and with PixelRNN's multiplicative units.

PixelCNN's masked k x k kernels see the rows above and the pixels to the left;
stacked, their field of view grows up and to the left, but never to the upper
right of the pixel: pixels above-right of it that an earlier layer saw only
through positions it may not read stay out of reach (``pixelcnn``). Gated
PixelCNN splits the network in two stacks that together cover everything
before pixel i:

    vertical stack     features at row r that have seen only the rows above r;
                       its k x k convolutions read every column of the rows
                       above and of row r itself (``masks.vertical_mask``), so
                       its field of view is a cone widening upwards, no blind spot;
    horizontal stack   features of row r so far: 1 x k convolutions over the
                       pixel and those left of it (mask B), plus the vertical
                       stack's features at the same position (a 1x1 convolution).

Each layer replaces ReLU with a gated unit, as the LSTM's gates do:

    y = tanh(W_f * x) . sigmoid(W_g * x)

and with v, h the two stacks' features (F maps each), one block is

    v' = W_v * v                                    k x k, vertical mask, F -> 2F
    h' = W_h * h + W_vh v'                          1 x k mask B, and 1x1: F -> 2F
    v  <- tanh(v'_f) . sigmoid(v'_g)
    h  <- h + W_o (tanh(h'_f) . sigmoid(h'_g))      1x1 mask B; residual on h only

Two input layers read the image: PixelCNN's (7x7, mask A, in ``pixel``) for
the horizontal stack, and a 7x7 convolution that reads only the rows above
(``vertical_mask`` type A) for the vertical one. The head reads the horizontal
stack. With the defaults (5 blocks of 3x3) a conditional sees every pixel of
the 8 rows above it out to 8 columns on either side, where PixelCNN's of the
same depth misses the upper right (the tests draw both fields of view).

Fast generation: the vertical stack at row r needs only the rows above r, so
it is computed once per row, at the row's first pixel, every column at once
(``WindowCache.row``); the horizontal stack once per pixel, from its window
caches, as PixelCNN's layers (``GatedStackCache``).
"""
from ...nn import Conv2d, Module, ModuleList
from ...ops import sigmoid, tanh
from .masks import gate_mask, pixelcnn_conv, same_size_conv, vertical_mask
from .pixel import PixelAutoregressive, WindowCache


def gated(x):
    """tanh(x_f) . sigmoid(x_g), x_f and x_g the two halves of the channels: (N, 2F, ...) -> (N, F, ...)."""
    f, g = x.chunk(2, dim=1)
    return tanh(f) * sigmoid(g)


class GatedBlock(Module):
    """One layer of both stacks (see the module docstring); F feature maps in each."""

    def __init__(self, features, kernel_size, color_groups, device=None, dtype=None):
        super().__init__()
        k, options = kernel_size, {"device": device, "dtype": dtype}
        self.vertical = same_size_conv(vertical_mask(2 * features, features, k, "B"), **options)
        self.horizontal = same_size_conv(gate_mask(features, features, (1, k), color_groups, gates=2), **options)
        self.vertical_to_horizontal = Conv2d(2 * features, 2 * features, 1, **options)
        self.output_conv = pixelcnn_conv(features, features, 1, "B", color_groups, **options)

    def forward(self, vertical, horizontal):
        """(v, h) -> (v, h), both (N, F, H, W)."""
        v = self.vertical(vertical)
        h = self.horizontal(horizontal) + self.vertical_to_horizontal(v)
        return gated(v), horizontal + self.output_conv(gated(h))


class GatedPixelCNN(PixelAutoregressive):
    """Gated PixelCNN over images (N, channels, *image_size) whose subpixels take ``levels`` values.

    The arguments are PixelCNN's: the stacks carry 2 ``hidden_channels``
    feature maps each, through ``num_blocks`` gated blocks of ``kernel_size``.
    """

    def __init__(self, channels=1, image_size=28, levels=2, hidden_channels=16, num_blocks=5, kernel_size=3,
                 device=None, dtype=None):  # fmt: skip
        super().__init__(channels, image_size, levels, hidden_channels, device, dtype)
        self.vertical_input = same_size_conv(vertical_mask(2 * hidden_channels, channels, 7, "A"), device, dtype)
        self.layers = ModuleList(
            [GatedBlock(2 * hidden_channels, kernel_size, channels, device, dtype) for _ in range(num_blocks)]
        )

    def forward(self, x):
        """Images (N, C, H, W) -> logits (N, C, H, W) for binary, (N, C, H, W, levels) otherwise."""
        x = self.scaled(x)
        vertical, horizontal = self.vertical_input(x), self.input_conv(x)
        for block in self.layers:
            vertical, horizontal = block(vertical, horizontal)
        return self.head(horizontal)

    def incremental(self, x):
        return GatedStackCache(self, x)


class GatedStackCache:
    """The gated blocks one pixel at a time, for fast generation (``pixel``).

    At each row's first pixel the vertical stack of the whole row, block by
    block, from the image's rows above (all drawn by then); then at each pixel
    the horizontal stack, its 1 x k windows from caches, plus the vertical
    stack's part at its column. x (N, H, W, C) is the batch being drawn.
    """

    def __init__(self, model, x):
        n, height, width, _ = x.shape
        self.model, self.x, self.blocks = model, x, model.layers
        self.image = WindowCache(model.vertical_input, n, height, width)
        self.vertical = [WindowCache(block.vertical, n, height, width) for block in self.blocks]
        self.horizontal = [WindowCache(block.horizontal, n, height, width) for block in self.blocks]
        self.from_vertical = [None] * len(self.blocks)  # each block's W_vh v' along the current row, (N, 2F, 1, W)

    def __call__(self, features, row, column):
        """features (N, F, 1, 1): the input layer's at pixel (row, column) -> the horizontal stack's output there."""
        if column == 0:  # the rows above are complete: the vertical stack along this row
            if row > 0:  # the row above, (N, H, W, C) -> (N, C, 1, W)
                self.image.write_row(self.model.scaled(self.model.unflatten(self.x[:, row - 1 : row])), row - 1)
            vertical = self.image.output_row(row)
            for i, block in enumerate(self.blocks):
                v = self.vertical[i].row(vertical, row)
                self.from_vertical[i], vertical = block.vertical_to_horizontal(v), gated(v)
        horizontal = features
        for i, block in enumerate(self.blocks):
            h = self.horizontal[i](horizontal, row, column) + self.from_vertical[i][:, :, :, column : column + 1]
            horizontal = horizontal + block.output_conv(gated(h))
        return horizontal
