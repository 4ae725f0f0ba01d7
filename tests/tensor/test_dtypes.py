"""PyTorch's dtype rules: Python data, promotion in every binary op, and gradients in each input's dtype."""
import numpy as np
import pytest

import tinygen as tg

f32, f64, i32, i64 = np.float32, np.float64, np.int32, np.int64


def test_python_floats_become_the_default_dtype_whichever_way_the_tensor_is_made():
    assert tg.tensor([10000.0]).dtype == f32
    assert tg.Tensor([10000.0]).dtype == f32
    assert tg.as_tensor([1.5, 2]).dtype == f32
    assert tg.tensor(np.float64(2.0)).dtype == f64  # arrays and NumPy scalars keep theirs


def test_a_list_of_zero_d_tensors_is_a_tensor_of_their_values():
    values = tg.tensor([tg.tensor(1.0), tg.tensor(2.0)])
    assert values.dtype == f32 and values.tolist() == [1.0, 2.0]
    assert tg.tensor([tg.tensor(1), 2.5]).dtype == f32
    assert tg.tensor([tg.tensor(1.0, dtype=tg.float64), 2.0]).dtype == f64
    assert tg.tensor([[tg.tensor(1), 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    with pytest.raises(TypeError, match="stack"):
        tg.tensor([tg.ones(2), tg.ones(2)])


CASES = [  # (left, right, PyTorch's result dtype)
    (lambda: tg.ones(2, dtype=tg.int64), lambda: tg.ones(2), f32),  # NumPy: float64
    (lambda: tg.ones(2), lambda: tg.tensor(2.0, dtype=tg.float64), f32),  # a 0-d tensor does not widen
    (lambda: tg.ones(2), lambda: np.float64(2.0), f32),
    (lambda: tg.ones(2), lambda: 2.5, f32),
    (lambda: tg.ones(2, dtype=tg.int64), lambda: 0.5, f32),  # a Python float lifts an int to the default
    (lambda: tg.ones(2, dtype=tg.int64), lambda: tg.tensor(0.5, dtype=tg.float64), f64),  # ... a 0-d float64 to float64
    (lambda: tg.ones(2, dtype=tg.int32), lambda: 5, i32),
    (lambda: tg.ones(2, dtype=tg.int32), lambda: tg.tensor(5), i32),
    (lambda: tg.ones(2, dtype=tg.bool_), lambda: 1, i64),
    (lambda: tg.ones(2, dtype=tg.uint8), lambda: tg.ones(2, dtype=tg.int8), np.int16),
    (lambda: tg.ones(2), lambda: tg.ones(2, dtype=tg.float64), f64),  # two tensors with dimensions: the wider
    (lambda: tg.tensor(1.0), lambda: tg.tensor(1, dtype=tg.int64), f32),
]


@pytest.mark.parametrize("left, right, expected", CASES)
def test_binary_ops_follow_pytorchs_promotion(left, right, expected):
    a, b = left(), right()
    assert tg.result_type(a, b) == expected
    for result in (a + b, b + a, a - b, a * b, tg.maximum(a, b), tg.minimum(a, b), tg.where(tg.ones(2) > 0, a, b)):
        assert result.dtype == expected
    assert (a < b).dtype == np.bool_ and (a == b).dtype == np.bool_


@pytest.mark.parametrize("left, right, expected", CASES)
def test_the_promotion_table_is_pytorchs(left, right, expected):
    torch = pytest.importorskip("torch")

    def as_torch(value):
        if isinstance(value, tg.Tensor):
            return torch.from_numpy(np.array(value.numpy()))
        return torch.tensor(value) if isinstance(value, np.ndarray) else value

    a, b = left(), right()
    assert str(torch.result_type(as_torch(a), as_torch(b))).removeprefix("torch.") == np.dtype(expected).name


def test_division_of_integers_is_true_division_in_the_default_dtype():
    assert (tg.tensor([3, 4]) / 2).dtype == f32
    np.testing.assert_allclose((tg.tensor([3, 4]) / tg.tensor([2, 8])).numpy(), [1.5, 0.5])


def test_comparisons_promote_before_comparing():
    assert (tg.tensor([0, 1]) > 0.5).tolist() == [False, True]
    assert tg.eq(tg.tensor([1, 2]), tg.tensor([1.0, 2.5])).tolist() == [True, False]


def test_gradients_flow_back_in_each_inputs_dtype():
    weights = tg.ones(3, requires_grad=True)
    scale = tg.tensor(2.0, dtype=tg.float64, requires_grad=True)
    y = weights * scale
    assert y.dtype == f32
    y.sum().backward()
    assert weights.grad.dtype == f32 and scale.grad.dtype == f64 and scale.grad.item() == 3.0


def test_a_float32_model_stays_float32_fed_float64_numbers():
    layer = tg.nn.Linear(3, 2)
    out = layer(tg.tensor(np.ones((4, 3)), dtype=tg.float32)) * np.float64(0.5) + tg.tensor(1.0, dtype=tg.float64)
    assert out.dtype == f32
    assert (tg.ones(2) * tg.arange(2)).dtype == f32
    assert tg.cat([tg.arange(2), tg.ones(2)]).dtype == f32 and tg.stack([tg.arange(2), tg.ones(2)]).dtype == f32


def test_where_of_two_numbers_gives_pytorchs_dtype():
    condition = tg.tensor([True, False])
    assert tg.where(condition, 1.0, 0.0).tolist() == [1.0, 0.0] and tg.where(condition, 1.0, 0.0).dtype == np.float32
    assert tg.where(condition, 1, 0).dtype == np.int64
    assert tg.where(condition, 1, 0.5).dtype == np.float32
