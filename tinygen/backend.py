"""Where a tensor's numbers live: NumPy arrays on the CPU, CuPy arrays on the GPU.

Every op asks the array module of its inputs, ``xp = get_array_module(x)``, and
then writes ``xp.exp(x)`` instead of ``numpy.exp(x)``; the same code then runs
on either device. CuPy is imported only when a GPU array is first asked for, so
a CPU-only machine never needs it installed.
"""
import numpy

CPU, GPU = "cpu", "gpu"
_DEVICE_NAMES = {"cpu": CPU, "gpu": GPU, "cuda": GPU}

_INSTALL_HINT = (
    'install CuPy with the GPU extra: from a checkout of tinygen, `pip install -e ".[gpu]"` '
    '(CuPy built for CUDA 12, which CUDA 13 drivers run too; `.[gpu-cuda13]` for the CUDA 13 build), '
    "or run on the CPU with --device cpu"
)
_NO_DEVICE_HINT = (
    "this machine has no usable NVIDIA GPU (or its driver is missing): run on the CPU with --device cpu, "
    "or on a machine with a GPU"
)


class DeviceError(RuntimeError):
    """The GPU was asked for but cannot be used, or tensors on two devices met."""


_cupy = None


def cupy_module():
    """Import CuPy on first use and check that it can reach a CUDA device."""
    global _cupy
    if _cupy is not None:
        return _cupy
    try:
        import cupy
    except ImportError as error:
        raise DeviceError(f"device 'gpu' needs CuPy, which is not installed ({error}): {_INSTALL_HINT}") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CuPy raises its own CUDARuntimeError when no driver is present
        raise DeviceError(f"CuPy is installed but cannot reach a CUDA device ({error}): {_NO_DEVICE_HINT}") from None
    if count == 0:
        raise DeviceError(f"CuPy is installed but found no CUDA device: {_NO_DEVICE_HINT}")
    _cupy = cupy
    return cupy


def gpu_available():
    """True when CuPy is installed and sees a CUDA device."""
    try:
        cupy_module()
    except DeviceError:
        return False
    return True


def normalize_device(device):
    """'cpu', 'gpu' or 'cuda' (PyTorch's name for it), with an optional index 0 ('cuda:0') -> 'cpu' or 'gpu'.

    tinygen's devices are these two strings (``tinygen.device`` is this function), where PyTorch has
    device objects; tinygen runs on one GPU, so the only index is 0.
    """
    kind, _, index = str(device).lower().partition(":")
    name = _DEVICE_NAMES.get(kind)
    if name is None:
        raise ValueError(f"unknown device {device!r}: use 'cpu' or 'gpu'")
    if index not in ("", "0"):
        raise ValueError(f"device {device!r}: tinygen runs on one GPU, device 0; use 'gpu'")
    return name


def is_gpu_array(array):
    """True for a CuPy array. Looks at the type only, so it never imports CuPy."""
    # A NumPy array is answered by identity: every op asks this, and the name's prefix costs twice as much.
    return type(array) is not numpy.ndarray and type(array).__module__.startswith("cupy")


def device_of(array):
    return GPU if is_gpu_array(array) else CPU


def get_array_module(*arrays):
    """CuPy if any argument is a CuPy array, NumPy otherwise."""
    for array in arrays:
        if is_gpu_array(array):
            return cupy_module()
    return numpy


def array_module_for(device):
    return cupy_module() if normalize_device(device) == GPU else numpy


def to_device(array, device):
    """The same numbers on ``device`` (no copy when they are already there)."""
    device = normalize_device(device)
    if device == device_of(array):
        return array
    if device == GPU:
        return cupy_module().asarray(array)
    return array.get()


def to_host(array):
    """A NumPy array holding the same numbers, wherever they lived."""
    return array.get() if is_gpu_array(array) else numpy.asarray(array)


def scatter_add(target, index, values):
    """``target[index] += values``, adding once per occurrence of a repeated index."""
    if is_gpu_array(target):
        import cupyx

        cupyx.scatter_add(target, index, values)
    else:
        numpy.add.at(target, index, values)
