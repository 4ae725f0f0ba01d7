"""GANs: each objective's losses are its paper's equations (NumPy in float64 for given logits and scores);
WGAN's clipping keeps every critic weight in [-c, c] after every step; WGAN-GP's penalty is per example
(closed forms for critics whose input gradients are known, which the per-pixel and per-batch variants
other repositories compute miss) and its gradient in the critic's weights, a double backward through
convolutions and LeakyReLU, matches central differences; the conditional GAN refuses bad labels plainly;
the adversarial loop resumes exactly, its n_critic schedule included. (Step for step against PyTorch:
test_gan_pytorch.py.)"""
import json

import numpy as np
import pytest
from PIL import Image

import tinygen as tg
from tinygen import nn, train
from tinygen.data import ArrayDataset, DataLoader, mnist
from tinygen.models.gan import (GAN, WGAN, WGANGP, ConditionalGAN, DCGANDiscriminator, MLPDiscriminator,
                                MLPGenerator, NonSaturatingGAN)  # fmt: skip
from tinygen.train.adversarial import fit_adversarially


class Identity(nn.Module):
    """A discriminator whose logit (or score) is its input: the losses are then functions of given numbers."""

    def forward(self, x):
        return x.reshape(-1)


class Quadratic(nn.Module):
    """D(x) = 1/2 sum_i a_i x_i^2 over each example's values: grad_x D = a * x, different for every example."""

    def __init__(self, a):
        super().__init__()
        self.a = nn.Parameter(tg.tensor(a))

    def forward(self, x):
        return (0.5 * self.a * x**2).flatten(1).sum(1)


def with_critic(objective, critic, **kwargs):
    return objective(MLPGenerator(2, (2,), (4,), tanh=False), critic, latent_dim=2, **kwargs).double()


def sigmoid(logits):
    return 1 / (1 + np.exp(-logits))


def logits_pair(rng):
    """Logits of 6 real and 5 fake examples, from confidently rejected (-8) to confidently accepted (+8)."""
    return rng.uniform(-8, 8, 6), rng.uniform(-8, 8, 5)


# ---- each objective is its equation ------------------------------------------------------
def test_the_discriminator_loss_is_the_binary_cross_entropy_of_real_against_fake():
    real, fake = logits_pair(np.random.default_rng(0))
    for objective in (GAN, NonSaturatingGAN):
        loss, terms = with_critic(objective, Identity()).discriminator_loss(tg.tensor(real), tg.tensor(fake))
        expected = -np.mean(np.log(sigmoid(real))) - np.mean(np.log(1 - sigmoid(fake)))
        assert loss.item() == pytest.approx(expected, rel=1e-13)
        assert terms["d_real"].item() == pytest.approx(sigmoid(real).mean(), rel=1e-13)
        assert terms["d_fake"].item() == pytest.approx(sigmoid(fake).mean(), rel=1e-13)


def test_the_minimax_generator_loss_saturates_where_the_non_saturating_one_pushes_hardest():
    fake = np.array([-10.0, -3.0, 0.0, 2.0])  # the first sample confidently rejected, as early in training
    d = sigmoid(fake)
    for objective, expected, slope in [
        (GAN, np.mean(np.log(1 - d)), -d / 4),  # d/dl log(1 - sigmoid(l)) = -sigmoid(l)
        (NonSaturatingGAN, -np.mean(np.log(d)), -(1 - d) / 4),  # d/dl -log sigmoid(l) = -(1 - sigmoid(l))
    ]:  # fmt: skip
        logits = tg.tensor(fake, requires_grad=True)
        loss, terms = with_critic(objective, Identity()).generator_loss(logits)
        loss.backward()
        assert loss.item() == pytest.approx(expected, rel=1e-13) and terms["g_loss"] is loss
        np.testing.assert_allclose(logits.grad.numpy(), slope, rtol=1e-13)
    # At l = -10 the minimax gradient is 4.5e-5 of the non-saturating one: why G trains on -log D(G(z)).
    assert sigmoid(-10.0) / (1 - sigmoid(-10.0)) < 5e-5


