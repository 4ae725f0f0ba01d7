"""Every public op, checked by one factory: forward against NumPy, then first and
second derivatives against finite differences (float64, hypothesis-drawn inputs)."""
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygen as tg
from support.op_registry import REGISTRY, along_axis
from tinygen.ops import reduction

DIFFERENTIABLE = [spec for spec in REGISTRY if spec.differentiable]
FUSED = [spec for spec in REGISTRY if spec.fused is not None]


def _leaves(case, requires_grad):
    return [tg.tensor(a, dtype=np.float64, requires_grad=requires_grad) for a in case.arrays]


def _as_tuple(values):
    return values if isinstance(values, tuple) else (values,)


def test_every_public_op_has_a_registry_entry():
    registered = {spec.name for spec in REGISTRY}
    assert set(tg.ops.__all__) - registered == set(), "ops without a gradient test: add them to tests/op_registry.py"
    assert registered - set(tg.ops.__all__) == set(), "registry entries for names that tinygen.ops does not export"


@pytest.mark.parametrize("spec", REGISTRY, ids=lambda s: s.id)
@given(data=st.data())
def test_forward_matches_numpy(spec, data):
    case = data.draw(spec.inputs)
    got = _as_tuple(spec.op(*_leaves(case, False), **case.params))
    expected = _as_tuple(spec.reference(*case.arrays, **case.params))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == np.shape(e)
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=lambda s: s.id)
@given(data=st.data())
def test_gradcheck(spec, data):
    case = data.draw(spec.inputs)
    tg.gradcheck(lambda *xs: spec.op(*xs, **case.params), *_leaves(case, True), eps=spec.eps, atol=spec.atol, rtol=spec.rtol)


@pytest.mark.parametrize("spec", DIFFERENTIABLE, ids=lambda s: s.id)
@given(data=st.data())
def test_gradgradcheck(spec, data):
    case = data.draw(spec.inputs)
    tg.gradgradcheck(lambda *xs: spec.op(*xs, **case.params), *_leaves(case, True), eps=spec.eps, atol=spec.atol, rtol=spec.rtol)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_fused_op_is_checked_against_its_reference():
    with_reference = {cls for cls in _subclasses(tg.Function)
                      if cls.reference is not None and cls.__module__.startswith("tinygen.")}  # not the tests' own
    assert with_reference == {spec.fused for spec in FUSED}, "fused Functions without a registry entry naming them"


def _creators(outputs):
    """Every Function in the graph behind ``outputs``."""
    seen, stack = {}, [y.creator for y in outputs if y.creator is not None]
    while stack:
        function = stack.pop()
        if id(function) not in seen:
            seen[id(function)] = function
            stack.extend(x.creator for x in function.inputs if x.creator is not None)
    return list(seen.values())


@pytest.mark.parametrize("spec", FUSED, ids=lambda s: s.id)
@given(data=st.data())
def test_fused_op_agrees_with_its_reference(spec, data):
    """The fast forward and backward compute what the readable ``reference`` does, values and first derivatives."""
    case = data.draw(spec.inputs)
    outputs = _as_tuple(spec.op(*_leaves(case, True), **case.params))
    (function,) = [f for f in _creators(outputs) if type(f) is spec.fused]
    with tg.no_grad():
        expected = _as_tuple(function.reference(*function.inputs))
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    upstream = [tg.tensor(data.draw(hnp.arrays(np.float64, y.shape, elements=st.floats(-2, 2)))) for y in outputs]
    with tg.no_grad():
        fused_grads = _as_tuple(function.backward(*upstream))
    wanted = [x for x in function.inputs if x.requires_grad]
    reference_grads = tg.grad(function.reference(*function.inputs), wanted, upstream, allow_unused=True)
    for got, want in zip([g for g in fused_grads if g is not None], reference_grads):
        np.testing.assert_allclose(got.numpy(), 0 if want is None else want.numpy(), rtol=1e-10, atol=1e-12)


@given(data=st.data())
def test_cumsum_step_by_step_path_matches_numpy_and_differentiates(data):
    """Wide arrays take cumsum's one-add-per-step path; forcing it on small drawn arrays checks it like any op."""
    case = data.draw(along_axis)
    with mock.patch.object(reduction, "WIDE_LANES", 1):
        (x,) = _leaves(case, True)
        np.testing.assert_allclose(tg.cumsum(x, **case.params).numpy(), np.cumsum(case.arrays[0], axis=case.params["dim"]))
        tg.gradcheck(lambda t: tg.cumsum(t, **case.params), x)
        tg.gradgradcheck(lambda t: tg.cumsum(t, **case.params), x)
