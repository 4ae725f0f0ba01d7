"""Loss functions and log-densities, written to stay finite for any input.

Every function takes ``reduction``: 'none' keeps one value per element (or
per example), 'sum' adds them up and 'mean' averages them. Two means follow
PyTorch's definitions: with class weights, nll_loss and cross_entropy divide
by the total weight of the counted labels, not by their number; kl_div's
'mean' divides by the number of elements, and 'batchmean' by the batch size,
which gives the KL divergence per example.

The signatures are PyTorch's, with the arguments after ``weight`` keyword-only
(PyTorch's deprecated ``size_average`` and ``reduce`` are not accepted).
"""
import math

import numpy

from .. import backend
from ..autograd.function import Function
from ..tensor import as_tensor
from ..tensor import Tensor
from .elementwise import abs, clamp, exp, log, sigmoid, softplus
from .indexing import where
from .reduction import log_softmax
from .shape import sum_to

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction, allowed=REDUCTIONS):
    if reduction not in allowed:
        raise ValueError(f"reduction must be one of {allowed}, got {reduction!r}")


def _reduce(values, reduction):
    check_reduction(reduction)
    if reduction == "none":
        return values
    return values.sum() if reduction == "sum" else values.mean()


def _weights(name, weight, like):
    """``weight`` as a tensor; a string there is a reduction passed by position, as older tinygen took it."""
    if isinstance(weight, str):
        raise TypeError(f"{name}: weight must be a tensor of weights, got the string {weight!r}: "
                        f"pass the reduction by keyword, reduction={weight!r}")  # fmt: skip
    return as_tensor(weight, like=like)


def _weighted(losses, name, weight):
    return losses if weight is None else losses * _weights(name, weight, losses)


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


def binary_cross_entropy_with_logits(logits, target, weight=None, *, reduction="mean", pos_weight=None):
    """Cross-entropy of Bernoulli targets t under probabilities sigma(z), z = logits, each term times ``weight``.

    ``pos_weight`` p weighs the positive term, -[p t log sigma(z) + (1 - t) log(1 - sigma(z))]: p > 1 favours
    recall, p < 1 precision; it broadcasts along the last axis (one weight per class). As
    log sigma(z) = -softplus(-z) and log(1 - sigma(z)) = -softplus(z), that is p t softplus(-z) + (1 - t) softplus(z).
    """
    name = "binary_cross_entropy_with_logits"
    target = as_tensor(target, like=logits)
    _check_same_shape(name, logits, target)
    if pos_weight is None:
        losses = BCEWithLogits()(logits, target)
    else:
        losses = _weights(name, pos_weight, logits) * target * softplus(-logits) + (1 - target) * softplus(logits)
    return _reduce(_weighted(losses, name, weight), reduction)


_BCE_FLOOR = float(numpy.float32(1e-12))  # PyTorch's, which stores 1e-12 as a float32


class BinaryCrossEntropy(Function):
    """-[t log p + (1 - t) log(1 - p)], each log floored at -100, as in PyTorch:

        dL/dp = (p - t) / max(p (1 - p), 1e-12),     dL/dt = log(1 - p) - log p   (the floored logs).

    The floor 1e-12 under the denominator is PyTorch's too. It keeps the gradient
    finite where p is 0 or 1 (a sigmoid of a saturated logit), where the floored
    logs alone would give 0 * inf = NaN, and there it matches PyTorch's rather
    than the exact derivative (0 where a log is floored, huge just above).
    """

    def forward(self, p, t):
        xp = backend.get_array_module(p)
        _check_probabilities(p, "input", "pass sigmoid(logits), or the logits to binary_cross_entropy_with_logits")
        _check_probabilities(t, "target", "a target is the probability that the label is 1")
        with numpy.errstate(divide="ignore"):  # log 0 = -inf, floored at once
            return -(t * xp.maximum(xp.log(p), -100) + (1 - t) * xp.maximum(xp.log1p(-p), -100))

    def backward(self, gy):
        p, t = self.inputs
        gp = gy * (p - t) / clamp(p * (1 - p), min=_BCE_FLOOR) if self.needs_input_grad[0] else None
        gt = gy * (FlooredLog()(1 - p) - FlooredLog()(p)) if self.needs_input_grad[1] else None
        return gp, gt


