"""Progressive GAN: its parts against hand-computed values and its growth against its definition.

The fade-in at alpha 0 is exactly the smaller network (the generator's output upsampled, the critic reading
the pooled image) and at alpha 1 exactly the new path; minibatch-std and pixel norm on known numbers;
the equalised layers are plain layers with weights * gain / sqrt(fan_in), forward and backward; the
drift term and the whole critic loss for a critic whose scores and gradients are known in closed form;
the penalty's gradient through a growing critic mid-fade against central differences (float64); the
schedule of phases; and the adversarial loop telling the model its step (``progress``), resumed exactly.
"""
import json
import math

import numpy as np
import pytest
from PIL import Image

import tinygen as tg
from tinygen import nn, train
from tinygen.data import ArrayDataset, DataLoader, mnist
from tinygen.models.gan import ProgressiveDiscriminator, ProgressiveGAN, ProgressiveGenerator
from tinygen.models.gan.progressive_networks import (EqualizedConv2d, EqualizedLinear, MinibatchStdDev, PixelNorm,
                                                     fade_in)  # fmt: skip
from tinygen.nn import functional as F
from tinygen.train.adversarial import fit_adversarially

CHANNELS = (4, 3, 2)


def networks(seed=0):
    tg.manual_seed(seed)
    return ProgressiveGenerator(5, CHANNELS).double(), ProgressiveDiscriminator(CHANNELS).double()


def model(phase_steps=3, seed=0):
    generator, critic = networks(seed)
    return ProgressiveGAN(generator, critic, 5, phase_steps)


# ---- fading in ---------------------------------------------------------------------------------
def test_fade_in_is_the_old_path_at_alpha_0_and_the_new_at_1():
    rng = np.random.default_rng(0)
    old, new = tg.tensor(rng.standard_normal(6)), tg.tensor(rng.standard_normal(6))
    assert np.array_equal(fade_in(old, new, 0.0).numpy(), old.numpy())
    assert np.array_equal(fade_in(old, new, 1.0).numpy(), new.numpy())
    assert np.allclose(fade_in(old, new, 0.25).numpy(), 0.75 * old.numpy() + 0.25 * new.numpy(), rtol=1e-15)


@pytest.mark.parametrize("stage", [1, 2])
def test_the_grown_generator_at_alpha_0_draws_the_smaller_ones_images_upsampled_and_at_1_its_new_paths(stage):
    generator, _ = networks()
    z = tg.tensor(np.random.default_rng(1).standard_normal((3, 5)))
    smaller = generator(z, stage - 1).numpy()
    assert generator(z, stage, 0.0).shape == (3, 1, 7 * 2**stage, 7 * 2**stage)
    assert np.array_equal(generator(z, stage, 0.0).numpy(), smaller.repeat(2, axis=2).repeat(2, axis=3))
    h = z
    for block in generator.blocks[:stage]:
        h = block(h)
    assert np.array_equal(generator(z, stage, 1.0).numpy(), generator.to_rgb[stage](generator.blocks[stage](h)).numpy())
    halfway, ends = generator(z, stage, 0.5).numpy(), [generator(z, stage, alpha).numpy() for alpha in (0.0, 1.0)]
    assert not any(np.allclose(halfway, end) for end in ends)


@pytest.mark.parametrize("stage", [1, 2])
def test_the_grown_critic_at_alpha_0_scores_the_pooled_image_as_the_smaller_one_and_at_1_through_its_new_block(stage):
    _, critic = networks()
    size = 7 * 2**stage
    x = tg.tensor(np.random.default_rng(2).uniform(-1, 1, (4, 1, size, size)))
    assert np.array_equal(critic(x, stage, 0.0).numpy(), critic(F.avg_pool2d(x, 2), stage - 1).numpy())
    h = critic.blocks[stage](critic.from_rgb[stage](x))
    for block in reversed(critic.blocks[:stage]):
        h = block(h)
    assert np.array_equal(critic(x, stage, 1.0).numpy(), h.reshape(-1).numpy())


