"""Unpaired image-to-image translation: generators that map images of one domain to another.

Two domains A and B show the same things in two looks (here: MNIST's pen
strokes and the UCI digits' blocky 8x8 bitmaps scaled up). No image of A
comes with its counterpart in B: the data are two unpaired sets. A
generator G: A -> B trained only against a discriminator of B would learn
*some* map onto B's look, and nothing ties G(a) to a: any permutation of B
fools D as well. The models here add the tie:

    cyclegan   CycleGAN (Zhu et al., 2017): G: A -> B and F: B -> A, least-squares GAN losses, and cycle
               consistency F(G(a)) ~ a, G(F(b)) ~ b in L1; an identity loss as an option
    discogan   DiscoGAN (Kim et al., 2017): the same two generators with reconstruction losses on both
               sides, the standard (cross-entropy) GAN loss, and no history of fakes
    stargan    StarGAN (Choi et al., 2018): one generator G(x, c) for many domains, told the target
               attributes c; a critic with an attribute-classifier head, WGAN-GP, reconstruction
               G(G(x, c'), c) ~ x; here between thin/thick and upright/slanted digits (``data.attributes``)

Shared: ``networks`` (a residual generator, a PatchGAN discriminator) and
``cycle`` (the two-generator frame, its phases and losses, the pieces a paper chooses). A
model is a conditional generator, x_B = G(x_A), not a sampler from noise:
``translate_ab(a)``, ``translate_ba(b)``. It names its training phases
(``phases(lr)``: {name: Phase(loss, optimizer)}), which
``tinygen.train.autoencoding.fit_in_phases`` steps in turn on batches
((a, b), labels) of ``tinygen.data.UnpairedLoader`` (the labels are never
passed to the model: they are for evaluation only).

Imports: ``models.base``, ``models.gan`` (DCGAN's initialisation) and what
``tinygen.models`` may import (see there).
"""
from .cycle import CycleTranslation
from .cyclegan import CycleGAN, ImageHistory
from .discogan import DiscoGAN
from .networks import PatchDiscriminator, ResidualBlock, ResidualGenerator, with_condition_maps
from .stargan import AttributeDiscriminator, StarGAN

__all__ = ["AttributeDiscriminator", "CycleGAN", "CycleTranslation", "DiscoGAN", "ImageHistory", "PatchDiscriminator",
           "ResidualBlock", "ResidualGenerator", "StarGAN", "with_condition_maps"]  # fmt: skip
