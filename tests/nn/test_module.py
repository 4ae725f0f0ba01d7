"""Module mechanics: registration, naming, state_dict, modes, devices, dtypes, printing."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import tinygen as tg
from tinygen import nn


class Block(nn.Module):
    """A parameter, a buffer and two children, assigned in a known order."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(tg.ones(3))
        self.register_buffer("count", tg.zeros(1))
        self.fc = nn.Linear(3, 2)
        self.norm = nn.BatchNorm1d(2)
        self.plain = [nn.Linear(1, 1)]  # a plain list: not registered

    def forward(self, x):
        return self.norm(self.fc(x * self.scale))


def test_parameter_requires_grad_by_default_and_says_so():
    p = nn.Parameter(tg.zeros(2))
    assert p.requires_grad and isinstance(p, tg.Tensor)
    assert repr(p).startswith("Parameter containing:")
    assert not nn.Parameter(tg.zeros(2), requires_grad=False).requires_grad
    assert (p * 2).__class__ is tg.Tensor  # results of ops are plain tensors


def test_attributes_register_in_assignment_order_with_dotted_names():
    block = Block()
    names = [name for name, _ in block.named_parameters()]
    assert names == ["scale", "fc.weight", "fc.bias", "norm.weight", "norm.bias"]
    assert [name for name, _ in block.named_buffers()] == ["count", "norm.running_mean", "norm.running_var", "norm.num_batches_tracked"]
    assert list(block.children()) == [block.fc, block.norm]
    assert [type(m).__name__ for m in block.modules()] == ["Block", "Linear", "BatchNorm1d"]
    assert [name for name, _ in block.named_parameters(recurse=False)] == ["scale"]


def test_a_shared_parameter_is_listed_once():
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    net.append(net[0])  # the same layer twice
    assert len(list(net.parameters())) == 2


def test_reassigning_and_deleting_update_the_registries():
    block = Block()
    block.fc = nn.Linear(3, 2, bias=False)
    assert [name for name, _ in block.named_parameters()][1:3] == ["fc.weight", "norm.weight"]
    assert block.fc.bias is None
    block.count = tg.ones(1)  # assigning a tensor to a buffer's name replaces the buffer
    assert block.state_dict()["count"].item() == 1
    del block.norm
    assert not hasattr(block, "norm") and "norm.weight" not in block.state_dict()


def test_assigning_the_wrong_kind_to_a_registered_name_is_an_error():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        layer.weight = tg.zeros(2, 2)
    layer.bias = None  # None is allowed: an absent parameter
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_forgetting_super_init_gets_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="Module.__init__"):
        Broken()


def test_state_dict_round_trip_keeps_identity_device_and_dtype():
    source, target = Block(), Block()
    source.norm(tg.randn(4, 2))  # moves the running statistics away from their start
    parameters = list(target.parameters())
    state = source.state_dict()
    assert list(state) == list(target.state_dict())
    assert all(not value.requires_grad for value in state.values())
    state = OrderedDict((k, v.double()) for k, v in state.items())  # a float64 checkpoint...
    result = target.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert all(a is b for a, b in zip(parameters, target.parameters()))
    for name, value in target.state_dict().items():
        np.testing.assert_allclose(value.numpy(), state[name].numpy(), rtol=1e-6)
        assert value.dtype == source.state_dict()[name].dtype  # ...loads into float32 tensors
    assert target.norm.num_batches_tracked.item() == 1


def test_state_dict_shares_memory_and_detaches():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    assert state["weight"].data is layer.weight.data and state["weight"].creator is None


def test_load_state_dict_names_missing_unexpected_and_mis_shaped_keys():
    layer = nn.Linear(3, 2)
    state = nn.Linear(4, 2).state_dict()
    del state["bias"]
    state["extra"] = tg.zeros(1)
    before = layer.weight.numpy().copy()
    with pytest.raises(RuntimeError) as error:
        layer.load_state_dict(state)
    message = str(error.value)
    assert "Missing key(s) in state_dict: 'bias'" in message
    assert "Unexpected key(s) in state_dict: 'extra'" in message
    assert "size mismatch for weight" in message and "(2, 4)" in message and "(2, 3)" in message
    np.testing.assert_array_equal(layer.weight.numpy(), before)  # nothing was copied


