"""PixelCNN: autoregressive, normalised, sampling its own distribution, equal to its PyTorch twin, trainable.

Also the shared checker's own tests: it must reject a model that sees its own pixel.
"""
import numpy as np
import pytest
from support.autoregressive_check import (
    assert_autoregressive,
    assert_fast_sampling_is_exact,
    assert_normalised,
    assert_same_as_twin,
    assert_samples_follow,
    assert_training_halves_the_nll,
    raster_order,
)

import tinygen as tg
from tinygen.models.autoregressive.masks import pixelcnn_mask
from tinygen.models.autoregressive.pixelcnn import PixelCNN

# (channels, levels, hidden_channels): binary images, and colour with R -> G -> B inside each pixel.
BINARY, COLOUR = (1, 2, 6), (3, 256, 24)


def make_model(channels, levels, hidden_channels, image_size=5, seed=0):
    tg.manual_seed(seed)
    return PixelCNN(channels, image_size, levels, hidden_channels, num_blocks=2, dtype=tg.float64)


def sharpen(model):
    """Scale the input layer and the head up: strongly dependent conditionals, so that a sampler
    drawing a subpixel before the ones it depends on shows in the frequencies."""
    for layer, factor in ((model.input_conv, 5), (model.output_head[1], 3), (model.output_head[3], 4)):
        layer.weight.data *= factor
    return model


def random_images(n, channels, levels, size, seed=0):
    return np.random.default_rng(seed).integers(0, levels, (n, channels, *size)).astype(np.float64)


@pytest.mark.parametrize("channels, levels, hidden_channels", [BINARY, COLOUR])
@pytest.mark.parametrize("size", [(5, 5), (4, 6)])
def test_pixelcnn_is_autoregressive(channels, levels, hidden_channels, size):
    model = make_model(channels, levels, hidden_channels)
    assert_autoregressive(model.log_prob_per_dim, random_images(2, channels, levels, size))


def test_checker_rejects_a_first_layer_that_sees_its_own_pixel():
    for channels, levels, hidden_channels in (BINARY, COLOUR):
        model = make_model(channels, levels, hidden_channels)
        mask_b = pixelcnn_mask(2 * hidden_channels, channels, 7, "B", color_groups=channels)
        model.input_conv.mask = tg.tensor(mask_b, dtype=tg.float64)
        with pytest.raises(AssertionError, match="at or after it"):
            assert_autoregressive(model.log_prob_per_dim, random_images(2, channels, levels, (4, 4)))


def test_checker_on_vectors_rejects_an_off_by_one_triangle():
    weight = tg.tensor(np.random.default_rng(0).standard_normal((6, 6)))
    for diagonal, passes in ((-1, True), (0, False)):
        mask = tg.tensor(np.tril(np.ones((6, 6)), k=diagonal))  # logit_d from x_j, j <= d + diagonal

        def log_prob_per_dim(x, context, mask=mask):
            return -tg.binary_cross_entropy_with_logits(context @ (weight * mask).T, x, reduction="none")

        x = random_images(3, 1, 2, (6,))[:, 0]
        if passes:
            assert_autoregressive(log_prob_per_dim, x)
        else:
            with pytest.raises(AssertionError, match=r"dimension \(0,\) \(rank 0\) of example 0 depends on"):
                assert_autoregressive(log_prob_per_dim, x)


def test_flatten_lays_the_subpixels_out_in_generation_order():
    """Row-major over the flattened batch is the raster order, R -> G -> B inside each pixel; unflatten undoes it."""
    model = make_model(*COLOUR)
    rank = raster_order(3, 4, 5)[None].astype(np.float64)  # rank[0, c, h, w]: the position of subpixel (c, h, w)
    flat = model.flatten(tg.tensor(rank))
    np.testing.assert_array_equal(flat.numpy().ravel(), np.arange(rank.size))
    np.testing.assert_array_equal(model.unflatten(flat).numpy(), rank)


