"""StarGAN (Choi et al., 2018): one generator for translations among many domains, told the target domain.

CycleGAN needs a pair of generators for every pair of domains. StarGAN has
one, G(x, c), that takes the image x and the target domain c, a vector of k
binary attributes (CelebA's black hair, blond, male, young, ...; here thick
and slanted strokes, ``tinygen.data.attributes``), given to G as k constant
feature maps beside x. One discriminator D has two heads on a shared trunk:
D_src(x), a PatchGAN map of real/fake scores, and D_cls(x), k logits of the
attributes. With c the attributes of the real image x and c' a target:

    L_adv     = E_x[ D_src(x) ] - E_{x,c'}[ D_src(G(x, c')) ]
                - lambda_gp E_x^[ (||grad_x^ D_src(x^)||_2 - 1)^2 ]             (WGAN-GP, x^ between x and G(x, c'))
    L_cls^r   = E_{x,c}[ -log D_cls(c | x) ]             the classifier learns the attributes on real images
    L_cls^f   = E_{x,c'}[ -log D_cls(c' | G(x, c')) ]    G must produce images the classifier reads as c'
    L_rec     = E_{x,c,c'}[ ||x - G(G(x, c'), c)||_1 ]   translating back to c restores x: G changes only
                                                         what c' asks for (the cycle loss, with one generator)

    L_D = -L_adv + lambda_cls L_cls^r
    L_G =  L_adv + lambda_cls L_cls^f + lambda_rec L_rec

-log D_cls(c | x) of a multi-label vector is the sum over the k attributes of
the binary cross-entropy of each logit, averaged over the batch (the paper's
CelebA setting). D_src's mean runs over every patch of every image; the
penalty's gradient is that of the map's sum (``gan.wgan_gp.gradient_penalty``).
The targets c' are the batch's own attribute vectors shuffled, so every
domain is a target as often as it occurs in the data (as the authors' code
does). The paper's settings: lambda_cls = 1, lambda_rec = 10, lambda_gp = 10,
n_critic = 5 critic steps per generator step, Adam lr 1e-4, betas (0.5, 0.999).
"""
from ... import optim
from ...autograd import no_grad
from ...creation import tensor
from ...nn import Conv2d, Module
from ...ops import binary_cross_entropy_with_logits
from ...random import generator
from ..base import GenerativeModel, Phase
from ..gan.wgan_gp import gradient_penalty
from .networks import PatchDiscriminator

ADAM = {"lr": 1e-4, "betas": (0.5, 0.999)}


class AttributeDiscriminator(Module):
    """D(x) -> (D_src: PatchGAN scores (N, 1, 7, 7), D_cls: attribute logits (N, k)), two heads on one trunk.

    The classifier head is a convolution as large as the trunk's 7x7 map: it reads the whole image.
    """

    def __init__(self, num_attributes, channels=1, width=16):
        super().__init__()
        self.patches = PatchDiscriminator(channels, width, normalize=False)  # the paper's critic has no norm
        self.classifier = Conv2d(4 * width, num_attributes, 7)

    def forward(self, x):
        features = self.patches.features(x)
        return self.patches.head(features), self.classifier(features).flatten(1)


class StarGAN(GenerativeModel):
    """``generator(x, condition)`` -> images; ``discriminator(x)`` -> (patch scores, attribute logits (N, k))."""

    conditional = True  # each batch brings the attribute vectors c of its images

    def __init__(self, generator, discriminator, num_attributes, classification_weight=1.0,
                 reconstruction_weight=10.0, penalty_weight=10.0, n_critic=5):  # fmt: skip
        super().__init__()
        self.generator, self.discriminator, self.num_attributes = generator, discriminator, num_attributes
        self.n_critic = n_critic
        self.classification_weight, self.reconstruction_weight = classification_weight, reconstruction_weight
        self.penalty_weight = penalty_weight

    def phases(self, lr=ADAM["lr"]):
        """{"discriminator": every batch, "generator": every n_critic-th batch}, each with the paper's Adam."""
        return {"discriminator": Phase(self.discriminator_loss, optim.Adam(self.discriminator.parameters(), lr=lr, betas=ADAM["betas"])),
                "generator": Phase(self.generator_loss, optim.Adam(self.generator.parameters(), lr=lr, betas=ADAM["betas"]),
                                   every=self.n_critic)}  # fmt: skip

    # ---- translation ---------------------------------------------------------------------
    def _attributes(self, c, n):
        if c is None or c.shape != (n, self.num_attributes):
            raise ValueError(f"StarGAN needs each image's {self.num_attributes} attributes: c of shape "
                             f"({n}, {self.num_attributes}) with values 0 or 1, got {None if c is None else c.shape}")  # fmt: skip
        return c.to(self.dtype)

    def translate(self, x, c):
        """G(x, c): the images x given the attributes c (N, k)."""
        return self.generator(x, self._attributes(c, x.shape[0]))

    def target_attributes(self, c):
        """c' for a batch: its own attribute vectors in a random order (tinygen's generator)."""
        return c[tensor(generator().permutation(c.shape[0]), device=c.device)]

    def sample(self, n):
        raise TypeError("StarGAN translates images, it draws none from noise: use translate(x, c)")

    # ---- the losses ----------------------------------------------------------------------
    def classification_loss(self, logits, c):
        """-log D_cls(c | x): the binary cross-entropies of the k attributes, summed, averaged over the batch."""
        return binary_cross_entropy_with_logits(logits, c, reduction="sum") / logits.shape[0]

    def discriminator_loss(self, x, c, target=None, eps=None):
        """L_D = -L_adv + lambda_cls L_cls^r, on G(x, c') without gradient to G; -> (loss, terms).

        ``target`` c' and the penalty's ``eps`` are drawn if None (given, they reproduce a step).
        """
        c = self._attributes(c, x.shape[0])
        target = self.target_attributes(c) if target is None else target
        with no_grad():
            fake = self.translate(x, target)
        real_scores, real_logits = self.discriminator(x)
        fake_scores, _ = self.discriminator(fake)
        wasserstein = real_scores.mean() - fake_scores.mean()
        classification = self.classification_loss(real_logits, c)
        penalty = gradient_penalty(lambda images: self.discriminator(images)[0], x, fake, eps)
        loss = -wasserstein + self.penalty_weight * penalty + self.classification_weight * classification
        return loss, {"d_loss": loss, "wasserstein": wasserstein, "gradient_penalty": penalty,
                      "d_classification_real": classification}  # fmt: skip

    def generator_loss(self, x, c, target=None):
        """L_G = -E[D_src(G(x, c'))] + lambda_cls L_cls^f + lambda_rec L_rec; -> (loss, terms)."""
        c = self._attributes(c, x.shape[0])
        target = self.target_attributes(c) if target is None else target
        fake = self.translate(x, target)
        fake_scores, fake_logits = self.discriminator(fake)
        adversarial = -fake_scores.mean()
        classification = self.classification_loss(fake_logits, target)
        reconstruction = (x - self.translate(fake, c)).abs().mean()
        loss = adversarial + self.classification_weight * classification + self.reconstruction_weight * reconstruction
        return loss, {"g_loss": loss, "g_adversarial": adversarial, "g_classification_fake": classification,
                      "reconstruction": reconstruction}  # fmt: skip

    def loss(self, x, c):
        """Both players' losses on a batch, summed, with their terms (for logging; training steps them in turn)."""
        target = self.target_attributes(self._attributes(c, x.shape[0]))
        (d_loss, d_terms), (g_loss, g_terms) = self.discriminator_loss(x, c, target), self.generator_loss(x, c, target)
        return d_loss + g_loss, d_terms | g_terms
