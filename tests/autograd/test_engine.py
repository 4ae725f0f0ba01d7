"""The backward pass: accumulation, graph freeing, higher-order gradients, grad modes, memory."""
import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import tinygen as tg


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_a_tensor_used_twice_collects_both_gradients():
    x = leaf([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()  # d/dx (x^2 + x) = 2x + 1
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() + 1)


def test_gradients_accumulate_across_backward_calls_until_cleared():
    x = leaf([2.0])
    (x * 3).sum().backward()
    (x * 4).sum().backward()
    assert x.grad.item() == 7.0
    x.zero_grad()
    (x * 5).sum().backward()
    assert x.grad.item() == 5.0


def test_backward_through_a_100000_op_chain_needs_no_recursion():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.sum().backward()
    assert x.grad.item() == 1.0
    del y  # deleting the long chain must not overflow the stack either


def test_a_long_graph_never_backpropagated_is_freed_without_a_crash():
    y = leaf([1.0])
    for _ in range(100_000):
        y = y + 1.0
    del y


def test_second_backward_through_a_freed_graph_says_to_retain_it():
    x = leaf([1.0, 2.0])
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp(x.numpy()))


def test_backward_of_a_non_scalar_needs_a_gradient():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * 2
    with pytest.raises(RuntimeError, match=r"shape \(2, 2\).*ones_like"):
        y.backward()
    y.backward(tg.tensor(np.full((2, 2), 0.5)))
    np.testing.assert_allclose(x.grad.numpy(), np.ones((2, 2)))


def test_backward_on_a_tensor_without_graph_explains_requires_grad():
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        tg.ones(3).sum().backward()


def test_grad_returns_gradients_without_touching_dot_grad():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (gx,) = tg.grad((x * w).sum(), x)
    np.testing.assert_allclose(gx.numpy(), w.numpy())
    assert x.grad is None and w.grad is None


def test_grad_of_an_unused_input_is_an_error_unless_allowed():
    x, unused = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        tg.grad((x * 2).sum(), [x, unused], retain_graph=True)
    gx, gu = tg.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gx.item() == 2.0 and gu is None


def test_grad_takes_the_arguments_of_a_pytorch_gradient_penalty():
    x = leaf([1.0, 2.0])
    d = (x * x).sum(0, keepdim=True)
    (g,) = tg.autograd.grad(outputs=d, inputs=x, grad_outputs=tg.ones_like(d), create_graph=True,
                            retain_graph=True, only_inputs=True)  # fmt: skip
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())


def test_grad_of_an_intermediate_tensor():
    x = leaf([1.0, 2.0])
    h = x * 3
    (gh,) = tg.grad((h * h).sum(), h)
    np.testing.assert_allclose(gh.numpy(), 2 * h.numpy())


def test_third_derivative_through_create_graph():
    x = leaf([0.5, -1.5])
    (g1,) = tg.grad((x**4).sum(), x, create_graph=True)
    (g2,) = tg.grad(g1.sum(), x, create_graph=True)
    (g3,) = tg.grad(g2.sum(), x)
    np.testing.assert_allclose(g1.numpy(), 4 * x.numpy() ** 3)
    np.testing.assert_allclose(g2.numpy(), 12 * x.numpy() ** 2)
    np.testing.assert_allclose(g3.numpy(), 24 * x.numpy())


def test_gradient_penalty_as_in_wgan_gp():
    """The penalty (||d critic/dx|| - 1)^2 needs second derivatives to train the critic's weights."""
    rng = np.random.default_rng(0)
    x, w = leaf(rng.standard_normal((3, 4))), leaf(rng.standard_normal((4, 1)))

    def penalty(x, w):
        (gx,) = tg.grad(tg.tanh(x @ w).sum(), x, create_graph=True)
        return ((gx.pow(2).sum(1) + 1e-12).sqrt() - 1).pow(2).sum()

    penalty(x, w).backward()
    assert w.grad is not None and np.abs(w.grad.numpy()).sum() > 0
    tg.gradcheck(penalty, x, w)


def test_backward_with_create_graph_leaves_differentiable_grads():
    x = leaf([2.0])
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    (g2,) = tg.grad(x.grad.sum(), x)
    assert g2.item() == pytest.approx(12.0)


def test_no_grad_records_nothing_and_restores_the_mode():
    x = leaf([1.0])
    with tg.no_grad():
        y = x * 2
        with tg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.creator is None
    assert z.requires_grad
    assert tg.is_grad_enabled()


