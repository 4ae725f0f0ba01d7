"""Between VAEs and GANs: autoencoders whose codes are matched to a prior by something other than a per-example KL.

They get a family of their own because they are neither: like a VAE they
encode and decode (``tinygen.models.vae``'s encoders, decoders and
likelihoods), like a GAN they may train an adversary (``tinygen.models.gan``'s
discriminators), and what they change is the distance between the codes and
the prior. Importing from both families, they sit beside them, not in one.

    VAE       E_q[ -log p(x|z) ] + KL( q(z|x) || p(z) ) per example        (for contrast: ``models.vae``)
    aae       the adversarial autoencoder (Makhzani et al., 2016): a GAN on codes pulls the aggregated
              posterior q(z) towards p(z) (Jensen-Shannon); any prior we can sample from
    wae       the Wasserstein autoencoder (Tolstikhin et al., 2018): reconstruction + lambda D(q(z), p(z)),
              with D an MMD (WAE-MMD) or an adversary (WAE-GAN); why q(z), not each q(z|x)
    vaegan    VAE/GAN (Larsen et al., 2016): the VAE's decoder is a GAN's generator, and reconstructions are
              judged in the discriminator's features instead of pixels

Shared: ``autoencoder`` (the encoder/decoder around codes, the reconstruction
cost, ``Phase``), ``priors`` (N(0, I), a ring of 10 Gaussians, a swiss roll).
Each model names its training phases (``phases(lr)``: {name: Phase(loss,
optimizer)}), which ``tinygen.train.autoencoding`` steps in turn; VAE/GAN's
one is a ``JointPhase`` (``models.base``): its three networks from one forward pass.

Imports: ``models.base``, ``models.vae`` and what ``tinygen.models`` may import (see there).
"""
from .aae import AdversarialAutoencoder
from .autoencoder import CodeAutoencoder, Phase
from .priors import StandardGaussian, ToyPrior, ring_of_gaussians, swiss_roll_prior
from .vaegan import VAEGAN
from .wae import WAEGAN, WAEMMD, InverseMultiquadratic, mmd_unbiased, prior_kernel

__all__ = [
    "AdversarialAutoencoder", "CodeAutoencoder", "InverseMultiquadratic", "Phase", "StandardGaussian", "ToyPrior",
    "VAEGAN", "WAEGAN", "WAEMMD", "mmd_unbiased", "prior_kernel", "ring_of_gaussians", "swiss_roll_prior",
]  # fmt: skip