def test_the_logs_are_computed_stably_for_confident_logits():
    real, fake = np.array([-200.0, 200.0]), np.array([200.0, -200.0])  # NumPy's log(sigmoid) is -inf at -200
    loss, _ = with_critic(GAN, Identity()).discriminator_loss(tg.tensor(real), tg.tensor(fake))
    assert loss.item() == pytest.approx(np.mean(np.logaddexp(0, -real)) + np.mean(np.logaddexp(0, fake)), rel=1e-13)
    assert with_critic(NonSaturatingGAN, Identity()).generator_loss(tg.tensor(fake))[0].item() == pytest.approx(100.0)


def test_the_wasserstein_losses_are_differences_of_mean_scores():
    real, fake = logits_pair(np.random.default_rng(1))
    model = with_critic(WGAN, Identity())
    loss, terms = model.discriminator_loss(tg.tensor(real), tg.tensor(fake))
    assert loss.item() == pytest.approx(fake.mean() - real.mean(), rel=1e-13)
    assert terms["wasserstein"].item() == pytest.approx(real.mean() - fake.mean(), rel=1e-13)
    assert (terms["d_real"].item(), terms["d_fake"].item()) == pytest.approx((real.mean(), fake.mean()), rel=1e-13)
    assert model.generator_loss(tg.tensor(fake))[0].item() == pytest.approx(-fake.mean(), rel=1e-13)


def linear_critic(w):
    """D(x) = <w, x> + b: the same input gradient w at every x."""
    critic = MLPDiscriminator((len(w),), hidden_sizes=()).double()
    with tg.no_grad():
        critic.net[0].weight.copy_(tg.tensor(np.asarray(w)[None]))
        critic.net[0].bias.fill_(0.3)
    return critic


def test_the_wgan_gp_critic_loss_adds_lambda_times_the_penalty():
    rng = np.random.default_rng(2)
    w, real, fake = np.array([0.6, -1.2, 0.9]), rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    loss, terms = with_critic(WGANGP, linear_critic(w)).discriminator_loss(tg.tensor(real), tg.tensor(fake))
    penalty = (np.linalg.norm(w) - 1) ** 2
    assert terms["gradient_penalty"].item() == pytest.approx(penalty, rel=1e-13)
    assert loss.item() == pytest.approx((fake @ w).mean() - (real @ w).mean() + 10 * penalty, rel=1e-13)
    assert terms["wasserstein"].item() == pytest.approx((real @ w).mean() - (fake @ w).mean(), rel=1e-13)


# ---- the gradient penalty is per example -----------------------------------------------------
def per_example(gradients):
    """The paper's penalty: each example's gradient norm over all its values, then the mean."""
    return np.mean((np.linalg.norm(gradients.reshape(len(gradients), -1), axis=1) - 1) ** 2)


def per_pixel(gradients):
    """A bug other repositories have: |gradient| - 1 for every value on its own."""
    return np.mean((np.abs(gradients) - 1) ** 2)


def per_batch(gradients):
    """Another: one norm over the whole batch."""
    return (np.linalg.norm(gradients) - 1) ** 2


def test_a_linear_critic_is_penalised_by_its_weight_norm_alone_whatever_the_points():
    rng = np.random.default_rng(3)
    w = np.array([0.5, -0.3, 0.2, 0.1])  # norm 0.62: the gradient norm at every point
    model = with_critic(WGANGP, linear_critic(w))
    for _ in range(3):
        real, fake = rng.standard_normal((6, 4)) * 5, rng.standard_normal((6, 4)) * 5
        penalty = model.gradient_penalty(tg.tensor(real), tg.tensor(fake)).item()
        assert penalty == pytest.approx((np.linalg.norm(w) - 1) ** 2, rel=1e-13)
    assert with_critic(WGANGP, linear_critic(w / np.linalg.norm(w))).gradient_penalty(
        tg.tensor(real), tg.tensor(fake)).item() == pytest.approx(0.0, abs=1e-28)  # fmt: skip
    gradients = np.tile(w, (6, 1))
    assert per_example(gradients) == pytest.approx((np.linalg.norm(w) - 1) ** 2, rel=1e-13)
    for wrong in (per_pixel(gradients), per_batch(gradients)):  # 0.55 and 0.28, not 0.14
        assert abs(wrong - per_example(gradients)) > 0.5 * per_example(gradients)


