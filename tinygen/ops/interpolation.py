"""Resizing images (N, C, H, W): ``interpolate`` in mode "nearest" or "bilinear", by PyTorch's rules.

Output pixel o of an axis reads the input at a position computed from o, with
scale = in / out (or 1 / scale_factor when that is given):

    nearest                         src = floor(o * scale)                 (computed in float32, as PyTorch)
    bilinear, align_corners=False   src = (o + 0.5) * scale - 0.5, >= 0    pixel centres line up
    bilinear, align_corners=True    src = o * (in - 1) / (out - 1)         corner pixels line up

and bilinear mixes input pixels floor(src) and floor(src) + 1 (the last one at
the border) with weights 1 - frac(src) and frac(src).

Either way each axis is resized by a linear map, an (out, in) matrix A whose
row o holds those weights, so resizing is two matrix products with constant
matrices,

    y = A_h x A_w^T,        dL/dx = A_h^T (dL/dy) A_w,

and matmul gives the backward and the second derivative. Upsampling by a
whole factor in mode "nearest" repeats each pixel: a broadcast and a
reshape, no products.
"""
import math

import numpy

from ..kernels import pair
from ..tensor import Tensor
from .shape import broadcast_to, reshape

MODES = ("nearest", "bilinear")


def _source_positions(in_size, out_size, mode, align_corners, scale_factor, dtype):
    """src for every output position o of one axis (float, in the computation's dtype)."""
    out = numpy.arange(out_size, dtype=numpy.float32 if mode == "nearest" else dtype)
    if mode == "bilinear" and align_corners:
        return out * (out.dtype.type((in_size - 1) / (out_size - 1)) if out_size > 1 else 0)
    scale = out.dtype.type(1 / scale_factor if scale_factor is not None else in_size / out_size)
    if mode == "nearest":
        return out * scale
    return numpy.maximum((out + out.dtype.type(0.5)) * scale - out.dtype.type(0.5), 0)


def _resize_matrix(in_size, out_size, mode, align_corners, scale_factor, dtype):
    """The (out, in) matrix of one axis: row o holds the weights of the input pixels that output o mixes."""
    src = _source_positions(in_size, out_size, mode, align_corners, scale_factor, dtype)
    low = numpy.minimum(numpy.floor(src).astype(numpy.int64), in_size - 1)
    matrix = numpy.zeros((out_size, in_size), dtype)
    rows = numpy.arange(out_size)
    if mode == "nearest":
        matrix[rows, low] = 1
    else:
        high, frac = numpy.minimum(low + 1, in_size - 1), src - low
        numpy.add.at(matrix, (rows, low), 1 - frac)  # add: at the border low and high are one pixel
        numpy.add.at(matrix, (rows, high), frac)
    return matrix


def _repeats_each_pixel(matrix):
    """The whole factor k if ``matrix`` repeats every input pixel k times in a row (else None)."""
    out_size, in_size = matrix.shape
    k = out_size // in_size
    if k * in_size != out_size or not numpy.array_equal(matrix, numpy.repeat(numpy.eye(in_size), k, axis=0)):
        return None
    return k


def _output_size(x_shape, size, scale_factor):
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        return pair(size, "size"), (None, None)
    factors = tuple(float(f) for f in (scale_factor if numpy.ndim(scale_factor) else (scale_factor,) * 2))
    if len(factors) != 2 or min(factors) <= 0:
        raise ValueError(f"interpolate: scale_factor must be a positive number or a pair of them, got {scale_factor}")
    return tuple(math.floor(n * f) for n, f in zip(x_shape[2:], factors)), factors


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Resize x (N, C, H, W) to ``size`` (an int or (height, width)) or by ``scale_factor``, as PyTorch's."""
    if x.ndim != 4:
        raise ValueError(f"interpolate: needs images (N, C, H, W), got shape {x.shape}")
    if mode not in MODES:
        raise ValueError(f"interpolate: mode must be one of {', '.join(MODES)}, got {mode!r}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError("interpolate: align_corners only applies to mode='bilinear'")
    out_sizes, factors = _output_size(x.shape, size, scale_factor)
    if min(out_sizes) < 1:
        raise ValueError(f"interpolate: the output size {out_sizes} must be at least 1 along each axis")
    matrices = [_resize_matrix(n, m, mode, bool(align_corners), f, x.dtype)
                for n, m, f in zip(x.shape[2:], out_sizes, factors)]  # fmt: skip
    factors = [_repeats_each_pixel(a) for a in matrices]
    if None not in factors:
        (n, c, h, w), (kh, kw) = x.shape, factors
        repeated = broadcast_to(reshape(x, (n, c, h, 1, w, 1)), (n, c, h, kh, w, kw))
        return reshape(repeated, (n, c, h * kh, w * kw))
    rows, columns = (Tensor(x.xp.asarray(a)) for a in matrices)
    return rows @ x @ columns.mT
