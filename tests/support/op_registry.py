"""One entry per public op: how to draw its inputs, how to call it, and what NumPy says it computes.

``tests/test_ops.py`` turns every entry into three checks (forward against the
NumPy reference, gradcheck, gradgradcheck), and fails if an op in
``tinygen.ops.__all__`` has no entry. Adding an op means adding one entry here.

A strategy draws a ``Case``: the float64 arrays that become differentiable
inputs, and keyword parameters that stay constant (axes, labels, masks).
"""
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygen as tg
from tinygen.ops.normalization import Moments, Standardize, StandardizeAffine
from tinygen.ops.recurrent import LSTMGates, LSTMSequence
from tinygen.ops.reduction import LogSoftmax, Softmax
from .strategies import (
    array_and_dim,
    arrays,
    away_from,
    broadcastable_arrays,
    dims,
    distinct,
    one_array,
    quantize,
    shapes,
)


@dataclass
class Case:
    arrays: tuple
    params: dict = field(default_factory=dict)


@dataclass
class OpSpec:
    name: str  # the name in tinygen.ops.__all__
    inputs: st.SearchStrategy  # draws a Case
    op: Callable  # (*tensors, **params) -> Tensor or tuple of Tensors
    reference: Callable  # (*arrays, **params) -> array or tuple of arrays
    variant: str = ""
    fused: type = None  # the Function with a ``reference`` that the op runs, if it is a fused op
    differentiable: bool = True
    eps: float = 1e-6
    atol: float = 1e-5
    rtol: float = 1e-3

    @property
    def id(self):
        return f"{self.name}[{self.variant}]" if self.variant else self.name


REGISTRY = []


def register(name, inputs, op, reference, **options):
    REGISTRY.append(OpSpec(name, inputs, op, reference, **options))


def cases(strategy, **params):
    """Wrap a strategy of arrays (or tuples of arrays) into Cases with fixed params."""
    return strategy.map(lambda a: Case(a if isinstance(a, tuple) else (a,), dict(params)))


# ---- arithmetic -------------------------------------------------------------------------------
register("add", cases(broadcastable_arrays()), tg.add, np.add)
register("sub", cases(broadcastable_arrays()), tg.sub, np.subtract)
register("mul", cases(broadcastable_arrays()), tg.mul, np.multiply)
register("div", cases(broadcastable_arrays()).map(lambda c: Case((c.arrays[0], away_from(c.arrays[1], [0], 0.5)))),
         tg.div, np.divide)  # fmt: skip
register("neg", cases(one_array()), tg.neg, np.negative)
register("pow", cases(broadcastable_arrays()).map(lambda c: Case((np.abs(c.arrays[0]) / 2 + 0.3, c.arrays[1] / 1.5))),
         tg.pow, np.power, variant="tensor exponent")  # fmt: skip
def _power_base(array, exponent):
    """Away from 0 (where x^-1 blows up); positive for a fractional exponent."""
    base = away_from(array, [0], 0.3)
    return np.abs(base) if exponent != int(exponent) else base


register("pow", st.builds(lambda a, e: Case((_power_base(a, e),), {"exponent": e}), one_array(), st.sampled_from([2, 3, -1.0, 0.5])),
         lambda x, exponent: x ** exponent, lambda x, exponent: x ** exponent, variant="number exponent")  # fmt: skip


@st.composite
def matmul_operands(draw):
    n, m, p, b = (draw(st.integers(1, 3)) for _ in range(4))
    left, right = draw(st.sampled_from([((n,), (n,)), ((m, n), (n,)), ((n,), (n, p)), ((m, n), (n, p)),
                                         ((b, 1, m, n), (b, n, p)), ((n,), (b, n, p))]))  # fmt: skip
    return Case((draw(arrays(left)), draw(arrays(right))))


register("matmul", matmul_operands(), tg.matmul, np.matmul)
EINSUM_EQUATIONS = ["ij,jk->ik", "ij,jk", "ij->", "ij->j", "bij,bjk->bik", "i,j->ij", "i,i->", "ij,ij->i",
                    "ijk->kji", "ij,k->i", "bhqd,bhkd->bhqk", "ij,jk,kl->il", ",ij->ij"]  # fmt: skip


@st.composite
def einsum_case(draw):
    equation = draw(st.sampled_from(EINSUM_EQUATIONS))
    sizes = {c: draw(st.integers(1, 3)) for c in sorted(set(equation) - set(",->"))}
    operands = equation.split("->")[0].split(",")
    return Case(tuple(draw(arrays(tuple(sizes[c] for c in s))) for s in operands), {"equation": equation})


register("einsum", einsum_case(), lambda *xs, equation: tg.einsum(equation, *xs),
         lambda *xs, equation: np.einsum(equation, *xs))  # fmt: skip
register("mm", st.tuples(*[st.integers(1, 3)] * 3).flatmap(lambda s: st.tuples(arrays(s[:2]), arrays(s[1:])).map(Case)),
         tg.mm, np.matmul)  # fmt: skip
register("bmm", st.tuples(*[st.integers(1, 3)] * 4).flatmap(
    lambda s: st.tuples(arrays(s[:3]), arrays(s[:1] + s[2:])).map(Case)), tg.bmm, np.matmul)  # fmt: skip

# ---- element-wise -------------------------------------------------------------------------------
register("exp", cases(one_array(low=-2, high=2)), tg.exp, np.exp)
register("log", cases(one_array(low=0.2, high=3)), tg.log, np.log)
register("log1p", cases(one_array(low=-0.7, high=3)), tg.log1p, np.log1p)
register("sqrt", cases(one_array(low=0.2, high=3)), tg.sqrt, np.sqrt)
register("abs", cases(one_array().map(lambda a: away_from(a, [0]))), tg.abs, np.abs)
register("sin", cases(one_array()), tg.sin, np.sin)
register("cos", cases(one_array()), tg.cos, np.cos)
register("tanh", cases(one_array()), tg.tanh, np.tanh)
register("sigmoid", cases(one_array(low=-6, high=6)), tg.sigmoid, lambda x: 1 / (1 + np.exp(-x)))
register("softplus", cases(one_array(low=-6, high=6)), tg.softplus, lambda x: np.log1p(np.exp(x)))
register("relu", cases(one_array().map(lambda a: away_from(a, [0]))), tg.relu, lambda x: np.maximum(x, 0))
register("leaky_relu", st.builds(lambda a, s: Case((away_from(a, [0]),), {"negative_slope": s}),
                                 one_array(), st.sampled_from([0.01, 0.2])),
         tg.leaky_relu, lambda x, negative_slope: np.where(x > 0, x, negative_slope * x))  # fmt: skip
