"""Classifier-free guidance: the guided noise is (1 + w) eps(y) - w eps(null), labels are dropped at the stated
rate in training, the samplers use the guided noise, and bad labels are refused plainly."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.models.diffusion import DDIM, GuidedDDPM, UNet, linear_schedule

NUM_CLASSES = 3


class LabelledNoise(nn.Module):
    """eps(x, t, y) = a_y x + b t / 100: a different linear map per label (index 3: the null label), recording labels."""

    def __init__(self):
        super().__init__()
        self.a = nn.Parameter(tg.tensor([0.5, -1.0, 2.0, 0.25], dtype=tg.float64))
        self.b = nn.Parameter(tg.tensor(0.3, dtype=tg.float64))
        self.seen = []

    def forward(self, x, t, labels):
        self.seen.append(labels.numpy().copy())
        return self.a[labels][:, None] * x + self.b * t.to(x.dtype)[:, None] / 100


def guided(w=1.5, dropout=0.2):
    return GuidedDDPM(LabelledNoise(), (2,), NUM_CLASSES, label_dropout=dropout, guidance_scale=w,
                      schedule=linear_schedule(50))  # fmt: skip


@pytest.mark.parametrize("w", [0.0, 0.5, 3.0])
def test_the_guided_noise_is_the_conditional_pushed_away_from_the_unconditional(w):
    model = guided(w)
    x = tg.tensor(np.random.default_rng(0).normal(size=(4, 2)))
    labels = tg.tensor(np.array([0, 1, 2, 1]))
    with model.given(labels):
        eps = model.predict_noise(x, 7).numpy()
    a, b = model.network.a.numpy(), model.network.b.item()
    conditional = a[[0, 1, 2, 1]][:, None] * x.numpy() + b * 0.07
    unconditional = a[NUM_CLASSES] * x.numpy() + b * 0.07
    np.testing.assert_allclose(eps, (1 + w) * conditional - w * unconditional, rtol=1e-12)
    assert len(model.network.seen) == 1  # when w > 0, both halves in one call of 2N
    assert len(model.network.seen[0]) == (4 if w == 0 else 8)


def test_training_drops_labels_to_null_at_the_stated_rate_and_never_guides():
    tg.manual_seed(0)
    model = guided(w=2.0, dropout=0.2)
    x = tg.tensor(np.zeros((1000, 2)))
    labels = tg.tensor(np.arange(1000) % NUM_CLASSES)
    loss, terms = model.loss(x, labels)
    seen = model.network.seen[-1]
    assert len(model.network.seen) == 1 and seen.shape == (1000,)  # w is not applied in training
    dropped = seen == NUM_CLASSES
    assert abs(dropped.mean() - 0.2) < 3 * np.sqrt(0.2 * 0.8 / 1000)
    np.testing.assert_array_equal(seen[~dropped], labels.numpy()[~dropped])  # the others keep their label
    loss.backward()
    assert model.network.a.grad is not None and float(terms["mse"]) > 0


def test_the_samplers_draw_with_the_guided_noise_of_the_labels_given():
    model = guided(w=1.0)
    labels = tg.tensor(np.array([2, 0]))
    tg.manual_seed(1)
    ddim = DDIM(model, steps=5, eta=0.0)
    with model.given(labels):
        drawn = ddim.decode(tg.tensor(np.ones((2, 2))))
    # By hand: the same jumps with the guided linear noise.
    a = model.network.a.numpy()
    x = np.ones((2, 2))
    for t, s in ddim._jumps():
        eps = 2 * a[[2, 0]][:, None] * x - a[NUM_CLASSES] * x + model.network.b.item() * t / 100
        abar_t, abar_s = ddim._abar(t), ddim._abar(s)
        x0 = (x - np.sqrt(1 - abar_t) * eps) / np.sqrt(abar_t)
        x = np.sqrt(abar_s) * x0 + np.sqrt(1 - abar_s) * eps
    np.testing.assert_allclose(drawn.numpy(), x, rtol=1e-10)
    assert model.sample(5).shape == (5, 2)
    assert [list(seen[:5]) for seen in model.network.seen[-1:]] == [[0, 1, 2, 0, 1]]  # cycled labels by default


def test_guidance_refuses_missing_or_bad_labels_and_settings():
    model = guided()
    x = tg.tensor(np.zeros((2, 2)))
    with pytest.raises(RuntimeError, match="say which digits to draw"):
        model.predict_noise(x, 3)
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\)"):
        model.loss(x, tg.tensor(np.array([0, 3])))  # the null label is not a training label
    with pytest.raises(ValueError, match="needs the labels y"):
        model.loss(x, None)
    with pytest.raises(ValueError, match="guidance_scale w must be >= 0"):
        guided(w=-1)
    with pytest.raises(ValueError, match="label_dropout is a probability below 1"):
        guided(dropout=1.0)


def test_the_unet_reads_labels_and_none_means_the_null_label():
    tg.manual_seed(0)
    net = UNet(channels=8, groups=4, num_classes=NUM_CLASSES)
    x, t = tg.randn(2, 1, 28, 28), tg.tensor(np.array([3, 50]))
    null = net(x, t, tg.tensor(np.array([NUM_CLASSES] * 2)))
    np.testing.assert_array_equal(net(x, t).numpy(), null.numpy())
    assert not np.allclose(net(x, t, tg.tensor(np.array([0, 1]))).numpy(), null.numpy())
    with pytest.raises(ValueError, match="without num_classes"):
        UNet(channels=8, groups=4)(x, t, tg.tensor(np.array([0, 1])))
