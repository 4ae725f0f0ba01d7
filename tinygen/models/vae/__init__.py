"""Variational autoencoders: explicit models whose density is an integral, trained on a lower bound of it.

    log p(x) >= ELBO(x) = E_q(z|x)[ log p(x | z) ] - KL( q(z | x) || p(z) )

``vae`` is the model and its objective (``VAE``, built from the encoder,
decoder and likelihood it is given; the ELBO; the importance-weighted
estimate of log p(x)); ``networks`` the MLP and convolutional encoders and
decoders, with the factories ``mlp_vae`` and ``conv_vae``; ``likelihoods``
what the decoder's outputs mean (``BernoulliLikelihood``,
``GaussianLikelihood``). A variant (beta-VAE, IWAE, ...) gets a file of its
own holding only the objective it changes.

Imports: ``models.base`` and what ``tinygen.models`` may import (see there).
"""
from .likelihoods import BernoulliLikelihood, GaussianLikelihood
from .networks import ConvDecoder, ConvEncoder, MLPDecoder, MLPEncoder, conv_vae, mlp_vae
from .vae import ELBO, VAE

__all__ = [
    "ELBO",
    "VAE",
    "BernoulliLikelihood",
    "ConvDecoder",
    "ConvEncoder",
    "GaussianLikelihood",
    "MLPDecoder",
    "MLPEncoder",
    "conv_vae",
    "mlp_vae",
]
