"""The GANs of ``tinygen.models.gan`` in PyTorch: DCGAN's generator and discriminator and the MLP pair (same
layers and parameter names), the non-saturating GAN and WGAN-GP (the same losses, penalty and optimizer
settings), and the Unrolled GAN's generator loss written with ``torch.func.functional_call``.

The gradient penalty is written as PyTorch users write it: ``torch.autograd.grad(..., create_graph=True)``
on the interpolates, the norm per example over ``flatten(1)``. ``eps`` (N,) can be given, so that both
frameworks interpolate with the same weights; ``copy_weights`` (in this package) gives them the same
parameters. Fed the same batches and noise, the two must then follow the same training trajectory
(tests/models/test_gan_pytorch.py), the double backward through the convolutional critic included.
"""
import itertools
import math

import torch
from torch import nn
from torch.nn import functional as F

LEAK = 0.2


class DCGANGenerator(nn.Module):
    def __init__(self, latent_dim, channels=1, width=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(latent_dim, 2 * width, 7, bias=False), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
            nn.ConvTranspose2d(width, channels, 4, stride=2, padding=1), nn.Tanh(),
        )  # fmt: skip

    def forward(self, z):
        return self.net(z.reshape(*z.shape, 1, 1))


class DCGANDiscriminator(nn.Module):
    def __init__(self, channels=1, width=64, batch_norm=True):
        super().__init__()
        middle = [nn.BatchNorm2d(2 * width)] if batch_norm else []
        self.net = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.LeakyReLU(LEAK),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=not batch_norm), *middle, nn.LeakyReLU(LEAK),
            nn.Conv2d(2 * width, 1, 7),
        )  # fmt: skip

    def forward(self, x):
        return self.net(x).reshape(-1)


class NonSaturatingGAN(nn.Module):
    n_critic = 1

    def __init__(self, generator, discriminator, latent_dim):
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim

    def optimizers(self, lr=2e-4):
        return (torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)),
                torch.optim.Adam(self.generator.parameters(), lr=lr, betas=(0.5, 0.999)))  # fmt: skip

    def discriminator_loss(self, real, fake):
        loss = F.softplus(-self.discriminator(real)).mean() + F.softplus(self.discriminator(fake)).mean()
        return loss, {"d_loss": loss}

    def generator_loss(self, fake):
        loss = F.softplus(-self.discriminator(fake)).mean()
        return loss, {"g_loss": loss}


class WGANGP(nn.Module):
    n_critic = 5

    def __init__(self, generator, critic, latent_dim, penalty_weight=10.0):
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, critic, latent_dim
        self.penalty_weight = penalty_weight

    def optimizers(self, lr=1e-4):
        return (torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.0, 0.9)),
                torch.optim.Adam(self.generator.parameters(), lr=lr, betas=(0.0, 0.9)))  # fmt: skip

    def gradient_penalty(self, real, fake, eps=None):
        shape = (real.shape[0],) + (1,) * (real.ndim - 1)
        eps = torch.rand(shape, dtype=real.dtype, device=real.device) if eps is None else eps.reshape(shape)
        x_hat = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
        (gradients,) = torch.autograd.grad(self.discriminator(x_hat).sum(), x_hat, create_graph=True)
        return ((gradients.flatten(1).norm(dim=1) - 1) ** 2).mean()

    def discriminator_loss(self, real, fake, eps=None):
        wasserstein = self.discriminator(real).mean() - self.discriminator(fake).mean()
        penalty = self.gradient_penalty(real, fake, eps)
        loss = -wasserstein + self.penalty_weight * penalty
        return loss, {"d_loss": loss, "wasserstein": wasserstein, "gradient_penalty": penalty}

    def generator_loss(self, fake):
        loss = -self.discriminator(fake).mean()
        return loss, {"g_loss": loss}


def mlp(sizes, activation):
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [nn.Linear(fan_in, fan_out), activation()]
    return nn.Sequential(*layers[:-1])


class MLPGenerator(nn.Module):
    """tinygen's MLPGenerator for flat outputs without tanh (the toy 2-D generator)."""

    def __init__(self, latent_dim, out_dim, hidden_sizes=(256, 256)):
        super().__init__()
        self.net = mlp([latent_dim, *hidden_sizes, out_dim], nn.ReLU)

    def forward(self, z):
        return self.net(z)


class MLPDiscriminator(nn.Module):
    def __init__(self, in_dim, hidden_sizes=(256, 256)):
        super().__init__()
        self.net = mlp([in_dim, *hidden_sizes, 1], lambda: nn.LeakyReLU(LEAK))

    def forward(self, x):
        return self.net(x.flatten(1)).reshape(-1)


def unrolled_generator_loss(discriminator, real, fake, steps, lr=None, adam=None):
    """The Unrolled GAN's non-saturating f_K: D unrolled ``steps`` steps on (real, fake = G(z)), the gradients kept
    in the graph (create_graph), D evaluated at the unrolled weights by functional_call. The steps: SGD at rate
    ``lr``, or, with ``adam`` (D's torch.optim.Adam, one group, no weight decay), Adam's from its current moments."""
    weights = dict(discriminator.named_parameters())
    states = {name: adam.state[p] for name, p in weights.items()} if adam else None
    for _ in range(steps):
        loss = (F.softplus(-torch.func.functional_call(discriminator, weights, (real,))).mean()
                + F.softplus(torch.func.functional_call(discriminator, weights, (fake,))).mean())  # fmt: skip
        gradients = torch.autograd.grad(loss, list(weights.values()), create_graph=True)
        if adam is None:
            weights = {name: w - lr * g for (name, w), g in zip(weights.items(), gradients)}
        else:
            weights, states = adam_step(weights, gradients, states, adam.param_groups[0])
    return F.softplus(-torch.func.functional_call(discriminator, weights, (fake,))).mean()


def adam_step(weights, gradients, states, group):
    """One Adam step (torch.optim.Adam's rule) as differentiable tensor ops: -> (new weights, new states)."""
    (beta1, beta2), lr, eps = group["betas"], group["lr"], group["eps"]
    new_weights, new_states = {}, {}
    for (name, w), g in zip(weights.items(), gradients):
        state = states.get(name) or {}
        t = int(state.get("step", 0)) + 1
        m = beta1 * state.get("exp_avg", 0) + (1 - beta1) * g
        v = beta2 * state.get("exp_avg_sq", 0) + (1 - beta2) * g * g
        new_weights[name] = w - lr / (1 - beta1**t) * m / (v.sqrt() / math.sqrt(1 - beta2**t) + eps)
        new_states[name] = {"step": t, "exp_avg": m, "exp_avg_sq": v}
    return new_weights, new_states
