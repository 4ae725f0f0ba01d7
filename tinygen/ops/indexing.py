"""Selecting elements: indexing, ``where``, ``masked_fill``, ``one_hot``.

Indexing copies chosen elements out, so its backward puts each gradient back
where its element came from. An index may pick the same element twice
(``x[[0, 0]]``): those gradients must add up, which plain assignment would get
wrong, so advanced indices scatter with an unbuffered add (``numpy.add.at``).
"""
from .. import backend
from ..autograd.function import Function
from ..tensor import DEFAULT_DTYPE, Tensor, as_tensor
from .shape import sum_to


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
    """Pick from ``a`` where ``condition`` holds and from ``b`` elsewhere (either may be a number)."""
    reference = a if isinstance(a, Tensor) else b
    a, b = as_tensor(a, like=reference), as_tensor(b, like=reference)
    condition = as_tensor(condition).data.astype(bool)
    return Where(condition)(a, b)


def masked_fill(x, mask, value):
    """``x`` with ``value`` wherever ``mask`` is true (no gradient flows there)."""
    return where(mask, value, x)


def one_hot(labels, num_classes, dtype=None):
    """Integer labels of any shape -> float rows of zeros with a one at each label (no gradient)."""
    labels = as_tensor(labels).data
    if labels.dtype.kind not in "iu":
        raise TypeError(f"one_hot: labels must be integers, got {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: labels must lie in [0, {num_classes}), got values from {labels.min()} to {labels.max()}")
    xp = backend.get_array_module(labels)
    return Tensor((labels[..., None] == xp.arange(num_classes)).astype(dtype or DEFAULT_DTYPE))
