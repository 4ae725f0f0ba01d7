"""Arithmetic with NumPy broadcasting, and matrix multiplication.

Broadcasting copies an input along new or size-1 axes, so in backward each
input receives the sum of the gradient over the axes it was copied along:
``sum_to(grad, x.shape)``. That one rule serves every binary op here.
"""
from ..autograd.function import Function
from ..threads import product
from .promotion import promote
from .shape import sum_to


class Add(Function):
    """y = a + b,  dy/da = dy/db = 1."""

    saves_inputs = False  # backward reads only the inputs' shapes

    def forward(self, a, b):
        return a + b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Sub(Function):
    """y = a - b."""

    saves_inputs = False  # backward reads only the inputs' shapes

    def forward(self, a, b):
        return a - b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(-gy, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Mul(Function):
    """y = a * b,  dy/da = b,  dy/db = a."""

    def forward(self, a, b):
        return a * b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy * b, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    """y = a / b,  dy/da = 1 / b,  dy/db = -a / b^2."""

    def forward(self, a, b):
        return a / b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy / b, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(-gy * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    saves_inputs = False  # backward reads only the inputs' shapes

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Pow(Function):
    """y = a ** b,  dy/da = b a^(b-1),  dy/db = y log a (needs a > 0)."""

    reads_output = True

    def forward(self, a, b):
        return a**b

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy * b * a ** (b - 1), a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy * self.output() * a.log(), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class MatMul(Function):
    """Y = A @ B on stacks of matrices (both at least 2-D, batch axes broadcast).

    dL/dA = dL/dY @ B^T and dL/dB = A^T @ dL/dY, summed over broadcast batch axes.
    """

    def forward(self, a, b):
        return product(a, b)

    def backward(self, gy):
        a, b = self.inputs
        ga = sum_to(gy @ b.mT, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(a.mT @ gy, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def add(a, b):
    return Add()(*promote(a, b))


def sub(a, b):
    return Sub()(*promote(a, b))


def mul(a, b):
    return Mul()(*promote(a, b))


def div(a, b):
    """a / b, true division: integer tensors give the default float dtype, as in PyTorch."""
    a, b = promote(a, b)
    if a.dtype.kind in "biu":
        a, b = a.float(), b.float()
    return Div()(a, b)


def neg(x):
    return Neg()(x)


def pow(base, exponent):
    """``base ** exponent``; either may be a number or a tensor."""
    return Pow()(*promote(base, exponent))


def matmul(a, b):
    """Matrix product with NumPy's rules: batched, broadcast, and 1-D vectors.

    A 1-D first argument is a row vector and a 1-D second argument a column
    vector; the added axis is removed from the result, as in ``numpy.matmul``.
    """
    a, b = promote(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least one dimension, got shapes {a.shape} and {b.shape}")
    _check_matmul_shapes(a.shape, b.shape)
    y = MatMul()(a.unsqueeze(0) if a.ndim == 1 else a, b.unsqueeze(-1) if b.ndim == 1 else b)
    if b.ndim == 1:
        y = y.squeeze(-1)
    if a.ndim == 1:
        y = y.squeeze(-2 if b.ndim > 1 else -1)
    return y


def _check_matmul_shapes(a_shape, b_shape):
    """Say in the operands' own shapes why they cannot be multiplied (NumPy's message speaks of gufunc
    signatures, and of the shapes after a 1-D operand became a matrix)."""
    inner = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if a_shape[-1] != inner:
        which = "length of the second" if len(b_shape) == 1 else "second-to-last of the second"
        raise ValueError(f"matmul: cannot multiply {a_shape} by {b_shape}: the last dimension of the first "
                         f"({a_shape[-1]}) must equal the {which} ({inner}); transpose an operand (.mT) "
                         "if it is the wrong way round")
    if len(a_shape) > 2 and len(b_shape) > 2 and not _broadcastable(a_shape[:-2], b_shape[:-2]):
        raise ValueError(f"matmul: cannot multiply {a_shape} by {b_shape}: the batch dimensions {a_shape[:-2]} "
                         f"and {b_shape[:-2]} do not broadcast (aligned from the right, each pair of sizes "
                         "must be equal, or one of them 1)")


def _broadcastable(shape_a, shape_b):
    return all(m == n or 1 in (m, n) for m, n in zip(shape_a[::-1], shape_b[::-1]))


def mm(a, b):
    """The product of two matrices (PyTorch's ``mm``: 2-D only, where ``matmul`` broadcasts)."""
    return _unbroadcast_matmul("mm", a, b, 2, "matrices (2-D)")


def bmm(a, b):
    """Products of two batches of matrices, (b, n, m) @ (b, m, p) (PyTorch's ``bmm``: 3-D, equal batches)."""
    return _unbroadcast_matmul("bmm", a, b, 3, "batches of matrices (3-D)")


def _unbroadcast_matmul(name, a, b, ndim, what):
    """``matmul`` for operands of exactly ``ndim`` dimensions and equal batch sizes, as PyTorch's mm and bmm ask."""
    a, b = promote(a, b)
    if a.ndim != ndim or b.ndim != ndim or a.shape[:-2] != b.shape[:-2]:
        raise ValueError(f"{name}: both operands must be {what} of one batch size, got shapes {a.shape} and "
                         f"{b.shape}; use matmul for vectors and broadcast batches")  # fmt: skip
    return matmul(a, b)
