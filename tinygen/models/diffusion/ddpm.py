"""Denoising diffusion probabilistic models (Ho, Jain & Abbeel, "Denoising Diffusion Probabilistic Models", 2020).

The forward process q destroys data x_0 by Gaussian noise in T steps
(``schedule``: beta_t, abar_t); a reverse process p_theta learns to undo one
step at a time,

    p_theta(x_{t-1} | x_t) = N( mu_theta(x_t, t), sigma_t^2 I ),    x_T ~ N(0, I).

The bound. Like a VAE whose latents are x_1 .. x_T and whose encoder is the
fixed q, -log p_theta(x_0) <= L_vlb = L_T + sum_{t>1} L_{t-1} + L_0 with

    L_T     = KL( q(x_T | x_0) || N(0, I) )                     no parameters: ~0 for a good schedule
    L_{t-1} = KL( q(x_{t-1} | x_t, x_0) || p_theta(x_{t-1} | x_t) )   two Gaussians: a closed form
    L_0     = -log p_theta(x_0 | x_1)                            the decoder (a discretised Gaussian for images)

(steps 1 .. T as in the paper; the code numbers them 0 .. T-1). Each L_{t-1}
compares p_theta with the posterior q(x_{t-1} | x_t, x_0) = N(mu~_t, beta~_t I),
which is known in closed form (``schedule``).

Predicting the noise. Write x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps. Then
mu~_t = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t), and a network
eps_theta(x_t, t) that predicts eps gives mu_theta by the same formula. The
KL of two Gaussians is then a weighted squared error of the noise, plus a
constant C_t = D/2 (r - 1 - log r), r = beta~_t / sigma_t^2, where the
variances differ (0 when sigma_t^2 = beta~_t),

    L_{t-1} = beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)) || eps - eps_theta(x_t, t) ||^2 + C_t,

and DDPM drops the weights (``vlb_weights``), which gives the simple loss

    L_simple = E_{t ~ U{1..T}, x_0, eps} || eps - eps_theta( sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t ) ||^2,

a reweighting that favours the hard, noisy steps and gives better samples.

Sampling runs the reverse process: x_T ~ N(0, I), then for t = T .. 1

    x_{t-1} = mu_theta(x_t, t) + sigma_t z,    z ~ N(0, I)  (no noise at the last step),

with sigma_t^2 = beta_t (``beta_variance``: right for x_0 ~ N(0, I)) or
beta~_t (``posterior_variance``: right for x_0 a single point); the paper
found both give similar samples. The same sigma_t^2 is p_theta's variance in
the bound.
"""
import math
import numbers

import numpy

from ...autograd import no_grad
from ...creation import full, randint, randn, randn_like
from ...distributions import Normal, kl_divergence
from ...dtypes import int64
from ...ops import where
from ..base import GenerativeModel
from .schedule import at, linear_schedule


def posterior_variance(schedule):
    """sigma_t^2 = beta~_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t; at the first step, where beta~ = 0, beta~ of the second
    (the decoder needs a positive scale; as in the paper's code)."""
    variance = schedule.posterior_variance.copy()
    variance[0] = variance[1]
    return variance


def beta_variance(schedule):
    """sigma_t^2 = beta_t; at the first step beta~ of the second, as for ``posterior_variance`` (the paper's code)."""
    variance = schedule.betas.copy()
    variance[0] = schedule.posterior_variance[1]
    return variance


def vlb_weights(schedule, variance=posterior_variance):
    """lambda_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)), the weight in L_{t-1} = lambda_t ||eps - eps_theta||^2 + C_t
    (C_t = 0 for sigma_t^2 = beta~_t; code steps t >= 1)."""
    s = schedule
    return s.betas**2 / (2 * variance(s) * s.alphas * (1 - s.alphas_cumprod))


class DiscretizedGaussian:
    """The decoder p(x_0 | x_1) for data on ``levels`` evenly spaced values in [low, high] (8-bit pixels scaled to [-1, 1]).

    Each value owns the bin of width delta = (high - low) / (levels - 1) around
    it, and gets the mass of N(mu, sigma^2) on that bin; the two end values
    own everything beyond them:

        p(x | mu, sigma) = Phi((x + delta/2 - mu) / sigma) - Phi((x - delta/2 - mu) / sigma),

    Phi the standard normal CDF, with Phi(+inf) = 1 at x = high and Phi(-inf) = 0
    at x = low. A probability, not a density: -log p in bits per dimension is
    comparable with other models' on the same 8-bit data.
    """

    def __init__(self, levels=256, low=-1.0, high=1.0):
        self.half_bin, self.low, self.high = (high - low) / (levels - 1) / 2, low, high

    def __call__(self, x, mean, variance):
        """log p(x | mean, variance) for each element of x."""
        inverse_scale = 1 / variance.sqrt()
        cdf_upper = _standard_normal_cdf((x - mean + self.half_bin) * inverse_scale)
        cdf_lower = _standard_normal_cdf((x - mean - self.half_bin) * inverse_scale)
        tiny = 1e-12  # log(0) guard: a bin the Gaussian puts no representable mass on
        log_bin = (cdf_upper - cdf_lower).clamp(min=tiny).log()
        log_below_upper = cdf_upper.clamp(min=tiny).log()  # x = low: the mass of (-inf, low + delta/2]
        log_above_lower = (1 - cdf_lower).clamp(min=tiny).log()  # x = high: the mass of [high - delta/2, inf)
        interior = where(x > self.high - self.half_bin, log_above_lower, log_bin)
        return where(x < self.low + self.half_bin, log_below_upper, interior)


