"""nn.utils.functional_call and reparametrized: a module evaluated at given weights, differentiably, against torch.func."""
import numpy as np
import pytest
import torch

import tinygen as tg
from tinygen import nn
from tinygen.nn.utils import functional_call, reparametrized


def network():
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


def test_functional_call_uses_the_given_weights_and_leaves_the_module_as_it_was():
    net = network()
    own = {name: p for name, p in net.named_parameters()}
    x = tg.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    w = tg.tensor(np.random.default_rng(1).standard_normal((2, 4)))
    out = functional_call(net, {"2.weight": w}, (x,))
    expected = np.tanh(x.numpy() @ own["0.weight"].numpy().T + own["0.bias"].numpy()) @ w.numpy().T + own["2.bias"].numpy()
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    assert all(p is own[name] for name, p in net.named_parameters())  # the Parameters are back
    np.testing.assert_allclose(net(x).numpy(), (np.tanh(x.numpy() @ own["0.weight"].numpy().T + own["0.bias"].numpy())
                                                @ own["2.weight"].numpy().T + own["2.bias"].numpy()), rtol=1e-12)  # fmt: skip


def test_gradients_flow_into_what_made_the_given_weights_as_in_torch_func():
    """Weights that are ops' results (theta - eta g, say): the output differentiates through them."""
    net = network()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in net.state_dict().items()})
    rng = np.random.default_rng(2)
    x, scale = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    s_ours, s_theirs = tg.tensor(scale, requires_grad=True), torch.tensor(scale, requires_grad=True)
    ours = functional_call(net, {"0.weight": net[0].weight * s_ours}, tg.tensor(x)).sum()
    ref = torch.func.functional_call(theirs, {"0.weight": theirs[0].weight * s_theirs}, (torch.tensor(x),)).sum()
    ours.backward()
    ref.backward()
    np.testing.assert_allclose(ours.item(), ref.item(), rtol=1e-12)
    np.testing.assert_allclose(s_ours.grad.numpy(), s_theirs.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(net[0].weight.grad.numpy(), theirs[0].weight.grad.numpy(), rtol=1e-10)
    assert net[2].weight.grad is not None  # the module's own weights where none was given


def test_reparametrized_restores_after_an_error_and_substitutes_buffers():
    norm = nn.BatchNorm1d(2).eval()
    x = tg.tensor([[1.0, 2.0]])
    mean = tg.tensor([1.0, 1.0])
    with pytest.raises(RuntimeError, match="inside"):
        with reparametrized(norm, {"running_mean": mean}):
            np.testing.assert_allclose(norm(x).numpy(), [[0.0, 1.0]], atol=1e-4)
            raise RuntimeError("inside")
    assert norm.running_mean is not mean and (norm.running_mean.numpy() == 0).all()


def test_bad_names_shapes_and_missing_tensors_are_clear_errors():
    net = network()
    with pytest.raises(KeyError, match=r"no parameter or buffer '0\.wieght'.*'0\.weight'"):
        functional_call(net, {"0.wieght": tg.zeros(4, 3)}, tg.zeros(1, 3))
    with pytest.raises(ValueError, match=r"'0\.weight' has shape \(3, 4\), the module's has \(4, 3\)"):
        functional_call(net, {"0.weight": tg.zeros(3, 4)}, tg.zeros(1, 3))
    with pytest.raises(TypeError, match="must be a Tensor"):
        functional_call(net, {"0.bias": np.zeros(4)}, tg.zeros(1, 3))
    with pytest.raises(KeyError, match=r"strict=True.*'2\.bias'"):
        functional_call(net, {"0.weight": tg.zeros(4, 3)}, tg.zeros(1, 3), strict=True)
    assert isinstance(net[0].weight, nn.Parameter)
