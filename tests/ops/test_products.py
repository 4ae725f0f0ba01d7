"""prod and cumprod where their gradients are hard: products that underflow (PyTorch's second derivatives are
NaN there, tinygen's exact), and the (n, n) path that creates a graph."""
import numpy as np
import pytest

import tinygen as tg

TINY = 5e-324  # the smallest subnormal float64: TINY * TINY underflows to 0


def _hessian(f, values):
    x = tg.tensor(values, dtype=tg.float64, requires_grad=True)
    (g,) = tg.grad(f(x), x, create_graph=True)
    return np.stack([tg.grad(g[i], x, retain_graph=True)[0].numpy() for i in range(len(values))])


@pytest.mark.parametrize("f", [tg.prod, lambda x: tg.cumprod(x, 0)[-1]], ids=["prod", "cumprod"])
def test_second_derivatives_of_a_product_that_underflows_are_exact(f):
    """d^2(x0 x1 x2)/dx_i dx_j = x_k for {i, j, k} = {0, 1, 2}; the product itself underflows to 0."""
    np.testing.assert_array_equal(_hessian(f, [TINY, TINY, 2.0]), [[0, 2, TINY], [2, 0, TINY], [TINY, TINY, 0]])


def test_cumprod_gradient_where_a_running_product_underflows():
    """y = (x0, x0 x1): dy1/dx1 = x0 survives although x0 x1 rounds to 0 (dividing y1 by x1 would give 0)."""
    x = tg.tensor([TINY, 0.5], dtype=tg.float64, requires_grad=True)
    tg.cumprod(x, 0)[1].backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, TINY])


def test_prod_takes_one_axis_as_in_pytorch():
    with pytest.raises(TypeError, match="one axis"):
        tg.prod(tg.ones(2, 3), (0, 1))
