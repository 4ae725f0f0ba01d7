"""Convolution, pooling and recurrent layers against PyTorch's, with identical weights (float64)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygen as tg
from tinygen.models.autoregressive.masks import pixelcnn_conv, pixelcnn_mask
from support.torch_reference import assert_same_outputs_and_gradients

torch = pytest.importorskip("torch")


def _copy_weights(theirs, mine):
    mine.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items() if k in dict(mine.named_parameters())},
                         strict=False)  # fmt: skip


def _compare(mine, theirs, *inputs, forward=lambda layer, *x: layer(*x)):
    """Same output, same input gradients and same parameter gradients."""
    mine.double()
    theirs.double()
    _copy_weights(theirs, mine)
    mine_x = [tg.tensor(a, requires_grad=True) for a in inputs]
    theirs_x = [torch.tensor(a, requires_grad=True) for a in inputs]
    theirs_parameters = dict(theirs.named_parameters())
    pairs = [(f"input {i}", pair) for i, pair in enumerate(zip(mine_x, theirs_x))]
    pairs += [(name, (p, theirs_parameters[name])) for name, p in mine.named_parameters()]
    assert_same_outputs_and_gradients(forward(mine, *mine_x), forward(theirs, *theirs_x), pairs)


def _image(*shape):
    return np.random.default_rng(1).standard_normal(shape)


@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from([1, 3]), st.integers(1, 2), st.integers(0, 1), st.booleans())
def test_conv2d_layer(cin, cout, k, stride, padding, bias):
    _compare(tg.nn.Conv2d(cin, cout, k, stride, padding, bias=bias), torch.nn.Conv2d(cin, cout, k, stride, padding, bias=bias),
             _image(2, cin, 6, 5))  # fmt: skip


@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from([3, 4]), st.integers(1, 2), st.booleans())
def test_conv_transpose2d_layer(cin, cout, k, stride, bias):
    _compare(tg.nn.ConvTranspose2d(cin, cout, k, stride, 1, stride - 1, bias=bias),
             torch.nn.ConvTranspose2d(cin, cout, k, stride, 1, stride - 1, bias=bias), _image(2, cin, 4, 3))  # fmt: skip


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # torch's note on its copy
@pytest.mark.parametrize("groups, padding, kernel", [(2, 1, 3), (4, "same", 3), (1, "same", 4), (2, "valid", 2)])
def test_grouped_and_same_padded_conv2d_layers(groups, padding, kernel):
    _compare(tg.nn.Conv2d(4, 8, kernel, padding=padding, groups=groups), torch.nn.Conv2d(4, 8, kernel, padding=padding, groups=groups),
             _image(2, 4, 6, 5))  # fmt: skip


@pytest.mark.parametrize("groups", [2, 4])
def test_grouped_conv_transpose2d_layer(groups):
    """PyTorch's argument order: (..., output_padding, groups, bias, dilation)."""
    _compare(tg.nn.ConvTranspose2d(4, 8, 3, 2, 1, 1, groups, True, 2), torch.nn.ConvTranspose2d(4, 8, 3, 2, 1, 1, groups, True, 2),
             _image(2, 4, 4, 3))  # fmt: skip


def test_conv_layers_refuse_channels_that_do_not_split_into_groups():
    with pytest.raises(ValueError, match="divisible by groups 3"):
        tg.nn.Conv2d(4, 6, 3, groups=3)
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        tg.nn.Conv2d(4, 6, 3, stride=2, padding="same")


@pytest.mark.parametrize("mask_type", ["A", "B"])
@pytest.mark.parametrize("groups", [1, 3])
def test_masked_conv2d_is_a_conv_with_masked_weights(mask_type, groups):
    mask = pixelcnn_mask(6, 3, 5, mask_type, groups)
    mine = tg.nn.MaskedConv2d(3, 6, 5, mask, padding=2)
    theirs = torch.nn.Conv2d(3, 6, 5, padding=2)
    their_mask = torch.tensor(mask, dtype=torch.float64)
    _compare(mine, theirs, _image(2, 3, 6, 6),
             forward=lambda layer, x: layer(x) if layer is mine else torch.nn.functional.conv2d(x, layer.weight * their_mask, layer.bias, padding=2))  # fmt: skip


