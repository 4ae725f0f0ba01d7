"""The public kernels on CuPy arrays (a real GPU) against the same calls on NumPy arrays."""
import numpy as np
import pytest

from tinygen import kernels
from tinygen.backend import gpu_available

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not gpu_available(), reason="needs CuPy and a CUDA GPU")]


def flatten(result):
    """An array or nested tuples of arrays -> a flat list of arrays."""
    return [a for part in result for a in flatten(part)] if isinstance(result, tuple) else [result]


def check(name, *args, exact=False):
    import cupy

    on_gpu = getattr(kernels, name)(*[cupy.asarray(a) if isinstance(a, np.ndarray) else a for a in args])
    on_cpu = getattr(kernels, name)(*args)
    for a, b in zip(flatten(on_gpu), flatten(on_cpu), strict=True):
        if exact:
            np.testing.assert_array_equal(cupy.asnumpy(a), b)
        else:
            np.testing.assert_allclose(cupy.asnumpy(a), b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_kernels_match_the_cpu(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3, 9, 8)).astype(dtype)
    geometry = kernels.ConvGeometry.of(x.shape, 3, 2, 1, 1, [0, 1, 2, 3])
    check("im2col", x, geometry)
    check("col2im", kernels.im2col(x, geometry), x.shape, geometry, exact=True)  # both sum in x's dtype, in tap order
    window = kernels.PoolGeometry.of(x.shape, 3, 2, 1)
    out, argmax = kernels.max_pool2d(x, window)
    check("max_pool2d", x, window)
    check("max_pool2d_backward", out, argmax, x.shape, window)
    check("avg_pool2d", x, window)
    check("avg_pool2d_backward", out, x.shape, window)
    preact, c_prev = rng.standard_normal((5, 24)).astype(dtype), rng.standard_normal((5, 6)).astype(dtype)
    _, _, saved = kernels.lstm_gates_forward(preact, c_prev)
    check("lstm_gates_forward", preact, c_prev)
    check("lstm_gates_backward", c_prev, c_prev, saved, c_prev)
