"""Gradient clipping: keep one bad batch from throwing the parameters far away.

``clip_grad_norm_`` treats all gradients as one long vector g and rescales it
when its p-norm is too large (PyTorch's rule, including its 1e-6):

    ||g||_p   = (sum_i ||g_i||_p^p)^(1/p)      the norm of the per-parameter norms
    ||g||_inf = max_i max |g_i|
    g_i      <- g_i * min(1, max_norm / (||g|| + 1e-6))

so the direction of the step is kept and only its length is capped.
``clip_grad_value_`` instead clamps every component to [-clip_value, clip_value],
which can change the direction.

Both replace each ``p.grad`` by a new tensor rather than scaling its array in
place: a gradient set by hand may be one tensor shared by several parameters,
and scaling it in place would scale it once per parameter that shares it.
"""
import math

import numpy

from .. import backend
from ..tensor import Tensor


def _with_grads(parameters):
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Rescale the gradients so that their total ``norm_type``-norm is at most ``max_norm``.

    Returns the total norm before clipping, as a 0-d tensor (0 when no parameter has a gradient).
    """
    parameters = _with_grads(parameters)
    norm_type = float(norm_type)
    if not parameters:
        return Tensor(numpy.zeros((), dtype=numpy.float32))
    xp, device = parameters[0].grad.xp, parameters[0].grad.device
    # Per-parameter norms first, then the norm of those: the same as the norm of the
    # concatenation, without building it. The norms stay on the device (no sync).
    norms = [_norm(p.grad.data, norm_type) for p in parameters]
    total = _norm(xp.stack([backend.to_device(n, device) for n in norms]), norm_type)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(
            f"the total {norm_type}-norm of the gradients is {float(total)}, so they cannot be clipped; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    # Multiplying by min(1, ...) always, instead of testing first, avoids reading the norm
    # back from the GPU; a factor of exactly 1 changes nothing.
    factor = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for p in parameters:
        grad = p.grad.data
        p.grad = Tensor(grad * backend.to_device(factor, p.grad.device).astype(grad.dtype))
    return Tensor(total)


def _norm(array, norm_type):
    xp = backend.get_array_module(array)
    return xp.asarray(xp.linalg.norm(array.ravel(), norm_type))


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient component to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        p.grad = Tensor(p.grad.xp.clip(p.grad.data, -clip_value, clip_value))