def test_the_networks_refuse_a_stage_they_do_not_have_and_images_of_the_wrong_size():
    generator, critic = networks()
    with pytest.raises(ValueError, match=r"stage 3: the networks have stages 0..2"):
        generator(tg.randn(2, 5).double(), 3)
    with pytest.raises(ValueError, match="reads 14x14 images, got shape .*28, 28.*downsample them first"):
        critic(tg.randn(2, 1, 28, 28).double(), 1)
    with pytest.raises(ValueError, match="generator grows through .* but the critic through"):
        ProgressiveGAN(generator, ProgressiveDiscriminator((4, 3)), 5, phase_steps=3)


# ---- the stabilisers --------------------------------------------------------------------------
def test_minibatch_stddev_appends_the_mean_over_features_and_pixels_of_the_batch_std():
    # Two examples, two features at one pixel: per-feature std over the batch (biased) |1 - 3| / 2 = 1, |2 - 6| / 2 = 2.
    x = tg.tensor(np.array([[1.0, 2.0], [3.0, 6.0]]).reshape(2, 2, 1, 1))
    out = MinibatchStdDev()(x).numpy()
    assert out.shape == (2, 3, 1, 1)
    assert np.array_equal(out[:, :2], x.numpy())
    expected = (math.sqrt(1 + 1e-8) + math.sqrt(4 + 1e-8)) / 2
    assert out[:, 2].ravel() == pytest.approx([expected, expected], rel=1e-15)
    # a batch of copies has no spread: sqrt(eps) everywhere
    same = MinibatchStdDev()(tg.tensor(np.ones((3, 2, 2, 2)))).numpy()
    assert np.allclose(same[:, 2], 1e-4, rtol=1e-12)


def test_pixel_norm_scales_each_pixels_feature_vector_to_unit_mean_square():
    # features (3, 4) at one pixel: mean square (9 + 16) / 2 = 12.5; (0, 0) stays 0 (the eps).
    x = tg.tensor(np.array([[3.0, 0.0], [4.0, 0.0]]).reshape(1, 2, 1, 2))
    out = PixelNorm()(x).numpy()
    assert out[0, :, 0, 0] == pytest.approx([3 / math.sqrt(12.5 + 1e-8), 4 / math.sqrt(12.5 + 1e-8)], rel=1e-15)
    assert np.array_equal(out[0, :, 0, 1], [0.0, 0.0])


@pytest.mark.parametrize("gain", [math.sqrt(2), 1.0])
def test_the_equalised_conv_is_a_plain_one_with_its_weight_scaled_forward_and_backward(gain):
    tg.manual_seed(3)
    layer = EqualizedConv2d(3, 4, 3, padding=1, gain=gain).double()
    scale = gain / math.sqrt(3 * 3 * 3)
    assert layer.scale == pytest.approx(scale, rel=1e-15)
    assert abs(layer.weight.numpy().std() - 1) < 0.25 and np.array_equal(layer.bias.numpy(), np.zeros(4))
    plain = nn.Conv2d(3, 4, 3, padding=1).double()
    plain.weight.data[...] = layer.weight.numpy() * scale
    plain.bias.data[...] = np.random.default_rng(3).standard_normal(4)
    layer.bias.data[...] = plain.bias.numpy()
    x = tg.tensor(np.random.default_rng(4).standard_normal((2, 3, 5, 5)))
    upstream = tg.tensor(np.random.default_rng(5).standard_normal((2, 4, 5, 5)))
    (layer(x) * upstream).sum().backward()
    (plain(x) * upstream).sum().backward()
    assert np.allclose(layer(x).numpy(), plain(x).numpy(), rtol=1e-13, atol=1e-13)
    # dL/dw_stored = scale * dL/dw_used: the stored weight's gradient is the plain layer's, scaled
    assert np.allclose(layer.weight.grad.numpy(), scale * plain.weight.grad.numpy(), rtol=1e-13, atol=1e-13)
    assert np.allclose(layer.bias.grad.numpy(), plain.bias.grad.numpy(), rtol=1e-13)


