"""The noise schedule: beta_t, and every quantity of the forward process derived from it, once, in float64.

The forward process adds noise in T steps,

    q(x_t | x_{t-1}) = N( sqrt(alpha_t) x_{t-1}, beta_t I ),    alpha_t = 1 - beta_t,

and since a Gaussian step of a Gaussian is Gaussian, any step has a closed form,

    q(x_t | x_0) = N( sqrt(abar_t) x_0, (1 - abar_t) I ),       abar_t = prod_{s <= t} alpha_s.

Steps are numbered t = 0 .. T-1 in code, the paper's t = 1 .. T: ``betas[0]``
is the paper's beta_1, and ``alphas_cumprod_prev[t]`` is abar at the step
before t, with abar before the first step taken as 1 (x_0 itself).

Two schedules:

    linear_schedule   DDPM (Ho et al., 2020): beta rises linearly from 1e-4 to 0.02 over T = 1000
                      steps; for other T both ends are scaled by 1000 / T (Nichol & Dhariwal, 2021),
                      so that abar_T stays near 4e-5 and x_T near N(0, I)
    cosine_schedule   improved DDPM (Nichol & Dhariwal, 2021): abar_t = f(t) / f(0),
                      f(t) = cos^2( (t/T + s) / (1 + s) * pi/2 ): abar falls slowly at both ends,
                      so fewer steps are spent on nearly clean or nearly pure-noise data

``at(values, t, like)`` gathers one coefficient per example at its step t,
shaped to broadcast against ``like`` and in its dtype and on its device.
"""
import numpy

from ... import backend
from ...creation import tensor


class NoiseSchedule:
    """beta_t for t = 0 .. T-1 and what follows from it, float64 NumPy arrays of shape (T,)."""

    def __init__(self, betas):
        betas = numpy.asarray(betas, dtype=numpy.float64)
        if betas.ndim != 1 or len(betas) < 2 or not ((betas > 0) & (betas < 1)).all():
            raise ValueError(f"betas must be a 1-D sequence of at least 2 values in (0, 1), got {betas!r}")
        self.betas = betas
        self.alphas = 1.0 - betas
        self.alphas_cumprod = numpy.cumprod(self.alphas)  # abar_t = prod_{s<=t} alpha_s
        self.alphas_cumprod_prev = numpy.append(1.0, self.alphas_cumprod[:-1])  # abar_{t-1}, with abar before step 0 = 1

        # q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I), and its inverse x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)
        self.sqrt_alphas_cumprod = numpy.sqrt(self.alphas_cumprod)
        self.sqrt_one_minus_alphas_cumprod = numpy.sqrt(1.0 - self.alphas_cumprod)
        self.sqrt_recip_alphas_cumprod = numpy.sqrt(1.0 / self.alphas_cumprod)  # 1 / sqrt(abar_t)
        self.sqrt_recipm1_alphas_cumprod = numpy.sqrt(1.0 / self.alphas_cumprod - 1.0)  # sqrt(1 - abar_t) / sqrt(abar_t)

        # The posterior q(x_{t-1} | x_t, x_0) = N(mu~_t, beta~_t I), Bayes' rule on two Gaussians:
        #   beta~_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t
        #   mu~_t   = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x_0  +  sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t
        self.posterior_variance = betas * (1.0 - self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        self.posterior_mean_coef1 = betas * numpy.sqrt(self.alphas_cumprod_prev) / (1.0 - self.alphas_cumprod)
        self.posterior_mean_coef2 = (1.0 - self.alphas_cumprod_prev) * numpy.sqrt(self.alphas) / (1.0 - self.alphas_cumprod)

    @property
    def num_steps(self):
        """T, the number of noising steps."""
        return len(self.betas)

    def __repr__(self):
        betas, abar_T = f"{self.betas[0]:.3g} .. {self.betas[-1]:.3g}", f"{self.alphas_cumprod[-1]:.3g}"
        return f"NoiseSchedule(T={self.num_steps}, beta {betas}, abar_T {abar_T})"


def linear_schedule(num_steps=1000, beta_start=None, beta_end=None):
    """DDPM's schedule: beta_t evenly spaced from ``beta_start`` to ``beta_end`` (default 1e-4 and 0.02, times 1000 / T)."""
    scale = 1000 / num_steps
    beta_start = 1e-4 * scale if beta_start is None else beta_start
    beta_end = 0.02 * scale if beta_end is None else beta_end
    if beta_end >= 1:
        raise ValueError(f"linear_schedule: beta_end = {beta_end:g} must be below 1 (DDPM's 0.02 scaled by 1000 / T = "
                         f"{scale:g}): take T >= 21 steps, or give beta_end")  # fmt: skip
    return NoiseSchedule(numpy.linspace(beta_start, beta_end, num_steps, dtype=numpy.float64))


def cosine_schedule(num_steps=1000, s=0.008, max_beta=0.999):
    """Improved DDPM's schedule: abar_t = f(t) / f(0), f(t) = cos^2(((t/T + s) / (1 + s)) pi/2); beta_t <= ``max_beta``.

    beta_t = 1 - abar_t / abar_{t-1}; the cap keeps the last steps, where abar
    reaches 0, from being pure noise replacing everything at once (beta = 1).
    """
    steps = numpy.arange(num_steps + 1, dtype=numpy.float64) / num_steps
    f = numpy.cos((steps + s) / (1 + s) * numpy.pi / 2) ** 2
    alphas_cumprod = f / f[0]
    return NoiseSchedule(numpy.minimum(1.0 - alphas_cumprod[1:] / alphas_cumprod[:-1], max_beta))


def at(values, t, like):
    """``values[t]`` for each example's step t (N,), shaped (N, 1, ..., 1) to broadcast against ``like``.

    ``values`` is one of a schedule's float64 arrays; the result is in
    ``like``'s dtype and on its device, so the float64 arithmetic of the
    schedule is rounded once, here.
    """
    steps = numpy.asarray(backend.to_host(getattr(t, "data", t)))
    if steps.size and (steps.min() < 0 or steps.max() >= len(values)):
        raise ValueError(f"steps t must be integers in 0 .. {len(values) - 1} (T = {len(values)}), got {t}")
    picked = values[steps].reshape((-1,) + (1,) * (like.ndim - 1))
    return tensor(picked, dtype=like.dtype, device=like.device)
