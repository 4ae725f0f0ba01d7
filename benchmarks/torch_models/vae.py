"""The VAE of ``tinygen.models.vae`` in PyTorch: the same constructors and factories, layers and
parameter names, and the same ELBO, computed with ``torch.distributions``.

``copy_weights`` (in this package) copies a tinygen VAE's parameters into this twin by name, so the
two start from identical weights; fed the same batches and the same noise, they must then
follow the same training trajectory (tests/test_vae.py).
"""
import itertools
import math

import torch
from torch import nn
from torch.distributions import Bernoulli, Normal, kl_divergence


def mlp(sizes):
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class MLPEncoder(nn.Module):
    def __init__(self, image_shape, latent_dim, hidden_sizes):
        super().__init__()
        self.net = mlp([math.prod(image_shape), *hidden_sizes, 2 * latent_dim])

    def forward(self, x):
        return self.net(x.flatten(1)).chunk(2, dim=-1)


class MLPDecoder(nn.Module):
    def __init__(self, image_shape, latent_dim, hidden_sizes):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.net = mlp([latent_dim, *reversed(hidden_sizes), math.prod(image_shape)])

    def forward(self, z):
        return self.net(z).reshape((-1,) + self.image_shape)


class ConvEncoder(nn.Module):
    def __init__(self, image_shape, latent_dim, channels):
        super().__init__()
        (c, h, w), (c1, c2) = image_shape, channels
        self.features = nn.Sequential(nn.Conv2d(c, c1, 4, stride=2, padding=1), nn.ReLU(),
                                      nn.Conv2d(c1, c2, 4, stride=2, padding=1), nn.ReLU())  # fmt: skip
        self.head = nn.Linear(c2 * (h // 4) * (w // 4), 2 * latent_dim)

    def forward(self, x):
        return self.head(self.features(x).flatten(1)).chunk(2, dim=-1)


class ConvDecoder(nn.Module):
    def __init__(self, image_shape, latent_dim, channels):
        super().__init__()
        (c, h, w), (c1, c2) = image_shape, channels
        self.feature_shape = (c2, h // 4, w // 4)
        self.project = nn.Linear(latent_dim, math.prod(self.feature_shape))
        self.upsample = nn.Sequential(nn.ConvTranspose2d(c2, c1, 4, stride=2, padding=1), nn.ReLU(),
                                      nn.ConvTranspose2d(c1, c, 4, stride=2, padding=1))  # fmt: skip

    def forward(self, z):
        return self.upsample(self.project(z).relu().reshape((-1,) + self.feature_shape))


class BernoulliLikelihood:
    def learned_log_scale(self, image_shape):
        return None

    def __call__(self, logits, log_scale):
        return Bernoulli(logits=logits)


class GaussianLikelihood:
    def __init__(self, scale=None):
        self.scale = scale

    def learned_log_scale(self, image_shape):
        return nn.Parameter(torch.zeros(image_shape)) if self.scale is None else None

    def __call__(self, means, log_scale):
        return Normal(means, self.scale if log_scale is None else log_scale.exp())


class VAE(nn.Module):
    def __init__(self, encoder, decoder, image_shape, latent_dim, likelihood=BernoulliLikelihood()):
        super().__init__()
        self.image_shape, self.latent_dim = tuple(image_shape), latent_dim
        self.encoder, self.decoder, self.output_distribution = encoder, decoder, likelihood
        self.register_parameter("log_scale", likelihood.learned_log_scale(self.image_shape))

    def posterior(self, x):
        mean, log_var = self.encoder(x)
        return Normal(mean, (0.5 * log_var).exp())

    def likelihood(self, z):
        outputs = self.decoder(z.reshape(-1, self.latent_dim)).reshape(z.shape[:-1] + self.image_shape)
        return self.output_distribution(outputs, self.log_scale)

    def elbo(self, x, noise=None):
        """(elbo, reconstruction, kl) per example; z = mu + sigma * noise, the reparameterisation trick."""
        posterior = self.posterior(x)
        noise = torch.randn_like(posterior.loc) if noise is None else noise
        z = posterior.loc + posterior.scale * noise
        reconstruction = self.likelihood(z).log_prob(x).sum((-3, -2, -1))
        prior = Normal(torch.zeros_like(posterior.loc), torch.ones_like(posterior.scale))
        kl = kl_divergence(posterior, prior).sum(-1)
        return reconstruction - kl, reconstruction, kl

    forward = elbo


def mlp_vae(latent_dim=16, image_shape=(1, 28, 28), hidden_sizes=(512, 512), likelihood=BernoulliLikelihood()):
    return VAE(MLPEncoder(image_shape, latent_dim, hidden_sizes), MLPDecoder(image_shape, latent_dim, hidden_sizes),
               image_shape, latent_dim, likelihood)  # fmt: skip


def conv_vae(latent_dim=16, image_shape=(1, 28, 28), channels=(32, 64), likelihood=BernoulliLikelihood()):
    return VAE(ConvEncoder(image_shape, latent_dim, channels), ConvDecoder(image_shape, latent_dim, channels),
               image_shape, latent_dim, likelihood)  # fmt: skip