def test_a_quadratic_critic_gets_the_closed_form_penalty_and_the_variants_miss_it():
    rng = np.random.default_rng(4)
    a = rng.uniform(0.2, 1.5, (1, 3, 3))
    real, fake, eps = rng.standard_normal((5, 1, 3, 3)), rng.standard_normal((5, 1, 3, 3)), rng.random(5)
    model = with_critic(WGANGP, Quadratic(a))
    x_hat = eps[:, None, None, None] * real + (1 - eps[:, None, None, None]) * fake
    gradients = a * x_hat  # grad_x 1/2 sum a x^2, example by example
    penalty = model.gradient_penalty(tg.tensor(real), tg.tensor(fake), eps=tg.tensor(eps)).item()
    assert penalty == pytest.approx(per_example(gradients), rel=1e-13)
    for wrong in (per_pixel(gradients), per_batch(gradients)):
        assert abs(wrong - penalty) > 0.1 * penalty
    # The interpolation weight drawn once per example: as the model draws it, then per pixel (the other bug).
    tg.manual_seed(5)
    drawn = tg.rand(5, 1, 1, 1, dtype=tg.float64).numpy()
    tg.manual_seed(5)
    penalty = model.gradient_penalty(tg.tensor(real), tg.tensor(fake)).item()
    assert penalty == pytest.approx(per_example(a * (drawn * real + (1 - drawn) * fake)), rel=1e-13)
    eps_per_pixel = rng.random(real.shape)
    assert abs(per_example(a * (eps_per_pixel * real + (1 - eps_per_pixel) * fake)) - penalty) > 0.01 * penalty


def test_the_penalty_differentiates_in_the_critics_weights_through_convolutions():
    """The double backward (a gradient of grad_x D through conv, LeakyReLU and conv) against central differences."""
    tg.manual_seed(6)
    critic = DCGANDiscriminator(channels=1, width=2, batch_norm=False).double()
    model = with_critic(WGANGP, critic)
    rng = np.random.default_rng(6)
    real, fake = tg.tensor(rng.uniform(-1, 1, (3, 1, 28, 28))), tg.tensor(rng.uniform(-1, 1, (3, 1, 28, 28)))
    eps = tg.tensor(rng.random(3))
    weights = list(critic.parameters())
    assert tg.gradcheck(lambda *_: model.gradient_penalty(real, fake, eps=eps), *weights, rtol=1e-5, atol=1e-8)


# ---- weight clipping -------------------------------------------------------------------------
def signed_digits(n=64):
    images, labels = mnist(signed=True).train.arrays
    return ArrayDataset((images[:n] / 127.5 - 1).astype(np.float32), labels[:n])


def run_of(tmp_path, argv=(), epochs=2, batch_size=8):
    parser = train.example_parser("gan_test", "a tiny GAN", epochs=epochs, batch_size=batch_size, lr=1e-3)
    return train.Run(parser.parse_args(["--out", str(tmp_path), "--quiet", *argv]))


def tiny_fit(run, model, lr, ema_decay=None):
    loader = DataLoader(signed_digits(), run.args.batch_size, shuffle=True, seed=run.args.seed)
    return fit_adversarially(run, model, loader, lr, ema_decay, num_samples=8,
                             show_progress=lambda samples, path: Image.new("L", (2, 2)).save(path),
                             report=lambda run, samples, labels: {})  # fmt: skip


def mlp_gan(objective, **kwargs):
    tg.manual_seed(0)
    return objective(MLPGenerator(8, (1, 28, 28), (16,)), MLPDiscriminator((1, 28, 28), (16,)), 8, **kwargs)


def test_clipping_keeps_every_critic_weight_in_minus_c_c_after_every_step(tmp_path):
    model = mlp_gan(WGAN, clip=0.01)
    clip, steps_out_of_range = model.after_critic_step, []

    def check_after_critic_step():
        largest = max(np.abs(p.numpy()).max() for p in model.discriminator.parameters())
        steps_out_of_range.append(largest > 0.01)  # RMSprop at lr 0.05 moves weights by about 0.05
        clip()
        for name, parameter in model.discriminator.named_parameters():
            assert np.abs(parameter.numpy()).max() <= 0.01, name

    model.after_critic_step = check_after_critic_step
    tiny_fit(run_of(tmp_path), model, lr=0.05)
    assert len(steps_out_of_range) == 16 and all(steps_out_of_range)  # 2 epochs of 8 batches; every step needed it


