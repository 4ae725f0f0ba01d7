"""p(x | z): what the decoder's outputs o (one number per pixel) mean, chosen by passing one of these to the VAE.

    BernoulliLikelihood()          binarised pixels:   p(x | z) = prod_i Bernoulli(x_i; sigmoid(o_i))
    GaussianLikelihood(scale)      continuous pixels:  p(x | z) = prod_i N(x_i; o_i, sigma_i^2)

A Gaussian's standard deviation is either fixed (``scale=0.1``, say) or, by
default, learned: one parameter per pixel, the VAE's ``log_scale``,
independent of z and starting at sigma = 1.

Each is called with the decoder's outputs and the VAE's ``log_scale`` (None
when nothing is learned) and returns the distribution; ``learned_log_scale``
says which parameter, if any, the VAE learns for it.
"""
from dataclasses import dataclass

from ...creation import zeros
from ...distributions import Bernoulli, Normal
from ...nn import Parameter


@dataclass(frozen=True)
class BernoulliLikelihood:
    def learned_log_scale(self, image_shape):
        return None

    def __call__(self, logits, log_scale):
        return Bernoulli(logits=logits)


@dataclass(frozen=True)
class GaussianLikelihood:
    scale: float | None = None

    def learned_log_scale(self, image_shape):
        """log sigma per pixel, at 0 (sigma = 1), unless the scale is fixed."""
        return Parameter(zeros(image_shape)) if self.scale is None else None

    def __call__(self, means, log_scale):
        return Normal(means, self.scale if log_scale is None else log_scale.exp())