register("elu", st.builds(lambda a, al: Case((away_from(a, [0]),), {"alpha": al}), one_array(), st.sampled_from([1.0, 0.5])),
         tg.elu, lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(x)))  # fmt: skip
_np_erf = np.vectorize(math.erf, otypes=[np.float64])
register("erf", cases(one_array()), tg.erf, _np_erf)
register("silu", cases(one_array(low=-6, high=6)), tg.silu, lambda x: x / (1 + np.exp(-x)))
register("gelu", cases(one_array()), tg.gelu, lambda x: 0.5 * x * (1 + _np_erf(x / np.sqrt(2))))
register("gelu", cases(one_array(), approximate="tanh"), tg.gelu,
         lambda x, approximate: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))), variant="tanh")  # fmt: skip
register("clamp", st.builds(lambda a, b: Case((away_from(a, [b[0] or 0, b[1] or 0]),), {"min": b[0], "max": b[1]}),
                            one_array(), st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None)])),
         tg.clamp, lambda x, min, max: np.clip(x, min, max))  # fmt: skip
never_equal = cases(broadcastable_arrays()).map(lambda c: Case((quantize(c.arrays[0]), quantize(c.arrays[1], offset=0.25))))
register("maximum", never_equal, tg.maximum, np.maximum)
register("minimum", never_equal, tg.minimum, np.minimum)
register("max", never_equal, tg.max, np.maximum, variant="elementwise")
register("min", never_equal, tg.min, np.minimum, variant="elementwise")
# Comparisons: on one grid, so that equal values occur.
on_one_grid = cases(broadcastable_arrays()).map(lambda c: Case(tuple(quantize(a) for a in c.arrays)))
for _name, _reference in [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less), ("le", np.less_equal),
                          ("gt", np.greater), ("ge", np.greater_equal)]:  # fmt: skip
    register(_name, on_one_grid, getattr(tg, _name), _reference, differentiable=False)


@st.composite
def where_operands(draw):
    drawn = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=3))
    condition_shape, a_shape, b_shape = drawn.input_shapes
    condition = draw(hnp.arrays(np.bool_, condition_shape))
    return Case((draw(arrays(a_shape)), draw(arrays(b_shape))), {"condition": condition})


register("where", where_operands(), lambda a, b, condition: tg.where(condition, a, b),
         lambda a, b, condition: np.where(condition, a, b))  # fmt: skip

# ---- reductions ---------------------------------------------------------------------------------
reduction = array_and_dim().map(lambda t: Case((t[0],), {"dim": t[1], "keepdim": t[2]}))
register("sum", reduction, tg.sum, lambda x, dim, keepdim: np.sum(x, axis=dim, keepdims=keepdim))
register("mean", reduction, tg.mean, lambda x, dim, keepdim: np.mean(x, axis=dim, keepdims=keepdim))


def _reduced_count(shape, dim):
    axes = range(len(shape)) if dim is None else [dim] if isinstance(dim, int) else dim
    return int(np.prod([shape[a] for a in axes]))


@st.composite
def variance_case(draw):
    x, dim, keepdim = draw(array_and_dim(min_dims=1))
    correction = draw(st.sampled_from([0, 1]))
    assume(_reduced_count(x.shape, dim) > correction)
    return Case((distinct(x, gap=0.3),), {"dim": dim, "keepdim": keepdim, "correction": correction})


def _np_var(x, dim, keepdim, correction):
    return np.var(x, axis=dim, keepdims=keepdim, ddof=correction)


register("var", variance_case(), tg.var, _np_var)
register("std", variance_case().filter(lambda c: _reduced_count(c.arrays[0].shape, c.params["dim"]) > 1),
         tg.std, lambda x, **p: np.sqrt(_np_var(x, **p)))  # fmt: skip
distinct_reduction = reduction.map(lambda c: Case((distinct(c.arrays[0]),), c.params))
register("amax", distinct_reduction, tg.amax, lambda x, dim, keepdim: np.max(x, axis=dim, keepdims=keepdim))
register("amin", distinct_reduction, tg.amin, lambda x, dim, keepdim: np.min(x, axis=dim, keepdims=keepdim))
register("max", cases(one_array().map(distinct)), tg.max, np.max, variant="all")
register("min", cases(one_array().map(distinct)), tg.min, np.min, variant="all")
distinct_along_axis = array_and_dim(min_dims=1, allow_none=False).filter(lambda t: isinstance(t[1], int)).map(
    lambda t: Case((distinct(t[0]),), {"dim": t[1], "keepdim": t[2]}))  # fmt: skip
register("max", distinct_along_axis, tg.max, variant="dim -> (values, indices)",
         reference=lambda x, dim, keepdim: (np.max(x, axis=dim, keepdims=keepdim), np.argmax(x, axis=dim, keepdims=keepdim)))  # fmt: skip
register("min", distinct_along_axis, tg.min, variant="dim -> (values, indices)",
         reference=lambda x, dim, keepdim: (np.min(x, axis=dim, keepdims=keepdim), np.argmin(x, axis=dim, keepdims=keepdim)))  # fmt: skip
register("logsumexp", reduction, tg.logsumexp,
         lambda x, dim, keepdim: np.log(np.sum(np.exp(x), axis=dim, keepdims=keepdim)))  # fmt: skip

one_axis = array_and_dim(min_dims=1, allow_none=False).filter(lambda t: isinstance(t[1], int))
along_axis = one_axis.map(lambda t: Case((t[0],), {"dim": t[1]}))


def _np_softmax(x, dim):
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


@st.composite
def moments_case(draw):
    x = draw(arrays(shapes(1, 4)))
    axes = tuple(sorted(draw(st.sets(st.integers(0, x.ndim - 1), min_size=1))))
    return Case((x,), {"axes": axes})


def _np_standardize_case(case):
    x, axes = case.arrays[0], case.params["axes"]
    # var + eps well away from 0, where 1/sqrt(var + eps) changes too fast for central differences
    return Case((x, x.mean(axes, keepdims=True), np.abs(x.var(axes, keepdims=True)) + 0.5), {})


register("moments", moments_case(), tg.moments,
         lambda x, axes: (x.mean(axes, keepdims=True), x.var(axes, keepdims=True)), fused=Moments)  # fmt: skip
