"""Per-element math that more than one kernel calls, on either device.

``register_jitable`` keeps these plain Python functions and lets Numba compile
them into whichever kernel calls them, CPU (``@njit``) or GPU (``@cuda.jit``):
the CPU and CUDA twins of a kernel share them, so only their loops differ.
Helpers that one idea alone uses live in that idea's file.
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
_HALF = numpy.float32(0.5)


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


_LOG2E = numpy.float32(1.44269504088896341)
_LN2_HIGH, _LN2_LOW = numpy.float32(0.693359375), numpy.float32(-2.12194440e-4)
_EXP_P = tuple(numpy.float32(a) for a in (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2,
                                          1.6666665459e-1, 5.0000001201e-1))
_EXP_FLOOR = numpy.float32(-88)  # 2^-127 from bits is exactly 0: what e^x rounds to (or nearly) below here


@register_jitable
def exp_nonpositive(x):
    """e^x for x <= 0 (or NaN); for float32 Cephes' expf (relative error below 2e-7) in a form the CPU
    compiler vectorises, where ``math.exp`` is one libm call per element. float64 keeps the exact function.

    e^x = 2^n e^r with n = round(x / ln 2) and |r| <= ln 2 / 2: e^r a polynomial, 2^n
    built from its exponent bits. Below -88 the result is 0 (-inf included); NaN stays
    NaN (``numpy.maximum`` propagates it). Softmax's arguments, x - max x, are <= 0.
    """
    if not is_float32(x):
        return math.exp(x)
    x = numpy.maximum(x, _EXP_FLOOR)
    n = numpy.floor(x * _LOG2E + _HALF)
    r = x - n * _LN2_HIGH - n * _LN2_LOW  # ln 2 in two parts, so that n ln 2 is exact in float32
    p = _EXP_P[0]
    for a in _EXP_P[1:]:
        p = p * r + a
    p = p * r * r + r + numpy.float32(1)
    return p * numpy.int32((numpy.int32(n) + numpy.int32(127)) << numpy.int32(23)).view(numpy.float32)


@register_jitable
def clip(i, low, high):
    """i limited to [low, high]. (Numba's builtin min and max fail to type inside CUDA kernels.)"""
    return low if i < low else high if i > high else i
