"""Loss functions and log-densities, written to stay finite for any input.

Every function takes ``reduction``: 'none' keeps one value per element (or
per example), 'sum' adds them up and 'mean' averages them.
"""
import math

from .. import backend
from ..autograd.function import Function
from ..tensor import as_tensor
from .elementwise import clamp, log, sigmoid
from .reduction import log_softmax
from .shape import sum_to

_REDUCTIONS = ("none", "mean", "sum")


def _reduce(values, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
    if reduction == "none":
        return values
    return values.sum() if reduction == "sum" else values.mean()


def _check_same_shape(name, input, target):
    if input.shape != target.shape:
        raise ValueError(f"{name}: input of shape {input.shape} and target of shape {target.shape} must match")


class BCEWithLogits(Function):
    """-[t log sigma(z) + (1 - t) log(1 - sigma(z))] = max(z, 0) - z t + log(1 + e^-|z|).

    The right-hand form never takes the log of 0 nor the exp of a large number.
    Its gradients are sigma(z) - t for z and -z for t.
    """

    def forward(self, z, t):
        xp = backend.get_array_module(z)
        return xp.maximum(z, 0) - z * t + xp.log1p(xp.exp(-xp.abs(z)))

    def backward(self, gy):
        z, t = self.inputs
        gz = sum_to(gy * (sigmoid(z) - t), z.shape) if self.needs_input_grad[0] else None
        gt = sum_to(-gy * z, t.shape) if self.needs_input_grad[1] else None
        return gz, gt


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """Cross-entropy of Bernoulli targets under probabilities sigma(logits)."""
    target = as_tensor(target, like=logits)
    _check_same_shape("binary_cross_entropy_with_logits", logits, target)
    return _reduce(BCEWithLogits()(logits, target), reduction)


def binary_cross_entropy(probs, target, reduction="mean"):
    """-[t log p + (1 - t) log(1 - p)] for probabilities p; each log is floored at -100, as in PyTorch,
    so that p = 0 or 1 gives a large finite loss. Prefer the ``_with_logits`` form when you have logits."""
    target = as_tensor(target, like=probs)
    _check_same_shape("binary_cross_entropy", probs, target)
    log_p, log_not_p = clamp(log(probs), min=-100), clamp(log(1 - probs), min=-100)
    return _reduce(-(target * log_p + (1 - target) * log_not_p), reduction)


def cross_entropy(logits, target, reduction="mean"):
    """-log softmax(logits)[target] for integer class labels.

    ``logits`` has the classes on axis 1: shape (N, C) with labels (N,), or
    (N, C, d1, ...) with labels (N, d1, ...) for per-pixel classes.
    """
    target = as_tensor(target).data
    if target.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: target must hold integer class labels, got {target.dtype}")
    expected = logits.shape[:1] + logits.shape[2:]
    if logits.ndim < 2 or target.shape != expected:
        raise ValueError(f"cross_entropy: logits of shape {logits.shape} need labels of shape {expected}, got {target.shape}")
    classes = logits.shape[1]
    if target.size and (target.min() < 0 or target.max() >= classes):
        raise ValueError(f"cross_entropy: labels must lie in [0, {classes}), got values from {target.min()} to {target.max()}")
    classes_last = (0,) + tuple(range(2, logits.ndim)) + (1,)
    log_probs = log_softmax(logits, dim=1).permute(classes_last).reshape(-1, classes)
    xp = backend.get_array_module(target)
    picked = log_probs[xp.arange(target.size), target.reshape(-1)]
    return _reduce(-picked.reshape(target.shape), reduction)


def mse_loss(input, target, reduction="mean"):
    target = as_tensor(target, like=input)
    _check_same_shape("mse_loss", input, target)
    difference = input - target
    return _reduce(difference * difference, reduction)


def gaussian_log_likelihood(x, mean, log_var, reduction="none"):
    """log N(x; mean, e^log_var) = -1/2 [log 2 pi + log_var + (x - mean)^2 / e^log_var].

    Parameterised by the log-variance, as a network predicts it, so the variance stays positive.
    """
    difference = x - mean
    return _reduce(-0.5 * (math.log(2 * math.pi) + log_var + difference * difference * (-log_var).exp()), reduction)

