"""Text to image: generators told by a sentence what to draw.

    encoder   the caption's embedding phi(t): word embeddings, an LSTM, the mean over words; trained with an
              image encoder on a symmetric matching loss (Reed et al., 2016a's joint embedding, in softmax form)
    gan_cls   GAN-CLS and GAN-INT-CLS (Reed et al., 2016): the conditional GAN on phi(t), a matching-aware
              discriminator that rejects real images with the wrong caption, and (INT) a generator trained
              on interpolations between captions' embeddings

The captions are written from the digits' labels and measured attributes
(``tinygen.data.captions``); the networks are DCGAN's (``models.gan.networks``),
trained by the shared adversarial loop (``tinygen.train.adversarial``).

Imports: ``models.gan`` and what ``tinygen.models`` may import (see there).
"""
from .encoder import ImageEncoder, JointEmbedding, TextEncoder
from .gan_cls import GANCLS, GANINTCLS, mismatched

__all__ = ["GANCLS", "GANINTCLS", "ImageEncoder", "JointEmbedding", "TextEncoder", "mismatched"]
