"""Einstein summation, ``einsum("ij,jk->ik", a, b)``, with its gradient written as einsums too.

y = einsum(s_1, ..., s_n -> s_y) multiplies the operands element by element,
lining up axes by their letters, and sums over every letter missing from s_y.
It is linear in each operand, so the gradient of operand k is the same kind of
product, with dL/dy in x_k's place and x_k's letters as the output:

    dL/dx_k = einsum(s_y, s_1, ..., (no s_k), ..., s_n -> s_k)       e.g. dL/da = einsum("ik,jk->ij", g, b)

A letter that appears in x_k alone was summed over x_k by itself; the
gradient does not depend on it and is broadcast along it. Because the
backward is einsum again, einsum differentiates any number of times.

Supported: letters, an explicit ``->`` or NumPy's implicit output (the letters
used once, in alphabetical order). Not supported, with an error that says so:
``...`` and a letter repeated within one operand (a diagonal, "ii->i").
"""
from .. import backend
from ..autograd.function import Function
from .shape import broadcast_to, reshape


class Einsum(Function):
    def __init__(self, operands, output):
        self.operands, self.output_letters = operands, output  # subscripts: one string per operand, and y's

    def forward(self, *xs):
        return backend.get_array_module(*xs).einsum(",".join(self.operands) + "->" + self.output_letters, *xs)

    def backward(self, gy):
        return tuple(self._gradient(k, gy) if wanted else None for k, wanted in enumerate(self.needs_input_grad))

    def _gradient(self, k, gy):
        others = [(s, x) for i, (s, x) in enumerate(zip(self.operands, self.inputs)) if i != k]
        reachable = set(self.output_letters).union(*[s for s, _ in others])
        letters = self.operands[k]
        kept = "".join(c for c in letters if c in reachable)
        g = Einsum([self.output_letters] + [s for s, _ in others], kept)(gy, *[x for _, x in others])
        if kept == letters:
            return g
        x_shape = self.inputs[k].shape
        return broadcast_to(reshape(g, tuple(n if c in kept else 1 for c, n in zip(letters, x_shape))), x_shape)


def _parse(equation, count):
    """"ij,jk->ik" -> (["ij", "jk"], "ik"), checked; the implicit output is the letters used once, sorted."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    operands = inputs.split(",")
    if "." in equation:
        raise ValueError(f"einsum: '...' is not supported ({equation!r}); name the batch axes with letters")
    if len(operands) != count:
        raise ValueError(f"einsum: {equation!r} names {len(operands)} operands, but {count} were given")
    for s in operands:
        if (s and not s.isalpha()) or len(set(s)) != len(s):
            raise ValueError(f"einsum: operand subscripts {s!r} in {equation!r} must be distinct letters (no diagonals)")
    if not arrow:
        letters = "".join(operands)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return operands, output


def einsum(equation, *operands):
    """Einstein summation over the letters of ``equation`` (see the module docstring); operands may also be
    given as one list, as in PyTorch."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subscripts, output = _parse(equation, len(operands))
    for s, x in zip(subscripts, operands):
        if len(s) != x.ndim:
            raise ValueError(f"einsum: subscripts {s!r} name {len(s)} axes, but the operand has shape {x.shape}")
    return Einsum(subscripts, output)(*operands)
