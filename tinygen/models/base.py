"""``GenerativeModel``: what every generative model offers, whichever family it belongs to.

A generative model learns a distribution p_theta(x) from examples of the data
and draws new examples from it. Models come in two kinds, by what they let us
compute:

* explicit models define the density p_theta(x) itself, and are trained by
  maximum likelihood, minimising -1/N sum_n log p_theta(x_n), or a bound on
  it where p_theta(x) cannot be computed (a VAE maximises the ELBO, a lower
  bound on log p_theta(x)). Those with an exact density also offer
  ``log_prob(x)`` (every autoregressive model);
* implicit models define only a sampler, x = G_theta(z) with z ~ p(z), and no
  density to evaluate; they are trained by a critic that tells their samples
  from the data (the GANs to come).

Every model, explicit or implicit, is a ``Module`` with

    loss(x)       -> (the scalar to minimise on the batch x,
                      {name: value} of the terms worth logging: an ELBO's
                      reconstruction and KL, a GAN's discriminator and generator losses)
    sample(n)     -> n new examples
    device, dtype    where its parameters live and in which precision, read in one place
"""
import itertools
from collections import namedtuple

import numpy

from ..creation import tensor
from ..nn.module import Module


class Phase(namedtuple("Phase", ["loss", "optimizer"])):
    """One training phase: ``loss(x, labels) -> (scalar, terms)`` and the optimizer that steps on it.

    ``every``: it runs on every batch (1), or on every k-th (a generator stepped once per k critic
    steps); an attribute, not a field, so that ``loss, optimizer = phase`` still reads a phase.
    Taken in turn by ``tinygen.train.autoencoding.fit_in_phases``.
    """

    def __new__(cls, loss, optimizer, every=1):
        phase = super().__new__(cls, loss, optimizer)
        phase.every = every
        return phase


class JointPhase(namedtuple("JointPhase", ["losses", "optimizers"])):
    """Several networks trained from one forward pass: ``losses(x, labels) -> ({name: scalar}, terms)`` and
    ``optimizers`` {name: the optimizer of that network}. Each network descends the gradient of its own loss, all
    gradients taken from the one graph before any network steps. Taken with the ``Phase``s by
    ``tinygen.train.autoencoding.fit_in_phases``."""


class GenerativeModel(Module):
    def loss(self, x):
        raise NotImplementedError(f"{type(self).__name__} must define loss(x) -> (scalar, {{name: value}})")

    def sample(self, n):
        raise NotImplementedError(f"{type(self).__name__} must define sample(n)")

    def _first_tensor(self):
        return next(itertools.chain(self.parameters(), self.buffers()))

    @property
    def device(self):
        """The device of the model's parameters and buffers ("cpu" or "gpu")."""
        return self._first_tensor().device

    @property
    def dtype(self):
        """The dtype of the model's first parameter (or buffer): the precision it computes in."""
        return self._first_tensor().dtype


def check_labels(labels, n, num_classes):
    """``labels`` if they are n integer class indices in [0, num_classes), else a ValueError (TypeError) saying why."""
    if labels is None:
        raise ValueError("this model is conditional and needs the labels y of its examples: pass labels=... (N,) class indices")
    if labels.shape != (n,):
        raise ValueError(f"labels must be (N,) = ({n},) class indices, got shape {labels.shape}")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"labels must be integer class indices, got dtype {labels.dtype}: convert with .long()")
    if n and not 0 <= int(labels.min()) <= int(labels.max()) < num_classes:  # -1 would wrap to the last class
        raise ValueError(f"labels must be class indices in [0, {num_classes}), got values from "
                         f"{int(labels.min())} to {int(labels.max())}")
    return labels


def cycled_labels(n, num_classes, device=None):
    """0, 1, ..., num_classes - 1, 0, 1, ... (n,): every class in turn, a grid row of each."""
    return tensor(numpy.arange(n) % num_classes, device=device)
