"""Element-wise functions and activations: y_i = f(x_i), so dL/dx_i = f'(x_i) dL/dy_i.

Where f' is simplest in terms of the output (exp, tanh, sigmoid, sqrt), the
backward uses ``self.output()``; that output is itself a node of the graph, so
second derivatives follow through it. At a kink we take PyTorch's choice:
relu and abs pass 0 at 0; clamp passes the whole gradient at its bounds (x equal
to min or max counts as inside, as in torch.clamp; PyTorch's hardtanh passes 0
there); maximum and minimum of equal values share it equally.
"""
import math

from .. import backend, kernels
from ..autograd.function import Function
from ..tensor import Tensor
from .promotion import promote
from .shape import sum_to


def _constant(array, like):
    """``array`` as a tensor of ``like``'s dtype: a constant factor in a backward formula."""
    return Tensor(array.astype(like.dtype))


class Exp(Function):
    saves_inputs, reads_output = False, True  # backward reads its output, not its input

    def forward(self, x):
        return backend.get_array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.output()


class Log(Function):
    def forward(self, x):
        return backend.get_array_module(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


class Log1p(Function):
    """log(1 + x), accurate when x is tiny."""

    def forward(self, x):
        return backend.get_array_module(x).log1p(x)

    def backward(self, gy):
        return gy / (1 + self.inputs[0])


class Sqrt(Function):
    saves_inputs, reads_output = False, True  # backward reads its output, not its input

    def forward(self, x):
        return backend.get_array_module(x).sqrt(x)

    def backward(self, gy):
        return gy / (2 * self.output())


class Abs(Function):
    def forward(self, x):
        return backend.get_array_module(x).abs(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * _constant(backend.get_array_module(x.data).sign(x.data), gy)


class Sin(Function):
    def forward(self, x):
        return backend.get_array_module(x).sin(x)

    def backward(self, gy):
        return gy * self.inputs[0].cos()


class Cos(Function):
    def forward(self, x):
        return backend.get_array_module(x).cos(x)

    def backward(self, gy):
        return -gy * self.inputs[0].sin()


class Erf(Function):
    """erf(x) = 2/sqrt(pi) int_0^x e^{-t^2} dt;  d/dx erf(x) = 2/sqrt(pi) e^{-x^2}."""

    def forward(self, x):
        return kernels.erf(x)

    def backward(self, gy):
        x = self.inputs[0]
        return gy * (-x * x).exp() * (2 / math.sqrt(math.pi))


class Tanh(Function):
    saves_inputs, reads_output = False, True  # backward reads its output, not its input

    def forward(self, x):
        return backend.get_array_module(x).tanh(x)

    def backward(self, gy):
        y = self.output()
        return gy * (1 - y * y)


class Sigmoid(Function):
    """sigma(x) = 1 / (1 + e^-x) = e^x / (1 + e^x), each form used where its exponential is at most 1.

    With e = e^-|x|, sigma(x) = 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0:
    nothing overflows, and the left tail keeps its relative accuracy (the form
    (1 + tanh(x/2)) / 2 rounds to exactly 0 below x = -17 in float32, which makes
    log sigma(x) -inf).
    """

    saves_inputs, reads_output = False, True  # backward reads its output, not its input

    def forward(self, x):
        xp = backend.get_array_module(x)
        e = xp.exp(-xp.abs(x))
        return xp.maximum(e, x >= 0) / (1 + e)  # numerator 1 for x >= 0, e for x < 0 (no branch: where is slow)

    def backward(self, gy):
        y = self.output()
        return gy * y * (1 - y)


class Softplus(Function):
    """log(1 + e^x), computed as logaddexp(0, x) so that it never overflows; its slope is sigma(x)."""

    def forward(self, x):
        return backend.get_array_module(x).logaddexp(0, x)

    def backward(self, gy):
        return gy * self.inputs[0].sigmoid()


class ReLU(Function):
    """y = max(x, 0); dy/dx = 1 where y > 0. From y, not x, as PyTorch: y is the next layer's input, kept anyway."""

    saves_inputs, reads_output = False, True

    def forward(self, x):
        return backend.get_array_module(x).maximum(x, 0)

    def backward(self, gy):
        return gy * _constant(self.output().data > 0, gy)


class LeakyReLU(Function):
    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    # For 0 < slope <= 1 both passes are maxima, which NumPy computes ten times faster than its where
    # (not at slope 0: max(inf, inf * 0) is nan).
    def forward(self, x):
        xp, slope = backend.get_array_module(x), self.negative_slope
        return xp.maximum(x, x * slope) if 0 < slope <= 1 else xp.where(x > 0, x, x * slope)

    def backward(self, gy):
        x = self.inputs[0].data
        xp, slope = backend.get_array_module(x), gy.dtype.type(self.negative_slope)  # a Python float made float64
        slopes = xp.maximum(x > 0, slope) if 0 < slope <= 1 else xp.where(x > 0, gy.dtype.type(1), slope)
        return gy * Tensor(slopes)


class ELU(Function):
    """x for x > 0, alpha (e^x - 1) otherwise; its slope there is alpha e^x = y + alpha."""

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        xp = backend.get_array_module(x)
        return xp.where(x > 0, x, self.alpha * xp.expm1(xp.minimum(x, 0)))

    def backward(self, gy):
        x = self.inputs[0]
        positive = _constant(x.data > 0, gy)
        return gy * (positive + (1 - positive) * self.alpha * x.clamp(max=0).exp())


class SiLU(Function):
    """x sigmoid(x) (also called swish);  dy/dx = s (1 + x (1 - s)) with s = sigmoid(x)."""

    def forward(self, x):
        return x * Sigmoid().forward(x)

    def backward(self, gy):
        x = self.inputs[0]
        s = x.sigmoid()
        return gy * s * (1 + x * (1 - s))


_SQRT_HALF, _INV_SQRT_2PI = math.sqrt(0.5), 1 / math.sqrt(2 * math.pi)
_TANH_SCALE, _TANH_CUBIC = math.sqrt(2 / math.pi), 0.044715


class GELU(Function):
    """x Phi(x), Phi the standard normal CDF: Phi(x) = (1 + erf(x / sqrt(2))) / 2;
    dy/dx = Phi(x) + x phi(x), with the normal density phi(x) = e^{-x^2/2} / sqrt(2 pi).

    ``approximate="tanh"`` replaces Phi(x) by (1 + tanh(u)) / 2, u = sqrt(2/pi) (x + 0.044715 x^3),
    as PyTorch's option does; then dy/dx = (1 + tanh u) / 2 + x (1 - tanh^2 u) u'(x) / 2.
    """

    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, x):
        xp = backend.get_array_module(x)
        if self.approximate == "tanh":
            return 0.5 * x * (1 + xp.tanh(_TANH_SCALE * (x + _TANH_CUBIC * x * x * x)))
        return 0.5 * x * (1 + kernels.erf(x * _SQRT_HALF))

    def backward(self, gy):
        x = self.inputs[0]
        if self.approximate == "tanh":
            t = (_TANH_SCALE * (x + _TANH_CUBIC * x * x * x)).tanh()
            du_dx = _TANH_SCALE * (1 + 3 * _TANH_CUBIC * x * x)
            return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du_dx)
        cdf = 0.5 * (1 + (x * _SQRT_HALF).erf())
        density = (-0.5 * x * x).exp() * _INV_SQRT_2PI
        return gy * (cdf + x * density)


