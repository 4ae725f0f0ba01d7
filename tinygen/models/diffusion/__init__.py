"""Diffusion models: data destroyed by noise step by step, and a network trained to undo each step. Empty for now.

The forward process adds Gaussian noise over T steps, q(x_t | x_{t-1}) =
N(sqrt(1 - beta_t) x_{t-1}, beta_t I), so that x_T is nearly N(0, I); it has a
closed form at any step, x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps. A
network eps_theta(x_t, t) learns to predict the noise,

    L_simple = E_{t, x_0, eps} || eps - eps_theta(x_t, t) ||^2,

and sampling runs the reverse process from x_T ~ N(0, I) back to x_0.

What this package will hold, one paper per file, each holding only what it
adds with the equation in its docstring: DDPM (Ho et al., 2020: the noise
schedule, the forward process, the simplified loss and the ancestral
reverse sampler) and DDIM (Song et al., 2021: the deterministic sampler with
fewer steps, on a DDPM's trained network), on a shared U-Net.

Imports: ``models.base`` and what ``tinygen.models`` may import (see there).
"""
