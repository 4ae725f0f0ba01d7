"""Argument checking and output sizes shared by the CPU and GPU kernels.

Both back ends call these first, so a bad argument fails with the same message
whichever device the arrays live on, and the kernels receive a namedtuple of
plain ints (Numba passes namedtuples to CPU and GPU kernels alike).
"""
from collections import namedtuple

import numpy

ConvGeometry = namedtuple("ConvGeometry", "kh kw sh sw ph pw dh dw oh ow")
PoolGeometry = namedtuple("PoolGeometry", "kh kw sh sw ph pw oh ow")


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


def _check_4d(shape, what):
    if len(shape) != 4:
        raise ValueError(f"{what} must be 4-D (N, C, H, W), got shape {tuple(shape)}")


def conv_geometry(x_shape, kernel_size, stride, padding, dilation, taps):
    """Normalise im2col/col2im arguments -> (ConvGeometry, taps as a sorted int64 array)."""
    _check_4d(x_shape, "x")
    kh, kw = pair(kernel_size, "kernel_size")
    sh, sw = pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    dh, dw = pair(dilation, "dilation")
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw) < 0:
        raise ValueError("kernel_size, stride and dilation must be >= 1 and padding >= 0")
    if taps is None:
        taps = numpy.arange(kh * kw, dtype=numpy.int64)
    else:
        taps = numpy.unique(numpy.asarray(taps, dtype=numpy.int64).ravel())
        if taps.size == 0 or taps[0] < 0 or taps[-1] >= kh * kw:
            raise ValueError(f"taps must be a non-empty list of indices in [0, {kh * kw})")
    oh = conv_output_size(x_shape[2], kh, sh, ph, dh)
    ow = conv_output_size(x_shape[3], kw, sw, pw, dw)
    return ConvGeometry(kh, kw, sh, sw, ph, pw, dh, dw, oh, ow), taps


def pool_geometry(x_shape, kernel_size, stride, padding):
    """Normalise pooling arguments; stride defaults to the kernel size (as in PyTorch)."""
    _check_4d(x_shape, "x")
    kh, kw = pair(kernel_size, "kernel_size")
    sh, sw = pair(kernel_size if stride is None else stride, "stride")
    ph, pw = pair(padding, "padding")
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0:
        raise ValueError("kernel_size and stride must be >= 1 and padding >= 0")
    if 2 * ph > kh or 2 * pw > kw:  # otherwise a window could lie wholly in the padding
        raise ValueError(f"padding {(ph, pw)} must be at most half the kernel size {(kh, kw)}")
    oh = conv_output_size(x_shape[2], kh, sh, ph)
    ow = conv_output_size(x_shape[3], kw, sw, pw)
    return PoolGeometry(kh, kw, sh, sw, ph, pw, oh, ow)


def check_lstm(preact, c_prev):
    """preact is (N, 4H) in gate order i, f, g, o; c_prev is (N, H)."""
    if preact.ndim != 2 or preact.shape[1] % 4:
        raise ValueError(f"preact must be (N, 4H), got shape {preact.shape}")
    n, hidden = preact.shape[0], preact.shape[1] // 4
    if c_prev.shape != (n, hidden):
        raise ValueError(f"c_prev must be {(n, hidden)}, got {c_prev.shape}")
    if preact.dtype != c_prev.dtype:
        raise ValueError(f"preact and c_prev dtypes differ: {preact.dtype} vs {c_prev.dtype}")
    return n, hidden


def out_buffers(xp, out, shapes, dtype):
    """Fresh arrays, or the caller's preallocated ones (a time loop reuses them instead of allocating)."""
    if out is None:
        return tuple(xp.empty(shape, dtype) for shape in shapes)
    for buf, shape in zip(out, shapes):
        if buf.shape != shape or buf.dtype != dtype or not buf.flags.c_contiguous:
            raise ValueError(f"out buffer must be C-contiguous {dtype} of shape {shape}, got {buf.dtype} {buf.shape}")
    return tuple(out)


def lstm_forward_buffers(xp, preact, c_prev, out):
    """Checked shapes -> the (h, c, gates, tanh_c) arrays that lstm_gates_forward fills."""
    n, hidden = check_lstm(preact, c_prev)
    return out_buffers(xp, out, [(n, hidden), (n, hidden), (n, 4 * hidden), (n, hidden)], preact.dtype)


def lstm_backward_buffers(xp, gates, c_prev, out):
    """Checked shapes -> the (dpreact, dc_prev) arrays that lstm_gates_backward fills."""
    n, hidden = check_lstm(gates, c_prev)
    return out_buffers(xp, out, [(n, 4 * hidden), (n, hidden)], gates.dtype)
