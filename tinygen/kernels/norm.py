"""Normalisation in training mode, forward and backward, each two passes over memory (CPU).

x is viewed as (N, G, C, S): N examples, G groups of C channels, S positions.
Batch norm is (N, channels, 1, positions) with one set of statistics per group
shared by the whole batch; group norm (N, groups, channels per group,
positions) and layer norm (rows, 1, features, 1) have one per example and group.
Over the m values of one set, with gamma and beta per (group, channel):

    mu = mean(x),  var = mean((x - mu)^2),  s = 1 / sqrt(var + eps),
    xhat = (x - mu) s,                      y = gamma xhat + beta

Backward, from g = dL/dy and the gradients g_mu, g_var reaching the two
statistics directly (batch norm's running averages read them, outside the graph):

    dL/dbeta = sum g,   dL/dgamma = sum g xhat          (over examples and positions)
    A = sum gamma g,    B = sum gamma g xhat            (over the set)
    dL/dx = s gamma g + (g_mu - s A) / m + xhat (2 g_var / s - s B) / m

Each set is read twice in a row (the sums, then the output), so the second
read comes from cache: one pass over memory for the moments and one for the
output, the same for the backward. Sums run in float64 whatever the data type.
Each loop body runs over a range of sets (a statistics row and a group each).
A small norm runs every set on one thread; a large one (``threads.kernel_threads``)
gives each thread its share of the sets and, in backward, its own dL/dgamma and
dL/dbeta, summed after. A short pass is not worth waking a second thread for,
and on a busy machine even less worth waiting for one.
CuPy arrays and float16 take the Tensor-op route (``tinygen.ops.normalization``).
"""
import math

import numpy
from numba import prange
from numba.extending import register_jitable

from .. import threads
from .jit import contiguous, on_gpu, parallel_reduction_kernel, reduction_kernel, share


def supports(x):
    """Whether these loops take ``x``: a NumPy array of float32 or float64."""
    return not on_gpu(x) and x.dtype in (numpy.float32, numpy.float64)


@register_jitable
def _moments_and_output_sets(x, weight, bias, eps, mean, var, y, first, last):
    """Sets first .. last - 1 of the forward; set j is statistics row j // G, group j % G."""
    examples, groups, channels, positions = x.shape
    per_set = examples // mean.shape[0]  # examples sharing one set of statistics
    m = per_set * channels * positions
    rows = x.reshape(examples, groups, channels * positions)  # each example's share of a set is one row
    for j in range(first, last):
        i, g = j // groups, j % groups
        first_n, last_n = i * per_set, (i + 1) * per_set
        total = 0.0
        for n in range(first_n, last_n):
            for k in range(rows.shape[2]):
                total += rows[n, g, k]
        mu = total / m
        squares = 0.0  # about mu, not sum(x^2) - m mu^2, which cancels catastrophically when |mu| >> std
        for n in range(first_n, last_n):
            for k in range(rows.shape[2]):
                d = rows[n, g, k] - mu
                squares += d * d
        mean[i, g], var[i, g] = mu, squares / m
        s = 1 / math.sqrt(squares / m + eps)
        for n in range(first_n, last_n):
            if positions == 1:  # layer norm: one loop over the features, which the compiler vectorises
                for c in range(channels):
                    y[n, g, c, 0] = (x[n, g, c, 0] - mu) * (s * weight[g, c]) + bias[g, c]
            else:
                for c in range(channels):
                    scale = s * weight[g, c]
                    shift = bias[g, c] - mu * scale
                    for p in range(positions):
                        y[n, g, c, p] = x[n, g, c, p] * scale + shift


@reduction_kernel
def _moments_and_output(x, weight, bias, eps, mean, var, y):
    _moments_and_output_sets(x, weight, bias, eps, mean, var, y, 0, mean.size)


@parallel_reduction_kernel
def _moments_and_output_parallel(x, weight, bias, eps, mean, var, y, parts):
    """The same, each thread on its share of the sets (each set writes only its own statistics and outputs); only
    for large inputs, since the call waits for the slowest thread (``threads.kernel_threads``)."""
    for part in prange(parts):
        first, last = share(mean.size, part, parts)
        _moments_and_output_sets(x, weight, bias, eps, mean, var, y, first, last)