def test_the_equalised_linear_is_a_plain_one_with_its_weight_scaled_forward_and_backward():
    tg.manual_seed(4)
    layer = EqualizedLinear(6, 3).double()
    scale = math.sqrt(2 / 6)
    plain = nn.Linear(6, 3).double()
    plain.weight.data[...] = layer.weight.numpy() * scale
    plain.bias.data[...] = layer.bias.numpy()
    x = tg.tensor(np.random.default_rng(6).standard_normal((5, 6)))
    layer(x).sum().backward()
    plain(x).sum().backward()
    assert np.allclose(layer(x).numpy(), plain(x).numpy(), rtol=1e-13, atol=1e-13)
    assert np.allclose(layer.weight.grad.numpy(), scale * plain.weight.grad.numpy(), rtol=1e-13)


# ---- the objective ------------------------------------------------------------------------------
class SumCritic(nn.Module):
    """D(x) = c * sum of x's values: D's input gradient is c everywhere, so ||grad D|| = c sqrt(pixels)."""

    resolutions = (7, 14, 28)

    def __init__(self, c):
        super().__init__()
        self.c = nn.Parameter(tg.tensor(c))
        self.seen = []

    def forward(self, x, stage=None, alpha=1.0):
        self.seen.append((x.shape[-1], stage, alpha))
        return self.c * x.flatten(1).sum(1)


def test_the_critic_loss_is_wgan_gps_plus_the_drift_term_on_real_images_pooled_to_the_stage():
    generator, _ = networks()
    c = 0.03125  # a power of 2: exact in float32, the dtype the parameter starts in
    gan = ProgressiveGAN(generator, SumCritic(c), 5, phase_steps=3).double()
    rng = np.random.default_rng(7)
    real = rng.uniform(-1, 1, (4, 1, 28, 28))
    gan.progress(1)  # stage 0 (7x7): the real digits are 4x4-average-pooled
    fake = rng.uniform(-1, 1, (4, 1, 7, 7))
    loss, terms = gan.discriminator_loss(tg.tensor(real), tg.tensor(fake))
    pooled = real.reshape(4, 1, 7, 4, 7, 4).mean(axis=(3, 5))
    real_scores, fake_scores = c * pooled.sum(axis=(1, 2, 3)), c * fake.sum(axis=(1, 2, 3))
    penalty = (c * 7 - 1) ** 2  # ||grad D|| = c sqrt(49) at every x_hat
    drift = np.mean(real_scores**2)
    assert terms["drift"].item() == pytest.approx(drift, rel=1e-13)
    assert terms["gradient_penalty"].item() == pytest.approx(penalty, rel=1e-10)
    assert terms["wasserstein"].item() == pytest.approx(real_scores.mean() - fake_scores.mean(), rel=1e-12)
    expected = fake_scores.mean() - real_scores.mean() + 10 * penalty + 0.001 * drift
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    assert {size for size, _, _ in gan.discriminator.seen} == {7}
    assert terms["resolution"] == 7 and terms["alpha"] == 1.0


def test_the_real_images_fade_like_the_generators_output():
    gan = model()
    x = tg.tensor(np.random.default_rng(8).uniform(-1, 1, (2, 1, 28, 28)))
    gan.stage, gan.alpha = 1, 0.0  # 14x14 fading in: the 7x7 digits, upsampled
    seven = x.numpy().reshape(2, 1, 7, 4, 7, 4).mean(axis=(3, 5))
    assert np.allclose(gan.real_images(x).numpy(), seven.repeat(2, axis=2).repeat(2, axis=3), rtol=1e-14)
    gan.alpha = 0.25
    fourteen = x.numpy().reshape(2, 1, 14, 2, 14, 2).mean(axis=(3, 5))
    expected = 0.75 * seven.repeat(2, axis=2).repeat(2, axis=3) + 0.25 * fourteen
    assert np.allclose(gan.real_images(x).numpy(), expected, rtol=1e-14)
    gan.stage, gan.alpha = 2, 1.0
    assert np.array_equal(gan.real_images(x).numpy(), x.numpy())


