"""``Bernoulli``: a coin that lands 1 with probability p, parameterised by p or by its logit.

    p(x) = p^x (1 - p)^(1 - x),            x in {0, 1},  p = sigma(logit)
    log p(x) = x log p + (1 - x) log(1 - p) = -BCE(logit, x)
    H[p] = -p log p - (1 - p) log(1 - p)   = BCE(logit, p)
    mean p,  variance p (1 - p)

Both log p(x) and the entropy are binary cross-entropies: of the value x, and
of the distribution's own p, under the probabilities sigma(logit). They reuse
``binary_cross_entropy_with_logits``, which stays finite for any logit. A
decoder that predicts one logit per pixel gives p(image | z) as a product of
Bernoullis: sum ``log_prob`` over the pixels. ``log_prob`` also accepts values
in [0, 1] (grey levels), where it is the cross-entropy a VAE on
non-binarised MNIST maximises.
"""
from functools import cached_property

import numpy

from ..creation import rand
from ..ops import binary_cross_entropy_with_logits, log, log1p, sigmoid
from ..tensor import Tensor
from .distribution import (
    Distribution,
    broadcast_parameters,
    check_probs_or_logits,
    clamp_probs,
)


class Bernoulli(Distribution):
    def __init__(self, probs=None, logits=None):
        check_probs_or_logits("Bernoulli", probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_parameters("Bernoulli", probs=probs)
            if not ((self.probs.data >= 0) & (self.probs.data <= 1)).all():
                raise ValueError("Bernoulli: probs must lie in [0, 1]; pass logits= for unconstrained values")
        else:
            (self.logits,) = broadcast_parameters("Bernoulli", logits=logits)
        super().__init__((self.probs if probs is not None else self.logits).shape)

    # The other parameterisation, computed on first use only (a PixelCNN needs just the logits).
    @cached_property
    def logits(self):
        p = clamp_probs(self.probs)
        return log(p) - log1p(-p)  # log(p / (1 - p))

    @cached_property
    def probs(self):
        return sigmoid(self.logits)

    def log_prob(self, value):
        value = self._value(value, like=self.logits)
        shape = numpy.broadcast_shapes(value.shape, self.batch_shape)
        logits, value = self.logits.broadcast_to(shape), value.broadcast_to(shape)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def sample(self, sample_shape=()):
        shape = self._sample_shape(sample_shape)
        probs = self.probs.data
        uniform = rand(shape, dtype=probs.dtype, device=self.probs.device).data
        return Tensor((uniform < probs).astype(probs.dtype))  # 1 with probability p

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)
