"""Reductions over axes, and the softmax family.

Summing over an axis copies each output's gradient back to every element that
was summed, so the backward of a reduction is a broadcast. ``dim`` may be None
(all axes), one axis or a tuple of axes; ``keepdim`` keeps them as size 1.
"""
import warnings
from typing import NamedTuple

import numpy

from .. import backend, kernels
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import maximum, minimum
from .shape import broadcast_to, normalize_dim, normalize_dims, reshape


def _kept_shape(shape, axes):
    """The shape of a reduction with keepdim=True: reduced axes become 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _sum_of_products(axes, *factors):
    """sum over the tuple ``axes`` (kept as size 1) of the product of ``factors``, without forming the product.

    einsum, because NumPy's einsum loops measured 2-3x faster here than
    ``a.sum(axis)`` along a contiguous axis, and ``(a * b).sum(axis)`` also writes the product out.
    """
    xp = backend.get_array_module(*factors)
    summed = "ijklmnop"[: len(axes)]
    moved = [xp.moveaxis(f, axes, tuple(range(-len(axes), 0))) for f in factors]
    return xp.expand_dims(xp.einsum(",".join(["..." + summed] * len(factors)) + "->...", *moved), axes)


def _finite_max(x, axes):
    """The maximum over ``axes`` (kept as size 1), or 0 where it is infinite.

    Subtracting it before exp keeps every exponential at most 1, and leaves an
    all -inf slice at -inf rather than making it inf - inf = nan. nanmax (NumPy's
    fmax reduction) measured 2-8x faster here than max, which must propagate NaN;
    a NaN in x still reaches the result through exp.
    """
    xp = backend.get_array_module(x)
    if not _count(x.shape, axes):  # an empty slice has no maximum, and needs no shift
        return xp.zeros(_kept_shape(x.shape, axes), x.dtype)
    shift = xp.nanmax(x, axis=axes, keepdims=True)
    return xp.where(xp.isfinite(shift), shift, 0)


class Sum(Function):
    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdim)

    def backward(self, gy):
        x = self.inputs[0]
        return broadcast_to(reshape(gy, _kept_shape(x.shape, self.axes)), x.shape)


class Extreme(Function):
    """max or min over axes. The gradient goes to the extreme elements, shared equally among ties."""

    reads_output = True

    def __init__(self, axes, keepdim, largest):
        self.axes, self.keepdim, self.largest = axes, keepdim, largest

    def forward(self, x):
        reduce = x.max if self.largest else x.min
        return reduce(axis=self.axes, keepdims=self.keepdim)

    def backward(self, gy):
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        hits = x.data == self.output().data.reshape(kept)
        share = hits / hits.sum(axis=self.axes, keepdims=True)
        return broadcast_to(reshape(gy, kept), x.shape) * Tensor(share.astype(gy.dtype))


class LogSumExp(Function):
    """log sum_i e^{x_i}, shifted by the maximum so that no exponential overflows.

    Its gradient is the softmax: d/dx_i = e^{x_i - y}. A sum of nothing (an
    empty axis, or every x_i = -inf) is 0, whose log is -inf, as in PyTorch.
    """

    reads_output = True

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        xp = backend.get_array_module(x)
        shift = _finite_max(x, self.axes)
        with numpy.errstate(divide="ignore"):  # log 0 = -inf is the answer, not an accident
            y = xp.log(_sum_of_products(self.axes, xp.exp(x - shift))) + shift
        return y if self.keepdim else y.squeeze(axis=self.axes)

    def backward(self, gy):
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        return reshape(gy, kept) * (x - reshape(self.output(), kept)).exp()


class Softmax(Function):
    """y_i = e^{x_i} / sum_j e^{x_j};  dL/dx = y (dL/dy - sum_j y_j dL/dy_j).

    Fused: on the CPU forward and backward are one pass each of a compiled loop
    (``tinygen.kernels.softmax``); on CuPy arrays (and float16) two passes of array
    expressions, where the same formula in Tensor ops makes five; ``reference`` is that formula.
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        if kernels.softmax_supports(x):
            self.y = kernels.softmax_forward(x, self.axis)
            return self.y
        xp = backend.get_array_module(x)
        y = x - _finite_max(x, (self.axis,))
        xp.exp(y, out=y)
        y /= _sum_of_products((self.axis,), y)
        self.y = y
        return y

    def backward(self, gy):
        if kernels.softmax_supports(self.y):
            return Tensor(kernels.softmax_backward(self.y, gy.data, self.axis))
        g = gy.data - _sum_of_products((self.axis,), self.y, gy.data)
        g *= self.y
        return Tensor(g)

    def reference(self, x):
        return (x - x.logsumexp(self.axis, keepdim=True)).exp()


