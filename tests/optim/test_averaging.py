"""ExponentialMovingAverage: theta_ema <- decay theta_ema + (1 - decay) theta, step by step against NumPy;
buffers copied, not averaged; the copy frozen and independent of the live network; a checkpoint round trip."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.optim import ExponentialMovingAverage


def network():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).double()


def test_the_average_follows_its_recurrence_and_the_buffers_are_copied():
    live = network()
    ema = ExponentialMovingAverage(live, decay=0.9)
    expected = {name: p.numpy().copy() for name, p in live.named_parameters()}
    rng = np.random.default_rng(0)
    for _ in range(5):
        with tg.no_grad():
            for name, parameter in live.named_parameters():
                parameter.copy_(tg.tensor(rng.standard_normal(parameter.shape)))
                expected[name] = 0.9 * expected[name] + 0.1 * parameter.numpy()
        live(tg.tensor(rng.standard_normal((4, 3))))  # training mode: new running statistics
        ema.update(live)
        for name, average in ema.module.named_parameters():
            np.testing.assert_allclose(average.numpy(), expected[name], rtol=1e-14, err_msg=name)
        for (name, average), buffer in zip(ema.module.named_buffers(), live.buffers(), strict=True):
            np.testing.assert_array_equal(average.numpy(), buffer.numpy(), err_msg=name)


def test_the_copy_is_frozen_and_apart_from_the_live_network():
    live = network()
    ema = ExponentialMovingAverage(live, decay=0.5)
    assert ema.module is not live and all(not p.requires_grad for p in ema.module.parameters())
    assert all(p.requires_grad for p in live.parameters())
    before = ema.module[0].weight.numpy().copy()
    with tg.no_grad():
        live[0].weight.add_(1.0)
    np.testing.assert_array_equal(ema.module[0].weight.numpy(), before)  # only update() moves it
    ema.update(live)
    np.testing.assert_allclose(ema.module[0].weight.numpy(), before + 0.5, rtol=1e-15)


def test_a_checkpoint_round_trip_restores_the_average():
    live = network()
    ema = ExponentialMovingAverage(live, decay=0.9)
    with tg.no_grad():
        live[0].weight.mul_(3.0)
    ema.update(live)
    restored = ExponentialMovingAverage(network(), decay=0.9)
    restored.load_state_dict(ema.state_dict())
    for (name, a), (_, b) in zip(restored.module.state_dict().items(), ema.module.state_dict().items(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_warmup_uses_the_smaller_decay_until_it_reaches_the_set_one_and_survives_a_checkpoint():
    live = network()
    ema = ExponentialMovingAverage(live, decay=0.5, warmup=True)
    expected = live[0].weight.numpy().copy()
    decays = []
    for n in range(10):
        decays.append(ema.current_decay())
        with tg.no_grad():
            live[0].weight.add_(1.0)
        ema.update(live)
        expected = decays[-1] * expected + (1 - decays[-1]) * live[0].weight.numpy()
        np.testing.assert_allclose(ema.module[0].weight.numpy(), expected, rtol=1e-14)
    assert decays == [(1 + n) / (10 + n) for n in range(8)] + [0.5, 0.5]  # (1 + n) / (10 + n) reaches 0.5 at n = 8
    restored = ExponentialMovingAverage(network(), decay=0.5, warmup=True)
    restored.load_state_dict(ema.state_dict())
    assert restored.num_updates == 10 and restored.current_decay() == ema.current_decay()


@pytest.mark.parametrize("decay", [0.0, 1.0, 1.5, -0.1])
def test_a_decay_outside_0_1_is_refused(decay):
    with pytest.raises(ValueError, match=r"ema decay must be in \(0, 1\), got .*: 0.999 averages over about the last"):
        ExponentialMovingAverage(network(), decay)
