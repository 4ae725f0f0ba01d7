"""Max and average pooling against plain NumPy references."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from tinygen.kernels import PoolGeometry, avg_pool2d, avg_pool2d_backward, max_pool2d, max_pool2d_backward


def windows(x, k, s, p, fill):
    """(N, C, OH, OW, k*k) array of every pooling window, the padding filled with ``fill``."""
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=fill)
    oh, ow = (xp.shape[2] - k) // s + 1, (xp.shape[3] - k) // s + 1
    return np.stack([xp[:, :, i:i + s * oh:s, j:j + s * ow:s] for i in range(k) for j in range(k)], axis=-1)


@st.composite
def pool_cases(draw):
    k = draw(st.integers(1, 4))
    s, p = draw(st.integers(1, 3)), draw(st.integers(0, k // 2))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    assume(min(shape[2:]) + 2 * p >= k)
    return shape, k, s, p, draw(st.sampled_from([np.float32, np.float64]))


@settings(max_examples=15, deadline=None)
@given(pool_cases())
def test_max_pool_matches_reference(case):
    shape, k, s, p, dtype = case
    x, geometry = np.random.default_rng(0).standard_normal(shape).astype(dtype), PoolGeometry.of(shape, k, s, p)
    out, argmax = max_pool2d(x, geometry)
    np.testing.assert_array_equal(out, windows(x, k, s, p, -np.inf).max(axis=-1))
    planes = x.reshape(shape[0], shape[1], -1)
    np.testing.assert_array_equal(np.take_along_axis(planes, argmax.reshape(*shape[:2], -1), 2).reshape(out.shape),
                                  out)
    dout = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    expected = np.zeros_like(planes)
    for n in range(shape[0]):
        for c in range(shape[1]):
            np.add.at(expected[n, c], argmax[n, c].ravel(), dout[n, c].ravel())
    np.testing.assert_allclose(max_pool2d_backward(dout, argmax, shape, geometry), expected.reshape(shape),
                               rtol=1e-6)


@settings(max_examples=15, deadline=None)
@given(pool_cases())
def test_avg_pool_matches_reference_and_backward_is_its_adjoint(case):
    shape, k, s, p, dtype = case
    rng = np.random.default_rng(2)
    x, geometry = rng.standard_normal(shape).astype(dtype), PoolGeometry.of(shape, k, s, p)
    out = avg_pool2d(x, geometry)
    np.testing.assert_allclose(out, windows(x, k, s, p, 0).mean(axis=-1), rtol=1e-5, atol=1e-6)
    x64, y = x.astype(np.float64), rng.standard_normal(out.shape)
    np.testing.assert_allclose(np.vdot(avg_pool2d(x64, geometry), y),
                               np.vdot(x64, avg_pool2d_backward(y, shape, geometry)), rtol=1e-10)


def test_stride_defaults_to_kernel_size_and_ties_go_to_the_first_tap():
    out, argmax = max_pool2d(np.ones((1, 1, 4, 4)), PoolGeometry.of((1, 1, 4, 4), 2))
    assert out.shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(argmax[0, 0], [[0, 2], [8, 10]])


def test_padding_larger_than_half_the_kernel_raises():
    with pytest.raises(ValueError, match="half the kernel"):
        PoolGeometry.of((1, 1, 4, 4), 2, 1, 2)