def test_the_penalty_differentiates_in_the_growing_critics_weights_mid_fade():
    """The double backward through avg-pooling, the fade-in, minibatch-std and equalised convolutions."""
    gan = model()
    gan.stage, gan.alpha = 1, 0.4
    rng = np.random.default_rng(9)
    real, fake = tg.tensor(rng.uniform(-1, 1, (3, 1, 14, 14))), tg.tensor(rng.uniform(-1, 1, (3, 1, 14, 14)))
    eps = tg.tensor(rng.random(3))
    weights = [p for name, p in gan.discriminator.named_parameters() if not name.startswith("from_rgb.2")
               and not name.startswith("blocks.2")]  # fmt: skip (stage 1 reads neither)
    assert tg.gradcheck(lambda *_: gan.gradient_penalty(real, fake, eps=eps), *weights, rtol=1e-5, atol=1e-8)


# ---- the schedule and the loop -------------------------------------------------------------------
def test_progress_walks_stable_fade_stable_fade_stable_then_stays_grown():
    gan = model(phase_steps=3)
    assert (gan.stage, gan.alpha) == (2, 1.0)  # built grown: sampling draws full-size digits
    schedule = []
    for step in range(1, 18):
        gan.progress(step)
        schedule.append((gan.resolution, round(gan.alpha, 6)))
    third, two_thirds = round(1 / 3, 6), round(2 / 3, 6)
    assert schedule == [(7, 1.0)] * 3 + [(14, 0.0), (14, third), (14, two_thirds)] + [(14, 1.0)] * 3 + [
        (28, 0.0), (28, third), (28, two_thirds)] + [(28, 1.0)] * 5  # fmt: skip
    assert [gan.stage_end(stage) for stage in range(3)] == [3, 9, 15]
    with pytest.raises(ValueError, match="phase_steps must be a positive number"):
        model(phase_steps=0)


def signed_digits(n=32):
    images, labels = mnist(signed=True).train.arrays
    return ArrayDataset((images[:n] / 127.5 - 1).astype(np.float32), labels[:n])


class Interrupted(Exception):
    """Stands in for a crash in the middle of a run."""


def fit(tmp_path, argv=(), crash_at=None):
    """A tiny Progressive GAN trained 3 epochs of 4 batches, phases of 2 steps; -> (model, metrics.jsonl records)."""
    parser = train.example_parser("progan_test", "a tiny Progressive GAN", epochs=3, batch_size=8, lr=1e-3)
    run = train.Run(parser.parse_args(["--out", str(tmp_path), "--quiet", *argv]))
    tg.manual_seed(0)
    gan = ProgressiveGAN(ProgressiveGenerator(5, (4, 3, 2)), ProgressiveDiscriminator((4, 3, 2)), 5, phase_steps=2)
    if crash_at is not None:
        progress = gan.progress

        def progress_or_crash(step):
            if step == crash_at:
                raise Interrupted
            progress(step)

        gan.progress = progress_or_crash
    loader = DataLoader(signed_digits(), run.args.batch_size, shuffle=True, seed=run.args.seed)
    fit_adversarially(run, gan, loader, num_samples=4,
                      show_progress=lambda samples, path: Image.new("L", (2, 2)).save(path),
                      report=lambda run, samples, labels: {})  # fmt: skip
    return gan, [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]


def test_the_adversarial_loop_tells_the_model_each_steps_number_and_a_resumed_run_grows_the_same(tmp_path):
    gan, records = fit(tmp_path / "whole")
    steps = [r for r in records if r["kind"] == "step"]
    assert [r["step"] for r in steps] == list(range(1, 13))  # 3 epochs of 4 batches
    assert [(r["resolution"], r["alpha"]) for r in steps] == [(7, 1), (7, 1), (14, 0), (14, 0.5), (14, 1), (14, 1),
                                                              (28, 0), (28, 0.5)] + [(28, 1)] * 4  # fmt: skip
    assert gan.sample(3).shape == (3, 1, 28, 28)

    with pytest.raises(Interrupted):  # at step 7, the first of the 28x28 fade; the last checkpoint is step 4's
        fit(tmp_path / "cut", crash_at=7)
    resumed, cut_records = fit(tmp_path / "cut", ["--resume"])
    assert cut_records == records
    for (name, p), q in zip(gan.named_parameters(), resumed.parameters()):
        assert np.array_equal(p.numpy(), q.numpy()), name
