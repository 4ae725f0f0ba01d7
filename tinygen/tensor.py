"""``Tensor``: an array of numbers that remembers how it was computed.

A Tensor wraps a NumPy array (CPU) or a CuPy array (GPU) in ``.data``. When it
requires a gradient, every op applied to it records its ``creator`` (the
Function that made it), so that ``backward()`` can apply the chain rule from
the output back to the leaves and leave d(output)/d(leaf) in ``leaf.grad``.

The methods below are thin: each one calls the op of the same name in
``tinygen.ops``, where the forward and backward formulas live side by side.
"""
import numpy

from . import backend

DEFAULT_DTYPE = numpy.float32


class Tensor:
    __slots__ = ("data", "grad", "requires_grad", "creator", "output_index", "name", "retains_grad", "__weakref__")
    # Let NumPy hand ``ndarray + tensor`` to Tensor.__radd__ instead of converting the tensor.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad=False, name=None):
        if not hasattr(data, "shape"):
            data = numpy.asarray(data)
        if requires_grad and data.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, not {data.dtype}")
        self.data = data
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.creator = None
        self.output_index = 0
        self.name = name
        self.retains_grad = False

    # ---- what it is ----------------------------------------------------------
    shape = property(lambda self: tuple(self.data.shape))
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    device = property(lambda self: backend.device_of(self.data))
    xp = property(lambda self: backend.get_array_module(self.data), doc="numpy or cupy, whichever holds .data")
    grad_fn = property(lambda self: self.creator, doc="the Function that made this tensor (PyTorch's name)")
    is_leaf = property(lambda self: self.creator is None)

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

    # ---- leaving the graph, moving, converting ------------------------------
    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.data.reshape(()).item()

    def numpy(self):
        """The values as a NumPy array on the host (a copy when they live on the GPU)."""
        return backend.to_host(self.data)

    def tolist(self):
        return self.numpy().tolist()

    def detach(self):
        """The same values, cut from the graph (shares memory with this tensor)."""
        return Tensor(self.data)

    def requires_grad_(self, requires_grad=True):
        if self.creator is not None:
            raise RuntimeError("requires_grad can only be set on leaf tensors; use .detach() first")
        if requires_grad and self.dtype.kind not in "fc":
            raise TypeError(f"only floating-point tensors can require gradients, not {self.dtype}")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep theirs)."""
        self.retains_grad = True
        return self

    def zero_grad(self):
        self.grad = None

    def to(self, device):
        return _ops.to_device(self, device)

    def cpu(self):
        return self.to(backend.CPU)

    def gpu(self):
        return self.to(backend.GPU)

    def astype(self, dtype):
        return _ops.astype(self, dtype)

    def float(self):
        return self.astype(numpy.float32)

    def double(self):
        return self.astype(numpy.float64)

    # ---- autograd ------------------------------------------------------------
    def backward(self, grad=None, retain_graph=False, create_graph=False):
        """Accumulate d(self)/d(leaf) into ``leaf.grad`` for every leaf that requires it.

        ``grad`` is needed when ``self`` is not a single number: it weights each
        element (the vector of a vector-Jacobian product). The graph is freed
        afterwards unless ``retain_graph``; ``create_graph`` records the backward
        pass itself so that the gradients can be differentiated again.
        """
        _engine.backward(self, grad, retain_graph=retain_graph, create_graph=create_graph)

    # ---- arithmetic (NumPy broadcasting) --------------------------------------
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __pow__(self, exponent):
        return _ops.pow(self, exponent)

    def __rpow__(self, base):
        return _ops.pow(base, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    # ---- comparisons: no gradient, boolean result ----------------------------
    def _compare(self, other, how):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor(getattr(self.data, how)(other))

    def __lt__(self, other):
        return self._compare(other, "__lt__")

    def __le__(self, other):
        return self._compare(other, "__le__")

    def __gt__(self, other):
        return self._compare(other, "__gt__")

    def __ge__(self, other):
        return self._compare(other, "__ge__")

    def __eq__(self, other):
        return self._compare(other, "__eq__")

    def __ne__(self, other):
        return self._compare(other, "__ne__")

    __hash__ = object.__hash__  # elementwise == above, identity for sets and dicts

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()")
        return bool(self.data)

    def any(self):
        return bool(self.data.any())

    def all(self):
        return bool(self.data.all())

    def argmax(self, dim=None, keepdim=False):
        return Tensor(self.data.argmax(axis=dim, keepdims=keepdim))

    def argmin(self, dim=None, keepdim=False):
        return Tensor(self.data.argmin(axis=dim, keepdims=keepdim))

    # ---- element-wise functions ----------------------------------------------
    def exp(self):
        return _ops.exp(self)

    def log(self):
        return _ops.log(self)

    def log1p(self):
        return _ops.log1p(self)

    def sqrt(self):
        return _ops.sqrt(self)

    def pow(self, exponent):
        return _ops.pow(self, exponent)

    def abs(self):
        return _ops.abs(self)

    def sin(self):
        return _ops.sin(self)

    def cos(self):
        return _ops.cos(self)

    def tanh(self):
        return _ops.tanh(self)

    def sigmoid(self):
        return _ops.sigmoid(self)

    def relu(self):
        return _ops.relu(self)

    def clamp(self, min=None, max=None):
        return _ops.clamp(self, min, max)

    def masked_fill(self, mask, value):
        return _ops.masked_fill(self, mask, value)

    # ---- reductions ------------------------------------------------------------
    def sum(self, dim=None, keepdim=False):
        return _ops.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        return _ops.mean(self, dim, keepdim)

    def var(self, dim=None, keepdim=False, correction=1):
        return _ops.var(self, dim, keepdim, correction)

    def max(self, dim=None, keepdim=False):
        return _ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _ops.min(self, dim, keepdim)

    def logsumexp(self, dim=None, keepdim=False):
        return _ops.logsumexp(self, dim, keepdim)

    def softmax(self, dim=-1):
        return _ops.softmax(self, dim)

    def log_softmax(self, dim=-1):
        return _ops.log_softmax(self, dim)

    def cumsum(self, dim):
        return _ops.cumsum(self, dim)

    # ---- shape -------------------------------------------------------------------
    def reshape(self, *shape):
        return _ops.reshape(self, _shape_args(shape))

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        return _ops.flatten(self, start_dim, end_dim)

    def transpose(self, dim0, dim1):
        return _ops.transpose(self, dim0, dim1)

    def permute(self, *dims):
        return _ops.permute(self, _shape_args(dims))

    T = property(lambda self: _ops.permute(self, tuple(reversed(range(self.ndim)))))
    mT = property(lambda self: _ops.transpose(self, -2, -1), doc="swap the last two dimensions")

    def broadcast_to(self, shape):
        return _ops.broadcast_to(self, shape)

    def expand(self, *shape):
        return _ops.expand(self, _shape_args(shape))

    def squeeze(self, dim=None):
        return _ops.squeeze(self, dim)

    def unsqueeze(self, dim):
        return _ops.unsqueeze(self, dim)

    def split(self, split_size_or_sections, dim=0):
        return _ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return _ops.chunk(self, chunks, dim)

    def flip(self, dims):
        return _ops.flip(self, dims)

    # ---- ops added for PyTorch parity (the ops' docstrings say what each computes) ----------
    def erf(self):
        return _ops.erf(self)

    def prod(self, dim=None, keepdim=False):
        return _ops.prod(self, dim, keepdim)

    def cumprod(self, dim):
        return _ops.cumprod(self, dim)

    def norm(self, p="fro", dim=None, keepdim=False):
        return _ops.norm(self, p, dim, keepdim)

    def gather(self, dim, index):
        return _ops.gather(self, dim, index)

    def scatter_add(self, dim, index, src):
        return _ops.scatter_add(self, dim, index, src)

    def index_select(self, dim, index):
        return _ops.index_select(self, dim, index)

    def tril(self, diagonal=0):
        return _ops.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _ops.triu(self, diagonal)

    def roll(self, shifts, dims=None):
        return _ops.roll(self, shifts, dims)

    def repeat(self, *sizes):
        return _ops.repeat(self, *sizes)

    def multinomial(self, num_samples, replacement=False):
        return _ops.multinomial(self, num_samples, replacement)


def _shape_args(args):
    """Accept both ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def as_tensor(value, like=None):
    """``value`` as a Tensor; a Python number takes the dtype and device of ``like``."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (bool, int, float)):
        dtype = like.dtype if like.dtype.kind in "fc" or isinstance(value, (bool, int)) else DEFAULT_DTYPE
        return Tensor(like.xp.asarray(value, dtype=dtype))
    if hasattr(value, "__cuda_array_interface__") or isinstance(value, numpy.ndarray):
        return Tensor(value)
    array = numpy.asarray(value)
    if array.dtype.kind == "f":
        array = array.astype(DEFAULT_DTYPE)
    return Tensor(array if like is None else backend.to_device(array, like.device))


# The one seam in tinygen's import stack (setup.cfg lists the layers): the ops and the backward pass are built on
# Tensor, and Tensor's methods call them. Imported last, when Tensor exists for them to import.
from . import ops as _ops  # noqa: E402
from .autograd import engine as _engine  # noqa: E402
