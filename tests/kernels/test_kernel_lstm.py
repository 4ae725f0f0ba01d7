"""Fused LSTM gates against a NumPy reference, and their backward against finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tinygen.kernels import lstm_gates_backward, lstm_gates_forward


def sigmoid(a):
    return 1 / (1 + np.exp(-a))


def reference_forward(preact, c_prev):
    a_i, a_f, a_g, a_o = np.split(preact, 4, axis=1)
    c = sigmoid(a_f) * c_prev + sigmoid(a_i) * np.tanh(a_g)
    return sigmoid(a_o) * np.tanh(c), c


def random_inputs(n, hidden, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (3 * rng.standard_normal((n, 4 * hidden))).astype(dtype), rng.standard_normal((n, hidden)).astype(dtype)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 5), st.integers(1, 40), st.sampled_from([np.float32, np.float64]))
def test_forward_matches_reference(n, hidden, dtype):
    preact, c_prev = random_inputs(n, hidden, dtype)
    h, c, (gates, tanh_c) = lstm_gates_forward(preact, c_prev)
    h_ref, c_ref = reference_forward(preact.astype(np.float64), c_prev.astype(np.float64))
    tol = 2e-6 if dtype == np.float32 else 1e-14  # float32 uses an approximate tanh (error < 1e-6)
    np.testing.assert_allclose(h, h_ref, atol=tol)
    np.testing.assert_allclose(c, c_ref, atol=tol)
    np.testing.assert_allclose(tanh_c, np.tanh(c_ref), atol=tol)
    assert h.dtype == c.dtype == gates.dtype == dtype


def test_float32_tanh_saturates_and_stays_in_range():
    preact = np.array([[-1e4, -30, 30, 1e4, -1e4, -30, 30, 1e4]], np.float32).reshape(1, 8)
    h, c, (gates, _) = lstm_gates_forward(preact, np.zeros((1, 2), np.float32))
    assert np.all(np.abs(gates) <= 1) and np.all(np.isfinite(h))


@pytest.mark.parametrize("n, hidden", [(1, 1), (3, 4), (2, 17)])
def test_backward_matches_finite_differences(n, hidden):
    preact, c_prev = random_inputs(n, hidden, np.float64, seed=n)
    rng = np.random.default_rng(7)
    dh, dc = rng.standard_normal((n, hidden)), rng.standard_normal((n, hidden))

    def loss(preact, c_prev):  # a scalar whose gradients at h and c are dh and dc
        h, c, _ = lstm_gates_forward(preact, c_prev)
        return np.vdot(dh, h) + np.vdot(dc, c)

    _, _, saved = lstm_gates_forward(preact, c_prev)
    dpreact, dc_prev = lstm_gates_backward(dh, dc, saved, c_prev)
    for array, grad in ((preact, dpreact), (c_prev, dc_prev)):
        numeric = np.zeros_like(array)
        for idx in np.ndindex(array.shape):
            old = array[idx]
            array[idx] = old + 1e-6
            up = loss(preact, c_prev)
            array[idx] = old - 1e-6
            numeric[idx] = (up - loss(preact, c_prev)) / 2e-6
            array[idx] = old
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


def test_out_buffers_are_filled_and_returned():
    preact, c_prev = random_inputs(4, 8, np.float32)
    h, c, (gates, tanh_c) = lstm_gates_forward(preact, c_prev)
    out = tuple(np.empty_like(a) for a in (h, c, gates, tanh_c))
    h2, c2, saved2 = lstm_gates_forward(preact, c_prev, out=out)
    assert h2 is out[0] and c2 is out[1] and saved2[0] is out[2] and saved2[1] is out[3]
    np.testing.assert_array_equal(h2, h)
    dh = np.ones_like(h)
    grads = lstm_gates_backward(dh, dh, (gates, tanh_c), c_prev)
    buffers = (np.empty_like(preact), np.empty_like(c_prev))
    np.testing.assert_array_equal(lstm_gates_backward(dh, dh, (gates, tanh_c), c_prev, out=buffers)[0], grads[0])
    with pytest.raises(ValueError, match="out buffer"):
        lstm_gates_forward(preact, c_prev, out=(h, c, gates[:, :4], tanh_c))


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="4H"):
        lstm_gates_forward(np.zeros((2, 6)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="c_prev"):
        lstm_gates_forward(np.zeros((2, 8)), np.zeros((2, 3)))
