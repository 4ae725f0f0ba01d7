"""Every CUDA twin against its CPU twin, run on NumPy arrays by Numba's CUDA simulator.

Run with: NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/kernels/test_kernel_cudasim.py
(the variable must be set before Numba is imported, hence the whole process).
Each call runs twice: as it comes, on the CPU twin, and with ``jit.on_gpu``
answering True, which launches the CUDA twin in the simulator. The simulator
runs each GPU thread in Python, so the inputs stay small.
"""
import os

import numpy as np
import pytest

from tinygen import kernels
from tinygen.kernels import ConvGeometry, PoolGeometry, jit

pytestmark = pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") != "1",
                                reason="set NUMBA_ENABLE_CUDASIM=1 to run the GPU kernels in Numba's CUDA simulator")
DTYPES = [np.float32, np.float64]


def twins(name, *args):
    """-> (what the CUDA twin of kernels.<name> returns, what the CPU twin returns), as flat lists of arrays."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jit, "on_gpu", lambda array: True)
        on_gpu = getattr(kernels, name)(*args)
    on_cpu = getattr(kernels, name)(*args)
    return flatten(on_gpu), flatten(on_cpu)


def flatten(result):
    """An array or nested tuples of arrays -> a flat list of arrays."""
    return [a for part in result for a in flatten(part)] if isinstance(result, tuple) else [result]


def assert_identical(name, *args):
    """Not only close: where the CPU scatters (+=) and the GPU gathers, both add a pixel's numbers in the
    same order and in the array's dtype. (The simulator follows NumPy's scalar rules, under which even a
    Python 0.0 plus float32 stays float32; on a real GPU such a sum would run in float64, which
    test_kernel_gpu.py checks for col2im.)"""
    for a, b in zip(*twins(name, *args), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args", [(3, 1, 1, 1, None), ((2, 3), (2, 1), (1, 0), (1, 2), None),
                                  (3, 1, 1, 1, [0, 1, 2, 3]), (3, 1, 2, 2, None)])
def test_im2col_and_col2im(dtype, args):
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 6)).astype(dtype)
    geometry = ConvGeometry.of(x.shape, *args)
    assert_identical("im2col", x, geometry)
    cols = np.random.default_rng(1).standard_normal(kernels.im2col(x, geometry).shape).astype(dtype)
    assert_identical("col2im", cols, x.shape, geometry)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k, s, p", [(2, None, 0), (3, 2, 1), (3, 1, 1)])
def test_pooling(dtype, k, s, p):
    x = np.random.default_rng(1).standard_normal((2, 2, 5, 6)).astype(dtype)
    geometry = PoolGeometry.of(x.shape, k, s, p)
    out, argmax = kernels.max_pool2d(x, geometry)
    dout = np.random.default_rng(2).standard_normal(out.shape).astype(dtype)
    assert_identical("max_pool2d", x, geometry)
    assert_identical("max_pool2d_backward", dout, argmax, x.shape, geometry)
    assert_identical("avg_pool2d", x, geometry)
    assert_identical("avg_pool2d_backward", dout, x.shape, geometry)


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pooling_with_nans(dtype):
    x = np.random.default_rng(3).standard_normal((2, 2, 5, 6)).astype(dtype)
    x[0, 0, 1, 2] = x[0, 1, 3, 3] = x[1, 0, 0, 0] = np.nan
    x[1, 1, 2, :] = np.nan  # several NaNs in one window: the last one wins
    geometry = PoolGeometry.of(x.shape, 3, 1, 1)
    out, argmax = kernels.max_pool2d(x, geometry)
    assert np.isnan(out[0, 0, 0:3, 1:4]).all()
    assert_identical("max_pool2d", x, geometry)
    assert_identical("max_pool2d_backward", np.ones_like(out), argmax, x.shape, geometry)


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_gates(dtype):
    rng = np.random.default_rng(2)
    preact, c_prev = rng.standard_normal((3, 20)).astype(dtype), rng.standard_normal((3, 5)).astype(dtype)
    dh, dc = rng.standard_normal((2, 3, 5)).astype(dtype)
    _, _, saved = kernels.lstm_gates_forward(preact, c_prev)
    for name, args in [("lstm_gates_forward", (preact, c_prev)), ("lstm_gates_backward", (dh, dc, saved, c_prev))]:
        for a, b in zip(*twins(name, *args), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_erf(dtype):
    assert_identical("erf", np.linspace(-4, 4, 33).astype(dtype).reshape(3, 11))
