"""Element-wise comparisons: boolean tensors, outside the graph (a comparison has no gradient).

``a < b`` is ``tinygen.lt(a, b)``; the operands are first promoted to one dtype
(``tinygen.dtypes``), so an int64 tensor compares with 0.5 as a float would.
"""
from .. import backend
from ..tensor import Tensor
from .promotion import promote


def _compare(how, a, b):
    a, b = promote(a, b)
    if a.device != b.device:
        raise backend.DeviceError(f"{how}: the tensors are on {a.device} and {b.device}; move one with .to()")
    return Tensor(getattr(a.xp, how)(a.data, b.data))


def eq(a, b):
    return _compare("equal", a, b)


def ne(a, b):
    return _compare("not_equal", a, b)


def lt(a, b):
    return _compare("less", a, b)


def le(a, b):
    return _compare("less_equal", a, b)


def gt(a, b):
    return _compare("greater", a, b)


def ge(a, b):
    return _compare("greater_equal", a, b)
