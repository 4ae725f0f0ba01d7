"""Ops that move numbers around without changing them.

Their backward passes move the gradient back the same way: a reshape is undone
by a reshape, a permutation by the inverse permutation, a concatenation by a
split, a broadcast by a sum. Each pair below is written as two Functions whose
backward is the other one, which is also why all of them differentiate twice.
"""
import math

import numpy

from .. import backend
from ..autograd.function import Function
from .promotion import promote


def normalize_dim(dim, ndim):
    """A possibly negative axis -> a non-negative one, with a clear error."""
    if not -ndim <= dim < max(ndim, 1):
        raise IndexError(f"dimension {dim} is out of range for a tensor with {ndim} dimensions")
    return dim % max(ndim, 1)


def normalize_dims(dims, ndim):
    """None (all axes), an int, or a sequence of ints -> a sorted tuple of axes."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, int):
        dims = (dims,)
    return tuple(sorted(normalize_dim(d, ndim) for d in dims))


class SumTo(Function):
    """Sum over the axes along which ``shape`` was broadcast (the adjoint of broadcast_to)."""

    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        lead = x.ndim - len(self.shape)
        stretched = tuple(lead + i for i, n in enumerate(self.shape) if n == 1 and x.shape[lead + i] != 1)
        return x.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.inputs[0].shape)


class BroadcastTo(Function):
    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        xp = backend.get_array_module(x)
        return xp.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.inputs[0].shape)


class Reshape(Function):
    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, shape):
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, gy):
        return reshape(gy, self.inputs[0].shape)


class Permute(Function):
    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, dims):
        self.dims = tuple(dims)

    def forward(self, x):
        return x.transpose(self.dims)

    def backward(self, gy):
        return permute(gy, tuple(numpy.argsort(self.dims)))


class Cat(Function):
    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, dim):
        self.dim = dim

    def forward(self, *xs):
        xp = backend.get_array_module(*xs)
        return xp.concatenate(xs, axis=self.dim)

    def backward(self, gy):
        return split(gy, [x.shape[self.dim] for x in self.inputs], self.dim)


class Split(Function):
    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, sizes, dim):
        self.sizes, self.dim = sizes, dim

    def forward(self, x):
        xp = backend.get_array_module(x)
        return tuple(xp.split(x, numpy.cumsum(self.sizes)[:-1].tolist(), axis=self.dim))

    def backward(self, *gys):
        return cat(gys, self.dim)


class Flip(Function):
    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, dims):
        self.dims = dims

    def forward(self, x):
        xp = backend.get_array_module(x)
        return xp.flip(x, axis=self.dims)

    def backward(self, gy):
        return flip(gy, self.dims)


class Roll(Function):
    """Shift cyclically by ``shifts`` along ``axes``: elements pushed off one end come back at the other.
    Its backward rolls the gradient back."""

    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, shifts, axes):
        self.shifts, self.axes = shifts, axes

    def forward(self, x):
        return backend.get_array_module(x).roll(x, self.shifts, axis=self.axes)

    def backward(self, gy):
        return Roll(tuple(-s for s in self.shifts), self.axes)(gy)


class ToDevice(Function):
    def __init__(self, device):
        self.device = backend.normalize_device(device)

    def forward(self, x):
        return backend.to_device(x, self.device)

    def backward(self, gy):
        return to_device(gy, self.inputs[0].device)


class AsType(Function):
    def __init__(self, dtype):
        self.dtype = numpy.dtype(dtype)

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, gy):
        return astype(gy, self.inputs[0].dtype)


def sum_to(x, shape):
    """Sum ``x`` down to ``shape``, the shape it was broadcast from."""
    return x if x.shape == tuple(shape) else SumTo(shape)(x)


def broadcast_to(x, shape):
    return x if x.shape == tuple(shape) else BroadcastTo(shape)(x)


def expand(x, shape):
    """``broadcast_to`` where -1 keeps that axis's current size (PyTorch's ``expand``)."""
    lead = len(shape) - x.ndim
    return broadcast_to(x, tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape)))


def reshape(x, shape):
    return x if x.shape == tuple(shape) else Reshape(shape)(x)


def flatten(x, start_dim=0, end_dim=-1):
    """Merge axes ``start_dim..end_dim`` into one."""
    if x.ndim == 0:
        return reshape(x, (1,))
    start, end = normalize_dim(start_dim, x.ndim), normalize_dim(end_dim, x.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a tensor of shape {x.shape}")
    # the merged size spelled out, not -1, which is ambiguous when another axis is 0 long
    return reshape(x, x.shape[:start] + (math.prod(x.shape[start : end + 1]),) + x.shape[end + 1 :])


def permute(x, dims):
    dims = tuple(normalize_dim(d, x.ndim) for d in dims)
    if sorted(dims) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} axes of a tensor of shape {x.shape}")
    return Permute(dims)(x)


def transpose(x, dim0, dim1):
    """Swap two axes."""
    dims = list(range(x.ndim))
    dim0, dim1 = normalize_dim(dim0, x.ndim), normalize_dim(dim1, x.ndim)
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return Permute(dims)(x)


def squeeze(x, dim=None):
    """Remove size-1 axes (all of them, or the ones in ``dim``)."""
    dims = [d for d in normalize_dims(dim, x.ndim) if x.shape[d] == 1]
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in dims))


def unsqueeze(x, dim):
    """Insert a size-1 axis at position ``dim``."""
    dim = normalize_dim(dim, x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def cat(tensors, dim=0):
    """Join tensors along an existing axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    return Cat(normalize_dim(dim, tensors[0].ndim))(*promote(*tensors))


