"""GAN-CLS, GAN-INT-CLS and the text encoder against hand computations on stand-in networks."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.data.captions import Vocabulary
from tinygen.models.text_to_image import GANCLS, GANINTCLS, ImageEncoder, JointEmbedding, TextEncoder, mismatched

N, TEXT_DIM, EMBED = 4, 3, 2
SENTENCES = ["a thick seven leaning right", "the number 3 , with thin strokes , standing straight",
             "a thin one tilted right", "an upright bold zero"]  # fmt: skip


class SumGenerator(nn.Module):
    """G(z, c): a 1x1 image whose pixel is sum(c); remembers every condition it was given."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(tg.tensor([1.0]))
        self.seen = []

    def forward(self, z, condition):
        self.seen.append(condition.numpy().copy())
        return (condition.sum(dim=1) * self.scale).reshape(-1, 1, 1, 1)


class SumCritic(nn.Module):
    """D(x, c) = sum(x) + sum(c), the logit."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(tg.tensor([1.0]))

    def forward(self, x, condition):
        return (x.flatten(1).sum(dim=1) + condition.sum(dim=1)) * self.scale


def softplus(x):
    return np.logaddexp(0, x)


def project(layers, h):
    """LeakyReLU(0.2)(h W^T + b) of a projection Sequential(Linear, LeakyReLU), in NumPy."""
    a = h @ layers[0].weight.numpy().T.astype(np.float64) + layers[0].bias.numpy()
    return np.where(a > 0, a, 0.2 * a)


def model(kind=GANCLS):
    tg.manual_seed(0)
    vocabulary = Vocabulary.of_captions()
    prompts = tg.tensor(vocabulary.encode(SENTENCES[:3]))
    return kind(SumGenerator(), SumCritic(), 5, TextEncoder(len(vocabulary), TEXT_DIM), prompts, EMBED), vocabulary


def test_mismatched_hands_each_example_the_previous_ones_condition():
    h = tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    np.testing.assert_array_equal(mismatched(h).numpy(), [[5, 6], [1, 2], [3, 4]])


def test_the_discriminator_loss_is_right_real_and_half_of_wrong_real_and_fake():
    gan, _ = model()
    rng = np.random.default_rng(0)
    real, fake, h = rng.normal(size=(N, 1, 2, 2)), rng.normal(size=(N, 1, 2, 2)), rng.normal(size=(N, TEXT_DIM))
    loss, terms = gan.discriminator_loss(tg.tensor(real), tg.tensor(fake), tg.tensor(h))
    c = project(gan.discriminator_embedding, h).sum(axis=1)
    right, wrong, faked = real.sum(axis=(1, 2, 3)) + c, real.sum(axis=(1, 2, 3)) + np.roll(c, 1), fake.sum(axis=(1, 2, 3)) + c
    expected = softplus(-right).mean() + (softplus(wrong).mean() + softplus(faked).mean()) / 2
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)
    np.testing.assert_allclose(float(terms["d_wrong"]), (1 / (1 + np.exp(-wrong))).mean(), rtol=1e-5)


def test_gan_int_adds_the_generators_loss_on_halfway_embeddings():
    rng = np.random.default_rng(1)
    h = rng.normal(size=(N, TEXT_DIM))
    plain, _ = model(GANCLS)
    interpolating, _ = model(GANINTCLS)
    for gan in (plain, interpolating):
        fake = gan.generate(gan.noise(N), tg.tensor(h))
        loss, terms = gan.generator_loss(fake, tg.tensor(h))
        d = lambda image, condition: image + project(gan.discriminator_embedding, condition).sum(axis=1)  # noqa: E731
        g = lambda condition: project(gan.generator_embedding, condition).sum(axis=1)  # noqa: E731
        expected = softplus(-d(g(h), h)).mean()
        if gan is interpolating:
            between = (h + np.roll(h, 1, axis=0)) / 2
            np.testing.assert_allclose(gan.generator.seen[-1], project(gan.generator_embedding, between), rtol=1e-5)
            np.testing.assert_allclose(float(terms["g_interpolated"]), softplus(-d(g(between), between)).mean(), rtol=1e-5)
            expected += softplus(-d(g(between), between)).mean()
        np.testing.assert_allclose(float(loss), expected, rtol=1e-5)
    assert len(plain.generator.seen) == 1 and len(interpolating.generator.seen) == 2


def test_captions_are_read_by_the_frozen_text_encoder_and_prompts_cycle():
    gan, vocabulary = model()
    words = tg.tensor(vocabulary.encode(SENTENCES))
    np.testing.assert_allclose(gan._labels(words, N).numpy(), gan.text_encoder(words).numpy())
    assert not any(p.requires_grad for p in gan.text_encoder.parameters())
    d_optimizer, g_optimizer = gan.optimizers()
    trained = {id(p) for o in (d_optimizer, g_optimizer) for group in o.param_groups for p in group["params"]}
    assert trained.isdisjoint(id(p) for p in gan.text_encoder.parameters())
    np.testing.assert_array_equal(gan.cycled_labels(5).numpy(), gan.prompts.numpy()[[0, 1, 2, 0, 1]])
    assert gan.sample(5).shape == (5, 1, 1, 1)


def test_bad_captions_are_refused_with_what_to_do():
    gan, _ = model()
    with pytest.raises(ValueError, match="needs captions"):
        gan.generate(gan.noise(2), None)
    with pytest.raises(ValueError, match=r"word indices must be in \[0, 50\)"):
        gan.generate(gan.noise(2), tg.tensor(np.full((2, 12), 50)))
    with pytest.raises(ValueError, match=r"must be \(N, T\) = \(2, T\)"):
        gan.generate(gan.noise(2), tg.tensor(np.zeros((3, 12), dtype=np.int64)))
    with pytest.raises(ValueError, match=r"embeddings must be \(N, text dim\) = \(2, 3\)"):
        gan.generate(gan.noise(2), tg.randn(2, 4))


def test_the_text_encoder_averages_over_words_only_and_gives_unit_vectors():
    tg.manual_seed(0)
    vocabulary = Vocabulary.of_captions()
    encoder = TextEncoder(len(vocabulary), 8)
    words = vocabulary.encode(SENTENCES)
    padded, short = encoder(tg.tensor(words)).numpy(), encoder(tg.tensor(vocabulary.encode(SENTENCES[:1], length=5))).numpy()
    np.testing.assert_allclose(np.linalg.norm(padded, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(padded[0], short[0], rtol=1e-5, atol=1e-6)  # 7 pads after 5 words change nothing
    hidden, _ = encoder.lstm(encoder.embedding(tg.tensor(words)))
    mean = hidden.numpy()[0, :5].mean(axis=0) @ encoder.output.weight.numpy().T + encoder.output.bias.numpy()
    np.testing.assert_allclose(padded[0], mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)


def test_the_matching_loss_is_the_mean_of_both_directions_cross_entropies():
    tg.manual_seed(0)
    vocabulary = Vocabulary.of_captions()
    joint = JointEmbedding(TextEncoder(len(vocabulary), 8), ImageEncoder(8, width=4), temperature=0.1)
    images, words = tg.randn(N, 1, 28, 28), tg.tensor(vocabulary.encode(SENTENCES))
    loss, terms = joint.loss(images, words)
    s = joint.image_encoder(images).numpy().astype(np.float64) @ joint.text_encoder(words).numpy().T / 0.1
    log_p_image = s - np.log(np.exp(s).sum(axis=0, keepdims=True))  # each caption's softmax over the images
    log_p_caption = s - np.log(np.exp(s).sum(axis=1, keepdims=True))  # each image's softmax over the captions
    expected = -(np.diag(log_p_image).mean() + np.diag(log_p_caption).mean()) / 2
    np.testing.assert_allclose(float(loss), expected, rtol=1e-5)
    assert float(terms["matching_accuracy"]) == np.mean(s.argmax(axis=0) == np.arange(N))


def test_a_few_steps_of_matching_teach_the_encoders_to_pair_digits_and_captions():
    tg.manual_seed(0)
    vocabulary = Vocabulary.of_captions()
    joint = JointEmbedding(TextEncoder(len(vocabulary), 8), ImageEncoder(8, width=4))
    # four "digits" that differ as their captions do: a bright square in a different corner each
    images = -np.ones((N, 1, 28, 28), dtype=np.float32)
    for i, (row, column) in enumerate([(0, 0), (0, 14), (14, 0), (14, 14)]):
        images[i, 0, row : row + 14, column : column + 14] = 1
    images, words = tg.tensor(images), tg.tensor(vocabulary.encode(SENTENCES))
    optimizer = tg.optim.Adam(joint.parameters(), lr=1e-2)
    first, _ = joint.loss(images, words)
    for _ in range(30):
        loss, terms = joint.loss(images, words)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert float(loss) < float(first) / 4 and float(terms["matching_accuracy"]) == 1.0