class LogSoftmax(Function):
    """y_i = x_i - logsumexp(x);  dL/dx = dL/dy - e^y sum_j dL/dy_j  (e^y is the softmax).

    Fused like ``Softmax``; the array route's backward is one exp and one sum, in place.
    """

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        if kernels.softmax_supports(x):
            self.y = kernels.softmax_forward(x, self.axis, log=True)
        else:
            self.y = x - LogSumExp((self.axis,), True).forward(x)
        return self.y

    def backward(self, gy):
        if kernels.softmax_supports(self.y):
            return Tensor(kernels.softmax_backward(self.y, gy.data, self.axis, log=True))
        xp = backend.get_array_module(self.y)
        g = xp.exp(self.y)
        g *= -_sum_of_products((self.axis,), gy.data)
        g += gy.data
        return Tensor(g)

    def reference(self, x):
        return x - x.logsumexp(self.axis, keepdim=True)


class Std(Function):
    """std = sqrt(var), with gradient dL/dvar = dL/dstd / (2 std), taken as 0 where std = 0.

    At std = 0 (a constant slice) the standard deviation has a kink, like |x|
    at 0; PyTorch takes the subgradient 0 there, where the formula would give
    1 / 0 times the zero deviations, NaN.
    """

    reads_output = True

    def forward(self, variance):
        return backend.get_array_module(variance).sqrt(variance)

    def backward(self, gy):
        std = self.output()
        at_zero = Tensor((std.data == 0).astype(std.dtype))  # 1 where std = 0: a safe denominator, a zero numerator
        return gy * (1 - at_zero) / (2 * (std + at_zero))


class CumSum(Function):
    """Running sum along an axis; each x_i feeds every y_j with j >= i,
    so its gradient is the running sum of dL/dy taken from the far end."""

    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return _running_sum(x, self.axis)

    def backward(self, gy):
        return gy.flip(self.axis).cumsum(self.axis).flip(self.axis)


WIDE_LANES = 4096  # lanes at which one vectorised add per step beats NumPy's lane-by-lane cumsum


def _running_sum(x, axis):
    """x.cumsum(axis). NumPy's cumsum walks each lane along the axis on its own,
    strided when the axis is not the last; with many lanes, one vectorised add
    per step across all of them is faster (NADE's (64, 784, 500) running sum
    over the middle axis: 78 ms -> 15 ms)."""
    steps = x.shape[axis]
    wide = x.dtype.kind == "f" and axis != x.ndim - 1 and x.size >= WIDE_LANES * steps > 0
    if not wide or backend.is_gpu_array(x):  # on a GPU one kernel launch per step would be the slow way
        return x.cumsum(axis=axis)
    xp = backend.get_array_module(x)
    out = xp.empty_like(x)
    lanes_in, lanes_out = x.swapaxes(0, axis), out.swapaxes(0, axis)
    lanes_out[0] = lanes_in[0]
    for i in range(1, steps):
        xp.add(lanes_out[i - 1], lanes_in[i], out=lanes_out[i])
    return out


def _count(shape, axes):
    """How many elements a reduction over ``axes`` combines into each result."""
    count = 1
    for axis in axes:
        count *= shape[axis]
    return count


def sum(x, dim=None, keepdim=False):
    return Sum(normalize_dims(dim, x.ndim), keepdim)(x)


def mean(x, dim=None, keepdim=False):
    axes = normalize_dims(dim, x.ndim)
    count, total = _count(x.shape, axes), sum(x, axes, keepdim)
    return total / count if count else total * float("nan")  # the mean of nothing is NaN, as in PyTorch


