"""Padding layers against PyTorch's (float64): same output, same input gradient."""
import numpy as np
import pytest

import tinygen as tg
from support.torch_reference import assert_same_outputs_and_gradients

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("name", ["ReflectionPad2d", "ReplicationPad2d", "ZeroPad2d"])
@pytest.mark.parametrize("padding", [2, (1, 0, 3, 2)])
def test_padding_layers_match_torch(name, padding):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 5))
    mine_x, theirs_x = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mine, theirs = getattr(tg.nn, name)(padding), getattr(torch.nn, name)(padding)
    assert_same_outputs_and_gradients(mine(mine_x), theirs(theirs_x), [("input", (mine_x, theirs_x))])


def test_padding_wants_one_int_or_four():
    with pytest.raises(ValueError, match=r"\(left, right, top, bottom\)"):
        tg.nn.ReflectionPad2d((1, 2))
