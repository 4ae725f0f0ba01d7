"""In-place operations: ``x += y``, ``x.clamp_(...)``, ``x[i] = v`` and friends, with PyTorch's rules.

Modifying a tensor in place is how a hand-written optimizer, an EMA of weights
or WGAN's weight clipping update parameters:

    with tinygen.no_grad():
        p -= lr * p.grad
        p.clamp_(-0.01, 0.01)

The rules, PyTorch's:

* Under ``no_grad()``, or when neither the tensor nor the operand requires a
  gradient, anything goes.
* Otherwise the change would have to be part of a graph. A leaf that requires
  grad is refused (its gradient would describe values it no longer holds).
  Where PyTorch would rewrite the graph (a tensor computed by an op, or an
  operand that requires grad) tinygen refuses too, on purpose: its graphs stay
  made of values that never change. Write the out-of-place form, ``y = y + z``.
* The result must fit the tensor's dtype: a float result is never stored into
  an integer tensor (PyTorch's ``can_cast``); ``copy_``, ``fill_`` and
  ``x[i] = v`` convert as an assignment does.
* Every write marks the tensor's memory as modified (``tinygen.versions``): if a
  recorded backward still needs the old values, it raises instead of computing
  a wrong gradient.

These are not differentiable ops, so they are not in ``tinygen.ops.__all__``;
they are Tensor methods.
"""
import sys

import numpy

from .. import backend, versions
from ..autograd import grad_mode
from ..dtypes import can_cast, result_type
from ..random import generator
from ..tensor import Tensor, as_tensor
from .indexing import _raw_index


def add_(x, other, alpha=1):
    """x <- x + alpha * other."""
    return _arithmetic("add_", x, other, "add", alpha)


def sub_(x, other, alpha=1):
    """x <- x - alpha * other."""
    return _arithmetic("sub_", x, other, "subtract", alpha)


def mul_(x, other):
    return _arithmetic("mul_", x, other, "multiply")


def div_(x, other):
    """x <- x / other, true division: its result is a float, as if a Python float took part."""
    return _arithmetic("div_", x, other, "true_divide", promote_with=(1.0,))


def lerp_(x, end, weight):
    """x <- x + weight (end - x): a step of the way towards ``end`` (an EMA of weights is ``ema.lerp_(p, 1 - decay)``).

    From the far end, end - (1 - weight)(end - x), when weight >= 0.5, as PyTorch
    does: then weight = 1 gives exactly ``end``.
    """
    array = _prepared("lerp_", x, end, weight)
    end, weight = _operand("lerp_", x, end, weight), _operand("lerp_", x, weight, end)
    gap = end - array
    result = x.xp.where(abs(weight) < 0.5, array + weight * gap, end - gap * (1 - weight))
    if result.shape != array.shape:
        raise _shape_error("lerp_", result.shape, x)
    array[...] = result
    return _modified(x, "lerp_")


def clamp_(x, min=None, max=None):
    """Limit the values to [min, max] in place; either bound may be None."""
    if min is None and max is None:
        raise ValueError("clamp_: give at least one of min and max")
    array = _prepared("clamp_", x, min, max)
    low, high = (None if bound is None else _operand("clamp_", x, bound) for bound in (min, max))
    x.xp.clip(array, low, high, out=array)
    return _modified(x, "clamp_")


def copy_(x, source):
    """Copy ``source``'s values into x (broadcast to x's shape, converted to its dtype and device)."""
    _assign("copy_", x, Ellipsis, source)
    return x


def fill_(x, value):
    _assign("fill_", x, Ellipsis, value)
    return x


def zero_(x):
    _assign("zero_", x, Ellipsis, 0)
    return x


def setitem_(x, index, value):
    """``x[index] = value``: ``value`` broadcast to the selection and converted to x's dtype."""
    _assign("x[index] = value", x, _raw_index(index), value)


def normal_(x, mean=0.0, std=1.0):
    """Overwrite x with draws from N(mean, std^2), from tinygen's seeded generator."""
    if not std >= 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    array = _random_target("normal_", x)
    array[...] = generator(x.device).standard_normal(x.shape, dtype=x.dtype) * std + mean
    return _modified(x, "normal_")


def uniform_(x, low=0.0, high=1.0):
    """Overwrite x with draws uniform on [low, high)."""
    array = _random_target("uniform_", x)
    array[...] = low + (high - low) * generator(x.device).random(x.shape, dtype=x.dtype)
    return _modified(x, "uniform_")


