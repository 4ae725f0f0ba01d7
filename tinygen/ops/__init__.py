"""Every differentiable operation of tinygen, grouped by what it does.

Each op is a ``Function`` subclass with its forward and backward side by side,
plus the plain function below that calls it. ``__all__`` is the list of
public ops; the test-suite checks that each one has a gradient test, and that
each fused op agrees with its readable ``reference``.

Imports: ``autograd``, ``tensor``, ``creation``, ``random``, ``backend`` and
``kernels`` (only ``conv``, ``pooling``, ``recurrent`` and ``erf`` need them).
Tensor's methods call these ops: that is the one seam of the import stack, at
the end of ``tinygen/tensor.py``.
"""
from .arithmetic import add, div, bmm, matmul, mm, mul, neg, pow, sub
from .comparison import eq, ge, gt, le, lt, ne
from .conv import conv2d, conv_transpose2d, masked_conv2d
from .dropout import dropout, dropout2d
from .einsum import einsum
from .elementwise import (
    abs,
    clamp,
    cos,
    elu,
    erf,
    exp,
    gelu,
    leaky_relu,
    log,
    log1p,
    maximum,
    minimum,
    relu,
    sigmoid,
    silu,
    sin,
    softplus,
    sqrt,
    tanh,
)
from .indexing import gather, getitem, index_select, masked_fill, one_hot, scatter_add, tril, triu, where
from .inplace import add_, clamp_, copy_, div_, fill_, lerp_, mul_, normal_, setitem_, sub_, uniform_, zero_
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    gaussian_log_likelihood,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .interpolation import interpolate
from .pooling import avg_pool2d, max_pool2d
from .normalization import moments, standardize, standardize_affine
from .recurrent import lstm_gates, lstm_sequence
from .norm import norm
from .padding import pad
from .products import cumprod, prod
from .sampling import multinomial
from .sorting import sort, topk
from .promotion import promote
from .reduction import ValuesIndices, amax, amin, cumsum, log_softmax, logsumexp, max, mean, min, softmax, std, sum, var
from .shape import (
    astype,
    broadcast_to,
    cat,
    clone,
    chunk,
    concatenate,
    expand,
    flatten,
    flip,
    permute,
    repeat,
    reshape,
    roll,
    split,
    squeeze,
    stack,
    sum_to,
    to_device,
    transpose,
    unsqueeze,
)
from .skew import skew, unskew

__all__ = [
    # arithmetic
    "add", "sub", "mul", "div", "neg", "pow", "matmul", "einsum", "mm", "bmm",
    # comparisons (no gradient)
    "eq", "ne", "lt", "le", "gt", "ge",
    # element-wise
    "exp", "log", "log1p", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "softplus",
    "relu", "leaky_relu", "elu", "silu", "gelu", "erf", "clamp", "maximum", "minimum", "where",
    # reductions
    "sum", "mean", "var", "std", "max", "min", "amax", "amin", "logsumexp", "softmax", "log_softmax", "cumsum", "prod", "cumprod", "norm",
    "sort", "topk",
    # shape
    "reshape", "flatten", "transpose", "permute", "broadcast_to", "expand", "sum_to", "squeeze",
    "unsqueeze", "cat", "concatenate", "stack", "split", "chunk", "pad", "flip", "roll", "repeat", "astype", "to_device", "clone",
    # selection
    "getitem", "masked_fill", "one_hot", "dropout", "dropout2d", "gather", "scatter_add", "index_select", "tril", "triu", "multinomial",
    # convolution, pooling, recurrence (on Numba kernels)
    "conv2d", "conv_transpose2d", "masked_conv2d", "max_pool2d", "avg_pool2d", "interpolate", "lstm_gates", "lstm_sequence",
    "skew", "unskew",
    # normalisation (fused)
    "moments", "standardize", "standardize_affine",
    # losses and log-densities
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss", "mse_loss", "l1_loss",
    "huber_loss", "kl_div",
    "gaussian_log_likelihood",
]  # fmt: skip
