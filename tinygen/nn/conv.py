"""Convolution layers: Conv2d, ConvTranspose2d, and PixelCNN's MaskedConv2d.

Weights are (out_channels, in_channels, kh, kw) for Conv2d and
(in_channels, out_channels, kh, kw) for ConvTranspose2d, as in PyTorch, and
are initialised like PyTorch's layers (the same rule as Linear, with
fan_in = in_channels * kh * kw), so models port unchanged.

A PixelCNN predicts pixel i from pixels before it in raster order, so its
convolutions must not see the future. MaskedConv2d multiplies the kernel by a
fixed mask that keeps the rows above the centre and the pixels left of it:

    mask type A (first layer): the centre pixel is hidden, so the prediction
        of x_i never sees x_i itself;
    mask type B (later layers): the centre is kept, since the features there
        already depend only on pixels before i.

For colour images each pixel's channels are predicted in the order R, G, B:
the channels are split into three groups, and at the centre an output group
may see an input group only if it comes earlier (type A) or is the same or
earlier (type B).
"""
import numpy

from ..creation import tensor, zeros
from ..ops.conv import pair
from . import functional as F
from . import init
from .module import Module, Parameter


class Conv2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True,
                 device=None, dtype=None):  # fmt: skip
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = pair(kernel_size, "kernel_size"), pair(stride, "stride")
        self.padding, self.dilation = pair(padding, "padding"), pair(dilation, "dilation")
        self.weight = Parameter(zeros(*self._weight_shape(), device=device, dtype=dtype))
        self.register_parameter("bias", Parameter(zeros(out_channels, device=device, dtype=dtype)) if bias else None)
        init.reset_like_pytorch_(self.weight, self.bias)

    def _weight_shape(self):
        return (self.out_channels, self.in_channels, *self.kernel_size)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, bias={self.bias is not None}")  # fmt: skip


class ConvTranspose2d(Conv2d):
    """Upsampling by ``stride``: the adjoint of Conv2d with the same weight."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, dilation=1,
                 bias=True, device=None, dtype=None):  # fmt: skip
        self.output_padding = pair(output_padding, "output_padding")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias, device, dtype)

    def _weight_shape(self):
        return (self.in_channels, self.out_channels, *self.kernel_size)

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding, self.dilation)

    def extra_repr(self):
        return super().extra_repr() + f", output_padding={self.output_padding}"


def pixelcnn_mask(out_channels, in_channels, kernel_size, mask_type, color_groups=1):
    """The 0/1 mask (out_channels, in_channels, kh, kw) of a PixelCNN convolution (see the module docstring)."""
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask_type must be 'A' or 'B', got {mask_type!r}")
    for channels, name in ((in_channels, "in_channels"), (out_channels, "out_channels")):
        if channels % color_groups:
            raise ValueError(f"{name}={channels} must be divisible by color_groups={color_groups}")
    kh, kw = pair(kernel_size, "kernel_size")
    mask = numpy.zeros((out_channels, in_channels, kh, kw), numpy.float32)
    mask[:, :, : kh // 2, :] = 1  # every row above the centre
    mask[:, :, kh // 2, : kw // 2] = 1  # the centre row, left of the centre
    out_group = numpy.arange(out_channels) * color_groups // out_channels
    in_group = numpy.arange(in_channels) * color_groups // in_channels
    earlier = in_group[None, :] < out_group[:, None] if mask_type == "A" else in_group[None, :] <= out_group[:, None]
    mask[:, :, kh // 2, kw // 2] = earlier
    return mask


class MaskedConv2d(Conv2d):
    """A Conv2d that cannot see the future in raster order (and R -> G -> B order within a pixel).

    Padding defaults to kernel_size // 2, which keeps the image size.
    """

    def __init__(self, in_channels, out_channels, kernel_size, mask_type, color_groups=1, padding=None, bias=True,
                 device=None, dtype=None):  # fmt: skip
        kh, kw = pair(kernel_size, "kernel_size")
        padding = (kh // 2, kw // 2) if padding is None else padding
        super().__init__(in_channels, out_channels, kernel_size, 1, padding, 1, bias, device, dtype)
        self.mask_type, self.color_groups = mask_type, color_groups
        mask = pixelcnn_mask(out_channels, in_channels, kernel_size, mask_type, color_groups)
        self.register_buffer("mask", tensor(mask, dtype=self.weight.dtype, device=self.weight.device))

    def forward(self, x):
        return F.masked_conv2d(x, self.weight, self.mask, self.bias, padding=self.padding)

    def extra_repr(self):
        return super().extra_repr() + f", mask_type={self.mask_type!r}, color_groups={self.color_groups}"
