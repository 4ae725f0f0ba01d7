"""The adversarial and Wasserstein autoencoders and VAE/GAN: each phase's loss is its paper's equation (NumPy in float64
for given weights, codes and prior draws); each phase moves only the networks its optimizer holds; the
unbiased MMD estimate is the U-statistic of a double loop, and its expectation (taken exactly, over every
possible sample of two discrete distributions) is the population MMD^2, where the plain V-statistic's is not;
VAE/GAN's three losses, from one forward pass, reach exactly the networks the paper sends them to;
priors and labels that cannot work are refused plainly; the phase loop resumes exactly."""
import itertools

import numpy as np
import pytest

import tinygen as tg
from tinygen import nn, train
from tinygen.data import ArrayDataset, DataLoader
from tinygen.models.gan import MLPDiscriminator
from tinygen.models.hybrid import (VAEGAN, WAEGAN, WAEMMD, AdversarialAutoencoder, InverseMultiquadratic, StandardGaussian,
                                   mmd_unbiased, prior_kernel, ring_of_gaussians, swiss_roll_prior)  # fmt: skip
from tinygen.models.vae import GaussianLikelihood, MLPDecoder, MLPEncoder
from tinygen.train.autoencoding import fit_in_phases, step_jointly

SHAPE = (1, 2, 2)  # four-pixel images: every weight can be written out


class FixedPrior:
    """A prior whose draws are given numbers (the first n rows), so a loss is a function of known values."""

    num_modes, variance = None, 1.0

    def __init__(self, points):
        self.points, self.dim = np.asarray(points), np.shape(points)[1]

    def sample(self, n, labels=None, seed=None):
        return self.points[:n]


class Linear(nn.Module):
    """D(z [, c]) = z . a (+ c . b): a logit whose every value can be computed by hand."""

    def __init__(self, a, b=None):
        super().__init__()
        self.a = nn.Parameter(tg.tensor(a))
        self.b = None if b is None else nn.Parameter(tg.tensor(b))

    def forward(self, z, condition=None):
        logits = (z * self.a).sum(1)
        return logits if condition is None else logits + (condition * self.b).sum(1)


def softplus(x):
    return np.logaddexp(0, x)


def networks(dim=2, seed=0):
    tg.manual_seed(seed)
    return MLPEncoder(SHAPE, dim, ()).double(), MLPDecoder(SHAPE, dim, ()).double()


def weights(linear):
    return linear.weight.numpy(), linear.bias.numpy()


def by_hand(encoder, decoder, x):
    """mu(x), log sigma^2(x), and the Bernoulli cost -log p(x | z) as a function of z, all in NumPy."""
    (we, be), (wd, bd) = weights(encoder.net[0]), weights(decoder.net[0])
    flat = x.reshape(len(x), -1)
    out = flat @ we.T + be
    mean, log_var = np.split(out, 2, axis=1)

    def cost(z):
        logits = z @ wd.T + bd  # -log Bernoulli(x; sigmoid(o)) = x softplus(-o) + (1 - x) softplus(o)
        return (flat * softplus(-logits) + (1 - flat) * softplus(logits)).sum(1)

    return mean, log_var, cost


def binary_batch(seed=0, n=5):
    return (np.random.default_rng(seed).random((n, *SHAPE)) < 0.5).astype(np.float64)


# ---- the adversarial autoencoder's three phases --------------------------------------------------
def test_the_reconstruction_phase_is_the_mean_cross_entropy_at_a_reparameterised_code():
    encoder, decoder = networks()
    model = AdversarialAutoencoder(encoder, decoder, Linear([0.5, -1.0]).double(), StandardGaussian(2), SHAPE)
    x = binary_batch()
    mean, log_var, cost = by_hand(encoder, decoder, x)
    tg.manual_seed(3)
    loss, terms = model.reconstruction_loss(tg.tensor(x))
    tg.manual_seed(3)
    eps = tg.randn(5, 2, dtype=tg.float64).numpy()  # the noise the encoder drew
    assert loss.item() == pytest.approx(cost(mean + np.exp(log_var / 2) * eps).mean(), rel=1e-12)
    assert terms["reconstruction"] is loss
    deterministic = AdversarialAutoencoder(encoder, decoder, Linear([0.5, -1.0]).double(), StandardGaussian(2), SHAPE,
                                           deterministic=True)  # fmt: skip
    assert deterministic.reconstruction_loss(tg.tensor(x))[0].item() == pytest.approx(cost(mean).mean(), rel=1e-12)


