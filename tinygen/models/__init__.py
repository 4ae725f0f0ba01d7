"""Generative models, grouped by family, one paper per file, each with its equation in its docstring.

``base`` states what every model offers (``GenerativeModel``: ``loss``,
``sample``, ``device``, ``dtype``; explicit densities add ``log_prob``). The
families:

    autoregressive   the chain rule p(x) = prod_d p(x_d | x_<d): independent pixels, FVSBN,
                     NADE, RNADE, PixelCNN, PixelRNN
    vae              the variational autoencoder, trained on the ELBO
    gan              generators trained against a critic
    hybrid           between the two: autoencoders whose code distribution is matched to a prior by an
                     adversary or an MMD (adversarial autoencoder, WAE-MMD, WAE-GAN)
    diffusion        denoising diffusion: DDPM (forward process, L_simple, the bound), DDIM sampling
    translation      image-to-image translation between domains: CycleGAN, DiscoGAN (two), StarGAN (many)
    text_to_image    images from sentences: GAN-CLS and GAN-INT-CLS on a caption encoder trained by matching
    part_to_whole    the whole image from a few of its patches, placed without being told where: Puzzle-GAN

``class_conditional`` turns any explicit density into a generative classifier:
one density per class and Bayes' rule.

A model is chosen by importing it, e.g.
``from tinygen.models.autoregressive import NADE`` or
``from tinygen.models.vae import mlp_vae``; networks and training loops are shared.

Imports: ``tinygen.nn``, ``ops``, ``distributions``, ``creation``,
``autograd`` and ``backend``; never ``tinygen.kernels`` (the ops wrap them) or
``tinygen.train`` (the loops use the models, not the other way round).
"""
