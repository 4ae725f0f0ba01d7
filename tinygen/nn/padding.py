"""Padding layers for images (N, C, H, W): thin wrappers of ``F.pad``'s modes.

``padding`` is one int for all four sides, or (left, right, top, bottom) as in PyTorch.
Reflection padding mirrors the image at its border (the edge pixel itself is not repeated),
replication repeats the edge pixel, zero padding adds zeros.
"""
from . import functional as F
from .module import Module


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = (padding,) * 4 if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != 4:
            raise ValueError(f"{type(self).__name__}: padding must be an int or (left, right, top, bottom), got {padding!r}")

    def forward(self, x):
        return F.pad(x, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad2d(_Pad2d):
    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    mode = "replicate"


class ZeroPad2d(_Pad2d):
    mode = "constant"
