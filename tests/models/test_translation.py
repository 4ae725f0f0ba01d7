"""The translation family: networks' shapes, CycleGAN's and DiscoGAN's losses against NumPy by hand, which networks
each phase moves, the history of past translations, and the unpaired loader."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.data import ArrayDataset, DataLoader, UnpairedLoader
from tinygen.models.translation import (CycleGAN, DiscoGAN, ImageHistory, PatchDiscriminator, ResidualGenerator,
                                        with_condition_maps)  # fmt: skip

RNG = np.random.default_rng(0)


def images(n=3, seed=0):
    return tg.tensor(np.random.default_rng(seed).uniform(-1, 1, (n, 1, 28, 28)), dtype=tg.float64)


def test_the_generator_keeps_the_shape_in_minus_one_one_and_the_discriminator_scores_7x7_patches():
    tg.manual_seed(0)
    x = images()
    g, d = ResidualGenerator(width=4, blocks=2).double(), PatchDiscriminator(width=4).double()
    y = g(x)
    assert y.shape == (3, 1, 28, 28) and np.abs(y.numpy()).max() < 1
    assert d(y).shape == (3, 1, 7, 7) and d.features(y).shape == (3, 16, 7, 7)
    condition = tg.tensor(np.eye(3)[[0, 2, 1]], dtype=tg.float64)
    conditioned = ResidualGenerator(width=4, blocks=1, condition_dim=3).double()
    assert conditioned(x, condition).shape == (3, 1, 28, 28)
    maps = with_condition_maps(x, condition).numpy()
    assert maps.shape == (3, 4, 28, 28) and (maps[:, 1:] == np.eye(3)[[0, 2, 1]][:, :, None, None]).all()


class Scale(nn.Module):
    """x -> w x + c: a generator or discriminator whose outputs are easy to compute by hand."""

    def __init__(self, w, c=0.0):
        super().__init__()
        self.w = nn.Parameter(tg.tensor([w], dtype=tg.float64))
        self.c = c

    def forward(self, x):
        return x * self.w + self.c


def hand_networks():
    return Scale(0.5, 0.1), Scale(1.5, -0.2), Scale(2.0), Scale(-1.0, 0.3)  # G, F, D_A, D_B


def test_cyclegan_losses_by_hand():
    a, b = images(2, 1), images(2, 2)
    model = CycleGAN(*hand_networks(), identity_weight=3.0, history=0)
    g, f = (lambda x: 0.5 * x + 0.1), (lambda x: 1.5 * x - 0.2)
    d_a, d_b = (lambda x: 2 * x), (lambda x: -x + 0.3)
    an, bn = a.numpy(), b.numpy()
    fooling = np.mean((d_b(g(an)) - 1) ** 2) + np.mean((d_a(f(bn)) - 1) ** 2)
    cycle = np.mean(np.abs(f(g(an)) - an)) + np.mean(np.abs(g(f(bn)) - bn))
    identity = np.mean(np.abs(g(bn) - bn)) + np.mean(np.abs(f(an) - an))
    loss, terms = model.generator_loss((a, b))
    assert loss.item() == pytest.approx(fooling + 10 * cycle + 3 * identity, rel=1e-12)
    assert terms["identity"].item() == pytest.approx(identity, rel=1e-12)
    d_loss, terms = model.discriminator_loss((a, b))
    d_loss_a = 0.5 * (np.mean((d_a(an) - 1) ** 2) + np.mean(d_a(f(bn)) ** 2))
    d_loss_b = 0.5 * (np.mean((d_b(bn) - 1) ** 2) + np.mean(d_b(g(an)) ** 2))
    assert terms["d_loss_a"].item() == pytest.approx(d_loss_a, rel=1e-12)
    assert d_loss.item() == pytest.approx(d_loss_a + d_loss_b, rel=1e-12)
    assert "identity" not in CycleGAN(*hand_networks(), history=0).generator_loss((a, b))[1]


def test_discogan_losses_by_hand():
    a, b = images(2, 1), images(2, 2)
    model = DiscoGAN(*hand_networks())
    g, f = (lambda x: 0.5 * x + 0.1), (lambda x: 1.5 * x - 0.2)
    d_a, d_b = (lambda x: 2 * x), (lambda x: -x + 0.3)
    softplus = lambda t: np.log1p(np.exp(t))  # noqa: E731
    an, bn = a.numpy(), b.numpy()
    fooling = np.mean(softplus(-d_b(g(an)))) + np.mean(softplus(-d_a(f(bn))))  # -log sigmoid
    reconstruction = np.mean((f(g(an)) - an) ** 2) + np.mean((g(f(bn)) - bn) ** 2)
    assert model.generator_loss((a, b))[0].item() == pytest.approx(fooling + reconstruction, rel=1e-12)
    d_loss_b = np.mean(softplus(-d_b(bn))) + np.mean(softplus(d_b(g(an))))  # -log D(b) - log(1 - D(G(a)))
    assert model.discriminator_loss((a, b))[1]["d_loss_b"].item() == pytest.approx(d_loss_b, rel=1e-12)


@pytest.mark.parametrize("objective", [CycleGAN, DiscoGAN])
def test_each_phase_moves_only_its_own_networks(objective):
    tg.manual_seed(0)
    generators = [ResidualGenerator(width=2, blocks=1) for _ in range(2)]
    model = objective(*generators, PatchDiscriminator(width=2), PatchDiscriminator(width=2))
    batch = (images(2, 1).float(), images(2, 2).float())
    for phase, owners in (("generators", ("g_ab", "g_ba")), ("discriminators", ("d_a", "d_b"))):
        before = {name: p.numpy().copy() for name, p in model.named_parameters()}
        loss_of, optimizer, *_ = model.phases()[phase]
        loss, _ = loss_of(batch)
        model.zero_grad()
        loss.backward()
        optimizer.step()
        moved = {name.split(".")[0] for name, p in model.named_parameters() if (p.numpy() != before[name]).any()}
        assert moved == set(owners), phase


def test_a_translation_model_draws_nothing_from_noise():
    with pytest.raises(TypeError, match="translate_ab"):
        CycleGAN(*hand_networks()).sample(4)


def test_the_history_fills_then_shows_half_past_translations_and_keeps_them_in_its_state():
    tg.manual_seed(0)
    history = ImageHistory(4, (1, 2, 2))
    first = tg.tensor(np.arange(16.0).reshape(4, 1, 2, 2))
    np.testing.assert_array_equal(history.query(first).numpy(), first.numpy())  # shown as they are while it fills
    np.testing.assert_array_equal(history.state_dict()["images"].numpy(), first.numpy())
    shown_past = 0
    for step in range(50):
        new = tg.tensor(100.0 + 10 * step + np.arange(16.0).reshape(4, 1, 2, 2))
        stored_before = history.images.numpy().copy()
        shown = history.query(new).numpy()
        for image, fresh in zip(shown, new.numpy()):
            # a past one: from before this batch, or one of this batch stored a moment ago and swapped out again
            is_past = not (image == fresh).all()
            assert not is_past or any((image == old).all() for old in [*stored_before, *new.numpy()])
            shown_past += is_past
        assert int(history.count.item()) == 4
    assert 70 < shown_past < 130  # about half of 200
    assert ImageHistory(0, (1, 2, 2)).query(first) is first
    with pytest.raises(ValueError, match=r"shape \(1, 2, 2\), got translations of shape \(1, 3, 3\).*image_shape"):
        history.query(tg.tensor(np.zeros((2, 1, 3, 3))))
    with pytest.raises(ValueError, match="0 or more"):
        ImageHistory(-1, (1, 2, 2))


def test_the_unpaired_loader_walks_both_sets_side_by_side_and_resumes_exactly():
    a = ArrayDataset(np.arange(10.0)[:, None], np.arange(10))
    b = ArrayDataset(100 + np.arange(6.0)[:, None], np.arange(6))
    loader = UnpairedLoader(DataLoader(a, 2, shuffle=True, seed=0), DataLoader(b, 2, shuffle=True, seed=1))
    assert len(loader) == 3
    epoch = [((x_a.numpy(), x_b.numpy()), (y_a.numpy(), y_b.numpy())) for (x_a, x_b), (y_a, y_b) in loader]
    assert len(epoch) == 3 and all((x_b >= 100).all() and (x_a < 10).all() for (x_a, x_b), _ in epoch)
    assert sorted(np.concatenate([x_b for (_, x_b), _ in epoch]).ravel()) == list(100 + np.arange(6.0))
    (x_a, x_b), _ = next(loader.batches(epoch=0, start=2))
    np.testing.assert_array_equal(x_a.numpy(), epoch[2][0][0])
    second = [x_a.numpy() for (x_a, _), _ in loader]
    assert not all((s == e[0][0]).all() for s, e in zip(second, epoch))  # a fresh part of A the next epoch


class Interrupted(Exception):
    """Stands in for a crash in the middle of a step."""


def test_an_interrupted_and_resumed_cyclegan_ends_exactly_where_an_uninterrupted_one_does(tmp_path):
    """The history of past translations and its random choices are part of the checkpoint."""
    from tinygen import train

    rng = np.random.default_rng(0)
    loader = UnpairedLoader(*(DataLoader(ArrayDataset(rng.uniform(-1, 1, (12, 1, 8, 8)), np.zeros(12, int)), 4,
                                         shuffle=True, seed=seed) for seed in (0, 1)))  # fmt: skip

    def fit(folder, argv=(), crash_at=None):
        parser = train.example_parser("cyclegan_test", "a tiny CycleGAN", epochs=2, batch_size=4, lr=1e-3)
        run = train.Run(parser.parse_args(["--out", str(folder), "--quiet", "--checkpoint-every", "2", *argv]))
        tg.manual_seed(1)
        generators = [ResidualGenerator(width=2, blocks=1).double() for _ in range(2)]
        model = CycleGAN(*generators, PatchDiscriminator(width=2).double(), PatchDiscriminator(width=2).double(),
                         image_shape=(1, 8, 8), history=5).double()  # fmt: skip
        phases, calls = model.phases(), []
        loss_of, optimizer, *_ = phases["discriminators"]

        def crashing(batch, labels):
            calls.append(1)
            if len(calls) == crash_at:
                raise Interrupted  # after this step's generators' step
            return loss_of(batch, labels)

        phases["discriminators"] = (crashing, optimizer)
        train.fit_in_phases(run, model, loader, phases)
        run.finish()

    fit(tmp_path / "whole")
    with pytest.raises(Interrupted):
        fit(tmp_path / "broken", crash_at=6)
    assert tg.load(tmp_path / "broken" / "checkpoint.npz")["step"] == 4
    fit(tmp_path / "broken", ["--resume"])
    ours, theirs = (tg.load(tmp_path / f / "checkpoint.npz")["states"]["model"] for f in ("broken", "whole"))
    assert {"history_a.images", "history_b.count"} <= set(ours) and ours["history_a.count"].item() == 5
    for name in ours:
        np.testing.assert_array_equal(ours[name].numpy(), theirs[name].numpy(), err_msg=name)