def test_the_discriminator_phase_is_the_cross_entropy_of_prior_draws_against_codes():
    encoder, decoder = networks()
    prior = np.array([[0.3, -2.0], [1.5, 0.2], [-0.7, 0.9], [4.0, 1.0], [0.0, -0.5]])
    a = np.array([0.8, -1.3])
    model = AdversarialAutoencoder(encoder, decoder, Linear(a).double(), FixedPrior(prior), SHAPE, deterministic=True)
    x = binary_batch(1)
    codes, _, _ = by_hand(encoder, decoder, x)
    loss, terms = model.discriminator_loss(tg.tensor(x))
    assert loss.item() == pytest.approx(softplus(-prior @ a).mean() + softplus(codes @ a).mean(), rel=1e-12)
    assert terms["d_real"].item() == pytest.approx((1 / (1 + np.exp(-prior @ a))).mean(), rel=1e-12)
    assert terms["d_fake"].item() == pytest.approx((1 / (1 + np.exp(-codes @ a))).mean(), rel=1e-12)
    loss.backward()  # the codes are constants to D: nothing reaches the encoder
    assert all(p.grad is None for p in encoder.parameters()) and model.discriminator.a.grad is not None


def test_the_regularisation_phase_trains_the_encoder_to_fool_the_discriminator():
    encoder, decoder = networks()
    a = np.array([0.8, -1.3])
    model = AdversarialAutoencoder(encoder, decoder, Linear(a).double(), StandardGaussian(2), SHAPE, deterministic=True)
    x = binary_batch(2)
    codes, _, _ = by_hand(encoder, decoder, x)
    loss, terms = model.regularization_loss(tg.tensor(x))
    assert loss.item() == pytest.approx(softplus(-codes @ a).mean(), rel=1e-12) and terms["g_loss"] is loss
    loss.backward()
    # d/dmu softplus(-mu . a) / N = -sigmoid(-mu . a) a / N, through mu = W x + b: the bias's gradient.
    expected = -(1 / (1 + np.exp(codes @ a)))[:, None] * a / len(x)
    np.testing.assert_allclose(encoder.net[0].bias.grad.numpy()[:2], expected.sum(0), rtol=1e-12)
    assert all(p.grad is None for p in decoder.parameters())


def test_the_label_conditioned_discriminator_sees_one_hot_labels_and_prior_draws_on_their_modes():
    encoder, decoder = networks()
    a, b = np.array([0.8, -1.3]), np.linspace(-1, 1, 10)
    prior = ring_of_gaussians()
    model = AdversarialAutoencoder(encoder, decoder, Linear(a, b).double(), prior, SHAPE, deterministic=True,
                                   num_classes=10)  # fmt: skip
    x, labels = binary_batch(3, n=6), np.array([0, 3, 9, 3, 5, 1])
    codes, _, _ = by_hand(encoder, decoder, x)
    loss, _ = model.regularization_loss(tg.tensor(x), tg.tensor(labels))
    assert loss.item() == pytest.approx(softplus(-(codes @ a + b[labels])).mean(), rel=1e-12)
    draws = model.prior_sample(1000, tg.tensor(np.arange(1000) % 10)).numpy()
    assert (prior.toy.assign(draws) == np.arange(1000) % 10).mean() > 0.97


@pytest.mark.parametrize("model_of, phases, moved", [
    (lambda e, d, D, p: AdversarialAutoencoder(e, d, D, p, SHAPE), ["reconstruction", "discriminator", "regularization"],
     [{"encoder", "decoder"}, {"discriminator"}, {"encoder"}]),
    (lambda e, d, D, p: WAEGAN(e, d, D, p, SHAPE), ["discriminator", "autoencoder"],
     [{"discriminator"}, {"encoder", "decoder"}]),
    (lambda e, d, D, p: WAEMMD(e, d, p, SHAPE), ["autoencoder"], [{"encoder", "decoder"}]),
])  # fmt: skip
def test_each_phase_moves_only_the_networks_its_optimizer_holds(model_of, phases, moved):
    encoder, decoder = networks()
    model = model_of(encoder, decoder, MLPDiscriminator((2,), (4,)).double(), StandardGaussian(2))
    assert list(model.phases()) == phases
    x = tg.tensor(binary_batch(4, n=8))
    for (loss_of, optimizer), expected in zip(model.phases().values(), moved):
        before = {name: p.numpy().copy() for name, p in model.named_parameters()}
        loss, _ = loss_of(x, None)
        model.zero_grad()
        loss.backward()
        optimizer.step()
        changed = {name.split(".")[0] for name, p in model.named_parameters() if not np.array_equal(p.numpy(), before[name])}
        assert changed == expected