@register_jitable
def _backward_sets(gy, x, weight, mean, var, eps, g_mean, g_var, gx, g_weight, g_bias, first, last):
    """Sets first .. last - 1 of the backward, adding their share of dL/dgamma and dL/dbeta to g_weight, g_bias."""
    examples, groups, channels, positions = x.shape
    per_set = examples // mean.shape[0]
    m = per_set * channels * positions
    for j in range(first, last):
        i, g = j // groups, j % groups
        first_n, last_n = i * per_set, (i + 1) * per_set
        mu, s = mean[i, g], 1 / math.sqrt(var[i, g] + eps)
        a = b = 0.0
        for n in range(first_n, last_n):
            if positions == 1:  # layer norm, vectorised over the features as above (sums and stores apart)
                for c in range(channels):
                    a += weight[g, c] * gy[n, g, c, 0]
                    b += weight[g, c] * gy[n, g, c, 0] * ((x[n, g, c, 0] - mu) * s)
                for c in range(channels):
                    g_bias[g, c] += gy[n, g, c, 0]
                    g_weight[g, c] += gy[n, g, c, 0] * ((x[n, g, c, 0] - mu) * s)
                continue
            for c in range(channels):
                sum_g = sum_gx = 0.0
                for p in range(positions):
                    sum_g += gy[n, g, c, p]
                    sum_gx += gy[n, g, c, p] * (x[n, g, c, p] - mu)
                sum_gx *= s
                g_bias[g, c] += sum_g
                g_weight[g, c] += sum_gx
                a += weight[g, c] * sum_g
                b += weight[g, c] * sum_gx
        shift = (g_mean[i, g] - s * a) / m
        slope = (2 * g_var[i, g] / s - s * b) / m * s  # the coefficient of x - mu
        for n in range(first_n, last_n):
            if positions == 1:
                for c in range(channels):
                    gx[n, g, c, 0] = gy[n, g, c, 0] * (s * weight[g, c]) + (x[n, g, c, 0] - mu) * slope + shift
                continue
            for c in range(channels):
                scale = s * weight[g, c]
                for p in range(positions):
                    gx[n, g, c, p] = gy[n, g, c, p] * scale + (x[n, g, c, p] - mu) * slope + shift


@reduction_kernel
def _backward(gy, x, weight, mean, var, eps, g_mean, g_var, gx, g_weight, g_bias):
    """g_weight and g_bias: (1, G, C), zeros."""
    _backward_sets(gy, x, weight, mean, var, eps, g_mean, g_var, gx, g_weight[0], g_bias[0], 0, mean.size)


@parallel_reduction_kernel
def _backward_parallel(gy, x, weight, mean, var, eps, g_mean, g_var, gx, g_weight, g_bias):
    """The same, each thread on its share of the sets, with its own (G, C) slab of g_weight and g_bias (parts, G, C):
    the sets of group and layer norm share their gamma and beta."""
    parts = g_weight.shape[0]
    for part in prange(parts):
        first, last = share(mean.size, part, parts)
        _backward_sets(gy, x, weight, mean, var, eps, g_mean, g_var, gx, g_weight[part], g_bias[part], first, last)


def standardize_affine_forward(x, weight, bias, eps, sets):
    """-> (y, mean, var): x (N, G, C, S), weight and bias (G, C); ``sets``: 1 (batch norm) or N sets of
    statistics, whose mean and var come as (sets, G) in float64."""
    _, (x, weight, bias) = contiguous(x, weight, bias)
    mean = numpy.empty((sets, x.shape[1]), numpy.float64)
    var = numpy.empty_like(mean)
    y = numpy.empty_like(x)
    parts = threads.kernel_threads(x.size)
    if parts > 1:
        _moments_and_output_parallel(x, weight, bias, eps, mean, var, y, parts)
    else:
        _moments_and_output(x, weight, bias, eps, mean, var, y)
    return y, mean, var


def standardize_affine_backward(gy, x, weight, mean, var, eps, g_mean, g_var):
    """-> (dL/dx, dL/dweight, dL/dbias) from ``gy`` = dL/dy, the float64 (sets, G) statistics of the forward,
    and the statistics' own gradients ``g_mean``, ``g_var`` (see above)."""
    _, (gy, x, weight) = contiguous(gy, x, weight)
    gx = numpy.empty_like(x)
    parts = threads.kernel_threads(x.size)
    g_weight = numpy.zeros((parts, *weight.shape), numpy.float64)  # each thread's own dL/dgamma, summed below
    g_bias = numpy.zeros_like(g_weight)
    g_mean, g_var = (g.reshape(mean.shape).astype(numpy.float64) for g in (g_mean, g_var))
    (_backward_parallel if parts > 1 else _backward)(gy, x, weight, mean, var, eps, g_mean, g_var, gx, g_weight, g_bias)
    return gx, g_weight.sum(0).astype(x.dtype), g_bias.sum(0).astype(x.dtype)
