"""``Normal``: the Gaussian N(loc, scale^2), one independent Gaussian per batch element.

    log p(x) = -1/2 log(2 pi) - log sigma - (x - mu)^2 / (2 sigma^2)
    H[p]     = 1/2 log(2 pi e sigma^2) = 1/2 + 1/2 log(2 pi) + log sigma
    mean mu,  variance sigma^2

A diagonal Gaussian over a vector is a batch of these: sum ``log_prob`` over
its last axis. ``log_prob`` reuses ``gaussian_log_likelihood``, which is
written for a log-variance: log sigma^2 = 2 log sigma.

The reparameterisation trick. A draw z ~ N(mu, sigma^2) can be written as

    z = mu + sigma * eps,      eps ~ N(0, 1),

which moves the randomness into eps, a noise that does not depend on the
parameters. Then z is a differentiable function of (mu, sigma), and the
gradient of E_z[f(z)] is E_eps[d f(mu + sigma eps) / d(mu, sigma)]: a plain
backward pass through a sample. This is how a VAE's encoder learns from a
sampled latent. ``rsample`` draws eps itself, or takes it as ``noise``, so
that two implementations can be fed the same noise and compared.
"""
import math

from ..creation import randn
from ..ops import gaussian_log_likelihood
from .distribution import Distribution, broadcast_parameters


class Normal(Distribution):
    has_rsample = True

    def __init__(self, loc, scale):
        self.loc, self.scale = broadcast_parameters("Normal", loc=loc, scale=scale)
        if not (self.scale.data > 0).all():
            raise ValueError(f"Normal: scale must be positive, got a smallest value of {self.scale.data.min().item()}; "
                             "in training this usually means the run diverged (a scale computed as exp(...) "
                             "underflowed to 0 or became NaN): lower the learning rate")  # fmt: skip
        super().__init__(self.loc.shape)

    def log_prob(self, value):
        value = self._value(value, like=self.loc)
        return gaussian_log_likelihood(value, self.loc, 2 * self.scale.log())

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()

    def rsample(self, sample_shape=(), noise=None):
        """z = loc + scale * noise, with noise ~ N(0, 1) of shape sample_shape + batch_shape unless given."""
        shape = self._sample_shape(sample_shape)
        if noise is None:
            noise = randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        elif noise.shape != shape:
            raise ValueError(f"Normal.rsample: noise of shape {noise.shape} given, sample_shape + batch_shape is {shape}")
        return self.loc + self.scale * noise

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return self.scale * self.scale
