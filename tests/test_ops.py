"""Every public op, checked by one factory: forward against NumPy, then first and
second derivatives against finite differences (float64, hypothesis-drawn inputs)."""
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygen as tg
from op_registry import REGISTRY, along_axis
from tinygen.ops import reduction

DIFFERENTIABLE = [spec for spec in REGISTRY if spec.differentiable]


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


@given(data=st.data())
def test_cumsum_step_by_step_path_matches_numpy_and_differentiates(data):
    """Wide arrays take cumsum's one-add-per-step path; forcing it on small drawn arrays checks it like any op."""
    case = data.draw(along_axis)
    with mock.patch.object(reduction, "WIDE_LANES", 1):
        (x,) = _leaves(case, True)
        np.testing.assert_allclose(tg.cumsum(x, **case.params).numpy(), np.cumsum(case.arrays[0], axis=case.params["dim"]))
        tg.gradcheck(lambda t: tg.cumsum(t, **case.params), x)
        tg.gradgradcheck(lambda t: tg.cumsum(t, **case.params), x)
