"""``Function``: one differentiable operation, its forward and backward side by side.

A subclass implements

* ``forward(self, *arrays)`` on raw NumPy/CuPy arrays, returning an array (or a
  tuple of arrays), and
* ``backward(self, *grad_outputs)`` on Tensors, returning one gradient per input
  (or ``None`` where an input needs none).

Because backward is written with Tensor operations, it is itself recorded when
``create_graph=True``, and differentiating it again gives second derivatives
for free. Inside ``backward`` the inputs are ``self.inputs`` (Tensors), the
outputs are ``self.output(i)``, and ``self.needs_input_grad[k]`` says whether
input ``k`` wants a gradient at all (so expensive unused gradients can be skipped).

    class Square(Function):
        def forward(self, x):
            return x * x

        def backward(self, grad_y):
            x, = self.inputs
            return 2 * x * grad_y

A fused op (one kernel pass where ordinary ops would make several) may
compute its backward on raw arrays too, for speed, and then its backward
builds no graph. Such an op defines ``reference(self, *inputs)``: the same
computation written with ordinary Tensor ops, slow but differentiable any
number of times. The contract is

* forward and backward are the fast path, used whenever no graph of the
  backward is wanted (``create_graph=False``, every training step);
* under ``create_graph=True`` the engine differentiates ``reference`` on the
  same inputs instead of calling ``backward`` (second derivatives, as in a
  WGAN-GP penalty through an LSTM or a normalisation layer);
* ``reference`` computes what ``forward`` computes, up to rounding: the op
  registry's tests check both values and first derivatives for every op that
  has one.
"""
import functools
import weakref

import numpy

from .. import backend, versions
from ..tensor import Tensor, as_tensor
from . import grad_mode


