"""Mistakes in calling an op get an error that says what was wrong, in the caller's terms, and what to do."""
import numpy as np
import pytest

import tinygen as tg
from tinygen import nn


@pytest.mark.parametrize("call", [
    lambda: tg.conv2d(tg.zeros(1, 2, 5, 5), tg.zeros(3, 2, 3, 3), stride=0),
    lambda: tg.conv_transpose2d(tg.zeros(1, 2, 5, 5), tg.zeros(2, 3, 3, 3), stride=(0, 1)),
    lambda: nn.Conv2d(2, 3, 3, stride=(1, 0))(tg.zeros(1, 2, 5, 5)),
    lambda: tg.max_pool2d(tg.zeros(1, 2, 5, 5), 2, stride=0),
    lambda: tg.avg_pool2d(tg.zeros(1, 2, 5, 5), 2, stride=0),
])  # fmt: skip
def test_a_stride_of_zero_is_named_with_its_value(call):
    with pytest.raises(ValueError, match=r"stride must be at least 1 along each axis, got \((0, 0|0, 1|1, 0)\)"):
        call()


def test_a_negative_padding_is_named_with_its_value():
    with pytest.raises(ValueError, match=r"padding must be at least 0 along each axis, got \(-1, 0\)"):
        tg.conv2d(tg.zeros(1, 2, 5, 5), tg.zeros(3, 2, 3, 3), padding=(-1, 0))


@pytest.mark.parametrize("conv, weight_shape", [(tg.conv2d, (4, 3, 3, 3)), (tg.conv_transpose2d, (3, 4, 3, 3))])
def test_a_bias_of_the_wrong_length_says_it_needs_one_value_per_output_channel(conv, weight_shape):
    with pytest.raises(ValueError, match=r"bias has shape \(5,\), but there are 4 output channels: it needs one value "
                                         r"per output channel, shape \(4,\)"):
        conv(tg.zeros(2, 3, 6, 6), tg.zeros(*weight_shape), bias=tg.zeros(5))


@pytest.mark.parametrize("call", [
    lambda x: tg.conv2d(x, tg.zeros(4, 3, 3, 3, dtype="float16")),
    lambda x: tg.max_pool2d(x, 2),
    lambda x: tg.avg_pool2d(x, 2),
])  # fmt: skip
def test_float16_says_which_dtypes_work_and_how_to_convert(call):
    with pytest.raises(TypeError, match=r"float16 is not supported .*use float32 or float64, e\.g\. x\.float\(\)"):
        call(tg.zeros(1, 3, 6, 6, dtype="float16"))


@pytest.mark.parametrize("a, b, message", [
    ((3,), (4, 5), r"cannot multiply \(3,\) by \(4, 5\): the last dimension of the first \(3\) must equal the "
                   r"second-to-last of the second \(4\)"),
    ((2, 3), (4, 5), r"cannot multiply \(2, 3\) by \(4, 5\): the last dimension of the first \(3\) must equal the "
                     r"second-to-last of the second \(4\); transpose an operand"),
    ((2, 3), (4,), r"cannot multiply \(2, 3\) by \(4,\): the last dimension of the first \(3\) must equal the "
                   r"length of the second \(4\)"),
    ((7, 2, 3), (5, 3, 4), r"cannot multiply \(7, 2, 3\) by \(5, 3, 4\): the batch dimensions \(7,\) and \(5,\) "
                           r"do not broadcast"),
])  # fmt: skip
def test_matmul_errors_speak_of_the_operands_as_given(a, b, message):
    with pytest.raises(ValueError, match=message) as error:
        tg.zeros(*a) @ tg.zeros(*b)
    assert "gufunc" not in str(error.value)


def test_matmul_still_broadcasts_batches_and_takes_vectors():
    assert (tg.zeros(6, 7, 2, 3) @ tg.zeros(7, 3, 4)).shape == (6, 7, 2, 4)
    assert (tg.zeros(3) @ tg.zeros(3)).shape == () and (tg.zeros(2, 3) @ tg.zeros(3)).shape == (2,)


def test_clamp_with_tensor_bounds_says_what_to_use():
    with pytest.raises(TypeError, match=r"min and max must be numbers; for tensor bounds use tinygen\.maximum"):
        tg.clamp(tg.zeros(3), tg.zeros(3))
    np.testing.assert_array_equal(tg.clamp(tg.tensor([-2.0, 0.5, 2.0]), -1, 1).numpy(), [-1.0, 0.5, 1.0])
