"""Bringing the operands of an op to one dtype, by PyTorch's rules (``tinygen.dtypes``).

Every op with two or more operands (arithmetic, comparisons, ``where``,
``maximum``, ...) calls ``promote`` first: float32 + int64 stays float32, and a
Python number or a 0-d tensor never widens a float32 tensor to float64.
A cast is an op like any other, so gradients flow back in each input's dtype.
"""
from .. import backend
from ..dtypes import result_type
from ..tensor import Tensor, as_tensor

_NUMBERS = (bool, int, float, complex)


def promote(*operands):
    """The operands as Tensors of their common dtype, Python numbers on the tensors' device."""
    if len(operands) == 2:  # the usual cases first, answered cheaply: every op in a model pays this
        a, b = operands
        if isinstance(a, Tensor):
            if isinstance(b, Tensor):
                if a.data.dtype is b.data.dtype:  # NumPy's dtypes are shared objects; equal ones go the long way
                    return operands
            elif _fits(b, a):
                return a, _number(b, a)
        elif isinstance(b, Tensor) and _fits(a, b):
            return _number(a, b), b
    operands = [x if isinstance(x, _NUMBERS) else as_tensor(x) for x in operands]
    tensors = [x for x in operands if isinstance(x, Tensor)]
    if not tensors:
        raise TypeError(f"expected at least one tensor among the operands, got {[type(x).__name__ for x in operands]}")
    dtype = result_type(*operands)
    xp = backend.get_array_module(*[x.data for x in tensors])
    return [Tensor(xp.asarray(x, dtype=dtype)) if isinstance(x, _NUMBERS) else x.astype(dtype) for x in operands]


def _fits(number, tensor):
    """A Python int or float that a floating tensor's dtype already holds."""
    return (type(number) is float or type(number) is int) and tensor.data.dtype.kind == "f"


def _number(value, like):
    return Tensor(backend.get_array_module(like.data).asarray(value, dtype=like.data.dtype))