class Function:
    released = False
    # What backward reads, so that a step keeps alive no more than PyTorch's saved tensors do. An op whose
    # backward uses only its inputs' shapes and dtypes sets ``saves_inputs = False``; one whose backward
    # calls ``self.output()`` sets ``reads_output = True``. See ``_hold_lightly``.
    saves_inputs = True
    reads_output = False
    _weak_inputs = None  # [(index, weak reference)] for the inputs held lightly

    def __call__(self, *inputs):
        # Every model pays this per op, so it sticks to plain loops: no generator expressions.
        for x in inputs:
            if not isinstance(x, Tensor):
                inputs = _as_tensors(inputs)
                break
        arrays = [x.data for x in inputs]
        for array in arrays:
            if type(array) is not type(arrays[0]):  # only a mix of array types can mix devices
                self._check_devices(arrays)
                break
        try:
            outputs = self.forward(*arrays)
        except (ValueError, IndexError, TypeError) as error:
            shapes = ", ".join(str(tuple(a.shape)) for a in arrays)
            raise _reworded(error, f"{self.name}: {error} (input shapes: {shapes})") from error
        is_tuple = isinstance(outputs, tuple)
        outputs = outputs if is_tuple else (outputs,)

        needs_input_grad = tuple([x.requires_grad for x in inputs]) if grad_mode.is_grad_enabled() else ()
        if True not in needs_input_grad:  # nothing to record: inference, or a backward without create_graph
            results = tuple([Tensor(y) for y in outputs])
            return results if is_tuple else results[0]
        results = tuple([Tensor(y, requires_grad=y.dtype.kind == "f") for y in outputs])
        self.inputs = inputs
        self.recorded_at = versions.clock  # backward checks that nothing it reads was modified since
        self.needs_input_grad = needs_input_grad
        # Outputs are held weakly: a strong reference would make a cycle
        # (output -> creator -> output) that only the garbage collector frees.
        self._outputs = [weakref.ref(y) for y in results]
        self.output_specs = [(y.shape, y.dtype) for y in outputs]
        for index, y in enumerate(results):
            y.creator, y.output_index = self, index
        if not self.saves_inputs:
            self._hold_lightly()
        return results if is_tuple else results[0]

    def forward(self, *arrays):
        raise NotImplementedError(f"{self.name}.forward is not implemented")

    def backward(self, *grad_outputs):
        raise NotImplementedError(f"{self.name} has no backward: it is not differentiable")

    reference = None  # a fused op's readable twin: ``def reference(self, *inputs)`` in Tensor ops (see above)

    def output(self, index=0):
        """Output ``index`` as a Tensor, for backward formulas written in terms of it (set ``reads_output = True``)."""
        y = self._outputs[index]()
        if y is None:
            raise RuntimeError(f"{self.name}: output {index} was freed before backward needed it; an op whose "
                               "backward calls self.output() must say so with reads_output = True")  # fmt: skip
        return y

    def _hold_lightly(self):
        """Let go of the inputs whose values backward never reads, where their memory can go.

        An input made by an op that does not read its own output gives way to a
        shell: a tensor with its creator, shape and dtype (all the graph and
        backward need) over a zero-byte broadcast array. While the input itself
        lives (the caller holds it), ``graph_inputs`` hands the engine the input
        itself, so that ``grad(y, [x])`` still finds x.
        """
        inputs = list(self.inputs)
        for index, x in enumerate(inputs):
            if x.creator is not None and not x.creator.reads_output:
                inputs[index] = _shell(x)
                self._weak_inputs = (self._weak_inputs or []) + [(index, weakref.ref(x))]
        self.inputs = inputs

    def graph_inputs(self):
        """The inputs as the engine follows them: each one itself while it lives, else its shell."""
        if self._weak_inputs is None:
            return self.inputs
        inputs = list(self.inputs)
        for index, ref in self._weak_inputs:
            x = ref()
            if x is not None:
                inputs[index] = x
        return inputs

    def release(self):
        """Drop everything saved for backward (inputs, outputs and whatever forward kept).

        Clearing the whole instance dictionary frees the arrays an op author saved
        under any attribute name, without asking them to register it.
        """
        self.__dict__.clear()
        self.released = True

    @property
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name}>"

    def _check_devices(self, arrays):
        devices = [backend.device_of(a) for a in arrays]
        if len(set(devices)) > 1:
            listing = ", ".join(f"input {i} on {d}" for i, d in enumerate(devices))
            raise backend.DeviceError(
                f"{self.name} got tensors on different devices ({listing}): "
                "move them to one device first with .to('cpu') or .to('gpu')"
            )


def _shell(x):
    """A stand-in for the non-leaf tensor ``x`` in the graph: its creator, output index, shape and dtype, no memory."""
    data = x.data
    if type(data) is numpy.ndarray:
        zeros = _zeros(data.dtype, data.shape)
    else:  # a CuPy array: one zero on its device
        zeros = x.xp.broadcast_to(x.xp.zeros((), data.dtype), data.shape)
    shell = Tensor(zeros, requires_grad=x.requires_grad)
    shell.creator, shell.output_index = x.creator, x.output_index
    return shell


@functools.lru_cache(maxsize=1024)
def _zeros(dtype, shape):
    """A read-only zero-byte array of zeros (a broadcast 0): shells of one shape share it; cached, since a
    training step makes the same shapes over and over and building one costs as much as a small op."""
    return numpy.broadcast_to(numpy.zeros((), dtype), shape)


def _as_tensors(inputs):
    """Inputs as Tensors; a number takes the dtype and device of the first Tensor among them."""
    reference = next((x for x in inputs if isinstance(x, Tensor)), None)
    return [as_tensor(x, like=reference) for x in inputs]


def _reworded(error, message):
    """The same kind of error with the op's name and input shapes in its message.

    Some exception classes (NumPy's ufunc errors) take other constructor
    arguments; those become the plain built-in class they derive from.
    """
    try:
        return type(error)(message)
    except TypeError:
        return next(base for base in (ValueError, IndexError, TypeError) if isinstance(error, base))(message)
