"""Padding the last axes of a tensor, in PyTorch's ``F.pad`` modes.

    constant   [a b c d] padded by 2 -> [v v | a b c d | v v]
    reflect    [a b c d] padded by 2 -> [c b | a b c d | c b]     (mirrored; the edge is not repeated)
    replicate  [a b c d] padded by 2 -> [a a | a b c d | d d]
    circular   [a b c d] padded by 2 -> [c d | a b c d | a b]

Constant padding is linear: its backward crops the gradient, and the backward
of that crop pads it again with zeros. The other modes copy elements of x into
the border, which is indexing x along each padded axis with the list of
positions it copies (``index_select``); so their backward adds each border
gradient to the element it came from, and they differentiate again like any
indexing.
"""
import numpy

from .. import backend
from ..autograd.function import Function
from .indexing import index_select

MODES = ("constant", "reflect", "replicate", "circular")


class Pad(Function):
    """Constant padding; ``widths`` holds a (before, after) pair for every axis."""

    saves_inputs = False  # backward reads only the inputs' shapes

    def __init__(self, widths, value):
        self.widths, self.value = widths, value

    def forward(self, x):
        xp = backend.get_array_module(x)
        return xp.pad(x, self.widths, mode="constant", constant_values=self.value)

    def backward(self, gy):
        return gy[tuple(slice(before, n - after) for (before, after), n in zip(self.widths, gy.shape))]


def _copied_positions(n, before, after, mode):
    """For each position of the padded axis, the position of x (of length n) that it copies."""
    positions = numpy.arange(-before, n + after)
    if mode == "replicate":
        return positions.clip(0, n - 1)
    if mode == "circular":
        return positions % n
    mirrored = numpy.abs(positions)  # reflect about 0: -1 -> 1, and about n - 1: n -> n - 2
    return numpy.where(mirrored > n - 1, 2 * (n - 1) - mirrored, mirrored)


def _check_copy_widths(x, pairs, mode):
    """Reflect copies at most n - 1 elements on a side, circular at most n, replicate any number of one."""
    for axis, (before, after) in enumerate(pairs, start=x.ndim - len(pairs)):
        n = x.shape[axis]
        limit = {"reflect": n - 1, "circular": n, "replicate": float("inf") if n else 0}[mode]
        if max(before, after) > limit:
            raise ValueError(f"pad: {mode} padding ({before}, {after}) of axis {axis} is too wide for its length {n} "
                             f"(at most {limit} on a side); pad in steps, or use mode='constant'")  # fmt: skip


def pad(x, pad, mode="constant", value=None):
    """Pad the last ``len(pad) // 2`` axes, in PyTorch's order: ``(left, right)`` of the last axis first,
    then ``(top, bottom)`` of the one before, and so on. ``value`` (default 0) is for mode="constant" only."""
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: {pad} must hold a (before, after) pair for each of at most {x.ndim} last axes")
    if any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding {pad} is not supported; crop by indexing instead")
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(MODES)}, got {mode!r}")
    pairs = [(int(pad[i]), int(pad[i + 1])) for i in range(0, len(pad), 2)][::-1]
    if mode == "constant":
        return Pad([(0, 0)] * (x.ndim - len(pairs)) + pairs, 0.0 if value is None else value)(x)
    if value is not None:
        raise ValueError(f"pad: mode={mode!r} copies elements of x and takes no value (got value={value})")
    _check_copy_widths(x, pairs, mode)
    for axis, (before, after) in enumerate(pairs, start=x.ndim - len(pairs)):
        if before or after:
            x = index_select(x, axis, _copied_positions(x.shape[axis], before, after, mode))
    return x
