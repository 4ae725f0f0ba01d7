"""The GAN's theory, checked on 1-D data whose densities are known (Goodfellow et al., 2014, section 4).

For a fixed generator, the discriminator that maximises

    V(D, G) = E_{p_data}[ log D(x) ] + E_{p_g}[ log(1 - D(x)) ]

is D*(x) = p_data(x) / (p_data(x) + p_g(x)), and V(D*, G) = -log 4 + 2 JSD(p_data || p_g).
Here p_data = N(0, 1) and the generator is the fixed affine map G(z) = 1 + z / 2, so
p_g = N(1, 1/4). A small MLP discriminator trained with the GAN's own
``discriminator_loss`` (= -V on a batch) on fresh samples should approach D*, and
its value, integrated against the two known densities by the trapezoid rule,
should approach -log 4 + 2 JSD, itself computed by quadrature.

The tolerances sit about 1.5x above what 1,200 Adam steps on batches of 1,024
(lr 1e-2, cosine decay) reached over seeds 0-3: |D - D*| at most 0.019-0.026
wherever the mixture (p_data + p_g) / 2 exceeds 0.01 (x in about [-2.4, 2.6],
99% of the mass), 0.0013-0.0021 on average under the mixture, and V below
V(D*) by 0.9e-4-1.3e-4 (a gap second order in D - D*). Beyond that interval a
batch of 1,024 holds almost no points and D there is an extrapolation, so it
is not compared.
"""
import math

import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.models.gan import GAN, MLPDiscriminator

X = np.linspace(-8.0, 8.0, 16001)  # the quadrature grid: both densities are below 1e-13 outside it
STEPS, BATCH = 1200, 1024


def normal_log_pdf(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - math.log(std * math.sqrt(2 * math.pi))


LOG_P_DATA, LOG_P_G = normal_log_pdf(X, 0.0, 1.0), normal_log_pdf(X, 1.0, 0.5)
P_DATA, P_G = np.exp(LOG_P_DATA), np.exp(LOG_P_G)
D_STAR_LOGITS = LOG_P_DATA - LOG_P_G  # D* = p_data / (p_data + p_g) = sigmoid(log p_data - log p_g)


def kl(p, q):
    return np.trapezoid(p * np.log(p / q), X)


def jsd(p, q):
    mixture = (p + q) / 2
    return (kl(p, mixture) + kl(q, mixture)) / 2


def value(logits):
    """V(D, G) by quadrature against the known densities, D = sigmoid(logits) on the grid."""
    log_d, log_one_minus_d = -np.logaddexp(0, -logits), -np.logaddexp(0, logits)
    return np.trapezoid(P_DATA * log_d + P_G * log_one_minus_d, X)


def logits_on_grid(model):
    with tg.no_grad():
        return model.critic(tg.tensor(X[:, None])).numpy()


def fixed_generator_gan(seed):
    """A GAN whose generator is G(z) = 1 + z / 2, frozen, and whose discriminator is an MLP, in float64."""
    tg.manual_seed(seed)
    generator = nn.Linear(1, 1)
    with tg.no_grad():
        generator.weight.fill_(0.5)
        generator.bias.fill_(1.0)
    generator.requires_grad_(False)
    return GAN(generator, MLPDiscriminator((1,), hidden_sizes=(32, 32)), latent_dim=1).double()


def test_the_quadrature_is_exact_enough_and_the_optimal_discriminator_attains_minus_log_4_plus_2_jsd():
    assert np.trapezoid(P_DATA, X) == pytest.approx(1, abs=1e-12) and np.trapezoid(P_G, X) == pytest.approx(1, abs=1e-12)
    assert value(D_STAR_LOGITS) == pytest.approx(-math.log(4) + 2 * jsd(P_DATA, P_G), abs=1e-10)
    assert 0.1 < jsd(P_DATA, P_G) < 0.5 * math.log(2)  # neither identical nor disjoint: a fair test


def test_a_discriminator_trained_to_convergence_approaches_d_star_and_the_value_approaches_the_jsd():
    model = fixed_generator_gan(seed=0)
    d_optimizer, _ = model.optimizers(lr=1e-2)
    schedule = tg.optim.lr_scheduler.CosineAnnealingLR(d_optimizer, T_max=STEPS)  # small last steps: less noise
    best_value = -math.log(4) + 2 * jsd(P_DATA, P_G)
    assert best_value - value(logits_on_grid(model)) > 0.05  # the untrained discriminator is far from it

    for _ in range(STEPS):
        real, fake = tg.randn(BATCH, 1, dtype=tg.float64), model.sample(BATCH)
        loss, _ = model.discriminator_loss(real, fake)
        d_optimizer.zero_grad()
        loss.backward()
        d_optimizer.step()
        schedule.step()

    logits = logits_on_grid(model)
    d, d_star = 1 / (1 + np.exp(-logits)), 1 / (1 + np.exp(-D_STAR_LOGITS))
    mixture = (P_DATA + P_G) / 2
    where_the_data_is = mixture > 0.01
    assert np.abs(d - d_star)[where_the_data_is].max() < 0.04
    assert np.trapezoid(mixture * np.abs(d - d_star), X) < 0.004
    # D* maximises V: the trained D's value is below it, and close.
    assert 0 <= best_value - value(logits) < 3e-4
    # The loss the loop minimises is -V on a batch: on a large one it is the same number, up to sampling error.
    with tg.no_grad():
        large_batch_loss, _ = model.discriminator_loss(tg.randn(200_000, 1, dtype=tg.float64), model.sample(200_000))
    assert -large_batch_loss.item() == pytest.approx(value(logits), abs=0.005)
