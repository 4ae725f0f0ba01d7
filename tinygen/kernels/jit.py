"""How the kernels are compiled, and how a call picks the CPU or the CUDA twin.

Every kernel comes as two loops over the same per-element helpers: a CPU twin,
``@cpu_kernel``, and a CUDA twin, ``@gpu_kernel``. ``launch`` runs the one for
where the arrays live: NumPy arrays go to the CPU, CuPy arrays to the GPU.

CPU twins are Numba ``@njit`` functions. Rules that made them fast on a 2-core
machine (see shared/perf-notes.md):

* ``cache=True`` so the compiled code is reused across processes;
* ``parallel=True`` only where each thread gets a large, independent slab
  (a row of cols or an image plane), so no two threads write the same memory;
  the LSTM gate kernels stay serial: an (N, 4H) pointwise pass is shorter than
  waking a second thread; the norms, softmax and Winograd's transforms have a
  serial and a parallel kernel over the same loop body, and take the parallel
  one only when ``tinygen.threads.kernel_threads`` says their work is large
  enough to be worth waiting for a second thread (on a busy machine, a
  descheduled one);
* ``error_model="numpy"``: division by zero gives inf instead of a Python
  exception check that blocks vectorisation;
* Numba's 'workqueue' threading layer unless NUMBA_THREADING_LAYER says
  otherwise: the default OpenMP threads keep spinning after a kernel and steal
  the cores that the next BLAS matmul needs (a 2.5x slowdown). Its limit: call
  the parallel kernels from one Python thread at a time.

CUDA twins run one thread per output element, which gathers its inputs, so no
two threads write the same address: no atomics, and the result does not depend
on thread timing. They take CuPy arrays, which Numba reads through
``__cuda_array_interface__`` without copying, and launch on Numba's default
stream, which CuPy also uses unless told otherwise.

A CPU-only process never imports ``numba.cuda``: ``@gpu_kernel`` only records
the function, and its first launch imports ``numba.cuda``, binds it to the
global name ``cuda`` that the kernel's body calls (``cuda.grid(1)``; each
kernel file declares ``cuda = None`` for it), and compiles the function with
``cuda.jit(cache=True)``. Under Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``
set before Numba is imported) the same twins run in Python on NumPy arrays; the
tests make ``on_gpu`` answer True to run them there.
"""
import os

import numba
import numpy
from numba import njit
from numba.extending import register_jitable

from ..backend import get_array_module, is_gpu_array

BLOCK = 256  # CUDA threads per block

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"


def cpu_kernel(parallel=False):
    """Numba's ``@njit`` with the options every CPU twin shares."""
    return njit(parallel=parallel, cache=True, error_model="numpy")


def reduction_kernel(function):
    """A serial CPU kernel whose sums may be reassociated (``fastmath={"reassoc"}``), so that LLVM
    vectorises them with several partial sums; without it a sum adds one element per add's latency."""
    return njit(cache=True, error_model="numpy", fastmath={"reassoc"})(function)


def parallel_reduction_kernel(function):
    """``reduction_kernel`` with ``parallel=True``: the twin whose ``prange`` gives each thread its share of rows."""
    return njit(parallel=True, cache=True, error_model="numpy", fastmath={"reassoc"})(function)


@register_jitable
def share(items, part, parts):
    """(first, last): the ``part``-th of ``parts`` contiguous, near-equal shares of ``range(items)``."""
    return part * items // parts, (part + 1) * items // parts


class gpu_kernel:
    """A CUDA twin: compiled with ``cuda.jit(cache=True)`` on its first launch, not at import."""

    def __init__(self, function):
        self.function, self.compiled = function, None

    def launch(self, size, *args):
        """Run with (at least) one thread per element of a ``size``-element output."""
        if self.compiled is None:
            from numba import cuda

            self.function.__globals__["cuda"] = cuda  # the name the kernel's body calls
            self.compiled = cuda.jit(cache=True)(self.function)
        if size:
            self.compiled[(size + BLOCK - 1) // BLOCK, BLOCK](*args)


def on_gpu(array):
    """Whether ``array`` is a CuPy array, whose kernels are the CUDA twins."""
    return is_gpu_array(array)


def launch(cpu, gpu, size, *args):
    """Run the twin for where ``args[0]`` lives: ``cpu(*args)``, or ``gpu`` with ``size`` threads."""
    if on_gpu(args[0]):
        gpu.launch(size, *args)
    else:
        cpu(*args)


def contiguous(*arrays):
    """-> (the arrays' module, the arrays C-contiguous): the kernels index them as dense blocks.

    Every kernel call passes its arrays through here, so here float16 is refused: Numba has no such type.
    """
    xp = get_array_module(arrays[0])  # the first array's device is theirs all: the ops never mix devices
    for a in arrays:
        if a.dtype == numpy.float16:
            raise TypeError("float16 is not supported by tinygen's compiled kernels (convolution, pooling, LSTM, "
                            "erf), since Numba has no float16 type: use float32 or float64, e.g. x.float() for "
                            "a tensor and model.float() for a model")
    return xp, [xp.ascontiguousarray(a) for a in arrays]


@register_jitable
def unravel(k, shape):
    """Flat index -> (n, c, i, j) of a C-contiguous 4-D array: the element that CUDA thread k owns."""
    return k // (shape[1] * shape[2] * shape[3]), k // (shape[2] * shape[3]) % shape[1], \
        k // shape[3] % shape[2], k % shape[3]