register("standardize", moments_case().map(_np_standardize_case), tg.standardize,
         lambda x, mean, var: (x - mean) / np.sqrt(var + 1e-5), fused=Standardize)  # fmt: skip


@st.composite
def standardize_affine_case(draw):
    n, groups, channels, positions = draw(st.tuples(*[st.integers(1, 3)] * 4))
    x = distinct(draw(arrays((n, groups, channels, positions))), gap=0.3)  # var + eps well away from 0
    weight, bias = draw(arrays((groups, channels))), draw(arrays((groups, channels)))
    return Case((x, weight, bias), {"over_batch": draw(st.booleans())})


def _np_standardize_affine(x, weight, bias, over_batch):
    axes = (0, 2, 3) if over_batch else (2, 3)
    mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * weight[:, :, None] + bias[:, :, None], mean, var


register("standardize_affine", standardize_affine_case(), tg.standardize_affine, _np_standardize_affine,
         fused=StandardizeAffine)  # fmt: skip
register("softmax", along_axis, tg.softmax, _np_softmax, fused=Softmax)
register("log_softmax", along_axis, tg.log_softmax, lambda x, dim: np.log(_np_softmax(x, dim)), fused=LogSoftmax)
register("cumsum", along_axis, tg.cumsum, lambda x, dim: np.cumsum(x, axis=dim))


@st.composite
def product_case(draw, running=False):
    """Values in [-1.5, 1.5], so that no product of up to 27 of them drowns the others' finite differences;
    exact zeros in about half the draws, where a gradient computed as y / x would fail."""
    x = draw(one_array(min_dims=int(running), low=-1.5, high=1.5))
    if draw(st.booleans()):
        x = np.where(draw(hnp.arrays(np.bool_, x.shape)), 0.0, x)
    if running:
        return Case((x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1))})
    dim = draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1))) if x.ndim else None
    return Case((x,), {"dim": dim, "keepdim": draw(st.booleans())})


register("prod", product_case(), tg.prod, lambda x, dim, keepdim: np.prod(x, axis=dim, keepdims=keepdim))
register("cumprod", product_case(running=True), tg.cumprod, lambda x, dim: np.cumprod(x, axis=dim))


@st.composite
def norm_case(draw):
    """|x_i| distinct (no ties for the inf-norms) and at least 0.2 (no kink of |x|^p, no zero norm)."""
    x, dim, keepdim = draw(array_and_dim())
    x = np.where(x < 0, -1.0, 1.0) * (distinct(np.abs(x)) + 0.2)
    return Case((x,), {"p": draw(st.sampled_from(["fro", 2, 1, 3, 0.5, 0, np.inf, -np.inf])), "dim": dim, "keepdim": keepdim})


def _np_norm(x, p, dim, keepdim):
    magnitudes, p = np.abs(x), 2 if p == "fro" else p
    if np.isinf(p):
        return (np.max if p > 0 else np.min)(magnitudes, axis=dim, keepdims=keepdim)
    if p == 0:
        return np.sum(x != 0, axis=dim, keepdims=keepdim).astype(x.dtype)
    return np.sum(magnitudes**p, axis=dim, keepdims=keepdim) ** (1 / p)


register("norm", norm_case(), tg.norm, _np_norm)


@st.composite
def sort_case(draw, top=False):
    """Distinct values: where two tie, a finite difference moves one past the other and splits its slope."""
    x = distinct(draw(one_array(min_dims=1)))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    if top:
        return Case((x,), {"k": draw(st.integers(0, x.shape[dim])), "dim": dim, "largest": draw(st.booleans())})
    return Case((x,), {"dim": dim, "descending": draw(st.booleans())})


def _np_sort(x, dim, descending):
    order = np.argsort(-x if descending else x, axis=dim, kind="stable")
    return np.take_along_axis(x, order, axis=dim), order


def _np_topk(x, k, dim, largest):
    values, order = _np_sort(x, dim, largest)
    return np.take(values, range(k), axis=dim), np.take(order, range(k), axis=dim)


register("sort", sort_case(), tg.sort, _np_sort)
register("topk", sort_case(top=True), tg.topk, _np_topk)

# ---- shape ----------------------------------------------------------------------------------------


@st.composite
def reshape_case(draw):
    x = draw(one_array())
    shape = draw(st.sampled_from([(-1,), x.shape[::-1], x.shape + (1,), (1,) + x.shape, (x.size,)]))
    return Case((x,), {"shape": shape})


register("reshape", reshape_case(), tg.reshape, lambda x, shape: x.reshape(shape))


@st.composite
def flatten_case(draw):
    x = draw(one_array(min_dims=1))
    start = draw(st.integers(0, x.ndim - 1))
    return Case((x,), {"start_dim": start, "end_dim": draw(st.integers(start, x.ndim - 1))})


register("flatten", flatten_case(), tg.flatten,
         lambda x, start_dim, end_dim: x.reshape(x.shape[:start_dim] + (-1,) + x.shape[end_dim + 1:]))  # fmt: skip


@st.composite
def two_axes(draw):
    x = draw(one_array(min_dims=1))
    axis = st.integers(-x.ndim, x.ndim - 1)
    return Case((x,), {"dim0": draw(axis), "dim1": draw(axis)})


register("transpose", two_axes(), tg.transpose, lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1))
register("permute", one_array().flatmap(lambda x: st.permutations(range(x.ndim)).map(lambda p: Case((x,), {"dims": tuple(p)}))),
         tg.permute, lambda x, dims: np.transpose(x, dims))  # fmt: skip


@st.composite
def broadcast_case(draw, with_minus_one=False):
    x = draw(arrays(draw(shapes(max_dims=2).map(lambda s: tuple(1 if i % 2 else n for i, n in enumerate(s))))))
    target = (2,) + tuple(3 if n == 1 else n for n in x.shape)
    if with_minus_one:
        target = (2,) + tuple(3 if n == 1 else -1 for n in x.shape)
    return Case((x,), {"shape": target})


register("broadcast_to", broadcast_case(), tg.broadcast_to, np.broadcast_to)
register("expand", broadcast_case(with_minus_one=True), tg.expand,
         lambda x, shape: np.broadcast_to(x, tuple(x.shape[i - 1] if n == -1 else n for i, n in enumerate(shape))))  # fmt: skip


