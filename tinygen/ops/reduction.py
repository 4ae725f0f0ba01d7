"""Reductions over axes, and the softmax family.

Summing over an axis copies each output's gradient back to every element that
was summed, so the backward of a reduction is a broadcast. ``dim`` may be None
(all axes), one axis or a tuple of axes; ``keepdim`` keeps them as size 1.
"""
from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .shape import broadcast_to, normalize_dim, normalize_dims, reshape


def _kept_shape(shape, axes):
    """The shape of a reduction with keepdim=True: reduced axes become 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class Sum(Function):
    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        return x.sum(axis=self.axes, keepdims=self.keepdim)

    def backward(self, gy):
        x = self.inputs[0]
        return broadcast_to(reshape(gy, _kept_shape(x.shape, self.axes)), x.shape)


class Extreme(Function):
    """max or min over axes. The gradient goes to the extreme elements, shared equally among ties."""

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

    Its gradient is the softmax: d/dx_i = e^{x_i - y}.
    """

    def __init__(self, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim

    def forward(self, x):
        xp = backend.get_array_module(x)
        shift = x.max(axis=self.axes, keepdims=True)
        shift = xp.where(xp.isfinite(shift), shift, 0)
        y = xp.log(xp.exp(x - shift).sum(axis=self.axes, keepdims=True)) + shift
        return y if self.keepdim else y.squeeze(axis=self.axes)

    def backward(self, gy):
        x = self.inputs[0]
        kept = _kept_shape(x.shape, self.axes)
        return reshape(gy, kept) * (x - reshape(self.output(), kept)).exp()


class Softmax(Function):
    """y_i = e^{x_i} / sum_j e^{x_j};  dL/dx = y * (dL/dy - sum_j y_j dL/dy_j)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        xp = backend.get_array_module(x)
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        return e / e.sum(axis=self.axis, keepdims=True)

    def backward(self, gy):
        y = self.output()
        return y * (gy - (gy * y).sum(self.axis, keepdim=True))


class LogSoftmax(Function):
    """y_i = x_i - logsumexp(x);  dL/dx = dL/dy - softmax(x) * sum_j dL/dy_j."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return x - LogSumExp((self.axis,), True).forward(x)

    def backward(self, gy):
        return gy - self.output().exp() * gy.sum(self.axis, keepdim=True)


class CumSum(Function):
    """Running sum along an axis; each x_i feeds every y_j with j >= i,
    so its gradient is the running sum of dL/dy taken from the far end."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return x.cumsum(axis=self.axis)

    def backward(self, gy):
        return gy.flip(self.axis).cumsum(self.axis).flip(self.axis)


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
    return sum(x, axes, keepdim) / _count(x.shape, axes)


def var(x, dim=None, keepdim=False, correction=1):
    """Variance, divided by (count - correction): 1 gives the unbiased estimate, 0 the plain mean square."""
    axes = normalize_dims(dim, x.ndim)
    deviation = x - mean(x, axes, keepdim=True)
    return sum(deviation * deviation, axes, keepdim) / (_count(x.shape, axes) - correction)


def std(x, dim=None, keepdim=False, correction=1):
    return var(x, dim, keepdim, correction).sqrt()


def max(x, dim=None, keepdim=False):
    """Largest value over ``dim`` (NumPy's ``amax``; for positions use ``argmax``)."""
    return Extreme(normalize_dims(dim, x.ndim), keepdim, largest=True)(x)


def min(x, dim=None, keepdim=False):
    return Extreme(normalize_dims(dim, x.ndim), keepdim, largest=False)(x)


def logsumexp(x, dim=None, keepdim=False):
    return LogSumExp(normalize_dims(dim, x.ndim), keepdim)(x)


def softmax(x, dim=-1):
    return Softmax(normalize_dim(dim, x.ndim))(x)


def log_softmax(x, dim=-1):
    return LogSoftmax(normalize_dim(dim, x.ndim))(x)


def cumsum(x, dim):
    return CumSum(normalize_dim(dim, x.ndim))(x)
