"""In-place operators and methods: PyTorch's rules, the version counter, and the PyTorch forms they make work."""
import sys

import numpy as np
import pytest

import tinygen as tg


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# ---- what each one computes ---------------------------------------------------------------------------
def test_in_place_operators_modify_the_tensor_itself():
    p = leaf([1.0, 2.0])
    p.grad = tg.tensor([10.0, 20.0], dtype=tg.float64)
    same, memory = p, p.data
    with tg.no_grad():
        p -= 0.1 * p.grad  # PyTorch's hand-written SGD step
        p += 1
        p *= 2
        p /= 4
    assert p is same and p.data is memory and p.requires_grad and p.is_leaf
    np.testing.assert_allclose(p.numpy(), ((np.array([1.0, 2.0]) - [1.0, 2.0]) + 1) * 2 / 4)


def test_in_place_methods_compute_what_their_names_say():
    x = tg.tensor([1.0, -2.0, 3.0])
    assert x.add_(tg.tensor([1.0, 1.0, 1.0]), alpha=2) is x
    np.testing.assert_allclose(x.numpy(), [3.0, 0.0, 5.0])
    np.testing.assert_allclose(x.sub_(1, alpha=3).numpy(), [0.0, -3.0, 2.0])
    np.testing.assert_allclose(x.mul_(tg.tensor([2.0, 2.0, -1.0])).numpy(), [0.0, -6.0, -2.0])
    np.testing.assert_allclose(x.div_(2).numpy(), [0.0, -3.0, -1.0])
    np.testing.assert_allclose(x.clamp_(-2.0, 0.5).numpy(), [0.0, -2.0, -1.0])
    np.testing.assert_allclose(x.clip_(min=-1.5).numpy(), [0.0, -1.5, -1.0])
    np.testing.assert_allclose(x.lerp_(tg.tensor([4.0, 4.0, 4.0]), 0.25).numpy(), [1.0, -0.125, 0.25])
    np.testing.assert_allclose(x.fill_(7).numpy(), [7.0, 7.0, 7.0])
    np.testing.assert_allclose(x.zero_().numpy(), [0.0, 0.0, 0.0])
    np.testing.assert_allclose(x.copy_(tg.tensor([1, 2, 3])).numpy(), [1.0, 2.0, 3.0])
    assert x.dtype == np.float32


def test_lerp_reaches_its_end_exactly_at_weight_one_as_in_pytorch():
    x, end = tg.tensor([0.1, 0.7, -3.0]), tg.tensor([0.3, 1e-8, 2.5])
    assert x.lerp_(end, 1.0).tolist() == end.tolist()


def test_copy_broadcasts_and_converts_as_an_assignment_does():
    x = tg.zeros(2, 3, dtype=tg.int64)
    x.copy_(tg.tensor([1.7, -2.2, 3.9]))
    assert x.tolist() == [[1, -2, 3], [1, -2, 3]] and x.dtype == np.int64


def test_random_fills_repeat_with_the_seed_and_stay_in_range():
    a = tg.zeros(1000)
    tg.manual_seed(5)
    a.normal_(2.0, 0.5)
    tg.manual_seed(5)
    np.testing.assert_array_equal(a.numpy(), (tg.randn(1000) * 0.5 + 2.0).numpy())
    assert abs(a.numpy().mean() - 2.0) < 0.1 and abs(a.numpy().std() - 0.5) < 0.05
    b = tg.zeros(1000).uniform_(-3.0, -1.0)
    assert -3.0 <= b.numpy().min() and b.numpy().max() < -1.0


def test_setitem_writes_values_broadcast_and_converted():
    x = tg.zeros(2, 3)
    x[0] = 5
    x[1, tg.tensor([0, 2])] = tg.tensor([1.0, 2.0], dtype=tg.float64)
    x[x < 1] = -1
    assert x.tolist() == [[5, 5, 5], [1, -1, 2]] and x.dtype == np.float32


# ---- PyTorch's rules ----------------------------------------------------------------------------------
def test_a_leaf_that_requires_grad_is_modified_only_under_no_grad():
    p = leaf([1.0, 2.0])
    for modify in (lambda: p.add_(1), lambda: p.clamp_(0, 1), lambda: p.zero_(), lambda: p.__setitem__(0, 3.0)):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
            modify()
    with pytest.raises(RuntimeError, match="no_grad"):
        p -= 1
    np.testing.assert_array_equal(p.numpy(), [1.0, 2.0])
    with tg.no_grad():
        p.clamp_(1.5, 3.0)[1] = 9.0
    np.testing.assert_array_equal(p.numpy(), [1.5, 9.0])


def test_a_tensor_in_a_graph_is_never_rewritten_in_place():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="computed by Mul.*out-of-place form"):
        y.mul_(3)


def test_an_operand_that_requires_grad_must_not_be_folded_in_silently():
    total, loss = tg.zeros(()), (leaf([1.0, 2.0]) ** 2).sum()
    with pytest.raises(RuntimeError, match=r"total = total \+ loss"):
        total += loss
    with tg.no_grad():
        total += loss
    assert total.item() == 5.0


def test_tensors_that_need_no_gradient_are_modified_freely():
    x = tg.ones(3)
    x.mul_(2)[0] = 0
    assert x.tolist() == [0, 2, 2]