@st.composite
def sum_to_case(draw):
    target = tuple(1 if i % 2 == 0 else n for i, n in enumerate(draw(shapes(max_dims=2))))
    big = (2,) + tuple(3 if n == 1 else n for n in target)
    return Case((draw(arrays(big)),), {"shape": target})


register("sum_to", sum_to_case(), tg.sum_to,
         lambda x, shape: x.sum(axis=tuple(range(x.ndim - len(shape))) + tuple(
             x.ndim - len(shape) + i for i, n in enumerate(shape) if n == 1), keepdims=True).reshape(shape))  # fmt: skip


@st.composite
def squeeze_case(draw):
    x = draw(arrays(draw(shapes(max_dims=3).map(lambda s: tuple(1 if i % 2 else n for i, n in enumerate(s))))))
    return Case((x,), {"dim": draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1))) if x.ndim else None})


register("squeeze", squeeze_case(), tg.squeeze,
         lambda x, dim: np.squeeze(x, axis=dim) if dim is None or x.shape[dim] == 1 else x)  # fmt: skip
register("unsqueeze", one_array().flatmap(lambda x: st.integers(-x.ndim - 1, x.ndim).map(lambda d: Case((x,), {"dim": d}))),
         tg.unsqueeze, lambda x, dim: np.expand_dims(x, dim))  # fmt: skip


@st.composite
def joinable(draw, same_shape=False):
    base = draw(shapes(min_dims=1))
    dim = draw(st.integers(0, len(base) - 1))
    count = draw(st.integers(1, 3))
    pieces = []
    for _ in range(count):
        shape = list(base)
        if not same_shape:
            shape[dim] = draw(st.integers(1, 3))
        pieces.append(draw(arrays(tuple(shape))))
    return Case(tuple(pieces), {"dim": dim})


register("cat", joinable(), lambda *xs, dim: tg.cat(xs, dim), lambda *xs, dim: np.concatenate(xs, axis=dim))
register("concatenate", joinable(), lambda *xs, dim: tg.concatenate(xs, dim),
         lambda *xs, dim: np.concatenate(xs, axis=dim))  # fmt: skip
register("stack", joinable(same_shape=True), lambda *xs, dim: tg.stack(xs, dim), lambda *xs, dim: np.stack(xs, axis=dim))


@st.composite
def split_case(draw, by_count=False):
    x, dim, _ = draw(one_axis)
    length = x.shape[dim]
    if by_count:
        return Case((x,), {"chunks": draw(st.integers(1, 3)), "dim": dim})
    sizes = draw(st.one_of(st.integers(1, 3), st.just([length]), st.just([1, length - 1]) if length > 1 else st.just([length])))
    return Case((x,), {"split_size_or_sections": sizes, "dim": dim})


def _np_split(x, split_size_or_sections, dim):
    length = x.shape[dim]
    if isinstance(split_size_or_sections, int):
        bounds = list(range(split_size_or_sections, length, split_size_or_sections))
    else:
        bounds = list(np.cumsum(split_size_or_sections)[:-1])
    return tuple(np.split(x, bounds, axis=dim))


register("split", split_case(), tg.split, _np_split)
register("chunk", split_case(by_count=True), tg.chunk,
         lambda x, chunks, dim: _np_split(x, -(-x.shape[dim] // chunks), dim))  # fmt: skip


@st.composite
def pad_case(draw):
    x = draw(one_array(min_dims=1))
    axes = draw(st.integers(1, x.ndim))
    pad = tuple(draw(st.integers(0, 2)) for _ in range(2 * axes))
    return Case((x,), {"pad": pad, "value": draw(st.sampled_from([0.0, -1.5]))})


def _np_pad(x, pad, value):
    pairs = [tuple(pad[i:i + 2]) for i in range(0, len(pad), 2)][::-1]
    return np.pad(x, [(0, 0)] * (x.ndim - len(pairs)) + pairs, constant_values=value)


register("pad", pad_case(), tg.pad, _np_pad)
NUMPY_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@st.composite
def copying_pad_case(draw, mode):
    """Widths each mode allows: reflect at most n - 1 a side, circular n, replicate any (here up to 3)."""
    x = draw(one_array(min_dims=1))
    axes = draw(st.integers(1, x.ndim))
    limits = {"reflect": -1, "circular": 0, "replicate": 3}
    pad = []
    for n in x.shape[::-1][:axes]:
        top = limits[mode] if mode == "replicate" else n + limits[mode]
        pad += [draw(st.integers(0, top)), draw(st.integers(0, top))]
    return Case((x,), {"pad": tuple(pad), "mode": mode})


def _np_copying_pad(x, pad, mode):
    pairs = [tuple(pad[i:i + 2]) for i in range(0, len(pad), 2)][::-1]
    return np.pad(x, [(0, 0)] * (x.ndim - len(pairs)) + pairs, mode=NUMPY_PAD_MODES[mode])


for mode in NUMPY_PAD_MODES:
    register("pad", copying_pad_case(mode), tg.pad, _np_copying_pad, variant=mode)


@st.composite
def roll_case(draw):
    x = draw(one_array())
    if x.ndim == 0 or draw(st.booleans()):
        return Case((x,), {"shifts": draw(st.integers(-4, 4)), "dims": None})
    axes = draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=3))
    return Case((x,), {"shifts": tuple(draw(st.integers(-4, 4)) for _ in axes), "dims": tuple(axes)})


register("roll", roll_case(), tg.roll, lambda x, shifts, dims: np.roll(x, shifts, axis=dims))
register("repeat", one_array().flatmap(lambda x: st.lists(st.integers(0, 3), min_size=x.ndim, max_size=x.ndim + 1).map(
    lambda sizes: Case((x,), {"sizes": tuple(sizes)}))),
    lambda x, sizes: tg.repeat(x, *sizes), lambda x, sizes: np.tile(x, sizes))  # fmt: skip
register("flip", one_array(min_dims=1).flatmap(lambda x: dims(x.ndim, allow_none=False).map(lambda d: Case((x,), {"dims": d}))),
         tg.flip, lambda x, dims: np.flip(x, axis=dims))  # fmt: skip
# float32 rounds the input, so differences need a wider step; the op is linear, so that is exact otherwise.
register("astype", cases(one_array()), lambda x: tg.astype(x, np.float32).double(), lambda x: x.astype(np.float32).astype(np.float64),
         eps=1e-2, atol=1e-4)  # fmt: skip
register("to_device", cases(one_array()), lambda x: tg.to_device(x, "cpu") * 1.0, lambda x: x)
register("clone", cases(one_array()), tg.clone, np.copy)

# ---- selection ------------------------------------------------------------------------------------


@st.composite
def index_case(draw):
    x = draw(one_array(min_dims=1))
    n = x.shape[0]
    kind = draw(st.sampled_from(["slice", "int", "repeated", "mask", "mixed"]))
    if kind == "slice":
        index = (slice(draw(st.integers(0, n - 1)), None, draw(st.sampled_from([1, 2, -1]))),)
    elif kind == "int":
        index = draw(st.integers(-n, n - 1))
    elif kind == "repeated":  # the same element picked twice must collect two gradients
        index = np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=5)))
    elif kind == "mask":
        index = draw(hnp.arrays(np.bool_, x.shape))
    else:
        index = (np.array(draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))), Ellipsis)
    return Case((x,), {"index": index})


