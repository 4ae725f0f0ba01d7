"""The backward pass: reverse-mode differentiation over the recorded graph.

Every tensor made by an op points to its ``creator`` Function, and every
Function points to its input tensors: together they form a directed acyclic
graph from the leaves (parameters, data) to the output. Backward walks that
graph from the output to the leaves. A Function may run only once every
gradient flowing into its outputs has been added up, so we

1. count, for each reachable Function, how many edges lead into it from
   Functions later in the graph (its number of pending consumers), then
2. run Functions whose count has dropped to zero (Kahn's topological order),
   passing each input's gradient back and decrementing its creator's count.

Both steps use explicit stacks, never recursion, so a chain of 100,000 ops
works. The chain rule itself lives in each Function's ``backward``.

Two ways to act during backward, both PyTorch's, both for data parallelism
(``tinygen.distributed``): a leaf's post-accumulate-grad hooks run once its
``.grad`` has had every contribution of the pass (step 1 counts, per hooked
leaf, the edges into it too), and ``queue_callback(f)``, called from a hook,
runs ``f()`` when the pass ends.
"""
import numpy

from .. import backend, versions
from ..tensor import Tensor, as_tensor
from . import grad_mode

_callbacks = []  # queued by hooks: one list per backward() running (a hook may itself call backward())

_FREED_GRAPH_MESSAGE = (
    "trying to run backward through a graph a second time, but its saved values were "
    "freed by the first backward: pass retain_graph=True to the first backward() or "
    "grad() call if you need to go through the graph again"
)


