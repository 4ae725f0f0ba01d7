"""Selecting elements: indexing, ``where``, ``masked_fill``, ``one_hot``; PyTorch's
``gather``, ``scatter_add`` and ``index_select``; the triangles ``tril`` and ``triu``.

Indexing copies chosen elements out, so its backward puts each gradient back
where its element came from. An index may pick the same element twice
(``x[[0, 0]]``): those gradients must add up, which plain assignment would get
wrong, so advanced indices scatter with an unbuffered add (``numpy.add.at``).
gather and index_select are indexing with an index built from PyTorch's index
tensor, and scatter_add is its adjoint, so they need no Function of their own.
"""
from .. import backend
from ..autograd.function import Function
from ..tensor import DEFAULT_DTYPE, Tensor, as_tensor
from .promotion import promote
from .shape import normalize_dim, sum_to


def _raw_index(index):
    """Tensors inside an index -> their arrays; everything else unchanged."""
    if isinstance(index, tuple):
        return tuple(_raw_index(i) for i in index)
    return index.data if isinstance(index, Tensor) else index


def _is_basic(index):
    """Slices, integers, None and Ellipsis only: each element is picked at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice, type(None), type(Ellipsis))) for p in parts)


class GetItem(Function):
    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, gy):
        x = self.inputs[0]
        return IndexAdd(self.index, x.shape)(gy)


class IndexAdd(Function):
    """A zero tensor of ``shape`` with ``values`` added at ``index``: the adjoint of ``x[index]``."""

    def __init__(self, index, shape):
        self.index, self.shape = index, shape

    def forward(self, values):
        xp = backend.get_array_module(values)
        out = xp.zeros(self.shape, dtype=values.dtype)
        if _is_basic(self.index):
            out[self.index] = values
        else:
            backend.scatter_add(out, self.index, values)
        return out

    def backward(self, gy):
        return gy[self.index]


class Where(Function):
    """condition ? a : b, element-wise with broadcasting; ``condition`` is a constant."""

    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return backend.get_array_module(a, b).where(self.condition, a, b)

    def backward(self, gy):
        a, b = self.inputs
        chosen = Tensor(self.condition.astype(gy.dtype))
        ga = sum_to(gy * chosen, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(gy * (1 - chosen), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def getitem(x, index):
    """``x[index]`` with NumPy's rules, basic and advanced."""
    return GetItem(_raw_index(index))(x)


def where(condition, a, b):
    """Pick from ``a`` where ``condition`` holds and from ``b`` elsewhere (either, or both, may be a number)."""
    condition = as_tensor(condition)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # two numbers: tensors of PyTorch's dtypes for them
        a, b = as_tensor(a).to(condition.device), as_tensor(b).to(condition.device)
    a, b = promote(a, b)
    return Where(condition.data.astype(bool))(a, b)


def masked_fill(x, mask, value):
    """``x`` with ``value`` wherever ``mask`` is true (no gradient flows there); x's dtype, as in PyTorch."""
    return where(mask, value, x).astype(x.dtype)


def one_hot(labels, num_classes, dtype=None):
    """Integer labels of any shape -> float rows of zeros with a one at each label (no gradient)."""
    labels = as_tensor(labels).data
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: labels must lie in [0, {num_classes}), got values from {labels.min()} to {labels.max()}")
    xp = backend.get_array_module(labels)
    return Tensor((labels[..., None] == xp.arange(num_classes)).astype(dtype or DEFAULT_DTYPE))


# ---- PyTorch's index tensors along one axis: gather, scatter_add, index_select ---------------------------
# Each is ``x[index]`` or its adjoint for a NumPy index built from them, so GetItem and IndexAdd above
# differentiate them (twice, and more).


def _along(index, axis):
    """The NumPy index that picks x[i, index[i, j, k], k] at position (i, j, k) (for axis 1): ``index`` on
    ``axis``, the position itself on every other axis."""
    xp = backend.get_array_module(index)
    return tuple(index if a == axis else xp.arange(n).reshape([-1 if b == a else 1 for b in range(index.ndim)])
                 for a, n in enumerate(index.shape))  # fmt: skip


