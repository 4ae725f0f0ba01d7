"""Max and average pooling and their gradients, CPU and CUDA loops side by side.

A pooling window slides like a convolution's (without dilation): output (y, x)
covers the kh x kw input pixels from (y*sh - ph, x*sw - pw). Max pooling keeps
each window's largest value and where it was (argmax, the flat index iy*W + ix
in its image plane); its gradient goes back to that one pixel. A NaN in a
window wins it, the last NaN if there are several, as in PyTorch (whose test
is ``v > best or isnan(v)``), so a NaN is never silently dropped. Average pooling
divides each window's sum by kh*kw, the padding counting as zeros (PyTorch's
count_include_pad); its gradient spreads dout / (kh*kw) evenly over the window.

The forward twins share the per-window helpers ``max_at`` and ``mean_at``. For
the gradients, a CPU job owns a whole image plane and scatters into it (+=)
without races; a CUDA thread owns one input pixel and gathers from the windows
over it (``max_grad_at``, ``mean_grad_at``). Both add a pixel's shares in the
order of the windows, in the array's dtype, so the twins agree exactly.
"""
from typing import NamedTuple

import numpy
from numba import prange
from numba.extending import register_jitable

from .conv import check_4d, check_at_least, conv_output_size, pair
from .fastmath import clip
from .jit import contiguous, cpu_kernel, gpu_kernel, launch, unravel

cuda = None  # numba.cuda, bound by the first GPU launch (see jit.py)


class PoolGeometry(NamedTuple):
    """Window size, stride, padding and output size in ints: Numba takes it as it is. Build it with ``of``."""

    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    oh: int
    ow: int

    @classmethod
    def of(cls, x_shape, kernel_size, stride=None, padding=0):
        """Check and normalise pooling arguments for x (N, C, H, W); stride defaults to the kernel size (as in PyTorch)."""
        check_4d(x_shape, "x")
        kh, kw = pair(kernel_size, "kernel_size")
        sh, sw = pair(kernel_size if stride is None else stride, "stride")
        ph, pw = pair(padding, "padding")
        check_at_least(1, kernel_size=(kh, kw), stride=(sh, sw))
        check_at_least(0, padding=(ph, pw))
        if 2 * ph > kh or 2 * pw > kw:  # otherwise a window could lie wholly in the padding
            raise ValueError(f"padding {(ph, pw)} must be at most half the kernel size {(kh, kw)}")
        oh = conv_output_size(x_shape[2], kh, sh, ph)
        ow = conv_output_size(x_shape[3], kw, sw, pw)
        return cls(kh, kw, sh, sw, ph, pw, oh, ow)


@register_jitable
def window(y, x, g, height, width):
    """Pooling window of output (y, x) clipped to the image: iy in [y0, y1), ix in [x0, x1)."""
    y0, x0 = y * g.sh - g.ph, x * g.sw - g.pw
    return clip(y0, 0, height), clip(y0 + g.kh, 0, height), clip(x0, 0, width), clip(x0 + g.kw, 0, width)


@register_jitable
def windows_over(iy, ix, g):
    """Outputs whose pooling windows contain input pixel (iy, ix): y in [y0, y1), x in [x0, x1).

    y*s - p <= i < y*s - p + k   <=>   (i + p - k) / s < y <= (i + p) / s
    """
    y0, y1 = (iy + g.ph - g.kh) // g.sh + 1, (iy + g.ph) // g.sh + 1
    x0, x1 = (ix + g.pw - g.kw) // g.sw + 1, (ix + g.pw) // g.sw + 1
    return clip(y0, 0, g.oh), clip(y1, 0, g.oh), clip(x0, 0, g.ow), clip(x1, 0, g.ow)


# inline="always" merges max_at and mean_at into the calling loop in Numba's IR: as calls they made the CPU
# forward 1.7x slower.
@register_jitable(inline="always")
def max_at(img, y, x, g):
    """-> (max, flat index iy*W + ix of the first maximum, or of the last NaN) over the window of output (y, x)."""
    height, width = img.shape
    y0, y1, x0, x1 = window(y, x, g, height, width)
    best, where, total = img[y0, x0], y0 * width + x0, img.dtype.type(0)
    for iy in range(y0, y1):
        for ix in range(x0, x1):
            total += img[iy, ix]  # NaN if a NaN is in the window: testing each element instead cost 45% (3x3)
            if img[iy, ix] > best:
                best, where = img[iy, ix], iy * width + ix
    if total != total:  # a NaN (or +inf and -inf, and then this search finds nothing)
        for iy in range(y0, y1):
            for ix in range(x0, x1):
                if img[iy, ix] != img[iy, ix]:
                    best, where = img[iy, ix], iy * width + ix
    return best, where


@register_jitable
def max_grad_at(dout, argmax, iy, ix, width, g):
    """Gradient reaching input (iy, ix): the dout of every window that it won."""
    y0, y1, x0, x1 = windows_over(iy, ix, g)
    total = dout.dtype.type(0)  # a Python 0.0 would make float32 sums float64
    for y in range(y0, y1):
        for x in range(x0, x1):
            if argmax[y, x] == iy * width + ix:
                total += dout[y, x]
    return total


@register_jitable(inline="always")
def mean_at(img, y, x, g):
    """Mean over the window of output (y, x); padding counts as zeros (PyTorch's count_include_pad)."""
    y0, y1, x0, x1 = window(y, x, g, img.shape[0], img.shape[1])
    total = img.dtype.type(0)
    for iy in range(y0, y1):
        for ix in range(x0, x1):
            total += img[iy, ix]
    return total / img.dtype.type(g.kh * g.kw)


