"""GPU kernels: Numba ``@cuda.jit``, one thread per output element.

The functions here have the same signatures as their twins in ``cpu.py``. They
take CuPy arrays, which Numba reads through ``__cuda_array_interface__``
without copying, and allocate their outputs with the input's array module.
Under Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1`` set before Numba is
imported) the same kernels run in Python on NumPy arrays, so the tests can
check them on a machine without a GPU.

Every thread computes exactly one output element by gathering its inputs, so
no two threads write the same address: no atomics, and the result does not
depend on thread timing. col2im, which the CPU does as a scatter (+=) over
image planes, is therefore a gather here: each input pixel sums the column
entries that were copied from it. Kernels launch on Numba's default stream,
which CuPy also uses unless told otherwise.
"""
import numpy
from numba import cuda
from numba.extending import register_jitable

from ..backend import get_array_module
from ._geometry import conv_geometry, lstm_backward_buffers, lstm_forward_buffers, pool_geometry
from ._pointwise import (cell_backward, cell_state, max_at, max_grad_at, mean_at, mean_grad_at, sigmoid,
                         tanh, tap_source, tap_target)

_BLOCK = 256  # threads per block


def _launch(kernel, size, *args):
    """Run ``kernel`` with (at least) one thread per element of a ``size``-element output."""
    if size:
        kernel[(size + _BLOCK - 1) // _BLOCK, _BLOCK](*args)


@register_jitable
def _unravel(k, shape):
    """Flat index -> (n, c, i, j) of a C-contiguous 4-D array."""
    return k // (shape[1] * shape[2] * shape[3]), k // (shape[2] * shape[3]) % shape[1], \
        k // shape[3] % shape[2], k % shape[3]


def _contiguous(*arrays):
    xp = get_array_module(*arrays)
    return xp, tuple(xp.ascontiguousarray(a) for a in arrays)


# ---------------------------------------------------------------- im2col / col2im
@cuda.jit(cache=True)
def _im2col(x, taps, g, cols):
    k = cuda.grid(1)
    if k < cols.size:
        row, col = k // cols.shape[1], k % cols.shape[1]
        n, pix = col // (g.oh * g.ow), col % (g.oh * g.ow)
        iy, ix = tap_source(pix // g.ow, pix % g.ow, taps[row % taps.size], g)
        inside = 0 <= iy < x.shape[2] and 0 <= ix < x.shape[3]
        cols[row, col] = x[n, row // taps.size, iy, ix] if inside else 0


@cuda.jit(cache=True)
def _col2im(cols, taps, g, x):
    k = cuda.grid(1)
    if k < x.size:
        n, c, iy, ix = _unravel(k, x.shape)
        total = 0.0
        for t in range(taps.size):
            y, xo = tap_target(iy, ix, taps[t], g)
            if y >= 0:
                total += cols[c * taps.size + t, (n * g.oh + y) * g.ow + xo]
        x[n, c, iy, ix] = total


def im2col(x, kernel_size, stride=1, padding=0, dilation=1, taps=None):
    xp, (x,) = _contiguous(x)
    g, taps = conv_geometry(x.shape, kernel_size, stride, padding, dilation, taps)
    cols = xp.empty((x.shape[1] * taps.size, x.shape[0] * g.oh * g.ow), x.dtype)
    _launch(_im2col, cols.size, x, xp.asarray(taps), g, cols)
    return cols


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1, taps=None):
    xp, (cols,) = _contiguous(cols)
    g, taps = conv_geometry(x_shape, kernel_size, stride, padding, dilation, taps)
    x = xp.empty(x_shape, cols.dtype)
    _launch(_col2im, x.size, cols, xp.asarray(taps), g, x)
    return x


# ---------------------------------------------------------------- pooling
@cuda.jit(cache=True)
def _max_pool(x, g, out, argmax):
    k = cuda.grid(1)
    if k < out.size:
        n, c, y, xo = _unravel(k, out.shape)
        out[n, c, y, xo], argmax[n, c, y, xo] = max_at(x[n, c], y, xo, g)


@cuda.jit(cache=True)
def _max_pool_backward(dout, argmax, g, dx):
    k = cuda.grid(1)
    if k < dx.size:
        n, c, iy, ix = _unravel(k, dx.shape)
        dx[n, c, iy, ix] = max_grad_at(dout[n, c], argmax[n, c], iy, ix, dx.shape[3], g)


@cuda.jit(cache=True)
def _avg_pool(x, g, out):
    k = cuda.grid(1)
    if k < out.size:
        n, c, y, xo = _unravel(k, out.shape)
        out[n, c, y, xo] = mean_at(x[n, c], y, xo, g)


@cuda.jit(cache=True)
def _avg_pool_backward(dout, g, dx):
    k = cuda.grid(1)
    if k < dx.size:
        n, c, iy, ix = _unravel(k, dx.shape)
        dx[n, c, iy, ix] = mean_grad_at(dout[n, c], iy, ix, g)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    xp, (x,) = _contiguous(x)
    g = pool_geometry(x.shape, kernel_size, stride, padding)
    out = xp.empty(x.shape[:2] + (g.oh, g.ow), x.dtype)
    argmax = xp.empty(out.shape, numpy.int64)
    _launch(_max_pool, out.size, x, g, out, argmax)
    return out, argmax


def max_pool2d_backward(dout, argmax, x_shape, kernel_size, stride=None, padding=0):
    xp, (dout, argmax) = _contiguous(dout, argmax)
    g = pool_geometry(x_shape, kernel_size, stride, padding)
    dx = xp.empty(x_shape, dout.dtype)
    _launch(_max_pool_backward, dx.size, dout, argmax, g, dx)
    return dx


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    xp, (x,) = _contiguous(x)
    g = pool_geometry(x.shape, kernel_size, stride, padding)
    out = xp.empty(x.shape[:2] + (g.oh, g.ow), x.dtype)
    _launch(_avg_pool, out.size, x, g, out)
    return out


def avg_pool2d_backward(dout, x_shape, kernel_size, stride=None, padding=0):
    xp, (dout,) = _contiguous(dout)
    g = pool_geometry(x_shape, kernel_size, stride, padding)
    dx = xp.empty(x_shape, dout.dtype)
    _launch(_avg_pool_backward, dx.size, dout, g, dx)
    return dx


# ---------------------------------------------------------------- LSTM gates
@cuda.jit(cache=True)
def _lstm_forward(preact, c_prev, h, c, gates, tanh_c):
    k = cuda.grid(1)
    if k < c.size:
        hidden = c.shape[1]
        n, j = k // hidden, k % hidden
        a, gt = preact[n], gates[n]
        gt[j], gt[hidden + j] = sigmoid(a[j]), sigmoid(a[hidden + j])
        gt[2 * hidden + j], gt[3 * hidden + j] = tanh(a[2 * hidden + j]), sigmoid(a[3 * hidden + j])
        c[n, j], tanh_c[n, j], h[n, j] = cell_state(gt[j], gt[hidden + j], gt[2 * hidden + j],
                                                    gt[3 * hidden + j], c_prev[n, j])


@cuda.jit(cache=True)
def _lstm_backward(dh, dc, gates, tanh_c, c_prev, dpreact, dc_prev):
    k = cuda.grid(1)
    if k < dc_prev.size:
        hidden = dc_prev.shape[1]
        n, j = k // hidden, k % hidden
        gt, da = gates[n], dpreact[n]
        da[j], da[hidden + j], da[2 * hidden + j], da[3 * hidden + j], dc_prev[n, j] = cell_backward(
            gt[j], gt[hidden + j], gt[2 * hidden + j], gt[3 * hidden + j], tanh_c[n, j], c_prev[n, j],
            dh[n, j], dc[n, j])


def lstm_gates_forward(preact, c_prev, out=None):
    xp, (preact, c_prev) = _contiguous(preact, c_prev)
    h, c, gates, tanh_c = lstm_forward_buffers(xp, preact, c_prev, out)
    _launch(_lstm_forward, c.size, preact, c_prev, h, c, gates, tanh_c)
    return h, c, (gates, tanh_c)


def lstm_gates_backward(dh, dc, saved, c_prev, out=None):
    xp, (dh, dc, c_prev) = _contiguous(dh, dc, c_prev)
    gates, tanh_c = saved
    dpreact, dc_prev = lstm_backward_buffers(xp, gates, c_prev, out)
    _launch(_lstm_backward, dc_prev.size, dh, dc, gates, tanh_c, c_prev, dpreact, dc_prev)
    return dpreact, dc_prev
