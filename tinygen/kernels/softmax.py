"""softmax and log_softmax along one axis, forward and backward, one pass over memory each (CPU).

x is viewed as (A, K, B), the axis K in the middle (B = 1 for the last axis). Along it,
with the shift c = max_k x_k (0 where that is -inf: an all -inf slice stays -inf
rather than becoming -inf + inf), so that no exponential overflows:

    softmax:      y_k = e^{x_k - c} / Z,           Z = sum_k e^{x_k - c}
                  dL/dx = y (g - sum_k y_k g_k)
    log_softmax:  y_k = x_k - c - log Z
                  dL/dx = g - e^y sum_k g_k

A slice of K values is read a few times in a row (the maximum, the exponentials,
the output), from cache after the first: one pass over memory forward and one
backward. Sums run in float64; float32 uses the vectorisable exp of ``fastmath``.
A NaN in a slice makes the whole slice NaN, and so does +inf (inf - inf), as in
PyTorch. The loops are serial, like the norms'. CuPy arrays and float16 take the
array-expression route of ``tinygen.ops.reduction``.
"""
import math

import numpy
from numba.extending import register_jitable

from .fastmath import exp_nonpositive as exp
from .jit import contiguous, on_gpu, reduction_kernel

_LANES = 16  # running maxima of a slice: a loop over 16 of them compiles to SIMD code, a loop over one does not


def supports(x):
    """Whether these loops take ``x``: a NumPy array of float32 or float64."""
    return not on_gpu(x) and x.dtype in (numpy.float32, numpy.float64)


def _slices(x, axis):
    """``x`` C-contiguous as (A, K, B) with ``axis`` as K."""
    _, (x,) = contiguous(x)
    return x.reshape(math.prod(x.shape[:axis]), x.shape[axis], math.prod(x.shape[axis + 1 :]))


@register_jitable
def _shift(largest):
    """The shift c for a slice whose largest value is ``largest``: 0 for -inf (the slice is all -inf, or empty)."""
    return largest - largest if largest == -numpy.inf else largest  # - largest: 0 in x's own dtype


@register_jitable
def _row_forward(x, log, y, lanes):
    """One slice along the last axis (B = 1)."""
    lanes[:] = -numpy.inf
    whole = x.size - x.size % _LANES
    for k in range(0, whole, _LANES):
        for j in range(_LANES):
            lanes[j] = x[k + j] if x[k + j] > lanes[j] else lanes[j]  # NaN is skipped, and reaches y through exp
    for k in range(whole, x.size):
        lanes[0] = x[k] if x[k] > lanes[0] else lanes[0]
    c = _shift(lanes.max())
    for k in range(x.size):  # the exponentials, summed in a loop of their own: measured 1.6x faster than together
        y[k] = exp(x[k] - c)
    total = 0.0
    for k in range(x.size):
        total += y[k]
    if log:
        log_z = c + math.log(total)
        for k in range(x.size):
            y[k] = x[k] - log_z
    else:
        scale = 1 / total
        for k in range(x.size):
            y[k] *= scale


@register_jitable
def _lanes_forward(x, log, y, c, total):
    """One (K, B) slice with B > 1: the same, with a shift and a sum per lane b, the loops running along the lanes."""
    c[:] = -numpy.inf
    for k in range(x.shape[0]):
        for b in range(x.shape[1]):
            c[b] = x[k, b] if x[k, b] > c[b] else c[b]
    for b in range(x.shape[1]):
        c[b] = _shift(c[b])
    for k in range(x.shape[0]):
        for b in range(x.shape[1]):
            y[k, b] = exp(x[k, b] - c[b])  # log_softmax overwrites it below
    total[:] = 0
    for k in range(x.shape[0]):
        for b in range(x.shape[1]):
            total[b] += y[k, b]
    for b in range(x.shape[1]):
        total[b] = c[b] + math.log(total[b]) if log else 1 / total[b]
    for k in range(x.shape[0]):
        for b in range(x.shape[1]):
            y[k, b] = x[k, b] - total[b] if log else y[k, b] * total[b]


@reduction_kernel
def _forward(x, log, y):
    slices, length, lanes = x.shape
    if lanes == 1:
        rows, out, maxima = x.reshape(slices, length), y.reshape(slices, length), numpy.empty(_LANES, x.dtype)
        for a in range(slices):
            _row_forward(rows[a], log, out[a], maxima)
        return
    c, total = numpy.empty(lanes, x.dtype), numpy.empty(lanes, numpy.float64)
    for a in range(slices):
        _lanes_forward(x[a], log, y[a], c, total)


@register_jitable
def _row_backward(y, gy, log, gx):
    total = 0.0
    for k in range(y.size):
        total += gy[k] if log else y[k] * gy[k]
    for k in range(y.size):
        gx[k] = gy[k] - exp(y[k]) * total if log else y[k] * (gy[k] - total)


@register_jitable
def _lanes_backward(y, gy, log, gx, total):
    total[:] = 0
    for k in range(y.shape[0]):
        for b in range(y.shape[1]):
            total[b] += gy[k, b] if log else y[k, b] * gy[k, b]
    for k in range(y.shape[0]):
        for b in range(y.shape[1]):
            gx[k, b] = gy[k, b] - exp(y[k, b]) * total[b] if log else y[k, b] * (gy[k, b] - total[b])


@reduction_kernel
def _backward(y, gy, log, gx):
    slices, length, lanes = y.shape
    if lanes == 1:
        rows, g_rows, out = y.reshape(slices, length), gy.reshape(slices, length), gx.reshape(slices, length)
        for a in range(slices):
            _row_backward(rows[a], g_rows[a], log, out[a])
        return
    total = numpy.empty(lanes, numpy.float64)
    for a in range(slices):
        _lanes_backward(y[a], gy[a], log, gx[a], total)


def softmax_forward(x, axis, log=False):
    """softmax (or log_softmax with ``log``) of ``x`` along ``axis``."""
    slices = _slices(x, axis)
    y = numpy.empty_like(slices)
    _forward(slices, log, y)
    return y.reshape(x.shape)


def softmax_backward(y, gy, axis, log=False):
    """dL/dx from the forward's output ``y`` and ``gy`` = dL/dy."""
    shape = y.shape
    y, gy = _slices(y, axis), _slices(gy, axis)
    gx = numpy.empty_like(y)
    _backward(y, gy, log, gx)
    return gx.reshape(shape)
