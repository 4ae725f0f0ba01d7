"""``Optimizer.differentiable_step``: the same rule as ``step``, in Tensor ops, continuing from the real state.

The steps it takes must equal the real optimizer's (to the last bits), leave the optimizer untouched, and be
differentiable in what they saw (float64 central differences, first and second order): the Unrolled GAN's
generator gradient goes through them.
"""
import numpy as np
import pytest

import tinygen as tg
import tinygen.optim as optim
from tinygen.autograd.gradcheck import gradcheck, gradgradcheck

from test_optim import CASES, SHAPES, draw_problem

DIFFERENTIABLE = [(name, options) for name, options in CASES if name != "RMSprop" and not options.get("amsgrad")]
IDS = [f"{n}-{sorted(o)}" for n, o in DIFFERENTIABLE]
REAL_STEPS = 3  # steps taken for real first, so the differentiable ones start from a state with history


def trained(name, options, gradients, device="cpu"):
    params = [tg.tensor(p.copy(), device=device, requires_grad=True) for p in draw_problem(seed=1)[0]]
    optimizer = getattr(optim, name)(params, **options)
    for step_gradients in gradients:
        for p, g in zip(params, step_gradients):
            p.grad = tg.tensor(g, device=device)
        optimizer.step()
    return params, optimizer


@pytest.mark.parametrize("name, options", DIFFERENTIABLE, ids=IDS)
def test_differentiable_steps_continue_the_real_ones_and_touch_nothing(name, options):
    _, gradients = draw_problem(seed=2, steps=REAL_STEPS + 2)
    params, optimizer = trained(name, options, gradients[:REAL_STEPS])
    before = [p.numpy().copy() for p in params], optimizer.state_dict()

    weights, states = list(params), None
    for step_gradients in gradients[REAL_STEPS:]:
        weights, states = optimizer.differentiable_step(weights, [tg.tensor(g) for g in step_gradients], states)

    for p, value in zip(params, before[0]):
        assert np.array_equal(p.numpy(), value)
    after = optimizer.state_dict()["state"]
    for index, saved in before[1]["state"].items():
        for key, value in saved.items():
            assert np.array_equal(after[index][key], value), (index, key)

    real, _ = trained(name, options, gradients)
    for index, (w, p) in enumerate(zip(weights, real)):
        np.testing.assert_allclose(w.numpy(), p.numpy(), rtol=1e-12, atol=1e-14, err_msg=f"parameter {index}")


@pytest.mark.parametrize("name, options", DIFFERENTIABLE, ids=IDS)
def test_two_differentiable_steps_are_differentiable_in_the_weights_and_gradients_they_saw(name, options):
    """Central differences of w_2(w_0, g_0, g_1), first and second order, from a state with history."""
    _, gradients = draw_problem(seed=3, steps=REAL_STEPS + 2)
    params, optimizer = trained(name, options, gradients[:REAL_STEPS])
    index = 0  # the (3, 4) parameter; the others ride along as constants
    start = tg.tensor(params[index].numpy().copy(), requires_grad=True)
    first, second = (tg.tensor(g[index], requires_grad=True) for g in gradients[REAL_STEPS:])

    def two_steps(weight, g0, g1):
        weights = [weight if i == index else p.detach() for i, p in enumerate(params)]
        grads = [[g if i == index else tg.tensor(drawn[i]) for i in range(len(SHAPES))]
                 for g, drawn in zip((g0, g1), gradients[REAL_STEPS:])]  # fmt: skip
        weights, states = optimizer.differentiable_step(weights, grads[0])
        weights, _ = optimizer.differentiable_step(weights, grads[1], states)
        return weights[index]

    gradcheck(two_steps, start, first, second)
    gradgradcheck(two_steps, start, first, second)


def test_rules_without_a_differentiable_step_and_mismatched_lists_are_clear_errors():
    params = [tg.tensor(np.ones(3), requires_grad=True)]
    with pytest.raises(NotImplementedError, match="RMSprop has no differentiable step"):
        optim.RMSprop(params).differentiable_step(params, [tg.tensor(np.ones(3))])
    with pytest.raises(NotImplementedError, match="unroll with amsgrad=False"):
        optim.Adam(params, amsgrad=True).differentiable_step(params, [tg.tensor(np.ones(3))])
    with pytest.raises(ValueError, match="got 2 weights and 1 gradients for 1 parameters"):
        optim.SGD(params).differentiable_step(params * 2, [tg.tensor(np.ones(3))])


@pytest.mark.gpu
@pytest.mark.parametrize("name, options", DIFFERENTIABLE[::2], ids=IDS[::2])
def test_on_the_gpu_differentiable_steps_from_cupy_state_equal_the_cpu_ones(name, options):
    """The optimizer's state is raw CuPy arrays there, mixed into Tensor ops with the gradients."""
    _, gradients = draw_problem(seed=2, steps=REAL_STEPS + 1)
    results = []
    for device in ("cpu", "gpu"):
        params, optimizer = trained(name, options, gradients[:REAL_STEPS], device)
        grads = [tg.tensor(g, device=device) for g in gradients[REAL_STEPS]]
        weights, _ = optimizer.differentiable_step(list(params), grads)
        assert all(w.device == device for w in weights)
        results.append([w.numpy() for w in weights])
    for index, (cpu, gpu) in enumerate(zip(*results)):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-10, atol=1e-12, err_msg=f"parameter {index}")
