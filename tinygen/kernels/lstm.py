"""The LSTM cell after its matrix products, forward and backward, CPU and CUDA loops side by side.

Forward, from the pre-activations a (N, 4H) in PyTorch's gate order i, f, g, o:

    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c = f * c_prev + i * g                h = o * tanh(c)

The forward saves the activated gates (N, 4H) and tanh(c) (N, H): with c_prev,
all that the backward needs. Backward, with dh and dc the gradients arriving at
h and c, and sigmoid' = s (1 - s), tanh' = 1 - tanh^2:

    dc_total = dc + dh * o * (1 - tanh(c)^2)           c reaches the loss directly and through h
    da_o = dh * tanh(c) * o (1 - o)        da_i = dc_total * g * i (1 - i)
    da_f = dc_total * c_prev * f (1 - f)   da_g = dc_total * i * (1 - g^2)
    dc_prev = dc_total * f

``cell_state`` and ``cell_backward`` compute one unit's share; the twins
differ only in their loops: the CPU one runs serially over the rows (an
(N, 4H) pointwise pass is shorter than waking a second thread) with loops
shaped so that LLVM vectorises them, the CUDA one runs one thread per unit.
float32 uses the vectorisable rational tanh of ``fastmath`` (error below 1e-6).
"""
import numpy
from numba.extending import register_jitable

from .fastmath import sigmoid, tanh
from .jit import contiguous, cpu_kernel, gpu_kernel, launch

cuda = None  # numba.cuda, bound by the first GPU launch (see jit.py)

_ONE = numpy.float32(1)  # keeps float32 arithmetic in float32 (a Python 1.0 would promote it to float64)


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


# ---------------------------------------------------------------- forward
@cpu_kernel()
def _forward_cpu(preact, c_prev, h, c, gates, tanh_c):
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


@gpu_kernel
def _forward_gpu(preact, c_prev, h, c, gates, tanh_c):
    k = cuda.grid(1)
    if k < c.size:
        hidden = c.shape[1]
        n, j = k // hidden, k % hidden
        a, gt = preact[n], gates[n]
        gt[j], gt[hidden + j] = sigmoid(a[j]), sigmoid(a[hidden + j])
        gt[2 * hidden + j], gt[3 * hidden + j] = tanh(a[2 * hidden + j]), sigmoid(a[3 * hidden + j])
        c[n, j], tanh_c[n, j], h[n, j] = cell_state(gt[j], gt[hidden + j], gt[2 * hidden + j],
                                                    gt[3 * hidden + j], c_prev[n, j])


# ---------------------------------------------------------------- backward
@cpu_kernel()
def _backward_cpu(dh, dc, gates, tanh_c, c_prev, dpreact, dc_prev):
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


@gpu_kernel
def _backward_gpu(dh, dc, gates, tanh_c, c_prev, dpreact, dc_prev):
    k = cuda.grid(1)
    if k < dc_prev.size:
        hidden = dc_prev.shape[1]
        n, j = k // hidden, k % hidden
        gt, da = gates[n], dpreact[n]
        da[j], da[hidden + j], da[2 * hidden + j], da[3 * hidden + j], dc_prev[n, j] = cell_backward(
            gt[j], gt[hidden + j], gt[2 * hidden + j], gt[3 * hidden + j], tanh_c[n, j], c_prev[n, j],
            dh[n, j], dc[n, j])


# ---------------------------------------------------------------- the calls
def _check(preact, c_prev):
    """preact is (N, 4H) in gate order i, f, g, o; c_prev is (N, H) -> (N, H)."""
    if preact.ndim != 2 or preact.shape[1] % 4:
        raise ValueError(f"preact must be (N, 4H), got shape {preact.shape}")
    n, hidden = preact.shape[0], preact.shape[1] // 4
    if c_prev.shape != (n, hidden):
        raise ValueError(f"c_prev must be {(n, hidden)}, got {c_prev.shape}")
    if preact.dtype != c_prev.dtype:
        raise ValueError(f"preact and c_prev dtypes differ: {preact.dtype} vs {c_prev.dtype}")
    return n, hidden


def _buffers(xp, out, shapes, dtype):
    """Fresh arrays, or the caller's preallocated ones (a time loop reuses them instead of allocating)."""
    if out is None:
        return tuple(xp.empty(shape, dtype) for shape in shapes)
    for buf, shape in zip(out, shapes):
        if buf.shape != shape or buf.dtype != dtype or not buf.flags.c_contiguous:
            raise ValueError(f"out buffer must be C-contiguous {dtype} of shape {shape}, got {buf.dtype} {buf.shape}")
    return tuple(out)


def lstm_gates_forward(preact, c_prev, out=None):
    """preact (N, 4H) in gate order i, f, g, o; c_prev (N, H) -> (h, c, saved).

    saved = (gates, tanh_c): the activated gates (N, 4H) and tanh(c) (N, H), all
    that lstm_gates_backward needs. ``out`` = (h, c, gates, tanh_c) preallocated
    buffers to write into, so a time loop can reuse memory instead of allocating.
    """
    xp, (preact, c_prev) = contiguous(preact, c_prev)
    n, hidden = _check(preact, c_prev)
    h, c, gates, tanh_c = _buffers(xp, out, [(n, hidden), (n, hidden), (n, 4 * hidden), (n, hidden)], preact.dtype)
    launch(_forward_cpu, _forward_gpu, c.size, preact, c_prev, h, c, gates, tanh_c)
    return h, c, (gates, tanh_c)


def lstm_gates_backward(dh, dc, saved, c_prev, out=None):
    """Gradients at h and c (both (N, H)) -> (dpreact (N, 4H), dc_prev (N, H)).

    ``out`` = (dpreact, dc_prev) preallocated buffers, as for the forward; dc_prev
    may be ``dc`` itself (each element is read before it is overwritten).
    """
    xp, (dh, dc, c_prev) = contiguous(dh, dc, c_prev)
    gates, tanh_c = saved
    n, hidden = _check(gates, c_prev)
    dpreact, dc_prev = _buffers(xp, out, [(n, 4 * hidden), (n, hidden)], gates.dtype)
    launch(_backward_cpu, _backward_gpu, dc_prev.size, dh, dc, gates, tanh_c, c_prev, dpreact, dc_prev)
    return dpreact, dc_prev