def test_masked_conv2d_wants_a_mask_of_the_kernels_shape():
    with pytest.raises(ValueError, match=r"mask's shape \(6, 3, 3, 3\) must be the kernel's, \(6, 3, 5, 5\)"):
        tg.nn.MaskedConv2d(3, 6, 5, np.ones((6, 3, 3, 3)))


@pytest.mark.parametrize("mask_type", ["A", "B"])
def test_masked_conv2d_never_sees_the_future(mask_type):
    """Output (pixel i, channel group g) must not depend on later pixels, nor on later groups at pixel i
    (nor on its own group under mask A)."""
    layer = pixelcnn_conv(3, 3, 3, mask_type, color_groups=3).double()
    size = 4
    for row in range(size):
        for col in range(size):
            for group in range(3):
                x = tg.tensor(_image(1, 3, size, size), requires_grad=True)
                layer(x)[0, group, row, col].backward()
                g = np.abs(x.grad.numpy()[0])
                later_pixels = g.reshape(3, -1)[:, row * size + col + 1:]
                assert not later_pixels.any()
                first_hidden = group if mask_type == "A" else group + 1
                assert not g[first_hidden:, row, col].any()


def test_pooling_and_upsampling_layers():
    x = _image(2, 3, 6, 6)
    _compare(tg.nn.MaxPool2d(2), torch.nn.MaxPool2d(2), x)
    _compare(tg.nn.AvgPool2d(3, 2, 1), torch.nn.AvgPool2d(3, 2, 1), x)
    _compare(tg.nn.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2), x)
    _compare(tg.nn.Upsample((9, 4), mode="bilinear", align_corners=True),
             torch.nn.Upsample((9, 4), mode="bilinear", align_corners=True), x)  # fmt: skip


def test_lstm_cell():
    x, h, c = _image(4, 3), _image(4, 5) * 0.5, _image(4, 5) * 0.3
    _compare(tg.nn.LSTMCell(3, 5), torch.nn.LSTMCell(3, 5), x, h, c,
             forward=lambda layer, x, h, c: tg.cat(list(layer(x, (h, c))), 1) if layer.__module__.startswith("tinygen")
             else torch.cat(list(layer(x, (h, c))), 1))  # fmt: skip


@pytest.mark.parametrize("batch_first", [False, True])
def test_two_layer_lstm(batch_first):
    batch = 3 if batch_first else 4  # x is (3, 4, 2): (N, T, features) or (T, N, features)
    x, h0, c0 = _image(3, 4, 2), _image(2, batch, 5) * 0.1, _image(2, batch, 5) * 0.1

    def run(layer, x, h0, c0):
        out, (h, c) = layer(x, (h0, c0))
        cat = tg.cat if isinstance(out, tg.Tensor) else torch.cat
        return cat([out.reshape(-1), h.reshape(-1), c.reshape(-1)], 0)

    _compare(tg.nn.LSTM(2, 5, num_layers=2, batch_first=batch_first),
             torch.nn.LSTM(2, 5, num_layers=2, batch_first=batch_first), x, h0, c0, forward=run)  # fmt: skip


def test_default_initialisation_matches_pytorch_bounds():
    conv, lstm = tg.nn.Conv2d(16, 32, 3), tg.nn.LSTM(8, 64)
    bound = 1 / np.sqrt(16 * 9)
    assert np.abs(conv.weight.numpy()).max() <= bound and np.abs(conv.weight.numpy()).max() > 0.95 * bound
    assert np.abs(conv.bias.numpy()).max() <= bound
    assert np.abs(lstm.weight_hh_l0.numpy()).max() <= 1 / 8 and lstm.weight_hh_l0.numpy().std() > 0.06
    assert [n for n, _ in lstm.named_parameters()] == [n for n, _ in torch.nn.LSTM(8, 64).named_parameters()]


