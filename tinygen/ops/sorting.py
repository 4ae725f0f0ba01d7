"""Sorting along an axis: ``sort`` and ``topk``, each returning the pair (values, indices) as PyTorch does.

The indices come from a stable argsort: equal values keep their order in x,
ascending and descending alike (as PyTorch's sort does), and NaN counts as
the largest value. The values are x gathered at those indices, so the
gradient of each value goes back to the element it came from (gather's
backward), and sorting differentiates twice. ``topk`` is the first k of that
order; its ties therefore come in their order in x, where PyTorch leaves the
order of ties unspecified.
"""
from .. import backend
from ..tensor import Tensor
from .indexing import gather
from .reduction import ValuesIndices
from .shape import normalize_dim, reshape


def _stable_order(data, axis, descending):
    """Indices that sort ``data`` along ``axis``, equal values in their order in x."""
    xp = backend.get_array_module(data)
    if not descending:
        return xp.argsort(data, axis=axis, kind="stable")
    # Sort the reversed axis ascending, then read that order backwards: largest first, ties still in x's order.
    order_of_reversed = xp.argsort(xp.flip(data, axis), axis=axis, kind="stable")
    return data.shape[axis] - 1 - xp.flip(order_of_reversed, axis)


def sort(x, dim=-1, descending=False, *, stable=False):
    """(values, indices) of ``x`` sorted along ``dim``; the sort is always stable (``stable`` is accepted for
    PyTorch's signature). indices are int64, values take the gradient."""
    if x.ndim == 0:
        values, indices = sort(reshape(x, (1,)), 0, descending)
        return ValuesIndices(reshape(values, ()), reshape(indices, ()))
    axis = normalize_dim(dim, x.ndim)
    order = _stable_order(x.data, axis, descending)
    return ValuesIndices(gather(x, axis, order), Tensor(order))


def topk(x, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or, with ``largest=False``, smallest) elements along ``dim``, in
    order (``sorted`` is accepted for PyTorch's signature: they always come sorted)."""
    length = x.shape[normalize_dim(dim, x.ndim)] if x.ndim else 1
    if not 0 <= k <= length:
        raise ValueError(f"topk: k = {k} is out of range for a dimension of length {length}")
    values, indices = sort(x, dim, descending=largest)
    if x.ndim == 0:
        return ValuesIndices(values, indices)
    first_k = (slice(None),) * normalize_dim(dim, x.ndim) + (slice(0, k),)
    return ValuesIndices(values[first_k], indices[first_k])
