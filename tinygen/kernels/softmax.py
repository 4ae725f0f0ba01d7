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
backward. Sums run in blocks of 256 in x's dtype, the blocks' sums in float64; float32
uses the vectorisable exp of ``fastmath``.
A NaN in a slice makes the whole slice NaN, and so does +inf (inf - inf), as in
PyTorch. As with the norms, a small softmax runs every slice on one thread and a
large one (``threads.kernel_threads``) gives each thread its share of the slices:
they are independent, so both give the same bits. CuPy arrays and float16 take the
array-expression route of ``tinygen.ops.reduction``.
"""
import math

import numpy
from numba import prange
from numba.extending import register_jitable

from .. import threads
from .fastmath import exp_nonpositive as exp
from .jit import contiguous, on_gpu, parallel_reduction_kernel, reduction_kernel, share

_BLOCK = 256  # values summed in their own dtype before their sum joins a float64 total


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
def _largest(bits, ints, number, number_bits):
    """The largest value of a 1-D slice, from ``bits``, its values read as integers.

    With a negative number's other bits flipped, integers order like the numbers they
    hold, and an integer maximum compiles to SIMD code where a float one (which must
    mind NaN) does not. A NaN may come out: it makes the whole slice NaN anyway.
    ``ints`` = (lowest integer, the mask of all bits but the sign, the shift that
    brings the sign bit down); ``number`` is a 1-element array of x's dtype, ``number_bits`` its bits.
    """
    lowest, others, sign = ints
    largest = lowest
    for k in range(bits.size):
        key = bits[k] ^ ((bits[k] >> sign) & others)
        largest = key if key > largest else largest
    number_bits[0] = largest ^ ((largest >> sign) & others)
    return number[0]


@register_jitable
def _sum(values, number):
    """The sum of 1-D ``values``: blocks summed in their own dtype, which compiles to SIMD code, into a float64
    total; returned in their dtype, through ``number``."""
    number[0] = 0
    zero, total = number[0], 0.0
    for start in range(0, values.size, _BLOCK):
        block, part = zero, values[start : start + _BLOCK]
        for k in range(part.size):
            block += part[k]
        total += block
    number[0] = total
    return number[0]


@register_jitable
def _dot(a, b, number):
    """sum_k a_k b_k, summed like ``_sum``."""
    number[0] = 0
    zero, total = number[0], 0.0
    for start in range(0, a.size, _BLOCK):
        block, part_a, part_b = zero, a[start : start + _BLOCK], b[start : start + _BLOCK]
        for k in range(part_a.size):
            block += part_a[k] * part_b[k]
        total += block
    number[0] = total
    return number[0]


@register_jitable
def _row_softmax(x, bits, ints, y, number, number_bits):
    """One slice along the last axis (B = 1); each loop runs along it."""
    c = _shift(_largest(bits, ints, number, number_bits))
    for k in range(x.size):
        y[k] = exp(x[k] - c)
    number[0] = 1 / _sum(y, number)
    scale = number[0]
    for k in range(x.size):
        y[k] *= scale


@register_jitable
def _row_log_softmax(x, bits, ints, y, number, number_bits):
    c = _shift(_largest(bits, ints, number, number_bits))
    for k in range(x.size):
        y[k] = exp(x[k] - c)
    number[0] = c + math.log(_sum(y, number))
    log_z = number[0]
    for k in range(x.size):
        y[k] = x[k] - log_z


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


@register_jitable
def _forward_slices(x, bits, ints, log, y, first, last):
    """Slices first .. last - 1 of the forward."""
    slices, length, lanes = x.shape
    number = numpy.empty(1, x.dtype)  # a scratch number in x's dtype, and its bits
    number_bits = number.view(bits.dtype)
    if lanes == 1:
        rows, row_bits, out = x.reshape(slices, length), bits.reshape(slices, length), y.reshape(slices, length)
        for a in range(first, last):  # the branch outside the loop: inside it, measured 1.4x slower
            if log:
                _row_log_softmax(rows[a], row_bits[a], ints, out[a], number, number_bits)
            else:
                _row_softmax(rows[a], row_bits[a], ints, out[a], number, number_bits)
        return
    c, total = numpy.empty(lanes, x.dtype), numpy.empty(lanes, numpy.float64)
    for a in range(first, last):
        _lanes_forward(x[a], log, y[a], c, total)


@reduction_kernel
def _forward(x, bits, ints, log, y):
    _forward_slices(x, bits, ints, log, y, 0, x.shape[0])


@parallel_reduction_kernel
def _forward_parallel(x, bits, ints, log, y, parts):
    """The same, each thread on its share of the slices, with its own scratch numbers; only for large inputs, since
    the call waits for the slowest thread (``threads.kernel_threads``)."""
    for part in prange(parts):
        first, last = share(x.shape[0], part, parts)
        _forward_slices(x, bits, ints, log, y, first, last)


@register_jitable
def _row_softmax_backward(y, gy, gx, number):
    total = _dot(y, gy, number)
    for k in range(y.size):
        gx[k] = y[k] * (gy[k] - total)


@register_jitable
def _row_log_softmax_backward(y, gy, gx, number):
    total = _sum(gy, number)
    for k in range(y.size):
        gx[k] = gy[k] - exp(y[k]) * total


@register_jitable
def _lanes_backward(y, gy, log, gx, total):
    total[:] = 0
    for k in range(y.shape[0]):
        for b in range(y.shape[1]):
            total[b] += gy[k, b] if log else y[k, b] * gy[k, b]
    for k in range(y.shape[0]):
        for b in range(y.shape[1]):
            gx[k, b] = gy[k, b] - exp(y[k, b]) * total[b] if log else y[k, b] * (gy[k, b] - total[b])


@register_jitable
def _backward_slices(y, gy, log, gx, first, last):
    """Slices first .. last - 1 of the backward."""
    slices, length, lanes = y.shape
    if lanes == 1:
        rows, g_rows, out = y.reshape(slices, length), gy.reshape(slices, length), gx.reshape(slices, length)
        number = numpy.empty(1, y.dtype)
        for a in range(first, last):
            if log:
                _row_log_softmax_backward(rows[a], g_rows[a], out[a], number)
            else:
                _row_softmax_backward(rows[a], g_rows[a], out[a], number)
        return
    total = numpy.empty(lanes, numpy.float64)
    for a in range(first, last):
        _lanes_backward(y[a], gy[a], log, gx[a], total)


@reduction_kernel
def _backward(y, gy, log, gx):
    _backward_slices(y, gy, log, gx, 0, y.shape[0])


@parallel_reduction_kernel
def _backward_parallel(y, gy, log, gx, parts):
    """The same, each thread on its share of the slices."""
    for part in prange(parts):
        first, last = share(y.shape[0], part, parts)
        _backward_slices(y, gy, log, gx, first, last)


def softmax_forward(x, axis, log=False):
    """softmax (or log_softmax with ``log``) of ``x`` along ``axis``."""
    slices = _slices(x, axis)
    y = numpy.empty_like(slices)
    ints = numpy.int32 if x.dtype == numpy.float32 else numpy.int64
    info = numpy.iinfo(ints)
    arguments = slices, slices.view(ints), (ints(info.min), ints(info.max), ints(info.bits - 1)), log, y
    parts = threads.kernel_threads(y.size)
    if parts > 1:
        _forward_parallel(*arguments, parts)
    else:
        _forward(*arguments)
    return y.reshape(x.shape)


def softmax_backward(y, gy, axis, log=False):
    """dL/dx from the forward's output ``y`` and ``gy`` = dL/dy."""
    shape = y.shape
    y, gy = _slices(y, axis), _slices(gy, axis)
    gx = numpy.empty_like(y)
    parts = threads.kernel_threads(gx.size)
    if parts > 1:
        _backward_parallel(y, gy, log, gx, parts)
    else:
        _backward(y, gy, log, gx)
    return gx.reshape(shape)