class FlooredLog(Function):
    """max(log x, -100), whose slope 1/x is 0 where the floor holds (x < e^-100, and x = 0, where log x = -inf)."""

    reads_output = True

    def forward(self, x):
        xp = backend.get_array_module(x)
        with numpy.errstate(divide="ignore"):  # log 0 = -inf, floored at once
            return xp.maximum(xp.log(x), -100)

    def backward(self, gy):
        x = self.inputs[0]
        above = Tensor((self.output().data > -100).astype(x.dtype))
        return gy * above / (x + (1 - above))  # where floored: 0 / 1, never 1 / 0


def _check_probabilities(values, what, hint):
    if not ((values >= 0) & (values <= 1)).all():  # NaN fails this too, as in PyTorch
        raise ValueError(f"binary_cross_entropy: every {what} value must lie in [0, 1], got some outside it "
                         f"(or NaN): {hint}")


def binary_cross_entropy(probs, target, weight=None, *, reduction="mean"):
    """Cross-entropy of Bernoulli targets under probabilities p, with PyTorch's floors (see ``BinaryCrossEntropy``).
    Prefer the ``_with_logits`` form when you have logits: it needs no floors."""
    target = as_tensor(target, like=probs)
    _check_same_shape("binary_cross_entropy", probs, target)
    return _reduce(_weighted(BinaryCrossEntropy()(probs, target), "binary_cross_entropy", weight), reduction)


def _class_labels(name, scores, target, ignore_index):
    """The integer labels of ``target`` for ``scores`` with the classes on axis 1, checked; -> (labels, counted),
    ``counted`` False where a label equals ``ignore_index``."""
    labels = as_tensor(target).data
    if labels.dtype.kind not in "iu":
        raise TypeError(f"{name}: target must hold integer class labels, got {labels.dtype}")
    expected = scores.shape[:1] + scores.shape[2:]
    if scores.ndim < 2 or labels.shape != expected:
        raise ValueError(f"{name}: input of shape {scores.shape} needs labels of shape {expected}, got {labels.shape}")
    classes = scores.shape[1]
    counted = labels != ignore_index
    outside = counted & ((labels < 0) | (labels >= classes))
    if outside.any():
        raise ValueError(f"{name}: labels must lie in [0, {classes}) or equal ignore_index ({ignore_index}), "
                         f"got {labels[outside][0]}")  # fmt: skip
    return labels, counted


def _negative_log_likelihoods(name, log_probs, target, weight, ignore_index):
    """-w[t] log_probs[t] at each label t, the weights w[t] (0 at ignored labels, 1 without ``weight``), and
    where the labels count (a float mask)."""
    labels, counted = _class_labels(name, log_probs, target, ignore_index)
    xp = backend.get_array_module(labels)
    picked_labels = xp.where(counted, labels, 0).reshape(-1)  # an ignored label picks class 0, weighted by 0
    classes_last = (0,) + tuple(range(2, log_probs.ndim)) + (1,)
    rows = log_probs.permute(classes_last).reshape(-1, log_probs.shape[1])
    picked = rows[xp.arange(labels.size), picked_labels].reshape(labels.shape)
    counted = Tensor(counted.astype(log_probs.dtype))
    if weight is None:
        return -picked * counted, counted, counted
    weights = _weights(name, weight, log_probs)[picked_labels].reshape(labels.shape) * counted
    return -picked * weights, weights, counted


def _mean_over_weights(losses, weights, reduction):
    """'mean' divides by the total weight of the counted labels, as PyTorch's nll_loss does."""
    return losses.sum() / weights.sum() if reduction == "mean" else _reduce(losses, reduction)