@register_jitable
def mean_grad_at(dout, iy, ix, g):
    """Gradient reaching input (iy, ix): dout / (kh*kw) from every window containing it."""
    y0, y1, x0, x1 = windows_over(iy, ix, g)
    area, total = dout.dtype.type(g.kh * g.kw), dout.dtype.type(0)
    for y in range(y0, y1):
        for x in range(x0, x1):
            total += dout[y, x] / area  # each share divided before it is added, as the CPU's scatter does
    return total


# ---------------------------------------------------------------- max pooling
@cpu_kernel(parallel=True)
def _max_pool_cpu(x, g, out, argmax):
    channels = x.shape[1]
    for job in prange(x.shape[0] * channels):  # one image plane per job
        n, c = job // channels, job % channels
        img, best, where = x[n, c], out[n, c], argmax[n, c]
        for y in range(g.oh):
            for xo in range(g.ow):
                best[y, xo], where[y, xo] = max_at(img, y, xo, g)


@gpu_kernel
def _max_pool_gpu(x, g, out, argmax):
    k = cuda.grid(1)
    if k < out.size:
        n, c, y, xo = unravel(k, out.shape)
        out[n, c, y, xo], argmax[n, c, y, xo] = max_at(x[n, c], y, xo, g)


@cpu_kernel(parallel=True)
def _max_pool_backward_cpu(dout, argmax, g, dx):
    channels = dx.shape[1]
    for job in prange(dx.shape[0] * channels):  # one image plane per job, so the += never races
        n, c = job // channels, job % channels
        img, grad, where = dx[n, c].reshape(-1), dout[n, c], argmax[n, c]  # argmax holds flat indices iy*W + ix
        img[:] = 0
        for y in range(g.oh):
            for xo in range(g.ow):
                img[where[y, xo]] += grad[y, xo]


@gpu_kernel
def _max_pool_backward_gpu(dout, argmax, g, dx):
    k = cuda.grid(1)
    if k < dx.size:
        n, c, iy, ix = unravel(k, dx.shape)
        dx[n, c, iy, ix] = max_grad_at(dout[n, c], argmax[n, c], iy, ix, dx.shape[3], g)


# ---------------------------------------------------------------- average pooling
@cpu_kernel(parallel=True)
def _avg_pool_cpu(x, g, out):
    channels = x.shape[1]
    for job in prange(x.shape[0] * channels):
        n, c = job // channels, job % channels
        img, mean = x[n, c], out[n, c]
        for y in range(g.oh):
            for xo in range(g.ow):
                mean[y, xo] = mean_at(img, y, xo, g)


@gpu_kernel
def _avg_pool_gpu(x, g, out):
    k = cuda.grid(1)
    if k < out.size:
        n, c, y, xo = unravel(k, out.shape)
        out[n, c, y, xo] = mean_at(x[n, c], y, xo, g)


@cpu_kernel(parallel=True)
def _avg_pool_backward_cpu(dout, g, dx):
    channels, height, width = dx.shape[1:]
    area = dx.dtype.type(g.kh * g.kw)  # the padding's share of each window is dropped, as in the forward
    for job in prange(dx.shape[0] * channels):  # one image plane per job, so the += never races
        n, c = job // channels, job % channels
        img, grad = dx[n, c], dout[n, c]
        img[:] = 0
        for y in range(g.oh):
            for xo in range(g.ow):
                y0, y1, x0, x1 = window(y, xo, g, height, width)
                share = grad[y, xo] / area
                for iy in range(y0, y1):
                    for ix in range(x0, x1):
                        img[iy, ix] += share


@gpu_kernel
def _avg_pool_backward_gpu(dout, g, dx):
    k = cuda.grid(1)
    if k < dx.size:
        n, c, iy, ix = unravel(k, dx.shape)
        dx[n, c, iy, ix] = mean_grad_at(dout[n, c], iy, ix, g)


# ---------------------------------------------------------------- the calls
def max_pool2d(x, geometry):
    """-> (out, argmax). argmax[n, c, y, x] is the flat index iy*W + ix of the winner in x[n, c].

    Padding acts as -inf; ties go to the first tap; a NaN wins (the last one, as in PyTorch).
    """
    xp, (x,) = contiguous(x)
    out = xp.empty(x.shape[:2] + (geometry.oh, geometry.ow), x.dtype)
    argmax = xp.empty(out.shape, numpy.int64)
    launch(_max_pool_cpu, _max_pool_gpu, out.size, x, geometry, out, argmax)
    return out, argmax


def max_pool2d_backward(dout, argmax, x_shape, geometry):
    """Each input pixel collects the gradients of the windows whose max it was."""
    xp, (dout, argmax) = contiguous(dout, argmax)
    dx = xp.empty(tuple(x_shape), dout.dtype)
    launch(_max_pool_backward_cpu, _max_pool_backward_gpu, dx.size, dout, argmax, geometry, dx)
    return dx


def avg_pool2d(x, geometry):
    """Window means; padding counts as zeros in the kh*kw divisor (PyTorch's default)."""
    xp, (x,) = contiguous(x)
    out = xp.empty(x.shape[:2] + (geometry.oh, geometry.ow), x.dtype)
    launch(_avg_pool_cpu, _avg_pool_gpu, out.size, x, geometry, out)
    return out


def avg_pool2d_backward(dout, x_shape, geometry):
    """Spread each output gradient evenly, dout / (kh*kw), over its window."""
    xp, (dout,) = contiguous(dout)
    dx = xp.empty(tuple(x_shape), dout.dtype)
    launch(_avg_pool_backward_cpu, _avg_pool_backward_gpu, dx.size, dout, geometry, dx)
    return dx
