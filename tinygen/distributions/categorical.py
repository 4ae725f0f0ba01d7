"""``Categorical``: one of K classes, with probabilities given over the last axis.

    p(x = k) = pi_k,     pi = softmax(logits)   (or pi = probs / sum(probs))
    log p(x = k) = logits_k - logsumexp(logits) = -cross_entropy(logits, k)
    H[p] = -sum_k pi_k log pi_k

The last axis of ``logits`` (or ``probs``) holds the K classes; the axes
before it are the batch. A PixelCNN's 256-way output per sub-pixel is one
Categorical per sub-pixel: sum ``log_prob`` over the image for log p(image).

Sampling inverts the cumulative distribution: for u ~ U(0, 1) the sample is
the first k whose cumulative probability pi_1 + ... + pi_k reaches u, which is
the number of classes whose cumulative probability falls short of u.
"""
from functools import cached_property

import numpy

from ..creation import rand
from ..ops import cross_entropy, log, log_softmax, softmax
from ..tensor import Tensor, as_tensor
from .distribution import Distribution, check_probs_or_logits, clamp_probs


class Categorical(Distribution):
    def __init__(self, probs=None, logits=None):
        check_probs_or_logits("Categorical", probs, logits)
        given = as_tensor(probs if probs is not None else logits)
        if given.ndim == 0:
            raise ValueError("Categorical: probs or logits need a last axis holding the K classes, got a single number")
        if probs is not None:
            if not (given.data >= 0).all():
                raise ValueError("Categorical: probs must be non-negative; pass logits= for unconstrained values")
            self.probs = given / given.sum(-1, keepdim=True)
            self._scores = log(clamp_probs(self.probs))
        else:
            self._scores = given  # unnormalised log-probabilities: log_prob normalises them once
        self.num_classes = given.shape[-1]
        super().__init__(given.shape[:-1])

    @cached_property
    def logits(self):
        """Normalised: log pi_k (torch's convention)."""
        return log_softmax(self._scores, dim=-1)

    @cached_property
    def probs(self):
        return softmax(self._scores, dim=-1)

    def log_prob(self, value):
        value = self._value(value, like=self._scores, labels=True)
        shape = numpy.broadcast_shapes(value.shape, self.batch_shape)
        scores = self._scores.broadcast_to(shape + (self.num_classes,)).reshape(-1, self.num_classes)
        labels = value.broadcast_to(shape).reshape(-1)
        return -cross_entropy(scores, labels, reduction="none").reshape(shape)

    def entropy(self):
        # A class of probability 0 has logit -inf; the floor makes its 0 * log 0 term 0, not nan.
        log_pi = self.logits.clamp(min=float(numpy.finfo(self.logits.dtype).min))
        return -(self.probs * log_pi).sum(-1)

    def sample(self, sample_shape=()):
        shape = self._sample_shape(sample_shape)
        probs = self.probs.data
        xp = self.probs.xp
        uniform = rand(shape + (1,), dtype=probs.dtype, device=self.probs.device).data
        below = (xp.cumsum(probs, axis=-1) < uniform).sum(axis=-1)
        # Rounding can leave the last cumulative probability a hair under u: that is still the last class.
        return Tensor(xp.minimum(below, self.num_classes - 1).astype(numpy.int64))