def test_double_backward_through_a_conv_critic():
    """WGAN-GP: the gradient penalty of a conv critic must be differentiable with respect to its weights."""
    conv, linear = tg.nn.Conv2d(1, 2, 3, 2, 1).double(), tg.nn.Linear(2 * 3 * 3, 1).double()

    def penalty(x, weight):
        def critic(images):
            features = tg.nn.functional.leaky_relu(tg.conv2d(images, weight, conv.bias, 2, 1), 0.2)
            return linear(features.flatten(1))

        (gx,) = tg.grad(critic(x).sum(), x, create_graph=True)
        return ((gx.pow(2).sum((1, 2, 3)) + 1e-12).sqrt() - 1).pow(2).sum()

    x = tg.tensor(_image(2, 1, 6, 6), requires_grad=True)
    weight = tg.tensor(conv.weight.numpy(), requires_grad=True)
    assert tg.gradcheck(penalty, x, weight)


def _sequence_inputs(steps, batch, hidden, seed=4):
    rng = np.random.default_rng(seed)
    shapes = [(steps, batch, 4 * hidden), (4 * hidden, hidden), (batch, hidden), (batch, hidden)]
    return [tg.tensor(rng.standard_normal(shape), requires_grad=True) for shape in shapes]


@given(st.integers(1, 4), st.integers(1, 3), st.integers(1, 3))
def test_lstm_sequence_matches_the_per_step_reference_and_finite_differences(steps, batch, hidden):
    from tinygen.ops.recurrent import lstm_sequence, lstm_sequence_reference

    inputs = _sequence_inputs(steps, batch, hidden)
    for fused, reference in zip(lstm_sequence(*inputs), lstm_sequence_reference(*inputs)):
        np.testing.assert_allclose(fused.numpy(), reference.numpy(), rtol=1e-12, atol=1e-14)
    assert tg.gradcheck(lstm_sequence, *inputs)


def test_lstm_sequence_second_derivatives():
    from tinygen.ops.recurrent import lstm_sequence

    assert tg.gradgradcheck(lstm_sequence, *_sequence_inputs(3, 2, 2))


def test_lstm_sequence_skips_the_gradients_nobody_wants():
    from tinygen.ops.recurrent import lstm_sequence

    projected, w_hh, h0, c0 = _sequence_inputs(3, 2, 2)
    h0.requires_grad_(False)
    hs, c = lstm_sequence(projected, w_hh.detach(), h0, c0)
    (hs.sum() + c.sum()).backward()
    assert w_hh.grad is None and h0.grad is None and projected.grad is not None and c0.grad is not None


def test_lstm_sequence_bad_shapes_raise():
    from tinygen.ops.recurrent import lstm_sequence

    projected, w_hh, h0, c0 = _sequence_inputs(3, 2, 2)
    with pytest.raises(ValueError, match=r"w_hh \(4H, H\)"):
        lstm_sequence(projected, w_hh[:, :1], h0, c0)
    with pytest.raises(ValueError, match="h0 and c0"):
        lstm_sequence(projected, w_hh, h0[:1], c0)
    with pytest.raises(ValueError, match="one dtype"):
        lstm_sequence(projected, w_hh.float(), h0, c0)


def test_lstm_float32_matches_float64():
    """The float32 path runs the fused kernels with their approximate tanh; it must stay close to float64."""
    layer = tg.nn.LSTM(3, 16).double()
    x = _image(5, 4, 3)
    out64, _ = layer(tg.tensor(x))
    out32, _ = layer.float()(tg.tensor(x, dtype=tg.float32))
    np.testing.assert_allclose(out32.numpy(), out64.numpy(), atol=2e-6)
