"""Convolution layers: Conv2d, ConvTranspose2d, and MaskedConv2d (a Conv2d whose kernel is masked).

Weights are (out_channels, in_channels / groups, kh, kw) for Conv2d and
(in_channels, out_channels / groups, kh, kw) for ConvTranspose2d, as in
PyTorch, and are initialised like PyTorch's layers (the same rule as Linear,
with fan_in = weight.shape[1] * kh * kw), so models port unchanged. Conv2d's
padding may also be "same" or "valid".

MaskedConv2d multiplies its kernel by a fixed 0/1 mask it is given, so that
some outputs never see some inputs; which ones is the model's business (the
autoregressive models' masks, PixelCNN's A and B among them, are in
``tinygen.models.autoregressive.masks``).
"""
from ..creation import tensor, zeros
from ..ops.conv import pair
from . import functional as F
from . import init
from .module import Module, Parameter


class Conv2d(Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 device=None, dtype=None):  # fmt: skip
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{type(self).__name__}: in_channels {in_channels} and out_channels {out_channels} must "
                             f"both be divisible by groups {groups}")  # fmt: skip
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = pair(kernel_size, "kernel_size"), pair(stride, "stride")
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding")
        self.dilation = pair(dilation, "dilation")
        if padding == "same" and self.stride != (1, 1):
            raise ValueError(f"{type(self).__name__}: padding='same' needs stride 1 (as in PyTorch), got {self.stride}")
        self.weight = Parameter(zeros(*self._weight_shape(), device=device, dtype=dtype))
        self.register_parameter("bias", Parameter(zeros(out_channels, device=device, dtype=dtype)) if bias else None)
        init.reset_like_pytorch_(self.weight, self.bias)

    def _weight_shape(self):
        return (self.out_channels, self.in_channels // self.groups, *self.kernel_size)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        groups = f", groups={self.groups}" if self.groups != 1 else ""
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}{groups}, bias={self.bias is not None}")  # fmt: skip


class ConvTranspose2d(Conv2d):
    """Upsampling by ``stride``: the adjoint of Conv2d with the same weight. Arguments in PyTorch's order
    (groups before bias, dilation after it)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, device=None, dtype=None):  # fmt: skip
        self.output_padding = pair(output_padding, "output_padding")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, device, dtype)

    def _weight_shape(self):
        return (self.in_channels, self.out_channels // self.groups, *self.kernel_size)

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding,
                                  self.groups, self.dilation)  # fmt: skip

    def extra_repr(self):
        return super().extra_repr() + f", output_padding={self.output_padding}"


class MaskedConv2d(Conv2d):
    """A Conv2d whose kernel is multiplied by a fixed 0/1 ``mask`` of the weight's shape (out, in, kh, kw).

    The mask is a buffer: saved with the weights and moved with them, never trained.
    Masked weights receive a zero gradient.
    """

    def __init__(self, in_channels, out_channels, kernel_size, mask, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, device=None, dtype=None):  # fmt: skip
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, device, dtype)
        if tuple(mask.shape) != self.weight.shape:
            raise ValueError(f"the mask's shape {tuple(mask.shape)} must be the kernel's, {self.weight.shape}")
        self.register_buffer("mask", tensor(mask, dtype=self.weight.dtype, device=self.weight.device))

    def forward(self, x):
        return F.masked_conv2d(x, self.weight, self.mask, self.bias, self.stride, self.padding, self.dilation, self.groups)
