"""The binary models of the chain-rule lecture, side by side: independent pixels, a Markov chain, FVSBN, NADE.

What every one of them must satisfy is checked here for all four at once:
a distribution (probabilities over all 2^D images sum to 1), samples drawn
from that distribution, conditionals that look only backwards, and exactly the
parameter counts the lecture derives. NADE's own checks (against a naive loop
and PyTorch) are in ``test_models_nade.py``.
"""
import itertools

import numpy as np
import pytest
from support.autoregressive_check import assert_autoregressive, assert_fast_sampling_is_exact

import tinygen as tg
from tinygen.models.autoregressive.fvsbn import FVSBN
from tinygen.models.autoregressive.independent import (
    IndependentBernoulli,
    MarkovChain,
    parameter_counts,
)
from tinygen.models.autoregressive.nade import NADE

HIDDEN = 4
MODELS = {
    "independent": IndependentBernoulli,
    "markov chain": MarkovChain,
    "fvsbn": FVSBN,
    "nade": lambda shape, dtype=None: NADE(shape, HIDDEN, dtype=dtype),
}


def make(name, shape, seed=0):
    """A float64 model whose parameters are all drawn from N(0, 1), so no conditional is trivial."""
    tg.manual_seed(seed)
    model = MODELS[name](shape, dtype=tg.float64)
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.data[...] = rng.standard_normal(p.shape)
    return model


def all_binary_images(shape):
    """Every one of the 2^D binary examples of ``shape``, as a float64 batch."""
    size = int(np.prod(shape))
    return tg.tensor(np.array(list(itertools.product([0.0, 1.0], repeat=size))).reshape(-1, *shape))


def random_binary(n, shape, seed=0):
    return tg.tensor(np.random.default_rng(seed).integers(0, 2, (n, *shape)).astype(np.float64))


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("shape", [(1, 2, 2), (1, 1, 5), (2, 1, 3)])
def test_probabilities_of_all_images_sum_to_one(name, shape):
    model = make(name, shape)
    with tg.no_grad():
        total = np.exp(model.log_prob(all_binary_images(shape)).numpy()).sum()
    assert total == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("name", ["markov chain", "fvsbn", "nade"])
def test_conditionals_look_only_at_earlier_pixels(name):
    shape = (1, 3, 3)
    model, x = make(name, shape), random_binary(2, shape)
    assert_autoregressive(model.log_prob_per_dim, x)


def test_independent_pixels_look_at_nothing():
    model, x = make("independent", (1, 2, 2)), random_binary(2, (1, 2, 2))
    context = x.detach().requires_grad_()
    (gradient,) = tg.grad(model.log_prob_per_dim(x, context).sum(), context, allow_unused=True)
    assert gradient is None  # no conditional uses the context at all


def test_an_fvsbn_mask_that_lets_the_diagonal_through_is_caught():
    model, x = make("fvsbn", (1, 2, 2)), random_binary(2, (1, 2, 2))
    model.mask.data = np.tril(np.ones_like(model.mask.data))  # off by one: pixel d sees itself
    with pytest.raises(AssertionError, match="at or after it"):
        assert_autoregressive(model.log_prob_per_dim, x)


@pytest.mark.parametrize("name", MODELS)
def test_step_by_step_conditionals_match_the_parallel_ones(name):
    """The sampler's path (FVSBN's row at a time, NADE's running sum) computes the same logits, and draws
    what the naive sampler draws."""
    model, x = make(name, (1, 2, 3)), random_binary(4, (1, 2, 3))
    assert_fast_sampling_is_exact(model, x.numpy(), n=8)


@pytest.mark.parametrize("name", MODELS)
def test_samples_follow_the_model_distribution(name):
    shape, n = (1, 1, 3), 8000
    model = make(name, shape, seed=1)
    samples = model.sample(n).numpy().reshape(n, 3)
    assert samples.shape == (n, 3) and set(np.unique(samples)) <= {0.0, 1.0}
    images = all_binary_images(shape)
    with tg.no_grad():
        probabilities = np.exp(model.log_prob(images).numpy())
    codes = samples @ np.array([4, 2, 1])  # image -> its index in itertools.product order
    frequencies = np.bincount(codes.astype(int), minlength=8) / n
    five_sigma = 5 * np.sqrt(probabilities * (1 - probabilities) / n)
    assert np.all(np.abs(frequencies - probabilities) <= five_sigma + 1e-3), (frequencies, probabilities)


def test_parameter_counts_are_the_models_parameters():
    shape, n = (1, 2, 3), 6
    counts = parameter_counts(n, hidden_features=HIDDEN)
    assert counts["fully dependent"] == len(all_binary_images(shape)) - 1  # a table of 2^n entries summing to 1
    for name in ("independent", "markov chain", "nade"):
        assert sum(p.numel() for p in make(name, shape).parameters()) == counts[name], name
    # FVSBN stores a full n x n matrix; the entries the mask hides never get a gradient.
    fvsbn = make("fvsbn", shape)
    fvsbn.loss(random_binary(16, shape))[0].backward()
    assert sum(int(np.count_nonzero(p.grad.numpy())) for p in fvsbn.parameters()) == counts["fvsbn"]
    assert parameter_counts(784)["markov chain"] == 2 * 784 - 1