# ---- the unbiased MMD --------------------------------------------------------------------------------
def imq(x, y, c):
    return c / (c + ((np.asarray(x) - np.asarray(y)) ** 2).sum())


def test_the_inverse_multiquadratic_kernel_and_the_papers_scale():
    assert InverseMultiquadratic(4.0)(tg.tensor([[0.0, 0.0]]), tg.tensor([[3.0, 4.0]])).item() == pytest.approx(4 / 29)
    assert prior_kernel(StandardGaussian(8)).scale == 16.0  # C = 2 d sigma^2
    assert prior_kernel(ring_of_gaussians()).scale == pytest.approx(2 * 2 * (16 / 2 + 0.25), rel=1e-2)


def test_the_unbiased_mmd_is_the_u_statistic_of_a_double_loop():
    rng = np.random.default_rng(0)
    x, y, c = rng.normal(size=(7, 3)), rng.normal(0.5, 1.5, size=(5, 3)), 2.5
    n, m = len(x), len(y)
    within_x = sum(imq(x[i], x[j], c) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    within_y = sum(imq(y[i], y[j], c) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    between = sum(imq(x[i], y[j], c) for i in range(n) for j in range(m)) / (n * m)
    estimate = mmd_unbiased(tg.tensor(x), tg.tensor(y), InverseMultiquadratic(c)).item()
    assert estimate == pytest.approx(within_x + within_y - 2 * between, rel=1e-12)


def exact_expectations(p_support, p_weights, q_support, q_weights, c, n=2, m=3):
    """E[unbiased estimate] and E[V-statistic] over every sample of n points of P and m of Q, and MMD^2 itself."""
    kernel = InverseMultiquadratic(c)
    unbiased = biased = 0.0
    for xs in itertools.product(range(len(p_support)), repeat=n):
        for ys in itertools.product(range(len(q_support)), repeat=m):
            weight = np.prod(p_weights[list(xs)]) * np.prod(q_weights[list(ys)])
            x, y = tg.tensor(p_support[list(xs)]), tg.tensor(q_support[list(ys)])
            unbiased += weight * mmd_unbiased(x, y, kernel).item()
            biased += weight * (kernel(x, x).mean() + kernel(y, y).mean() - 2 * kernel(x, y).mean()).item()
    k = np.array([[imq(a, b, c) for b in np.vstack([p_support, q_support])] for a in np.vstack([p_support, q_support])])
    w = np.concatenate([p_weights, -q_weights])
    return unbiased, biased, w @ k @ w  # MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y), as a quadratic form


def test_the_unbiased_estimate_averages_exactly_to_the_population_mmd_and_the_plain_one_does_not():
    p_support, p_weights = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]]), np.array([0.5, 0.3, 0.2])
    q_support, q_weights = np.array([[1.0, 1.0], [-1.0, 0.5]]), np.array([0.6, 0.4])
    unbiased, biased, population = exact_expectations(p_support, p_weights, q_support, q_weights, c=2.0)
    assert population > 0.05
    assert unbiased == pytest.approx(population, rel=1e-12)
    assert biased > population + 0.1  # the V-statistic's k(x_i, x_i) = 1 terms bias it upwards
    # P = Q: MMD^2 = 0, and the unbiased estimate is 0 on average (some samples give negative values).
    unbiased, biased, population = exact_expectations(p_support, p_weights, p_support, p_weights, c=2.0)
    assert population == pytest.approx(0, abs=1e-15) and unbiased == pytest.approx(0, abs=1e-12) and biased > 0.1