@pytest.mark.parametrize("channels, levels, size", [(1, 2, (2, 2)), (3, 3, (1, 2))])
def test_probabilities_of_all_images_sum_to_one(channels, levels, size):
    model = make_model(channels, levels, 6, image_size=size)
    assert_normalised(model.log_prob, (channels, *size), levels)


@pytest.mark.parametrize("channels, levels, size", [(1, 2, (2, 2)), (3, 3, (1, 1))])
def test_samples_follow_the_conditionals(channels, levels, size):
    model = sharpen(make_model(channels, levels, 6, image_size=size))
    assert_samples_follow(model, (channels, *size), levels, n=4000)


@pytest.mark.parametrize("channels, levels, hidden_channels, size", [BINARY + ((8, 8),), COLOUR + ((3, 4),)])
def test_fast_sampling_draws_what_the_naive_sampler_draws(channels, levels, hidden_channels, size):
    model = make_model(channels, levels, hidden_channels, image_size=size)
    assert_fast_sampling_is_exact(model, random_images(3, channels, levels, size), n=6)


def test_fast_sampling_check_catches_a_sampler_that_reads_the_batch_too_early():
    """Same conditionals on a fixed batch, but the pixels are read before they are drawn: other samples."""

    class EarlyReader(PixelCNN):
        def params_in_order(self, x):
            yield from super().params_in_order(x.clone())

    tg.manual_seed(0)
    model = EarlyReader(1, (8, 8), 2, 6, num_blocks=2, dtype=tg.float64)
    with pytest.raises(AssertionError, match="the fast sampler's draws"):
        assert_fast_sampling_is_exact(model, random_images(3, 1, 2, (8, 8)), n=6)


@pytest.mark.parametrize("channels, levels, hidden_channels", [BINARY, COLOUR])
def test_sample_shape_and_values(channels, levels, hidden_channels):
    model = make_model(channels, levels, hidden_channels, image_size=(3, 4))
    samples = model.sample(2).numpy()
    assert samples.shape == (2, channels, 3, 4)
    assert np.all((samples == np.round(samples)) & (samples >= 0) & (samples < levels))
    assert np.isfinite(model.log_prob(tg.tensor(samples)).numpy()).all()


@pytest.mark.parametrize("channels, levels, hidden_channels", [BINARY, COLOUR])
def test_same_as_pytorch(channels, levels, hidden_channels):
    pytest.importorskip("torch")
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models.pixelcnn import PixelCNN as TorchPixelCNN

    model = make_model(channels, levels, hidden_channels)
    twin = copy_weights(model, TorchPixelCNN(channels, 5, levels, hidden_channels, num_blocks=2).double())
    assert_same_as_twin(model, twin, random_images(3, channels, levels, (5, 5)))


def test_training_reduces_the_nll():
    model = make_model(*BINARY, image_size=6)
    model.float()
    assert_training_halves_the_nll(model)


def test_bad_input_is_rejected():
    model = make_model(*COLOUR)
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        model.log_prob(tg.zeros(2, 1, 5, 5))
    with pytest.raises(ValueError, match=r"integers in \[0, 255\]"):
        model.log_prob(tg.full((2, 3, 5, 5), 0.5))
    with pytest.raises(ValueError, match="move it first"):
        model.sample(1, device="gpu")
    with pytest.raises(ValueError, match="divisible by channels=3"):
        PixelCNN(channels=3, levels=256, hidden_channels=8)
    with pytest.raises(ValueError, match="odd sides"):
        PixelCNN(kernel_size=4)


def test_larger_kernels_keep_the_model_autoregressive_and_the_fast_sampler_exact():
    # kernel_size 5 (examples/pixelcnn_mnist.py --kernel-size 5): the window caches of fast generation grow with k.
    tg.manual_seed(0)
    model = PixelCNN(1, (7, 7), 2, 6, num_blocks=2, kernel_size=5, dtype=tg.float64)
    images = random_images(3, 1, 2, (7, 7))
    assert_autoregressive(model.log_prob_per_dim, images)
    assert_fast_sampling_is_exact(model, images, n=6)
