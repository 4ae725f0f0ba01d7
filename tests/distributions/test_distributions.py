"""The distributions: log_prob, entropy and KL against torch.distributions (float64,
hypothesis-drawn shapes and values), gradients by first- and second-order gradcheck,
sample moments with a fixed seed, and the errors bad input gets."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.strategies import arrays, shapes

import tinygen as tg
from tinygen.distributions import (
    Bernoulli,
    Categorical,
    MixtureOfGaussians,
    Normal,
    bits_per_dim,
    kl_divergence,
)

torch = pytest.importorskip("torch")
TD = torch.distributions


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def same(mine, theirs):
    np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def check_both_orders(fn, *inputs):
    tg.gradcheck(fn, *inputs)
    tg.gradgradcheck(fn, *inputs)


@st.composite
def normal_parameters(draw):
    shape = draw(shapes())
    return draw(arrays(shape)), draw(arrays(shape, 0.3, 3.0))


@st.composite
def class_scores(draw, min_classes=1):
    """Logits of shape batch + (K,)."""
    batch, classes = draw(shapes(max_dims=2)), draw(st.integers(min_classes, 4))
    return draw(arrays(batch + (classes,)))


def labels_for(scores, seed=0):
    return np.random.default_rng(seed).integers(0, scores.shape[-1], size=scores.shape[:-1])


def probabilities(logits):
    return np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)


# ---- agreement with torch.distributions ---------------------------------------------------
@given(params=normal_parameters(), data=st.data())
def test_normal_matches_torch(params, data):
    loc, scale = params
    value = data.draw(arrays(loc.shape, -4.0, 4.0))
    mine, theirs = Normal(tg.tensor(loc), tg.tensor(scale)), TD.Normal(torch.tensor(loc), torch.tensor(scale))
    same(mine.log_prob(value), theirs.log_prob(torch.tensor(value)))
    same(mine.entropy(), theirs.entropy())
    same(mine.mean, theirs.mean)
    same(mine.stddev, theirs.stddev)


@given(logits=arrays(shapes()), use_probs=st.booleans())
def test_bernoulli_matches_torch(logits, use_probs):
    value = (np.random.default_rng(0).random(logits.shape) < 0.5).astype(np.float64)
    if use_probs:
        probs = 1 / (1 + np.exp(-logits))
        mine, theirs = Bernoulli(probs=tg.tensor(probs)), TD.Bernoulli(probs=torch.tensor(probs))
    else:
        mine, theirs = Bernoulli(logits=tg.tensor(logits)), TD.Bernoulli(logits=torch.tensor(logits))
    same(mine.log_prob(value), theirs.log_prob(torch.tensor(value)))
    same(mine.entropy(), theirs.entropy())
    same(mine.variance, theirs.variance)


@given(logits=class_scores(), use_probs=st.booleans())
def test_categorical_matches_torch(logits, use_probs):
    labels = labels_for(logits)
    if use_probs:
        probs = probabilities(logits) * 3  # unnormalised: both frameworks normalise
        mine, theirs = Categorical(probs=tg.tensor(probs)), TD.Categorical(probs=torch.tensor(probs))
    else:
        mine, theirs = Categorical(logits=tg.tensor(logits)), TD.Categorical(logits=torch.tensor(logits))
    same(mine.log_prob(labels), theirs.log_prob(torch.tensor(labels)))
    same(mine.entropy(), theirs.entropy())
    same(mine.logits, theirs.logits)
    same(mine.probs, theirs.probs)


def test_categorical_log_prob_broadcasts_sample_axes_like_torch():
    logits = np.random.default_rng(1).standard_normal((3, 5))
    labels = np.random.default_rng(2).integers(0, 5, size=(4, 3))  # 4 samples of a batch of 3
    mine = Categorical(logits=tg.tensor(logits)).log_prob(labels)
    same(mine, TD.Categorical(logits=torch.tensor(logits)).log_prob(torch.tensor(labels)))


@given(logits=class_scores(), data=st.data())
def test_mixture_matches_torch_and_brute_force(logits, data):
    loc, scale = data.draw(arrays(logits.shape)), data.draw(arrays(logits.shape, 0.5, 2.0))
    value = data.draw(arrays(logits.shape[:-1], -3.0, 3.0))
    mine = MixtureOfGaussians(tg.tensor(logits), tg.tensor(loc), tg.tensor(scale))
    theirs = TD.MixtureSameFamily(TD.Categorical(logits=torch.tensor(logits)), TD.Normal(torch.tensor(loc), torch.tensor(scale)))
    log_p = mine.log_prob(value)
    same(log_p, theirs.log_prob(torch.tensor(value)))
    same(mine.mean, theirs.mean)
    same(mine.variance, theirs.variance)
    # Brute force: log of the sum of weighted densities, no log-sum-exp.
    densities = np.exp(-0.5 * ((value[..., None] - loc) / scale) ** 2) / (scale * math.sqrt(2 * math.pi))
    np.testing.assert_allclose(log_p.numpy(), np.log((probabilities(logits) * densities).sum(-1)), rtol=1e-10)


@given(p=normal_parameters(), data=st.data())
def test_kl_normal_normal_matches_torch(p, data):
    q_loc, q_scale = data.draw(arrays(p[0].shape)), data.draw(arrays(p[0].shape, 0.3, 3.0))
    mine = kl_divergence(Normal(*map(tg.tensor, p)), Normal(tg.tensor(q_loc), tg.tensor(q_scale)))
    same(mine, TD.kl_divergence(TD.Normal(*map(torch.tensor, p)), TD.Normal(torch.tensor(q_loc), torch.tensor(q_scale))))


@given(p=arrays(shapes()), data=st.data())
def test_kl_bernoulli_bernoulli_matches_torch(p, data):
    q = data.draw(arrays(p.shape))
    mine = kl_divergence(Bernoulli(logits=tg.tensor(p)), Bernoulli(logits=tg.tensor(q)))
    same(mine, TD.kl_divergence(TD.Bernoulli(logits=torch.tensor(p)), TD.Bernoulli(logits=torch.tensor(q))))


@given(p=class_scores(), data=st.data())
def test_kl_categorical_categorical_matches_torch(p, data):
    q = data.draw(arrays(p.shape))
    mine = kl_divergence(Categorical(logits=tg.tensor(p)), Categorical(logits=tg.tensor(q)))
    same(mine, TD.kl_divergence(TD.Categorical(logits=torch.tensor(p)), TD.Categorical(logits=torch.tensor(q))))


def test_kl_against_the_standard_normal_is_the_vae_prior_term():
    mu, sigma = np.array([0.3, -1.2, 2.0]), np.array([0.5, 1.0, 1.7])
    kl = kl_divergence(Normal(tg.tensor(mu), tg.tensor(sigma)), Normal(0.0, 1.0))
    np.testing.assert_allclose(kl.numpy(), 0.5 * (sigma**2 + mu**2 - 1 - np.log(sigma**2)), rtol=1e-12)


def test_kl_of_a_distribution_with_itself_is_zero():
    rng = np.random.default_rng(3)
    logits, loc, scale = rng.standard_normal((2, 5)), rng.standard_normal((2, 5)), rng.random((2, 5)) + 0.5
    for p in (Normal(tg.tensor(loc), tg.tensor(scale)), Bernoulli(logits=tg.tensor(logits)), Categorical(logits=tg.tensor(logits))):
        np.testing.assert_allclose(kl_divergence(p, p).numpy(), 0, atol=1e-14)


# ---- gradients -------------------------------------------------------------------------------
@given(params=normal_parameters(), data=st.data())
def test_normal_gradients(params, data):
    loc, scale = leaf(params[0]), leaf(params[1])
    value, noise = leaf(data.draw(arrays(loc.shape))), tg.tensor(data.draw(arrays(loc.shape)))
    check_both_orders(lambda m, s, x: Normal(m, s).log_prob(x), loc, scale, value)
    check_both_orders(lambda m, s: Normal(m, s).rsample(noise=noise), loc, scale)
    tg.gradcheck(lambda s: Normal(0.0, s).entropy(), scale)


@given(p=normal_parameters(), data=st.data())
def test_kl_normal_gradients(p, data):
    q = data.draw(arrays(p[0].shape)), data.draw(arrays(p[0].shape, 0.3, 3.0))
    check_both_orders(lambda m1, s1, m2, s2: kl_divergence(Normal(m1, s1), Normal(m2, s2)), *map(leaf, p + q))


@given(logits=arrays(shapes()), data=st.data())
def test_bernoulli_gradients(logits, data):
    value = leaf(data.draw(arrays(logits.shape, 0.0, 1.0)))  # cross-entropy of grey levels is smooth in them too
    other = leaf(data.draw(arrays(logits.shape)))
    logits = leaf(logits)
    check_both_orders(lambda z, x: Bernoulli(logits=z).log_prob(x), logits, value)
    check_both_orders(lambda z: Bernoulli(logits=z).entropy(), logits)
    check_both_orders(lambda z1, z2: kl_divergence(Bernoulli(logits=z1), Bernoulli(logits=z2)), logits, other)
    probs = leaf(1 / (1 + np.exp(-logits.numpy())) * 0.9 + 0.05)  # inside (0, 1), away from the clamp
    tg.gradcheck(lambda p: Bernoulli(probs=p).log_prob(value.detach()), probs)


@given(logits=class_scores(), data=st.data())
def test_categorical_gradients(logits, data):
    labels, other = labels_for(logits), leaf(data.draw(arrays(logits.shape)))
    logits = leaf(logits)
    check_both_orders(lambda z: Categorical(logits=z).log_prob(labels), logits)
    check_both_orders(lambda z: Categorical(logits=z).entropy(), logits)
    tg.gradcheck(lambda z1, z2: kl_divergence(Categorical(logits=z1), Categorical(logits=z2)), logits, other)


@given(logits=class_scores(), data=st.data())
def test_mixture_gradients(logits, data):
    loc, scale = leaf(data.draw(arrays(logits.shape))), leaf(data.draw(arrays(logits.shape, 0.5, 2.0)))
    value = leaf(data.draw(arrays(logits.shape[:-1])))
    check_both_orders(lambda z, m, s, x: MixtureOfGaussians(z, m, s).log_prob(x), leaf(logits), loc, scale, value)


# ---- sampling: moments within a few standard errors, with a fixed seed -----------------------
COUNT = 40_000


def assert_moments(samples, mean, variance, within=5.0):
    """Sample mean within ``within`` standard errors of ``mean``; sample variance within ``within``
    standard errors of ``variance`` (from the fourth moment) plus the squared error the mean may
    carry into it (which is all there is for a fair coin, whose variance m (1 - m) is fixed by m)."""
    n = samples.shape[0]
    np.testing.assert_array_less(np.abs(samples.mean(0) - mean), within * np.sqrt(variance / n))
    fourth = ((samples - mean) ** 4).mean(0)
    tolerance = within * np.sqrt((fourth - variance**2) / n) + within**2 * variance / n
    np.testing.assert_array_less(np.abs(samples.var(0) - variance), tolerance)


def test_samples_have_the_right_moments():
    tg.manual_seed(0)
    logits = tg.tensor([[1.0, -0.5, 0.2], [0.0, 2.0, -1.0]], dtype=tg.float64)
    loc, scale = tg.tensor([[-2.0, 0.5, 3.0]], dtype=tg.float64), tg.tensor([[0.5, 0.7, 0.4]], dtype=tg.float64)
    for d in (Normal(loc, scale), Bernoulli(logits=logits), MixtureOfGaussians(logits, loc, scale)):
        samples = d.sample((COUNT,))
        assert samples.shape == (COUNT,) + d.batch_shape
        assert_moments(samples.numpy(), d.mean.numpy(), d.variance.numpy())


def test_categorical_frequencies_match_the_probabilities():
    tg.manual_seed(0)
    d = Categorical(logits=tg.tensor([[1.0, -0.5, 0.2, 0.0], [3.0, -2.0, 0.0, 1.0]], dtype=tg.float64))
    samples = d.sample((COUNT,)).numpy()
    assert samples.shape == (COUNT, 2) and samples.dtype == np.int64
    for row in range(2):
        frequencies = np.bincount(samples[:, row], minlength=4) / COUNT
        p = d.probs.numpy()[row]
        np.testing.assert_array_less(np.abs(frequencies - p), 5 * np.sqrt(p * (1 - p) / COUNT) + 1e-12)


def test_rsample_is_the_reparameterisation_and_seeding_repeats_samples():
    loc, scale = leaf([0.5, -1.0]), leaf([2.0, 0.1])
    noise = tg.tensor(np.array([[0.3, -1.1], [1.5, 0.2]]))
    z = Normal(loc, scale).rsample((2,), noise=noise)
    np.testing.assert_allclose(z.numpy(), loc.numpy() + scale.numpy() * noise.numpy())
    z.sum().backward()
    np.testing.assert_allclose(scale.grad.numpy(), noise.numpy().sum(0))  # dz/dsigma = eps
    draws = []
    for _ in range(2):
        tg.manual_seed(7)
        d = MixtureOfGaussians(tg.zeros(3), tg.tensor([-1.0, 0.0, 1.0]), tg.ones(3))
        draws.append([d.sample(5).numpy(), Normal(loc, scale).rsample().numpy(),
                      Bernoulli(probs=0.3).sample(4).numpy(), Categorical(logits=tg.zeros(3)).sample(4).numpy()])  # fmt: skip
    for first, second in zip(*draws):
        np.testing.assert_array_equal(first, second)
    assert Normal(loc, scale).sample().requires_grad is False


def test_float32_by_default():
    d = Normal(tg.zeros(3), 1.0)
    assert d.scale.dtype == np.float32 and d.sample(2).dtype == np.float32 and d.log_prob(np.zeros(3)).dtype == np.float32
    assert Bernoulli(probs=[0.2, 0.5]).sample().dtype == np.float32


# ---- reporting -------------------------------------------------------------------------------
def test_bits_per_dim():
    assert bits_per_dim(784 * math.log(2), 784) == pytest.approx(1.0)
    np.testing.assert_allclose(bits_per_dim(tg.tensor([256 * 8 * math.log(2)]), 256).numpy(), [8.0], rtol=1e-6)
    with pytest.raises(ValueError, match="num_dims must be a positive integer"):
        bits_per_dim(1.0, 0)


# ---- errors ----------------------------------------------------------------------------------
def test_errors_say_what_was_wrong():
    with pytest.raises(ValueError, match="scale must be positive"):
        Normal(0.0, tg.tensor([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"loc of shape \(2,\), scale of shape \(3,\)"):
        Normal(tg.zeros(2), tg.ones(3))
    with pytest.raises(ValueError, match="exactly one of probs= and logits="):
        Bernoulli(probs=0.5, logits=0.0)
    with pytest.raises(ValueError, match="exactly one of probs= and logits="):
        Categorical()
    with pytest.raises(ValueError, match=r"probs must lie in \[0, 1\]"):
        Bernoulli(probs=[0.5, 1.5])
    with pytest.raises(ValueError, match="need a last axis"):
        Categorical(logits=tg.tensor(1.0))
    with pytest.raises(TypeError, match="integer class labels"):
        Categorical(logits=tg.zeros(3)).log_prob(tg.tensor([1.0]))
    with pytest.raises(ValueError, match=r"value of shape \(4,\) does not broadcast against the batch_shape \(3,\)"):
        Normal(tg.zeros(3), 1.0).log_prob(np.zeros(4))
    with pytest.raises(ValueError, match=r"noise of shape \(3,\) given, sample_shape \+ batch_shape is \(2, 3\)"):
        Normal(tg.zeros(3), 1.0).rsample((2,), noise=tg.zeros(3))
    with pytest.raises(NotImplementedError, match="no reparameterised sample"):
        Bernoulli(probs=0.5).rsample()
    mixture = MixtureOfGaussians(tg.zeros(2), tg.zeros(2), tg.ones(2))
    with pytest.raises(NotImplementedError, match="no reparameterised sample"):
        mixture.rsample()
    with pytest.raises(NotImplementedError, match="no closed-form entropy"):
        mixture.entropy()
    with pytest.raises(NotImplementedError, match=r"no closed form for KL\(MixtureOfGaussians \|\| Normal\)"):
        kl_divergence(mixture, Normal(0.0, 1.0))
    with pytest.raises(ValueError, match=r"batch shapes \(2,\) of p and \(3,\) of q"):
        kl_divergence(Normal(tg.zeros(2), 1.0), Normal(tg.zeros(3), 1.0))


@pytest.mark.gpu
def test_sampling_and_log_prob_on_the_gpu():
    tg.manual_seed(0)
    logits = tg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), device="gpu")
    for d in (Normal(logits, 1.0), Bernoulli(logits=logits), Categorical(logits=logits), MixtureOfGaussians(logits, logits, 1.0)):
        x = d.sample((4,))
        assert x.device == "gpu" and x.shape == (4,) + d.batch_shape
        assert np.isfinite(d.log_prob(x).numpy()).all()
    np.testing.assert_allclose(Categorical(logits=logits).log_prob(tg.tensor([0, 2], device="gpu")).numpy(),
                               Categorical(logits=logits.cpu()).log_prob([0, 2]).numpy(), rtol=1e-6)  # fmt: skip


def test_a_collapsed_scale_says_the_run_probably_diverged():
    """A VAE trained at --lr 1 underflows exp(log sigma^2 / 2) to 0: the error names the likely cause and the fix."""
    with pytest.raises(ValueError, match=r"smallest value of 0\.0; in training this usually means the run diverged.*"
                                         r"lower the learning rate"):  # fmt: skip
        Normal(tg.zeros(3), tg.tensor([1.0, 0.0, 2.0]))
