"""StarGAN of ``tinygen.models.translation.stargan`` in PyTorch: the two-headed discriminator (same layers and
parameter names) and the two losses, given the targets c' and the penalty's eps (tinygen draws them from its own
generator, which a twin cannot share)."""
import torch
from torch import nn
from torch.nn import functional as F

from .translation import PatchDiscriminator


class AttributeDiscriminator(nn.Module):
    def __init__(self, num_attributes, channels=1, width=16):
        super().__init__()
        self.patches = PatchDiscriminator(channels, width, normalize=False)  # the paper's critic has no norm
        self.classifier = nn.Conv2d(4 * width, num_attributes, 7)

    def forward(self, x):
        features = self.patches.trunk(x)
        return self.patches.last(features), self.classifier(features).flatten(1)


class StarGAN(nn.Module):
    def __init__(self, generator, discriminator, classification_weight=1.0, reconstruction_weight=10.0,
                 penalty_weight=10.0):  # fmt: skip
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.classification_weight, self.reconstruction_weight = classification_weight, reconstruction_weight
        self.penalty_weight = penalty_weight

    def optimizers(self, lr=1e-4):
        """(the discriminator's, the generator's) Adam."""
        return (torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)),
                torch.optim.Adam(self.generator.parameters(), lr=lr, betas=(0.5, 0.999)))  # fmt: skip

    def classification(self, logits, c):
        return F.binary_cross_entropy_with_logits(logits, c, reduction="sum") / logits.shape[0]

    def discriminator_loss(self, x, c, target, eps):
        with torch.no_grad():
            fake = self.generator(x, target)
        real_scores, real_logits = self.discriminator(x)
        fake_scores, _ = self.discriminator(fake)
        x_hat = (eps[:, None, None, None] * x + (1 - eps[:, None, None, None]) * fake).requires_grad_()
        (gradients,) = torch.autograd.grad(self.discriminator(x_hat)[0].sum(), x_hat, create_graph=True)
        penalty = ((gradients.flatten(1).norm(dim=1) - 1) ** 2).mean()
        return (fake_scores.mean() - real_scores.mean() + self.penalty_weight * penalty
                + self.classification_weight * self.classification(real_logits, c))  # fmt: skip

    def generator_loss(self, x, c, target):
        fake = self.generator(x, target)
        scores, logits = self.discriminator(fake)
        reconstruction = (x - self.generator(fake, c)).abs().mean()
        return (-scores.mean() + self.classification_weight * self.classification(logits, target)
                + self.reconstruction_weight * reconstruction)  # fmt: skip