class Gaussian:
    """The decoder p(x_0 | x_1) = N(x_0; mu, sigma^2) for continuous data: a density, so -log p is a differential NLL (nats)."""

    def __call__(self, x, mean, variance):
        return Normal(mean, variance.sqrt()).log_prob(x)


def _standard_normal_cdf(z):
    """Phi(z) = (1 + erf(z / sqrt 2)) / 2."""
    return 0.5 * (1 + (z * math.sqrt(0.5)).erf())


class DDPM(GenerativeModel):
    """A diffusion model of data of shape ``data_shape`` with noise predictor ``network``: (x_t, t) -> eps (x_t's shape).

    ``schedule`` (default ``linear_schedule(1000)``) fixes the forward process;
    ``variance`` (``posterior_variance`` or ``beta_variance``) gives sigma_t^2;
    ``decoder`` (``DiscretizedGaussian()`` for 8-bit images, ``Gaussian()`` for
    continuous data) is p(x_0 | x_1) in the bound; ``clip_denoised`` clips the
    predicted x_0 to [-1, 1] before it enters mu_theta (images scaled to [-1, 1]).
    """

    def __init__(self, network, data_shape, schedule=None, variance=posterior_variance, decoder=None,
                 clip_denoised=False):  # fmt: skip
        super().__init__()
        self.network, self.data_shape = network, tuple(data_shape)
        self.schedule = schedule or linear_schedule(1000)
        self.variance = variance(self.schedule)  # sigma_t^2, float64 (T,)
        self.decoder = decoder or DiscretizedGaussian()
        self.clip_denoised = clip_denoised

    @property
    def num_steps(self):
        return self.schedule.num_steps

    def _check(self, x):
        if x.shape[1:] != self.data_shape:
            raise ValueError(f"{type(self).__name__}: expected data of shape (N, *{self.data_shape}), got {x.shape}")

    def _steps(self, t, n):
        """t as an int64 tensor of n steps (from a single step or n of them), checked to lie in 0 .. T-1."""
        steps = full((n,), int(t), dtype=int64) if isinstance(t, numbers.Integral) else t
        if steps.shape != (n,) or steps.data.min() < 0 or steps.data.max() >= self.num_steps:
            raise ValueError(f"steps t must be {n} integers in 0 .. {self.num_steps - 1} (T = {self.num_steps}), got {t}")
        return steps

    def predict_noise(self, x_t, t):
        """eps_theta(x_t, t), with t one step for all or one per example."""
        return self.network(x_t, self._steps(t, x_t.shape[0]).to(x_t.device))

    # ---- the forward process q ---------------------------------------------------------------
    def q_step(self, x_previous, t, noise=None):
        """One noising step: x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) noise, noise ~ N(0, I) unless given."""
        noise = randn_like(x_previous) if noise is None else noise
        s = self.schedule
        return at(s.alphas, t, x_previous).sqrt() * x_previous + at(s.betas, t, x_previous).sqrt() * noise

    def q_sample(self, x_0, t, noise=None):
        """x_t ~ q(x_t | x_0) in one go: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) noise, noise ~ N(0, I) unless given."""
        noise = randn_like(x_0) if noise is None else noise
        s = self.schedule
        return at(s.sqrt_alphas_cumprod, t, x_0) * x_0 + at(s.sqrt_one_minus_alphas_cumprod, t, x_0) * noise

    def q_posterior(self, x_0, x_t, t):
        """(mean, variance) of q(x_{t-1} | x_t, x_0): mu~_t = c1 x_0 + c2 x_t, beta~_t (see ``schedule``)."""
        s = self.schedule
        mean = at(s.posterior_mean_coef1, t, x_t) * x_0 + at(s.posterior_mean_coef2, t, x_t) * x_t
        return mean, at(s.posterior_variance, t, x_t)

    def predict_x0(self, x_t, t, noise):
        """x_0 from x_t and its noise, the forward formula solved: x_0 = x_t / sqrt(abar_t) - sqrt(1/abar_t - 1) noise."""
        s = self.schedule
        return at(s.sqrt_recip_alphas_cumprod, t, x_t) * x_t - at(s.sqrt_recipm1_alphas_cumprod, t, x_t) * noise

    # ---- the reverse process p_theta -----------------------------------------------------------
    def p_mean_variance(self, x_t, t):
        """(mu_theta(x_t, t), sigma_t^2): the posterior's mean at the predicted x_0,

        mu_theta = mu~_t(x0_hat, x_t) = (x_t - beta_t / sqrt(1 - abar_t) eps_theta) / sqrt(alpha_t),

        the two forms equal unless x0_hat is clipped to [-1, 1] (``clip_denoised``).
        """
        x0_hat = self.predict_x0(x_t, t, self.predict_noise(x_t, t))
        if self.clip_denoised:
            x0_hat = x0_hat.clamp(-1.0, 1.0)
        mean, _ = self.q_posterior(x0_hat, x_t, t)
        return mean, at(self.variance, t, x_t)

    def p_step(self, x_t, t, noise=None):
        """One ancestral step, x_{t-1} = mu_theta(x_t, t) + sigma_t noise (all examples at step t; no noise at t = 0)."""
        mean, variance = self.p_mean_variance(x_t, t)
        if t == 0:
            return mean
        return mean + variance.sqrt() * (randn_like(x_t) if noise is None else noise)

    @no_grad()
    def reverse(self, x_T):
        """The reverse process from x_T: after undoing each step t = T-1 .. 0, yields (t, x), x the paper's x_t (x_0 last)."""
        x = x_T
        for t in reversed(range(self.num_steps)):
            x = self.p_step(x, t)
            yield t, x

    def noise(self, n):
        """x_T ~ N(0, I): n starting points for the reverse process."""
        return randn(n, *self.data_shape, dtype=self.dtype, device=self.device)

    def sample(self, n):
        """n samples by ancestral sampling: T network evaluations."""
        for _, x in self.reverse(self.noise(n)):
            pass
        return x

    # ---- training --------------------------------------------------------------------------
    def simple_loss(self, x_0, t, noise=None):
        """Per example, || eps - eps_theta(x_t, t) ||^2 averaged over dimensions, x_t = q_sample(x_0, t, eps)."""
        self._check(x_0)
        noise = randn_like(x_0) if noise is None else noise
        error = noise - self.predict_noise(self.q_sample(x_0, t, noise), t)
        return (error * error).flatten(1).mean(1)

    def loss(self, x_0):
        """L_simple at one uniformly drawn step per example (the mean over dimensions: the paper's sum / D)."""
        t = randint(0, self.num_steps, (x_0.shape[0],))
        loss = self.simple_loss(x_0, t).mean()
        return loss, {"mse": loss}

    # ---- the variational bound -------------------------------------------------------------------
    def prior_term(self, x_0):
        """L_T = KL( q(x_T | x_0) || N(0, I) ) per example, in nats."""
        self._check(x_0)
        s, last = self.schedule, self.num_steps - 1
        q = Normal(at(s.sqrt_alphas_cumprod, last, x_0) * x_0, at(s.sqrt_one_minus_alphas_cumprod, last, x_0))
        return kl_divergence(q, Normal(0.0 * x_0, 1.0)).flatten(1).sum(1)

    def vlb_term(self, x_0, t, noise=None):
        """The bound's term at step t (one for all examples) per example, in nats, at one x_t = q_sample(x_0, t, noise):

        t >= 1: L_{t-1} = KL( q(x_{t-1} | x_t, x_0) || p_theta(x_{t-1} | x_t) ), summed over dimensions;
        t = 0:  L_0 = -log p_theta(x_0 | x_1), the decoder at mu_theta(x_1, 1) and sigma_1^2.
        """
        self._check(x_0)
        x_t = self.q_sample(x_0, t, noise)
        mean, variance = self.p_mean_variance(x_t, t)
        if t == 0:
            return -self.decoder(x_0, mean, variance).flatten(1).sum(1)
        true_mean, true_variance = self.q_posterior(x_0, x_t, t)
        kl = kl_divergence(Normal(true_mean, true_variance.sqrt()), Normal(mean, variance.sqrt()))
        return kl.flatten(1).sum(1)

    @no_grad()
    def nll_bound(self, x_0, num_steps=None):
        """L_vlb = L_T + sum_t L_t per example, in nats: an upper bound on -log p_theta(x_0).

        Exact with T network evaluations (``num_steps`` None). With ``num_steps`` = K,
        L_T and L_0 are exact and sum_{t >= 1} L_t is estimated from K steps, one drawn
        uniformly from each of K equal strata of 1 .. T-1 and weighted by its stratum's
        size: unbiased, in K network evaluations (the same steps for the whole batch).
        """
        total = self.prior_term(x_0).double() + self.vlb_term(x_0, 0).double()
        if num_steps is None:
            steps, weights = range(1, self.num_steps), [1.0] * (self.num_steps - 1)
        else:
            strata = numpy.array_split(numpy.arange(1, self.num_steps), min(num_steps, self.num_steps - 1))
            steps = [int(stratum[randint(0, len(stratum), ()).item()]) for stratum in strata]
            weights = [float(len(stratum)) for stratum in strata]
        for t, weight in zip(steps, weights):
            total = total + weight * self.vlb_term(x_0, t).double()
        return total
