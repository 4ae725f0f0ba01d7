"""``Tensor``: an array of numbers that remembers how it was computed.

A Tensor wraps a NumPy array (CPU) or a CuPy array (GPU) in ``.data``. When it
requires a gradient, every op applied to it records its ``creator`` (the
Function that made it), so that ``backward()`` can apply the chain rule from
the output back to the leaves and leave d(output)/d(leaf) in ``leaf.grad``.
What a tensor holds and how to read it is ``TensorBase`` (``tensor_base.py``);
this class adds what can be done with it.

The methods below are thin: each one calls the op of the same name in
``tinygen.ops``, where the forward and backward formulas live side by side.
In-place methods (``add_``, ``x += y``, ``x[i] = v``) follow PyTorch's rules:
see ``tinygen/ops/inplace.py``.
"""
import numpy

from . import backend
from .dtypes import DEFAULT_DTYPE
from .tensor_base import TensorBase, to_arguments


class Tensor(TensorBase):
    __slots__ = ()

    # ---- moving, converting ---------------------------------------------------
    def to(self, *args, device=None, dtype=None, non_blocking=False, copy=False):
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or ``to(other)``; ``self`` when nothing changes.

        ``non_blocking`` is accepted and ignored (every copy completes before it returns).
        """
        device, dtype = to_arguments(args, device, dtype)
        out = self if device is None else _ops.to_device(self, device)
        out = out if dtype is None else _ops.astype(out, dtype)
        return _ops.clone(out) if copy and out is self else out

    def cpu(self):
        return self.to(backend.CPU)

    def gpu(self):
        return self.to(backend.GPU)

    def astype(self, dtype):
        return _ops.astype(self, dtype)

    def type_as(self, other):
        return _ops.astype(self, other.dtype)

    is_cuda = property(lambda self: self.device == backend.GPU, doc="on the GPU (PyTorch's name)")

    # ---- new tensors like this one: its dtype and device unless given ---------------------------
    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        xp = backend.array_module_for(device or self.device)
        return Tensor(xp.full(_shape_args((size,)), fill_value, dtype=dtype or self.dtype), requires_grad=requires_grad)

    def new_zeros(self, *size, **kwargs):
        return self.new_full(_shape_args(size), 0, **kwargs)

    def new_ones(self, *size, **kwargs):
        return self.new_full(_shape_args(size), 1, **kwargs)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A copy of ``data`` (Python data, an array or a tensor), cut from any graph."""
        array = data.data if isinstance(data, TensorBase) else numpy.asarray(data)
        array = backend.to_device(array, device or self.device).astype(dtype or self.dtype, copy=True)
        return Tensor(array, requires_grad=requires_grad)

    def float(self):
        return self.astype(numpy.float32)

    def double(self):
        return self.astype(numpy.float64)

    def long(self):
        return self.astype(numpy.int64)

    def int(self):
        return self.astype(numpy.int32)

    def bool(self):
        return self.astype(numpy.bool_)

    def clone(self):
        """A copy with its own memory, still in the graph (gradients flow back through it)."""
        return _ops.clone(self)

    # ---- autograd ------------------------------------------------------------
    def detach(self):
        """The same values, cut from the graph (shares memory, and so the version, with this tensor)."""
        return Tensor(self.data)

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

    def mm(self, other):
        return _ops.mm(self, other)

    def bmm(self, other):
        return _ops.bmm(self, other)

    # ---- in place: allowed under no_grad or on tensors that need no gradient ----------------
    def __setitem__(self, index, value):
        _ops.setitem_(self, index, value)

    def add_(self, other, alpha=1):
        return _ops.add_(self, other, alpha)

    def sub_(self, other, alpha=1):
        return _ops.sub_(self, other, alpha)

    def mul_(self, other):
        return _ops.mul_(self, other)

    def div_(self, other):
        return _ops.div_(self, other)

    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_  # x += y is x.add_(y), and so on

    def lerp_(self, end, weight):
        return _ops.lerp_(self, end, weight)

    def clamp_(self, min=None, max=None):
        return _ops.clamp_(self, min, max)

    clip_ = clamp_

    def copy_(self, source):
        return _ops.copy_(self, source)

    def fill_(self, value):
        return _ops.fill_(self, value)

    def zero_(self):
        return _ops.zero_(self)

    def normal_(self, mean=0.0, std=1.0):
        return _ops.normal_(self, mean, std)

    def uniform_(self, low=0.0, high=1.0):
        return _ops.uniform_(self, low, high)

    # ---- comparisons: no gradient, boolean result ----------------------------
    def eq(self, other):
        return _ops.eq(self, other)

    def ne(self, other):
        return _ops.ne(self, other)

    def lt(self, other):
        return _ops.lt(self, other)

    def le(self, other):
        return _ops.le(self, other)

    def gt(self, other):
        return _ops.gt(self, other)

    def ge(self, other):
        return _ops.ge(self, other)

    __eq__, __ne__, __lt__, __le__, __gt__, __ge__ = eq, ne, lt, le, gt, ge
    __hash__ = object.__hash__  # elementwise == above, identity for sets and dicts

    def any(self, dim=None, keepdim=False):
        """Whether any element is nonzero (over ``dim``), as a bool tensor, as in PyTorch."""
        return Tensor(self.xp.asarray(self.data.any(axis=dim, keepdims=keepdim)))

    def all(self, dim=None, keepdim=False):
        return Tensor(self.xp.asarray(self.data.all(axis=dim, keepdims=keepdim)))

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

    clip = clamp

    def masked_fill(self, mask, value):
        return _ops.masked_fill(self, mask, value)

    # ---- reductions ------------------------------------------------------------
    def sum(self, dim=None, keepdim=False):
        return _ops.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        return _ops.mean(self, dim, keepdim)

    def var(self, dim=None, keepdim=False, correction=1):
        return _ops.var(self, dim, keepdim, correction)

    def std(self, dim=None, keepdim=False, correction=1):
        return _ops.std(self, dim, keepdim, correction)

    def max(self, dim=None, keepdim=False):
        """The largest value; with ``dim``, (values, indices) along it; with a tensor, the elementwise maximum."""
        return _ops.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _ops.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return _ops.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return _ops.amin(self, dim, keepdim)

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

    def view_as(self, other):
        return _ops.reshape(self, other.shape)

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

    def expand_as(self, other):
        return _ops.expand(self, other.shape)

    def t(self):
        """The transpose of a matrix; a vector or a number as it is (PyTorch's ``t``: at most 2-D)."""
        if self.ndim > 2:
            raise ValueError(f"t() expects at most 2 dimensions, got shape {self.shape}; use transpose or mT")
        return self if self.ndim < 2 else _ops.transpose(self, 0, 1)

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

    def sort(self, dim=-1, descending=False, *, stable=False):
        return _ops.sort(self, dim, descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return _ops.topk(self, k, dim, largest, sorted)


def _shape_args(args):
    """Accept both ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def as_tensor(value, like=None):
    """``value`` as a Tensor (an array as it is, Python data by PyTorch's dtype rules);
    a Python number takes the dtype and device of ``like``."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (bool, int, float)):
        dtype = like.dtype if like.dtype.kind in "fc" or isinstance(value, (bool, int)) else DEFAULT_DTYPE
        return Tensor(like.xp.asarray(value, dtype=dtype))
    tensor = Tensor(value)
    return tensor if like is None or hasattr(value, "shape") else tensor.to(like.device)


# The one seam in tinygen's import stack (setup.cfg lists the layers): the ops and the backward pass are built on
# Tensor, and Tensor's methods call them. Imported last, when Tensor exists for them to import.
from . import ops as _ops  # noqa: E402
from .autograd import engine as _engine  # noqa: E402
