"""The error function, erf(x) = 2/sqrt(pi) * integral_0^x e^{-t^2} dt, CPU and CUDA loops side by side.

NumPy has no erf (SciPy and CuPy's cupyx do), and GELU needs it:
GELU(x) = x * Phi(x) with the normal CDF Phi(x) = (1 + erf(x / sqrt(2))) / 2.
Both twins call the C library's ``erf`` through Numba's ``math.erf``, one
element per loop step or per CUDA thread, in the array's dtype.
"""
import math

from .jit import contiguous, cpu_kernel, gpu_kernel, launch

cuda = None  # numba.cuda, bound by the first GPU launch (see jit.py)


@cpu_kernel()
def _erf_cpu(x, y):
    for k in range(x.size):
        y[k] = math.erf(x[k])


@gpu_kernel
def _erf_gpu(x, y):
    k = cuda.grid(1)
    if k < x.size:
        y[k] = math.erf(x[k])


def erf(x):
    """erf of every element of a float array (NumPy or CuPy), as a new array of its shape and dtype."""
    if x.dtype.kind != "f":
        raise TypeError(f"erf needs a floating-point array, got {x.dtype}")
    xp, (flat,) = contiguous(x.reshape(-1))
    y = xp.empty_like(flat)
    launch(_erf_cpu, _erf_gpu, flat.size, flat, y)
    return y.reshape(x.shape)
