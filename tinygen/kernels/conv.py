"""im2col and col2im: convolution as one matrix product, CPU and CUDA loops side by side.

For an input x (N, C, H, W) and a kh x kw kernel with stride s, padding p and
dilation d, im2col copies every receptive field of x into a column:

    cols[c*T + t, n*OH*OW + y*OW + x] = x[n, c, y*s - p + ki*d, x*s - p + kj*d]   (0 outside x)

where (ki, kj) = divmod(taps[t], kw) runs over the T kernel taps kept (all
kh*kw by default; a PixelCNN mask keeps fewer, and skipping the masked-out
taps skips their work). Then, with W reshaped to (C_out, C*T),

    y = W @ cols                      (C_out, N*OH*OW): the convolution
    dW = dy @ cols.T                  dx = col2im(W.T @ dy)

col2im is the adjoint (transpose) of im2col: it adds each column entry back to
the pixel it was copied from, so <im2col(x), y> == <x, col2im(y)> for all x, y.
The layout keeps one big (C*T, N*OH*OW) matrix for a single BLAS call; a
per-image view for batched matmul is ``cols.reshape(C*T, N, OH*OW).transpose(1, 0, 2)``.

An op builds a ``ConvGeometry`` once, checked, and hands it to ``im2col`` and
``col2im``; the loops read its ints (``geometry.ints``).

The CPU twins loop over whole rows of cols (im2col) or image planes (col2im)
in a few threads; the CUDA twins run one thread per output element. col2im is
a scatter (+=) over an image plane on the CPU and a gather on the GPU, where
each pixel sums the column entries copied from it. Both add a pixel's entries
in the order of its taps, in the array's dtype, so the twins agree exactly.
A bounds test per element (``x[...] if in_image else 0``) measured faster on
the CPU than splitting each row into padding and interior loops; col2im's
scatter is the other way round, so it computes each row's in-image range first.
"""
from collections import namedtuple
from dataclasses import dataclass

import numpy
from numba import prange
from numba.extending import register_jitable

from .fastmath import clip
from .jit import contiguous, cpu_kernel, gpu_kernel, launch, unravel

cuda = None  # numba.cuda, bound by the first GPU launch (see jit.py)


def pair(value, name):
    """3 -> (3, 3); (3, 5) -> (3, 5). Sizes are (height, width)."""
    if numpy.ndim(value) == 0:
        value = (value, value)
    if len(value) != 2:
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(value[0]), int(value[1])


def conv_output_size(in_size, k, stride=1, padding=0, dilation=1):
    """Number of positions a k-wide (dilated) window takes along one axis.

    out = floor((in + 2*padding - dilation*(k-1) - 1) / stride) + 1
    """
    span = dilation * (k - 1) + 1
    out = (in_size + 2 * padding - span) // stride + 1
    if out < 1:
        raise ValueError(
            f"empty output: a window spanning {span} (kernel {k}, dilation {dilation}) does not fit "
            f"in input size {in_size} with padding {padding}"
        )
    return out


def check_at_least(least, **pairs):
    """Raise a ValueError naming the first (height, width) pair with a value below ``least``."""
    for name, values in pairs.items():
        if min(values) < least:
            raise ValueError(f"{name} must be at least {least} along each axis, got {values}")


def check_4d(shape, what):
    if len(shape) != 4:
        raise ValueError(f"{what} must be 4-D (N, C, H, W), got shape {tuple(shape)}")


_Ints = namedtuple("_Ints", "kh kw sh sw ph pw dh dw oh ow")


@dataclass(frozen=True)
class ConvGeometry:
    """Where each kernel tap of a convolution reads, for images of one size; build it with ``ConvGeometry.of``.

    The taps are a tuple here and reach the loops as an int64 array: as a tuple
    of ints, their number would be part of Numba's type, and every mask a
    compile of its own.
    """

    image_size: tuple  # (H, W) of the input
    kernel_size: tuple  # (kh, kw); stride, padding and dilation are (height, width) pairs too
    stride: tuple
    padding: tuple
    dilation: tuple
    taps: tuple  # the kernel positions kept, ki*kw + kj, ascending: all kh*kw of them for a plain convolution
    output_size: tuple  # (OH, OW)
    groups: int = 1  # channels split into this many independent convolutions (the ops' business: im2col never reads it)

    @classmethod
    def of(cls, x_shape, kernel_size, stride=1, padding=0, dilation=1, taps=None, groups=1):
        """Check and normalise the arguments of a convolution of x (N, C, H, W); sizes are ints or pairs."""
        check_4d(x_shape, "x")
        (kh, kw), stride, padding, dilation = (pair(value, name) for value, name in (
            (kernel_size, "kernel_size"), (stride, "stride"), (padding, "padding"), (dilation, "dilation")))
        check_at_least(1, kernel_size=(kh, kw), stride=stride, dilation=dilation)
        check_at_least(0, padding=padding)
        taps = range(kh * kw) if taps is None else numpy.unique(numpy.asarray(taps, numpy.int64))
        taps = tuple(int(t) for t in taps)
        if not taps or taps[0] < 0 or taps[-1] >= kh * kw:
            raise ValueError(f"taps must be a non-empty list of indices in [0, {kh * kw})")
        image_size = tuple(x_shape[2:])
        output_size = tuple(map(conv_output_size, image_size, (kh, kw), stride, padding, dilation))
        return cls(image_size, (kh, kw), stride, padding, dilation, taps, output_size, int(groups))

    @property
    def ints(self):
        """What the loops read: the geometry's ints, as a namedtuple (which Numba takes; a dataclass it does not)."""
        return _Ints(*self.kernel_size, *self.stride, *self.padding, *self.dilation, *self.output_size)


