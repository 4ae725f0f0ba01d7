"""The noise predictors of ``tinygen.models.diffusion`` in PyTorch (same layers, same parameter names), and
DDPM's simple loss on them.

Fed the same weights (``copy_weights``), the same x_0, steps t and noise, the two frameworks must follow the
same training trajectory (tests/models/test_diffusion_pytorch.py); the models suite times a U-Net step.
"""
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


def timestep_embedding(t, dim, dtype):
    half = dim // 2
    frequencies = torch.tensor(np.exp(-math.log(10000.0) * np.arange(half) / half), dtype=dtype)
    angles = t.to(dtype)[:, None] * frequencies[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def time_mlp(embedding_dim, out_dim):
    return nn.Sequential(nn.Linear(embedding_dim, out_dim), nn.SiLU(), nn.Linear(out_dim, out_dim))


class MLPDenoiser(nn.Module):
    def __init__(self, data_dim=2, hidden=128, layers=3, embedding_dim=64):
        super().__init__()
        self.embedding_dim = embedding_dim
        self.time = time_mlp(embedding_dim, hidden)
        self.input = nn.Linear(data_dim, hidden)
        self.hidden = nn.ModuleList([nn.Linear(hidden, hidden) for _ in range(layers)])
        self.output = nn.Linear(hidden, data_dim)

    def forward(self, x, t):
        time = self.time(timestep_embedding(t, self.embedding_dim, x.dtype))
        h = self.input(x)
        for layer in self.hidden:
            h = layer(F.silu(h + time))
        return self.output(F.silu(h))


class ResidualBlock(nn.Module):
    def __init__(self, in_channels, out_channels, time_dim, groups):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(groups, in_channels), nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.time = nn.Linear(time_dim, out_channels)
        self.norm2, self.conv2 = nn.GroupNorm(groups, out_channels), nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else None

    def forward(self, x, time):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(F.silu(time))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (x if self.skip is None else self.skip(x))


class SelfAttention(nn.Module):
    def __init__(self, channels, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.qkv, self.out = nn.Conv2d(channels, 3 * channels, 1), nn.Conv2d(channels, channels, 1)

    def forward(self, x):
        n, c, height, width = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(n, 3, c, height * width).transpose(2, 3).unbind(1)
        weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(c), dim=-1)
        return x + self.out((weights @ v).transpose(1, 2).reshape(n, c, height, width))


class UNet(nn.Module):
    def __init__(self, in_channels=1, channels=32, groups=8, attention=False):
        super().__init__()
        c, c2, e = channels, 2 * channels, 4 * channels
        self.channels = c
        self.time = time_mlp(c, e)
        self.input = nn.Conv2d(in_channels, c, 3, padding=1)
        block = lambda fan_in, fan_out: ResidualBlock(fan_in, fan_out, e, groups)  # noqa: E731
        self.down = nn.ModuleList([block(c, c), block(c, c2), block(c2, c2)])
        self.downsample = nn.ModuleList([nn.Conv2d(c, c, 3, stride=2, padding=1), nn.Conv2d(c2, c2, 3, stride=2, padding=1)])
        self.middle1, self.middle2 = block(c2, c2), block(c2, c2)
        self.attention = SelfAttention(c2, groups) if attention else None
        self.up = nn.ModuleList([block(2 * c2, c2), block(2 * c2, c2), block(c2 + c, c)])
        self.upsample = nn.ModuleList([nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(c2, c2, 3, padding=1))
                                       for _ in range(2)])  # fmt: skip
        self.norm, self.output = nn.GroupNorm(groups, c), nn.Conv2d(c, in_channels, 3, padding=1)

    def forward(self, x, t):
        e = self.time(timestep_embedding(t, self.channels, x.dtype))
        h = self.input(x)
        skips = []
        for level, block in enumerate(self.down):
            h = block(h, e)
            skips.append(h)
            if level < len(self.downsample):
                h = self.downsample[level](h)
        h = self.middle1(h, e)
        if self.attention is not None:
            h = self.attention(h)
        h = self.middle2(h, e)
        for level, block in enumerate(self.up):
            h = block(torch.cat([h, skips.pop()], dim=1), e)
            if level < len(self.upsample):
                h = self.upsample[level](h)
        return self.output(F.silu(self.norm(h)))


class DDPM(nn.Module):
    """Only what training needs: the closed-form forward process and L_simple (the mean over dimensions)."""

    def __init__(self, network, alphas_cumprod):
        super().__init__()
        self.network = network
        self.alphas_cumprod = torch.as_tensor(np.asarray(alphas_cumprod, dtype=np.float64))  # not a buffer, as in tinygen

    def simple_loss(self, x_0, t, noise):
        shape = (-1,) + (1,) * (x_0.dim() - 1)
        abar = self.alphas_cumprod[t].reshape(shape)  # square roots in float64, then rounded, as tinygen's schedule does
        x_t = abar.sqrt().to(x_0.dtype) * x_0 + (1 - abar).sqrt().to(x_0.dtype) * noise
        return (noise - self.network(x_t, t)).pow(2).flatten(1).mean(1)