def test_the_mmd_refuses_samples_it_cannot_compare():
    kernel = InverseMultiquadratic(1.0)
    with pytest.raises(ValueError, match=r"at least 2 points of the same dimension, got shapes \(1, 2\) and \(3, 2\)"):
        mmd_unbiased(tg.zeros(1, 2), tg.zeros(3, 2), kernel)
    with pytest.raises(ValueError, match="same dimension"):
        mmd_unbiased(tg.zeros(3, 2), tg.zeros(3, 4), kernel)
    with pytest.raises(ValueError, match="scale C must be positive"):
        InverseMultiquadratic(0.0)


# ---- the WAEs' objectives ------------------------------------------------------------------------------
def test_wae_mmd_is_the_cost_at_the_deterministic_code_plus_lambda_times_the_unbiased_mmd():
    encoder, decoder = networks()
    prior = np.random.default_rng(5).normal(size=(6, 2))
    model = WAEMMD(encoder, decoder, FixedPrior(prior), SHAPE, penalty_weight=7.0)
    x = binary_batch(5, n=6)
    codes, _, cost = by_hand(encoder, decoder, x)
    loss, terms = model.loss(tg.tensor(x))
    n, c = 6, 2 * 2 * 1.0
    k = lambda u, v: np.array([[imq(a, b, c) for b in v] for a in u])  # noqa: E731
    off = 1 - np.eye(n)
    mmd = (k(prior, prior) * off).sum() / (n * (n - 1)) + (k(codes, codes) * off).sum() / (n * (n - 1)) \
        - 2 * k(prior, codes).mean()  # fmt: skip
    assert terms["mmd"].item() == pytest.approx(mmd, rel=1e-12)
    assert loss.item() == pytest.approx(cost(codes).mean() + 7.0 * mmd, rel=1e-12)


def test_wae_gan_adds_lambda_times_the_encoders_adversarial_loss_to_the_cost():
    encoder, decoder = networks()
    a = np.array([-0.4, 2.0])
    model = WAEGAN(encoder, decoder, Linear(a).double(), StandardGaussian(2), SHAPE, penalty_weight=3.0)
    x = binary_batch(6)
    codes, _, cost = by_hand(encoder, decoder, x)
    loss, terms = model.autoencoder_loss(tg.tensor(x))
    assert loss.item() == pytest.approx(cost(codes).mean() + 3.0 * softplus(-codes @ a).mean(), rel=1e-12)
    assert terms["reconstruction"].item() == pytest.approx(cost(codes).mean(), rel=1e-12)


# ---- what cannot work is refused plainly ------------------------------------------------------------------
def test_priors_labels_and_likelihoods_that_cannot_work_are_refused_plainly():
    encoder, decoder = networks()
    discriminator = MLPDiscriminator((2,), (4,), condition_dim=10)
    with pytest.raises(ValueError, match="StandardGaussian.* has no modes; use a prior with 10 modes"):
        AdversarialAutoencoder(encoder, decoder, discriminator, StandardGaussian(2), SHAPE, num_classes=10)
    with pytest.raises(ValueError, match=r"needs a fixed likelihood.*GaussianLikelihood\(scale=0.1\)"):
        WAEMMD(encoder, decoder, StandardGaussian(2), SHAPE, likelihood=GaussianLikelihood())
    model = AdversarialAutoencoder(encoder, decoder, discriminator.double(), swiss_roll_prior(), SHAPE, num_classes=10)
    with pytest.raises(ValueError, match="labels are needed exactly when num_classes > 0"):
        model.regularization_loss(tg.tensor(binary_batch()))
    with pytest.raises(ValueError, match=r"the prior StandardGaussian\(3\) has 3 dimensions"):
        WAEMMD(encoder, decoder, StandardGaussian(3), SHAPE).loss(tg.tensor(binary_batch()))
    with pytest.raises(ValueError, match=r"expected images of shape \(N, \*\(1, 2, 2\)\)"):
        WAEMMD(encoder, decoder, StandardGaussian(2), SHAPE).loss(tg.zeros(3, 4, dtype=tg.float64))
    with pytest.raises(ValueError, match="StandardGaussian has no modes to send labels to"):
        StandardGaussian(2).sample(3, labels=np.zeros(3, dtype=int))


