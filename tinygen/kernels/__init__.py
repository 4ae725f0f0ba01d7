"""Raw-array kernels under the ops: convolution's im2col/col2im, pooling, LSTM gates.

Arrays in, arrays out: no Tensor, no autograd; the ops in ``tinygen.ops``
build their forward and backward passes from these, and nothing above the ops
calls them. One file per idea, each with its math in the docstring, its
CPU loops (Numba ``@njit``) and its CUDA loops (Numba ``@cuda.jit``) side by
side, and the calls that pick one by where the arrays live:

    conv.py       ConvGeometry, im2col and its adjoint col2im
    winograd.py   Winograd's F(2x2, 3x3) transforms for 3x3 stride-1 convolutions, and their adjoints (CPU only)
    pooling.py    PoolGeometry, max and average pooling and their gradients
    lstm.py       the LSTM cell after its matrix products, forward and backward
    norm.py       batch, layer and group norm in training mode, forward and backward (CPU only)
    softmax.py    softmax and log_softmax along one axis, forward and backward (CPU only)
    special.py    the error function erf (NumPy has none)
    fastmath.py   per-element math that several kernels share (a vectorisable tanh, sigmoid, exp)
    jit.py        how the twins are compiled and launched; numba.cuda is imported on the first GPU launch only

Images are NCHW; float32 and float64 work. The kernels import only
``tinygen.backend`` (to tell NumPy from CuPy arrays), NumPy and Numba.
"""
from .conv import ConvGeometry, col2im, conv_output_size, im2col, pair
from .lstm import lstm_gates_backward, lstm_gates_forward
from .norm import standardize_affine_backward, standardize_affine_forward
from .norm import supports as norm_supports
from .pooling import PoolGeometry, avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward
from .softmax import softmax_backward, softmax_forward
from .softmax import supports as softmax_supports
from .special import erf

__all__ = [
    "ConvGeometry", "pair", "conv_output_size", "im2col", "col2im",
    "PoolGeometry", "max_pool2d", "max_pool2d_backward", "avg_pool2d", "avg_pool2d_backward",
    "lstm_gates_forward", "lstm_gates_backward", "erf",
    "standardize_affine_forward", "standardize_affine_backward", "norm_supports",
    "softmax_forward", "softmax_backward", "softmax_supports",
]  # fmt: skip
