"""The conditional GAN (Mirza & Osindero, 2014): generator and discriminator both given the label y.

    min_G max_D  E_{(x, y) ~ p_data}[ log D(x | y) ] + E_{z, y}[ log(1 - D(G(z | y) | y)) ]

Both networks see y, so G learns p(x | y) for every class and D judges
whether x is a plausible example *of class y*: a digit that is a good 3
but was asked to be a 7 is rejected. Here y enters each network as a learned
embedding (``Embedding(num_classes, embed_dim)``, one per network),
concatenated to z in G and to the image in D (see ``networks``: the networks
are built with ``condition_dim=embed_dim``). The generator's loss is the
non-saturating one; at sampling time the labels choose the digits. Another
condition (a caption's embedding, GAN-CLS) comes in through ``embeddings``:
each player's map from the condition to the vector its network reads.
"""
from ...nn import Embedding
from ..base import check_labels, cycled_labels
from .gan import NonSaturatingGAN


class ConditionalGAN(NonSaturatingGAN):
    """``generator(z, condition)`` and ``discriminator(x, condition)``, the condition a label's embedding."""

    conditional = True

    def __init__(self, generator, discriminator, latent_dim, num_classes=10, embed_dim=10, embeddings=None):
        """``embeddings``: (G's, D's) modules from the condition to their networks' input; default an
        ``Embedding(num_classes, embed_dim)`` of the label each."""
        super().__init__(generator, discriminator, latent_dim)
        self.num_classes = num_classes
        if embeddings is None:
            embeddings = Embedding(num_classes, embed_dim), Embedding(num_classes, embed_dim)
        self.generator_embedding, self.discriminator_embedding = embeddings

    def optimizers(self, lr=2e-4):
        d_optimizer, g_optimizer = super().optimizers(lr)
        # The embeddings belong to the player whose network reads them.
        d_optimizer.add_param_group({"params": list(self.discriminator_embedding.parameters())})
        g_optimizer.add_param_group({"params": list(self.generator_embedding.parameters())})
        return d_optimizer, g_optimizer

    def _labels(self, labels, n):
        return check_labels(labels, n, self.num_classes)

    def generate(self, z, labels=None, generator=None):
        condition = self.generator_embedding(self._labels(labels, z.shape[0]))
        return (generator or self.generator)(z, condition)

    def critic(self, x, labels=None):
        return self.discriminator(x, self.discriminator_embedding(self._labels(labels, x.shape[0])))

    def cycled_labels(self, n):
        return cycled_labels(n, self.num_classes, self.device)

    def sample(self, n, labels=None, generator=None):
        """n samples of the classes ``labels`` (N,); by default ``cycled_labels(n)``."""
        return super().sample(n, self.cycled_labels(n) if labels is None else labels, generator)
