"""Every GPU kernel against its CPU twin, run on NumPy arrays by Numba's CUDA simulator.

Run with: NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/kernels/test_kernel_cudasim.py
(the variable must be set before Numba is imported, hence the whole process).
The simulator runs each GPU thread in Python, so the inputs stay small.
"""
import os

import numpy as np
import pytest

from tinygen.kernels import cpu

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") != "1",
                                reason="set NUMBA_ENABLE_CUDASIM=1 to run the GPU kernels in Numba's CUDA simulator")
DTYPES = [np.float32, np.float64]


@pytest.fixture(scope="module")
def gpu():
    from tinygen.kernels import cuda

    return cuda


def assert_same(gpu_result, cpu_result):
    """Compare one array, or tuples of arrays element by element."""
    pairs = zip(gpu_result, cpu_result, strict=True) if isinstance(cpu_result, tuple) else [(gpu_result, cpu_result)]
    for a, b in pairs:
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args", [(3, 1, 1, 1, None), ((2, 3), (2, 1), (1, 0), (1, 2), None),
                                  (3, 1, 1, 1, [0, 1, 2, 3])])
def test_im2col_and_col2im(gpu, dtype, args):
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 6)).astype(dtype)
    cols = cpu.im2col(x, *args)
    assert_same(gpu.im2col(x, *args), cols)
    assert_same(gpu.col2im(cols, x.shape, *args), cpu.col2im(cols, x.shape, *args))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k, s, p", [(2, None, 0), (3, 2, 1), (3, 1, 1)])
def test_pooling(gpu, dtype, k, s, p):
    x = np.random.default_rng(1).standard_normal((2, 2, 5, 6)).astype(dtype)
    out, argmax = cpu.max_pool2d(x, k, s, p)
    assert_same(gpu.max_pool2d(x, k, s, p), (out, argmax))
    assert_same(gpu.max_pool2d_backward(out, argmax, x.shape, k, s, p),
                cpu.max_pool2d_backward(out, argmax, x.shape, k, s, p))
    mean = cpu.avg_pool2d(x, k, s, p)
    assert_same(gpu.avg_pool2d(x, k, s, p), mean)
    assert_same(gpu.avg_pool2d_backward(mean, x.shape, k, s, p), cpu.avg_pool2d_backward(mean, x.shape, k, s, p))


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_gates(gpu, dtype):
    rng = np.random.default_rng(2)
    preact, c_prev = rng.standard_normal((3, 20)).astype(dtype), rng.standard_normal((3, 5)).astype(dtype)
    h, c, saved = cpu.lstm_gates_forward(preact, c_prev)
    h2, c2, saved2 = gpu.lstm_gates_forward(preact, c_prev)
    assert_same((h2, c2) + saved2, (h, c) + saved)
    dh, dc = rng.standard_normal((2, 3, 5)).astype(dtype)
    assert_same(gpu.lstm_gates_backward(dh, dc, saved, c_prev), cpu.lstm_gates_backward(dh, dc, saved, c_prev))