def test_no_grad_works_as_a_decorator():
    @tg.no_grad()
    def double(t):
        return t * 2

    assert not double(leaf([1.0])).requires_grad
    assert tg.is_grad_enabled()


def test_retain_grad_keeps_the_gradient_of_a_non_leaf():
    x = leaf([1.0, 2.0])
    h = (x * 3).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), 2 * h.numpy())


def test_a_multi_output_op_with_an_unused_output_gets_zeros_for_it():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    first, _ = x.split(2)
    (first * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5, 5, 0, 0])


class _MaxAndArgmax(tg.Function):
    """Two outputs, a float and an integer one, as a hand-written op may return (PyTorch's max(dim) does)."""

    def forward(self, x):
        return x.max(1), x.argmax(1)

    def backward(self, grad_values, grad_indices):
        x, = self.inputs
        return tg.zeros_like(x).scatter_add(1, self.output(1).unsqueeze(1), grad_values.unsqueeze(1))


class _Pick(tg.Function):
    """x[n, index[n]]: the integer index is an input that passes no gradient."""

    def forward(self, x, index):
        return x[np.arange(len(index)), index]

    def backward(self, grad):
        x, index = self.inputs
        return tg.zeros_like(x).scatter_add(1, index.unsqueeze(1), grad.unsqueeze(1)), None


def test_an_integer_output_used_by_another_op_does_not_hold_back_its_creator():
    # The integer edge (argmax -> _Pick) carries no gradient, so backward must not wait for one along it:
    # counting it once dropped the gradient through the values without a word.
    x = leaf([[0.0, 3.0, 1.0], [2.0, 0.0, 1.0]])
    values, indices = _MaxAndArgmax()(x)
    (_Pick()(x, indices).sum() + 10 * values.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 11, 0], [11, 0, 0]])


def test_float32_inputs_get_float32_gradients_even_from_float64_constants():
    x = tg.ones(3, requires_grad=True)
    (x * tg.tensor(np.ones(3))).sum().backward()  # the product is float64
    assert x.grad.dtype == np.float32


def test_intermediates_are_freed_by_backward_without_the_garbage_collector():
    gc.disable()
    try:
        x = leaf(np.ones(100))
        hidden = (x * 2).exp()
        probe = weakref.ref(hidden)
        loss = hidden.sum()
        del hidden
        assert probe() is not None, "the graph holds the intermediate until backward"
        loss.backward()
        assert probe() is None, "backward should have released the intermediate"
    finally:
        gc.enable()


def test_dropping_the_output_frees_the_graph_without_the_garbage_collector():
    gc.disable()
    try:
        x = leaf(np.ones(10))
        hidden = x.tanh()
        probe = weakref.ref(hidden)
        loss = (hidden * hidden).sum()
        del hidden, loss
        assert probe() is None, "a reference cycle is keeping the graph alive"
    finally:
        gc.enable()


def test_memory_stays_flat_over_1000_training_steps():
    rng = np.random.default_rng(0)
    w = tg.tensor(rng.standard_normal((16, 16)) * 0.1, requires_grad=True)
    data = tg.tensor(rng.standard_normal((32, 16)))

    def step():
        loss = ((data @ w).tanh() ** 2).mean()
        loss.backward()
        with tg.no_grad():
            w.sub_(0.01 * w.grad)  # in place, stamping w's version each step
        w.grad = None

    for _ in range(50):
        step()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(1000):
            step()
        growth = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert growth < 64 * 1024, f"memory grew by {growth} bytes over 1000 steps"


def test_grad_runs_only_the_part_of_the_graph_that_leads_to_its_inputs(monkeypatch):
    """grad(critic(x), x) must not run backward through whatever produced x (WGAN-GP's generator)."""
    from tinygen.ops.elementwise import Exp

    calls = []
    original = Exp.backward
    monkeypatch.setattr(Exp, "backward", lambda self, gy: calls.append(1) or original(self, gy))
    z = leaf([0.1, 0.2])
    x = z.exp()  # stands in for the generator
    (gx,) = tg.grad((x * x).sum(), x)
    np.testing.assert_allclose(gx.numpy(), 2 * x.numpy())
    assert calls == [], "backward ran through the generator"
    (x * x).sum().backward()  # the generator's graph is intact and still usable
    np.testing.assert_allclose(z.grad.numpy(), 2 * x.numpy() ** 2)
    assert calls == [1]


def test_grad_with_respect_to_a_tensor_and_one_upstream_of_it():
    z = leaf([0.5, 1.5])
    x = z * 3
    gz, gx = tg.grad((x * x).sum(), [z, x])
    np.testing.assert_allclose(gx.numpy(), 2 * x.numpy())
    np.testing.assert_allclose(gz.numpy(), 6 * x.numpy())


