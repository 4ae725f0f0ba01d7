"""CPU kernels: Numba ``@njit`` loops over NumPy arrays.

Every function here has the same signature as its twin in ``cuda.py``; the
public functions in ``tinygen.kernels`` pick one by where the array lives.
Rules that made these fast on a 2-core machine (see shared/perf-notes.md):

* ``cache=True`` so the compiled code is reused across processes;
* ``parallel=True`` only where each thread gets a large, independent slab
  (a row of cols or an image plane), so no two threads write the same memory;
  the LSTM gate kernels stay serial: an (N, 4H) pointwise pass is shorter than
  waking a second thread;
* ``error_model="numpy"``: division by zero gives inf instead of a Python
  exception check that blocks vectorisation;
* Numba's 'workqueue' threading layer unless NUMBA_THREADING_LAYER says
  otherwise: the default OpenMP threads keep spinning after a kernel and steal
  the cores that the next BLAS matmul needs (a 2.5x slowdown). Its limit: call
  the parallel kernels from one Python thread at a time.

A bounds test per element (``x[...] if in_image else 0``) measured faster here
than splitting each row into padding and interior loops; col2im's scatter is
the other way round, so it computes each row's in-image range first.
"""
import os

import numba
import numpy
from numba import njit, prange

from ._geometry import (
    conv_geometry,
    lstm_backward_buffers,
    lstm_forward_buffers,
    pool_geometry,
)
from ._pointwise import (
    cell_backward,
    cell_state,
    inside,
    max_at,
    mean_at,
    sigmoid,
    tanh,
    tap_source,
    window,
)

_jit = {"cache": True, "error_model": "numpy"}
if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"


# ---------------------------------------------------------------- im2col / col2im
@njit(parallel=True, **_jit)
def _im2col(x, taps, g, cols):
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


@njit(parallel=True, **_jit)
def _col2im(cols, taps, g, x):
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


def im2col(x, kernel_size, stride=1, padding=0, dilation=1, taps=None):
    x = numpy.ascontiguousarray(x)
    g, taps = conv_geometry(x.shape, kernel_size, stride, padding, dilation, taps)
    cols = numpy.empty((x.shape[1] * taps.size, x.shape[0] * g.oh * g.ow), x.dtype)
    _im2col(x, taps, g, cols)
    return cols


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1, taps=None):
    g, taps = conv_geometry(x_shape, kernel_size, stride, padding, dilation, taps)
    x = numpy.empty(x_shape, cols.dtype)
    _col2im(numpy.ascontiguousarray(cols), taps, g, x)
    return x


# ---------------------------------------------------------------- pooling
@njit(parallel=True, **_jit)
def _max_pool(x, g, out, argmax):
    channels = x.shape[1]
    for job in prange(x.shape[0] * channels):  # one image plane per job
        n, c = job // channels, job % channels
        img, best, where = x[n, c], out[n, c], argmax[n, c]
        for y in range(g.oh):
            for xo in range(g.ow):
                best[y, xo], where[y, xo] = max_at(img, y, xo, g)


@njit(parallel=True, **_jit)
def _max_pool_backward(dout, argmax, g, dx):
    channels = dx.shape[1]
    for job in prange(dx.shape[0] * channels):  # one image plane per job, so the += never races
        n, c = job // channels, job % channels
        img, grad, where = dx[n, c].reshape(-1), dout[n, c], argmax[n, c]  # argmax holds flat indices iy*W + ix
        img[:] = 0
        for y in range(g.oh):
            for xo in range(g.ow):
                img[where[y, xo]] += grad[y, xo]


@njit(parallel=True, **_jit)
def _avg_pool(x, g, out):
    channels = x.shape[1]
    for job in prange(x.shape[0] * channels):
        n, c = job // channels, job % channels
        img, mean = x[n, c], out[n, c]
        for y in range(g.oh):
            for xo in range(g.ow):
                mean[y, xo] = mean_at(img, y, xo, g)


@njit(parallel=True, **_jit)
def _avg_pool_backward(dout, g, dx):
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