def test_a_result_that_does_not_fit_the_dtype_is_refused_as_in_pytorch():
    counts = tg.zeros(3, dtype=tg.int64)
    with pytest.raises(TypeError, match="float32.*int64"):
        counts.add_(1.5)
    with pytest.raises(TypeError, match="int64"):
        counts.div_(2)  # true division gives floats
    counts += 2
    assert counts.tolist() == [2, 2, 2] and counts.dtype == np.int64
    x = tg.ones(2)
    x.add_(np.full(2, 0.1, dtype=np.float64))  # computed in float64, stored in float32
    assert x.dtype == np.float32 and x.numpy()[0] == np.float32(1.1)


def test_shape_and_memory_errors_say_what_to_do():
    with pytest.raises(ValueError, match=r"shape \(2, 3\) does not broadcast to the tensor's shape \(3,\)"):
        tg.ones(3).add_(tg.ones(2, 3))
    with pytest.raises(ValueError, match=r"lerp_: an operand of shape \(2, 3\)"):
        tg.ones(3).lerp_(tg.ones(2, 3), 0.5)
    with pytest.raises(ValueError, match=r"read-only.*clone\(\)"):
        tg.ones(3).expand(2, 3).add_(1)


def test_a_full_reduction_can_be_modified_in_place():
    s = tg.ones(3).sum()  # NumPy returns a scalar here, not an array
    same = s
    s += 1
    assert s is same and s.item() == 4.0


# ---- the version counter ------------------------------------------------------------------------------
def test_every_in_place_write_counts_a_version_shared_by_views_and_detached_copies():
    x = tg.zeros(2, 3)
    view, detached = x.reshape(6), x.detach()
    assert x._version == 0
    x.add_(1)
    detached[0, 0] = 5
    view.mul_(2)
    assert x._version == view._version == detached._version == 3
    assert x.tolist() == [[10, 2, 2], [2, 2, 2]]


def test_modifying_an_input_backward_needs_raises_and_names_both_ops():
    w, x = leaf([1.0, 2.0]), tg.tensor([3.0, 4.0], dtype=tg.float64)
    loss = (w * x).sum()
    x.mul_(2)  # x needs no gradient, so this is allowed, but Mul's backward reads x for dL/dw
    with pytest.raises(RuntimeError, match=r"Mul.backward needs its input 1 \(shape \(2,\)\), which mul_ modified"):
        loss.backward()


def test_modifying_an_output_backward_needs_raises():
    x = leaf([0.5, 1.0])
    y = x.exp()  # Exp's backward is dL/dy * y
    with tg.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="Exp.backward needs its output 0"):
        y.sum().backward()


def test_modifying_through_a_view_is_seen():
    w = leaf([1.0, 2.0, 3.0, 4.0])
    x = tg.tensor(np.arange(4.0))
    loss = (w * x).sum()
    x.reshape(2, 2)[1].fill_(0)
    with pytest.raises(RuntimeError, match="fill_"):
        loss.backward()


def test_an_optimizer_step_before_a_retained_backward_is_reported():
    """The GAN mistake PyTorch also reports: updating weights that a graph still to be differentiated used."""
    w = leaf([1.0, -1.0])
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    tg.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"SGD\.step modified"):
        loss.backward()


def test_modifications_that_backward_does_not_need_leave_it_alone():
    w, x = leaf([1.0, 2.0]), tg.tensor([3.0, 4.0], dtype=tg.float64)
    loss = (w * x).sum()
    unrelated = tg.ones(2)
    unrelated.add_(1)
    loss.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 4.0])


# ---- PyTorch training code in its own form ------------------------------------------------------------
def test_hand_written_sgd_matches_the_optimizer():
    rng = np.random.default_rng(0)
    data, start = rng.standard_normal((8, 3)), rng.standard_normal(3)
    by_hand, by_optimizer = leaf(start), leaf(start)
    optimizer = tg.optim.SGD([by_optimizer], lr=0.1)
    for _ in range(5):
        ((tg.tensor(data) @ by_hand).tanh() ** 2).mean().backward()
        with tg.no_grad():
            by_hand -= 0.1 * by_hand.grad
            by_hand.grad.zero_()
        optimizer.zero_grad()
        ((tg.tensor(data) @ by_optimizer).tanh() ** 2).mean().backward()
        optimizer.step()
    np.testing.assert_allclose(by_hand.numpy(), by_optimizer.numpy(), rtol=1e-12)


def test_weight_clipping_and_an_ema_of_weights_in_their_pytorch_form():
    critic = tg.nn.Linear(4, 3)
    ema = tg.nn.Linear(4, 3)
    ema.load_state_dict(critic.state_dict())
    with tg.no_grad():
        for p in critic.parameters():
            p.clamp_(-0.01, 0.01)  # WGAN
        for averaged, p in zip(ema.parameters(), critic.parameters()):
            averaged.mul_(0.9).add_(p, alpha=0.1)
    for averaged, p in zip(ema.parameters(), critic.parameters()):
        assert np.abs(p.numpy()).max() <= 0.01
        assert averaged.requires_grad and averaged.is_leaf
    twin = tg.nn.Linear(4, 3)
    twin.load_state_dict(ema.state_dict())
    with tg.no_grad():
        for averaged, p in zip(twin.parameters(), critic.parameters()):
            averaged.lerp_(p, 0.0)
    for a, b in zip(twin.parameters(), ema.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_in_place_on_the_raw_array_explains_itself_when_uncaught(capsys):
    p = tg.nn.Parameter(tg.ones(3))
    with pytest.raises(AttributeError) as caught:
        p.data.clamp_(-1, 1)
    sys.excepthook(caught.type, caught.value, caught.tb)
    message = capsys.readouterr().err
    assert ".data is the raw array" in message and "p.clamp_(...)" in message and "no_grad" in message