# ---- the rules ---------------------------------------------------------------------------------------
def _prepared(name, x, *operands):
    """x's array, once the rules allow ``name`` to write into it."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a tensor to modify, got {type(x).__name__}")
    if grad_mode.is_grad_enabled():
        if x.requires_grad and x.is_leaf:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad can't be modified in place while gradients are "
                "recorded; update it under `with tinygen.no_grad():` (as an optimizer does)"
            )
        if x.requires_grad:
            raise RuntimeError(
                f"{name}: this tensor was computed by {x.creator.name} and is part of a graph, which tinygen "
                "never rewrites in place (PyTorch may); write the out-of-place form, y = y + z"
            )
        if any(isinstance(o, Tensor) and o.requires_grad for o in operands):
            raise RuntimeError(
                f"{name}: the operand requires grad, so the result would need a gradient, which an in-place op "
                "can't record in tinygen; write the out-of-place form (total = total + loss), or use "
                "`with tinygen.no_grad():` if no gradient should flow"
            )
    if isinstance(x.data, numpy.generic):  # a NumPy scalar, as a full reduction returns: give it memory to write
        x.data = numpy.array(x.data)
    if not getattr(x.data.flags, "writeable", True):
        raise ValueError(
            f"{name}: this tensor's memory is read-only (a broadcast view, as expand() makes, has many elements "
            "in one place); modify a copy, x = x.clone()"
        )
    return x.data


def _operand(name, x, operand, *others):
    """``operand`` as an array on x's device in the dtype x and it promote to, which x must be able to hold."""
    operand = operand if isinstance(operand, (bool, int, float, complex)) else as_tensor(operand)
    dtype = result_type(x, operand, *others)
    if not can_cast(dtype, x.dtype):
        raise TypeError(
            f"{name}: the result has dtype {dtype}, which can't be stored in place into a tensor of dtype "
            f"{x.dtype}; write the out-of-place form, or cast the tensor first (x = x.float())"
        )
    if isinstance(operand, Tensor):
        if operand.device != x.device:
            raise backend.DeviceError(f"{name}: the operand is on {operand.device}, the tensor on {x.device}")
        operand = operand.data
    return x.xp.asarray(operand, dtype=dtype)


def _arithmetic(name, x, other, ufunc, alpha=1, promote_with=()):
    """x <- ufunc(x, alpha * other), computed in the dtype x, other and ``promote_with`` promote to."""
    _prepared(name, x, other)
    operand = _operand(name, x, other, *promote_with) if alpha == 1 else _operand(name, x, other, alpha) * alpha
    try:
        getattr(x.xp, ufunc)(x.data, operand, out=x.data, casting="unsafe")
    except ValueError:
        raise _shape_error(name, operand.shape, x) from None
    return _modified(x, name)


def _shape_error(name, shape, x):
    return ValueError(
        f"{name}: an operand of shape {tuple(shape)} does not broadcast to the tensor's shape {x.shape}; "
        "an in-place op can't change the shape"
    )


def _assign(name, x, index, value):
    array = _prepared(name, x, value)
    value = value.data if isinstance(value, Tensor) else value
    if hasattr(value, "shape"):
        value = backend.to_device(value, x.device)
    try:
        array[index] = value
    except ValueError as error:
        raise ValueError(f"{name}: {error} (tensor of shape {x.shape})") from None
    _modified(x, name)


def _random_target(name, x):
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: draws are floating point; this tensor is {x.dtype}")
    return _prepared(name, x)


def _modified(x, name):
    versions.mark_modified(x.data, name)
    return x


# ---- p.data.clamp_(...) ------------------------------------------------------------------------------
IN_PLACE_METHODS = {"add_", "sub_", "mul_", "div_", "lerp_", "clamp_", "clip_", "copy_", "fill_", "zero_",
                    "normal_", "uniform_"}  # fmt: skip


def _explain_raw_array_errors(previous_hook):
    """An uncaught ``p.data.clamp_(...)`` gets a note saying what to write instead.

    ``.data`` is the raw array, which has no in-place methods; NumPy's own error
    ("'numpy.ndarray' object has no attribute 'clamp_'") does not say why. The
    note is added only when such an error reaches the top of a script, so it
    costs the ops nothing.
    """

    def excepthook(kind, error, traceback):
        if isinstance(error, AttributeError) and getattr(error, "name", None) in IN_PLACE_METHODS:
            if isinstance(error.obj, numpy.ndarray) or backend.is_gpu_array(error.obj):
                error.add_note(
                    f"tinygen: .data is the raw array, without tensor methods. Call {error.name} on the tensor "
                    f"itself, under `with tinygen.no_grad():` (p.{error.name}(...)), or use the array's own "
                    "function (numpy.clip(p.data, low, high, out=p.data)), which tinygen's version check can't see"
                )
        previous_hook(kind, error, traceback)

    return excepthook


sys.excepthook = _explain_raw_array_errors(sys.excepthook)
