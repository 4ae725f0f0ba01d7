"""NADE and RNADE: the O(DH) running sum against the naive O(D^2 H) loop, PyTorch, and the density's own laws.

The properties every binary model shares (normalisation, sampling, the
autoregressive property, parameter counts) are checked for NADE with the
others in ``test_models_independent.py``.
"""
import numpy as np
import pytest
from support.autoregressive_check import assert_autoregressive, assert_same_as_twin
from hypothesis import given
from hypothesis import strategies as st
from support.strategies import arrays

import tinygen as tg
from tinygen.models.autoregressive.nade import NADE, hidden_states
from tinygen.models.autoregressive.rnade import RNADE


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def naive_hidden(x, model, d):
    """h_d = sigmoid(c + W[:, <d] x_<d), one matrix product per dimension: the definition, O(D^2 H) in all."""
    weight, hidden_bias = model.weight.numpy(), model.hidden_bias.numpy()
    return sigmoid(hidden_bias + x[:, :d] @ weight[:, :d].T)


def naive_nade_log_prob(x, model):
    total = np.zeros(len(x))
    for d in range(x.shape[1]):
        p = sigmoid(model.output_bias.numpy()[d] + naive_hidden(x, model, d) @ model.output_weight.numpy()[d])
        total += np.log(np.where(x[:, d] == 1, p, 1 - p))
    return total


def naive_rnade_log_prob_per_dim(x, model):
    k = model.components
    columns = []
    for d in range(x.shape[1]):
        params = naive_hidden(x, model, d) @ model.output_weight.numpy()[d].T + model.output_bias.numpy()[d]
        logits, means, log_scales = params[:, :k], params[:, k : 2 * k], params[:, 2 * k :]
        log_weights = logits - np.log(np.exp(logits).sum(1, keepdims=True))
        z = (x[:, d : d + 1] - means) / np.exp(log_scales)
        log_components = log_weights - 0.5 * np.log(2 * np.pi) - log_scales - 0.5 * z**2
        columns.append(np.log(np.exp(log_components).sum(1)))
    return np.stack(columns, 1)


@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**16))
def test_nade_running_sum_equals_the_naive_loop(num_dims, hidden, n, seed):
    tg.manual_seed(seed)
    model = NADE((num_dims,), hidden, dtype=tg.float64)
    x = np.random.default_rng(seed).integers(0, 2, (n, num_dims)).astype(np.float64)
    np.testing.assert_allclose(model.log_prob(tg.tensor(x)).numpy(), naive_nade_log_prob(x, model), rtol=1e-12)


@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.data())
def test_hidden_states_gradients(n, num_dims, hidden, data):
    x, weight, hidden_bias = (tg.tensor(data.draw(arrays(shape)), requires_grad=True)
                              for shape in [(n, num_dims), (hidden, num_dims), (hidden,)])  # fmt: skip
    tg.gradcheck(hidden_states, x, weight, hidden_bias)
    tg.gradgradcheck(hidden_states, x, weight, hidden_bias)


def test_nade_matches_pytorch():
    torch = pytest.importorskip("torch")
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models.nade import NADE as TorchNADE

    shape, hidden = (1, 3, 3), 5
    tg.manual_seed(0)
    model = NADE(shape, hidden, dtype=tg.float64)
    twin = copy_weights(model, TorchNADE(shape, hidden, dtype=torch.float64))
    x = np.random.default_rng(0).integers(0, 2, (4, *shape)).astype(np.float64)
    assert_same_as_twin(model, twin, x)


def make_rnade(num_dims, hidden=6, components=3, seed=0):
    tg.manual_seed(seed)
    return RNADE((num_dims,), hidden, components, dtype=tg.float64)


def test_rnade_density_integrates_to_one():
    model = make_rnade(2)
    grid = np.linspace(-10, 10, 401)
    points = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    with tg.no_grad():
        density = np.exp(model.log_prob(tg.tensor(points)).numpy())
    assert density.sum() * (grid[1] - grid[0]) ** 2 == pytest.approx(1.0, abs=1e-4)


@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**16))
def test_rnade_equals_the_naive_loop(num_dims, components, seed):
    model = make_rnade(num_dims, components=components, seed=seed)
    x = np.random.default_rng(seed).standard_normal((3, num_dims))
    np.testing.assert_allclose(model.log_prob_per_dim(tg.tensor(x)).numpy(), naive_rnade_log_prob_per_dim(x, model),
                               rtol=1e-10)  # fmt: skip


def test_rnade_conditionals_look_only_at_earlier_dimensions():
    model = make_rnade(4)
    assert_autoregressive(model.log_prob_per_dim, np.random.default_rng(0).standard_normal((2, 4)))


def test_rnade_gradients():
    model = make_rnade(3, hidden=3, components=2)
    x = tg.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    tg.gradcheck(lambda *inputs: model.log_prob(x), x, *model.parameters())


def test_rnade_samples_follow_its_density():
    """First and second moments of the samples against the same moments integrated over the density."""
    model, n = make_rnade(2, seed=3), 20000
    samples = model.sample(n).numpy()
    assert samples.shape == (n, 2)
    grid = np.linspace(-10, 10, 401)
    points = np.stack(np.meshgrid(grid, grid), -1).reshape(-1, 2)
    with tg.no_grad():
        weights = np.exp(model.log_prob(tg.tensor(points)).numpy()) * (grid[1] - grid[0]) ** 2
    features = lambda v: np.stack([v[:, 0], v[:, 1], v[:, 0] ** 2, v[:, 1] ** 2, v[:, 0] * v[:, 1]], 1)
    expected, sampled = weights @ features(points), features(samples).mean(0)
    spread = features(samples).std(0) / np.sqrt(n)
    assert np.all(np.abs(sampled - expected) < 5 * spread), (sampled, expected)


def test_rnade_learns_a_ring_better_than_any_gaussian():
    rng = np.random.default_rng(0)
    angle, radius = rng.uniform(0, 2 * np.pi, 512), 1 + 0.05 * rng.standard_normal(512)
    ring = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    # The best Gaussian (full covariance) has NLL 1/2 log det(2 pi e Sigma) per point.
    gaussian_nll = 0.5 * np.linalg.slogdet(2 * np.pi * np.e * np.cov(ring.T, bias=True))[1]
    model = make_rnade(2, hidden=16, components=6)
    x = tg.tensor(ring)
    optimizer = tg.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(300):
        optimizer.zero_grad()
        model.loss(x)[0].backward()
        optimizer.step()
    with tg.no_grad():
        assert model.loss(x)[0].item() < gaussian_nll - 0.5