def test_each_leaf_owns_its_gradient_array():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()  # addition hands one gradient to both inputs
    a.grad.data *= 10
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_each_leaf_owns_its_gradient_under_create_graph_too():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward(create_graph=True)  # one gradient, a read-only broadcast, reaches both
    assert a.grad is not b.grad and not np.shares_memory(a.grad.data, b.grad.data)
    assert a.grad.data.flags.writeable
    a.grad.data *= 10
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_no_grad_decorator_survives_recursion():
    @tg.no_grad()
    def countdown(n):
        return 0 if n == 0 else countdown(n - 1)

    countdown(3)
    assert tg.is_grad_enabled()


def test_set_grad_enabled_as_a_plain_call_switches_at_once_as_in_pytorch():
    import torch

    x = leaf([1.0])
    try:
        for lib in (tg, torch):
            lib.set_grad_enabled(False)
            assert not lib.is_grad_enabled()
            lib.set_grad_enabled(True)
            assert lib.is_grad_enabled()
        tg.set_grad_enabled(False)
        assert not (x * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_set_grad_enabled_still_restores_as_a_context_manager_and_decorator():
    @tg.set_grad_enabled(False)
    def double(t):
        return t * 2

    assert tg.is_grad_enabled()  # decorating switches nothing
    assert not double(leaf([1.0])).requires_grad
    assert tg.is_grad_enabled()
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
        with tg.set_grad_enabled(True):
            assert tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


# ---- hooks for data parallelism ---------------------------------------------------


def test_a_post_accumulate_grad_hook_sees_the_final_gradient_once_per_backward():
    w = leaf([1.0, -2.0])
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.numpy().copy()))
    x = leaf([3.0, 4.0])
    (w * x + w * w + (w * 2).exp()).sum().backward()  # three paths into w: the hook waits for all of them
    expected = x.numpy() + 2 * w.numpy() + 2 * np.exp(2 * w.numpy())
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], expected)
    (w * x).sum().backward()
    assert len(seen) == 2
    np.testing.assert_allclose(seen[1], expected + x.numpy())  # after accumulation, as in PyTorch


def test_hooks_fire_as_backward_reaches_each_leaf_the_last_layer_first():
    w1, w2, w3 = leaf([1.0]), leaf([2.0]), leaf([3.0])
    order = []
    for name, w in (("w1", w1), ("w2", w2), ("w3", w3)):
        w.register_post_accumulate_grad_hook(lambda t, name=name: order.append((name, t.grad.item())))
    x = leaf([0.5])
    ((x * w1).tanh() * w2 * w3).sum().backward()  # w3's gradient is final before w1's backward has run
    assert order[-1] == ("w1", 0.5 * (1 - np.tanh(0.5) ** 2) * 6.0)
    assert [name for name, _ in order] == ["w3", "w2", "w1"]


def test_hooks_of_a_removed_handle_and_of_grad_do_not_fire():
    w = leaf([1.0])
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append("hook"))
    tg.autograd.grad((w * 3).sum(), [w])  # grad() accumulates nothing: no hook
    assert calls == []
    handle.remove()
    (w * 3).sum().backward()
    assert calls == [] and w.grad.item() == 3.0


def test_a_hook_on_a_non_leaf_is_refused():
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        (leaf([1.0]) * 2).register_post_accumulate_grad_hook(print)


def test_a_queued_callback_runs_when_backward_ends_after_every_hook():
    from tinygen.autograd.engine import queue_callback

    w1, w2 = leaf([1.0]), leaf([2.0])
    events = []

    def hook(t):
        events.append("hook")
        if len(events) == 1:
            queue_callback(lambda: events.append(("end", w1.grad.item(), w2.grad.item())))

    w1.register_post_accumulate_grad_hook(hook)
    w2.register_post_accumulate_grad_hook(hook)
    (w1 * w2).sum().backward()
    assert events == ["hook", "hook", ("end", 2.0, 1.0)]
    with pytest.raises(RuntimeError, match="no backward"):
        queue_callback(print)


def test_copies_of_a_tensor_leave_its_hooks_behind():
    import copy

    w = leaf([1.0, 2.0])
    calls = []
    w.register_post_accumulate_grad_hook(lambda t: calls.append(t))
    twin = copy.deepcopy(w)
    (twin * 2).sum().backward()
    assert calls == [] and twin.grad.numpy().tolist() == [2.0, 2.0] and twin.requires_grad
    (w * 2).sum().backward()
    assert calls == [w]
