"""Making tensors: from data, filled with a constant, evenly spaced, or random.

Every function takes ``dtype=`` (float32 unless said otherwise) and
``device=`` ('cpu' or 'gpu'), and ``requires_grad=`` to make a leaf whose
gradient ``backward()`` will fill in.
"""
import numpy

from . import backend
from .random import generator
from .tensor import DEFAULT_DTYPE, Tensor
from .tensor_base import array_from_python


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data`` (a list, a number, or an array).

    Python data follows PyTorch's rules: floats become float32, and one-element
    tensors in a list count as their values. An array keeps its own dtype.
    """
    if isinstance(data, Tensor):
        data = data.data
    if not hasattr(data, "dtype"):
        data = array_from_python(data, dtype)
    device = backend.device_of(data) if device is None else device
    array = backend.array_module_for(device).array(backend.to_device(data, device), dtype=dtype)
    return Tensor(array, requires_grad=requires_grad)


def _filled(make, shape, dtype, device, requires_grad):
    xp = backend.array_module_for(device or backend.CPU)
    return Tensor(make(xp, shape, dtype or DEFAULT_DTYPE), requires_grad=requires_grad)


def zeros(*shape, dtype=None, device=None, requires_grad=False):
    return _filled(lambda xp, s, d: xp.zeros(s, dtype=d), _shape(*shape), dtype, device, requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False):
    return _filled(lambda xp, s, d: xp.ones(s, dtype=d), _shape(*shape), dtype, device, requires_grad)


def full(shape, fill_value, dtype=None, device=None, requires_grad=False):
    return _filled(lambda xp, s, d: xp.full(s, fill_value, dtype=d), _shape(shape), dtype, device, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _filled(lambda xp, s, d: xp.eye(n, m, dtype=d), (), dtype, device, requires_grad)


def arange(start, stop=None, step=1, dtype=None, device=None, requires_grad=False):
    """Like ``numpy.arange``; integer arguments give int64, any float gives float32."""
    if dtype is None:
        integral = all(isinstance(v, int) for v in (start, stop, step) if v is not None)
        dtype = numpy.int64 if integral else DEFAULT_DTYPE
    xp = backend.array_module_for(device or backend.CPU)
    values = xp.arange(start, stop, step, dtype=dtype) if stop is not None else xp.arange(start, dtype=dtype)
    return Tensor(values, requires_grad=requires_grad)


def linspace(start, stop, num, dtype=None, device=None, requires_grad=False):
    return _filled(lambda xp, s, d: xp.linspace(start, stop, num, dtype=d), (), dtype, device, requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad=False):
    """Uniform on [0, 1)."""
    return _filled(lambda xp, s, d: generator(device or backend.CPU).random(s, dtype=d), _shape(*shape), dtype, device, requires_grad)


def randn(*shape, dtype=None, device=None, requires_grad=False):
    """Standard normal."""
    return _filled(
        lambda xp, s, d: generator(device or backend.CPU).standard_normal(s, dtype=d), _shape(*shape), dtype, device, requires_grad
    )


def randint(low, high, shape, dtype=numpy.int64, device=None):
    """Integers uniform on [low, high)."""
    return Tensor(generator(device or backend.CPU).integers(low, high, size=_shape(shape), dtype=dtype))


def _like(make):
    def like(x, dtype=None, requires_grad=False):
        return make(x.shape, dtype=dtype or x.dtype, device=x.device, requires_grad=requires_grad)

    like.__name__ = make.__name__ + "_like"
    like.__doc__ = f"``{make.__name__}`` with the shape, dtype and device of ``x``."
    return like


rand_like = _like(rand)
randn_like = _like(randn)


def full_like(x, fill_value, dtype=None, requires_grad=False):
    """A tensor shaped like ``x`` filled with ``fill_value``, on x's device.

    It keeps x's memory layout too (NumPy's order='K', PyTorch's
    preserve_format): a gradient seeded with ``ones_like(y)`` then has the
    layout of y, which the op that made y can take without a copy (conv2d's
    channel-major output, for one).
    """
    xp = backend.get_array_module(x.data)
    return Tensor(xp.full_like(x.data, fill_value, dtype=dtype or x.dtype), requires_grad=requires_grad)


def zeros_like(x, dtype=None, requires_grad=False):
    return full_like(x, 0, dtype, requires_grad)


def ones_like(x, dtype=None, requires_grad=False):
    return full_like(x, 1, dtype, requires_grad)


def _shape(*shape):
    """Accept ``zeros(2, 3)``, ``zeros((2, 3))`` and ``zeros([])``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)