register("getitem", index_case(), tg.getitem, lambda x, index: x[index])


@st.composite
def masked_fill_case(draw):
    x = draw(one_array())
    mask = draw(hnp.arrays(np.bool_, draw(hnp.broadcastable_shapes(x.shape, max_dims=x.ndim))))
    return Case((x,), {"mask": mask, "value": draw(st.sampled_from([0.0, -2.5]))})


register("masked_fill", masked_fill_case(), tg.masked_fill, lambda x, mask, value: np.where(mask, value, x))


@st.composite
def gather_case(draw, scatter=False):
    """An index no longer than x along every axis but ``dim``, with repeated values (whose gradients add up)."""
    x = draw(one_array(min_dims=1))
    dim = draw(st.integers(0, x.ndim - 1))
    shape = tuple(draw(st.integers(1, 3)) if a == dim else draw(st.integers(1, n)) for a, n in enumerate(x.shape))
    index = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, x.shape[dim] - 1)))
    if scatter:  # src at least as large as index
        return Case((x, draw(arrays(tuple(n + draw(st.integers(0, 1)) for n in shape)))), {"dim": dim, "index": index})
    return Case((x,), {"dim": dim, "index": index})


def _element_along(position, dim, index):
    """The element that ``position`` of a gather (or scatter) reads (or writes): index[position] on ``dim``."""
    return tuple(index[position] if a == dim else p for a, p in enumerate(position))


def _np_gather(x, dim, index):
    return np.array([x[_element_along(pos, dim, index)] for pos in np.ndindex(*index.shape)]).reshape(index.shape)


def _np_scatter_add(x, src, dim, index):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        out[_element_along(pos, dim, index)] += src[pos]
    return out


register("gather", gather_case(), tg.gather, _np_gather)
register("scatter_add", gather_case(scatter=True), lambda x, src, dim, index: tg.scatter_add(x, dim, index, src),
         _np_scatter_add)  # fmt: skip


@st.composite
def index_select_case(draw):
    x = draw(one_array(min_dims=1))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    index = np.array(draw(st.lists(st.integers(0, x.shape[dim] - 1), min_size=1, max_size=4)))
    return Case((x,), {"dim": dim, "index": index})


register("index_select", index_select_case(), tg.index_select, lambda x, dim, index: np.take(x, index, axis=dim))
triangle = st.builds(lambda x, d: Case((x,), {"diagonal": d}), one_array(min_dims=2), st.integers(-2, 2))
register("tril", triangle, tg.tril, lambda x, diagonal: np.tril(x, diagonal))
register("triu", triangle, tg.triu, lambda x, diagonal: np.triu(x, diagonal))


@st.composite
def labels_case(draw):
    classes = draw(st.integers(1, 4))
    labels = draw(hnp.arrays(np.int64, draw(shapes(max_dims=2)), elements=st.integers(0, classes - 1)))
    return Case((), {"labels": labels, "num_classes": classes})


register("one_hot", labels_case(), lambda labels, num_classes: tg.one_hot(labels, num_classes),
         lambda labels, num_classes: np.eye(num_classes, dtype=np.float32)[labels], differentiable=False)  # fmt: skip


def _seeded_dropout(x, p):
    tg.manual_seed(7)  # the same mask on every call, so finite differences see one function
    return tg.dropout(x, p)


def _np_dropout(x, p):
    keep = np.random.default_rng(7).random(x.shape) >= p
    return x * keep / (1 - p)


@st.composite
def one_category_case(draw):
    """Rows of weights with one positive entry: whatever the seed, every draw must pick it."""
    n, rows = draw(st.integers(1, 4)), draw(st.sampled_from([None, 1, 3]))
    chosen = draw(st.lists(st.integers(0, n - 1), min_size=rows or 1, max_size=rows or 1))
    weights = np.zeros((len(chosen), n))
    weights[np.arange(len(chosen)), chosen] = draw(st.floats(0.1, 5.0))
    replacement = draw(st.booleans())
    return Case((), {"input": weights if rows else weights[0], "num_samples": draw(st.integers(1, 5)) if replacement else 1,
                     "replacement": replacement})  # fmt: skip


register("multinomial", one_category_case(), lambda input, **p: tg.multinomial(tg.tensor(input), **p),
         lambda input, num_samples, replacement: np.repeat(input.argmax(-1)[..., None], num_samples, -1),
         differentiable=False)  # fmt: skip
register("dropout", st.builds(lambda a, p: Case((a,), {"p": p}), one_array(), st.sampled_from([0.25, 0.5])),
         _seeded_dropout, _np_dropout)  # fmt: skip


def _seeded_dropout2d(x, p):
    tg.manual_seed(7)
    return tg.dropout2d(x, p)


def _np_dropout2d(x, p):
    keep = np.random.default_rng(7).random(x.shape[:-2] + (1, 1)) >= p
    return x * keep / (1 - p)


register("dropout2d", st.builds(lambda s, p: Case((s,), {"p": p}), st.tuples(*[st.integers(1, 3)] * 4).flatmap(arrays),
                                st.sampled_from([0.25, 0.5])), _seeded_dropout2d, _np_dropout2d)  # fmt: skip

# ---- losses and log-densities ---------------------------------------------------------------------
reductions = st.sampled_from(["mean", "sum", "none"])


@st.composite
def same_shape(draw, lows, highs, min_dims=0):
    """Arrays of one shape, the i-th with values in [lows[i], highs[i]]."""
    shape = draw(shapes(min_dims=min_dims))
    return tuple(draw(arrays(shape, low, high)) for low, high in zip(lows, highs))


