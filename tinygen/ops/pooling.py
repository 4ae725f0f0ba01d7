"""Pooling and nearest-neighbour upsampling on (N, C, H, W) images.

Max pooling passes each window's largest value; its gradient goes back to that
one position (argmax), and the backward of that scatter is a gather at the
same positions. Average pooling is linear: its backward is its adjoint
(spread each gradient evenly over the window), and the adjoint's backward is
average pooling again. Nearest-neighbour upsampling is a broadcast and a
reshape, so it needs no Function of its own.
"""
import numpy

from .. import backend, kernels
from ..autograd.function import Function
from ..kernels import PoolGeometry, pair
from .shape import broadcast_to, reshape


class MaxPool(Function):
    def __init__(self, geometry):
        self.geometry = geometry

    def forward(self, x):
        y, self.argmax = kernels.max_pool2d(x, self.geometry)
        return y

    def backward(self, gy):
        return MaxPoolScatter(self.argmax, self.inputs[0].shape, self.geometry)(gy)


class MaxPoolScatter(Function):
    """Add each window's gradient at the position of its maximum."""

    def __init__(self, argmax, x_shape, geometry):
        self.argmax, self.x_shape, self.geometry = argmax, x_shape, geometry

    def forward(self, gy):
        return kernels.max_pool2d_backward(gy, self.argmax, self.x_shape, self.geometry)

    def backward(self, g):
        n, c = self.x_shape[:2]
        xp = backend.get_array_module(self.argmax)
        index = (xp.arange(n)[:, None, None, None], xp.arange(c)[None, :, None, None], self.argmax)
        return reshape(g, (n, c, -1))[index]


class AvgPool(Function):
    def __init__(self, geometry):
        self.geometry = geometry

    def forward(self, x):
        return kernels.avg_pool2d(x, self.geometry)

    def backward(self, gy):
        return AvgPoolAdjoint(self.inputs[0].shape, self.geometry)(gy)


class AvgPoolAdjoint(Function):
    def __init__(self, x_shape, geometry):
        self.x_shape, self.geometry = x_shape, geometry

    def forward(self, gy):
        return kernels.avg_pool2d_backward(gy, self.x_shape, self.geometry)

    def backward(self, g):
        return AvgPool(self.geometry)(g)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Largest value of each kernel_size window (stride defaults to kernel_size; padding counts as -inf)."""
    return MaxPool(PoolGeometry.of(x.shape, kernel_size, stride, padding))(x)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Mean of each window; padded positions count as zeros in the mean, as in PyTorch."""
    return AvgPool(PoolGeometry.of(x.shape, kernel_size, stride, padding))(x)


def interpolate(x, scale_factor, mode="nearest"):
    """Upsample (N, C, H, W) by an integer factor, repeating each pixel (``mode='nearest'`` only)."""
    if mode != "nearest":
        raise ValueError(f"interpolate: only mode='nearest' is implemented, got {mode!r}")
    if any(int(f) != f or f < 1 for f in numpy.atleast_1d(scale_factor)):
        raise ValueError(f"interpolate: scale_factor must be a positive integer or a pair of them, got {scale_factor}")
    sh, sw = pair(scale_factor, "scale_factor")
    n, c, h, w = x.shape
    repeated = broadcast_to(reshape(x, (n, c, h, 1, w, 1)), (n, c, h, sh, w, sw))
    return reshape(repeated, (n, c, h * sh, w * sw))
