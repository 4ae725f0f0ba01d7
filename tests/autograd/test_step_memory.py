"""What a graph keeps alive: only what backward reads (``saves_inputs``, ``reads_output``), and each op's
saved arrays only until its backward has run, as in PyTorch. ``benchmarks/`` measures the memory itself."""
import gc
import weakref

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen.autograd.function import Function
from support.op_registry import REGISTRY


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_an_intermediate_that_backward_does_not_read_is_freed_after_forward():
    x = leaf([1.0, -2.0, 3.0])
    h = x * 2  # Mul does not read its output, Add does not read its inputs: nothing needs h's values
    y = (h + 1).sum()
    freed = weakref.ref(h)
    del h
    gc.collect()
    assert freed() is None
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_an_output_that_its_own_backward_reads_stays():
    x = leaf([0.5, 1.0])
    h = x.exp()
    y = (h + 1).sum()
    kept = weakref.ref(h)
    del h
    gc.collect()
    assert kept() is not None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, 1.0]))


def test_grad_finds_an_intermediate_that_the_caller_holds():
    x = leaf([1.0, 2.0])
    h = x * 3
    (g,) = tg.grad((h + 1).sum() * 2, [h])
    np.testing.assert_array_equal(g.numpy(), [2.0, 2.0])


class Probe(Function):
    """Identity whose backward records whether ``watched`` (an op run earlier in the pass) has been released."""

    def __init__(self, record):
        self.record = record

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        self.record.append(self.record[0].released)
        return gy


def test_each_op_frees_what_it_saved_once_its_backward_has_run():
    x, record = leaf([1.0, 2.0]), []
    top = Probe(record)(x) * x  # backward runs the Mul first, the Probe after it
    record.append(top.creator)
    top.sum().backward()
    assert record[1:] == [True]


def test_retain_graph_keeps_everything_for_a_second_pass():
    x = leaf([1.0, 2.0])
    y = ((x * 2).exp() + 1).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


@pytest.mark.parametrize("spec", [s for s in REGISTRY if s.differentiable], ids=lambda s: s.id)
@settings(max_examples=5, deadline=None)
@given(data=st.data())
def test_every_op_differentiates_the_same_with_intermediate_inputs(spec, data):
    """Inputs made by another op may be held as shells (no values): an op that wrongly says its backward
    does not read its inputs then gets zeros and a wrong gradient."""
    case = data.draw(spec.inputs)
    leaves = [leaf(a) for a in case.arrays]
    grads = []
    for made in (False, True):
        inputs = [x * 1.0 for x in leaves] if made else leaves
        outputs = spec.op(*inputs, **case.params)
        outputs = [y for y in (outputs if isinstance(outputs, tuple) else (outputs,)) if y.requires_grad]
        # a fixed random linear function of the outputs, its weights leaves (which are always kept)
        weights = [tg.tensor(np.random.default_rng(i).standard_normal(y.shape)) for i, y in enumerate(outputs)]
        total = sum((y * w).sum() for y, w in zip(outputs, weights))
        grads.append(tg.grad(total, leaves, allow_unused=True))
    for plain, via_op in zip(*grads):
        if plain is not None:
            np.testing.assert_allclose(via_op.numpy(), plain.numpy(), rtol=1e-12, atol=1e-12)