register("binary_cross_entropy",
         st.builds(lambda pair, r: Case((pair[0],), {"target": pair[1], "reduction": r}),
                   same_shape((0.05, 0.0), (0.95, 1.0)), reductions),
         tg.binary_cross_entropy,
         lambda p, target, reduction: _np_reduce(-(target * np.log(p) + (1 - target) * np.log(1 - p)), reduction))  # fmt: skip
register("binary_cross_entropy",
         st.builds(lambda triple, r: Case((triple[0], triple[2]), {"target": triple[1], "reduction": r}),
                   same_shape((0.05, 0.0, 0.1), (0.95, 1.0, 2.0)), reductions),
         lambda p, w, target, reduction: tg.binary_cross_entropy(p, target, w, reduction=reduction),
         lambda p, w, target, reduction: _np_reduce(-w * (target * np.log(p) + (1 - target) * np.log(1 - p)), reduction),
         variant="weight")  # fmt: skip


def _np_bce_with_logits(z, t, reduction, pos_weight=1.0):
    log_sigmoid = -np.logaddexp(0, -z)  # log sigma(z); log(1 - sigma(z)) = log sigma(z) - z
    return _np_reduce(-(pos_weight * t * log_sigmoid + (1 - t) * (log_sigmoid - z)), reduction)


register("binary_cross_entropy_with_logits",
         st.builds(lambda pair, r: Case(pair, {"reduction": r}), same_shape((-8.0, 0.0), (8.0, 1.0)), reductions),
         tg.binary_cross_entropy_with_logits, _np_bce_with_logits)  # fmt: skip


@st.composite
def logits_targets_and_positive_weights(draw):
    """Logits, targets in [0, 1], and one positive weight per class (the last axis)."""
    z, t = draw(same_shape((-8.0, 0.0), (8.0, 1.0), min_dims=1))
    return Case((z, t, draw(arrays(z.shape[-1:], 0.2, 3.0))), {"reduction": draw(reductions)})


register("binary_cross_entropy_with_logits", logits_targets_and_positive_weights(),
         lambda z, t, p, reduction: tg.binary_cross_entropy_with_logits(z, t, reduction=reduction, pos_weight=p),
         lambda z, t, p, reduction: _np_bce_with_logits(z, t, reduction, p), variant="pos_weight")  # fmt: skip


@st.composite
def classification_case(draw, options=False):
    """Scores (N, C, *extra) and integer labels (N, *extra); with ``options``, class weights, a label smoothing
    and an ignore_index that some labels take (never all of them)."""
    n, classes = draw(st.integers(1, 3)), draw(st.integers(2, 4))
    extra = draw(st.sampled_from([(), (2,), (2, 3)]))
    logits = draw(arrays((n, classes) + extra))
    labels = draw(hnp.arrays(np.int64, (n,) + extra, elements=st.integers(0, classes - 1)))
    params = {"target": labels, "reduction": draw(reductions)}
    if options:
        ignore_index = draw(st.sampled_from([-100, 0]))
        labels[draw(hnp.arrays(bool, labels.shape))] = ignore_index
        assume((labels != ignore_index).any())
        params |= {"weight": draw(arrays((classes,), 0.2, 2.0)), "ignore_index": ignore_index}
    return Case((logits,), params)


def _np_nll_terms(log_probs, target, weight=None, ignore_index=-100):
    """-w[t] log_probs[t] at each label, the weights w[t] (0 where ignored) and the mask of counted labels."""
    counted = target != ignore_index
    labels = np.where(counted, target, 0)
    picked = np.take_along_axis(log_probs, labels[:, None], axis=1)[:, 0]
    weights = (np.ones(log_probs.shape[1]) if weight is None else weight)[labels] * counted
    return -picked * weights, weights, counted


def _np_mean_over_weights(losses, weights, reduction):
    return losses.sum() / weights.sum() if reduction == "mean" else _np_reduce(losses, reduction)


def _np_nll_loss(log_probs, target, reduction, weight=None, ignore_index=-100):
    losses, weights, _ = _np_nll_terms(log_probs, target, weight, ignore_index)
    return _np_mean_over_weights(losses, weights, reduction)


def _np_cross_entropy(logits, target, reduction, weight=None, ignore_index=-100, label_smoothing=0.0):
    log_probs = np.log(_np_softmax(logits, 1))
    losses, weights, counted = _np_nll_terms(log_probs, target, weight, ignore_index)
    class_weights = np.ones(logits.shape[1]) if weight is None else weight
    uniform = -(log_probs * class_weights.reshape((1, -1) + (1,) * (logits.ndim - 2))).sum(1) * counted
    smoothed = (1 - label_smoothing) * losses + label_smoothing / logits.shape[1] * uniform
    return _np_mean_over_weights(smoothed, weights, reduction)


register("cross_entropy", classification_case(), tg.cross_entropy, _np_cross_entropy)
register("cross_entropy",
         st.builds(lambda case, smoothing: Case(case.arrays, case.params | {"label_smoothing": smoothing}),
                   classification_case(options=True), st.sampled_from([0.0, 0.2])),
         tg.cross_entropy, _np_cross_entropy, variant="weight, ignore_index, label_smoothing")  # fmt: skip
register("nll_loss", classification_case(), tg.nll_loss, _np_nll_loss)
register("nll_loss", classification_case(options=True), tg.nll_loss, _np_nll_loss, variant="weight, ignore_index")
register("mse_loss", st.builds(lambda pair, r: Case(pair, {"reduction": r}), same_shape((-3, -3), (3, 3)), reductions),
         tg.mse_loss, lambda a, b, reduction: _np_reduce((a - b) ** 2, reduction))  # fmt: skip


def differences_away_from(points):
    """Pairs (a, b) whose differences a - b keep away from ``points`` (where a loss has a kink)."""
    return same_shape((-3, -3), (3, 3)).map(lambda pair: (pair[0], pair[0] - away_from(np.asarray(pair[0] - pair[1]), points)))


register("l1_loss", st.builds(lambda pair, r: Case(pair, {"reduction": r}), differences_away_from([0]), reductions),
         tg.l1_loss, lambda a, b, reduction: _np_reduce(np.abs(a - b), reduction))  # fmt: skip


def _np_huber(a, b, reduction, delta):
    d = np.abs(a - b)
    return _np_reduce(np.where(d < delta, 0.5 * d**2, delta * (d - 0.5 * delta)), reduction)


