"""Pooling on (N, C, H, W) images (resizing them is ``interpolation.py``).

Max pooling passes each window's largest value; its gradient goes back to that
one position (argmax), and the backward of that scatter is a gather at the
same positions. Average pooling is linear: its backward is its adjoint
(spread each gradient evenly over the window), and the adjoint's backward is
average pooling again.
"""
from .. import backend, kernels
from ..autograd.function import Function
from ..kernels import PoolGeometry
from .shape import reshape


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
