"""EBGAN and BEGAN, the autoencoder discriminators: their losses against hand-computed values on small inputs,
the pulling-away term, BEGAN's k_t controller with its clipping, M_global, and k kept in checkpoints."""
import math

import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.models.gan import MLPGenerator
from tinygen.models.gan.began import BEGAN
from tinygen.models.gan.ebgan import EBGAN, pulling_away
from tinygen.models.gan.networks import AutoencoderDiscriminator


def f64(values):
    return tg.tensor(values, dtype=tg.float64)


class Shrink(nn.Module):
    """A stand-in autoencoder: the code is x itself, the reconstruction a * code; a trainable a."""

    def __init__(self, a):
        super().__init__()
        self.a = nn.Parameter(f64(a))

    def encode(self, x):
        return x.flatten(1)

    def decode(self, code):
        return code * self.a

    def forward(self, x):
        return self.decode(self.encode(x)).reshape(x.shape)


def with_autoencoder(objective, a, **kwargs):
    return objective(MLPGenerator(2, (2,), (4,), tanh=False).double(), Shrink(a), 2, **kwargs)


# ---- EBGAN ---------------------------------------------------------------------------------
def test_ebgan_energies_and_the_margins_hinge_by_hand():
    """With D(v) = 0 (a = 0) the energy is mean(v^2): real energies 0.5 and 1.5, fake ones 0.2 and 3."""
    model = with_autoencoder(EBGAN, 0.0, margin=1.0)
    real = f64([[1.0, 0.0], [1.0, math.sqrt(2)]])
    fake = f64([[math.sqrt(0.4), 0.0], [math.sqrt(3), math.sqrt(3)]])
    np.testing.assert_allclose(model.critic(real).numpy(), [0.5, 1.5], rtol=1e-12)
    loss, terms = model.discriminator_loss(real, fake)
    assert loss.item() == pytest.approx(1.0 + (0.8 + 0.0) / 2, rel=1e-12)  # E[D(x)] + E[[m - D(G(z))]^+]
    assert terms["energy_fake"].item() == pytest.approx(1.6, rel=1e-12)
    # Above the margin a sample no longer moves D: the hinge passes no gradient from the energy of 3.
    model.zero_grad()
    model.discriminator_loss(tg.zeros(1, 2), fake[1:])[0].backward()
    assert model.discriminator.a.grad.item() == 0.0


def test_the_pulling_away_term_by_hand():
    codes = f64([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    # cosines: (1, 2) 0, (1, 3) and (2, 3) 1/sqrt(2); squared and summed over ordered pairs i != j: 2, over 3 * 2 pairs
    assert pulling_away(codes).item() == pytest.approx(1 / 3, rel=1e-6)
    assert pulling_away(f64(np.eye(4))).item() == 0.0  # orthogonal codes: no penalty
    assert pulling_away(f64([[1.0, 2.0]] * 3)).item() == pytest.approx(1.0, rel=1e-6)  # copies: the most
    with pytest.raises(ValueError, match="needs N >= 2"):
        pulling_away(f64([[1.0, 2.0]]))


def test_the_ebgan_generator_loss_is_the_energy_plus_the_weighted_repelling_term():
    model = with_autoencoder(EBGAN, 0.5, pull_away_weight=0.1)
    fake = f64([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    energy = np.mean(((0.5 - 1) * fake.numpy()) ** 2, axis=1).mean()
    loss, terms = model.generator_loss(fake)
    assert loss.item() == pytest.approx(energy + 0.1 / 3, rel=1e-12)
    assert terms["pulling_away"].item() == pytest.approx(1 / 3, rel=1e-12)
    with pytest.raises(ValueError, match="margin m must be > 0"):
        with_autoencoder(EBGAN, 0.0, margin=0)


# ---- BEGAN ---------------------------------------------------------------------------------
def test_began_losses_and_m_global_by_hand():
    """D(v) = v / 2: L(v) = mean |v| / 2. Real L 0.5, fake L 0.15."""
    model = with_autoencoder(BEGAN, 0.5, gamma=0.5)
    real, fake = f64([[1.0, -1.0], [-1.0, 1.0]]), f64([[0.3, -0.3], [0.1, 0.5]])
    model.k.fill_(0.25)
    loss, terms = model.discriminator_loss(real, fake)
    assert loss.item() == pytest.approx(0.5 - 0.25 * 0.15, rel=1e-12)  # L(x) - k_t L(G(z))
    assert (terms["k"], terms["ratio"]) == (0.25, pytest.approx(0.3, rel=1e-12))
    assert terms["m_global"] == pytest.approx(0.5 + abs(0.5 * 0.5 - 0.15), rel=1e-12)
    assert model.generator_loss(fake)[0].item() == pytest.approx(0.15, rel=1e-12)


def test_k_moves_by_lambda_k_times_the_imbalance_and_is_clipped_to_0_1():
    model = with_autoencoder(BEGAN, 0.5, gamma=0.5, lambda_k=0.1)
    real = f64([[1.0, -1.0]])  # L(x) = 0.5, gamma L(x) = 0.25
    expected = 0.0
    for fake_value, step in [(0.1, 0.1 * (0.25 - 0.05)), (0.1, 0.1 * 0.2), (1.0, 0.1 * (0.25 - 0.5))]:
        model.discriminator_loss(real, f64([[fake_value, fake_value]]))  # L(G(z)) = fake_value / 2
        model.after_critic_step()
        expected += step
        assert model.k.item() == pytest.approx(expected, rel=1e-6)
    model.lambda_k = 10.0
    model.discriminator_loss(real, f64([[3.0, 3.0]]))  # far too badly reconstructed samples: k -> 0, not below
    model.after_critic_step()
    assert model.k.item() == 0.0
    model.discriminator_loss(real, f64([[0.0, 0.0]]))  # perfectly reconstructed samples: k -> 1, not above
    model.after_critic_step()
    assert model.k.item() == 1.0
    with pytest.raises(RuntimeError, match="call that first"):
        model.after_critic_step()  # once per discriminator step


def test_k_is_saved_with_the_model_and_bad_settings_are_clear_errors():
    model = BEGAN(MLPGenerator(2, (1, 28, 28), (4,)), AutoencoderDiscriminator(width=4, code_dim=4), 2)
    model.k.fill_(0.375)
    twin = BEGAN(MLPGenerator(2, (1, 28, 28), (4,)), AutoencoderDiscriminator(width=4, code_dim=4), 2)
    twin.load_state_dict(model.state_dict())
    assert twin.k.item() == 0.375
    with pytest.raises(ValueError, match=r"gamma.*must be in \(0, 1\]"):
        with_autoencoder(BEGAN, 0.5, gamma=1.5)
    with pytest.raises(ValueError, match="lambda_k must be >= 0"):
        with_autoencoder(BEGAN, 0.5, lambda_k=-1)
