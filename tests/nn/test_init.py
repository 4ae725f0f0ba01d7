"""Initialisation: the schemes' formulas, and the layers' defaults against PyTorch's
(distributions compared by bounds and standard deviations over large tensors)."""
import math

import numpy as np
import pytest

import tinygen as tg
from tinygen import nn
from tinygen.nn import init


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_fills_write_in_place_and_repeat_under_a_seed():
    w = tg.zeros(50, 40)
    array = w.data
    tg.manual_seed(3)
    assert init.normal_(w, 1.0, 2.0) is w and w.data is array
    first = w.numpy().copy()
    tg.manual_seed(3)
    init.normal_(w, 1.0, 2.0)
    np.testing.assert_array_equal(w.numpy(), first)
    assert w.dtype == np.float32
    init.uniform_(w, -0.5, 0.25)
    assert -0.5 <= w.numpy().min() and w.numpy().max() < 0.25
    assert (init.constant_(w, 0.3).numpy() == np.float32(0.3)).all()
    assert (init.ones_(w).numpy() == 1).all() and (init.zeros_(w).numpy() == 0).all()


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5, 5), (2, 3, 4, 5, 6)])
def test_fans_match_pytorch(shape, torch):
    ours = init._calculate_fan_in_and_fan_out(tg.zeros(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(tg.zeros(5))


@pytest.mark.parametrize(
    "nonlinearity, param",
    [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
     ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)],
)  # fmt: skip
def test_gains_match_pytorch(nonlinearity, param, torch):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity, param))


def test_unknown_nonlinearity_and_mode_are_errors():
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(tg.zeros(3, 3), mode="fan_avg")


# A conv-shaped weight: fan_in = 64 * 9 = 576, fan_out = 128 * 9 = 1152.
SHAPE = (128, 64, 3, 3)
SCHEMES = {
    "xavier_uniform": (lambda lib, w: lib.xavier_uniform_(w, gain=2.0), 2.0 * math.sqrt(2 / (576 + 1152)), True),
    "xavier_normal": (lambda lib, w: lib.xavier_normal_(w), math.sqrt(2 / (576 + 1152)), False),
    "kaiming_uniform": (lambda lib, w: lib.kaiming_uniform_(w, a=0.2), math.sqrt(2 / 1.04) / math.sqrt(576), True),
    "kaiming_normal_fan_out_relu": (
        lambda lib, w: lib.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), math.sqrt(2) / math.sqrt(1152), False),
}  # fmt: skip


@pytest.mark.parametrize("name", SCHEMES)
def test_scaled_schemes_have_the_right_spread_and_match_pytorch(name, torch):
    fill, std, uniform = SCHEMES[name]
    ours = fill(init, tg.zeros(*SHAPE)).numpy()
    theirs = fill(torch.nn.init, torch.zeros(*SHAPE)).numpy()
    for values in (ours, theirs):
        assert values.std() == pytest.approx(std, rel=0.01)
        assert abs(values.mean()) < 0.01 * std
    if uniform:
        bound = math.sqrt(3) * std
        assert np.abs(ours).max() <= bound and np.abs(ours).max() > 0.999 * bound


def test_linear_default_init_matches_pytorch(torch):
    ours, theirs = nn.Linear(64, 20000), torch.nn.Linear(64, 20000)
    bound = 1 / math.sqrt(64)  # kaiming_uniform_(a=sqrt 5) works out to U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    for name in ("weight", "bias"):
        a, b = getattr(ours, name).numpy(), getattr(theirs, name).detach().numpy()
        assert np.abs(a).max() <= bound and np.abs(b).max() <= bound
        assert np.abs(a).max() > 0.99 * bound
        assert a.std() == pytest.approx(b.std(), rel=0.02)
        assert a.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_embedding_default_init_is_standard_normal(torch):
    ours, theirs = nn.Embedding(2000, 64).weight.numpy(), torch.nn.Embedding(2000, 64).weight.detach().numpy()
    for values in (ours, theirs):
        assert values.mean() == pytest.approx(0, abs=0.01) and values.std() == pytest.approx(1, rel=0.01)


@pytest.mark.parametrize(
    "make", [lambda lib: lib.BatchNorm2d(5), lambda lib: lib.LayerNorm((2, 3)), lambda lib: lib.GroupNorm(2, 4)]
)
def test_normalisation_layers_start_as_the_identity_like_pytorch(make, torch):
    ours, theirs = make(nn).state_dict(), make(torch.nn).state_dict()
    assert list(ours) == list(theirs)
    for name, value in theirs.items():
        np.testing.assert_array_equal(ours[name].numpy(), value.numpy(), err_msg=name)
        assert ours[name].dtype == value.numpy().dtype
