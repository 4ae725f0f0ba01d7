"""Dropout: during training, zero each element with probability p and scale the
survivors by 1 / (1 - p), so that the expected value is unchanged and
evaluation needs no rescaling."""
from .. import backend
from ..autograd.function import Function
from ..random import generator
from ..tensor import Tensor


class Dropout(Function):
    def __init__(self, p):
        self.p = p

    def forward(self, x):
        keep = generator(backend.device_of(x)).random(x.shape) >= self.p
        self.scale = keep.astype(x.dtype) / (1 - self.p)
        return x * self.scale

    def backward(self, gy):
        return gy * Tensor(self.scale)


def dropout(x, p=0.5, training=True, inplace=False):  # inplace: PyTorch's, accepted and ignored
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    return Dropout(p)(x)
