"""PixelRNN (van den Oord et al., 2016): the chain rule's conditionals from LSTMs that sweep the image.

    p(x) = prod_{i=1}^{H W} prod_{c=1}^{C} p(x_{i,c} | x_{<i}, x_{i,<c})

A PixelCNN's field of view grows by a few pixels per layer; an LSTM carries
a state across the whole image instead. To keep all H W C conditionals in one
forward pass, the LSTM does not step pixel by pixel: it steps over whole lines
of pixels, and all pixels of a line update at once. At each step, with the
input-to-state pre-activations K_is * x (one masked convolution over the
whole image, computed before the loop) and the previous line's hidden state,

    [i, f, g, o] = K_is * x  +  K_ss * h_prev          (4h gates per pixel)
    c = sigma(f) c_prev + sigma(i) tanh(g),   h = sigma(o) tanh(c)   (``lstm_gates``)

Row LSTM: the lines are the rows, top to bottom. K_is is a 1x3 convolution
    with mask B (the pixel to the left and the pixel itself), K_ss a 1x3
    convolution over the row above. Each pixel sees a triangle above it.
Diagonal BiLSTM: the lines are the diagonals. Skewing the image (row r moved
    r pixels to the right) turns them into columns, swept left to right. K_is is
    a 1x1 convolution (mask B), K_ss a 2x1 column convolution whose two taps, in
    the skewed map, are the pixel to the left and the pixel above: each pixel sees
    everything above-left of it. A second LSTM runs on the mirrored image (seeing
    above-right) and its output moves down one row before the two are added, so a
    pixel sees the whole rows above it and the pixels to its left: every pixel before it.

Each layer maps 2h feature maps to 2h: x + conv1x1(h) (mask B), a residual
connection. The layers sit between the shared mask-A input layer and output
head of ``pixel``. For colour, every feature map and hidden unit
belongs to one of C colour groups, and the mask-B input-to-state convolutions
keep colour c of a pixel from seeing colours after c at the same pixel.

Sampling (``incremental``, the scheme in ``pixel``) carries the states
forward instead of sweeping the image again for every pixel: a Row LSTM pixel
takes one LSTM step from the row above's states; a Diagonal BiLSTM pixel one
step left to right, while the right-to-left direction, which would need pixels
not drawn yet, is swept once per row when the row is complete
(``DiagonalBiLSTMCache``).
"""
from ...creation import zeros
from ...nn import Conv2d, Module, ModuleList
from ...ops import cat, flip, lstm_gates, pad, skew, split, unskew
from .masks import gate_mask, pixelcnn_conv, same_size_conv
from .pixel import PixelAutoregressive, WindowCache, one_pixel


