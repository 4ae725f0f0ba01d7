"""Checking a backward formula against finite differences.

For a function f and a random upstream vector v, the backward pass computes
the vector-Jacobian product  g = v^T (df/dx).  The same number is, element by
element, the derivative of the scalar  s(x) = <v, f(x)>,  which central
differences estimate with an error of order eps^2:

    g_i  ~=  ( s(x + eps e_i) - s(x - eps e_i) ) / (2 eps)

``gradcheck`` compares the two for every input element and, on a mismatch,
names the worst element. ``gradgradcheck`` runs the same check on the backward
pass itself, proving second derivatives. Use float64: in float32 the rounding
error of the differences swamps the eps^2 term.
"""
import numpy

from .. import backend
from ..tensor import Tensor
from .engine import grad


class GradcheckError(AssertionError):
    """The analytic gradient disagrees with the finite-difference estimate."""


def gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check the gradients of ``fn(*inputs)`` for every input that requires grad.

    ``fn`` returns a Tensor or a tuple of Tensors. Returns True, or raises
    GradcheckError naming the input, the worst element's index, both values
    and the tolerance it broke (``|analytic - numeric| <= atol + rtol |numeric|``).
    """
    checked = _checked_inputs(inputs, "gradcheck")
    outputs = _differentiable(fn(*inputs))
    rng = numpy.random.default_rng(seed)
    weights = [_like(y.data, rng.standard_normal(y.shape)) for y in outputs]

    analytic = _analytic(outputs, weights, checked)
    for k, x in enumerate(checked):
        numeric = _numeric(fn, inputs, x, weights, eps)
        _compare(k, x, backend.to_host(analytic[k]), numeric, atol, rtol)
    return True


def gradgradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> v^T J(inputs).

    The upstream vector v is an input of that map too, so a backward that
    treats its incoming gradient as a constant is caught as well, and one that
    builds no graph at all (its second derivatives would be silently zero) is
    reported as not differentiable.
    """
    checked = _checked_inputs(inputs, "gradgradcheck")
    outputs = _differentiable(fn(*inputs))
    rng = numpy.random.default_rng(seed + 1)
    weights = [Tensor(_like(y.data, rng.standard_normal(y.shape)), requires_grad=True) for y in outputs]
    positions = [next(i for i, x in enumerate(inputs) if x is c) for c in checked]

    def first_derivatives(*args):
        inner_inputs, inner_weights = args[: len(inputs)], args[len(inputs) :]
        inner_outputs = _differentiable(fn(*inner_inputs))
        wanted = [inner_inputs[i] for i in positions]
        grads = grad(inner_outputs, wanted, list(inner_weights), create_graph=True, allow_unused=True)
        for k, g in enumerate(grads):
            if g is not None and not g.requires_grad:  # v^T J is linear in v: it depends on v unless cut off
                raise GradcheckError(
                    f"gradgradcheck: the gradient of checked input {k} has no graph after create_graph=True, so "
                    "a backward on its path is not differentiable (it computes on raw arrays, or detaches) and "
                    "every second derivative through it would be 0. Write that Function's backward in Tensor "
                    "ops, or give it a reference(self, *inputs) in Tensor ops for the engine to differentiate "
                    "instead (see tinygen.autograd.function)"
                )
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, *inputs, *weights, eps=eps, atol=atol, rtol=rtol, seed=seed)


def _checked_inputs(inputs, caller):
    checked = [x for x in inputs if getattr(x, "requires_grad", False)]
    if not checked:
        raise ValueError(f"{caller}: no input requires grad, so there is nothing to check")
    for x in checked:
        if x.dtype != numpy.float64:
            raise TypeError(
                f"{caller}: inputs must be float64 (got {x.dtype}); in float32 the rounding error of "
                "finite differences is larger than the gradient errors we want to catch"
            )
        if not x.is_leaf:
            raise ValueError(f"{caller}: checked inputs must be leaf tensors (use .detach().requires_grad_())")
    return checked


def _differentiable(outputs):
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    return [y for y in outputs if y.dtype.kind == "f"]


def _like(array, values):
    return backend.get_array_module(array).asarray(values, dtype=array.dtype)


def _analytic(outputs, weights, checked):
    pairs = [(y, w) for y, w in zip(outputs, weights) if y.requires_grad]
    if not pairs:
        return [x.xp.zeros_like(x.data) for x in checked]
    grads = grad([y for y, _ in pairs], checked, [Tensor(w) for _, w in pairs],
                 retain_graph=False, allow_unused=True)  # fmt: skip
    return [x.xp.zeros_like(x.data) if g is None else g.data for x, g in zip(checked, grads)]


def _numeric(fn, inputs, x, weights, eps):
    """Central differences of <v, fn(inputs)> with respect to each element of ``x``."""

    def weighted_sum():
        # Grad mode stays as it is: gradgradcheck's fn computes gradients inside.
        outputs = _differentiable(fn(*inputs))
        return sum(float((y.data * w).sum()) for y, w in zip(outputs, weights))

    numeric = numpy.zeros(x.shape, dtype=numpy.float64)
    for index in numpy.ndindex(*x.shape):
        original = x.data[index].item()
        x.data[index] = original + eps
        upper = weighted_sum()
        x.data[index] = original - eps
        lower = weighted_sum()
        x.data[index] = original
        numeric[index] = (upper - lower) / (2 * eps)
    return numeric


def _compare(k, x, analytic, numeric, atol, rtol):
    excess = numpy.abs(analytic - numeric) - (atol + rtol * numpy.abs(numeric))
    if excess.size == 0 or excess.max() <= 0:
        return
    worst = numpy.unravel_index(int(numpy.argmax(excess)), excess.shape)
    a, n = analytic[worst], numeric[worst]
    name = f" ({x.name})" if x.name else ""
    raise GradcheckError(
        f"gradient of checked input {k}{name} (shape {x.shape}) is wrong at index {tuple(int(i) for i in worst)}: "
        f"analytic {a:.6g}, numeric {n:.6g}, |difference| {abs(a - n):.3g} > atol + rtol*|numeric| = "
        f"{atol + rtol * abs(n):.3g}; {int((excess > 0).sum())} of {excess.size} elements are off"
    )
