"""Generative adversarial networks: implicit models, a sampler trained against a critic.

A generator G maps noise z ~ p(z) to a sample x = G(z), and defines no density
p(x) to evaluate; a discriminator (critic) D is trained to tell G's samples
from the data, and G to fool it:

    min_G max_D  E_data[ log D(x) ] + E_z[ log(1 - D(G(z))) ]

One paper per file, each holding only what it adds (its objective,
regulariser and settings) with the equation in its docstring, on the shared
``networks`` and the shared adversarial loop (``tinygen.train.adversarial``):

    gan      GAN (Goodfellow et al., 2014): the minimax loss, and the non-saturating generator loss
    wgan     WGAN (Arjovsky et al., 2017): the Wasserstein critic, kept Lipschitz by weight clipping
    wgan_gp  WGAN-GP (Gulrajani et al., 2017): the gradient penalty instead of clipping
    cgan     the conditional GAN (Mirza & Osindero, 2014): both networks given the label
    unrolled the Unrolled GAN (Metz et al., 2017): G's loss against D unrolled K differentiable steps ahead
    infogan  InfoGAN (Chen et al., 2016): a latent code made readable by a mutual-information bound
    ebgan    EBGAN (Zhao et al., 2017): an autoencoder's reconstruction error as the energy, a margin, pulling away
    began    BEGAN (Berthelot et al., 2017): an autoencoder discriminator held in balance by the controller k_t
    progressive  Progressive GAN (Karras et al., 2018): both networks grown 7x7 -> 14x14 -> 28x28, each new
             block faded in; WGAN-GP with a drift term (its networks: ``progressive_networks``)

DCGAN (Radford et al., 2016) is an architecture, not an objective: its
generator and discriminator are in ``networks``, trained with any of these.

A model offers ``discriminator_loss(real, fake)`` and ``generator_loss(fake)``
(each -> (scalar, {name: value})), ``after_critic_step()``, ``n_critic``
and ``optimizers()`` with its paper's settings; ``sample(n)`` draws from G
and ``loss(x)`` is both players' losses on a batch, for logging.

Imports: ``models.base`` and what ``tinygen.models`` may import (see there).
"""
from .began import BEGAN
from .cgan import ConditionalGAN
from .ebgan import EBGAN
from .gan import GAN, NonSaturatingGAN
from .infogan import InfoGAN
from .networks import (AutoencoderDiscriminator, DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator,
                       dcgan_init_)  # fmt: skip
from .progressive import ProgressiveGAN
from .progressive_networks import ProgressiveDiscriminator, ProgressiveGenerator
from .unrolled import UnrolledGAN, UnrolledNonSaturatingGAN
from .wgan import WGAN
from .wgan_gp import WGANGP

__all__ = ["GAN", "WGAN", "WGANGP", "ConditionalGAN", "InfoGAN", "EBGAN", "BEGAN", "AutoencoderDiscriminator",
           "DCGANDiscriminator", "DCGANGenerator", "MLPDiscriminator", "MLPGenerator", "NonSaturatingGAN", "UnrolledGAN",
           "UnrolledNonSaturatingGAN", "ProgressiveGAN", "ProgressiveDiscriminator", "ProgressiveGenerator",
           "dcgan_init_"]  # fmt: skip
