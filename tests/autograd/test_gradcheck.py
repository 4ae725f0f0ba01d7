"""The gradient checker must bite: a planted wrong backward has to be caught."""
import numpy as np
import pytest
from hypothesis import given

import tinygen as tg
from support.strategies import one_array


def leaf(values):
    return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class SquareWithWrongBackward(tg.Function):
    def forward(self, x):
        return x * x

    def backward(self, gy):
        x = self.inputs[0]
        return gy * x * 2.02  # 1% too large


class SquareWithConstantIncomingGradient(tg.Function):
    """First derivatives are right, but backward treats its incoming gradient
    as a constant (``gy.data``), which breaks every second derivative."""

    def forward(self, x):
        return x * x

    def backward(self, gy):
        return tg.Tensor(gy.data) * self.inputs[0] * 2


class CubeOnRawArrays(tg.Function):
    """A fused op's fast path: forward and backward on raw arrays, so the backward builds no graph."""

    def forward(self, x):
        return x**3

    def backward(self, gy):
        return tg.Tensor(3 * self.inputs[0].data ** 2 * gy.data)


class CubeWithReference(CubeOnRawArrays):
    def reference(self, x):
        return x * x * x


@given(one_array(min_dims=1, low=0.5, high=3))
def test_gradcheck_catches_a_wrong_backward(values):
    with pytest.raises(tg.GradcheckError, match=r"wrong at index \("):
        tg.gradcheck(lambda x: SquareWithWrongBackward()(x), leaf(values))


def test_gradcheck_passes_the_same_op_written_correctly():
    class Square(tg.Function):
        def forward(self, x):
            return x * x

        def backward(self, gy):
            return gy * self.inputs[0] * 2

    assert tg.gradcheck(lambda x: Square()(x), leaf([[1.0, -2.0], [0.5, 3.0]]))
    assert tg.gradgradcheck(lambda x: Square()(x), leaf([[1.0, -2.0], [0.5, 3.0]]))


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = leaf([1.0, -2.0, 0.5])
    assert tg.gradcheck(lambda x: SquareWithConstantIncomingGradient()(x), x)
    with pytest.raises(tg.GradcheckError):
        tg.gradgradcheck(lambda x: SquareWithConstantIncomingGradient()(x), x)


def test_gradgradcheck_fails_a_backward_that_builds_no_graph():
    x = leaf([1.0, -2.0, 0.5])
    assert tg.gradcheck(lambda x: CubeOnRawArrays()(x), x)  # the first derivatives are right
    with pytest.raises(tg.GradcheckError, match="has no graph after create_graph=True.*not differentiable.*reference"):
        tg.gradgradcheck(lambda x: CubeOnRawArrays()(x), x)


def test_gradgradcheck_passes_the_same_op_with_a_reference():
    x = leaf([1.0, -2.0, 0.5])
    assert tg.gradgradcheck(lambda x: CubeWithReference()(x), x)
    assert tg.gradgradcheck(lambda x: (CubeWithReference()(x.sin()) * x).sum(), x)


def test_gradcheck_catches_a_bug_planted_in_a_real_op(monkeypatch):
    from tinygen.ops.elementwise import Sin

    x = leaf([0.3, 1.2, -0.7])
    assert tg.gradcheck(tg.sin, x)
    monkeypatch.setattr(Sin, "backward", lambda self, gy: gy * self.inputs[0].sin())  # sin' is cos, not sin
    with pytest.raises(tg.GradcheckError):
        tg.gradcheck(tg.sin, x)


def test_gradcheck_catches_a_broadcasting_bug_planted_in_mul(monkeypatch):
    from tinygen.ops.arithmetic import Mul

    a, b = leaf([[1.0, 2.0], [3.0, 4.0]]), leaf([0.5, -1.5])

    def forgets_to_reduce_twice(self, gy):
        a, b = self.inputs
        return gy * b, (gy * a)[0]  # keeps only the first row instead of summing over rows

    monkeypatch.setattr(Mul, "backward", forgets_to_reduce_twice)
    with pytest.raises(tg.GradcheckError, match="checked input 1"):
        tg.gradcheck(tg.mul, a, b)


def test_the_report_names_the_worst_element():
    class WrongAtOneIndex(tg.Function):
        def forward(self, x):
            return x * 1.0

        def backward(self, gy):
            bump = np.zeros(self.inputs[0].shape)
            bump[1, 2] = 1.0
            return gy + tg.Tensor(bump)

    with pytest.raises(tg.GradcheckError, match=r"index \(1, 2\).*1 of 6 elements"):
        tg.gradcheck(lambda x: WrongAtOneIndex()(x), leaf(np.ones((2, 3))))


def test_gradcheck_insists_on_float64():
    with pytest.raises(TypeError, match="float64"):
        tg.gradcheck(tg.sin, tg.ones(3, requires_grad=True))