# ---- the phase loop resumes exactly -----------------------------------------------------------------------
class Interrupted(Exception):
    """Stands in for a crash in the middle of a step."""


def tiny_run(folder, argv=()):
    parser = train.example_parser("aae_test", "a tiny AAE", epochs=2, batch_size=4, lr=1e-3)
    return train.Run(parser.parse_args(["--out", str(folder), "--quiet", "--checkpoint-every", "3", *argv]))


def tiny_aae():
    encoder, decoder = networks(seed=1)
    tg.manual_seed(1)
    return AdversarialAutoencoder(encoder, decoder, MLPDiscriminator((2,), (4,), condition_dim=10).double(), ring_of_gaussians(), SHAPE,
                                  num_classes=10)  # fmt: skip


def test_an_interrupted_and_resumed_phase_loop_ends_exactly_where_an_uninterrupted_one_does(tmp_path):
    rng = np.random.default_rng(0)
    data = ArrayDataset((rng.random((24, *SHAPE)) < 0.5).astype(np.float64), rng.integers(10, size=24))

    def fit(run, model, crash_at=None):
        phases, calls = model.phases(), []
        if crash_at:
            loss_of, optimizer = phases["regularization"]

            def crashing(x, labels):
                calls.append(1)
                if len(calls) == crash_at:
                    raise Interrupted  # after this step's reconstruction and discriminator steps
                return loss_of(x, labels)

            phases["regularization"] = (crashing, optimizer)
        fit_in_phases(run, model, DataLoader(data, 4, shuffle=True, seed=run.args.seed), phases)
        run.finish()

    fit(tiny_run(tmp_path / "whole"), tiny_aae())
    with pytest.raises(Interrupted):
        fit(tiny_run(tmp_path / "broken"), tiny_aae(), crash_at=8)
    assert tg.load(tmp_path / "broken" / "checkpoint.npz")["step"] == 6
    fit(tiny_run(tmp_path / "broken", ["--resume"]), tiny_aae())
    ours, theirs = (tg.load(tmp_path / f / "checkpoint.npz")["states"] for f in ("broken", "whole"))
    assert sorted(ours) == ["discriminator_optimizer", "model", "reconstruction_optimizer", "regularization_optimizer"]
    for name in ours["model"]:
        np.testing.assert_array_equal(ours["model"][name].numpy(), theirs["model"][name].numpy(), err_msg=name)
    assert (tmp_path / "broken" / "metrics.jsonl").read_text() == (tmp_path / "whole" / "metrics.jsonl").read_text()


# ---- VAE/GAN -------------------------------------------------------------------------------------------
def vaegan(gamma=1e-2, seed=0):
    encoder, decoder = networks(seed=seed)
    tg.manual_seed(seed + 1)
    return VAEGAN(encoder, decoder, MLPDiscriminator(SHAPE, (3,)).double(), SHAPE, 2, gamma=gamma)


def vaegan_by_hand(model, x, eps, z_prior):
    """Every quantity of the three losses in NumPy, for the encoder noise ``eps`` and the prior draws ``z_prior``."""
    mean, log_var, _ = by_hand(model.encoder, model.decoder, x)
    (wd, bd), (w1, b1), (w2, b2) = (weights(layer) for layer in (model.decoder.net[0], *model.discriminator.net[::2]))
    decode = lambda z: 1 / (1 + np.exp(-(z @ wd.T + bd)))  # noqa: E731  the Bernoulli mean, a flat image
    features = lambda images: np.where(images @ w1.T + b1 > 0, 1, 0.2) * (images @ w1.T + b1)  # noqa: E731
    logit = lambda images: (features(images) @ w2.T + b2)[:, 0]  # noqa: E731
    flat, reconstruction, sample = x.reshape(len(x), -1), decode(mean + np.exp(log_var / 2) * eps), decode(z_prior)
    kl = 0.5 * (np.exp(log_var) + mean**2 - 1 - log_var).sum(1).mean()
    llike = 0.5 * ((features(flat) - features(reconstruction)) ** 2).sum(1).mean()
    return kl, llike, logit(flat), logit(reconstruction), logit(sample)


def draws(seed, n):
    tg.manual_seed(seed)
    return tg.randn(n, 2, dtype=tg.float64).numpy(), tg.randn(n, 2, dtype=tg.float64).numpy()


