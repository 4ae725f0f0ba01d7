"""Optimizers, gradient clipping and learning-rate schedulers, against PyTorch.

The reference is PyTorch itself: the same initial parameters and the same
fixed sequence of gradients go through a tinygen optimizer and through
PyTorch's, in float64, and after every step the parameters must agree to about
1e-12 (rounding differs a little, e.g. PyTorch's ``lerp`` for m <- beta m +
(1 - beta) g). Feeding gradients directly, rather than computing them from a
loss, tests the update rule alone. Schedulers must reproduce PyTorch's
learning-rate sequences over 30 steps, also past the end of a cosine period.
Only the comparisons need PyTorch (the ``torch`` fixture skips them without
it); resuming from a state_dict, the error messages and the GPU are tested
on their own.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygen as tg
import tinygen.optim as optim
from tinygen.optim import lr_scheduler


@pytest.fixture(scope="module")
def torch():
    """PyTorch, the reference; only the comparisons need it (CI installs only ".[test]")."""
    return pytest.importorskip("torch")


SHAPES = [(3, 4), (5,), ()]
STEPS = 10
TOLERANCE = dict(rtol=1e-12, atol=1e-12)

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, weight_decay=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.1, betas=(0.5, 0.9), weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.001, alpha=0.8, eps=1e-4, momentum=0.9, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True)),
]


def draw_problem(seed, steps=STEPS):
    """Initial parameters and a fixed sequence of gradients for each, drawn once."""
    rng = np.random.default_rng(seed)
    initial = [rng.standard_normal(shape) for shape in SHAPES]
    gradients = [[rng.standard_normal(shape) for shape in SHAPES] for _ in range(steps)]
    return initial, gradients


def tinygen_run(name, options, initial, gradients, groups=None):
    params = [tg.tensor(p.copy(), requires_grad=True) for p in initial]
    optimizer = getattr(optim, name)(_grouped(params, groups), **options)
    history = []
    for step_gradients in gradients:
        for p, g in zip(params, step_gradients):
            p.grad = tg.tensor(g)
        optimizer.step()
        history.append([p.numpy().copy() for p in params])
    return history


def torch_run(torch, name, options, initial, gradients, groups=None):
    params = [torch.tensor(p.copy(), requires_grad=True) for p in initial]
    optimizer = getattr(torch.optim, name)(_grouped(params, groups), **options)
    history = []
    for step_gradients in gradients:
        for p, g in zip(params, step_gradients):
            p.grad = torch.tensor(g)
        optimizer.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def _grouped(params, groups):
    """``groups``: None for one group, else a list of (indices, options) pairs."""
    if groups is None:
        return params
    return [{"params": [params[i] for i in indices], **options} for indices, options in groups]


def assert_same_history(ours, theirs):
    for step, (ours_now, theirs_now) in enumerate(zip(ours, theirs)):
        for index, (a, b) in enumerate(zip(ours_now, theirs_now)):
            np.testing.assert_allclose(a, b, **TOLERANCE, err_msg=f"parameter {index} after step {step + 1}")


# ---- the update rules --------------------------------------------------------------


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{sorted(o)}" for n, o in CASES])
def test_parameters_follow_torch_step_by_step(torch, name, options):
    initial, gradients = draw_problem(seed=0)
    ours = tinygen_run(name, options, initial, gradients)
    assert_same_history(ours, torch_run(torch, name, options, initial, gradients))


OPTION_STRATEGIES = {
    "SGD": st.fixed_dictionaries(
        {
            "lr": st.floats(1e-3, 0.5),
            "momentum": st.sampled_from([0.0, 0.5, 0.9, 0.99]),
            "weight_decay": st.sampled_from([0.0, 1e-3, 0.1]),
        },
        optional={"dampening": st.floats(0.0, 0.9), "nesterov": st.just(True)},
    ).filter(lambda o: not o.get("nesterov") or (o["momentum"] > 0 and not o.get("dampening"))),
    "Adam": st.fixed_dictionaries(
        {
            "lr": st.floats(1e-4, 0.3),
            "betas": st.tuples(st.floats(0.0, 0.99), st.floats(0.5, 0.9999)),
            "eps": st.sampled_from([1e-8, 1e-6, 1e-3]),
            "weight_decay": st.sampled_from([0.0, 1e-2, 0.5]),
            "amsgrad": st.booleans(),
        }
    ),
    "RMSprop": st.fixed_dictionaries(
        {
            "lr": st.floats(1e-4, 0.05),
            "alpha": st.floats(0.5, 0.999),
            "eps": st.sampled_from([1e-8, 1e-4]),
            "weight_decay": st.sampled_from([0.0, 1e-2]),
            "momentum": st.sampled_from([0.0, 0.5, 0.9]),
            "centered": st.booleans(),
        }
    ),
}
OPTION_STRATEGIES["AdamW"] = OPTION_STRATEGIES["Adam"]


@pytest.mark.parametrize("name", sorted(OPTION_STRATEGIES))
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_drawn_hyperparameters_follow_torch(torch, name, data, seed):
    options = data.draw(OPTION_STRATEGIES[name], label="options")
    initial, gradients = draw_problem(seed)
    ours = tinygen_run(name, options, initial, gradients)
    assert_same_history(ours, torch_run(torch, name, options, initial, gradients))


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_parameter_groups_with_their_own_options_follow_torch(torch, name):
    initial, gradients = draw_problem(seed=1)
    extra = {"SGD": {"momentum": 0.9}, "Adam": {"amsgrad": True}, "RMSprop": {"centered": True}}[name]
    groups = [([0, 2], {"lr": 0.05, "weight_decay": 0.1}), ([1], {"lr": 0.002, **extra})]
    ours = tinygen_run(name, {"lr": 0.01}, initial, gradients, groups)
    assert_same_history(ours, torch_run(torch, name, {"lr": 0.01}, initial, gradients, groups))


def test_float32_parameters_stay_float32_and_close_to_float64():
    initial, gradients = draw_problem(seed=2)
    params = [tg.tensor(p.astype(np.float32), requires_grad=True) for p in initial]
    optimizer = optim.Adam(params, lr=0.01)
    for step_gradients in gradients:
        for p, g in zip(params, step_gradients):
            p.grad = tg.tensor(g.astype(np.float32))
        optimizer.step()
    assert all(p.dtype == np.float32 for p in params)
    assert all(a.dtype == np.float32 for a in optimizer.state[params[0]].values() if hasattr(a, "dtype"))
    reference = tinygen_run("Adam", {"lr": 0.01}, initial, gradients)[-1]
    for p, expected in zip(params, reference):
        np.testing.assert_allclose(p.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_step_skips_parameters_without_gradient_and_zero_grad_clears():
    a, b = tg.ones(2, requires_grad=True), tg.ones(2, requires_grad=True)
    optimizer = optim.SGD([a, b], lr=0.5, momentum=0.9)
    a.grad = tg.ones(2)
    optimizer.step()
    assert a.tolist() == [0.5, 0.5] and b.tolist() == [1.0, 1.0]
    assert b not in optimizer.state or not optimizer.state[b]
    optimizer.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_with_a_closure_records_the_graph_and_returns_the_loss():
    w = tg.tensor([3.0], dtype=tg.float64, requires_grad=True)
    optimizer = optim.SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == 9.0 and w.item() == 3.0 - 0.25 * 6.0
    assert tg.is_grad_enabled()


def test_the_update_does_not_touch_a_gradient_shared_by_two_parameters():
    a, b = tg.ones(3, requires_grad=True), tg.ones(3, requires_grad=True)
    (a + b).sum().backward()  # the engine may give a and b one and the same gradient
    optimizer = optim.SGD([a, b], lr=0.1, momentum=0.9, weight_decay=0.5)
    optimizer.step()
    optimizer.step()
    assert a.grad.tolist() == [1.0, 1.0, 1.0] and b.grad.tolist() == [1.0, 1.0, 1.0]


# ---- state_dict ----------------------------------------------------------------------


@pytest.mark.parametrize("name, options", CASES[1::2], ids=[f"{n}-{sorted(o)}" for n, o in CASES[1::2]])
def test_state_dict_mid_run_resumes_identically(name, options):
    initial, gradients = draw_problem(seed=3)
    uninterrupted = tinygen_run(name, options, initial, gradients)

    params = [tg.tensor(p.copy(), requires_grad=True) for p in initial]
    first = getattr(optim, name)([{"params": params[:2]}, {"params": params[2:], "lr": 0.02}], **options)
    first.param_groups[1]["lr"] = options["lr"]  # the saved options, not the constructor's, must win
    for step_gradients in gradients[:4]:
        for p, g in zip(params, step_gradients):
            p.grad = tg.tensor(g)
        first.step()
    snapshot = first.state_dict()

    resumed_params = [tg.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    second = getattr(optim, name)([{"params": resumed_params[:2]}, {"params": resumed_params[2:]}], lr=123.0)
    second.load_state_dict(snapshot)
    first.step()  # a step of the first optimizer must not leak into the snapshot or the second
    for step_gradients in gradients[4:]:
        for p, g in zip(resumed_params, step_gradients):
            p.grad = tg.tensor(g)
        second.step()
    for p, expected in zip(resumed_params, uninterrupted[-1]):
        np.testing.assert_array_equal(p.numpy(), expected)


@pytest.mark.parametrize("name, options", CASES[::3], ids=[f"{n}-{sorted(o)}" for n, o in CASES[::3]])
def test_state_dict_has_torch_layout(torch, name, options):
    initial, gradients = draw_problem(seed=4, steps=2)
    ours = [tg.tensor(p, requires_grad=True) for p in initial]
    theirs = [torch.tensor(p, requires_grad=True) for p in initial]
    ours_opt = getattr(optim, name)([{"params": ours[:1]}, {"params": ours[1:]}], **options)
    theirs_opt = getattr(torch.optim, name)([{"params": theirs[:1]}, {"params": theirs[1:]}], **options)
    for step_gradients in gradients:
        for p, q, g in zip(ours, theirs, step_gradients):
            p.grad, q.grad = tg.tensor(g), torch.tensor(g)
        ours_opt.step()
        theirs_opt.step()
    ours_state, theirs_state = ours_opt.state_dict(), theirs_opt.state_dict()
    assert ours_state["state"].keys() == theirs_state["state"].keys()
    for index, state in ours_state["state"].items():
        assert state.keys() == theirs_state["state"][index].keys()
        for key, value in state.items():
            np.testing.assert_allclose(np.asarray(value), theirs_state["state"][index][key].numpy(), **TOLERANCE)
    for group, their_group in zip(ours_state["param_groups"], theirs_state["param_groups"]):
        assert group["params"] == their_group["params"]
        assert all(group[key] == their_group[key] for key in group)


def test_load_state_dict_explains_mismatches():
    params = [tg.ones(2, requires_grad=True), tg.ones(3, requires_grad=True)]
    optimizer = optim.Adam(params)
    for p in params:
        p.grad = tg.ones_like(p)
    optimizer.step()
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match="has 1 parameter groups but this optimizer has 2"):
        optim.Adam([{"params": params[:1]}, {"params": params[1:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 1 parameters but the state_dict's group 0 has 2"):
        optim.Adam(params[:1]).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(2,\) but the parameter has shape \(3,"):
        optim.Adam(params[::-1]).load_state_dict(saved)
    with pytest.raises(ValueError, match="exactly the keys 'state' and 'param_groups'"):
        optimizer.load_state_dict({"state": {}})


def test_constructor_errors_say_what_is_wrong():
    w = tg.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="not a single tensor"):
        optim.SGD(w)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(ValueError, match="lr must be >= 0"):
        optim.Adam([w], lr=-1.0)
    with pytest.raises(ValueError, match="betas"):
        optim.AdamW([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0"):
        optim.SGD([w], nesterov=True)
    with pytest.raises(ValueError, match="has no option 'momentum'"):
        optim.Adam([{"params": [w], "momentum": 0.9}])
    with pytest.raises(ValueError, match="appears twice"):
        optim.SGD([{"params": [w]}, {"params": [w]}])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2])
    with pytest.raises(TypeError, match="only update tensors"):
        optim.SGD([np.ones(2)])


# ---- gradient clipping -------------------------------------------------------------


def _grads_pair(torch, seed, scale):
    rng = np.random.default_rng(seed)
    grads = [scale * rng.standard_normal(shape) for shape in SHAPES]
    ours = [tg.tensor(np.zeros(shape), requires_grad=True) for shape in SHAPES]
    theirs = [torch.zeros(shape, dtype=torch.float64, requires_grad=True) for shape in SHAPES]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = tg.tensor(g), torch.tensor(g)
    return ours, theirs


@given(
    max_norm=st.floats(0.01, 20.0),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, math.inf, "inf"]),
    scale=st.sampled_from([0.01, 1.0, 10.0]),
    seed=st.integers(0, 1000),
)
def test_clip_grad_norm_matches_torch(torch, max_norm, norm_type, scale, seed):
    ours, theirs = _grads_pair(torch, seed, scale)
    total = optim.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert isinstance(total, tg.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), expected.item(), **TOLERANCE)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **TOLERANCE)


@given(clip_value=st.floats(0.0, 3.0), seed=st.integers(0, 1000))
def test_clip_grad_value_matches_torch(torch, clip_value, seed):
    ours, theirs = _grads_pair(torch, seed, 2.0)
    optim.clip_grad_value_(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_clipping_scales_a_shared_gradient_once_per_parameter():
    a, b = tg.ones(4, requires_grad=True), tg.ones(4, requires_grad=True)
    (a + b).sum().backward()  # a.grad and b.grad may be one array
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(math.sqrt(8))
    np.testing.assert_allclose(a.grad.numpy(), 1 / (math.sqrt(8) + 1e-6), rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy())


def test_clip_grad_norm_edge_cases():
    w = tg.ones(2, requires_grad=True)
    assert optim.clip_grad_norm_([w], 1.0).item() == 0.0  # no gradient anywhere
    w.grad = tg.tensor([3.0, 4.0])
    assert optim.clip_grad_norm_(w, 100.0).item() == 5.0  # a single tensor is accepted
    assert w.grad.tolist() == [3.0, 4.0]
    w.grad = tg.tensor([math.inf, 0.0])
    with pytest.raises(RuntimeError, match="inf"):
        optim.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)


# ---- learning-rate schedulers ------------------------------------------------------

SCHEDULES = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=4, gamma=0.5),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=7),
    "LambdaLR": lambda m, o: m.LambdaLR(o, [lambda t: 1 / (1 + t), lambda t: 0.95**t]),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o,
        [m.LinearLR(o, start_factor=0.01, total_iters=5), m.CosineAnnealingLR(o, T_max=12), m.ExponentialLR(o, 0.8)],
        milestones=[5, 17],
    ),
}


def _two_group_optimizer(module, tensor):
    return module.SGD([{"params": [tensor(np.ones(2))]}, {"params": [tensor(np.ones(3))], "lr": 0.02}], lr=0.1)


def _lr_sequence(scheduler, optimizer, steps):
    sequence = [scheduler.get_last_lr()]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        sequence.append(scheduler.get_last_lr())
        assert [group["lr"] for group in optimizer.param_groups] == sequence[-1]
    return np.array(sequence, dtype=np.float64)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_scheduler_sequence_matches_torch(torch, name):
    ours_opt = _two_group_optimizer(optim, lambda a: tg.tensor(a, requires_grad=True))
    theirs_opt = _two_group_optimizer(torch.optim, lambda a: torch.tensor(a, requires_grad=True))
    ours = _lr_sequence(SCHEDULES[name](lr_scheduler, ours_opt), ours_opt, 30)
    theirs = _lr_sequence(SCHEDULES[name](torch.optim.lr_scheduler, theirs_opt), theirs_opt, 30)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@given(
    T_max=st.integers(1, 20),
    eta_min=st.floats(0.0, 0.05),
    gamma=st.floats(0.1, 1.0),
    step_size=st.integers(1, 10),
)
def test_drawn_schedules_match_torch(torch, T_max, eta_min, gamma, step_size):
    for make in (
        lambda m, o: m.CosineAnnealingLR(o, T_max=T_max, eta_min=eta_min),
        lambda m, o: m.StepLR(o, step_size=step_size, gamma=gamma),
        lambda m, o: m.LinearLR(o, start_factor=gamma, total_iters=T_max),
    ):
        ours_opt = _two_group_optimizer(optim, lambda a: tg.tensor(a, requires_grad=True))
        theirs_opt = _two_group_optimizer(torch.optim, lambda a: torch.tensor(a, requires_grad=True))
        ours = _lr_sequence(make(lr_scheduler, ours_opt), ours_opt, 2 * T_max + 3)
        theirs = _lr_sequence(make(torch.optim.lr_scheduler, theirs_opt), theirs_opt, 2 * T_max + 3)
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_scheduler_state_dict_resumes_the_sequence(name):
    def fresh():
        optimizer = _two_group_optimizer(optim, lambda a: tg.tensor(a, requires_grad=True))
        return optimizer, SCHEDULES[name](lr_scheduler, optimizer)

    optimizer, scheduler = fresh()
    expected = _lr_sequence(scheduler, optimizer, 20)

    optimizer, scheduler = fresh()
    _lr_sequence(scheduler, optimizer, 8)
    saved_optimizer, saved_scheduler = optimizer.state_dict(), scheduler.state_dict()
    optimizer, scheduler = fresh()
    optimizer.load_state_dict(saved_optimizer)
    scheduler.load_state_dict(saved_scheduler)
    np.testing.assert_array_equal(_lr_sequence(scheduler, optimizer, 12), expected[8:])


def test_scheduler_errors():
    optimizer = _two_group_optimizer(optim, lambda a: tg.tensor(a, requires_grad=True))
    with pytest.raises(KeyError, match="no 'initial_lr'"):
        lr_scheduler.StepLR(optimizer, step_size=2, last_epoch=5)
    with pytest.raises(ValueError, match="start_factor must be in"):
        lr_scheduler.LinearLR(optimizer, start_factor=0.0)
    with pytest.raises(ValueError, match="1 functions for 2 parameter groups"):
        lr_scheduler.LambdaLR(optimizer, [lambda t: 1.0])
    step = lr_scheduler.StepLR(optimizer, step_size=2)
    with pytest.raises(ValueError, match="one milestone fewer than schedulers"):
        lr_scheduler.SequentialLR(optimizer, [step], milestones=[3])
    with pytest.raises(ValueError, match=r"does not fit ExponentialLR: missing keys \[\], unexpected keys \['step_s"):
        lr_scheduler.ExponentialLR(optimizer, 0.9).load_state_dict(step.state_dict())
    with pytest.raises(TypeError, match="needs a tinygen Optimizer"):
        lr_scheduler.StepLR(object(), step_size=2)


# ---- on the GPU ----------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("name, options", CASES[::2], ids=[f"{n}-{sorted(o)}" for n, o in CASES[::2]])
def test_gpu_updates_match_the_cpu_and_state_moves_between_devices(name, options):
    initial, gradients = draw_problem(seed=5)
    expected = tinygen_run(name, options, initial, gradients)[-1]
    params = [tg.tensor(p, device="gpu", requires_grad=True) for p in initial]
    optimizer = getattr(optim, name)(params, **options)
    for step_gradients in gradients[:5]:
        for p, g in zip(params, step_gradients):
            p.grad = tg.tensor(g, device="gpu")
        optimizer.step()
    assert all(p.device == "gpu" for p in params)
    # Resume on the CPU from the GPU optimizer's state: the arrays must follow the parameters.
    cpu_params = [tg.tensor(p.numpy(), requires_grad=True) for p in params]
    resumed = getattr(optim, name)(cpu_params, **options)
    resumed.load_state_dict(optimizer.state_dict())
    for step_gradients in gradients[5:]:
        for p, g in zip(cpu_params, step_gradients):
            p.grad = tg.tensor(g)
        resumed.step()
    for p, e in zip(cpu_params, expected):
        np.testing.assert_allclose(p.numpy(), e, rtol=1e-10, atol=1e-12)


@pytest.mark.gpu
def test_gpu_clip_grad_norm_matches_the_cpu():
    rng = np.random.default_rng(6)
    grads = [rng.standard_normal(shape) for shape in SHAPES]
    results = {}
    for device in ("cpu", "gpu"):
        params = [tg.zeros(*g.shape, dtype=tg.float64, device=device, requires_grad=True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = tg.tensor(g, device=device)
        total = optim.clip_grad_norm_(params, 0.5)
        assert total.device == device
        results[device] = [total.item()] + [p.grad.numpy() for p in params]
    for a, b in zip(results["cpu"], results["gpu"]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_zero_grad_takes_set_to_none_and_defaults_to_it_as_pytorch_2_does():
    a, b = tg.ones(2, requires_grad=True), tg.ones(2, requires_grad=True)
    optimizer = optim.SGD([a, b], lr=0.5)
    a.grad = tg.ones(2)
    optimizer.zero_grad(set_to_none=False)
    assert a.grad.tolist() == [0.0, 0.0] and b.grad is None
    optimizer.zero_grad(set_to_none=True)
    assert a.grad is None
    layer = tg.nn.Linear(2, 1)
    layer(tg.ones(1, 2)).sum().backward()
    layer.zero_grad(False)
    assert layer.bias.grad.tolist() == [0.0] and not layer.bias.grad.requires_grad