concatenate = cat


def stack(tensors, dim=0):
    """Join tensors along a new axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    dim = normalize_dim(dim, tensors[0].ndim + 1)
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def split(x, split_size_or_sections, dim=0):
    """Cut ``x`` along ``dim`` into pieces of one size (the last may be smaller) or of listed sizes."""
    dim = normalize_dim(dim, x.ndim)
    length = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split: the piece size must be positive, got {size}")
        sizes = [size] * (length // size) + ([length % size] if length % size else [])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != length:
            raise ValueError(f"split: sizes {sizes} add up to {sum(sizes)}, but axis {dim} has length {length}")
    return Split(sizes, dim)(x)


def chunk(x, chunks, dim=0):
    """Cut ``x`` into pieces of ceil(length / chunks) (the last may be smaller, and there may be fewer
    than ``chunks``, as in PyTorch); an empty axis gives ``chunks`` empty pieces."""
    if x.ndim == 0 or chunks < 1:
        raise ValueError(f"chunk: needs a tensor with at least one dimension and chunks >= 1, got shape {x.shape} "
                         f"and chunks={chunks}")
    length = x.shape[normalize_dim(dim, x.ndim)]
    return split(x, -(-length // chunks) or [0] * chunks, dim)


def flip(x, dims):
    return Flip(normalize_dims(dims, x.ndim))(x)


def roll(x, shifts, dims=None):
    """Shift cyclically along ``dims`` (an int or a tuple, one per shift); with no dims, along the flattened
    tensor, whose shape is then restored (as in PyTorch)."""
    if dims is None:
        return reshape(roll(reshape(x, (-1,)), shifts, 0), x.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    axes = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(axes):
        raise ValueError(f"roll: {len(shifts)} shifts {shifts} for {len(axes)} dims {axes}; give one shift per dim")
    return Roll(shifts, tuple(normalize_dim(d, x.ndim) for d in axes))(x)


def repeat(x, *sizes):
    """Tile ``x``: ``sizes[i]`` copies of the whole tensor along axis i, as PyTorch's ``Tensor.repeat`` (NumPy's
    ``tile``, not its ``repeat``, which repeats each element). Extra leading sizes add new axes in front.

    A broadcast and a reshape: x (s0, s1) viewed as (1, s0, 1, s1), broadcast to (r0, s0, r1, s1), merged to
    (r0 s0, r1 s1), so copy k of element i lands at k s0 + i. The backward sums the copies.
    """
    sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: {len(sizes)} sizes {sizes} for a tensor of {x.ndim} dimensions; give at least one per dimension")
    shape = (1,) * (len(sizes) - x.ndim) + x.shape
    spread = reshape(x, tuple(n for s in shape for n in (1, s)))
    copies = broadcast_to(spread, tuple(n for r, s in zip(sizes, shape) for n in (r, s)))
    return reshape(copies, tuple(r * s for r, s in zip(sizes, shape)))


def to_device(x, device):
    """A copy of ``x`` on ``device`` that passes gradients back to where ``x`` lives."""
    device = backend.normalize_device(device)
    return x if x.device == device else ToDevice(device)(x)


def astype(x, dtype):
    return x if x.dtype == numpy.dtype(dtype) else AsType(dtype)(x)


class Clone(Function):
    """A copy in memory of its own; the gradient passes through unchanged."""

    def forward(self, x):
        return backend.get_array_module(x).array(x, copy=True)  # keeps x's memory layout

    def backward(self, gy):
        return gy


def clone(x):
    return Clone()(x)