def _checked_index(op, index, x_shape, axis, same_ndim=True):
    """``index`` as an integer array, its values in [0, x_shape[axis]) (as PyTorch, no negative ones), with
    as many axes as x, each no longer than x's but ``axis`` (where ``same_ndim``)."""
    index = as_tensor(index).data
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got {index.dtype}")
    too_long = any(i > n for a, (i, n) in enumerate(zip(index.shape, x_shape)) if a != axis)
    if same_ndim and (index.ndim != len(x_shape) or too_long):
        raise ValueError(f"{op}: index of shape {tuple(index.shape)} must have the {len(x_shape)} axes of the input "
                         f"{tuple(x_shape)}, none longer than the input's except axis {axis}")  # fmt: skip
    if index.size and (index.min() < 0 or index.max() >= x_shape[axis]):
        raise IndexError(f"{op}: index values must lie in [0, {x_shape[axis]}) along axis {axis}, got values from "
                         f"{index.min()} to {index.max()}")  # fmt: skip
    return index


def gather(x, dim, index):
    """y[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (likewise for any dim): y has index's shape."""
    axis = normalize_dim(dim, x.ndim)
    index = _checked_index("gather", index, x.shape, axis)
    return GetItem(_along(backend.to_device(index, x.device), axis))(x)


def scatter_add(x, dim, index, src):
    """A copy of ``x`` with src[i][j][k] added at x[i][index[i][j][k]][k] for dim = 1; repeated indices add up.

    The adjoint of ``gather``: differentiable in both ``x`` (gradient passed through) and ``src``.
    """
    axis = normalize_dim(dim, x.ndim)
    index = _checked_index("scatter_add", index, x.shape, axis)
    if src.ndim != index.ndim or any(i > n for i, n in zip(index.shape, src.shape)):
        raise ValueError(f"scatter_add: src of shape {src.shape} must be at least as large as index {tuple(index.shape)}")
    if src.dtype != x.dtype:
        raise TypeError(f"scatter_add: src ({src.dtype}) must have the input's dtype ({x.dtype}); convert it with .to()")
    src = src[tuple(slice(0, n) for n in index.shape)]  # PyTorch uses src's leading block of index's shape
    return x + IndexAdd(_along(backend.to_device(index, x.device), axis), x.shape)(src)


def index_select(x, dim, index):
    """The slices x[..., index[m], ...] along ``dim``, for a 1-D integer ``index``, in its order."""
    axis = normalize_dim(dim, x.ndim)
    index = _checked_index("index_select", index, x.shape, axis, same_ndim=False)
    if index.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {tuple(index.shape)}")
    return GetItem((slice(None),) * axis + (backend.to_device(index.reshape(-1), x.device),))(x)


# ---- triangles of matrices -------------------------------------------------------------------------------
class Triangle(Function):
    """The lower (``tril``) or upper (``triu``) triangle of the last two axes, zeros elsewhere: entries (i, j)
    with j - i <= diagonal, or j - i >= diagonal. A mask, so its backward keeps the same triangle of the gradient."""

    def __init__(self, diagonal, upper):
        self.diagonal, self.upper = diagonal, upper

    def forward(self, x):
        xp = backend.get_array_module(x)
        return (xp.triu if self.upper else xp.tril)(x, self.diagonal)

    def backward(self, gy):
        return Triangle(self.diagonal, self.upper)(gy)


def _triangle(x, diagonal, upper):
    if x.ndim < 2:
        raise ValueError(f"{'triu' if upper else 'tril'}: needs a tensor of at least 2 dimensions, got shape {x.shape}")
    return Triangle(int(diagonal), upper)(x)


def tril(x, diagonal=0):
    """Entries on and below the ``diagonal``-th diagonal of the last two axes (0: the main one); zeros above."""
    return _triangle(x, diagonal, upper=False)


def triu(x, diagonal=0):
    """Entries on and above the ``diagonal``-th diagonal of the last two axes; zeros below."""
    return _triangle(x, diagonal, upper=True)
