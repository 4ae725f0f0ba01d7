"""The softmax kernels and their float32 exp against NumPy, on both loop shapes (the last axis, a middle
axis), with infinities and NaN; the array route (CuPy's) against them; a planted wrong backward caught."""
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numba import njit

import tinygen as tg
from tinygen import kernels
from tinygen.kernels.fastmath import exp_nonpositive
from tinygen.ops import reduction


@njit
def _exp_all(x, out):
    for i in range(x.size):
        out[i] = exp_nonpositive(x[i])


def test_float32_exp_is_within_2e7_of_the_exact_one_and_keeps_the_special_values():
    x = np.concatenate([-np.linspace(0, 87, 100_001), [-87.5, -88, -100, -np.inf, np.nan]]).astype(np.float32)
    got = np.empty_like(x)
    _exp_all(x, got)
    want = np.exp(x.astype(np.float64))
    normal = want > np.finfo(np.float32).tiny
    np.testing.assert_allclose(got[normal], want[normal], rtol=2e-7)
    assert np.all(got[~normal & ~np.isnan(x)] <= np.finfo(np.float32).tiny) and np.isnan(got[-1])
    assert got[-2] == 0 and got[0] == 1


def numpy_softmax(x, axis, log):
    x = x.astype(np.float64)
    c = np.max(x, axis=axis, keepdims=True)
    c = np.where(c == -np.inf, 0, c)
    with np.errstate(divide="ignore", invalid="ignore"):  # an all -inf slice: log 0, then -inf + inf
        log_z = c + np.log(np.exp(x - c).sum(axis=axis, keepdims=True))
        return x - log_z if log else np.exp(x - log_z)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=3), st.data(), st.booleans(),
       st.sampled_from([np.float32, np.float64]))  # fmt: skip
def test_forward_and_backward_match_numpy(shape, data, log, dtype):
    axis = data.draw(st.integers(0, len(shape) - 1))
    rng = np.random.default_rng(len(shape) * 100 + axis)
    x = (4 * rng.standard_normal(shape)).astype(dtype)
    x[rng.random(shape) < 0.1] = -np.inf  # masked logits
    y = kernels.softmax_forward(x, axis, log)
    want = numpy_softmax(x, axis, log)
    tol = 2e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(y, want, rtol=tol, atol=tol)
    assert y.dtype == dtype
    gy = rng.standard_normal(shape).astype(dtype)
    p = np.exp(want) if log else want
    with np.errstate(invalid="ignore"):  # log_softmax's -inf times a zero probability
        want_gx = gy - p * gy.sum(axis, keepdims=True) if log else p * (gy - (p * gy).sum(axis, keepdims=True))
    gx = kernels.softmax_backward(y, gy, axis, log)
    np.testing.assert_allclose(gx, want_gx, rtol=10 * tol, atol=10 * tol)


@pytest.mark.parametrize("lanes", [1, 5])
@pytest.mark.parametrize("log", [False, True])
def test_a_nan_or_plus_inf_spoils_only_its_own_slice_and_all_minus_inf_gives_nan(lanes, log):
    x = np.zeros((4, 3, lanes), np.float32)
    x[0, 1], x[1, 0], x[2] = np.nan, np.inf, -np.inf
    y = kernels.softmax_forward(x, 1, log)
    assert np.isnan(y[:3]).all() and np.isfinite(y[3]).all()


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_the_array_route_that_cupy_takes_agrees_with_the_kernel(name, dim):
    x = tg.tensor(np.random.default_rng(4).standard_normal((6, 7, 8)), dtype="float32", requires_grad=True)
    gy = tg.tensor(np.random.default_rng(5).standard_normal((6, 7, 8)), dtype="float32")
    results = []
    for supported in (True, False):
        with mock.patch.object(reduction.kernels, "softmax_supports", lambda a, s=supported: s):
            x.grad = None
            y = getattr(tg, name)(x, dim)
            y.backward(gy)
            results.append((y.numpy(), x.grad.numpy()))
    for fast, arrays in zip(*results):
        np.testing.assert_allclose(fast, arrays, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_a_planted_wrong_backward_is_caught(name):
    x = tg.tensor(np.random.default_rng(6).standard_normal((5, 9)), requires_grad=True)
    gy = tg.tensor(np.random.default_rng(7).standard_normal((5, 9)))

    def fused_minus_reference():
        y = getattr(tg, name)(x, 1)
        reference_y = y.creator.reference(x)
        fused, (reference,) = tg.grad(y, [x], gy), tg.grad(reference_y, [x], gy)
        return float(np.abs(fused[0].numpy() - reference.numpy()).max())

    assert fused_minus_reference() < 1e-12

    def forgets_the_sum(y, gy, axis, log=False):  # dL/dx = g, or y g: the - sum_j term left out
        return gy.copy() if log else y * gy

    with mock.patch.object(reduction.kernels, "softmax_backward", forgets_the_sum):
        assert fused_minus_reference() > 1e-3


@pytest.mark.parametrize("length", [255, 256, 257, 1000])
@pytest.mark.parametrize("log", [False, True])
def test_long_slices_sum_in_blocks(length, log):
    """Slices longer than one block of 256, all of one sign, so the integer-ordered maximum is tested both ways."""
    rng = np.random.default_rng(length)
    for sign in (1, -1):
        x = (sign * (1 + rng.random((3, length)))).astype(np.float32)
        np.testing.assert_allclose(kernels.softmax_forward(x, 1, log), numpy_softmax(x, 1, log), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("shape, axis", [((50, 37), 1), ((7, 30, 9), 1), ((2, 40), 1)])
@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_parallel_kernels_give_the_serial_ones_bits(shape, axis, log, dtype, kernel_threads):
    """Slices are independent, so three threads' shares of them (one empty for two slices) change no bit."""
    rng = np.random.default_rng(8)
    x, gy = (4 * rng.standard_normal((2,) + shape)).astype(dtype)
    x[rng.random(shape) < 0.1] = -np.inf
    results = []
    for parts in (1, 3):
        kernel_threads(parts)
        y = kernels.softmax_forward(x, axis, log)
        results.append((y, kernels.softmax_backward(y, gy, axis, log)))
    for serial, parallel in zip(*results):
        np.testing.assert_array_equal(parallel, serial)
