"""The same ops on CuPy arrays: results and gradients equal the CPU's. Skipped without a GPU."""
import numpy as np
import pytest

import tinygen as tg

pytestmark = pytest.mark.gpu


def test_ops_and_gradients_match_the_cpu():
    rng = np.random.default_rng(0)
    a_host, b_host = rng.standard_normal((4, 5)), rng.standard_normal((5, 3))

    def run(device):
        a = tg.tensor(a_host, device=device, requires_grad=True)
        b = tg.tensor(b_host, device=device, requires_grad=True)
        loss = (tg.log_softmax(a @ b, dim=1) * 2).sigmoid()[:, [0, 0, 2]].sum()
        loss.backward()
        return loss.item(), a.grad.numpy(), b.grad.numpy()

    for cpu, gpu in zip(run("cpu"), run("gpu")):
        np.testing.assert_allclose(cpu, gpu, rtol=1e-10)


def test_gradients_flow_back_across_devices():
    x = tg.tensor(np.arange(3.0), requires_grad=True)
    y = x.to("gpu") * 2
    assert y.device == "gpu"
    y.sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2])


def test_gradcheck_runs_on_the_gpu():
    x = tg.tensor(np.linspace(-1, 1, 6).reshape(2, 3), device="gpu", requires_grad=True)
    assert tg.gradcheck(lambda t: (t.tanh() * t).sum(1), x)
    assert tg.gradgradcheck(lambda t: (t.tanh() * t).sum(1), x)
