"""p-norms over axes: ||x||_p = (sum_i |x_i|^p)^(1/p), and their gradients at 0.

    d||x||_p / dx_i = sign(x_i) |x_i|^(p-1) / ||x||_p^(p-1)          (for p = 2: x_i / ||x||)

At x = 0 the norm has no derivative: it is the tip of a cone, whose slope
depends on the direction. PyTorch takes the subgradient 0 there, and so does
tinygen: a WGAN-GP penalty (||grad D|| - 1)^2 must stay finite when a
critic's gradient vanishes. The zero comes from masking twice: the norm in
the denominator is replaced by 1 where it is 0 (so nothing divides by zero,
not even in the second derivative), and the result is then set to 0 there.
The same is done for |x_i|^(p-1) at x_i = 0 when p < 1, where it is infinite.

One difference from PyTorch, on purpose: the second derivative of the norm at
x = 0 is 0 here (the derivative of the masked formula), where PyTorch's is NaN.

p = inf and -inf are max |x_i| and min |x_i|: the gradient goes to the
extreme elements, shared equally among ties (as in PyTorch); p = 0 counts the
non-zero elements, with gradient 0.
"""
import math

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import abs
from .indexing import where
from .reduction import Extreme
from .shape import broadcast_to, normalize_dims, reshape


class Norm(Function):
    """(sum_i |x_i|^p)^(1/p) over ``axes``, for a finite p >= 0."""

    reads_output = True

    def __init__(self, p, axes, keepdim):
        self.p, self.axes, self.keepdim = p, axes, keepdim

    def forward(self, x):
        xp, p, axes = backend.get_array_module(x), self.p, self.axes
        if p == 0:
            return (x != 0).sum(axis=axes, keepdims=self.keepdim).astype(x.dtype)
        if p == 2:
            return xp.sqrt((x * x).sum(axis=axes, keepdims=self.keepdim))
        return (xp.abs(x) ** p).sum(axis=axes, keepdims=self.keepdim) ** (1 / p)

    def backward(self, gy):
        x, p = self.inputs[0], self.p
        kept = tuple(1 if i in self.axes else n for i, n in enumerate(x.shape))
        gy = broadcast_to(reshape(gy, kept), x.shape)
        if p == 0:
            return gy * 0.0  # a count does not change with x; still a function of gy, so it differentiates
        if p == 1:
            return gy * Tensor(x.xp.sign(x.data))
        norm = reshape(self.output(), kept)
        at_zero = norm.data == 0
        scale = where(at_zero, 0.0, gy / where(at_zero, 1.0, norm) ** (p - 1))  # dL/dy / ||x||^(p-1), 0 at x = 0
        return _slope(x, p) * scale


def _slope(x, p):
    """d|x|^p/dx / p = sign(x) |x|^(p-1), as 0 at x = 0 (and for p = 2 simply x)."""
    if p == 2:
        return x
    at_zero = x.data == 0
    return where(at_zero, 0.0, Tensor(x.xp.sign(x.data)) * where(at_zero, 1.0, abs(x)) ** (p - 1))


def norm(x, p="fro", dim=None, keepdim=False):
    """The p-norm of ``x`` over ``dim`` (None: all elements, one axis, or several), as a vector norm.

    ``p``: a number >= 0, ``inf``, ``-inf``, or "fro" (the default, as in PyTorch: the 2-norm).
    """
    if p == "fro":
        p = 2
    if isinstance(p, str) or not (p >= 0 or p == -math.inf):
        raise ValueError(f"norm: p must be a number >= 0, inf, -inf or 'fro', got {p!r} (matrix norms such as 'nuc' "
                         "are not implemented)")  # fmt: skip
    axes = normalize_dims(dim, x.ndim)
    if math.isinf(p):
        return Extreme(axes, keepdim, largest=p > 0)(abs(x))
    return Norm(p, axes, keepdim)(x)
