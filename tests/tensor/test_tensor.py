"""The Tensor's surface: attributes, conversions, dtypes, creation functions, error messages."""
import numpy as np
import pytest

import tinygen as tg


def test_float_data_defaults_to_float32_and_arrays_keep_their_dtype():
    assert tg.tensor([1.0, 2.0]).dtype == np.float32
    assert tg.tensor(np.zeros(2)).dtype == np.float64
    assert tg.tensor([1, 2]).dtype == np.int64
    assert tg.zeros(2, 3).dtype == np.float32
    assert tg.zeros(2, 3, dtype=tg.float64).dtype == np.float64


def test_python_numbers_do_not_promote_float32():
    x = tg.ones(3)
    for y in (x * 2.5, 2.5 * x, x + 1, 1 - x, x / 3, 2**x, x**2):
        assert y.dtype == np.float32


def test_numpy_array_on_the_left_defers_to_the_tensor():
    y = np.ones(3) * tg.ones(3, requires_grad=True)
    assert isinstance(y, tg.Tensor) and y.requires_grad


def test_attributes_and_conversions():
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and len(x) == 2
    assert x.size() == (2, 3) and x.size(0) == 2 and x.size(-1) == 3 and x.numel() == 6 and x.dim() == 2
    assert x.T.shape == (3, 2) and x.mT.shape == (3, 2)
    assert x.device == "cpu" and x.is_leaf and x.grad_fn is None
    assert isinstance(x.numpy(), np.ndarray)
    assert x[1, 2].item() == 6.0
    d = x.detach()
    assert not d.requires_grad and np.shares_memory(d.data, x.data)
    assert x.to("cpu") is x
    assert (x * 2).grad_fn.name == "Mul"


def test_comparisons_give_booleans_without_gradient():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    assert mask.tolist() == [False, True, True]
    assert (x == 2.0).tolist() == [False, True, False]
    assert len({x, x}) == 1  # still hashable by identity


def test_item_needs_one_element():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        tg.ones(2).item()


def test_only_floating_tensors_can_require_grad():
    with pytest.raises(TypeError, match="floating-point"):
        tg.tensor([1, 2], requires_grad=True)


def test_repr_shows_values_and_graph():
    text = repr(tg.tensor([1.0, 2.0], requires_grad=True) * 2)
    assert text.startswith("tensor([2., 4.]") and "grad_fn=<Mul>" in text


def test_creation_functions():
    assert tg.ones(2, 2).tolist() == [[1, 1], [1, 1]]
    assert tg.full((2,), 7.0).tolist() == [7, 7]
    assert tg.arange(3).dtype == np.int64 and tg.arange(0, 1, 0.5).dtype == np.float32
    assert tg.eye(2).tolist() == [[1, 0], [0, 1]]
    assert tg.linspace(0, 1, 3).tolist() == [0, 0.5, 1]
    x = tg.randn(4, 5, dtype=tg.float64)
    assert tg.zeros_like(x).dtype == np.float64 and tg.ones_like(x).shape == (4, 5)
    assert tg.full_like(x, 3.0).numpy().max() == 3.0
    assert tg.randint(0, 3, (100,)).numpy().max() <= 2
    assert 0 <= tg.rand(100).numpy().min() and tg.rand(100).numpy().max() < 1


def test_manual_seed_makes_random_streams_repeat():
    tg.manual_seed(123)
    first = (tg.randn(5).numpy(), tg.rand(3).numpy(), tg.dropout(tg.ones(8), 0.5).numpy())
    tg.manual_seed(123)
    second = (tg.randn(5).numpy(), tg.rand(3).numpy(), tg.dropout(tg.ones(8), 0.5).numpy())
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_a_shape_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"Add.*\(2, 3\).*\(4,\)"):
        tg.ones(2, 3) + tg.ones(4)
    with pytest.raises(ValueError, match=r"matmul: cannot multiply \(2, 3\) by \(4, 5\)"):
        tg.ones(2, 3) @ tg.ones(4, 5)
    with pytest.raises(ValueError, match=r"input of shape \(3,\) and target of shape \(4,\)"):
        tg.mse_loss(tg.ones(3), tg.ones(4))


