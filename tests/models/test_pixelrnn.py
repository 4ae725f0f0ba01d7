"""PixelRNN (Row LSTM, Diagonal BiLSTM): autoregressive, normalised, sampling its own distribution,
equal to its PyTorch twin, trainable; and each layer sees the region its design promises."""
import numpy as np
import pytest
from support.autoregressive_check import (
    assert_autoregressive,
    assert_fast_sampling_is_exact,
    assert_normalised,
    assert_same_as_twin,
    assert_samples_follow,
    assert_training_halves_the_nll,
)
from hypothesis import given
from hypothesis import strategies as st
from test_pixelcnn import random_images, sharpen

import tinygen as tg
from tinygen.models.autoregressive.pixelrnn import (
    DiagonalBiLSTM,
    DiagonalBiLSTMLayer,
    RowLSTM,
    RowLSTMLayer,
)

MODELS = [RowLSTM, DiagonalBiLSTM]
# (channels, levels, hidden_channels): binary images, and colour with R -> G -> B inside each pixel.
BINARY, COLOUR = (1, 2, 6), (3, 256, 24)


def make_model(model_type, channels, levels, hidden_channels, image_size=5, seed=0):
    tg.manual_seed(seed)
    return model_type(channels, image_size, levels, hidden_channels, num_layers=2, dtype=tg.float64)


@pytest.mark.parametrize("model_type", MODELS)
@pytest.mark.parametrize("channels, levels, hidden_channels, size", [BINARY + ((5, 6),), COLOUR + ((4, 4),)])
def test_pixelrnn_is_autoregressive(model_type, channels, levels, hidden_channels, size):
    model = make_model(model_type, channels, levels, hidden_channels)
    assert_autoregressive(model.log_prob_per_dim, random_images(2, channels, levels, size))


@given(layer_type=st.sampled_from([RowLSTMLayer, DiagonalBiLSTMLayer]), batch=st.integers(1, 2),
       height=st.integers(1, 3), width=st.integers(1, 4), seed=st.integers(0, 2**16))  # fmt: skip
def test_layer_gradients_match_finite_differences(layer_type, batch, height, width, seed):
    tg.manual_seed(seed)
    layer = layer_type(2, 2, dtype=tg.float64)  # hidden 2 in 2 colour groups: the gate masks at work
    x = tg.tensor(np.random.default_rng(seed).standard_normal((batch, 4, height, width)), requires_grad=True)
    tg.gradcheck(layer, x)


def receptive_field(layer, size, row, column):
    """The input pixels whose values reach output pixel (row, column) of one layer, as a 0/1 map."""
    x = tg.tensor(np.random.default_rng(0).standard_normal((1, layer.output_conv.out_channels, *size)),
                  requires_grad=True)  # fmt: skip
    seed = np.zeros(x.shape)
    seed[0, :, row, column] = 1.0
    (gradient,) = tg.grad(layer(x), x, grad_outputs=tg.tensor(seed))
    return (np.abs(gradient.numpy()[0]).sum(0) != 0).astype(int)


def test_row_lstm_layer_sees_a_triangle_above():
    tg.manual_seed(0)
    seen = receptive_field(RowLSTMLayer(4, 1, dtype=tg.float64), (4, 7), 3, 3)
    # Each row up widens the field by one pixel on either side (the 1x3 state-to-state conv), and
    # the input-to-state conv adds the pixel to the left of each: a triangle, leaning left.
    expected = np.array([[1, 1, 1, 1, 1, 1, 1],
                         [1, 1, 1, 1, 1, 1, 0],
                         [0, 1, 1, 1, 1, 0, 0],
                         [0, 0, 1, 1, 0, 0, 0]])  # fmt: skip
    np.testing.assert_array_equal(seen, expected)


def test_diagonal_bilstm_layer_sees_every_pixel_before():
    tg.manual_seed(0)
    seen = receptive_field(DiagonalBiLSTMLayer(4, 1, dtype=tg.float64), (4, 5), 2, 2)
    expected = np.array([[1, 1, 1, 1, 1],
                         [1, 1, 1, 1, 1],
                         [1, 1, 1, 0, 0],         # the pixel itself via the residual connection and mask B
                         [0, 0, 0, 0, 0]])  # fmt: skip
    np.testing.assert_array_equal(seen, expected)


@pytest.mark.parametrize("model_type", MODELS)
@pytest.mark.parametrize("channels, levels, size", [(1, 2, (2, 2)), (3, 3, (1, 2))])
def test_probabilities_of_all_images_sum_to_one(model_type, channels, levels, size):
    model = make_model(model_type, channels, levels, 6, image_size=size)
    assert_normalised(model.log_prob, (channels, *size), levels)


@pytest.mark.parametrize("model_type", MODELS)
@pytest.mark.parametrize("channels, levels, size", [(1, 2, (2, 2)), (3, 3, (1, 1))])
def test_samples_follow_the_conditionals(model_type, channels, levels, size):
    model = sharpen(make_model(model_type, channels, levels, 6, image_size=size))
    assert_samples_follow(model, (channels, *size), levels, n=4000)


@pytest.mark.parametrize("model_type", MODELS)
@pytest.mark.parametrize("channels, levels, hidden_channels, size", [BINARY + ((8, 8),), COLOUR + ((3, 4),)])
def test_fast_sampling_draws_what_the_naive_sampler_draws(model_type, channels, levels, hidden_channels, size):
    model = make_model(model_type, channels, levels, hidden_channels, image_size=size)
    assert_fast_sampling_is_exact(model, random_images(3, channels, levels, size), n=6)


@pytest.mark.parametrize("model_type", MODELS)
def test_sample_shape_and_values(model_type):
    model = make_model(model_type, *COLOUR[:2], 6, image_size=(2, 3))
    samples = model.sample(2).numpy()
    assert samples.shape == (2, 3, 2, 3)
    assert np.all((samples == np.round(samples)) & (samples >= 0) & (samples < 256))


@pytest.mark.parametrize("model_type", MODELS)
@pytest.mark.parametrize("channels, levels, hidden_channels", [BINARY, (3, 256, 3)])
def test_same_as_pytorch(model_type, channels, levels, hidden_channels):
    pytest.importorskip("torch")
    from benchmarks.torch_models import copy_weights, pixelrnn

    model = make_model(model_type, channels, levels, hidden_channels)
    twin_type = getattr(pixelrnn, model_type.__name__)
    twin = copy_weights(model, twin_type(channels, 5, levels, hidden_channels, num_layers=2).double())
    assert_same_as_twin(model, twin, random_images(3, channels, levels, (4, 5)))


@pytest.mark.parametrize("model_type", MODELS)
def test_training_reduces_the_nll(model_type):
    assert_training_halves_the_nll(make_model(model_type, *BINARY, image_size=6).float())