def nll_loss(log_probs, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """-w[t] log_probs[t] for integer labels t, the log-probabilities of the classes on axis 1.

    Shape (N, C) with labels (N,), or (N, C, d1, ...) with labels (N, d1, ...).
    Labels equal to ``ignore_index`` count for nothing; ``weight`` (C,) weighs
    each class, and then 'mean' is sum_n w[t_n] l_n / sum_n w[t_n].
    """
    losses, weights, _ = _negative_log_likelihoods("nll_loss", log_probs, target, weight, ignore_index)
    return _mean_over_weights(losses, weights, reduction)


def cross_entropy(logits, target, weight=None, *, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """-log softmax(logits)[t] for integer class labels t: ``nll_loss`` of ``log_softmax(logits, 1)``.

    ``label_smoothing`` e mixes the one-hot target with the uniform one,
    (1 - e) onehot(t) + e / C, so the loss becomes
        (1 - e) (-w[t] log p_t) + e / C sum_c (-w[c] log p_c).
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must lie in [0, 1], got {label_smoothing}")
    log_probs = log_softmax(logits, dim=1)
    losses, weights, counted = _negative_log_likelihoods("cross_entropy", log_probs, target, weight, ignore_index)
    if label_smoothing:
        classes = logits.shape[1]
        if weight is not None:
            per_class = (1, classes) + (1,) * (logits.ndim - 2)
            log_probs = log_probs * _weights("cross_entropy", weight, logits).reshape(per_class)
        uniform = -log_probs.sum(1) * counted
        losses = (1 - label_smoothing) * losses + (label_smoothing / classes) * uniform
    return _mean_over_weights(losses, weights, reduction)


def mse_loss(input, target, *, reduction="mean"):
    """(x - y)^2."""
    difference = _difference("mse_loss", input, target)
    return _reduce(difference * difference, reduction)


def l1_loss(input, target, *, reduction="mean"):
    """|x - y|; its slope at x = y is 0, as PyTorch's."""
    return _reduce(abs(_difference("l1_loss", input, target)), reduction)


def huber_loss(input, target, *, reduction="mean", delta=1.0):
    """d^2 / 2 where |d| < delta, else delta (|d| - delta / 2), for d = x - y: quadratic near 0, linear beyond,
    so that outliers pull with a bounded force (the slope is d clipped to [-delta, delta])."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    difference = _difference("huber_loss", input, target)
    distance = abs(difference)
    return _reduce(where(distance < delta, 0.5 * difference * difference, delta * (distance - 0.5 * delta)), reduction)


def kl_div(input, target, *, reduction="mean", log_target=False):
    """KL(target || q) term by term, with ``input`` = log q (log-probabilities) as PyTorch takes it:
    t (log t - input), 0 where t = 0; with ``log_target`` the target is given as log t: e^log_t (log_t - input).

    reduction='batchmean' (the sum over the batch divided by its size) gives the KL divergence per example;
    'mean' divides by the number of elements, as in PyTorch.
    """
    check_reduction(reduction, REDUCTIONS + ("batchmean",))
    target = as_tensor(target, like=input)
    _check_same_shape("kl_div", input, target)
    if log_target:
        terms = exp(target) * (target - input)
    else:
        # log of 1 where t = 0: t log t is 0 there, and no 0 * inf enters the gradient.
        terms = target * (log(where(target > 0, target, 1.0)) - input)
    if reduction == "batchmean":
        return terms.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(terms, reduction)


def _difference(name, input, target):
    target = as_tensor(target, like=input)
    _check_same_shape(name, input, target)
    return input - target


def gaussian_log_likelihood(x, mean, log_var, reduction="none"):
    """log N(x; mean, e^log_var) = -1/2 [log 2 pi + log_var + (x - mean)^2 / e^log_var].

    Parameterised by the log-variance, as a network predicts it, so the variance stays positive.
    """
    difference = x - mean
    return _reduce(-0.5 * (math.log(2 * math.pi) + log_var + difference * difference * (-log_var).exp()), reduction)

