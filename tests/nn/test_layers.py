"""The layers: their functional forms by first- and second-order gradcheck (float64,
hypothesis-drawn inputs), and every layer against PyTorch's with identical weights."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygen as tg
from support.strategies import arrays, away_from, distinct
from tinygen import nn
from tinygen.nn import functional as F
from tinygen.ops.normalization import moments, standardize


def leaf(array):
    return tg.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def check_both_orders(fn, *inputs):
    tg.gradcheck(fn, *inputs)
    tg.gradgradcheck(fn, *inputs)


# ---- functional forms: first and second derivatives ------------------------------------------
@given(data=st.data())
def test_linear_gradients(data):
    batch = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    n_in, n_out = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    x, w, b = (leaf(data.draw(arrays(shape))) for shape in (batch + (n_in,), (n_out, n_in), (n_out,)))
    check_both_orders(F.linear, x, w, b)
    check_both_orders(lambda x, w: F.linear(x, w), x, w)


@st.composite
def channel_batches(draw, min_dims=2, max_dims=4):
    """(N, C, *) inputs whose values are spread apart, so that no group has a tiny variance
    (there 1/sqrt(var + eps) is too steep for a finite difference to follow)."""
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=3))
    if shape[0] < 2:
        shape = (2,) + shape[1:]
    return distinct(draw(arrays(shape)), gap=0.3)


@given(x=channel_batches(), affine=st.booleans())
def test_batch_norm_gradients_in_training(x, affine):
    c = x.shape[1]
    w, b = leaf(np.linspace(0.5, 1.5, c)), leaf(np.linspace(-1, 1, c))
    # The running statistics are updated on every call: harmless here, they do not feed the output.
    running = tg.zeros(c, dtype=tg.float64), tg.ones(c, dtype=tg.float64)
    if affine:
        check_both_orders(lambda x, w, b: F.batch_norm(x, *running, w, b, training=True), leaf(x), w, b)
    else:
        check_both_orders(lambda x: F.batch_norm(x, None, None, training=True), leaf(x))


@given(x=channel_batches(), data=st.data())
def test_moments_and_standardize_gradients_each_on_its_own(x, data):
    """The two ops the norms share, each on its own: standardize with mu and var as free inputs
    (training sends its partials in them on through moments), and moments."""
    axes = (0,) + tuple(range(2, x.ndim))
    kept = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    mean, var = leaf(data.draw(arrays(kept))), leaf(data.draw(arrays(kept, low=0.5, high=2.0)))
    check_both_orders(lambda x, mean, var: standardize(x, mean, var), leaf(x), mean, var)
    check_both_orders(lambda x: moments(x, axes), leaf(x))


@given(x=channel_batches())
def test_batch_norm_gradients_in_evaluation(x):
    c = x.shape[1]
    mean, var = tg.tensor(np.linspace(-1, 1, c)), tg.tensor(np.linspace(0.5, 2, c))
    w, b = leaf(np.linspace(0.5, 1.5, c)), leaf(np.linspace(-1, 1, c))
    check_both_orders(lambda x, w, b: F.batch_norm(x, mean, var, w, b, training=False), leaf(x), w, b)


@given(data=st.data())
def test_layer_norm_gradients(data):
    normalized = data.draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
    if np.prod(normalized) < 2:
        normalized = (2,)
    batch = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    x = leaf(distinct(data.draw(arrays(batch + normalized)), gap=0.3))
    w, b = leaf(data.draw(arrays(normalized))), leaf(data.draw(arrays(normalized)))
    check_both_orders(lambda x, w, b: F.layer_norm(x, normalized, w, b), x, w, b)


@given(data=st.data())
def test_group_norm_gradients(data):
    groups, per_group = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))
    spatial = data.draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=2))
    if per_group * np.prod(spatial) < 2:
        spatial = (2,)
    c = groups * per_group
    x = leaf(distinct(data.draw(arrays((data.draw(st.integers(1, 2)), c) + spatial)), gap=0.3))
    w, b = leaf(data.draw(arrays((c,)))), leaf(data.draw(arrays((c,))))
    check_both_orders(lambda x, w, b: F.group_norm(x, groups, w, b), x, w, b)


@given(data=st.data())
def test_embedding_gradients_add_up_over_repeated_indices(data):
    rows = data.draw(st.integers(1, 4))
    index = data.draw(hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=4), elements=st.integers(0, rows - 1)))
    weight = leaf(data.draw(arrays((rows, 2))))
    check_both_orders(lambda w: F.embedding(tg.tensor(index), w), weight)
    F.embedding(tg.tensor(index), weight).sum().backward()
    np.testing.assert_array_equal(weight.grad.numpy()[:, 0], np.bincount(index.ravel(), minlength=rows))


@given(x=arrays((3, 4), low=-4, high=4), beta=st.sampled_from([0.5, 1.0, 2.0]))
def test_softplus_module_gradients(x, beta):
    layer = nn.Softplus(beta=beta, threshold=3.0)
    check_both_orders(layer, leaf(away_from(x, [3.0 / beta])))


def test_embedding_rejects_float_indices():
    with pytest.raises(TypeError, match="integers"):
        F.embedding(tg.tensor([0.0, 1.0]), nn.Embedding(2, 3).weight)


def test_batch_norm_needs_two_values_per_channel_and_the_right_shape():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(tg.randn(1, 3))
    with pytest.raises(ValueError, match=r"expects input with 4 dimensions.*got shape \(2, 3\)"):
        nn.BatchNorm2d(3)(tg.randn(2, 3))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(2, 3)


def test_dropout_follows_training_mode_and_keeps_the_mean():
    layer = nn.Dropout(0.25)
    x = tg.ones(200_000)
    y = layer(x).numpy()
    assert abs((y == 0).mean() - 0.25) < 0.01
    np.testing.assert_allclose(y[y != 0], 1 / 0.75, rtol=1e-6)
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_layers_run_in_float32_by_default():
    net = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ELU(), nn.LayerNorm(6), nn.Linear(6, 2))
    y = net(tg.randn(5, 4))
    y.sum().backward()
    assert y.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in net.parameters())


# ---- against PyTorch: the same weights give the same outputs and gradients ----------------------
@pytest.fixture
def torch():
    """PyTorch, or a skip where it is not installed (only the comparisons need it)."""
    return pytest.importorskip("torch")


TIGHT = dict(rtol=1e-10, atol=1e-12)


def twin(ours, theirs, torch):
    """Both layers in float64 with PyTorch's (randomised) parameters and buffers copied into ours.

    Loading PyTorch's own state_dict also proves that the key names match.
    """
    theirs.double()
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.randn_like(p) * 0.5 + 1)
    ours.double().load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def check_step(ours, theirs, x_host, torch):
    """One forward and backward through both layers; outputs and all gradients must agree."""
    floating = x_host.dtype.kind == "f"
    x = tg.tensor(x_host, requires_grad=floating)
    x_torch = torch.tensor(x_host, requires_grad=floating)
    y, y_torch = ours(x), theirs(x_torch)
    np.testing.assert_allclose(y.numpy(), y_torch.detach().numpy(), **TIGHT)
    upstream = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(tg.tensor(upstream))
    y_torch.backward(torch.tensor(upstream))
    if floating:
        np.testing.assert_allclose(x.grad.numpy(), x_torch.grad.numpy(), **TIGHT)
    ours_named, theirs_named = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert ours_named.keys() == theirs_named.keys()
    for name, p in ours_named.items():
        np.testing.assert_allclose(p.grad.numpy(), theirs_named[name].grad.numpy(), **TIGHT, err_msg=name)


def inputs(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * 2 + 0.5


# Each entry builds a layer from a library (tinygen.nn or torch.nn: the same call for both) and names an input shape.
LAYERS = {
    "linear": (lambda lib: lib.Linear(4, 3), (5, 4)),
    "linear-batched-nobias": (lambda lib: lib.Linear(4, 3, bias=False), (2, 5, 4)),
    "layernorm": (lambda lib: lib.LayerNorm((3, 4)), (2, 3, 4)),
    "layernorm-plain": (lambda lib: lib.LayerNorm(4, elementwise_affine=False), (3, 4)),
    "layernorm-nobias": (lambda lib: lib.LayerNorm(5, bias=False), (2, 5)),
    "groupnorm": (lambda lib: lib.GroupNorm(2, 4), (3, 4, 2, 3)),
    "groupnorm-plain": (lambda lib: lib.GroupNorm(3, 3, affine=False), (2, 3, 5)),
    "relu": (lambda lib: lib.ReLU(), (4, 5)),
    "leaky_relu": (lambda lib: lib.LeakyReLU(0.2), (4, 5)),
    "elu": (lambda lib: lib.ELU(0.7), (4, 5)),
    "sigmoid": (lambda lib: lib.Sigmoid(), (4, 5)),
    "tanh": (lambda lib: lib.Tanh(), (4, 5)),
    "silu": (lambda lib: lib.SiLU(), (4, 5)),
    "gelu": (lambda lib: lib.GELU(), (4, 5)),
    "gelu-tanh": (lambda lib: lib.GELU(approximate="tanh"), (4, 5)),
    "softplus": (lambda lib: lib.Softplus(beta=2.0, threshold=3.0), (4, 5)),
    "identity": (lambda lib: lib.Identity(), (4, 5)),
    "flatten": (lambda lib: lib.Flatten(), (2, 3, 4, 5)),
    "flatten-ends": (lambda lib: lib.Flatten(0, 1), (2, 3, 4)),
    "dropout-eval": (lambda lib: lib.Dropout(0.5).eval(), (4, 5)),
    "dropout2d-eval": (lambda lib: lib.Dropout2d(0.5).eval(), (2, 3, 4, 4)),
    "softmax": (lambda lib: lib.Softmax(dim=1), (3, 4, 2)),
    "log_softmax": (lambda lib: lib.LogSoftmax(-1), (3, 4)),
    "unflatten": (lambda lib: lib.Unflatten(1, (2, 1, 3)), (4, 6, 2)),
    "unflatten-last": (lambda lib: lib.Unflatten(-1, (2, 2)), (3, 4)),
    "adaptive_avg_pool-global": (lambda lib: lib.AdaptiveAvgPool2d(1), (2, 3, 4, 6)),
    "adaptive_avg_pool-divides": (lambda lib: lib.AdaptiveAvgPool2d((2, None)), (2, 3, 4, 6)),
    "instancenorm": (lambda lib: lib.InstanceNorm2d(3), (2, 3, 4, 5)),
    "instancenorm-affine": (lambda lib: lib.InstanceNorm2d(3, affine=True), (2, 3, 4, 5)),
    "instancenorm-one-image": (lambda lib: lib.InstanceNorm2d(3), (3, 4, 5)),
}


@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_pytorch(name, torch):
    make, shape = LAYERS[name]
    check_step(*twin(make(nn), make(torch.nn), torch), inputs(*shape), torch)


@pytest.mark.parametrize("make", [lambda lib: lib.ReLU(True), lambda lib: lib.LeakyReLU(0.2, True),
                                  lambda lib: lib.ELU(0.7, inplace=True), lambda lib: lib.SiLU(inplace=True),
                                  lambda lib: lib.Dropout(0.5, True).eval()],
                         ids=["relu", "leaky_relu", "elu", "silu", "dropout"])  # fmt: skip
def test_activations_take_pytorchs_inplace_argument(make, torch):
    """Accepted and ignored: the values are PyTorch's, in place or not. (After a Linear: PyTorch refuses an in-place
    op on a leaf that requires grad.)"""
    def network(lib):
        return lib.Sequential(lib.Linear(4, 5), make(lib))

    check_step(*twin(network(nn), network(torch.nn), torch), inputs(3, 4), torch)


def test_embedding_matches_pytorch(torch):
    ours, theirs = twin(nn.Embedding(6, 3), torch.nn.Embedding(6, 3), torch)
    check_step(ours, theirs, np.array([[0, 5, 2, 2], [1, 0, 0, 3]]), torch)
@pytest.mark.parametrize(
    "make, shape",
    [
        (lambda lib: lib.BatchNorm1d(3), (6, 3)),
        (lambda lib: lib.BatchNorm1d(3, momentum=None), (4, 3, 5)),
        (lambda lib: lib.BatchNorm2d(2, eps=1e-3, momentum=0.3), (3, 2, 2, 3)),
        (lambda lib: lib.BatchNorm2d(2, affine=False), (2, 2, 3, 3)),
        (lambda lib: lib.BatchNorm1d(3, track_running_stats=False), (5, 3)),
    ],
    ids=["1d", "1d-cumulative", "2d", "2d-plain", "1d-untracked"],
)
def test_batch_norm_matches_pytorch_in_training_and_evaluation(make, shape, torch):
    ours, theirs = twin(make(nn), make(torch.nn), torch)
    for step in range(3):
        check_step(ours, theirs, inputs(*shape, seed=step), torch)
    for name, buffer in theirs.named_buffers():
        np.testing.assert_allclose(getattr(ours, name).numpy(), buffer.numpy(), **TIGHT, err_msg=name)
    ours.eval(), theirs.eval()
    ours.zero_grad(), theirs.zero_grad()
    check_step(ours, theirs, inputs(*shape, seed=9), torch)


def test_the_functional_activations_take_pytorchs_inplace_argument_and_return_a_new_tensor():
    import tinygen.nn.functional as F

    x = tg.tensor([-1.0, 2.0])
    for activation in (F.relu, F.leaky_relu, F.elu, F.silu):
        y = activation(x, inplace=True)
        assert y is not x and x.tolist() == [-1.0, 2.0]
        assert y.tolist() == activation(x).tolist()
    assert F.dropout(x, 0.5, training=False, inplace=True).tolist() == [-1.0, 2.0]


def test_dropout2d_zeros_whole_channels_and_repeats_under_manual_seed():
    x = tg.ones(8, 16, 3, 3)
    tg.manual_seed(0)
    y = nn.Dropout2d(0.5)(x).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert set(np.unique(y)) == {0.0, 2.0} and (per_channel.min(-1) == per_channel.max(-1)).all()
    tg.manual_seed(0)
    np.testing.assert_array_equal(F.dropout2d(x, 0.5).numpy(), y)


def test_adaptive_avg_pool_and_layers_refuse_what_they_do_not_implement():
    with pytest.raises(NotImplementedError, match="must divide"):
        nn.AdaptiveAvgPool2d(3)(tg.ones(1, 1, 4, 4))
    with pytest.raises(ValueError, match="pass dim"):
        nn.Softmax()
    with pytest.raises(NotImplementedError, match="track_running_stats"):
        nn.InstanceNorm2d(3, track_running_stats=True)