def lstm_sweep(preacts, state_to_state, dim):
    """Run an LSTM over the lines of ``preacts`` (N, 4h, H, W) along ``dim`` (2: rows, 3: columns).

    At each step every pixel of the line adds ``state_to_state(h_prev)`` (the
    previous line's hidden state, (N, h, line)) to its pre-activations and
    takes one LSTM step. Returns the hidden states, (N, h, H, W).
    """
    n, four_h = preacts.shape[:2]
    lines = split(preacts, 1, dim=dim)  # one split, so backward gathers the steps with one concatenation
    line_shape, length = lines[0].shape[2:], lines[0].numel() // (n * four_h)
    h = zeros(n, four_h // 4, *line_shape, dtype=preacts.dtype, device=preacts.device)
    c = zeros(n * length, four_h // 4, dtype=preacts.dtype, device=preacts.device)
    hidden = []
    for line in lines:
        # lstm_gates takes one row of 4h gates per pixel: (N * length, 4h).
        gates = (line + state_to_state(h)).reshape(n, four_h, length).permute(0, 2, 1).reshape(n * length, four_h)
        h, c = lstm_gates(gates, c)
        h = h.reshape(n, length, four_h // 4).permute(0, 2, 1).reshape(n, four_h // 4, *line_shape)
        hidden.append(h)
    return cat(hidden, dim=dim)


class RowLSTMLayer(Module):
    """x + conv1x1(h): an LSTM over the rows, gates from a 1x3 mask-B conv of x and a 1x3 conv of the row above."""

    def __init__(self, hidden_channels, color_groups, device=None, dtype=None):
        super().__init__()
        h, options = hidden_channels, {"device": device, "dtype": dtype}
        self.input_to_state = same_size_conv(gate_mask(2 * h, h, (1, 3), color_groups), **options)
        self.state_to_state = Conv2d(h, 4 * h, (1, 3), padding=(0, 1), bias=False, **options)
        self.output_conv = pixelcnn_conv(h, 2 * h, 1, "B", color_groups, **options)

    def forward(self, x):
        return x + self.output_conv(lstm_sweep(self.input_to_state(x), self.state_to_state, dim=2))

    def incremental(self, n, height, width):
        """This layer at one pixel at a time, for fast generation (``pixel``), the state carried row to row."""
        return RowLSTMCache(self, n, height, width)


class RowLSTMCache:
    """A Row LSTM layer one pixel at a time: pixel (r, c)'s gates are its 1x3 input window (a ``WindowCache``)
    plus the row above's K_ss * h at column c, computed once per row; its cell takes over c from (r - 1, c)."""

    def __init__(self, layer, n, height, width):
        weight = layer.state_to_state.weight
        self.layer, self.input_to_state = layer, WindowCache(layer.input_to_state, n, height, width)
        # The states of every pixel, pixel-major (as in WindowCache), row r at r + 1: row 0 is the zero state
        # above the image.
        self.h, self.c = (zeros(height + 1, width, n, weight.shape[1], dtype=weight.dtype, device=weight.device)
                          for _ in range(2))  # fmt: skip
        self.from_above = None  # K_ss * h of the row above, (N, 4h, 1, W): set at each row's first pixel

    def __call__(self, x, row, column):
        if column == 0:  # the row above is complete: its part of this row's gates, in one convolution
            above = self.h[row].permute(1, 2, 0)  # (N, h, W)
            self.from_above = self.layer.state_to_state(above.reshape(*above.shape[:2], 1, above.shape[2]))
        gates = self.input_to_state(x, row, column) + self.from_above[:, :, :, column : column + 1]
        h, c = lstm_gates(gates.reshape(x.shape[0], -1), self.c[row, column])
        self.h[row + 1, column], self.c[row + 1, column] = h, c
        return x + self.layer.output_conv(one_pixel(h))


class DiagonalLSTM(Module):
    """One direction of the Diagonal BiLSTM: an LSTM over the diagonals, each pixel fed by its left and upper neighbours."""

    def __init__(self, hidden_channels, color_groups, device=None, dtype=None):
        super().__init__()
        h, options = hidden_channels, {"device": device, "dtype": dtype}
        self.input_to_state = same_size_conv(gate_mask(2 * h, h, 1, color_groups), **options)
        self.state_to_state = Conv2d(h, 4 * h, (2, 1), bias=False, **options)

    def forward(self, x):
        # Skewing the pre-activations, not x, leaves zeros (no bias) in the padding: a zero state there.
        preacts = skew(self.input_to_state(x))
        # Skewed row r of the previous column is pixel r's left neighbour, row r - 1 its upper one:
        # pad one row on top so that the 2x1 kernel reads rows (r - 1, r).
        hidden = lstm_sweep(preacts, lambda h: self.state_to_state(pad(h, (0, 0, 1, 0))), dim=3)
        return unskew(hidden)

    def step(self, x, h_above, h_before, c_before):
        """One pixel of the sweep, unskewed: x (N, 2h, 1, 1) at the pixel, the hidden states (N, h, 1, 1) of
        the pixel above it and of the one before it on its row (left, or right on the mirrored image), and the
        cell (N, h) of the one before -> its (h, c), (N, h) each."""
        gates = self.input_to_state(x) + self.state_to_state(cat([h_above, h_before], dim=2))
        return lstm_gates(gates.reshape(x.shape[0], -1), c_before)


class DiagonalBiLSTMLayer(Module):
    """x + conv1x1(h_left_to_right + h_right_to_left moved down one row)."""

    def __init__(self, hidden_channels, color_groups, device=None, dtype=None):
        super().__init__()
        h, options = hidden_channels, {"device": device, "dtype": dtype}
        self.left_to_right = DiagonalLSTM(h, color_groups, **options)
        self.right_to_left = DiagonalLSTM(h, color_groups, **options)
        self.output_conv = pixelcnn_conv(h, 2 * h, 1, "B", color_groups, **options)

    def forward(self, x):
        right_to_left = flip(self.right_to_left(flip(x, 3)), 3)
        # Row r - 1 of the mirrored sweep has seen only pixels before row r: move it to row r.
        shifted = pad(right_to_left, (0, 0, 1, 0))[:, :, :-1]
        return x + self.output_conv(self.left_to_right(x) + shifted)

    def incremental(self, n, height, width):
        """This layer at one pixel at a time, for fast generation (``pixel``); see ``DiagonalBiLSTMCache``."""
        return DiagonalBiLSTMCache(self, n, height, width)


class DiagonalBiLSTMCache:
    """A Diagonal BiLSTM layer one pixel at a time, each direction's states computed once per pixel.

    Left to right: pixel (r, c) needs the states of (r, c - 1) and (r - 1, c),
    both computed at earlier steps, so it takes one LSTM step at its own step.
    Right to left: pixel (r, c) needs (r, c + 1), whose input is not drawn yet,
    so no pixel of row r can have its state while row r is being drawn; that is
    why the layer moves this direction down a row. Row r reads only row r - 1's
    states, and those are computed once, in one right-to-left sweep of row r - 1
    as soon as it is complete, from the layer's inputs kept for it.
    """

    def __init__(self, layer, n, height, width):
        weight = layer.output_conv.weight
        hidden, options = weight.shape[1], {"dtype": weight.dtype, "device": weight.device}
        self.layer, self.rows_swept = layer, 0
        self.inputs = zeros(height, width, n, 2 * hidden, **options)  # pixel-major, as in WindowCache
        # Each direction's (h, c), pixel (r, c) at (r + 1, c + 1): a border of zero states above, left and right.
        self.states = {direction: tuple(zeros(height + 1, width + 2, n, hidden, **options) for _ in range(2))
                       for direction in ("left_to_right", "right_to_left")}  # fmt: skip

    def step(self, direction, row, column, before):
        """One LSTM step of ``direction`` at pixel (row, column); ``before`` is the column before it on its row."""
        h, c = self.states[direction]
        h[row + 1, column + 1], c[row + 1, column + 1] = getattr(self.layer, direction).step(
            one_pixel(self.inputs[row, column]), one_pixel(h[row, column + 1]), one_pixel(h[row + 1, before + 1]),
            c[row + 1, before + 1])  # fmt: skip

    def __call__(self, x, row, column):
        width = self.inputs.shape[1]
        for finished in range(self.rows_swept, row):  # rows completed since the last sweep
            for c in reversed(range(width)):
                self.step("right_to_left", finished, c, c + 1)
        self.rows_swept = row
        self.inputs[row, column] = x.reshape(x.shape[0], -1)
        self.step("left_to_right", row, column, column - 1)
        h = self.states["left_to_right"][0][row + 1, column + 1] + self.states["right_to_left"][0][row, column + 1]
        return x + self.layer.output_conv(one_pixel(h))


class PixelRNN(PixelAutoregressive):
    """The model: mask-A 7x7 conv, ``num_layers`` LSTM layers of one kind, output head (see the module docstring)."""

    layer_type = None

    def __init__(self, channels=1, image_size=28, levels=2, hidden_channels=16, num_layers=2, device=None, dtype=None):
        super().__init__(channels, image_size, levels, hidden_channels, device, dtype)
        self.layers = ModuleList([self.layer_type(hidden_channels, channels, device, dtype) for _ in range(num_layers)])


class RowLSTM(PixelRNN):
    """PixelRNN with Row LSTM layers: each pixel sees a triangle of the rows above it (and its left neighbour)."""

    layer_type = RowLSTMLayer


class DiagonalBiLSTM(PixelRNN):
    """PixelRNN with Diagonal BiLSTM layers: each pixel sees every pixel before it."""

    layer_type = DiagonalBiLSTMLayer