register("huber_loss",
         st.sampled_from([0.5, 1.0]).flatmap(lambda delta: st.builds(
             lambda pair, r: Case(pair, {"reduction": r, "delta": delta}), differences_away_from([-delta, delta]),
             reductions)),
         tg.huber_loss, _np_huber)  # fmt: skip


def _np_kl_div(log_q, target, reduction, log_target=False):
    terms = np.exp(target) * (target - log_q) if log_target else target * (np.log(target) - log_q)
    batch = log_q.shape[0] if log_q.ndim else 1
    return terms.sum() / batch if reduction == "batchmean" else _np_reduce(terms, reduction)


kl_reductions = st.sampled_from(["mean", "sum", "none", "batchmean"])
register("kl_div", st.builds(lambda pair, r: Case(pair, {"reduction": r}), same_shape((-3, 0.05), (0, 1)), kl_reductions),
         tg.kl_div, _np_kl_div)  # fmt: skip
register("kl_div",
         st.builds(lambda pair, r: Case(pair, {"reduction": r, "log_target": True}), same_shape((-3, -3), (0, 0)),
                   kl_reductions),
         tg.kl_div, _np_kl_div, variant="log_target")  # fmt: skip
register("gaussian_log_likelihood",
         st.builds(lambda xs, r: Case(xs, {"reduction": r}), broadcastable_arrays(count=3, low=-2, high=2), reductions),
         tg.gaussian_log_likelihood,
         lambda x, m, lv, reduction: _np_reduce(-0.5 * (np.log(2 * np.pi) + lv + (x - m) ** 2 / np.exp(lv)), reduction))  # fmt: skip


def _np_reduce(values, reduction):
    return values if reduction == "none" else values.sum() if reduction == "sum" else values.mean()


