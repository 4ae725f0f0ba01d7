"""gather, scatter_add and index_select: what they refuse, and the Tensor methods of the same names."""
import numpy as np
import pytest

import tinygen as tg


@pytest.mark.parametrize("op, index", [("gather", [[3]]), ("gather", [[-1]]), ("index_select", [0, 3]),
                                       ("scatter_add", [[0, 5]])])  # fmt: skip
def test_index_out_of_range_is_refused_as_in_pytorch(op, index):
    """NumPy would wrap -1 around silently; PyTorch refuses negative and too large indices alike."""
    x = tg.zeros(3, 3)
    call = {"gather": lambda: tg.gather(x, 0, index), "index_select": lambda: tg.index_select(x, 0, index),
            "scatter_add": lambda: tg.scatter_add(x, 0, index, tg.ones(1, 2))}[op]  # fmt: skip
    with pytest.raises(IndexError, match=r"must lie in \[0, 3\)"):
        call()


def test_gather_index_longer_than_the_input_off_its_axis_is_refused():
    with pytest.raises(ValueError, match="none longer than the input's except axis 0"):
        tg.gather(tg.zeros(2, 2), 0, [[0, 0, 0]])


def test_gather_wants_integer_indices():
    with pytest.raises(TypeError, match="integers"):
        tg.gather(tg.zeros(2, 2), 0, tg.zeros(2, 2))


def test_scatter_add_wants_src_of_the_inputs_dtype():
    with pytest.raises(TypeError, match="dtype"):
        tg.scatter_add(tg.zeros(2, 2), 0, [[0, 1]], tg.ones(1, 2, dtype=tg.float64))


def test_tensor_methods_call_the_ops():
    x = tg.tensor(np.arange(12.0).reshape(3, 4))
    index = tg.tensor([[2, 0, 1, 1]])
    np.testing.assert_array_equal(x.gather(0, index).numpy(), [[8, 1, 6, 7]])
    np.testing.assert_array_equal(x.index_select(1, [3, 0]).numpy(), [[3, 0], [7, 4], [11, 8]])
    np.testing.assert_array_equal(x.scatter_add(0, index, tg.ones(1, 4, dtype=x.dtype)).numpy()[:, 0], [0, 4, 9])
    np.testing.assert_array_equal(x.tril().numpy(), np.tril(x.numpy()))
    np.testing.assert_array_equal(x.triu(1).numpy(), np.triu(x.numpy(), 1))