# ---- the conditional GAN's labels ---------------------------------------------------------------
@pytest.mark.parametrize("labels, error, message", [
    (None, ValueError, r"needs the labels y of its examples: pass labels=\.\.\. \(N,\) class indices"),
    ([[1], [2], [3]], ValueError, r"labels must be \(N,\) = \(3,\) class indices, got shape \(3, 1\)"),
    ([1, 2], ValueError, r"labels must be \(N,\) = \(3,\) class indices, got shape \(2,\)"),
    ([1.0, 2.0, 3.0], TypeError, r"labels must be integer class indices, got dtype float32: convert with \.long\(\)"),
    ([0, 10, 3], ValueError, r"class indices in \[0, 10\), got values from 0 to 10"),
    ([-1, 2, 3], ValueError, r"class indices in \[0, 10\), got values from -1 to 3"),
])  # fmt: skip
def test_the_conditional_gan_says_what_is_wrong_with_its_labels(labels, error, message):
    model = ConditionalGAN(MLPGenerator(4, (2,), (8,), tanh=False, condition_dim=10),
                           MLPDiscriminator((2,), (8,), condition_dim=10), 4)  # fmt: skip
    labels = None if labels is None else tg.tensor(labels, dtype=tg.float32 if isinstance(labels[0], float) else None)
    x = tg.randn(3, 2)
    for call in (lambda: model.discriminator_loss(x, x, labels), lambda: model.generator_loss(x, labels),
                 lambda: model.generate(tg.randn(3, 4), labels)):  # fmt: skip
        with pytest.raises(error, match=message):
            call()
    assert model.sample(3, tg.tensor([0, 9, 4])).shape == (3, 2)


# ---- the loop resumes exactly ---------------------------------------------------------------------
class Interrupted(Exception):
    """Stands in for a crash in the middle of a step."""


def test_an_interrupted_and_resumed_wgan_gp_run_ends_exactly_where_an_uninterrupted_one_does(tmp_path):
    """n_critic = 5 with checkpoints every 3 steps: the crash at step 11 loses the generator step of step 10."""
    argv = ["--checkpoint-every", "3"]
    model = mlp_gan(WGANGP)  # built before the Run, which seeds the generator the noise comes from
    tiny_fit(run_of(tmp_path / "whole", argv), model, lr=1e-3, ema_decay=0.9)

    model, critic_steps = mlp_gan(WGANGP), []
    step = model.after_critic_step

    def crash_in_step_11():
        critic_steps.append(1)
        if len(critic_steps) == 11:
            raise Interrupted  # after the critic's step, before the generator's
        step()

    model.after_critic_step = crash_in_step_11
    with pytest.raises(Interrupted):
        tiny_fit(run_of(tmp_path / "broken", argv), model, lr=1e-3, ema_decay=0.9)
    assert tg.load(tmp_path / "broken" / "checkpoint.npz")["step"] == 9
    model = mlp_gan(WGANGP)
    tiny_fit(run_of(tmp_path / "broken", argv + ["--resume"]), model, lr=1e-3, ema_decay=0.9)

    ours, theirs = (tg.load(tmp_path / f / "checkpoint.npz")["states"] for f in ("broken", "whole"))
    assert sorted(ours) == ["d_optimizer", "ema", "g_optimizer", "model"]
    assert ours["ema"]["num_updates"] == theirs["ema"]["num_updates"] == 3
    for ours_state, theirs_state in ((ours["model"], theirs["model"]), (ours["ema"]["module"], theirs["ema"]["module"])):
        assert ours_state.keys() == theirs_state.keys()
        for name in ours_state:
            np.testing.assert_array_equal(ours_state[name].numpy(), theirs_state[name].numpy(), err_msg=name)
    log = (tmp_path / "whole" / "metrics.jsonl").read_text()
    assert (tmp_path / "broken" / "metrics.jsonl").read_text() == log
    records = [json.loads(line) for line in log.splitlines()]
    assert [r["step"] for r in records if "g_loss" in r] == [5, 10, 15]  # the generator's steps, every n_critic-th
    assert [r["step"] for r in records if "gradient_penalty" in r] == list(range(1, 17))
