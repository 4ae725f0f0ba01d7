"""Gated PixelCNN: autoregressive, no blind spot, normalised, sampling its own distribution, fast sampling exact,
equal to its PyTorch twin, trainable."""
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

import tinygen as tg
from tinygen.models.autoregressive import GatedPixelCNN, PixelCNN
from tinygen.models.autoregressive.gated_pixelcnn import GatedStackCache
from tinygen.models.autoregressive.masks import vertical_mask

# (channels, levels, hidden_channels): binary images, and colour with R -> G -> B inside each pixel.
BINARY, COLOUR = (1, 2, 6), (3, 256, 24)


def make_model(channels, levels, hidden_channels, image_size=5, num_blocks=2, seed=0):
    tg.manual_seed(seed)
    return GatedPixelCNN(channels, image_size, levels, hidden_channels, num_blocks=num_blocks, dtype=tg.float64)


def random_images(n, channels, levels, size, seed=0):
    return np.random.default_rng(seed).integers(0, levels, (n, channels, *size)).astype(np.float64)


def field_of_view(model, row, column, size):
    """The pixels log p(x_(row, column) | x_<) depends on, (size, size) booleans, from one gradient."""
    x = tg.tensor(random_images(1, 1, 2, (size, size)), requires_grad=True)
    (gradient,) = tg.grad(model.log_prob_per_dim(x.detach(), x)[0, 0, row, column], x)
    return gradient.numpy()[0, 0] != 0


@pytest.mark.parametrize("channels, levels, hidden_channels", [BINARY, COLOUR])
@pytest.mark.parametrize("size", [(5, 5), (4, 6)])
def test_gated_pixelcnn_is_autoregressive(channels, levels, hidden_channels, size):
    model = make_model(channels, levels, hidden_channels)
    assert_autoregressive(model.log_prob_per_dim, random_images(2, channels, levels, size))


def test_no_blind_spot_where_pixelcnn_has_one():
    """Three blocks of 3x3 after the 7x7 input layers: the gated model's conditional sees every pixel of the
    6 rows above within 6 columns either side, and the 6 pixels to its left; PixelCNN of the same depth misses
    a triangle to the upper right."""
    size, row, column, reach = 15, 12, 7, 6
    expected = np.zeros((size, size), bool)
    expected[row - reach : row, column - reach : column + reach + 1] = True
    expected[row, column - reach : column] = True
    gated = field_of_view(make_model(*BINARY, image_size=size, num_blocks=3), row, column, size)
    np.testing.assert_array_equal(gated, expected)
    tg.manual_seed(0)
    pixelcnn = PixelCNN(1, size, 2, 6, num_blocks=3, dtype=tg.float64)
    plain = field_of_view(pixelcnn, row, column, size)
    assert not np.any(plain & ~expected)
    assert not plain[row - 1, column + 4 :].any() and gated[row - 1, column + 4 :].any()


def test_vertical_masks():
    a, b = vertical_mask(1, 1, 3, "A")[0, 0], vertical_mask(1, 1, 3, "B")[0, 0]
    np.testing.assert_array_equal(a, [[1, 1, 1], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(b, [[1, 1, 1], [1, 1, 1], [0, 0, 0]])
    with pytest.raises(ValueError, match="'A' or 'B'"):
        vertical_mask(1, 1, 3, "C")


@pytest.mark.parametrize("channels, levels, size", [(1, 2, (2, 2)), (3, 3, (1, 2))])
def test_probabilities_of_all_images_sum_to_one(channels, levels, size):
    model = make_model(channels, levels, 6, image_size=size)
    assert_normalised(model.log_prob, (channels, *size), levels)


def test_samples_follow_the_conditionals():
    model = make_model(1, 2, 6, image_size=(2, 2))
    for layer, factor in ((model.input_conv, 5), (model.vertical_input, 5), (model.output_head[3], 4)):
        layer.weight.data *= factor  # strongly dependent conditionals: a sampler out of order would show
    assert_samples_follow(model, (1, 2, 2), 2, n=4000)


@pytest.mark.parametrize("channels, levels, hidden_channels, size", [BINARY + ((8, 8),), COLOUR + ((3, 4),)])
@pytest.mark.parametrize("kernel_size", [3, 5])
def test_fast_sampling_draws_what_the_naive_sampler_draws(channels, levels, hidden_channels, size, kernel_size):
    tg.manual_seed(0)
    model = GatedPixelCNN(channels, size, levels, hidden_channels, num_blocks=2, kernel_size=kernel_size,
                          dtype=tg.float64)  # fmt: skip
    assert_fast_sampling_is_exact(model, random_images(3, channels, levels, size), n=6)


def test_fast_sampling_check_catches_a_vertical_stack_that_reads_the_batch_too_early():
    """The vertical stack reading a copy of the batch taken before any pixel is drawn: the same conditionals
    on a given batch, other samples."""
    model = make_model(*BINARY, image_size=(8, 8))
    model.vertical_input.weight.data *= 5  # the vertical stack's part of the conditionals made large
    assert_fast_sampling_is_exact(model, random_images(3, 1, 2, (8, 8)), n=6)
    model.incremental = lambda x: GatedStackCache(model, x.clone())
    with pytest.raises(AssertionError, match="the fast sampler's draws"):
        assert_fast_sampling_is_exact(model, random_images(3, 1, 2, (8, 8)), n=6)


def test_training_reduces_the_nll():
    model = make_model(*BINARY, image_size=6)
    model.float()
    assert_training_halves_the_nll(model)


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="divisible by channels=3"):
        GatedPixelCNN(channels=3, levels=256, hidden_channels=8)
    with pytest.raises(ValueError, match="odd sides"):
        GatedPixelCNN(kernel_size=4)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        make_model(*BINARY).log_prob(tg.zeros(2, 3, 5, 5))


@pytest.mark.parametrize("channels, levels, hidden_channels", [BINARY, COLOUR])
def test_same_as_pytorch(channels, levels, hidden_channels):
    pytest.importorskip("torch")
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models.pixelcnn import GatedPixelCNN as TorchGatedPixelCNN

    model = make_model(channels, levels, hidden_channels)
    twin = copy_weights(model, TorchGatedPixelCNN(channels, 5, levels, hidden_channels, num_blocks=2).double())
    assert_same_as_twin(model, twin, random_images(3, channels, levels, (5, 5)))
