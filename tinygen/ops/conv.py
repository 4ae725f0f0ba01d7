"""2-D convolution as one matrix product, and the two adjoints that make up its backward.

For an input x (N, C, H, W) and a weight w (F, C, kh, kw), im2col copies every
receptive field of x into a column, cols (C*T, N*OH*OW) with T = kh*kw taps, so

    y = w_flat @ cols                                   conv2d            (F, N*OH*OW)

where w_flat = w.reshape(F, C*T). The map (x, w) -> y is bilinear, so its
gradients are the two adjoints of that product:

    dL/dx = col2im(w_flat^T @ dy_flat)                  conv_transpose2d  (the adjoint in x)
    dL/dw = dy_flat @ cols^T                            conv2d_weight     (the adjoint in w)

Each of the three is bilinear too, and the backward of each is written with
the other two. That closed family is why convolutions differentiate twice,
which a WGAN-GP critic needs for its gradient penalty.

A masked convolution (PixelCNN) passes ``taps``, the kernel positions the mask
keeps; positions left out are treated as zero weights and are skipped, not
multiplied by zero.

With ``groups`` = G, the C input and F output channels split into G groups,
and output group k sees input group k alone: w is (F, C/G, kh, kw), the rows
of cols and of w_flat split into G blocks, and each product becomes a batch
of G products (matmul over a leading axis of groups),

    y_k = w_flat_k @ cols_k,     dL/dx_k = col2im(w_flat_k^T @ dy_k),     dL/dw_k = dy_k @ cols_k^T,

so grouped convolutions differentiate twice like the others.

conv2d and conv_transpose2d check their arguments once, into a
``ConvGeometry`` (kernel size, stride, padding, dilation, taps and image sizes;
``tinygen/kernels/conv.py``), which the three Functions hand to each other and
to the im2col and col2im kernels.

On the CPU each of the three runs over chunks of a few images at a time: the
columns of one chunk (up to 16 MiB) are still in the cache when the matrix
product reads them, where the columns of a whole batch (58 MiB for 32
channels of 28x28 at batch 64) would go out to memory and back. conv2d keeps
its output in the product's channel-major layout (F, N*OH*OW), each chunk's
product written in place, and returns it as an (N, F, OH, OW) view: no copy,
and NumPy keeps that layout through the element-wise ops that follow (and
``ones_like`` keeps it for a seeded gradient), so the backward products read
the gradient in that layout without a copy either.

When the columns are no larger than the output (C*T <= F: the first layer of
an image model, a masked 7x7 layer on one channel), conv2d keeps them for the
weight gradient instead of building them again.

On the CPU, 3x3 stride-1 convolutions with 16 or more channels in and out take
Winograd's F(2x2, 3x3) instead (``tinygen/kernels/winograd.py``): 16
multiplications for each 2x2 block of outputs where im2col's product makes 36.
Convolution and ConvolutionWeight each have a Winograd branch (the weight
gradient runs the transforms' adjoints), and the input gradient comes through
the flipped-kernel convolution, so the three Functions and their double
backward stay as they are. The im2col path stays the reference that
tests/kernels/test_kernel_winograd.py checks the fast one against.
"""
import dataclasses

import numpy

from .. import backend
from ..autograd.function import Function
from ..kernels import ConvGeometry, col2im, im2col, pair, winograd
from ..threads import product
from .padding import pad

# im2col columns per chunk of images: small enough to stay in the last-level cache, large enough for an efficient
# matrix product (of 4, 8, 16 and 64 MiB, 16 was best or even on every benchmark convolution here)
CHUNK_BYTES = 16 << 20
# 3x3 stride-1 convolutions with at least this many channels in and out go by Winograd's F(2x2, 3x3) on the CPU,
# a few images at a time: the transforms are quick only while V and M fit in the core's own cache
WINOGRAD_CHANNELS = 16
WINOGRAD_CHUNK_BYTES = 2 << 20


def _im2col(x, geometry):
    one_pixel_per_column = geometry.kernel_size == (1, 1) and geometry.stride == (1, 1) and geometry.padding == (0, 0)
    if one_pixel_per_column and geometry.output_size == geometry.image_size:
        return _flat_channels_first(x)  # each column is one pixel's channels: no copy for channel-major x
    if _whole_image(geometry):
        return x.reshape(x.shape[0], -1).T  # each column is one whole image: no copy for contiguous x
    return im2col(x, geometry)