def markov_data(n, size, flip=0.1, seed=0):
    """Binary sequences that start at 1 with probability 0.3 and copy their predecessor with probability 1 - flip."""
    rng = np.random.default_rng(seed)
    x = np.empty((n, size))
    x[:, 0] = rng.random(n) < 0.3
    for d in range(1, size):
        x[:, d] = np.where(rng.random(n) < flip, 1 - x[:, d - 1], x[:, d - 1])
    return x


def train(model, x, steps, lr):
    optimizer = tg.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        model.loss(x)[0].backward()
        optimizer.step()
    with tg.no_grad():
        return model.loss(x)[0].item()


def test_training_fits_the_maximum_likelihood_estimates():
    """Independent pixels learn the pixel means; the Markov chain learns the transition frequencies;
    the models that see the predecessor beat the independent one by the information it carries."""
    shape = (1, 2, 3)
    data = markov_data(512, 6)
    x = tg.tensor(data.reshape(-1, *shape))
    tg.manual_seed(0)
    models = {name: MODELS[name](shape, dtype=tg.float64) for name in MODELS}
    with tg.no_grad():
        start = {name: model.loss(x)[0].item() for name, model in models.items()}
    final = {name: train(model, x, steps=250, lr=0.1) for name, model in models.items()}

    pixel_means = data.mean(0)
    np.testing.assert_allclose(models["independent"].logits.sigmoid().numpy(), pixel_means, atol=0.01)
    chain = models["markov chain"]
    after_one = (data[:, 1:] * data[:, :-1]).sum(0) / data[:, :-1].sum(0)  # p(x_d = 1 | x_{d-1} = 1)
    after_zero = (data[:, 1:] * (1 - data[:, :-1])).sum(0) / (1 - data[:, :-1]).sum(0)
    np.testing.assert_allclose(chain.transition_logits.sigmoid().numpy(), np.stack([after_zero, after_one], 1), atol=0.01)
    np.testing.assert_allclose(chain.first_logit.sigmoid().item(), pixel_means[0], atol=0.01)
    for name in ("markov chain", "fvsbn", "nade"):
        assert final[name] < start[name] - 1.0, (name, start[name], final[name])
        assert final[name] < final["independent"] - 1.0, (name, final)


@pytest.mark.parametrize("name", MODELS)
def test_float32_by_default(name):
    model = MODELS[name]((1, 2, 2))
    x = random_binary(3, (1, 2, 2)).float()
    assert model.log_prob(x).dtype == np.float32 and model.log_prob(x).shape == (3,)
    assert model.sample(2).dtype == np.float32


def test_a_batch_of_the_wrong_shape_is_refused_with_both_shapes():
    model = make("fvsbn", (1, 2, 2))
    with pytest.raises(ValueError, match=r"\(1, 2, 2\).*\(3, 1, 4\)"):
        model.log_prob(tg.zeros(3, 1, 4, dtype=tg.float64))


def test_samples_stay_on_the_models_device():
    with pytest.raises(ValueError, match="move it first"):
        make("markov chain", (1, 2, 2)).sample(2, device="gpu")


def test_the_closed_form_fit_is_the_maximum_of_the_likelihood():
    """With pseudo_count 0 it is the mean of each pixel, where the slope of the log-likelihood is 0; grey levels stand
    for the binary images drawn from them (the fit maximises the expected likelihood of the draws)."""
    grey = np.random.default_rng(0).uniform(0.05, 0.95, (50, 1, 2, 3))
    model = IndependentBernoulli((1, 2, 3), dtype=tg.float64).fit_closed_form(grey, pseudo_count=0)
    np.testing.assert_allclose(tg.sigmoid(model.logits).numpy(), grey.reshape(50, -1).mean(0), rtol=1e-12)
    (-model.log_prob(tg.tensor(grey)).mean()).backward()
    np.testing.assert_allclose(model.logits.grad.numpy(), 0.0, atol=1e-12)
    moved = IndependentBernoulli((1, 2, 3), dtype=tg.float64)
    for shift in (-0.01, 0.01):  # and any step away lowers the likelihood
        moved.logits.data[...] = model.logits.data + shift
        with tg.no_grad():
            assert moved.log_prob(tg.tensor(grey)).mean().item() < model.log_prob(tg.tensor(grey)).mean().item()


def test_the_pseudo_count_keeps_a_pixel_never_seen_inked_possible():
    binary = np.zeros((4, 1, 1, 2))
    binary[:3, 0, 0, 0] = 1.0  # pixel 0 inked in 3 of 4 images, pixel 1 never
    model = IndependentBernoulli((1, 1, 2)).fit_closed_form(tg.tensor(binary))
    np.testing.assert_allclose(tg.sigmoid(model.logits).numpy(), [(3 + 1) / (4 + 2), (0 + 1) / (4 + 2)], rtol=1e-6)
    with pytest.raises(ValueError, match="a pixel is 0 .* in every image.*pass a pseudo_count > 0"):
        IndependentBernoulli((1, 1, 2)).fit_closed_form(binary, pseudo_count=0)
    with pytest.raises(ValueError, match=r"images of shape \(1, 2, 1\) for a model of shape \(1, 1, 2\)"):
        model.fit_closed_form(binary.reshape(4, 1, 2, 1))
