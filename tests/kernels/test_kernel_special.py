"""erf against Python's math.erf, in both float dtypes and on strided input."""
import math

import numpy as np
import pytest

from tinygen import kernels


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-15), (np.float32, 1e-6)])
def test_erf_matches_math_erf(dtype, rtol):
    x = np.concatenate([np.linspace(-7, 7, 141), [0.0, -0.0, 1e-30, np.inf, -np.inf]]).astype(dtype)
    y = kernels.erf(x)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, [math.erf(v) for v in x.astype(np.float64)], rtol=rtol, atol=0)


def test_erf_of_a_strided_array_keeps_its_shape():
    x = np.arange(24.0).reshape(4, 6)[:, ::2] / 10
    np.testing.assert_array_equal(kernels.erf(x), np.vectorize(math.erf)(x))


def test_erf_rejects_integers():
    with pytest.raises(TypeError, match="floating-point"):
        kernels.erf(np.arange(3))
