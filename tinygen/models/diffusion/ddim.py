"""DDIM sampling (Song, Meng & Ermon, "Denoising Diffusion Implicit Models", 2021) on a trained DDPM's network.

DDPM's loss only ever sees the marginals q(x_t | x_0), never the Markov chain
that produced them, so any process with the same marginals fits the same
trained eps_theta. DDIM picks a family of them indexed by eta: from x_t,
with x0_hat = (x_t - sqrt(1 - abar_t) eps_theta(x_t, t)) / sqrt(abar_t) the
predicted data,

    x_s = sqrt(abar_s) x0_hat + sqrt(1 - abar_s - sigma^2) eps_theta(x_t, t) + sigma z,    z ~ N(0, I),
    sigma = eta sqrt( (1 - abar_s) / (1 - abar_t) ) sqrt( 1 - abar_t / abar_s ),

for any earlier step s < t (abar = 1 before the first step: x_s = x0_hat
there). Two choices of eta stand out:

* eta = 1 with s = t - 1: sigma^2 = beta~_t, DDPM's posterior variance, and
  the step is DDPM's ancestral step;
* eta = 0: no noise at all. x_T determines x_0, and the steps are a
  discretisation of an ODE, which can be run forwards too: ``encode`` maps
  data to its noise, ``decode`` maps it back.

The jump s < t need not be one step: DDIM runs on a subsequence of S of the T
steps (``timesteps``: evenly spaced, from the last step T-1 down to 0), S network
evaluations instead of T. With eta = 0 the samples degrade gracefully as S
falls; with eta = 1 they do not (Table 1 of the paper).
"""
import math

import numpy

from ...autograd import no_grad
from ...creation import randn_like


class DDIM:
    """The DDIM sampler of a trained ``DDPM`` ``model``, on ``steps`` (S) of its T steps, with noise scale ``eta``."""

    def __init__(self, model, steps=50, eta=0.0):
        T = model.num_steps
        if not 1 <= steps <= T:
            raise ValueError(f"DDIM: steps must be between 1 and the model's T = {T}, got {steps}")
        if eta < 0:
            raise ValueError(f"DDIM: eta must be >= 0 (0: deterministic, 1: DDPM's variance), got {eta}")
        self.model, self.eta = model, eta
        # Evenly spaced and rounded, always ending at T-1: the sampler starts from the fully noised step
        # (spacings of T // S from 0, as in the paper's code, stop short of it).
        self.timesteps = numpy.round(numpy.linspace(T - 1, 0, steps))[::-1].astype(numpy.int64)

    def _abar(self, t):
        """abar_t as a float64 number; abar before the first step (t = -1) is 1."""
        return 1.0 if t < 0 else float(self.model.schedule.alphas_cumprod[t])

    def sigma(self, t, s, eta=None):
        """sigma = eta sqrt((1 - abar_s) / (1 - abar_t)) sqrt(1 - abar_t / abar_s), the noise of the jump t -> s < t."""
        abar_t, abar_s = self._abar(t), self._abar(s)
        return (self.eta if eta is None else eta) * math.sqrt((1 - abar_s) / (1 - abar_t) * (1 - abar_t / abar_s))

    def step(self, x_t, t, s, noise=None, eta=None):
        """x_s = sqrt(abar_s) x0_hat + sqrt(1 - abar_s - sigma^2) eps_theta + sigma noise, from step t to s < t."""
        eps = self.model.predict_noise(x_t, t)
        x0_hat = self.model.predict_x0(x_t, t, eps)
        abar_t, abar_s, sigma = self._abar(t), self._abar(s), self.sigma(t, s, eta)
        if self.model.clip_denoised:
            # The clipped x0_hat and the noise must still make up x_t = sqrt(abar_t) x0_hat + sqrt(1 - abar_t) eps:
            # the network's eps beside a clipped x0_hat would jump off the marginal q(x_s), an error the deterministic
            # sampler carries to the end. So eps is solved from them (with eta = 1: DDPM's clipped step).
            x0_hat = x0_hat.clamp(-1.0, 1.0)
            eps = (x_t - math.sqrt(abar_t) * x0_hat) / math.sqrt(1 - abar_t)
        x_s = math.sqrt(abar_s) * x0_hat + math.sqrt(1 - abar_s - sigma**2) * eps
        if sigma > 0:
            x_s = x_s + sigma * (randn_like(x_t) if noise is None else noise)
        return x_s

    def _jumps(self):
        """(t, s) pairs from the last timestep down: (tau_S, tau_{S-1}), ..., (tau_1, -1) where -1 is the data."""
        steps = [int(t) for t in self.timesteps]
        return list(zip(reversed(steps), reversed([-1] + steps[:-1])))

    @no_grad()
    def reverse(self, x_T, eta=None):
        """From x_T (at step T-1) to data in S jumps: yields (t, x) after each jump from step t."""
        x = x_T
        for t, s in self._jumps():
            x = self.step(x, t, s, eta=eta)
            yield t, x

    def sample(self, n):
        """n samples in S network evaluations."""
        for _, x in self.reverse(self.model.noise(n)):
            pass
        return x

    def decode(self, x_T):
        """x_T -> x_0 along the ODE (eta = 0, whatever the sampler's eta): deterministic."""
        for _, x in self.reverse(x_T, eta=0.0):
            pass
        return x

    @no_grad()
    def encode(self, x_0):
        """x_0 -> x_T along the same ODE run forwards: each jump s -> t the decoding jump t -> s solved for x_t,

        x_t = sqrt(abar_t) x0_hat + sqrt(1 - abar_t) eps_theta(x_s, t),
        x0_hat = (x_s - sqrt(1 - abar_s) eps_theta(x_s, t)) / sqrt(abar_s),

        with the noise predicted at x_s instead of the unknown x_t (an error that
        vanishes as the jumps shrink).
        """
        x = x_0
        for t, s in reversed(self._jumps()):
            eps = self.model.predict_noise(x, t)
            abar_s, abar_t = self._abar(s), self._abar(t)
            x0_hat = (x - math.sqrt(1 - abar_s) * eps) / math.sqrt(abar_s)
            x = math.sqrt(abar_t) * x0_hat + math.sqrt(1 - abar_t) * eps
        return x
