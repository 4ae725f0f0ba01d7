"""Raw-array kernels for convolution, pooling, LSTM gates and PixelRNN skewing.

Arrays in, arrays out: no Tensor, no autograd. Layers build their forward and
backward passes from these. Each function runs on NumPy arrays (``cpu.py``,
Numba ``@njit``) or CuPy arrays (``cuda.py``, Numba ``@cuda.jit``, imported
only when a CuPy array arrives). Images are NCHW; float32 and float64 work.

im2col turns convolution into one matrix product. For an input x (N, C, H, W)
and a kh x kw kernel with stride s, padding p and dilation d,

    cols[c*T + t, n*OH*OW + y*OW + x] = x[n, c, y*s - p + ki*d, x*s - p + kj*d]   (0 outside x)

where (ki, kj) = divmod(taps[t], kw) runs over the T kernel taps kept (all
kh*kw by default; a PixelCNN mask keeps fewer, and skipping the masked-out
taps skips their work). Then, with W reshaped to (C_out, C*T),

    y = W @ cols                      (C_out, N*OH*OW): the convolution
    dW = dy @ cols.T                  dx = col2im(W.T @ dy)

col2im is the adjoint (transpose) of im2col: it adds each column entry back to
the pixel it was copied from, so <im2col(x), y> == <x, col2im(y)> for all x, y.
The layout keeps one big (C*T, N*OH*OW) matrix for a single BLAS call; a
per-image view for batched matmul is ``cols.reshape(C*T, N, OH*OW).transpose(1, 0, 2)``.
"""
from ..backend import get_array_module, is_gpu_array
from . import cpu
from ._geometry import conv_output_size

__all__ = [
    "conv_output_size", "im2col", "col2im", "max_pool2d", "max_pool2d_backward", "avg_pool2d",
    "avg_pool2d_backward", "lstm_gates_forward", "lstm_gates_backward", "skew", "unskew",
]


def _backend(array):
    if is_gpu_array(array):
        from . import cuda  # imports numba.cuda, which a CPU-only machine never needs

        return cuda
    return cpu


def im2col(x, kernel_size, stride=1, padding=0, dilation=1, taps=None):
    """(N, C, H, W) -> cols (C*T, N*OH*OW), T = len(taps) or kh*kw; padding is never materialised."""
    return _backend(x).im2col(x, kernel_size, stride, padding, dilation, taps)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1, taps=None):
    """The adjoint of im2col: cols (C*T, N*OH*OW) -> (N, C, H, W), overlapping entries summed."""
    return _backend(cols).col2im(cols, tuple(x_shape), kernel_size, stride, padding, dilation, taps)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """-> (out, argmax). argmax[n, c, y, x] is the flat index iy*W + ix of the winner in x[n, c].

    Padding acts as -inf; stride defaults to kernel_size; ties go to the first tap.
    """
    return _backend(x).max_pool2d(x, kernel_size, stride, padding)


def max_pool2d_backward(dout, argmax, x_shape, kernel_size, stride=None, padding=0):
    """Each input pixel collects the gradients of the windows whose max it was."""
    return _backend(dout).max_pool2d_backward(dout, argmax, tuple(x_shape), kernel_size, stride, padding)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Window means; padding counts as zeros in the kh*kw divisor (PyTorch's default)."""
    return _backend(x).avg_pool2d(x, kernel_size, stride, padding)


def avg_pool2d_backward(dout, x_shape, kernel_size, stride=None, padding=0):
    """Spread each output gradient evenly, dout / (kh*kw), over its window."""
    return _backend(dout).avg_pool2d_backward(dout, tuple(x_shape), kernel_size, stride, padding)


def lstm_gates_forward(preact, c_prev, out=None):
    """preact (N, 4H) in gate order i, f, g, o; c_prev (N, H) -> (h, c, saved).

    saved = (gates, tanh_c): the activated gates (N, 4H) and tanh(c) (N, H), all
    that lstm_gates_backward needs. ``out`` = (h, c, gates, tanh_c) preallocated
    buffers to write into, so a time loop can reuse memory instead of allocating.
    float32 uses a vectorisable rational tanh with error below 1e-6.
    """
    return _backend(preact).lstm_gates_forward(preact, c_prev, out)


def lstm_gates_backward(dh, dc, saved, c_prev, out=None):
    """Gradients at h and c (both (N, H)) -> (dpreact (N, 4H), dc_prev (N, H)).

    ``out`` = (dpreact, dc_prev) preallocated buffers, as for the forward; dc_prev
    may be ``dc`` itself (each element is read before it is overwritten).
    """
    return _backend(dh).lstm_gates_backward(dh, dc, saved, c_prev, out)


def _skewed_view(skewed, width):
    """The (N, C, H, W) window of a skewed array where row r starts at column r.

    Stepping one row down also steps one column right, so the row stride of the
    view is (row stride + column stride): no copy, no loop over rows.
    """
    xp = get_array_module(skewed)
    sn, sc, sh, sw = skewed.strides
    return xp.lib.stride_tricks.as_strided(skewed, skewed.shape[:3] + (width,), (sn, sc, sh + sw, sw))


def skew(x):
    """PixelRNN skew: (N, C, H, W) -> (N, C, H, H+W-1), row r shifted right by r, zeros elsewhere.

    For the usual square image the width is 2W-1.

    After skewing, the diagonals of the image are columns, so a Diagonal BiLSTM
    can process one diagonal per step.
    """
    xp = get_array_module(x)
    n, c, h, w = x.shape
    out = xp.zeros((n, c, h, h + w - 1), x.dtype)
    _skewed_view(out, w)[...] = x
    return out


def unskew(skewed):
    """The inverse of skew: (N, C, H, H+W-1) -> (N, C, H, W), taking back the W columns of each row."""
    xp = get_array_module(skewed)
    width = skewed.shape[3] - skewed.shape[2] + 1
    return xp.ascontiguousarray(_skewed_view(xp.ascontiguousarray(skewed), width))
