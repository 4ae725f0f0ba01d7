"""Generative adversarial networks: implicit models, a sampler trained against a critic. Empty for now.

A generator G maps noise z ~ p(z) to a sample x = G(z), and defines no density
p(x) to evaluate; a discriminator (critic) D is trained to tell G's samples
from the data, and G to fool it:

    min_G max_D  E_data[ log D(x) ] + E_z[ log(1 - D(G(z))) ]

What this package will hold, one paper per file, each holding only what it
adds (its objective, regulariser and settings) with the equation in its
docstring, on shared networks and the shared adversarial loop
(``tinygen.train.adversarial``): the GAN (Goodfellow et al., 2014, with the
non-saturating generator loss), DCGAN (convolutional generator and critic),
WGAN (the Wasserstein critic with weight clipping), WGAN-GP (the gradient
penalty), and the conditional GAN (cGAN, generator and critic given a label).
A model's ``loss(x)`` returns the scalar to minimise with its named terms (the
discriminator's and the generator's losses); ``sample(n)`` draws from G.

Imports: ``models.base`` and what ``tinygen.models`` may import (see there).
"""
