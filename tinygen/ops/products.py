"""Products along an axis, ``prod`` and ``cumprod``, with gradients that hold where some x_i = 0.

For y = prod_i x_i, dy/dx_k = prod_{i != k} x_i. Dividing y by x_k gives that
only while x_k != 0; the product of all the others is, with any zeros,

    dy/dx_k = (prod_{i < k} x_i) (prod_{i > k} x_i)        two exclusive running products

and running products differentiate again (PyTorch computes it the same way).

For the running product y_j = prod_{i <= j} x_i,

    dL/dx_k = sum_{j >= k} dL/dy_j prod_{i <= j, i != k} x_i.

Without zeros that is (sum_{j >= k} dL/dy_j y_j) / x_k: a running sum from the
far end, divided by x. It fails where x has a zero, or where a running product
underflows (to 0 or to a subnormal number, which has lost its precision), and
differentiating it again subtracts two terms of order 1/x_k that cancel
(wildly wrong for tiny x). So in those cases, and whenever the gradient must
itself be differentiable (create_graph=True), the products with x_k left out
are formed for every k at once: row k of an (n, n) matrix per lane holds x with x_k replaced by 1, whose
running product along the row is prod_{i <= j, i != k} x_i at column j. That
costs O(n^2), as PyTorch's exact path does.
"""
from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import Tensor
from .indexing import where
from .shape import broadcast_to, cat, flip, normalize_dim, reshape, transpose, unsqueeze


class Prod(Function):
    def __init__(self, axis, keepdim):
        self.axis, self.keepdim = axis, keepdim

    def forward(self, x):
        return x.prod(axis=self.axis, keepdims=self.keepdim)

    def backward(self, gy):
        x, axis = self.inputs[0], self.axis
        others = _exclusive_cumprod(x, axis) * flip(_exclusive_cumprod(flip(x, axis), axis), axis)
        return broadcast_to(unsqueeze(gy, axis) if not self.keepdim else gy, x.shape) * others


class CumProd(Function):
    reads_output = True

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return x.cumprod(axis=self.axis)

    def backward(self, gy):
        x, axis = self.inputs[0], self.axis
        y = self.output()
        all_normal = (x.xp.abs(y.data) >= x.xp.finfo(y.dtype).tiny).all()  # no zero, no underflow
        if grad_mode.is_grad_enabled() or not all_normal:
            return _cumprod_grad_by_products(x, gy, axis)
        return flip(flip(gy * y, axis).cumsum(axis), axis) / x


def _exclusive_cumprod(x, axis):
    """prod_{i < k} x_i at every position k along ``axis`` (1 at the first)."""
    first = tuple(1 if i == axis else n for i, n in enumerate(x.shape))
    with_one_before = cat([Tensor(x.xp.ones(first, x.dtype)), x], axis)  # 1, x_0, ..., x_{n-1}
    return cumprod(with_one_before, axis)[(slice(None),) * axis + (slice(0, x.shape[axis]),)]


def _cumprod_grad_by_products(x, gy, axis):
    """dL/dx_k = sum_{j >= k} dL/dy_j prod_{i <= j, i != k} x_i, through the (n, n) matrix of the docstring."""
    x_last, gy_last = transpose(x, axis, -1), transpose(gy, axis, -1)  # the axis last: (..., n)
    n, xp = x.shape[axis], x.xp
    left_out = where(xp.eye(n, dtype=bool), 1.0, unsqueeze(x_last, -2))  # (..., k, i): x_i, with 1 where i = k
    from_k_on = Tensor(xp.triu(xp.ones((n, n), x.dtype)))  # (k, j): 1 where j >= k
    grad = (cumprod(left_out, -1) * from_k_on * unsqueeze(gy_last, -2)).sum(-1)
    return transpose(grad, axis, -1)


def prod(x, dim=None, keepdim=False):
    """Product of the elements over the axis ``dim`` (one axis, as in PyTorch), or of all of them."""
    if dim is None or x.ndim == 0:
        whole = Prod(0, False)(reshape(x, (-1,)))
        return reshape(whole, (1,) * x.ndim) if keepdim else whole
    if not isinstance(dim, int):
        raise TypeError(f"prod: dim must be one axis (an int) or None, got {dim!r}; take products one axis at a time")
    return Prod(normalize_dim(dim, x.ndim), keepdim)(x)


def cumprod(x, dim):
    """Running product along ``dim``: y_j = x_0 x_1 ... x_j."""
    return CumProd(normalize_dim(dim, x.ndim))(x)
