"""Part-to-whole generation: the whole image from a few of its pieces, placed without being told where.

    puzzle   Puzzle-GAN (Lee et al., 2018): key patches -> a shared part encoder, codes summed -> the whole
             image and a mask of where the patches belong; spatial (mask), appearance (the patches where the
             mask puts them) and adversarial losses, the discriminator also shown real parts on wrong wholes

The patches come from ``tinygen.data.patches`` (``cut_patches``, ``PatchLoader``); the model names its
training phases (``phases(lr)``), which ``tinygen.train.autoencoding.fit_in_phases`` steps in turn.

Imports: ``models.base``, ``models.gan`` (DCGAN's decoder and initialisation) and what ``tinygen.models``
may import (see there).
"""
from .puzzle import PartEncoder, PuzzleGAN, PuzzleGenerator

__all__ = ["PartEncoder", "PuzzleGAN", "PuzzleGenerator"]
