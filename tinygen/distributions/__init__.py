"""Probability distributions, laid out as ``torch.distributions``.

``Normal`` (diagonal Gaussian), ``Bernoulli`` (by probs or logits),
``Categorical`` (over the last axis) and ``MixtureOfGaussians``, each with
``log_prob``, ``sample``, ``entropy`` and, for the Normal, the reparameterised
``rsample``; ``kl_divergence`` for the pairs with a closed form; and
``bits_per_dim`` to report a likelihood. The shapes and the
reparameterisation trick are explained in ``distribution.py`` and
``normal.py``.

Imports: ``ops``, ``creation``, ``tensor``, ``random``, ``backend``; nothing above them.
"""
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from .mixture import MixtureOfGaussians
from .normal import Normal
from .units import bits_per_dim

__all__ = ["Bernoulli", "Categorical", "Distribution", "MixtureOfGaussians", "Normal", "bits_per_dim",
           "kl_divergence", "register_kl"]  # fmt: skip
