"""The two steps of every normalisation layer (batch, layer and group norm), each one fused op.

    moments:      mu = mean(x),  var = mean((x - mu)^2)      over ``axes``, kept as size-1 axes
    standardize:  xhat = (x - mu) / sqrt(var + eps)

Training passes the moments of x itself to ``standardize``; evaluation passes
running statistics. Each op's backward gives its own partial derivatives, so
the gradient through the statistics reaches x along the moments op. Summed
over the standardised axes, with s = 1 / sqrt(var + eps), they add up to the
familiar total

    dL/dx = s (g - mean(g) - xhat mean(g xhat)),    g = dL/dxhat.

Both are fused ops with a ``reference`` (see ``tinygen.autograd.function``):
the same formulas in Tensor ops, which the engine differentiates when a
gradient must itself be differentiable (a WGAN-GP critic with layer norm).
"""
from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor
from .shape import sum_to


class Moments(Function):
    """mu and the biased var over ``axes``, n values each: dL/dx = (dL/dmu + 2 (x - mu) dL/dvar) / n."""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        xp = backend.get_array_module(x)
        self.mean = x.mean(axis=self.axes, keepdims=True)
        centered = x - self.mean
        return self.mean, xp.square(centered, out=centered).mean(axis=self.axes, keepdims=True)

    def backward(self, g_mean, g_var):
        x = self.inputs[0].data
        n = x.size // self.mean.size
        gx = x - self.mean
        gx *= g_var.data * (2 / n)
        gx += g_mean.data / n
        return Tensor(gx)

    def reference(self, x):
        mean = x.mean(self.axes, keepdim=True)
        return mean, ((x - mean) * (x - mean)).mean(self.axes, keepdim=True)


class Standardize(Function):
    """xhat = (x - mu) s with s = 1 / sqrt(var + eps); mu and var broadcast against x.

    dL/dx = s g,   dL/dmu = -s sum(g),   dL/dvar = -s^2/2 sum(g xhat),
    the sums running over the axes along which mu and var were broadcast.
    """

    def __init__(self, eps):
        self.eps = eps

    def forward(self, x, mean, var):
        xp = backend.get_array_module(x)
        xhat = x - mean
        xhat *= 1 / xp.sqrt(var + self.eps)
        self.xhat = xhat
        return xhat

    def backward(self, gy):
        _, mean, var = self.inputs
        inv_std = (var + self.eps) ** -0.5
        gx = gy * inv_std if self.needs_input_grad[0] else None
        g_mean = -sum_to(gy, mean.shape) * inv_std if self.needs_input_grad[1] else None
        g_var = sum_to(gy * Tensor(self.xhat), var.shape) * (-0.5 * inv_std * inv_std) if self.needs_input_grad[2] else None
        return gx, g_mean, g_var

    def reference(self, x, mean, var):
        return (x - mean) * (var + self.eps) ** -0.5


def moments(x, axes):
    """(mean, biased variance) of ``x`` over the tuple ``axes``, both with those axes kept as size 1."""
    return Moments(axes)(x)


def standardize(x, mean, var, eps=1e-5):
    return Standardize(eps)(x, mean, var)
