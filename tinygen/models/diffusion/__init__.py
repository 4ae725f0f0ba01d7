"""Diffusion models: data destroyed by noise step by step, and a network trained to undo each step.

The forward process adds Gaussian noise over T steps, q(x_t | x_{t-1}) =
N(sqrt(1 - beta_t) x_{t-1}, beta_t I), so that x_T is nearly N(0, I); it has a
closed form at any step, x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps. A
network eps_theta(x_t, t) learns to predict the noise,

    L_simple = E_{t, x_0, eps} || eps - eps_theta(x_t, t) ||^2,

and sampling runs the reverse process from x_T ~ N(0, I) back to x_0.

One paper per file, each holding only what it adds, with the equation in its docstring:

    schedule   beta_t (DDPM's linear schedule, improved DDPM's cosine one) and all that follows
               from it, in float64; ``at`` gathers a coefficient per example
    ddpm       DDPM (Ho et al., 2020): the forward process and its posterior, the simple loss,
               the ancestral sampler (sigma_t^2 = beta_t or beta~_t), the variational bound
               with the discretised Gaussian decoder (bits/dim)
    ddim       DDIM (Song et al., 2021): S-step sampling with noise scale eta on a DDPM's
               network; eta = 0 is an ODE that also encodes data into noise
    guidance   classifier-free guidance (Ho & Salimans, 2022): one network, conditional and not,
               the label dropped in training; sampling pushes the conditional noise away from the other
    networks   the noise predictors: an MLP for 2-D points, a small U-Net for 28x28 images

An exponential moving average of the weights draws the samples; the loop
keeps it (``tinygen.train.diffusion``).

Imports: ``models.base`` and what ``tinygen.models`` may import (see there).
"""
from .ddim import DDIM
from .ddpm import DDPM, DiscretizedGaussian, Gaussian, beta_variance, posterior_variance, vlb_weights
from .guidance import GuidedDDPM
from .networks import MLPDenoiser, UNet, timestep_embedding
from .schedule import NoiseSchedule, at, cosine_schedule, linear_schedule

__all__ = ["DDIM", "DDPM", "DiscretizedGaussian", "Gaussian", "GuidedDDPM", "MLPDenoiser", "NoiseSchedule", "UNet", "at",
           "beta_variance", "cosine_schedule", "linear_schedule", "posterior_variance", "timestep_embedding",
           "vlb_weights"]  # fmt: skip
