"""Dropout: during training, zero each element with probability p and scale the
survivors by 1 / (1 - p), so that the expected value is unchanged and
evaluation needs no rescaling."""
from .. import backend
from ..autograd.function import Function
from ..random import generator
from ..tensor import Tensor


class Dropout(Function):
    def __init__(self, p, mask_shape):
        self.p, self.mask_shape = p, mask_shape  # a mask of size 1 along an axis drops whole slices of it

    def forward(self, x):
        keep = generator(backend.device_of(x)).random(self.mask_shape) >= self.p
        self.scale = keep.astype(x.dtype) / (1 - self.p)
        return x * self.scale

    def backward(self, gy):
        return gy * Tensor(self.scale)


def dropout(x, p=0.5, training=True, inplace=False):  # inplace: PyTorch's, accepted and ignored
    return _dropout("dropout", x, p, training, x.shape)


def dropout2d(x, p=0.5, training=True, inplace=False):
    """Zero whole channels: each (example, channel) feature map of (N, C, H, W) or (C, H, W) at once."""
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expects (N, C, H, W) or (C, H, W), got shape {x.shape}")
    return _dropout("dropout2d", x, p, training, x.shape[:-2] + (1, 1))


def _dropout(name, x, p, training, mask_shape):
    if not 0 <= p <= 1:
        raise ValueError(f"{name}: p must be a probability in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    return Dropout(p, mask_shape)(x)
