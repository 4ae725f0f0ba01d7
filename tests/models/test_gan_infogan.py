"""InfoGAN: the mutual-information bound against hand-computed values (tight at the true posterior), the codes'
distributions, which player each term trains, and clear errors."""
import math

import numpy as np
import pytest

import tinygen as tg
from tinygen.models.gan import MLPDiscriminator, MLPGenerator
from tinygen.models.gan.infogan import InfoGAN, q_head

NOISE, HIDDEN = 3, 8


def tiny(categories=10, continuous=2):
    tg.manual_seed(0)
    width = NOISE + categories + continuous
    return InfoGAN(MLPGenerator(width, (2,), (HIDDEN,), tanh=False), MLPDiscriminator((2,), (HIDDEN,)),
                   q_head(HIDDEN, categories, continuous, hidden=4), NOISE, categories, continuous).double()  # fmt: skip


def test_a_perfect_reader_and_an_ignorant_one_get_the_hand_computed_bounds():
    model = tiny()
    rng = np.random.default_rng(0)
    c1, c23 = rng.integers(0, 10, 50), rng.uniform(-1, 1, (50, 2))
    codes = model.codes(c1, c23)
    h = math.log(10) + 2 * math.log(2)  # H(c): 10 equally likely values, two uniforms on [-1, 1] (density 1/2)
    perfect = tg.tensor(np.concatenate([100.0 * np.eye(10)[c1], c23], 1))  # certain of c_1, mean = c_2, c_3
    bound, terms = model.mutual_information_bound(codes, perfect)
    assert bound.item() == pytest.approx(h - math.log(2 * math.pi), abs=1e-12)  # only the unit Gaussians' normaliser
    assert terms["q_categorical_accuracy"] == 1.0
    ignorant = tg.tensor(np.zeros((50, 12)))  # uniform over c_1, mean 0
    expected = h - math.log(10) - math.log(2 * math.pi) - np.mean((c23**2).sum(1)) / 2
    assert model.mutual_information_bound(codes, ignorant)[0].item() == pytest.approx(expected, abs=1e-12)


def test_the_bound_is_the_mutual_information_at_the_true_posterior_and_below_it_elsewhere():
    """A channel that shows c_1 as x = c_1 with probability 1/2 and as each other value with 1/18: each c once per
    row of the joint, so the batch mean is the expectation. I(c; x) = log 10 + 1/2 log 1/2 + 1/2 log 1/18."""
    model = tiny(continuous=0)
    c, x = np.meshgrid(np.arange(10), np.arange(10), indexing="ij")
    weight = np.where(c == x, 9, 1)  # 9 copies of x = c for each single other x: p(x = c | c) = 9/18
    c, x = np.repeat(c.ravel(), weight.ravel()), np.repeat(x.ravel(), weight.ravel())
    posterior = np.where(np.arange(10) == x[:, None], 0.5, 0.5 / 9)  # p(c | x), the channel being symmetric
    codes = model.codes(c, np.zeros((len(c), 0)))
    information = math.log(10) + 0.5 * math.log(0.5) + 0.5 * math.log(0.5 / 9)
    assert model.mutual_information_bound(codes, tg.tensor(np.log(posterior)))[0].item() == pytest.approx(information, abs=1e-12)
    for other in (np.zeros((len(c), 10)), np.log(np.where(np.arange(10) == x[:, None], 0.9, 0.1 / 9))):
        assert model.mutual_information_bound(codes, tg.tensor(other))[0].item() < information - 0.05


def test_the_codes_are_one_hot_categories_and_uniform_continuous_values():
    model = tiny()
    latent = model.noise(20_000).numpy()
    assert latent.shape == (20_000, NOISE + 12)
    one_hot, continuous = latent[:, NOISE : NOISE + 10], latent[:, NOISE + 10 :]
    assert set(np.unique(one_hot)) == {0.0, 1.0} and (one_hot.sum(1) == 1).all()
    np.testing.assert_allclose(one_hot.mean(0), 0.1, atol=0.01)
    assert -1 <= continuous.min() and continuous.max() <= 1  # a normal would put 32% outside
    np.testing.assert_allclose(continuous.var(0), 1 / 3, rtol=0.05)
    np.testing.assert_allclose(latent[:, :NOISE].var(0), 1, rtol=0.05)
    again = model.noise(5, np.random.default_rng(7)).numpy()
    np.testing.assert_array_equal(again, model.noise(5, np.random.default_rng(7)).numpy())  # the fixed noise repeats


def test_the_discriminator_step_trains_q_and_the_generator_step_trains_g_to_write_the_codes():
    model = tiny()
    real = tg.tensor(np.random.default_rng(1).standard_normal((6, 2)))
    fake = model.generate(model.noise(6))
    d_loss, terms = model.discriminator_loss(real, fake.detach())
    model.zero_grad()
    d_loss.backward()
    assert all(p.grad is not None for p in [*model.q.parameters(), *model.discriminator.parameters()])
    assert all(p.grad is None for p in model.generator.parameters())
    assert d_loss.item() == pytest.approx(terms["d_gan"].item() - terms["mutual_information_bound"].item(), abs=1e-12)

    model.zero_grad()
    g_loss, terms = model.generator_loss(fake)
    g_loss.backward(retain_graph=True)
    with_info = np.concatenate([p.grad.numpy().ravel() for p in model.generator.parameters()])
    model.zero_grad()
    terms["g_gan"].backward()
    without = np.concatenate([p.grad.numpy().ravel() for p in model.generator.parameters()])
    assert np.linalg.norm(with_info - without) > 1e-3 * np.linalg.norm(without)  # L_I reaches G through Q


def test_optimizers_train_q_with_d_and_g_five_times_faster():
    model = tiny()
    d_optimizer, g_optimizer = model.optimizers(2e-4)
    d_params = {id(p) for group in d_optimizer.param_groups for p in group["params"]}
    assert {id(p) for p in model.q.parameters()} <= d_params
    assert g_optimizer.defaults["lr"] == pytest.approx(1e-3)


def test_bad_codes_and_a_missing_batch_are_clear_errors():
    model = tiny()
    with pytest.raises(ValueError, match=r"categorical code must be \(N,\) integers in \[0, 10\)"):
        model.codes(np.array([0, 10]), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"continuous codes must be \(N, 2\) = \(2, 2\)"):
        model.codes(np.array([0, 1]), np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"takes \(N, 15\) = noise 3 \+ codes 12"):
        model.generate(tg.zeros(4, 3))
    with pytest.raises(RuntimeError, match="codes of the batch generate"):
        model.generator_loss(tg.zeros(4, 2))
