"""Helpers under the names ``torch.nn.utils`` and ``torch.func`` give them.

Gradient clipping: the very functions of ``tinygen.optim`` (``optim/clip_grad.py``
states the rule), where tinygen keeps them beside the optimizers they serve;
``nn.utils.clip_grad_norm_ is optim.clip_grad_norm_``.

``functional_call(module, tensors, args)``: the module's forward with some
parameters or buffers replaced by the given tensors, as ``torch.func.functional_call``.
A layer reads its weights from its registry (``self.weight`` looks up
``_parameters['weight']``), so putting another tensor there for the duration
of the call makes the layer compute with it. The tensors may be results of
other ops, still in the graph: the output is then differentiable with respect
to whatever made them. That is how a network is evaluated at weights that are
a function of something else, e.g. the Unrolled GAN's discriminator after k
differentiable optimizer steps (theta - eta grad L(theta) is not a leaf, and
could not be a Parameter without cutting it from its graph).
``reparametrized(module, tensors)`` is the same as a ``with`` block, for code
that calls the module through other functions.
"""
import contextlib

from ..optim.clip_grad import clip_grad_norm_, clip_grad_value_
from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "functional_call", "reparametrized"]


@contextlib.contextmanager
def reparametrized(module, tensors, strict=False):
    """``with reparametrized(module, {'net.0.weight': w, ...}):`` the module computes with these tensors inside.

    Names are dotted, as in ``named_parameters()`` and ``named_buffers()``; the
    shapes must match. ``strict``: every parameter and buffer must be given.
    The module's own Parameters are back in place afterwards, also after an error.
    """
    slots = _slots(module)
    unknown = [name for name in tensors if name not in slots]
    if unknown:
        raise KeyError(f"reparametrized: {type(module).__name__} has no parameter or buffer {', '.join(map(repr, unknown))}; "
                       f"its names are {', '.join(map(repr, slots))}")  # fmt: skip
    missing = [name for name in slots if name not in tensors]
    if strict and missing:
        raise KeyError(f"reparametrized(strict=True): no tensor given for {', '.join(map(repr, missing))}")
    for name, tensor in tensors.items():
        registry, key = slots[name]
        if not isinstance(tensor, Tensor):
            raise TypeError(f"reparametrized: {name!r} must be a Tensor, not {type(tensor).__name__}")
        if tensor.shape != registry[key].shape:
            raise ValueError(f"reparametrized: {name!r} has shape {tensor.shape}, the module's has {registry[key].shape}")
    originals = {name: slots[name][0][slots[name][1]] for name in tensors}
    try:
        for name, tensor in tensors.items():
            registry, key = slots[name]
            registry[key] = tensor  # past __setattr__, which admits only Parameters here
        yield module
    finally:
        for name, original in originals.items():
            registry, key = slots[name]
            registry[key] = original


def functional_call(module, tensors, args=(), kwargs=None, strict=False):
    """``module(*args, **kwargs)`` computed with ``tensors`` ({dotted name: Tensor}) in place of its own.

    ``args`` a tuple of positional arguments, or a single one. As ``torch.func.functional_call``.
    """
    args = args if isinstance(args, tuple) else (args,)
    with reparametrized(module, tensors, strict):
        return module(*args, **(kwargs or {}))


def _slots(module):
    """dotted name -> (the registry dict holding it, its key there), for every parameter and buffer present."""
    slots = {}
    for prefix, owner in module.named_modules():
        for registry in (owner._parameters, owner._buffers):
            for key, value in registry.items():
                if value is not None:
                    slots[f"{prefix}.{key}" if prefix else key] = (registry, key)
    return slots
