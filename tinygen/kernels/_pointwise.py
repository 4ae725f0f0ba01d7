"""Per-element math shared by the CPU and GPU kernels.

``register_jitable`` keeps these plain Python functions and lets Numba compile
them into whichever kernel calls them, CPU (``@njit``) or GPU (``@cuda.jit``).
A CPU kernel loops over whole image planes or rows in a few threads; a GPU
kernel runs one thread per output element; both call the same code below for
the element itself. The exceptions are the pooling gradients: a GPU thread
gathers one input pixel's gradient (``max_grad_at``, ``mean_grad_at``), while
a CPU job owns a whole image plane and can scatter into it without races or
the divisions of ``windows_over``.

Geometry ``g`` is a ``_geometry.ConvGeometry`` or ``PoolGeometry`` namedtuple of
ints (kernel kh, kw; stride sh, sw; padding ph, pw; dilation dh, dw; output oh, ow).

LSTM cell, forward, from the pre-activations (gate order i, f, g, o as in PyTorch):

    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c = f * c_prev + i * g                h = o * tanh(c)

Backward, with dh and dc the gradients arriving at h and c:

    dc_total = dc + dh * o * (1 - tanh(c)^2)
    da_o = dh * tanh(c) * o (1 - o)        da_i = dc_total * g * i (1 - i)
    da_f = dc_total * c_prev * f (1 - f)   da_g = dc_total * i * (1 - g^2)
    dc_prev = dc_total * f
"""
import math

import numpy
from numba import types
from numba.extending import overload, register_jitable

# float32 constants keep float32 arithmetic in float32 (a Python float would promote it to float64)
_CLAMP = numpy.float32(7.90531110763549805)
_P = tuple(numpy.float32(a) for a in (-2.76076847742355e-16, 2.00018790482477e-13, -8.60467152213735e-11,
                                       5.12229709037114e-08, 1.48572235717979e-05, 6.37261928875436e-04,
                                       4.89352455891786e-03))
_Q = tuple(numpy.float32(b) for b in (1.19825839466702e-06, 1.18534705686654e-04, 2.26843463243900e-03,
                                       4.89352518554385e-03))
_HALF, _ONE = numpy.float32(0.5), numpy.float32(1)


def is_float32(x):
    """True for a float32 number. In compiled code this is settled from the type, at compile time."""
    return numpy.asarray(x).dtype == numpy.float32


@overload(is_float32)
def _is_float32_typed(x):
    answer = x == types.float32
    return lambda x: answer


@register_jitable
def tanh(x):
    """tanh; for float32 a rational approximation (error < 1e-6) that the CPU compiler can vectorise.

    Without SVML, LLVM turns ``math.tanh`` into one libm call per element; a
    ratio of two polynomials becomes SIMD code instead. float64 keeps the exact
    function, which gradient checks need. (Coefficients: Eigen's float tanh,
    valid on [-7.9, 7.9], outside which float32 tanh already rounds to +-1.)
    """
    if not is_float32(x):
        return math.tanh(x)
    x = -_CLAMP if x < -_CLAMP else _CLAMP if x > _CLAMP else x
    x2 = x * x
    p = _P[0]
    for a in _P[1:]:
        p = p * x2 + a
    q = _Q[0]
    for b in _Q[1:]:
        q = q * x2 + b
    return x * p / q


@register_jitable
def sigmoid(x):
    if not is_float32(x):
        return 1 / (1 + math.exp(-x))
    return _HALF + _HALF * tanh(_HALF * x)  # sigmoid(x) = (1 + tanh(x/2)) / 2: one function to vectorise


@register_jitable
def cell_state(i, f, g, o, c_prev):
    """From the activated gates of one unit -> (c, tanh(c), h)."""
    c = f * c_prev + i * g
    tc = tanh(c)
    return c, tc, o * tc


