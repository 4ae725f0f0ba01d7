"""The fused normalisation kernel against NumPy's formulas, in float32 and float64, and a planted wrong
backward that the fast-against-reference check catches (the op registry runs that check on drawn shapes)."""
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tinygen as tg
from tinygen import kernels
from tinygen.ops import normalization


def numpy_forward(x, weight, bias, over_batch, eps=1e-5):
    axes = (0, 2, 3) if over_batch else (2, 3)
    x = x.astype(np.float64)
    mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight[:, :, None] + bias[:, :, None], mean, var


shapes_4d = st.tuples(*[st.integers(1, 6)] * 4)


@settings(max_examples=25, deadline=None)
@given(shapes_4d, st.booleans(), st.sampled_from([np.float32, np.float64]), st.sampled_from([0.0, 1e3]))
def test_forward_matches_numpy_even_far_from_zero(shape, over_batch, dtype, offset):
    """An offset of 1000 with unit spread: a one-pass sum of squares would lose float32's every digit."""
    rng = np.random.default_rng(sum(shape))
    x = (offset + rng.standard_normal(shape)).astype(dtype)
    weight, bias = rng.standard_normal((2,) + shape[1:3]).astype(dtype)
    y, mean, var = kernels.standardize_affine_forward(x, weight, bias, 1e-5, 1 if over_batch else shape[0])
    want_y, want_mean, want_var = numpy_forward(x, weight.astype(np.float64), bias.astype(np.float64), over_batch)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y, want_y, atol=tol * (1 + np.abs(want_y).max()))
    np.testing.assert_allclose(mean, want_mean.reshape(mean.shape), rtol=1e-12)  # float64 sums of the same values
    np.testing.assert_allclose(var, want_var.reshape(var.shape), rtol=1e-9, atol=1e-12)
    assert y.dtype == dtype


@pytest.mark.parametrize("shape, over_batch", [((5, 3, 1, 7), True), ((4, 2, 3, 5), False), ((6, 1, 9, 1), False)])
def test_float32_backward_agrees_with_float64(shape, over_batch):
    rng = np.random.default_rng(1)
    x, gy = 3 + rng.standard_normal((2,) + shape)
    weight = rng.standard_normal(shape[1:3])
    sets = (1 if over_batch else shape[0], shape[1])
    g_mean, g_var = rng.standard_normal((2,) + sets)
    results = {}
    for dtype in (np.float32, np.float64):
        cast = [a.astype(dtype) for a in (gy, x, weight)]
        _, mean, var = kernels.standardize_affine_forward(cast[1], cast[2], cast[2], 1e-5, sets[0])
        g_stats = g_mean.astype(dtype), g_var.astype(dtype)
        results[dtype] = kernels.standardize_affine_backward(*cast, mean, var, 1e-5, *g_stats)
    for single, double in zip(results[np.float32], results[np.float64]):
        np.testing.assert_allclose(single, double, rtol=1e-4, atol=1e-4 * np.abs(double).max())


def _fused_minus_reference_gradients(shape=(3, 2, 2, 4), over_batch=False):
    """The largest difference between the fused backward and the reference's, with gradients on all three outputs."""
    rng = np.random.default_rng(2)
    x = tg.tensor(rng.standard_normal(shape), requires_grad=True)
    weight, bias = (tg.tensor(rng.standard_normal(shape[1:3]), requires_grad=True) for _ in range(2))
    outputs = tg.standardize_affine(x, weight, bias, over_batch=over_batch)
    upstream = [tg.tensor(rng.standard_normal(y.shape)) for y in outputs]
    reference_outputs = outputs[0].creator.reference(x, weight, bias)
    fused = tg.grad(outputs, [x, weight, bias], upstream)
    reference = tg.grad(reference_outputs, [x, weight, bias], upstream)
    return max(float(np.abs(f.numpy() - r.numpy()).max()) for f, r in zip(fused, reference))


def test_a_planted_wrong_backward_is_caught():
    assert _fused_minus_reference_gradients() < 1e-12
    right = kernels.standardize_affine_backward

    def without_the_variance_path(gy, x, weight, mean, var, eps, g_mean, g_var):
        return right(gy, x, weight, mean, var, eps, g_mean, 0 * g_var)

    with mock.patch.object(normalization.kernels, "standardize_affine_backward", without_the_variance_path):
        assert _fused_minus_reference_gradients() > 1e-3


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_arrays_the_kernel_does_not_take_go_through_the_reference(dtype):
    """float16 (no Numba type) runs the three ops; both routes give the same layer."""
    rng = np.random.default_rng(3)
    x = tg.tensor(rng.standard_normal((4, 2, 3, 5)), dtype=dtype, requires_grad=True)
    weight, bias = tg.ones(2, 3, dtype=dtype), tg.zeros(2, 3, dtype=dtype)
    y, mean, var = tg.standardize_affine(x, weight, bias)
    assert isinstance(y.creator, normalization.StandardizeAffine) == (dtype == "float32") and y.dtype == x.dtype
    want, _, _ = numpy_forward(x.numpy(), np.ones((2, 3)), np.zeros((2, 3)), over_batch=False)
    np.testing.assert_allclose(y.numpy(), want, atol=5e-3 if dtype == "float16" else 1e-5)


def test_bad_shapes_say_what_the_op_expects():
    with pytest.raises(ValueError, match=r"expects x of shape \(N, G, C, S\) and weight and bias of shape \(G, C\)"):
        tg.standardize_affine(tg.zeros(2, 3, 4), tg.ones(3, 4), tg.zeros(3, 4))


@pytest.mark.parametrize("shape, sets", [((6, 5, 1, 30), 1), ((6, 4, 3, 10), 6), ((40, 1, 16, 1), 40),
                                         ((2, 1, 4, 3), 2)])  # batch norm, group norm, layer norm, two sets
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_parallel_kernels_give_the_serial_ones_results(shape, sets, dtype, kernel_threads):
    """Each set's outputs and statistics bit for bit; dL/dgamma and dL/dbeta summed from each thread's own share,
    in another order, to float64 rounding. Three shares of the sets: uneven, and one empty for two sets."""
    rng = np.random.default_rng(3)
    x, gy = (5 + rng.standard_normal(shape)).astype(dtype), rng.standard_normal(shape).astype(dtype)
    weight, bias = rng.standard_normal((2,) + shape[1:3]).astype(dtype)
    g_stats = rng.standard_normal((2, sets, shape[1]))
    results = []
    for parts in (1, 3):
        kernel_threads(parts)
        y, mean, var = kernels.standardize_affine_forward(x, weight, bias, 1e-5, sets)
        results.append((y, mean, var, *kernels.standardize_affine_backward(gy, x, weight, mean, var, 1e-5, *g_stats)))
    for serial, parallel in zip(results[0][:4], results[1][:4]):
        np.testing.assert_array_equal(parallel, serial)
    for serial, parallel in zip(results[0][4:], results[1][4:]):
        np.testing.assert_allclose(parallel, serial, rtol=1e-6 if dtype == np.float32 else 1e-13)