class Clamp(Function):
    def __init__(self, low, high):
        self.low, self.high = low, high

    def forward(self, x):
        return backend.get_array_module(x).clip(x, self.low, self.high)

    def backward(self, gy):
        x = self.inputs[0].data
        inside = (x >= (-float("inf") if self.low is None else self.low)) & (
            x <= (float("inf") if self.high is None else self.high)
        )
        return gy * _constant(inside, gy)


class Maximum(Function):
    """Element-wise max(a, b); where a == b the gradient is shared equally."""

    def forward(self, a, b):
        return backend.get_array_module(a, b).maximum(a, b)

    def backward(self, gy):
        a, b = self.inputs
        share_a = _constant((a.data > b.data) + 0.5 * (a.data == b.data), gy)
        ga = sum_to(gy * share_a, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy * (1 - share_a), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Minimum(Function):
    """Element-wise min(a, b); where a == b the gradient is shared equally."""

    def forward(self, a, b):
        return backend.get_array_module(a, b).minimum(a, b)

    def backward(self, gy):
        a, b = self.inputs
        share_a = _constant((a.data < b.data) + 0.5 * (a.data == b.data), gy)
        ga = sum_to(gy * share_a, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy * (1 - share_a), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def exp(x):
    return Exp()(x)


def log(x):
    return Log()(x)


def log1p(x):
    return Log1p()(x)


def sqrt(x):
    return Sqrt()(x)


def abs(x):
    return Abs()(x)


def sin(x):
    return Sin()(x)


def cos(x):
    return Cos()(x)


def erf(x):
    return Erf()(x)


def tanh(x):
    return Tanh()(x)


def sigmoid(x):
    return Sigmoid()(x)


def softplus(x):
    return Softplus()(x)


# ``inplace`` is PyTorch's argument, accepted and ignored: the result is always a new tensor.
def relu(x, inplace=False):
    return ReLU()(x)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    return LeakyReLU(negative_slope)(x)


def elu(x, alpha=1.0, inplace=False):
    return ELU(alpha)(x)


def silu(x, inplace=False):
    return SiLU()(x)


def gelu(x, approximate="none"):
    """GELU, exact (x Phi(x) through erf) or, with ``approximate="tanh"``, its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU(approximate)(x)


def clamp(x, min=None, max=None):
    """Limit values to [min, max]; either bound may be None."""
    if min is None and max is None:
        raise ValueError("clamp: give at least one of min and max")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        raise TypeError("clamp: min and max must be numbers; for tensor bounds use tinygen.maximum(x, min) "
                        "and tinygen.minimum(x, max), which share the gradient equally where x equals a bound")
    return Clamp(min, max)(x)


def maximum(a, b):
    return Maximum()(*promote(a, b))


def minimum(a, b):
    return Minimum()(*promote(a, b))