def max_pool2d(x, kernel_size, stride=None, padding=0):
    x = numpy.ascontiguousarray(x)
    g = pool_geometry(x.shape, kernel_size, stride, padding)
    out = numpy.empty(x.shape[:2] + (g.oh, g.ow), x.dtype)
    argmax = numpy.empty(out.shape, numpy.int64)
    _max_pool(x, g, out, argmax)
    return out, argmax


def max_pool2d_backward(dout, argmax, x_shape, kernel_size, stride=None, padding=0):
    g = pool_geometry(x_shape, kernel_size, stride, padding)
    dx = numpy.empty(x_shape, dout.dtype)
    _max_pool_backward(numpy.ascontiguousarray(dout), numpy.ascontiguousarray(argmax), g, dx)
    return dx


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    x = numpy.ascontiguousarray(x)
    g = pool_geometry(x.shape, kernel_size, stride, padding)
    out = numpy.empty(x.shape[:2] + (g.oh, g.ow), x.dtype)
    _avg_pool(x, g, out)
    return out


def avg_pool2d_backward(dout, x_shape, kernel_size, stride=None, padding=0):
    g = pool_geometry(x_shape, kernel_size, stride, padding)
    dx = numpy.empty(x_shape, dout.dtype)
    _avg_pool_backward(numpy.ascontiguousarray(dout), g, dx)
    return dx


# ---------------------------------------------------------------- LSTM gates
@njit(**_jit)
def _lstm_forward(preact, c_prev, h, c, gates, tanh_c):
    hidden = c_prev.shape[1]
    i, f, g, o = 0, hidden, 2 * hidden, 3 * hidden  # where each gate's block starts in a row
    for n in range(c_prev.shape[0]):
        # One short loop per kind of work, each over range(count) with the block's offset added to
        # the index: those compile to SIMD code (one loop doing all, or range(start, stop), did not).
        for j in range(2 * hidden):
            gates[n, i + j] = sigmoid(preact[n, i + j])  # i and f together
        for j in range(hidden):
            gates[n, g + j] = tanh(preact[n, g + j])
        for j in range(hidden):
            gates[n, o + j] = sigmoid(preact[n, o + j])
        for j in range(hidden):
            c[n, j], tanh_c[n, j], h[n, j] = cell_state(gates[n, i + j], gates[n, f + j], gates[n, g + j],
                                                        gates[n, o + j], c_prev[n, j])


@njit(**_jit)
def _lstm_backward(dh, dc, gates, tanh_c, c_prev, dpreact, dc_prev):
    hidden = c_prev.shape[1]
    for n in range(c_prev.shape[0]):
        # One loop per output, each keeping one of cell_backward's five results (the compiler drops
        # the other four): one loop storing all five did not compile to SIMD code. dc_prev comes
        # last, because it may be dc itself.
        for k in range(4):
            for j in range(hidden):
                dpreact[n, k * hidden + j] = cell_backward(
                    gates[n, j], gates[n, hidden + j], gates[n, 2 * hidden + j], gates[n, 3 * hidden + j],
                    tanh_c[n, j], c_prev[n, j], dh[n, j], dc[n, j])[k]
        for j in range(hidden):
            dc_prev[n, j] = cell_backward(gates[n, j], gates[n, hidden + j], gates[n, 2 * hidden + j],
                                          gates[n, 3 * hidden + j], tanh_c[n, j], c_prev[n, j], dh[n, j], dc[n, j])[4]


def lstm_gates_forward(preact, c_prev, out=None):
    h, c, gates, tanh_c = lstm_forward_buffers(numpy, preact, c_prev, out)
    _lstm_forward(numpy.ascontiguousarray(preact), numpy.ascontiguousarray(c_prev), h, c, gates, tanh_c)
    return h, c, (gates, tanh_c)


def lstm_gates_backward(dh, dc, saved, c_prev, out=None):
    gates, tanh_c = saved
    dpreact, dc_prev = lstm_backward_buffers(numpy, gates, c_prev, out)
    _lstm_backward(numpy.ascontiguousarray(dh), numpy.ascontiguousarray(dc), gates, tanh_c,
                   numpy.ascontiguousarray(c_prev), dpreact, dc_prev)
    return dpreact, dc_prev