def test_vae_gan_losses_are_the_papers_three_combinations():
    model, x = vaegan(gamma=0.3), binary_batch(7, n=6)
    eps, z_prior = draws(4, 6)  # the encoder's noise first, then the prior's draws, as the forward pass draws them
    kl, llike, real, fake_reconstruction, fake_sample = vaegan_by_hand(model, x, eps, z_prior)
    tg.manual_seed(4)
    losses, terms = model.losses(tg.tensor(x))
    assert losses["encoder"].item() == pytest.approx(kl + llike, rel=1e-12)  # L_prior + L_llike: no GAN term
    assert terms["kl"].item() == pytest.approx(kl, rel=1e-12)
    fooling = softplus(-fake_reconstruction).mean() + softplus(-fake_sample).mean()
    assert losses["decoder"].item() == pytest.approx(0.3 * llike + fooling, rel=1e-12)  # gamma L_llike - L_GAN
    expected = softplus(-real).mean() + softplus(fake_reconstruction).mean() + softplus(fake_sample).mean()
    assert losses["discriminator"].item() == pytest.approx(expected, rel=1e-12)  # -L_GAN: both kinds of fake
    assert terms["d_sample"].item() == pytest.approx((1 / (1 + np.exp(-fake_sample))).mean(), rel=1e-12)


def gradients(model, network, x, seed=4):
    """Every parameter's gradient of ``network``'s loss (encoder, decoder or discriminator) on the batch ``x``."""
    tg.manual_seed(seed)
    losses, _ = model.losses(tg.tensor(x))
    model.zero_grad()
    losses[network].backward()
    return {name: None if p.grad is None else p.grad.numpy().copy() for name, p in model.named_parameters()}


def test_vae_gan_losses_carry_the_signals_the_paper_sends_each_network():
    x = binary_batch(8, n=6)
    model = vaegan()
    # No GAN signal in the encoder's loss: its gradient does not change when the discriminator's head (its logit)
    # does, only its features (Dis_l) matter.
    before = gradients(model, "encoder", x)
    model.discriminator.net[-1].weight.data[...] *= -3.0
    after = gradients(model, "encoder", x)
    for name in before:
        if name.startswith("encoder"):
            np.testing.assert_allclose(after[name], before[name], rtol=1e-12, err_msg=name)
    # The decoder's gradient is gamma times the feature reconstruction's plus the GAN's: linear in gamma.
    grads = []
    for gamma in (0.0, 1.0, 2.0):
        model.gamma = gamma
        grads.append(gradients(model, "decoder", x))
    for name in (n for n in grads[0] if n.startswith("decoder")):
        np.testing.assert_allclose(grads[2][name] - grads[1][name], grads[1][name] - grads[0][name], atol=1e-12)
        assert np.abs(grads[1][name] - grads[0][name]).max() > 1e-6, name  # L_llike reaches the decoder
        assert np.abs(grads[0][name]).max() > 1e-6, name  # and so does the GAN's


def test_vae_gan_steps_each_network_on_its_own_loss_from_one_forward_pass():
    """Algorithm 1: one forward pass; the encoder descends L_prior + L_llike, the decoder gamma L_llike - L_GAN, the
    discriminator -L_GAN, every gradient at the weights before the step (SGD: w - lr g, g from ``gradients``)."""
    x, lr = binary_batch(8, n=6), 0.1
    model = vaegan(gamma=0.3)
    start = {name: p.numpy().copy() for name, p in model.named_parameters()}
    expected = {}
    for network in ("encoder", "decoder", "discriminator"):
        grads = gradients(model, network, x)
        expected |= {name: start[name] - lr * grads[name] for name in grads if name.startswith(network)}
    phase = model.phases()["vaegan"]
    optimizers = {network: tg.optim.SGD(getattr(model, network).parameters(), lr=lr) for network in phase.optimizers}
    tg.manual_seed(4)
    losses, _ = phase.losses(tg.tensor(x))
    step_jointly(losses, optimizers)
    for name, p in model.named_parameters():
        np.testing.assert_allclose(p.numpy(), expected[name], rtol=1e-12, atol=1e-15, err_msg=name)
        assert np.abs(p.numpy() - start[name]).max() > 1e-8, name  # every network moved