# ---- convolution, pooling, recurrence -------------------------------------------------------------
@st.composite
def conv_case(draw, transposed=False, masked=False, grouped=False):
    groups = draw(st.integers(2, 3)) if grouped else 1
    per_group = st.integers(1, 2 if grouped else 3)
    n, c, f = draw(st.integers(1, 2)), groups * draw(per_group), groups * draw(per_group)
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))), (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    span = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    assume(h + 2 * padding[0] >= span[0] and w + 2 * padding[1] >= span[1])
    params = {"stride": stride, "padding": padding, "dilation": dilation}
    if grouped:
        params["groups"] = groups
    if masked:
        params["taps"] = sorted(draw(st.sets(st.integers(0, kh * kw - 1), min_size=1)))
    if transposed:  # x is the smaller image; weight (C_in, C_out, kh, kw)
        params["output_padding"] = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
        out = [(s + 2 * p - sp) // st_ + 1 for s, p, sp, st_ in zip((h, w), padding, span, stride)]
        return Case((draw(arrays((n, f) + tuple(out))), draw(arrays((f, c // groups, kh, kw))), draw(arrays((c,)))), params)
    return Case((draw(arrays((n, c, h, w))), draw(arrays((f, c // groups, kh, kw))), draw(arrays((f,)))), params)


@st.composite
def padding_by_name_case(draw):
    """padding="same" or "valid" (stride 1, as PyTorch requires for "same"); even kernels pad one more at the end."""
    case = draw(conv_case())
    padding = draw(st.sampled_from(["same", "valid"]))
    (h, w), (kh, kw), (dh, dw) = case.arrays[0].shape[2:], case.arrays[1].shape[2:], case.params["dilation"]
    assume(padding == "same" or (h > dh * (kh - 1) and w > dw * (kw - 1)))
    return Case(case.arrays, dict(case.params, stride=(1, 1), padding=padding))


def _np_conv2d(x, weight, bias, stride, padding, dilation, taps=None):
    """Direct definition: y[n, f, i, j] = b[f] + sum_{c, a, b} w[f, c, a, b] x_pad[n, c, i*s + a*d, j*s + b*d]."""
    kh, kw = weight.shape[2:]
    if taps is not None:
        keep = np.zeros(kh * kw, bool)
        keep[taps] = True
        weight = weight * keep.reshape(kh, kw)
    if isinstance(padding, str):  # "valid": none; "same": d (k - 1) in all, the odd one at the end
        totals = [0, 0] if padding == "valid" else [d * (k - 1) for d, k in zip(dilation, (kh, kw))]
        x, padding = np.pad(x, [(0, 0), (0, 0)] + [(t // 2, t - t // 2) for t in totals]), (0, 0)
    xp = np.pad(x, [(0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2])
    oh = (xp.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (xp.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((x.shape[0], weight.shape[0], oh, ow)) + bias[None, :, None, None]
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    patch = xp[:, :, i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1]]  # (N, C)
                    y[:, :, i, j] += patch @ weight[:, :, a, b].T
    return y


def _np_conv_transpose2d(x, weight, bias, stride, padding, dilation, output_padding):
    """Direct definition: every input pixel adds weight * value to a (dilated) patch of the output."""
    kh, kw = weight.shape[2:]
    size = [(s - 1) * st_ + d * (k - 1) + 1 + op for s, st_, d, k, op
            in zip(x.shape[2:], stride, dilation, (kh, kw), output_padding)]  # fmt: skip
    full = np.zeros((x.shape[0], weight.shape[1], *size))
    for i in range(x.shape[2]):
        for j in range(x.shape[3]):
            for a in range(kh):
                for b in range(kw):
                    full[:, :, i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1]] += x[:, :, i, j] @ weight[:, :, a, b]
    crop = full[:, :, padding[0]:size[0] - padding[0], padding[1]:size[1] - padding[1]]
    return crop + bias[None, :, None, None]


register("conv2d", conv_case(), tg.conv2d, _np_conv2d)
register("conv2d", conv_case(masked=True), tg.conv2d, _np_conv2d, variant="masked taps")
register("conv_transpose2d", conv_case(transposed=True), tg.conv_transpose2d, _np_conv_transpose2d)


def _np_by_group(reference, x, weight, bias, groups, **params):
    """``groups`` independent convolutions: x's channels, w's first axis and b split alike, outputs joined."""
    pieces = zip(np.split(x, groups, 1), np.split(weight, groups, 0), np.split(bias, groups))
    return np.concatenate([reference(*piece, **params) for piece in pieces], axis=1)


register("conv2d", conv_case(grouped=True), tg.conv2d, lambda *a, **p: _np_by_group(_np_conv2d, *a, **p), variant="groups")
register("conv_transpose2d", conv_case(transposed=True, grouped=True), tg.conv_transpose2d,
         lambda *a, **p: _np_by_group(_np_conv_transpose2d, *a, **p), variant="groups")  # fmt: skip
register("conv2d", padding_by_name_case(), tg.conv2d, _np_conv2d, variant="same, valid")


@st.composite
def pool_case(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    padding = (draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 2), st.integers(1, 2))))
    h, w = draw(st.integers(kh, 5)), draw(st.integers(kw, 5))
    x = distinct(draw(arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2)), h, w))))
    return Case((x,), {"kernel_size": (kh, kw), "stride": stride, "padding": padding})


def _np_pool(x, kernel_size, stride, padding, reduce, fill):
    (kh, kw), (ph, pw) = kernel_size, padding
    sh, sw = stride or kernel_size
    xp = np.pad(x, [(0, 0), (0, 0), (ph, ph), (pw, pw)], constant_values=fill)
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    return np.stack([np.stack([reduce(xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw], axis=(2, 3))
                               for j in range(ow)], -1) for i in range(oh)], -2)  # fmt: skip


register("max_pool2d", pool_case(), tg.max_pool2d, lambda x, **k: _np_pool(x, **k, reduce=np.max, fill=-np.inf))
register("avg_pool2d", pool_case(), tg.avg_pool2d, lambda x, **k: _np_pool(x, **k, reduce=np.mean, fill=0.0))
register("interpolate",
         st.builds(lambda x, f: Case((x,), {"scale_factor": f}), arrays(shapes(4, 4)), st.sampled_from([1, 2, (2, 3)])),
         tg.interpolate,
         lambda x, scale_factor: np.repeat(np.repeat(x, np.atleast_1d(scale_factor)[0], 2), np.atleast_1d(scale_factor)[-1], 3))  # fmt: skip


@st.composite
def resize_case(draw):
    x = draw(arrays(shapes(4, 4)))
    mode = draw(st.sampled_from(["nearest", "bilinear"]))
    params = {"mode": mode, "align_corners": draw(st.booleans()) if mode == "bilinear" else None}
    if draw(st.booleans()):
        params["size"] = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    else:
        params["scale_factor"] = draw(st.sampled_from([0.5, 1.5, 2.0, (1.0, 2.5), 3.0]))
        assume(min(x.shape[2:]) * np.min(params["scale_factor"]) >= 1)  # no empty output
    return Case((x,), params)


def _np_interpolate(x, mode, align_corners, size=None, scale_factor=None):
    """PyTorch's rules (see tinygen/ops/interpolation.py), output pixel by output pixel."""
    factors = None if scale_factor is None else np.broadcast_to(scale_factor, 2)
    size = size or tuple(int(np.floor(n * f)) for n, f in zip(x.shape[2:], factors))

    def sources(axis):  # (low, high, weight of high) for every output position along spatial axis 0 or 1
        n, m = x.shape[2 + axis], size[axis]
        scale = n / m if factors is None else 1 / factors[axis]
        for o in range(m):
            if mode == "nearest":
                yield min(int(np.floor(np.float32(o) * np.float32(scale))), n - 1), 0, 0.0
                continue
            src = o * (n - 1) / (m - 1) if align_corners and m > 1 else 0.0 if align_corners else max((o + 0.5) * scale - 0.5, 0)
            low = min(int(src), n - 1)
            yield low, min(low + 1, n - 1), src - low

    y = np.zeros(x.shape[:2] + tuple(size))
    for i, (top, bottom, dy) in enumerate(sources(0)):
        for j, (left, right, dx) in enumerate(sources(1)):
            y[:, :, i, j] = ((1 - dy) * ((1 - dx) * x[:, :, top, left] + dx * x[:, :, top, right])
                             + dy * ((1 - dx) * x[:, :, bottom, left] + dx * x[:, :, bottom, right]))  # fmt: skip
    return y


register("interpolate", resize_case(), tg.interpolate, _np_interpolate, variant="size, bilinear")


@st.composite
def lstm_case(draw):
    n, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return Case((draw(arrays((n, 4 * hidden))), draw(arrays((n, hidden)))))


def _np_lstm_gates(preact, c_prev):
    def sigmoid(v):
        return 1 / (1 + np.exp(-v))

    a_i, a_f, a_g, a_o = np.split(preact, 4, axis=1)
    c = sigmoid(a_f) * c_prev + sigmoid(a_i) * np.tanh(a_g)
    return sigmoid(a_o) * np.tanh(c), c


register("lstm_gates", lstm_case(), tg.lstm_gates, _np_lstm_gates, fused=LSTMGates)


@st.composite
def lstm_sequence_case(draw):
    steps, n, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    return Case((draw(arrays((steps, n, 4 * hidden))), draw(arrays((4 * hidden, hidden))),
                 draw(arrays((n, hidden))), draw(arrays((n, hidden)))))  # fmt: skip


def _np_lstm_sequence(projected, w_hh, h, c):
    outputs = []
    for projected_t in projected:
        h, c = _np_lstm_gates(projected_t + h @ w_hh.T, c)
        outputs.append(h)
    return np.stack(outputs), c


register("lstm_sequence", lstm_sequence_case(), tg.lstm_sequence, _np_lstm_sequence, fused=LSTMSequence)


def _np_skew(x):
    n, c, h, w = x.shape
    out = np.zeros((n, c, h, h + w - 1))
    for r in range(h):
        out[:, :, r, r:r + w] = x[:, :, r]
    return out


def _np_unskew(y):
    n, c, h, width = y.shape
    w = width - h + 1
    return np.stack([y[:, :, r, r:r + w] for r in range(h)], axis=2)


register("skew", cases(arrays(shapes(4, 4))), tg.skew, _np_skew)
register("unskew", arrays(shapes(4, 4)).map(lambda x: Case((_np_skew(x),))), tg.unskew, _np_unskew)


@st.composite
def masked_conv_case(draw):
    case = draw(conv_case())
    kh, kw = case.arrays[1].shape[2:]
    full = draw(st.booleans())  # one mask for all channels, or one per (out, in) channel pair
    shape = case.arrays[1].shape if full else (1, 1, kh, kw)
    mask = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0])))
    return Case(case.arrays, dict(case.params, mask=mask))


register("masked_conv2d", masked_conv_case(),
         lambda x, w, b, mask, **p: tg.masked_conv2d(x, w, tg.tensor(mask), b, **p),
         lambda x, w, b, mask, **p: _np_conv2d(x, w * mask, b, **p))  # fmt: skip
