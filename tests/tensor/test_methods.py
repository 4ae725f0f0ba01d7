"""Tensor methods PyTorch code calls: size(), max(dim) -> (values, indices), conversions, formatting."""
import numpy as np
import pytest

import tinygen as tg


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


def test_size_is_a_method_as_in_pytorch():
    x = tg.zeros(4, 5, 6)
    assert x.size() == (4, 5, 6) and x.size(0) == 4 and x.size(-1) == 6
    assert x.numel() == 120 and x.dim() == 3
    with pytest.raises(IndexError, match=r"size\(3\): dimension out of range for a tensor with 3 dimensions"):
        x.size(3)
    assert x.view(x.size(0), -1).shape == (4, 30)


def test_max_and_min_along_a_dim_return_values_and_indices():
    z = tg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    values, indices = z.max(1)
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0] and indices.dtype == np.int64
    result = tg.min(z, dim=0, keepdim=True)
    assert result.values.tolist() == [[1.0, 0.0, 2.0]] and result.indices.tolist() == [[0, 1, 0]]
    assert z.max().item() == 7.0 and tg.min(z).item() == 0.0  # no dim: the value alone
    assert z.amax(dim=(0, 1)).item() == 7.0 and z.amin(1).tolist() == [1.0, 0.0]
    with pytest.raises(TypeError, match="amax"):
        z.max((0, 1))


def test_max_of_two_tensors_is_elementwise():
    a, b = tg.tensor([1.0, 4.0]), tg.tensor([3.0, 2.0])
    assert tg.max(a, b).tolist() == [3.0, 4.0] and a.min(b).tolist() == [1.0, 2.0]


def test_max_along_a_dim_sends_the_gradient_to_the_index_and_amax_shares_it():
    """PyTorch's choices at ties: max(dim) follows its index (the first), amax splits equally."""
    x = leaf([[2.0, 2.0, 1.0]])
    x.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 0.0, 0.0]])
    y = leaf([[2.0, 2.0, 1.0]])
    y.amax(1).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[0.5, 0.5, 0.0]])


def test_max_along_a_dim_propagates_nan_with_its_index():
    values, indices = tg.tensor([[1.0, float("nan"), 3.0]]).max(1)
    assert np.isnan(values.item()) and indices.item() == 1


def test_max_of_a_zero_d_tensor_along_dim_0():
    values, indices = tg.tensor(3.0).max(0)
    assert values.shape == () and values.item() == 3.0 and indices.item() == 0


def test_max_and_min_agree_with_pytorch_on_ties_and_gradients():
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [0.0, -1.0, 5.0, 5.0]])
    for name in ("max", "min"):
        x, x_ref = leaf(data), torch.tensor(data, requires_grad=True)
        (values, indices), ref = getattr(x, name)(1), getattr(x_ref, name)(1)
        np.testing.assert_array_equal(indices.numpy(), ref.indices.numpy())
        (values * tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64)).sum().backward()
        (ref.values * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), x_ref.grad.numpy())


def test_conversions_to_python_numbers_and_formatting():
    loss = tg.tensor(0.123456)
    assert float(loss) == pytest.approx(0.123456) and int(tg.tensor(3.9)) == 3
    assert f"{loss:.3f}" == "0.123" and f"{tg.tensor(7)}" == "7"
    assert f"{tg.ones(2)}" == str(tg.ones(2))
    with pytest.raises(TypeError):
        f"{tg.ones(2):.3f}"
    with pytest.raises(ValueError, match="one element"):
        float(tg.ones(2))


def test_dtype_conversions_and_aliases():
    x = tg.tensor([1.7, -2.2, 0.0])
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, -2, 0]
    assert x.int().dtype == np.int32 and x.bool().tolist() == [True, True, False]
    assert x.clip(-1, 1).tolist() == x.clamp(-1, 1).tolist() == pytest.approx([1.0, -1.0, 0.0])
    assert x.view_as(tg.zeros(3, 1)).shape == (3, 1)
    assert x.std().item() == pytest.approx(np.std(x.numpy(), ddof=1), rel=1e-6)
    assert x.eq(0).tolist() == [False, False, True] and x.ne(0).tolist() == [True, True, False]
    assert x.lt(0).tolist() == [False, True, False] and x.ge(0).tolist() == [True, False, True]
    assert x.le(0).tolist() == [False, True, True] and x.gt(0).tolist() == [True, False, False]


def test_mm_multiplies_matrices_only():
    a, b = tg.ones(2, 3), tg.ones(3, 4)
    assert a.mm(b).shape == (2, 4) and tg.mm(a, b).tolist() == (a @ b).tolist()
    with pytest.raises(ValueError, match="2-D.*matmul"):
        tg.mm(tg.ones(3), b)


def test_clone_copies_memory_and_passes_gradients():
    x = leaf([1.0, 2.0])
    y = x.clone()
    assert not np.shares_memory(x.data, y.data)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])



def test_any_and_all_give_bool_tensors_over_any_dims_as_pytorch():
    x = tg.tensor([[0.0, 1.0], [0.0, 0.0]])
    assert isinstance(x.any(), tg.Tensor) and x.any().dtype == np.bool_ and bool(x.any())
    assert not bool(x.all())
    assert x.any(dim=1).tolist() == [True, False]
    assert x.all(dim=0, keepdim=True).shape == (1, 2)
