"""Puzzle-GAN's losses against hand computations on stand-in networks, its mixtures, and its order-blind encoder."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.models.gan import DCGANDiscriminator
from tinygen.models.part_to_whole import PuzzleGAN, PuzzleGenerator

N, SHAPE = 3, (1, 2, 2)


class FixedGenerator(nn.Module):
    """Returns the given image and mask whatever the patches."""

    def __init__(self, image, mask):
        super().__init__()
        self.image, self.mask = nn.Parameter(tg.tensor(image)), nn.Parameter(tg.tensor(mask))

    def forward(self, patches, present, z):
        return self.image * 1, self.mask * 1  # an operation, so that no_grad leaves no graph


class LinearCritic(nn.Module):
    """D(x) = <a, x>: a logit per image."""

    def __init__(self, a):
        super().__init__()
        self.a = nn.Parameter(tg.tensor(a))

    def forward(self, x):
        return (x.flatten(1) * self.a).sum(1)


def softplus(v):
    return np.log1p(np.exp(v))


def toy(seed=0):
    rng = np.random.default_rng(seed)
    y, fake = rng.uniform(-1, 1, (N, *SHAPE)), rng.uniform(-1, 1, (N, *SHAPE))
    mask, predicted = rng.integers(0, 2, (N, *SHAPE)).astype(np.float64), rng.uniform(0, 1, (N, *SHAPE))
    a = rng.normal(size=int(np.prod(SHAPE)))
    model = PuzzleGAN(FixedGenerator(fake, predicted), LinearCritic(a), latent_dim=1, mask_weight=2.0,
                      appearance_weight=3.0)  # fmt: skip
    batch = tuple(tg.tensor(v) for v in (y, np.zeros((N, 1, 2, 2)), np.ones((N, 1)), mask))
    return model, batch, (y, fake, mask, predicted, a)


def test_the_mixtures_put_one_digit_s_parts_on_the_next_digit_s_background():
    y = tg.tensor([[[[1.0, 2.0]]], [[[3.0, 4.0]]]])
    mask = tg.tensor([[[[1.0, 0.0]]], [[[0.0, 1.0]]]])
    parts_elsewhere, others_parts = PuzzleGAN.mixtures(y, mask)
    # the next digit of 0 is 1 and of 1 is 0 (the batch rolled by one)
    assert parts_elsewhere.numpy().ravel().tolist() == [3.0, 2.0, 3.0, 2.0]  # M y' + (1 - M) y
    assert others_parts.numpy().ravel().tolist() == [1.0, 4.0, 1.0, 4.0]  # M y + (1 - M) y'


def test_the_discriminator_loss_is_the_four_cross_entropies_by_hand():
    model, batch, (y, fake, mask, _, a) = toy()
    loss, terms = model.discriminator_loss(batch)
    other = np.roll(y, 1, axis=0)
    logit = lambda x: x.reshape(N, -1) @ a  # noqa: E731
    expected = (softplus(-logit(y)).mean() + softplus(logit(fake)).mean()
                + softplus(logit(mask * other + (1 - mask) * y)).mean()
                + softplus(logit(mask * y + (1 - mask) * other)).mean())  # fmt: skip
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    assert terms["d_real"].item() == pytest.approx((1 / (1 + np.exp(-logit(y)))).mean(), rel=1e-12)


def test_the_generator_loss_is_adversarial_plus_weighted_spatial_and_appearance_by_hand():
    model, batch, (y, fake, mask, predicted, a) = toy()
    loss, terms = model.generator_loss(batch)
    adversarial = softplus(-(fake.reshape(N, -1) @ a)).mean()
    spatial = -(mask * np.log(predicted) + (1 - mask) * np.log(1 - predicted)).mean()  # the mask's cross-entropy
    appearance = np.abs(mask * (fake - y)).mean()  # gated by the true mask, not the predicted one
    assert terms["spatial"].item() == pytest.approx(spatial, rel=1e-12)
    assert terms["appearance"].item() == pytest.approx(appearance, rel=1e-12)
    assert loss.item() == pytest.approx(adversarial + 2.0 * spatial + 3.0 * appearance, rel=1e-12)


def test_the_appearance_loss_pulls_the_image_under_the_true_mask_even_where_the_predicted_mask_is_zero():
    """The paper's |M^ y^ - M y| gives y^ no gradient once M^ = 0; gated by the true mask it does, there only."""
    model, batch, (y, fake, mask, _, _) = toy()
    model.generator.mask.data[...] = 0.0
    model.discriminator.a.data[...] = 0.0  # no adversarial gradient either
    model.generator_loss(batch)[0].backward()
    expected = 3.0 * mask * np.sign(fake - y) / mask.size  # lambda_A d/dy^ mean |M (y^ - y)|
    assert np.allclose(model.generator.image.grad.numpy(), expected, atol=1e-12)
    assert (mask == 1).any() and (mask == 0).any()


def test_the_discriminator_loss_sends_no_gradient_to_the_generator():
    model, batch, _ = toy()
    model.discriminator_loss(batch)[0].backward()
    assert model.generator.image.grad is None and model.discriminator.a.grad is not None


def network(size=6):
    tg.manual_seed(0)
    return PuzzleGenerator(size, code_dim=8, latent_dim=2, width=8).double().eval()


def test_the_code_ignores_patch_order_and_absent_patches():
    generator, rng = network(), np.random.default_rng(0)
    patches, present = tg.tensor(rng.uniform(-1, 1, (2, 3, 6, 6))), tg.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    code = generator.encode(patches, present).numpy()
    order = [2, 0, 1]
    assert np.allclose(generator.encode(patches[:, order], present[:, order]).numpy(), code, atol=1e-12)
    changed = patches.numpy().copy()
    changed[0, 2], changed[1, 1] = 5.0, -5.0  # the absent patches
    assert np.allclose(generator.encode(tg.tensor(changed), present).numpy(), code, atol=1e-12)
    alone = [generator.encode(patches[:, [j]], tg.ones(2, 1, dtype=tg.float64)).numpy() for j in range(3)]
    assert np.allclose(code, [alone[0][0] + alone[1][0], alone[0][1] + alone[2][1]], atol=1e-12)  # the sum of codes


def test_a_completion_is_an_image_in_tanh_range_and_a_mask_in_zero_one():
    model = PuzzleGAN(network(), DCGANDiscriminator(width=4), latent_dim=2).double().eval()
    image, mask = model.complete(tg.zeros(5, 3, 6, 6, dtype=tg.float64), tg.ones(5, 3, dtype=tg.float64))
    assert image.shape == mask.shape == (5, 1, 28, 28)
    assert image.numpy().min() >= -1 and image.numpy().max() <= 1
    assert mask.numpy().min() >= 0 and mask.numpy().max() <= 1
    with pytest.raises(ValueError, match="present"):
        model.complete(tg.zeros(5, 3, 6, 6, dtype=tg.float64), tg.ones(5, 2, dtype=tg.float64))
    with pytest.raises(TypeError, match="complete"):
        model.sample(4)
    assert set(model.phases()) == {"discriminator", "generator"}
