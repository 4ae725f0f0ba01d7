"""How many threads a matrix product or a kernel may use: all of them for large ones, one for small ones.

OpenBLAS splits every product above a tiny size across its threads, and the
calling thread then waits for the slowest of them. On a quiet machine that is a
speed-up. On a busy one (a laptop doing something else), the scheduler may
park one of those threads behind another program for a whole time slice, a few
milliseconds, and a product that needed 50 microseconds takes that long; a
training step made of small products slows down 30-50x, in some processes and
not others. ``benchmarks/busy_machine.py`` reproduces it and measures the cure
used here: a product smaller than ``serial_below`` floating-point operations
runs on one thread, where there is no one to wait for, and larger products,
whose work dwarfs a late thread, keep every thread.

``product(a, b)`` is ``a @ b`` with that rule; the ops call it for their
matrix products. A Numba parallel region waits for its slowest thread just as
BLAS does, so the kernels whose loops can be shared among threads (the norms,
softmax, Winograd's transforms) ask ``kernel_threads`` the same question: their
work, counted as ``VALUE_FLOPS`` per value they write, against the same
threshold. One number decides for BLAS and for Numba alike.

``set_num_threads`` and ``get_num_threads`` mirror PyTorch's: the most threads
BLAS and Numba's parallel kernels may use. The BLAS library
is the one NumPy loaded, reached through threadpoolctl; CuPy arrays pass
straight through.
"""
import numba
from threadpoolctl import ThreadpoolController

from .backend import get_array_module, is_gpu_array

# 2 m n k of a (m, k) @ (k, n) product below which one thread wins on a busy 2-core machine and loses little on a
# quiet one (benchmarks/busy_machine.py --sweep measures both sides of it).
SERIAL_BELOW = 3.2e7
# A kernel's parallel twin starts to win on an idle 2-core machine at 2-4 million values (softmax and batch norm,
# float32): waking the second thread costs about 0.15 ms and the loops are memory-bound, so a value counts as only
# this many flops of a product, though on one core it takes as long as 46-270 of them
# (benchmarks/results/parallel-kernels-2026-12-02.md).
VALUE_FLOPS = 8
# OpenBLAS runs products up to m n k = 65536 * 4 on one thread by itself (its GEMM_MULTITHREAD_THRESHOLD).
_ALREADY_SERIAL = 2.0 * 65536 * 4

_blas = None  # NumPy's BLAS libraries, found on first use
_state = {"most": None, "serial_below": SERIAL_BELOW}


def _libraries():
    global _blas
    if _blas is None:
        _blas = ThreadpoolController().select(user_api="blas").lib_controllers
        _state["most"] = max((library.num_threads for library in _blas), default=1)
    return _blas


def _blas_threads(threads):
    for library in _libraries():
        library.set_num_threads(threads)


def get_num_threads():
    """The most threads a large matrix product may use (OPENBLAS_NUM_THREADS or the core count by default)."""
    _libraries()
    return _state["most"]


def set_num_threads(threads):
    """Let BLAS and Numba's parallel kernels use at most ``threads`` threads (PyTorch's ``torch.set_num_threads``)."""
    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"set_num_threads: need a whole number of threads >= 1, got {threads!r}")
    _blas_threads(threads)
    _state["most"] = threads
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def set_serial_below(flops):
    """Run products of fewer than ``flops`` floating-point operations, and kernels of less work, on one thread
    (0: leave every product to BLAS's own choice, as NumPy does, and every kernel on all threads); returns the
    previous threshold."""
    if not flops >= 0:
        raise ValueError(f"set_serial_below: need a number of floating-point operations >= 0, got {flops!r}")
    previous, _state["serial_below"] = _state["serial_below"], float(flops)
    return previous


def product_flops(a_shape, b_shape):
    """2 m n k of one matrix of a product ``a @ b``; vectors count as one row or column. A stack of matrices is
    one BLAS call per matrix, each a wait for the threads, so it is the size of one that decides."""
    m = a_shape[-2] if len(a_shape) > 1 else 1
    n = b_shape[-1] if len(b_shape) > 1 else 1
    return 2.0 * m * n * a_shape[-1]


def runs_serial(a_shape, b_shape):
    """Whether ``product`` takes the BLAS threads down to one for this product."""
    flops = product_flops(a_shape, b_shape)
    return _ALREADY_SERIAL < flops < _state["serial_below"] and bool(_libraries()) and _state["most"] > 1


def kernel_threads(values):
    """How many threads a Numba kernel that writes ``values`` values shares its loop among: 1 while its work, at
    VALUE_FLOPS a value, is below the threshold of ``set_serial_below``, else all that Numba may use."""
    return numba.get_num_threads() if values * VALUE_FLOPS >= _state["serial_below"] else 1


def product(a, b, out=None):
    """``a @ b`` (into ``out`` when given), on one thread when the product is small; the thread count is back where
    it was when it returns, so NumPy code outside tinygen never sees the change."""
    if is_gpu_array(a) or not runs_serial(a.shape, b.shape):
        return _matmul(a, b, out)
    _blas_threads(1)
    try:
        return _matmul(a, b, out)
    finally:
        _blas_threads(_state["most"])


def _matmul(a, b, out):
    return a @ b if out is None else get_array_module(a).matmul(a, b, out=out)