def _col2im(cols, x_shape, geometry):
    if _whole_image(geometry):
        return cols.T.reshape(x_shape)  # one window per image: nothing overlaps, nothing to add
    return col2im(cols, x_shape, geometry)


def _whole_image(geometry):
    """One window covering the whole unpadded image (DCGAN's last 7x7 layer on 7x7 maps): a fully connected layer,
    whose im2col is the images flattened and transposed, row c*T + t = (c, ki, kj) as in x."""
    g = geometry
    return (g.kernel_size == g.image_size and g.output_size == (1, 1) and g.padding == (0, 0)
            and g.dilation == (1, 1) and len(g.taps) == g.kernel_size[0] * g.kernel_size[1])  # fmt: skip


def _image_chunks(geometry, x_shape, out_channels, dtype, gpu):
    """Slices of consecutive images whose columns, (C*T, B*OH*OW), and output-shaped
    gradients, (F, B*OH*OW), take at most about CHUNK_BYTES (all images at once on a GPU)."""
    rows = max(x_shape[1] * len(geometry.taps), out_channels)
    per_image = rows * numpy.prod(geometry.output_size) * numpy.dtype(dtype).itemsize
    return _chunks(x_shape[0], x_shape[0] if gpu else max(1, int(CHUNK_BYTES // per_image)))


def _chunks(n, step):
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _chunked_im2col(geometry, x, out_channels, cols=None):
    """(images, im2col(x[images])) for each chunk of images; all images at once if ``cols`` are given."""
    if cols is not None:
        yield slice(0, x.shape[0]), cols
        return
    for images in _image_chunks(geometry, x.shape, out_channels, x.dtype, backend.is_gpu_array(x)):
        yield images, _im2col(x[images], geometry)


def _columns_are_small(geometry, x_shape, out_channels):
    """C*T <= F: the columns take no more memory than the output, so they are worth keeping."""
    return x_shape[1] * len(geometry.taps) <= out_channels


def _output_shape(geometry, x_shape, out_channels):
    return (x_shape[0], out_channels, *geometry.output_size)


def _flat_weight(geometry, w):
    """(F, C, kh, kw) -> (F, C*T), keeping only the taps."""
    f, c = w.shape[:2]
    if len(geometry.taps) == w.shape[2] * w.shape[3]:
        return w.reshape(f, -1)
    return w.reshape(f, c, -1)[:, :, list(geometry.taps)].reshape(f, -1)


def _full_weight(geometry, flat, weight_shape):
    """(F, C*T) -> (F, C, kh, kw), zeros at the taps left out."""
    f, c, kh, kw = weight_shape
    if len(geometry.taps) == kh * kw:
        return flat.reshape(weight_shape)
    full = backend.get_array_module(flat).zeros((f, c, kh * kw), flat.dtype)
    full[:, :, list(geometry.taps)] = flat.reshape(f, c, -1)
    return full.reshape(weight_shape)


def _flat_channels_first(y):
    """(N, F, OH, OW) -> (F, N*OH*OW), the layout of the im2col product."""
    return y.transpose(1, 0, 2, 3).reshape(y.shape[1], -1)


def _by_group(matrix, groups):
    """(G*R, K) -> (G, R, K): each group's rows as one matrix of a batch (a view)."""
    return matrix.reshape(groups, matrix.shape[0] // groups, matrix.shape[1])


def _flipped_kernel(w, groups):
    """(F, C/G, kh, kw) -> (C, F/G, kh, kw), flipped in space: the kernel of conv2d's adjoint as a convolution."""
    f, c_group, kh, kw = w.shape
    by_group = w[:, :, ::-1, ::-1].reshape(groups, f // groups, c_group, kh, kw).transpose(0, 2, 1, 3, 4)
    return by_group.reshape(groups * c_group, f // groups, kh, kw)


def _uses_winograd(geometry, x, other, out_channels):
    """Whether x's convolution with ``other`` (the weight, or the gradient) goes by Winograd; mixed dtypes do not
    (the transforms run in x's dtype), nor do few channels."""
    channels = min(x.shape[1], out_channels) >= WINOGRAD_CHANNELS
    return winograd.applies(geometry, x) and x.dtype == other.dtype and channels


def _winograd_chunks(geometry, x, out_channels):
    """(images, V, M) for each chunk of images: V its transformed inputs (16, C, tiles), M an empty (16, F, tiles)
    for the products, both about WINOGRAD_CHUNK_BYTES. Every chunk reuses the same two buffers, whose pages are
    then touched once per call, not once per chunk (3-4% of a 3x3 convolution's forward and backward, measured)."""
    (th, tw), (c, f) = winograd.tiles(geometry), (x.shape[1], out_channels)
    step = max(1, int(WINOGRAD_CHUNK_BYTES // (16 * max(c, f) * th * tw * x.dtype.itemsize)))
    v_buffer, m_buffer = numpy.empty(16 * c * step * th * tw, x.dtype), numpy.empty(16 * f * step * th * tw, x.dtype)
    for images in _chunks(x.shape[0], step):
        tiles = (images.stop - images.start) * th * tw
        v, m = v_buffer[:16 * c * tiles].reshape(16, c, tiles), m_buffer[:16 * f * tiles].reshape(16, f, tiles)
        winograd.input_transform(x[images], geometry.padding, v)
        yield images, v, m


def _winograd_conv2d(geometry, x, w, y):
    """y (F, N, OH, OW) = conv2d(x, w) by F(2x2, 3x3): M = U @ V for each of the 16 transform positions."""
    u = winograd.weight_transform(w)
    for images, v, m in _winograd_chunks(geometry, x, w.shape[0]):
        winograd.output_transform(product(u, v, out=m), y[:, images])  # small products: one BLAS thread each


def _winograd_weight(geometry, x, g):
    """conv2d's weight gradient by F(2x2, 3x3): dU = sum over tiles of dM @ V^T, then dg = G^T dU G."""
    du = 0
    for images, v, dm in _winograd_chunks(geometry, x, g.shape[1]):
        winograd.output_transform_adjoint(g[images], dm)
        du = du + product(dm, v.transpose(0, 2, 1))
    return winograd.weight_transform_adjoint(du)


class Convolution(Function):
    """y = conv2d(x, w): forward by im2col and one matrix product per chunk of images.

    With ``keep_columns`` it keeps im2col(x), whatever their size, for a weight gradient to come.
    """

    def __init__(self, geometry, keep_columns=False):
        self.geometry, self.keep_columns, self.cols = geometry, keep_columns, None

    def forward(self, x, w):
        g = self.geometry
        _check_channels(x.shape, w.shape, g.groups)
        xp, (n, f, oh, ow) = backend.get_array_module(x), _output_shape(g, x.shape, w.shape[0])
        y = xp.empty((f, n * oh * ow), xp.result_type(x, w))  # channel-major, as the products come out
        if _uses_winograd(g, x, w, f):
            _winograd_conv2d(g, x, w, y.reshape(f, n, oh, ow))
            return y.reshape(f, n, oh, ow).transpose(1, 0, 2, 3)
        w_flat = _by_group(_flat_weight(g, w), g.groups)
        self.cols = _im2col(x, g) if self.keep_columns or _columns_are_small(g, x.shape, f) else None
        for images, cols in _chunked_im2col(g, x, f, self.cols):
            block = y[:, images.start * oh * ow:images.stop * oh * ow]
            product(w_flat, _by_group(cols, g.groups), out=_by_group(block, g.groups))
        return y.reshape(f, n, oh, ow).transpose(1, 0, 2, 3)

    def backward(self, gy):
        x, w = self.inputs
        gx = TransposedConvolution(self.geometry, x.shape)(gy, w) if self.needs_input_grad[0] else None
        gw = ConvolutionWeight(self.geometry, w.shape, self.cols)(x, gy) if self.needs_input_grad[1] else None
        return gx, gw


class TransposedConvolution(Function):
    """z = conv2d's adjoint in x applied to g: the input gradient of conv2d, and the transposed convolution."""

    def __init__(self, geometry, x_shape):
        self.geometry, self.x_shape = geometry, tuple(x_shape)

    def forward(self, g, w):
        expected = _output_shape(self.geometry, self.x_shape, w.shape[0])
        if g.shape != expected:
            raise ValueError(f"expected an input of shape {expected} for output shape {self.x_shape}, got {g.shape}")
        groups = self.geometry.groups
        flipped = self._flipped_geometry(g, w)
        if flipped is not None:
            return Convolution(flipped).forward(g, _flipped_kernel(w, groups))
        z = backend.get_array_module(g).empty(self.x_shape, g.dtype)
        w_flat_t = _by_group(_flat_weight(self.geometry, w), groups).transpose(0, 2, 1)
        for images in _image_chunks(self.geometry, self.x_shape, g.shape[1], g.dtype, backend.is_gpu_array(g)):
            cols = product(w_flat_t, _by_group(_flat_channels_first(g[images]), groups))  # (G, C/G * T, B*OH*OW)
            z[images] = _col2im(cols.reshape(-1, cols.shape[-1]), z[images].shape, self.geometry)
        return z

    def _flipped_geometry(self, g_array, w):
        """With stride 1, the adjoint is itself a convolution: of g with the kernel flipped in space
        and transposed in channels, padded by d(k-1) - p (a masked kernel's taps flip with it). That
        skips col2im's scattered adds, which cost more than a second im2col once there are many
        channels (32 or more, measured; 16 or more where the flipped convolution goes by Winograd),
        as long as z has about as many pixels as g: where it grows the image (1x1 -> 7x7, DCGAN's
        first layer) the flipped columns, one per pixel of z, are mostly padding, and 49 times as
        many as col2im's."""
        g, g_shape = self.geometry, g_array.shape
        pads = [d * (k - 1) - p for k, p, d in zip(g.kernel_size, g.padding, g.dilation)]
        grows = numpy.prod(self.x_shape[2:]) > 2 * numpy.prod(g_shape[2:])
        if g.stride != (1, 1) or min(pads) < 0 or grows:
            return None
        last = g.kernel_size[0] * g.kernel_size[1] - 1
        flipped = ConvGeometry.of(g_shape, g.kernel_size, 1, pads, g.dilation, [last - t for t in g.taps], g.groups)
        many_channels = self.x_shape[1] >= 32 or _uses_winograd(flipped, g_array, w, self.x_shape[1])
        fits = flipped.output_size == self.x_shape[2:]  # not with output_padding: padded on one side only
        return flipped if many_channels and fits else None

    def backward(self, gz):
        g, w = self.inputs
        # both gradients read im2col(gz): build the columns once (16 rows a channel for DCGAN's 4x4 kernels)
        convolution = Convolution(self.geometry, keep_columns=all(self.needs_input_grad))
        gg = convolution(gz, w) if self.needs_input_grad[0] else None
        gw = ConvolutionWeight(self.geometry, w.shape, convolution.cols)(gz, g) if self.needs_input_grad[1] else None
        return gg, gw


class ConvolutionWeight(Function):
    """v = conv2d's adjoint in w applied to g: the weight gradient dy_flat @ cols^T.

    ``cols``, if given, are im2col(x), kept by the forward convolution.
    """

    def __init__(self, geometry, weight_shape, cols=None):
        self.geometry, self.weight_shape, self.cols = geometry, tuple(weight_shape), cols

    def forward(self, x, g):
        if self.cols is None and _uses_winograd(self.geometry, x, g, g.shape[1]):
            return _winograd_weight(self.geometry, x, g)
        groups, flat = self.geometry.groups, 0
        for images, cols in _chunked_im2col(self.geometry, x, g.shape[1], self.cols):
            dy, columns = _by_group(_flat_channels_first(g[images]), groups), _by_group(cols, groups)
            by_group = product(dy, columns.transpose(0, 2, 1))
            flat = flat + by_group  # sum over chunks of images
        return _full_weight(self.geometry, flat.reshape(-1, flat.shape[-1]), self.weight_shape)

    def backward(self, gv):
        x, g = self.inputs
        gx = TransposedConvolution(self.geometry, x.shape)(g, gv) if self.needs_input_grad[0] else None
        gg = Convolution(self.geometry)(x, gv) if self.needs_input_grad[1] else None
        return gx, gg


def _check_channels(x_shape, w_shape, groups):
    if len(x_shape) != 4 or len(w_shape) != 4:
        raise ValueError(f"conv2d needs a 4-D input (N, C, H, W) and weight (F, C, kh, kw), got {x_shape} and {w_shape}")
    if x_shape[1] != w_shape[1] * groups:
        per_group = f" in each of {groups} groups" if groups > 1 else ""
        raise ValueError(f"input has {x_shape[1]} channels but the weight {w_shape} expects {w_shape[1]}{per_group}")
    if w_shape[0] % groups:
        raise ValueError(f"conv2d: {w_shape[0]} output channels (the weight {w_shape}) do not split into {groups} groups")


def _add_bias(y, bias, op):
    if bias is None:
        return y
    if bias.shape != (y.shape[1],):
        raise ValueError(f"{op}: the bias has shape {bias.shape}, but there are {y.shape[1]} output channels: "
                         f"it needs one value per output channel, shape ({y.shape[1]},)")
    return y + bias.reshape(1, -1, 1, 1)


def _same_padding(kernel_size, stride, dilation):
    """padding="same": d (k - 1) in all along each axis, the odd one at the end (bottom, right), as in PyTorch."""
    if pair(stride, "stride") != (1, 1):
        raise ValueError(f"conv2d: padding='same' needs stride 1 (as in PyTorch), got stride {stride}; "
                         "give the padding as numbers instead")  # fmt: skip
    totals = [d * (k - 1) for k, d in zip(kernel_size, pair(dilation, "dilation"))]
    return [(total // 2, total - total // 2) for total in totals]


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, taps=None):
    """Cross-correlation of x (N, C, H, W) with weight (F, C / groups, kh, kw), as in PyTorch.

    ``padding`` is a number, a (height, width) pair, "valid" (none) or "same"
    (stride 1: as many outputs as inputs). ``groups`` splits the channels
    into independent convolutions. ``taps`` (tinygen's addition) lists the
    kernel positions to use, row-major; the others act as zero weights and are
    skipped (masked convolutions).
    """
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"conv2d: padding must be a number, a pair, 'same' or 'valid', got {padding!r}")
        pairs = _same_padding(weight.shape[2:], stride, dilation) if padding == "same" else [(0, 0), (0, 0)]
        (top, bottom), (left, right) = pairs
        if (bottom, right) != (top, left):  # an even kernel: one more row or column at the end
            x = pad(x, (0, right - left, 0, bottom - top))
        padding = (top, left)
    geometry = ConvGeometry.of(x.shape, weight.shape[2:], stride, padding, dilation, taps, groups)
    return _add_bias(Convolution(geometry)(x, weight), bias, "conv2d")


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1, taps=None):
    """Transposed convolution of x (N, C_in, H, W) with weight (C_in, C_out / groups, kh, kw), as in PyTorch.

    It is the adjoint of conv2d with the same weight, so it maps each input
    pixel to a (dilated) kernel-sized patch of the output: upsampling by
    ``stride``. Output size: (H - 1) * stride - 2 * padding + dilation * (kh - 1) + output_padding + 1.
    ``output_padding`` adds rows and columns at the bottom and right, which only
    the kernel's far taps reach; it must be smaller than the stride or the
    dilation, as in PyTorch.
    """
    stride, padding, dilation = pair(stride, "stride"), pair(padding, "padding"), pair(dilation, "dilation")
    output_padding = pair(output_padding, "output_padding")
    n, _, h, w = x.shape
    if any(not 0 <= extra < max(s, d) for extra, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(f"conv_transpose2d: output_padding {output_padding} must be non-negative and smaller than "
                         f"either the stride {stride} or the dilation {dilation} along each axis, as in PyTorch")
    sizes = [(size - 1) * s - 2 * p + d * (k - 1) + extra + 1
             for size, k, s, p, d, extra in zip((h, w), weight.shape[2:], stride, padding, dilation, output_padding)]
    z_shape = (n, weight.shape[1] * groups, *sizes)
    geometry = ConvGeometry.of(z_shape, weight.shape[2:], stride, padding, dilation, taps, groups)
    # With output_padding >= stride (allowed below the dilation) more windows fit in z than x has pixels;
    # the adjoint's windows are x's pixels.
    geometry = dataclasses.replace(geometry, output_size=(h, w))
    return _add_bias(TransposedConvolution(geometry, z_shape)(x, weight), bias, "conv_transpose2d")


def masked_conv2d(x, weight, mask, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """conv2d with ``weight * mask``, skipping the kernel positions where the mask is zero everywhere.

    The product keeps the masked weights' gradients at zero; skipping the
    empty positions saves their work (a PixelCNN 7x7 mask A keeps 24 of 49).
    """
    xp = backend.get_array_module(mask.data)
    kept = xp.flatnonzero(xp.abs(mask.data).reshape(-1, mask.shape[2] * mask.shape[3]).sum(axis=0))
    taps = backend.to_host(kept)
    return conv2d(x, weight * mask, bias, stride, padding, dilation, groups, taps if taps.size else None)