def backward(tensor, grad=None, retain_graph=False, create_graph=False):
    """Add d(tensor)/d(leaf), times ``grad``, into ``leaf.grad`` of every leaf that requires it."""
    grad = _seed_gradient(tensor, grad, "backward()")
    _callbacks.append([])
    try:
        _run([tensor], [grad], retain_graph, create_graph, capture=None)
    finally:
        callbacks = _callbacks.pop()
    for callback in callbacks:
        callback()


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=False):  # fmt: skip
    """Return the gradients of ``outputs`` with respect to ``inputs`` (like ``torch.autograd.grad``).

    Nothing is accumulated into ``.grad``. ``grad_outputs`` weights each output
    (the vector in the vector-Jacobian product); it may be omitted for scalar
    outputs. With ``create_graph=True`` the returned gradients are themselves
    differentiable, which is how gradient penalties (WGAN-GP) are built.
    ``only_inputs``, deprecated in PyTorch, is accepted and ignored.
    """
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    grad_outputs = _as_list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad() got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for index, x in enumerate(inputs):
        if not x.requires_grad:
            raise RuntimeError(f"grad(): input {index} does not require grad, so it has no gradient to return")
    seeds = [_seed_gradient(y, g, "grad()") for y, g in zip(outputs, grad_outputs)]
    retain_graph = create_graph if retain_graph is None else retain_graph
    captured = _run(outputs, seeds, retain_graph, create_graph, capture=inputs)
    results = []
    for index, x in enumerate(inputs):
        g = captured.get(id(x))
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad(): input {index} (shape {x.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        results.append(g)
    return tuple(results)


def queue_callback(callback):
    """Run ``callback()`` once the backward() now running has finished (``torch.autograd``'s engine's)."""
    if not _callbacks:
        raise RuntimeError("queue_callback: no backward() is running; call it from a hook during backward")
    _callbacks[-1].append(callback)


def _seed_gradient(tensor, grad, caller):
    if not tensor.requires_grad:
        raise RuntimeError(
            f"{caller}: the tensor does not require grad and has no creator; set requires_grad=True "
            "on the leaves you want gradients for (and check that no_grad() is not active)"
        )
    if grad is None:
        if tensor.data.size != 1:
            raise RuntimeError(
                f"{caller}: the output has shape {tensor.shape}, not a single number, so its gradient "
                "must be given: pass grad=tinygen.ones_like(y) to sum its elements, or reduce it to "
                "a scalar first (y.sum().backward())"
            )
        return Tensor(tensor.xp.ones_like(tensor.data))  # in x's memory layout, as creation.ones_like
    grad = as_tensor(grad, like=tensor)
    if grad.shape != tensor.shape:
        raise ValueError(f"{caller}: gradient of shape {grad.shape} given for a tensor of shape {tensor.shape}")
    return grad


def _run(roots, seeds, retain_graph, create_graph, capture):
    """Propagate ``seeds`` from ``roots`` down the graph.

    With ``capture=None`` the gradients of leaves accumulate into ``.grad``;
    otherwise the gradients of the tensors in ``capture`` are returned in a
    dict keyed by ``id(tensor)`` and no ``.grad`` is touched.
    """
    capture_ids = None if capture is None else {id(x) for x in capture}
    captured = {}
    pending = {}  # id(function) -> gradient summed so far for each of its outputs
    held = {}  # id(function) -> its outputs, kept alive for its backward after the consumers that held them were freed
    functions, consumers, hooked = _collect(roots, capture_ids)  # hooked: id(leaf) -> contributions still to come

    def contributed(x):
        """One of the gradients the hooked leaf ``x`` waits for has come: with the last, run its hooks."""
        hooked[id(x)] -= 1
        if hooked[id(x)] == 0:
            for hook in list(x._post_accumulate_grad_hooks.values()):
                hook(x)

    def deliver(x, g):
        """Hand gradient ``g`` to tensor ``x``: to its creator, or to the leaf itself."""
        if capture_ids is not None and id(x) in capture_ids:
            captured[id(x)] = g if id(x) not in captured else captured[id(x)] + g
        if x.creator is None:
            if capture_ids is None and x.grad is None:
                # Each leaf owns its gradient: the same tensor may reach several inputs (an addition
                # passes one gradient to both, maybe a read-only broadcast), and .grad is updated in place.
                x.grad = g.clone() if create_graph else Tensor(g.data.copy())
            elif capture_ids is None:
                x.grad = x.grad + g
        elif id(x.creator) in consumers:  # its creator will run: hold the gradient for it
            slots = pending.setdefault(id(x.creator), [None] * len(x.creator.output_specs))
            slot = slots[x.output_index]
            slots[x.output_index] = g if slot is None else slot + g

    with grad_mode.set_grad_enabled(create_graph):
        for root, seed in zip(roots, seeds):
            deliver(root, seed)
            if id(root) in hooked:  # backward() of a leaf
                contributed(root)
        ready = {id(r.creator): r.creator for r in roots if id(r.creator) in consumers}
        ready = [f for f in ready.values() if consumers[id(f)] == 0]
        while ready:
            function = ready.pop()
            if function.recorded_at != versions.clock:  # something was modified in place since it recorded
                _check_unmodified(function)
            grads_out = _output_grads(function, pending.pop(id(function), None))
            if capture_ids is None:
                _retain_non_leaf_grads(function, grads_out)
            if create_graph and function.reference is not None:
                grads_in = _differentiate_reference(function, grads_out)
            else:
                grads_in = function.backward(*grads_out)
            grads_in = grads_in if isinstance(grads_in, tuple) else (grads_in,)
            _check_gradients(function, grads_in)
            for x, g in zip(function.graph_inputs(), grads_in):
                if not x.requires_grad:
                    continue
                if g is not None:
                    deliver(x, g if g.dtype == x.dtype else g.astype(x.dtype))
                if id(x) in hooked:
                    contributed(x)
                if id(x.creator) in consumers:
                    consumers[id(x.creator)] -= 1
                    if consumers[id(x.creator)] == 0:
                        ready.append(x.creator)
            held.pop(id(function), None)
            if not retain_graph:  # done with it: free what it saved now, not at the end of the pass, as PyTorch does
                for x in function.inputs:  # shells in place of what backward did not need
                    if id(x.creator) in consumers:  # an output whose creator is still to run, and may read it
                        held.setdefault(id(x.creator), []).append(x)
                function.release()
    if not retain_graph:
        for function in functions:  # those that never ran (no gradient reached them)
            function.release()
    return captured


def _differentiate_reference(function, grads_out):
    """A fused op's input gradients as a graph: the backward of its ``reference`` on the same inputs.

    The reference's forward runs again here (the fused forward kept no graph); that
    recomputation is the price of differentiating a fused op more than once.
    """
    # Each input enters through a clone of its own: the gradient is then the partial derivative with respect to
    # that input alone. On the inputs themselves grad() would also follow a path from one input to another (mean
    # and variance computed from x, beside x in standardize) and count it twice: the engine sends those gradients
    # on along the path itself.
    inputs = [x.clone() if need else x for x, need in zip(function.inputs, function.needs_input_grad)]
    wanted = [x for x, need in zip(inputs, function.needs_input_grad) if need]
    outputs = function.reference(*inputs)
    grads = iter(grad(outputs, wanted, list(grads_out), create_graph=True))
    return tuple(next(grads) if need else None for need in function.needs_input_grad)


def _collect(roots, capture_ids):
    """The Functions backward must run, how many consumers each has, and how many gradients each hooked leaf
    will receive: -> (functions, {id(function): count}, {id(leaf): count}).

    A depth-first walk from the roots lists each Function after the creators of
    its inputs. On the way it counts, for each Function, the edges along which
    backward will send it a gradient: one per input of a consumer that requires
    grad. An integer output (an argmax) passes no gradient, so its consumers
    are not waited for. When only some tensors' gradients are wanted
    (``grad()``), a Function is kept only if one of its inputs is wanted or is
    made by a kept Function: ``grad(critic(x).sum(), x)`` then stops at x
    instead of running backward through whatever generator produced x. (Every
    consumer of a kept Function is kept, so the counts stay right.)
    """
    order, visited, consumers = [], set(), {}
    hooked = {id(r): 1 for r in roots if r.creator is None and r._post_accumulate_grad_hooks and capture_ids is None}
    stack = [(r.creator, False) for r in roots if r.creator is not None]
    while stack:
        function, inputs_done = stack.pop()
        if inputs_done:
            order.append(function)
            continue
        if id(function) in visited:
            continue
        if function.released:
            raise RuntimeError(_FREED_GRAPH_MESSAGE)
        visited.add(id(function))
        consumers.setdefault(id(function), 0)
        stack.append((function, True))
        for x in function.graph_inputs():
            if x.requires_grad and x.creator is not None:
                consumers[id(x.creator)] = consumers.get(id(x.creator), 0) + 1
                stack.append((x.creator, False))
            elif x.requires_grad and x._post_accumulate_grad_hooks and capture_ids is None:
                hooked[id(x)] = hooked.get(id(x), 0) + 1
    if capture_ids is None:
        return order, consumers, hooked
    kept = set()
    for function in order:
        if any(id(x) in capture_ids or id(x.creator) in kept for x in function.graph_inputs()):
            kept.add(id(function))
    return [f for f in order if id(f) in kept], {key: count for key, count in consumers.items() if key in kept}, hooked


def _output_grads(function, slots):
    """The summed gradient of each output; zeros for outputs no path reached (e.g. unused splits)."""
    slots = slots or [None] * len(function.output_specs)
    if all(g is not None for g in slots):  # the usual case: no zeros to make
        return slots
    xp = function.inputs[0].xp
    return [
        g if g is not None else Tensor(xp.zeros(shape, dtype=dtype))
        for g, (shape, dtype) in zip(slots, function.output_specs)
    ]


def _retain_non_leaf_grads(function, grads_out):
    for index, g in enumerate(grads_out):
        y = function._outputs[index]()
        if y is not None and y.retains_grad:
            y.grad = g if y.grad is None else y.grad + g


def _check_unmodified(function):
    """Raise if an array this Function's backward may read was modified in place after it recorded.

    It may read its inputs, its outputs and any array it saved as an attribute.
    """
    held = [(f"input {i}", x.data) for i, x in enumerate(function.inputs)]
    held += [(f"output {i}", y().data) for i, y in enumerate(function._outputs) if y() is not None]
    held += [(f"saved array .{name}", value) for name, value in vars(function).items()
             if isinstance(value, numpy.ndarray) or backend.is_gpu_array(value)]  # fmt: skip
    for what, array in held:
        op = versions.modified_since(array, function.recorded_at)
        if op is not None:
            raise RuntimeError(
                f"{function.name}.backward needs its {what} (shape {tuple(array.shape)}), which {op} modified in "
                f"place after {function.name} used it, so the gradient would be computed from the new values. "
                "Modify a copy (x = x.clone()) or modify it after backward (optimizer.step() after loss.backward())"
            )


def _check_gradients(function, grads_in):
    """Catch the classic mistakes of a hand-written backward with a message naming the op."""
    if len(grads_in) != len(function.inputs):
        raise RuntimeError(
            f"{function.name}.backward returned {len(grads_in)} gradients for {len(function.inputs)} inputs"
        )
    for index, (x, g) in enumerate(zip(function.inputs, grads_in)):
        if g is not None and not hasattr(g, "creator"):
            raise TypeError(
                f"{function.name}.backward returned a {type(g).__name__} for input {index}; return Tensors "
                "(written with Tensor operations) so that higher-order gradients work"
            )
        if g is not None and g.shape != x.shape:
            raise RuntimeError(
                f"{function.name}.backward returned a gradient of shape {g.shape} for input {index} "
                f"of shape {x.shape}; reduce broadcast dimensions with sum_to(grad, x.shape)"
            )


def _as_list(items):
    return list(items) if isinstance(items, (list, tuple)) else [items]