def var(x, dim=None, keepdim=False, correction=1):
    """Variance, divided by (count - correction): 1 gives the unbiased estimate, 0 the plain mean square.

    With no degrees of freedom left (count <= correction, an empty axis among
    them) the divisor is 0 and the variance NaN (0 / 0) or inf, with a warning, as in PyTorch.
    """
    axes = normalize_dims(dim, x.ndim)
    count = _count(x.shape, axes)
    deviation = x - mean(x, axes, keepdim=True)
    squares = sum(deviation * deviation, axes, keepdim)
    if count > correction:
        return squares / (count - correction)
    warnings.warn(f"var: correction={correction} leaves no degrees of freedom in a reduction over {count} value(s), "
                  "so the variance is NaN or inf; reduce over more values or lower the correction", stacklevel=2)
    with numpy.errstate(divide="ignore", invalid="ignore"):
        return squares / 0


def std(x, dim=None, keepdim=False, correction=1):
    """sqrt(var), with gradient 0 where it is 0 (see ``Std``)."""
    return Std()(var(x, dim, keepdim, correction))


class ValuesIndices(NamedTuple):
    """What ``max(x, dim)`` and ``min(x, dim)`` return (PyTorch's ``torch.return_types.max``)."""

    values: Tensor
    indices: Tensor


def amax(x, dim=None, keepdim=False):
    """Largest value over ``dim``: None (all axes), one axis or several. Ties share the gradient equally."""
    return Extreme(normalize_dims(dim, x.ndim), keepdim, largest=True)(x)


def amin(x, dim=None, keepdim=False):
    return Extreme(normalize_dims(dim, x.ndim), keepdim, largest=False)(x)


def max(x, dim=None, keepdim=False):
    """PyTorch's three ``max``: ``max(x)`` is the largest value; ``max(x, dim)`` the pair
    ``(values, indices)`` along one axis, whose gradient goes to the element each index
    names; ``max(x, other)`` with a tensor is the element-wise ``maximum``."""
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    return amax(x, dim, keepdim) if dim is None else _extreme_along(x, dim, keepdim, largest=True)


def min(x, dim=None, keepdim=False):
    """``min(x)``, ``min(x, dim)`` -> (values, indices), or the element-wise ``minimum(x, other)``: see ``max``."""
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    return amin(x, dim, keepdim) if dim is None else _extreme_along(x, dim, keepdim, largest=False)


def _extreme_along(x, dim, keepdim, largest):
    if not isinstance(dim, int):
        raise TypeError(f"{'max' if largest else 'min'}(x, dim) takes one axis, got {dim!r}; for several use amax/amin")
    if x.ndim == 0:  # PyTorch treats a number as a tensor of one element along axis 0 (or -1)
        values, indices = _extreme_along(reshape(x, (1,)), dim, True, largest)
        return ValuesIndices(reshape(values, ()), reshape(indices, ()))
    axis = normalize_dim(dim, x.ndim)
    xp = x.xp
    found = (x.data.argmax if largest else x.data.argmin)(axis=axis, keepdims=True)  # a NaN counts as the extreme
    # Pick x[i, j, found[i, 0, k], k] through indexing, whose backward sends each gradient to the element picked.
    picked = tuple(found if i == axis else xp.arange(n).reshape([-1 if j == i else 1 for j in range(x.ndim)])
                   for i, n in enumerate(x.shape))  # fmt: skip
    values, indices = x[picked], Tensor(found)
    if not keepdim:
        values, indices = reshape(values, values.shape[:axis] + values.shape[axis + 1 :]), Tensor(found.squeeze(axis))
    return ValuesIndices(values, indices)


def logsumexp(x, dim=None, keepdim=False):
    return LogSumExp(normalize_dims(dim, x.ndim), keepdim)(x)


def softmax(x, dim=-1):
    return Softmax(normalize_dim(dim, x.ndim))(x)


def log_softmax(x, dim=-1):
    return LogSoftmax(normalize_dim(dim, x.ndim))(x)


def cumsum(x, dim):
    return CumSum(normalize_dim(dim, x.ndim))(x)
