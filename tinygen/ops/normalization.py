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

A layer in training mode runs all of it as one op, ``standardize_affine``:
moments, standardize and the layer's gamma and beta in two passes of a
compiled loop forward and two backward (``tinygen.kernels.norm``), where the
three ops make a dozen; its reference is the composition of the three.
"""
from .. import backend, kernels
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


class StandardizeAffine(Function):
    """y = standardize(x, mu, var) gamma + beta with (mu, var) = moments(x): a whole layer in training mode.

    x is (N, G, C, S) and gamma, beta are (G, C): see ``tinygen.kernels.norm``
    for how batch, layer and group norm take this shape, and for the backward.
    The statistics run over axes (2, 3), and over 0 too when ``over_batch``
    (batch norm). Outputs (y, mu, var), the statistics with those axes kept as
    size 1, for batch norm's running averages.
    """

    def __init__(self, eps, over_batch):
        self.eps, self.over_batch = eps, over_batch
        self.axes = (0, 2, 3) if over_batch else (2, 3)

    def forward(self, x, weight, bias):
        sets = 1 if self.over_batch else x.shape[0]
        # self.mean and self.var: float64, (sets, G), for the backward
        y, self.mean, self.var = kernels.standardize_affine_forward(x, weight, bias, self.eps, sets)
        shape = self.mean.shape + (1, 1)
        return y, self.mean.astype(x.dtype).reshape(shape), self.var.astype(x.dtype).reshape(shape)

    def backward(self, gy, g_mean, g_var):
        x, weight, _ = self.inputs
        grads = kernels.standardize_affine_backward(gy.data, x.data, weight.data, self.mean, self.var, self.eps,
                                                    g_mean.data, g_var.data)  # fmt: skip
        return tuple(Tensor(g) if need else None for g, need in zip(grads, self.needs_input_grad))

    def reference(self, x, weight, bias):
        mean, var = moments(x, self.axes)
        affine = (1,) + weight.shape + (1,)
        return standardize(x, mean, var, self.eps) * weight.reshape(affine) + bias.reshape(affine), mean, var


def moments(x, axes):
    """(mean, biased variance) of ``x`` over the tuple ``axes``, both with those axes kept as size 1."""
    return Moments(axes)(x)


def standardize(x, mean, var, eps=1e-5):
    return Standardize(eps)(x, mean, var)


def standardize_affine(x, weight, bias, eps=1e-5, over_batch=False):
    """-> (y, mean, var): ``x`` (N, G, C, S) standardised by its own moments over each (example, group), or
    over each group of the whole batch with ``over_batch``, then scaled by ``weight`` and shifted by ``bias``,
    both (G, C). One fused op on the CPU; CuPy arrays and float16 run its reference, the three ops."""
    if x.ndim != 4 or weight.shape != x.shape[1:3] or bias.shape != x.shape[1:3]:
        raise ValueError(f"standardize_affine: expects x of shape (N, G, C, S) and weight and bias of shape (G, C), "
                         f"got {x.shape}, {weight.shape} and {bias.shape}; reshape them first")  # fmt: skip
    op = StandardizeAffine(eps, over_batch)
    return op(x, weight, bias) if kernels.norm_supports(x.data) else op.reference(x, weight, bias)
