"""The GAN (Goodfellow et al., 2014): a generator and a discriminator in a two-player minimax game.

    min_G max_D V(D, G) = E_{x ~ p_data}[ log D(x) ] + E_{z ~ p(z)}[ log(1 - D(G(z))) ]

For a fixed G the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x)),
and at D* the value is V(D*, G) = -log 4 + 2 JSD(p_data || p_g): minimising it
over G minimises the Jensen-Shannon divergence, zero only at p_g = p_data.

Training alternates gradient steps (``tinygen.train.adversarial``): D ascends
V, i.e. minimises the binary cross-entropy of telling real (label 1) from
fake (label 0),

    L_D = -E[ log D(x) ] - E[ log(1 - D(G(z))) ],

and G descends V, i.e. minimises L_G = E[ log(1 - D(G(z))) ] (``GAN``). Early
in training D rejects G's samples with confidence, D(G(z)) ~ 0, where
log(1 - D) is flat: G's gradient vanishes. The paper's remedy, used in
practice, is the non-saturating loss (``NonSaturatingGAN``): G maximises
log D(G(z)) instead,

    L_G = -E[ log D(G(z)) ],

which has the same fixed point and strong gradients exactly where G is bad.

The discriminator returns a logit l, D = sigmoid(l), so the logs are computed
stably: log D = -softplus(-l), log(1 - D) = -softplus(l).

Both players' optimizers are DCGAN's Adam (lr 2e-4, beta1 0.5); one
discriminator step per generator step.
"""
from ... import optim
from ...autograd.grad_mode import no_grad
from ...creation import randn, tensor
from ...ops import sigmoid, softplus
from ..base import GenerativeModel


class GAN(GenerativeModel):
    """The minimax GAN: ``generator`` z (N, latent_dim) -> x, ``discriminator`` x -> logits (N,)."""

    n_critic = 1  # discriminator steps per generator step
    conditional = False  # the conditional GAN's networks also take labels

    def __init__(self, generator, discriminator, latent_dim):
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim

    def optimizers(self, lr=2e-4):
        """(the discriminator's, the generator's) optimizer with the paper's settings."""
        return (optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)),
                optim.Adam(self.generator.parameters(), lr=lr, betas=(0.5, 0.999)))  # fmt: skip

    # ---- the two networks ------------------------------------------------------------
    def noise(self, n, rng=None):
        """z ~ N(0, I), (n, latent_dim), on the model's device; drawn by ``rng`` (a NumPy Generator) if given."""
        if rng is None:
            return randn(n, self.latent_dim, device=self.device, dtype=self.dtype)
        return tensor(rng.standard_normal((n, self.latent_dim)), device=self.device, dtype=self.dtype)

    def generate(self, z, labels=None, generator=None):
        """G(z); ``generator`` another network of the same shape (the training loop's moving average)."""
        return (generator or self.generator)(z)

    def critic(self, x, labels=None):
        """D's logit (the Wasserstein critic's score) of each example, (N,)."""
        return self.discriminator(x)

    def sample(self, n, labels=None, generator=None):
        with no_grad():
            return self.generate(self.noise(n), labels, generator)

    # ---- the objective ---------------------------------------------------------------
    def discriminator_loss(self, real, fake, labels=None):
        """L_D = -E[log D(x)] - E[log(1 - D(G(z)))] on real and (detached) fake batches; -> (loss, terms)."""
        real_logits, fake_logits = self.critic(real, labels), self.critic(fake, labels)
        loss = softplus(-real_logits).mean() + softplus(fake_logits).mean()
        return loss, {"d_loss": loss, "d_real": sigmoid(real_logits).mean(), "d_fake": sigmoid(fake_logits).mean()}

    def generator_loss(self, fake, labels=None):
        """The minimax L_G = E[log(1 - D(G(z)))] = -E[softplus(l)]; -> (loss, terms)."""
        loss = -softplus(self.critic(fake, labels)).mean()
        return loss, {"g_loss": loss}

    def progress(self, step):
        """Told by the training loop before each step (1, 2, ...): nothing here (Progressive GAN grows)."""

    def after_critic_step(self):
        """What the objective does to D after each of its steps: nothing here (WGAN clips the weights)."""

    def loss(self, x, labels=None):
        """The game on a batch: L_D + L_G and both terms (for logging; training takes the two steps in turn)."""
        fake = self.generate(self.noise(x.shape[0]), labels)
        d_loss, d_terms = self.discriminator_loss(x, fake.detach(), labels)
        g_loss, g_terms = self.generator_loss(fake, labels)
        return d_loss + g_loss, d_terms | g_terms


class NonSaturatingGAN(GAN):
    """The GAN with the generator's non-saturating loss L_G = -E[log D(G(z))] = E[softplus(-l)]."""

    def generator_loss(self, fake, labels=None):
        loss = softplus(-self.critic(fake, labels)).mean()
        return loss, {"g_loss": loss}
