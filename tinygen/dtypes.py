"""Data types, and PyTorch's rules for the dtype of an operation on mixed inputs.

tinygen's numbers are NumPy dtypes (``tinygen.float32`` is ``numpy.float32``),
but which dtype an operation returns follows PyTorch, not NumPy, so that a
float32 model stays float32 whatever numbers it meets:

* A Python float is the default dtype (float32), a Python int int64, a bool bool.
* The categories are ordered bool < integer < floating < complex; the result
  has the highest category among the operands.
* Only the highest-ranked kind of operand that reaches that category decides
  the width: tensors with dimensions first, then 0-d tensors, then Python
  numbers. A 0-d tensor or a number never widens a tensor of its own category
  (float32 tensor + float64 0-d tensor -> float32; int32 tensor + 5 -> int32),
  but lifts one of a lower category (int64 tensor + 0.5 -> float32, the
  default dtype; int64 tensor + float64 0-d tensor -> float64).
* An integer and a floating dtype give the floating one: int64 + float32 ->
  float32, where NumPy gives float64.

Every binary op asks ``result_type`` (through ``tinygen.ops.promotion``) before
it computes.
"""
import numpy

float16, float32, float64 = numpy.float16, numpy.float32, numpy.float64
int8, int16, int32, int64, uint8 = numpy.int8, numpy.int16, numpy.int32, numpy.int64, numpy.uint8
bool_, complex64, complex128 = numpy.bool_, numpy.complex64, numpy.complex128

DEFAULT_DTYPE = float32

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def category(dtype):
    """0 bool, 1 integer, 2 floating, 3 complex."""
    return _CATEGORY[numpy.dtype(dtype).kind]


def promote_types(a, b):
    """The smallest dtype that holds both (PyTorch's ``promote_types``).

    NumPy's rule, except that an integer or bool meeting a float gives that
    float: NumPy widens int64 + float32 to float64, to hold every int64 exactly.
    """
    a, b = numpy.dtype(a), numpy.dtype(b)
    if a.kind in "biu" and b.kind == "f":
        return b
    if b.kind in "biu" and a.kind == "f":
        return a
    return numpy.promote_types(a, b)


def python_scalar_dtype(value):
    """The dtype a Python number becomes: bool, int64, the default float, or complex64."""
    if isinstance(value, bool):
        return numpy.dtype(bool_)
    if isinstance(value, int):
        return numpy.dtype(int64)
    if isinstance(value, float):
        return numpy.dtype(DEFAULT_DTYPE)
    if isinstance(value, complex):
        return numpy.dtype(complex64)
    raise TypeError(f"expected a tensor, an array or a Python number, got {type(value).__name__}")


def result_type(*operands):
    """The dtype of an op on ``operands`` (tensors, arrays, Python numbers), by the rules above."""
    with_dims = zero_dim = numbers = None  # the promoted dtype of each kind of operand
    for x in operands:
        if isinstance(x, (bool, int, float, complex)):
            numbers = _promote(numbers, python_scalar_dtype(x))
        elif x.ndim:
            with_dims = _promote(with_dims, x.dtype)
        else:
            zero_dim = _promote(zero_dim, x.dtype)
    return _lift(with_dims, _lift(zero_dim, numbers))


def can_cast(source, target):
    """Whether an in-place op may store a ``source`` result into a ``target`` tensor (PyTorch's ``can_cast``):
    never to a lower category (float into int, int into bool)."""
    return category(source) <= category(target)


def _promote(a, b):
    return b if a is None else promote_types(a, b)


def _lift(higher, lower):
    """``higher`` keeps its dtype within its category; ``lower`` can only lift it to a higher category."""
    if higher is None:
        return lower
    if lower is None or category(lower) <= category(higher):
        return numpy.dtype(higher)
    return promote_types(higher, lower)
