"""The adversarial autoencoder (Makhzani, Shlens, Jaitly, Goodfellow and Frey, 2016).

An autoencoder whose aggregated posterior, the distribution of all codes,

    q(z) = integral of q(z | x) p_data(x) dx,

is matched to a prior p(z) by a GAN played in code space: the encoder is the
generator, a discriminator D on codes tells z ~ p(z) (real) from z ~ q(z | x)
(fake). Each minibatch takes three steps, in order:

    1. reconstruction   encoder and decoder minimise  E_x E_q(z|x)[ c(x, z) ],  c = -log p(x | z)
    2. regularisation   D minimises  L_D = -E_p(z)[ log D(z) ] - E_q(z)[ log(1 - D(z)) ]
       (discriminator)
    3. regularisation   the encoder minimises  L_G = -E_q(z)[ log D(z) ]
       (generator)      (the non-saturating loss of ``tinygen.models.gan``)

At the game's equilibrium q(z) = p(z), the Jensen-Shannon divergence between
them is zero, and decoding z ~ p(z) gives data. Where a VAE's KL term pulls
every q(z | x) towards p(z), here only their mixture is constrained, and
p(z) needs no density: a mixture of 10 Gaussians on a ring or a swiss roll
(``priors``) works as well as N(0, I).

The label-conditioned variant (``num_classes``, the paper's figure 6): D
also sees the one-hot label y, and the real codes for label y are drawn from
p(z)'s y-th mode, so the encoder learns to send each digit to its own mode.

Settings: Adam for every phase, lr 1e-3 (reconstruction) and DCGAN's 2e-4,
beta1 0.5 (both players of the regularisation game); the paper trained with
SGD and momentum. D's logits give stable logs: log D = -softplus(-l),
log(1 - D) = -softplus(l).
"""
from ... import optim
from ...autograd import no_grad
from ...ops import sigmoid, softplus
from ..vae.likelihoods import BernoulliLikelihood
from .autoencoder import CodeAutoencoder, Phase

ADVERSARY_ADAM = {"lr": 2e-4, "betas": (0.5, 0.999)}


class AdversarialAutoencoder(CodeAutoencoder):
    """``discriminator``: codes (N, dim) [, one-hot labels (N, num_classes)] -> logits (N,), e.g. the GANs'
    ``MLPDiscriminator((dim,), hidden_sizes, condition_dim=num_classes)``. See the module docstring."""

    def __init__(self, encoder, decoder, discriminator, prior, image_shape, likelihood=BernoulliLikelihood(),
                 deterministic=False, num_classes=0):  # fmt: skip
        super().__init__(encoder, decoder, prior, image_shape, likelihood, deterministic)
        if num_classes and prior.num_modes != num_classes:
            raise ValueError(f"{type(self).__name__}: a label-conditioned autoencoder sends each of its {num_classes} "
                             f"classes to a mode of the prior, and {prior} has {prior.num_modes or 'no'} modes; "
                             f"use a prior with {num_classes} modes (ring_of_gaussians, swiss_roll_prior)")  # fmt: skip
        self.discriminator, self.num_classes = discriminator, num_classes

    @property
    def conditional(self):
        return self.num_classes > 0

    def phases(self, lr=1e-3):
        """{name: Phase(loss, optimizer)} in the order of each step; ``lr`` the reconstruction's learning rate."""
        autoencoder = [*self.encoder.parameters(), *self.decoder.parameters()]
        return {"reconstruction": Phase(self.reconstruction_loss, optim.Adam(autoencoder, lr=lr)),
                "discriminator": Phase(self.discriminator_loss, optim.Adam(self.discriminator.parameters(), **ADVERSARY_ADAM)),
                "regularization": Phase(self.regularization_loss, optim.Adam(self.encoder.parameters(), **ADVERSARY_ADAM))}  # fmt: skip

    def critic(self, z, labels=None):
        """D's logit for each code, (N,); a label-conditioned D also sees the one-hot labels."""
        if self.conditional != (labels is not None):
            raise ValueError(f"{type(self).__name__}: labels are needed exactly when num_classes > 0 "
                             f"(num_classes {self.num_classes}, labels {'given' if labels is not None else 'none'})")  # fmt: skip
        return self.discriminator(z) if labels is None else self.discriminator(z, self.one_hot(labels, self.num_classes))

    # ---- the three phases ------------------------------------------------------------------
    def reconstruction_loss(self, x, labels=None):
        """1/N sum_n c(x_n, z_n), z_n ~ q(z | x_n); -> (loss, terms)."""
        loss = self.reconstruction_cost(x, self.encode(x)).mean()
        return loss, {"reconstruction": loss}

    def discriminator_loss(self, x, labels=None):
        """L_D on prior draws (real) and codes of x (fake, no gradient to the encoder); -> (loss, terms)."""
        with no_grad():
            fake = self.encode(x)
        real_logits, fake_logits = self.critic(self.prior_sample(x.shape[0], labels), labels), self.critic(fake, labels)
        loss = softplus(-real_logits).mean() + softplus(fake_logits).mean()
        return loss, {"d_loss": loss, "d_real": sigmoid(real_logits).mean(), "d_fake": sigmoid(fake_logits).mean()}

    def regularization_loss(self, x, labels=None):
        """L_G = -1/N sum_n log D(z_n), z_n ~ q(z | x_n): the encoder as the generator; -> (loss, terms)."""
        loss = softplus(-self.critic(self.encode(x), labels)).mean()
        return loss, {"g_loss": loss}

    def loss(self, x, labels=None):
        """The three phases' losses summed, with all their terms (for logging; training steps them in turn)."""
        losses, terms = zip(*(phase(x, labels) for phase in
                              (self.reconstruction_loss, self.discriminator_loss, self.regularization_loss)))  # fmt: skip
        return sum(losses), {name: value for group in terms for name, value in group.items()}