def test_load_state_dict_not_strict_reports_keys_but_still_rejects_shapes():
    layer = nn.Linear(3, 2)
    state = {"weight": np.ones((2, 3)), "extra": np.zeros(1)}  # plain arrays load too
    result = layer.load_state_dict(state, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert (layer.weight.numpy() == 1).all()
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        layer.load_state_dict({"weight": np.ones((3, 3))}, strict=False)


def test_train_and_eval_reach_every_descendant():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_requires_grad_():
    layer = nn.Linear(2, 1)
    layer(tg.randn(3, 2)).sum().backward()
    assert layer.weight.grad is not None
    layer.zero_grad()
    assert all(p.grad is None for p in layer.parameters())
    layer.requires_grad_(False)
    assert not any(p.requires_grad for p in layer.parameters())


def test_to_cpu_and_double_keep_parameter_identity():
    block = Block()
    block(tg.randn(4, 3)).sum().backward()
    parameters = list(block.parameters())
    assert block.to("cpu") is block
    assert block.double() is block
    assert all(a is b for a, b in zip(parameters, block.parameters()))
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in block.parameters())
    assert block.norm.running_mean.dtype == np.float64
    assert block.norm.num_batches_tracked.dtype == np.int64  # integer buffers keep their dtype
    block.to(tg.float32)
    assert all(p.dtype == np.float32 for p in block.parameters())
    block.float().to("cpu", tg.float64)
    assert block.fc.weight.dtype == np.float64


@pytest.mark.gpu
def test_to_gpu_moves_parameters_and_buffers_in_place():
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    parameters = list(net.parameters())
    net.to("gpu")
    assert all(a is b for a, b in zip(parameters, net.parameters()))
    assert all(t.device == "gpu" for t in list(net.parameters()) + list(net.buffers()))
    net(tg.randn(5, 3, device="gpu")).sum().backward()
    assert net[0].weight.grad.device == "gpu"
    net.cpu()
    assert net[1].running_mean.device == "cpu"


def test_repr_nests_like_pytorch():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Sequential(nn.Dropout(0.25), nn.LeakyReLU(0.2)))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.25)\n"
        "    (1): LeakyReLU(negative_slope=0.2)\n"
        "  )\n"
        ")"
    )


def test_sequential_indexes_slices_and_iterates():
    layers = [nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)]
    net = nn.Sequential(*layers)
    assert len(net) == 3 and list(net) == layers
    assert net[-1] is layers[2]
    head = net[1:]
    assert isinstance(head, nn.Sequential) and list(head) == layers[1:]
    assert list(head.state_dict()) == ["2.weight", "2.bias"]  # slices keep the names
    x = tg.randn(4, 2)
    np.testing.assert_allclose(net(x).numpy(), layers[2](layers[1](layers[0](x))).numpy())
    named = nn.Sequential(OrderedDict(encoder=nn.Linear(2, 2), act=nn.ReLU()))
    assert list(named.state_dict()) == ["encoder.weight", "encoder.bias"]


def test_module_list_registers_its_modules():
    blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    blocks.append(nn.Linear(2, 1))
    assert len(blocks) == 3 and len(list(blocks.parameters())) == 6
    assert list(blocks.state_dict())[-1] == "2.bias"
    replacement = nn.Linear(2, 2)
    blocks[0] = replacement
    assert blocks[0] is replacement and isinstance(blocks[:2], nn.ModuleList)
    with pytest.raises(TypeError):
        blocks[0] = "not a module"


def test_apply_visits_every_module_and_deepcopy_is_independent():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 2)))
    net.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert all((m.weight.numpy() == 0).all() for m in net.modules() if isinstance(m, nn.Linear))
    twin = copy.deepcopy(net)
    twin[0].weight.data += 1
    assert (net[0].weight.numpy() == 0).all() and len(list(twin.parameters())) == 4


def test_missing_attribute_and_missing_forward_errors():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        nn.Linear(1, 1).nope
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)


def test_nn_utils_clip_grad_norm_is_optims_under_pytorchs_name():
    assert nn.utils.clip_grad_norm_ is tg.optim.clip_grad_norm_
    assert nn.utils.clip_grad_value_ is tg.optim.clip_grad_value_
    w = nn.Parameter(tg.zeros(2))
    w.grad = tg.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm_([w], max_norm=1.0).item() == 5.0
    np.testing.assert_allclose(w.grad.numpy(), [0.6, 0.8], rtol=1e-5)
