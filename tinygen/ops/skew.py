"""The skew of PixelRNN's Diagonal BiLSTM: NumPy stride tricks, no kernel.

skew shifts row r of an (N, C, H, W) image right by r columns into an
(N, C, H, H + W - 1) array of zeros, so the image's diagonals become columns
and a Diagonal BiLSTM can process one diagonal per step. unskew reads the W
shifted columns of each row back. The two are inverses and, as linear maps,
each other's adjoints, so each one's backward is the other.
"""
from ..autograd.function import Function
from ..backend import get_array_module


def _skewed_view(skewed, width):
    """The (N, C, H, W) window of a skewed array where row r starts at column r.

    Stepping one row down also steps one column right, so the row stride of the
    view is (row stride + column stride): no copy, no loop over rows.
    """
    xp = get_array_module(skewed)
    sn, sc, sh, sw = skewed.strides
    return xp.lib.stride_tricks.as_strided(skewed, skewed.shape[:3] + (width,), (sn, sc, sh + sw, sw))


def skew_array(x):
    """(N, C, H, W) -> (N, C, H, H+W-1), row r shifted right by r, zeros elsewhere (2W-1 wide for a square image)."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    out = xp.zeros((n, c, h, h + w - 1), x.dtype)
    _skewed_view(out, w)[...] = x
    return out


def unskew_array(skewed):
    """The inverse of skew_array: (N, C, H, H+W-1) -> (N, C, H, W), taking back the W columns of each row."""
    xp = get_array_module(skewed)
    width = skewed.shape[3] - skewed.shape[2] + 1
    return xp.ascontiguousarray(_skewed_view(xp.ascontiguousarray(skewed), width))


class Skew(Function):
    """(N, C, H, W) -> (N, C, H, H + W - 1): row r shifted right by r, so diagonals become columns."""

    saves_inputs = False  # backward reads only the inputs' shapes

    def forward(self, x):
        return skew_array(x)

    def backward(self, gy):
        return Unskew()(gy)


class Unskew(Function):
    """The inverse of skew, which is also its adjoint: read back the W shifted columns of each row."""

    saves_inputs = False  # backward reads only the inputs' shapes

    def forward(self, y):
        return unskew_array(y)

    def backward(self, gx):
        return Skew()(gx)


def skew(x):
    return Skew()(x)


def unskew(y):
    return Unskew()(y)
