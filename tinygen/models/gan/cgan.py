"""The conditional GAN (Mirza & Osindero, 2014): generator and discriminator both given the label y.

    min_G max_D  E_{(x, y) ~ p_data}[ log D(x | y) ] + E_{z, y}[ log(1 - D(G(z | y) | y)) ]

Both networks see y, so G learns p(x | y) for every class and D judges
whether x is a plausible example *of class y*: a digit that is a good 3
but was asked to be a 7 is rejected. Here y enters each network as a learned
embedding (``Embedding(num_classes, embed_dim)``, one per network),
concatenated to z in G and to the image in D (see ``networks``: the networks
are built with ``condition_dim=embed_dim``). The generator's loss is the
non-saturating one; at sampling time the labels choose the digits.
"""
import numpy

from ...creation import tensor
from ...nn import Embedding
from .gan import NonSaturatingGAN


class ConditionalGAN(NonSaturatingGAN):
    """``generator(z, condition)`` and ``discriminator(x, condition)``, the condition a label's embedding."""

    conditional = True

    def __init__(self, generator, discriminator, latent_dim, num_classes=10, embed_dim=10):
        super().__init__(generator, discriminator, latent_dim)
        self.num_classes = num_classes
        self.generator_embedding = Embedding(num_classes, embed_dim)
        self.discriminator_embedding = Embedding(num_classes, embed_dim)

    def optimizers(self, lr=2e-4):
        d_optimizer, g_optimizer = super().optimizers(lr)
        # The embeddings belong to the player whose network reads them.
        d_optimizer.add_param_group({"params": list(self.discriminator_embedding.parameters())})
        g_optimizer.add_param_group({"params": list(self.generator_embedding.parameters())})
        return d_optimizer, g_optimizer

    def _labels(self, labels, n):
        if labels is None:
            raise ValueError("the conditional GAN needs the labels y of its examples: pass labels=... (N,) class indices")
        if labels.shape != (n,):
            raise ValueError(f"labels must be (N,) = ({n},) class indices, got shape {labels.shape}")
        if labels.dtype.kind not in "iu":
            raise TypeError(f"labels must be integer class indices, got dtype {labels.dtype}: convert with .long()")
        if n and not 0 <= int(labels.min()) <= int(labels.max()) < self.num_classes:  # -1 would wrap to the last class
            raise ValueError(f"labels must be class indices in [0, {self.num_classes}), got values from "
                             f"{int(labels.min())} to {int(labels.max())}")
        return labels

    def generate(self, z, labels=None, generator=None):
        condition = self.generator_embedding(self._labels(labels, z.shape[0]))
        return (generator or self.generator)(z, condition)

    def critic(self, x, labels=None):
        return self.discriminator(x, self.discriminator_embedding(self._labels(labels, x.shape[0])))

    def cycled_labels(self, n):
        """0, 1, ..., num_classes - 1, 0, 1, ... (n,): every class in turn, a grid row of each."""
        return tensor(numpy.arange(n) % self.num_classes, device=self.device)

    def sample(self, n, labels=None, generator=None):
        """n samples of the classes ``labels`` (N,); by default ``cycled_labels(n)``."""
        return super().sample(n, self.cycled_labels(n) if labels is None else labels, generator)
