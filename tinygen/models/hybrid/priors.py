"""Priors p(z) on an autoencoder's codes, known only through their samples.

A VAE's prior must have a KL( q(z | x) || p(z) ) it can compute, which in
practice means a Gaussian. The adversarial and Wasserstein autoencoders only
ever draw z ~ p(z), so any distribution we can sample from will do:

    StandardGaussian(dim)    N(0, I) in ``dim`` dimensions
    ring_of_gaussians()      10 equal Gaussians of std 0.5 on a circle of radius 4 (2-D)
    swiss_roll_prior()       the swiss roll of ``tinygen.data.toy``, cut into 10 equal stretches (2-D)

The 2-D ones are toy distributions of ``tinygen.data.toy`` with K = 10 known
modes, so the toolkit's mode metrics grade how well the codes match them, and
a label y can pick mode y: ``sample(n, labels)`` then draws each point on its
label's mode (the label-conditioned adversarial autoencoder).

Makhzani et al. (2016, figure 4) draw each ring component as an elongated
Gaussian; these are round, so that the mode metrics' "within 3 standard
deviations" is well defined.
"""
import numpy

from ...data.toy import ring, swiss_roll
from ...random import generator

VARIANCE_SAMPLES = 100_000  # points that estimate a toy prior's variance, once


def _rng(seed):
    return generator() if seed is None else numpy.random.default_rng(seed)


class StandardGaussian:
    """p(z) = N(0, I) in ``dim`` dimensions; no modes, so no labels."""

    num_modes = None
    variance = 1.0  # per dimension

    def __init__(self, dim):
        self.dim = int(dim)

    def sample(self, n, labels=None, seed=None):
        """n codes, float32 (n, dim), drawn from tinygen's generator (or ``seed``: an int or a NumPy Generator)."""
        if labels is not None:
            raise ValueError("StandardGaussian has no modes to send labels to: use a prior with modes "
                             "(ring_of_gaussians, swiss_roll_prior) for a label-conditioned autoencoder")  # fmt: skip
        return _rng(seed).standard_normal((n, self.dim)).astype(numpy.float32)

    def __repr__(self):
        return f"StandardGaussian({self.dim})"


class ToyPrior:
    """A 2-D toy distribution of ``tinygen.data.toy`` (its modes: ``toy``) used as a prior on codes."""

    dim = 2

    def __init__(self, toy):
        self.toy, self.num_modes = toy, toy.num_modes
        self.variance = float(toy.sample(VARIANCE_SAMPLES, seed=0)[0].var(0).mean())  # per dimension

    def sample(self, n, labels=None, seed=None):
        """n codes, float32 (n, 2); with ``labels`` (ints (n,)) each on its label's mode."""
        if labels is None:
            return self.toy.sample(n, _rng(seed))[0]
        labels = numpy.asarray(labels)
        if labels.shape != (n,):
            raise ValueError(f"{self!r}: one label per code expected, got labels of shape {labels.shape} for n = {n}")
        return self.toy.sample_modes(labels, _rng(seed))

    def __repr__(self):
        return f"<prior: {self.toy.name}, {self.num_modes} modes>"


def ring_of_gaussians(modes=10, radius=4.0, std=0.5):
    return ToyPrior(ring(modes, radius, std))


def swiss_roll_prior(modes=10):
    return ToyPrior(swiss_roll(modes))