@register_jitable
def tap_source(y, x, tap, g):
    """Input pixel (iy, ix) that im2col copies for output position (y, x) and kernel tap ki*kw + kj."""
    return y * g.sh - g.ph + (tap // g.kw) * g.dh, x * g.sw - g.pw + (tap % g.kw) * g.dw


@register_jitable
def tap_target(iy, ix, tap, g):
    """The inverse of tap_source: output (y, x) whose tap reads input (iy, ix), or (-1, -1) if none does."""
    ry, rx = iy + g.ph - (tap // g.kw) * g.dh, ix + g.pw - (tap % g.kw) * g.dw  # = (y * sh, x * sw)
    if 0 <= ry < g.oh * g.sh and 0 <= rx < g.ow * g.sw and ry % g.sh == 0 and rx % g.sw == 0:
        return ry // g.sh, rx // g.sw
    return -1, -1


@register_jitable
def inside(start, step, count, size):
    """[lo, hi): the o in [0, count) with 0 <= start + o*step < size, for step >= 1."""
    lo = 0 if start >= 0 else (step - 1 - start) // step
    hi = (size - start + step - 1) // step
    return clip(lo, 0, count), clip(hi, 0, count)


# ---------------------------------------------------------------- im2col
@cpu_kernel(parallel=True)
def _im2col_cpu(x, taps, g, cols):
    n_img, channels, height, width = x.shape
    n_taps, plane = taps.size, g.oh * g.ow
    for job in prange(channels * n_taps * n_img):  # one (row of cols, image) pair per job
        row, n = job // n_img, job % n_img
        c, tap = row // n_taps, taps[row % n_taps]
        out = cols[row, n * plane:(n + 1) * plane]
        for y in range(g.oh):
            for xo in range(g.ow):
                iy, ix = tap_source(y, xo, tap, g)
                in_image = 0 <= iy < height and 0 <= ix < width  # the padding is never materialised
                out[y * g.ow + xo] = x[n, c, iy, ix] if in_image else 0


@gpu_kernel
def _im2col_gpu(x, taps, g, cols):
    k = cuda.grid(1)
    if k < cols.size:
        row, col = k // cols.shape[1], k % cols.shape[1]
        n, pix = col // (g.oh * g.ow), col % (g.oh * g.ow)
        iy, ix = tap_source(pix // g.ow, pix % g.ow, taps[row % taps.size], g)
        in_image = 0 <= iy < x.shape[2] and 0 <= ix < x.shape[3]
        cols[row, col] = x[n, row // taps.size, iy, ix] if in_image else 0


# ---------------------------------------------------------------- col2im
@cpu_kernel(parallel=True)
def _col2im_cpu(cols, taps, g, x):
    n_img, channels, height, width = x.shape
    n_taps, plane = taps.size, g.oh * g.ow
    for job in prange(n_img * channels):  # one image plane per job, so the += never races
        n, c = job // channels, job % channels
        img = x[n, c]
        img[:] = 0
        for t in range(n_taps):
            src = cols[c * n_taps + t, n * plane:(n + 1) * plane]
            iy0, ix0 = tap_source(0, 0, taps[t], g)  # output (y, x) reads pixel (iy0 + y*sh, ix0 + x*sw)
            x_lo, x_hi = inside(ix0, g.sw, g.ow, width)
            for y in range(g.oh):
                iy = iy0 + y * g.sh
                if 0 <= iy < height:
                    row = img[iy]
                    for xo in range(x_lo, x_hi):  # no bounds test in the inner loop, so it vectorises
                        row[ix0 + xo * g.sw] += src[y * g.ow + xo]


@gpu_kernel
def _col2im_gpu(cols, taps, g, x):
    k = cuda.grid(1)
    if k < x.size:
        n, c, iy, ix = unravel(k, x.shape)
        total = x.dtype.type(0)  # the array's dtype, as the CPU's +=: a Python 0.0 would sum float32 in float64
        for t in range(taps.size):
            y, xo = tap_target(iy, ix, taps[t], g)
            if y >= 0:
                total += cols[c * taps.size + t, (n * g.oh + y) * g.ow + xo]
        x[n, c, iy, ix] = total


def _check_image(x_shape, geometry):
    check_4d(x_shape, "x")
    if tuple(x_shape[2:]) != geometry.image_size:
        raise ValueError(f"the geometry is for {geometry.image_size} images, got shape {tuple(x_shape)}")


def im2col(x, geometry):
    """(N, C, H, W) -> cols (C*T, N*OH*OW), T = len(geometry.taps); padding is never materialised."""
    _check_image(x.shape, geometry)
    xp, (x,) = contiguous(x)
    (oh, ow), taps = geometry.output_size, xp.asarray(geometry.taps, numpy.int64)
    cols = xp.empty((x.shape[1] * taps.size, x.shape[0] * oh * ow), x.dtype)
    launch(_im2col_cpu, _im2col_gpu, cols.size, x, taps, geometry.ints, cols)
    return cols


def col2im(cols, x_shape, geometry):
    """The adjoint of im2col: cols (C*T, N*OH*OW) -> (N, C, H, W), overlapping entries summed."""
    _check_image(x_shape, geometry)
    (oh, ow), taps = geometry.output_size, len(geometry.taps)
    if cols.shape != (x_shape[1] * taps, x_shape[0] * oh * ow):
        raise ValueError(f"cols must be {(x_shape[1] * taps, x_shape[0] * oh * ow)} for x {tuple(x_shape)}, "
                         f"got {cols.shape}")
    xp, (cols,) = contiguous(cols)
    x = xp.empty(tuple(x_shape), cols.dtype)
    launch(_col2im_cpu, _col2im_gpu, x.size, cols, xp.asarray(geometry.taps, numpy.int64), geometry.ints, x)
    return x
