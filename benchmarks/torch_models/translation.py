"""The translation models of ``tinygen.models.translation`` in PyTorch: the residual generator (with or without
a condition) and the PatchGAN discriminator (same layers and parameter names), and CycleGAN's and DiscoGAN's two phases (the same losses and
optimizer settings). The discriminators see the latest translations: CycleGAN's history of past ones draws
from tinygen's random generator, which a twin cannot share, so the twin test runs with ``history=0``.
"""
import itertools

import torch
from torch import nn
from torch.nn import functional as F

LEAK = 0.2


class ResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.net = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=False), nn.InstanceNorm2d(channels), nn.ReLU(),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3, bias=False), nn.InstanceNorm2d(channels),
        )  # fmt: skip

    def forward(self, x):
        return x + self.net(x)


class ResidualGenerator(nn.Module):
    def __init__(self, channels=1, width=16, blocks=3, condition_dim=0, resize=False):
        super().__init__()
        first = ([nn.Conv2d(channels + condition_dim, width, 7)] if condition_dim
                 else [nn.Conv2d(channels, width, 7, bias=False), nn.InstanceNorm2d(width)])  # fmt: skip
        self.net = nn.Sequential(
            nn.ReflectionPad2d(3), *first, nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=False), nn.InstanceNorm2d(2 * width), nn.ReLU(),
            *(ResidualBlock(2 * width) for _ in range(blocks)),
            *([nn.Upsample(scale_factor=2), nn.ReflectionPad2d(1), nn.Conv2d(2 * width, width, 3, bias=False)] if resize
              else [nn.ConvTranspose2d(2 * width, width, 3, stride=2, padding=1, output_padding=1, bias=False)]),
            nn.InstanceNorm2d(width), nn.ReLU(),
            nn.ReflectionPad2d(3), nn.Conv2d(width, channels, 7), nn.Tanh(),
        )  # fmt: skip

    def forward(self, x, condition=None):
        if condition is not None:  # constant maps beside the image
            x = torch.cat([x, condition[:, :, None, None].expand(*condition.shape, *x.shape[2:])], dim=1)
        return self.net(x)


class PatchDiscriminator(nn.Module):
    def __init__(self, channels=1, width=16, normalize=True):
        super().__init__()
        norm = nn.InstanceNorm2d if normalize else (lambda channels: nn.Identity())  # noqa: E731
        self.trunk = nn.Sequential(
            nn.Conv2d(channels, width, 4, stride=2, padding=1), nn.LeakyReLU(LEAK),
            nn.Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=not normalize), norm(2 * width),
            nn.LeakyReLU(LEAK),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1, bias=not normalize), norm(4 * width),
            nn.LeakyReLU(LEAK),
        )  # fmt: skip
        self.last = nn.Conv2d(4 * width, 1, 3, padding=1)

    def forward(self, x):
        return self.last(self.trunk(x))


class CycleGAN(nn.Module):
    """The generators' joint loss and the discriminators' (halved, least squares), as the paper's code."""

    weight_decay = 0.0

    def __init__(self, g_ab, g_ba, d_a, d_b, cycle_weight=10.0, identity_weight=0.0):
        super().__init__()
        self.g_ab, self.g_ba, self.d_a, self.d_b = g_ab, g_ba, d_a, d_b
        self.cycle_weight, self.identity_weight = cycle_weight, identity_weight

    def optimizers(self, lr=2e-4):
        """(the generators', the discriminators') Adam."""
        def adam(*modules):
            parameters = itertools.chain(*(m.parameters() for m in modules))
            return torch.optim.Adam(parameters, lr=lr, betas=(0.5, 0.999), weight_decay=self.weight_decay)
        return adam(self.g_ab, self.g_ba), adam(self.d_a, self.d_b)

    def fooling(self, scores):
        return F.mse_loss(scores, torch.ones_like(scores))

    def telling(self, real, fake):
        return 0.5 * (F.mse_loss(real, torch.ones_like(real)) + F.mse_loss(fake, torch.zeros_like(fake)))

    def reconstruction(self, x, target):
        return F.l1_loss(x, target)

    def generator_loss(self, a, b):
        fake_b, fake_a = self.g_ab(a), self.g_ba(b)
        loss = self.fooling(self.d_b(fake_b)) + self.fooling(self.d_a(fake_a))
        loss = loss + self.cycle_weight * (self.reconstruction(self.g_ba(fake_b), a) +
                                           self.reconstruction(self.g_ab(fake_a), b))  # fmt: skip
        if self.identity_weight:
            loss = loss + self.identity_weight * (self.reconstruction(self.g_ab(b), b) +
                                                  self.reconstruction(self.g_ba(a), a))  # fmt: skip
        return loss

    def discriminator_loss(self, a, b):
        with torch.no_grad():
            fake_a, fake_b = self.g_ba(b), self.g_ab(a)
        return self.telling(self.d_a(a), self.d_a(fake_a)) + self.telling(self.d_b(b), self.d_b(fake_b))


class DiscoGAN(CycleGAN):
    """Cross-entropy GAN losses (non-saturating for the generators), squared-error reconstructions weighted 1."""

    weight_decay = 1e-5

    def __init__(self, g_ab, g_ba, d_a, d_b):
        super().__init__(g_ab, g_ba, d_a, d_b, cycle_weight=1.0)

    def fooling(self, scores):
        return F.binary_cross_entropy_with_logits(scores, torch.ones_like(scores))

    def telling(self, real, fake):
        return (F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) +
                F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake)))  # fmt: skip

    def reconstruction(self, x, target):
        return F.mse_loss(x, target)