@register_jitable
def cell_backward(i, f, g, o, tc, c_prev, dh, dc):
    """-> (da_i, da_f, da_g, da_o, dc_prev) for one unit, from the saved activations."""
    dct = dc + dh * o * (_ONE - tc * tc)
    return (dct * g * i * (_ONE - i), dct * c_prev * f * (_ONE - f), dct * i * (_ONE - g * g),
            dh * tc * o * (_ONE - o), dct * f)


@register_jitable
def tap_source(y, x, tap, g):
    """Input pixel (iy, ix) that im2col copies for output position (y, x) and kernel tap ki*kw + kj."""
    return y * g.sh - g.ph + (tap // g.kw) * g.dh, x * g.sw - g.pw + (tap % g.kw) * g.dw


@register_jitable
def inside(start, step, count, size):
    """[lo, hi): the o in [0, count) with 0 <= start + o*step < size, for step >= 1."""
    lo = 0 if start >= 0 else (step - 1 - start) // step
    hi = (size - start + step - 1) // step
    return _clip(lo, 0, count), _clip(hi, 0, count)


@register_jitable
def tap_target(iy, ix, tap, g):
    """The inverse of tap_source: output (y, x) whose tap reads input (iy, ix), or (-1, -1) if none does."""
    ry, rx = iy + g.ph - (tap // g.kw) * g.dh, ix + g.pw - (tap % g.kw) * g.dw  # = (y * sh, x * sw)
    if 0 <= ry < g.oh * g.sh and 0 <= rx < g.ow * g.sw and ry % g.sh == 0 and rx % g.sw == 0:
        return ry // g.sh, rx // g.sw
    return -1, -1


@register_jitable
def _clip(i, low, high):
    """i limited to [low, high]. (Numba's builtin min and max fail to type inside CUDA kernels.)"""
    return low if i < low else high if i > high else i


@register_jitable
def window(y, x, g, height, width):
    """Pooling window of output (y, x) clipped to the image: iy in [y0, y1), ix in [x0, x1)."""
    y0, x0 = y * g.sh - g.ph, x * g.sw - g.pw
    return _clip(y0, 0, height), _clip(y0 + g.kh, 0, height), _clip(x0, 0, width), _clip(x0 + g.kw, 0, width)


@register_jitable
def windows_over(iy, ix, g):
    """Outputs whose pooling windows contain input pixel (iy, ix): y in [y0, y1), x in [x0, x1).

    y*s - p <= i < y*s - p + k   <=>   (i + p - k) / s < y <= (i + p) / s
    """
    y0, y1 = (iy + g.ph - g.kh) // g.sh + 1, (iy + g.ph) // g.sh + 1
    x0, x1 = (ix + g.pw - g.kw) // g.sw + 1, (ix + g.pw) // g.sw + 1
    return _clip(y0, 0, g.oh), _clip(y1, 0, g.oh), _clip(x0, 0, g.ow), _clip(x1, 0, g.ow)


# inline="always" merges max_at and mean_at into the calling loop in Numba's IR: as calls they made the CPU
# forward 1.7x slower.
@register_jitable(inline="always")
def max_at(img, y, x, g):
    """-> (max, flat index iy*W + ix of the first maximum) over the window of output (y, x)."""
    height, width = img.shape
    y0, y1, x0, x1 = window(y, x, g, height, width)
    best, where = img[y0, x0], y0 * width + x0
    for iy in range(y0, y1):
        for ix in range(x0, x1):
            if img[iy, ix] > best:
                best, where = img[iy, ix], iy * width + ix
    return best, where


@register_jitable
def max_grad_at(dout, argmax, iy, ix, width, g):
    """Gradient reaching input (iy, ix): the dout of every window that it won. (GPU; the CPU scatters instead.)"""
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
    """Gradient reaching input (iy, ix): dout / (kh*kw) from every window containing it. (GPU only.)"""
    y0, y1, x0, x1 = windows_over(iy, ix, g)
    total = dout.dtype.type(0)
    for y in range(y0, y1):
        for x in range(x0, x1):
            total += dout[y, x]
    return total / dout.dtype.type(g.kh * g.kw)
