"""StarGAN's losses against hand computations on linear networks, its phases, and its two-headed discriminator."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.models.translation import ResidualGenerator
from tinygen.models.translation.stargan import AttributeDiscriminator, StarGAN

N, K, SHAPE = 4, 2, (1, 3, 3)
PIXELS = int(np.prod(SHAPE))


class ShiftGenerator(nn.Module):
    """G(x, c) = x + c V: each attribute adds its own pattern."""

    def __init__(self, patterns):
        super().__init__()
        self.patterns = nn.Parameter(tg.tensor(patterns))

    def forward(self, x, c):
        return x + (c @ self.patterns).reshape(x.shape)


class LinearCritic(nn.Module):
    """D_src(x) = <A, x> as a 1x1 map, D_cls(x) = x B: its input gradient is A wherever it is taken."""

    def __init__(self, a, b):
        super().__init__()
        self.a, self.b = nn.Parameter(tg.tensor(a)), nn.Parameter(tg.tensor(b))

    def forward(self, x):
        flat = x.flatten(1)
        return (flat * self.a).sum(1).reshape(-1, 1, 1, 1), flat @ self.b


def toy(seed=0):
    rng = np.random.default_rng(seed)
    v, a, b = rng.normal(size=(K, PIXELS)), rng.normal(size=PIXELS), rng.normal(size=(PIXELS, K))
    x, c = rng.normal(size=(N, *SHAPE)), np.array([[0, 1], [1, 0], [1, 1], [0, 0]], dtype=np.float64)
    target = c[[2, 0, 3, 1]]
    model = StarGAN(ShiftGenerator(v), LinearCritic(a, b), K, classification_weight=0.7, reconstruction_weight=3.0,
                    penalty_weight=5.0)  # fmt: skip
    return model, (x, c, target), (v, a, b)


def bce_sum(logits, c):
    """sum_k -[c log sigmoid(l) + (1 - c) log(1 - sigmoid(l))] per example, averaged: by hand."""
    return np.mean(np.sum(c * np.logaddexp(0, -logits) + (1 - c) * np.logaddexp(0, logits), axis=1))


def test_the_classification_loss_sums_the_attributes_binary_cross_entropies_and_averages_the_batch():
    model, _, _ = toy()
    logits, c = np.array([[0.0, 2.0], [-1.0, 0.5]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    hand = (np.log(2) + np.log(1 + np.exp(2)) + np.log(1 + np.exp(-1)) + np.log(1 + np.exp(-0.5))) / 2
    assert bce_sum(logits, c) == pytest.approx(hand, rel=1e-14)
    assert model.classification_loss(tg.tensor(logits), tg.tensor(c)).item() == pytest.approx(hand, rel=1e-14)


def test_the_discriminator_loss_is_minus_the_wasserstein_estimate_plus_penalty_and_real_classification():
    model, (x, c, target), (v, a, b) = toy()
    loss, terms = model.discriminator_loss(tg.tensor(x), tg.tensor(c), tg.tensor(target))
    flat, fake = x.reshape(N, -1), x.reshape(N, -1) + target @ v
    wasserstein = np.mean(flat @ a) - np.mean(fake @ a)
    penalty = (np.linalg.norm(a) - 1) ** 2  # a linear critic's input gradient is A on every line
    classification = bce_sum(flat @ b, c)
    assert terms["wasserstein"].item() == pytest.approx(wasserstein, rel=1e-12)
    assert terms["gradient_penalty"].item() == pytest.approx(penalty, rel=1e-12)
    assert terms["d_classification_real"].item() == pytest.approx(classification, rel=1e-12)
    assert loss.item() == pytest.approx(-wasserstein + 5.0 * penalty + 0.7 * classification, rel=1e-12)


def test_the_generator_loss_fools_the_critic_is_classified_as_the_target_and_cycles_back():
    model, (x, c, target), (v, a, b) = toy()
    loss, terms = model.generator_loss(tg.tensor(x), tg.tensor(c), tg.tensor(target))
    fake = x.reshape(N, -1) + target @ v
    adversarial, classification = -np.mean(fake @ a), bce_sum(fake @ b, target)
    reconstruction = np.mean(np.abs(x.reshape(N, -1) - (fake + c @ v)))  # G(G(x, c'), c) = x + c'V + cV
    assert terms["g_adversarial"].item() == pytest.approx(adversarial, rel=1e-12)
    assert terms["g_classification_fake"].item() == pytest.approx(classification, rel=1e-12)
    assert terms["reconstruction"].item() == pytest.approx(reconstruction, rel=1e-12)
    assert loss.item() == pytest.approx(adversarial + 0.7 * classification + 3.0 * reconstruction, rel=1e-12)


def test_the_discriminator_loss_gradient_through_the_penalty_matches_central_differences():
    model, (x, c, target), _ = toy()
    eps = tg.tensor(np.random.default_rng(1).random(N))
    x, c, target = tg.tensor(x), tg.tensor(c), tg.tensor(target)
    weights = [model.discriminator.a, model.discriminator.b]
    assert tg.gradcheck(lambda *_: model.discriminator_loss(x, c, target, eps)[0], *weights, rtol=1e-6, atol=1e-9)


def test_targets_are_the_batchs_own_attributes_reordered():
    tg.manual_seed(0)
    model, (_, c, _), _ = toy()
    target = model.target_attributes(tg.tensor(c)).numpy()
    assert sorted(map(tuple, target)) == sorted(map(tuple, c))
    assert not np.array_equal(target, c)  # this seed's permutation moves rows


def test_the_generator_steps_once_per_n_critic_and_each_phase_holds_only_its_own_network():
    model, _, _ = toy()
    phases = model.phases()
    assert list(phases) == ["discriminator", "generator"]
    assert phases["discriminator"].every == 1 and phases["generator"].every == 5
    (_, d_optimizer), (_, g_optimizer) = phases.values()
    held = [{id(p) for group in optimizer.param_groups for p in group["params"]} for optimizer in (d_optimizer, g_optimizer)]
    assert held == [{id(p) for p in model.discriminator.parameters()}, {id(p) for p in model.generator.parameters()}]
    assert d_optimizer.defaults["lr"] == 1e-4 and d_optimizer.defaults["betas"] == (0.5, 0.999)


def test_wrong_attributes_and_sampling_from_noise_are_refused_with_what_to_do():
    model, (x, c, _), _ = toy()
    with pytest.raises(ValueError, match=r"c of shape \(4, 2\)"):
        model.translate(tg.tensor(x), tg.tensor(c[:, :1]))
    with pytest.raises(ValueError, match="attributes"):
        model.discriminator_loss(tg.tensor(x), None)
    with pytest.raises(TypeError, match="translate"):
        model.sample(3)


def test_the_digit_networks_translate_to_the_same_shape_and_the_critic_has_two_heads():
    tg.manual_seed(0)
    model = StarGAN(ResidualGenerator(width=4, blocks=1, condition_dim=K), AttributeDiscriminator(K, width=4), K)
    x, c = tg.randn(3, 1, 28, 28), tg.tensor(np.array([[0, 1], [1, 1], [0, 0]], dtype=np.float32))
    translated = model.translate(x, c)
    scores, logits = model.discriminator(translated)
    assert translated.shape == (3, 1, 28, 28) and float(translated.abs().max()) <= 1
    assert scores.shape == (3, 1, 7, 7) and logits.shape == (3, K)
    loss, terms = model.loss(x, c)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    assert {"d_loss", "g_loss", "wasserstein", "reconstruction"} <= set(terms)


def test_the_generator_sees_the_target_through_its_constant_maps():
    # instance norm after the first convolution would subtract the maps' constant contribution: G would ignore c
    tg.manual_seed(0)
    generator = ResidualGenerator(width=4, blocks=1, condition_dim=K)
    x = tg.randn(2, 1, 28, 28)
    thin, thick = (generator(x, tg.tensor(np.full((2, K), value, dtype=np.float32))).numpy() for value in (0.0, 1.0))
    assert np.abs(thin - thick).max() > 0.1
