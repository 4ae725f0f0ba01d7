"""Activation functions as Modules, so that they can sit in a ``Sequential``.

Each calls the element-wise op of the same name (its formula and derivative
are in ``tinygen.ops.elementwise``):

    ReLU       max(x, 0)
    LeakyReLU  x if x > 0 else negative_slope * x
    ELU        x if x > 0 else alpha (e^x - 1)
    Sigmoid    1 / (1 + e^-x)
    SiLU       x sigmoid(x)                           (also called swish)
    GELU       x Phi(x), Phi the standard normal CDF  (approximate="tanh": its tanh approximation)
    Tanh       tanh x
    Softplus   log(1 + e^(beta x)) / beta, and x itself once beta x > threshold
    Identity   x
    Flatten    merge axes start_dim..end_dim into one
    Unflatten  split axis dim into unflattened_size
    Softmax    e^x / sum(e^x) along dim               (LogSoftmax: its log, computed stably)

ReLU, LeakyReLU, ELU and SiLU take PyTorch's ``inplace`` argument and ignore it:
they always return a new tensor, with the same values. (Overwriting the input
would save memory, at the price of destroying a value that a backward pass or
the caller may still need.)
"""
from ..ops import where
from ..ops.shape import normalize_dim
from . import functional as F
from .module import Module


class ReLU(Module):
    def __init__(self, inplace=False):  # inplace: ignored (see the module docstring)
        super().__init__()

    def forward(self, input):
        return F.relu(input)


class LeakyReLU(Module):
    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class Sigmoid(Module):
    def forward(self, input):
        return F.sigmoid(input)


class SiLU(Module):
    def __init__(self, inplace=False):  # inplace: ignored (see the module docstring)
        super().__init__()

    def forward(self, input):
        return F.silu(input)


class GELU(Module):
    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """A smooth ReLU; larger ``beta`` bends it more sharply. Past ``threshold`` it is x
    (as in PyTorch), where log(1 + e^(beta x)) / beta differs from x by less than e^-threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        scaled = input * self.beta
        return where(scaled > self.threshold, input, F.softplus(scaled) / self.beta)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Identity(Module):
    """Returns its input: a placeholder where a layer is optional (any arguments are ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Flatten(Module):
    """(N, C, H, W) -> (N, C*H*W) with the defaults: keeps the batch axis, merges the rest."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``, undoing a Flatten: (N, 784) -> (N, 1, 28, 28)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):
        dim = normalize_dim(self.dim, input.ndim)
        return input.reshape(input.shape[:dim] + self.unflattened_size + input.shape[dim + 1 :])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Softmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        if dim is None:  # PyTorch guesses an axis from the input's rank, with a warning; a wrong guess is silent
            raise ValueError(f"{type(self).__name__}: pass dim, the axis to normalise over (often -1 or 1)")
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, input):
        return F.log_softmax(input, self.dim)
