"""What a tensor is, before any math: an array, and the bookkeeping the autograd needs.

``TensorBase`` holds the numbers (``.data``: a NumPy array on the CPU, a CuPy
array on the GPU), the autograd's fields (``requires_grad``, ``grad``, the
``creator`` Function that made it) and the ways to read it (shape, Python
numbers, NumPy). ``Tensor`` (``tinygen/tensor.py``) adds every operation as a
method; the split mirrors PyTorch's ``torch._C.TensorBase`` and ``torch.Tensor``.

``.data`` is the raw array, as in DeZero (PyTorch's ``.data`` is a tensor).
Writing into it bypasses everything a tensor guards: in-place methods such as
``clamp_`` do not exist on it, and the version counter (``tinygen.versions``)
does not see the write.
"""
import functools

import numpy

from . import backend, versions
from .dtypes import DEFAULT_DTYPE, promote_types, python_scalar_dtype


class TensorBase:
    __slots__ = ("data", "grad", "requires_grad", "creator", "output_index", "name", "retains_grad",
                 "_post_accumulate_grad_hooks", "__weakref__")
    # Let NumPy hand ``ndarray + tensor`` to Tensor.__radd__ instead of converting the tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, name=None):
        if not hasattr(data, "shape"):
            data = array_from_python(data)
        if requires_grad and data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, not {data.dtype}")
        self.data = data
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.creator = None
        self.output_index = 0
        self.name = name
        self.retains_grad = False
        self._post_accumulate_grad_hooks = None

    # ---- what it is ----------------------------------------------------------
    shape = property(lambda self: tuple(self.data.shape))
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    device = property(lambda self: backend.device_of(self.data))
    xp = property(lambda self: backend.get_array_module(self.data), doc="numpy or cupy, whichever holds .data")
    grad_fn = property(lambda self: self.creator, doc="the Function that made this tensor (PyTorch's name)")
    is_leaf = property(lambda self: self.creator is None)
    _version = property(lambda self: versions.version(self.data), doc="in-place modifications of its memory so far")

    def size(self, dim=None):
        """The shape, or the length of axis ``dim`` (a method, as in PyTorch; NumPy's ``size`` is ``numel()``)."""
        if dim is None:
            return self.shape
        if not -self.ndim <= dim < self.ndim:
            raise IndexError(f"size({dim}): dimension out of range for a tensor with {self.ndim} dimensions")
        return self.data.shape[dim]

    def numel(self):
        """The number of elements."""
        return self.data.size

    def dim(self):
        return self.data.ndim

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __repr__(self):
        body = numpy.array2string(backend.to_host(self.data), separator=", ", prefix="tensor(")
        extras = [f"dtype={self.dtype}"] if self.dtype != DEFAULT_DTYPE else []
        if self.device != backend.CPU:
            extras.append(f"device='{self.device}'")
        if self.creator is not None:
            extras.append(f"grad_fn={self.creator!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # ---- as Python numbers and NumPy arrays ---------------------------------------
    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.data.reshape(()).item()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __format__(self, spec):
        """``f"{loss:.3f}"`` formats a 0-d tensor's value; other tensors print as ``str`` does."""
        return format(self.item(), spec) if self.ndim == 0 else object.__format__(self, spec)

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
        return bool(self.data)

    def numpy(self):
        """The values as a NumPy array on the host (a copy when they live on the GPU)."""
        return backend.to_host(self.data)

    def tolist(self):
        return self.numpy().tolist()

    # ---- the graph ------------------------------------------------------------
    def requires_grad_(self, requires_grad=True):
        if self.creator is not None:  # a non-leaf already requires grad: only turning that off is refused, as in PyTorch
            if requires_grad:
                return self
            raise RuntimeError("requires_grad can only be turned off on leaf tensors; use .detach() first")
        if requires_grad and self.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, not {self.dtype}")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep theirs)."""
        self.retains_grad = True
        return self

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` during ``backward()`` once this leaf's ``.grad`` has received its last
        contribution of that pass (as PyTorch's); -> a handle whose ``remove()`` unregisters it.

        Data parallelism uses it to send a gradient off while backward is still busy with the layers below.
        ``grad()`` accumulates nothing, so it calls no hook.
        """
        if self.creator is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: only leaf tensors accumulate a .grad; "
                               "register the hook on a parameter or an input that requires grad")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = {}
        handle = _HookHandle(self._post_accumulate_grad_hooks)
        self._post_accumulate_grad_hooks[handle.key] = hook
        return handle

    def __getstate__(self):
        """What copies (a moving average's deepcopy of a model) take: everything but the hooks, which belong
        to this tensor's place in a training loop, not to its copies."""
        slots = {name: getattr(self, name) for name in TensorBase.__slots__ if name != "__weakref__"}
        return None, {**slots, "_post_accumulate_grad_hooks": None}

    def zero_grad(self, set_to_none=True):
        """Forget the gradient (None, PyTorch's default), or with ``set_to_none=False`` make it zeros."""
        if set_to_none or self.grad is None:
            self.grad = None
        else:  # fresh zeros, cut from any graph the old gradient was part of
            self.grad = type(self.grad)(backend.get_array_module(self.grad.data).zeros_like(self.grad.data))


class _HookHandle:
    """``remove()`` takes the hook out of the dict it was registered in (PyTorch's RemovableHandle)."""

    _next_key = 0

    def __init__(self, hooks):
        self.hooks, self.key = hooks, _HookHandle._next_key
        _HookHandle._next_key += 1

    def remove(self):
        self.hooks.pop(self.key, None)


def to_arguments(args, device=None, dtype=None):
    """The (device, dtype) that PyTorch's ``to`` reads from its positional arguments.

    ``to(device)``, ``to(dtype)``, ``to(device, dtype)`` and ``to(other)`` (other's device and dtype);
    either may be None, meaning keep.
    """
    for arg in args:
        if isinstance(arg, TensorBase):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, str):
            device = arg
        else:
            dtype = arg
    return device, dtype


def array_from_python(data, dtype=None):
    """A NumPy array of Python data (numbers, nested lists), in ``dtype`` or by PyTorch's rules.

    Python floats become the default dtype (NumPy would make float64). One-element
    tensors inside a list count as their values, and every element's dtype
    promotes together: ``[tensor(1), 2.5]`` is float32, ``[float64 tensor, 1.0]`` float64.
    """
    array = numpy.asarray(data)
    if array.dtype == object:
        return numpy.array(_host_values(data), dtype=dtype or _promoted_dtype(data))
    if dtype is None and array.dtype.kind == "f":
        dtype = DEFAULT_DTYPE
    return array if dtype is None else array.astype(dtype, copy=False)


def _host_values(data):
    if isinstance(data, TensorBase):
        if data.data.size != 1:
            raise TypeError(
                f"a list given to tensor() may hold numbers and one-element tensors, not a tensor of shape "
                f"{data.shape}: to join tensors use tinygen.stack(tensors)"
            )
        return data.numpy().reshape(())
    return [_host_values(d) for d in data] if isinstance(data, (list, tuple)) else data


def _promoted_dtype(data):
    if isinstance(data, (list, tuple)):
        return functools.reduce(promote_types, [_promoted_dtype(d) for d in data], numpy.dtype(bool))
    return data.dtype if hasattr(data, "dtype") else python_scalar_dtype(data)