def test_label_errors_say_what_was_expected():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        tg.cross_entropy(tg.zeros(2, 3), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"labels of shape \(2,\)"):
        tg.cross_entropy(tg.zeros(2, 3), np.array([0, 1, 2]))


def test_a_backward_that_returns_the_wrong_shape_is_reported():
    class Broken(tg.Function):
        def forward(self, x):
            return x.sum()

        def backward(self, gy):
            return gy  # forgot to broadcast back to x's shape

    x = tg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Broken.backward returned a gradient of shape \(\) for input 0 of shape \(3,\)"):
        Broken()(x).backward()


def test_a_backward_that_returns_raw_arrays_is_reported():
    class Raw(tg.Function):
        def forward(self, x):
            return x * 2

        def backward(self, gy):
            return gy.data * 2

    with pytest.raises(TypeError, match="return Tensors"):
        Raw()(tg.ones(3, requires_grad=True)).sum().backward()


def test_requires_grad_true_on_a_non_leaf_is_allowed_and_false_is_refused_as_in_pytorch():
    y = tg.ones(2, requires_grad=True) * 2
    assert y.requires_grad_(True) is y and y.requires_grad_() is y
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)


def test_to_takes_a_dtype_a_device_and_dtype_or_another_tensor_as_pytorch_does():
    x = tg.ones(2, requires_grad=True)
    other = tg.zeros(3, dtype=tg.float64)
    for y in (x.to(tg.float64), x.to(other.dtype), x.to("cpu", tg.float64), x.to(other),
              x.to(dtype=tg.float64, non_blocking=True)):
        assert y.dtype == np.float64 and y.device == "cpu" and y.requires_grad
    assert x.to("cpu") is x and x.to(tg.float32, non_blocking=True) is x
    assert x.to(tg.float32, copy=True) is not x
    layer = tg.nn.Linear(2, 2).to(other, non_blocking=True)
    assert layer.weight.dtype == np.float64


def test_pytorch_names_for_dtypes_creation_and_new_tensors():
    import torch

    assert (tg.float, tg.double, tg.long, tg.int) == (tg.float32, tg.float64, tg.int64, tg.int32)
    assert tg.pi == torch.pi and tg.is_tensor(tg.ones(1)) and not tg.is_tensor(np.ones(1))
    array = np.zeros(3)
    shared = tg.from_numpy(array)
    array[0] = 5.0
    assert shared.tolist() == [5.0, 0.0, 0.0] and tg.empty(2, 3).shape == (2, 3)
    x, xt = tg.ones(2, 3, dtype=tg.float64), torch.ones(2, 3, dtype=torch.float64)
    for name, args in [("new_zeros", (2, 2)), ("new_ones", ((3,),)), ("new_full", ((2,), 7.0)),
                       ("new_tensor", ([1, 2],))]:
        ours, theirs = getattr(x, name)(*args), getattr(xt, name)(*args)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == np.float64 and not ours.requires_grad
    assert x.new_zeros(2, dtype=tg.int64, requires_grad=False).dtype == np.int64
    assert tg.ones(2).type_as(x).dtype == np.float64 and x.is_cuda is False
    assert tg.ones(1, 3).expand_as(x).shape == (2, 3) and x.t().shape == (3, 2) and tg.ones(3).t().shape == (3,)
    with pytest.raises(ValueError, match="at most 2"):
        tg.ones(1, 2, 3).t()


def test_bmm_multiplies_equal_batches_of_matrices_as_pytorch_does():
    import torch

    a, b = np.random.default_rng(0).normal(size=(2, 3, 4)), np.random.default_rng(1).normal(size=(2, 4, 5))
    np.testing.assert_allclose(tg.tensor(a).bmm(tg.tensor(b)).numpy(), torch.bmm(torch.tensor(a), torch.tensor(b)).numpy())
    with pytest.raises(ValueError, match="bmm: both operands"):
        tg.bmm(tg.ones(2, 3, 4), tg.ones(1, 4, 5))
