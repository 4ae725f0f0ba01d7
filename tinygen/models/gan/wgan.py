"""WGAN (Arjovsky, Chintala & Bottou, 2017): the Wasserstein-1 distance, estimated by a Lipschitz critic.

When p_data and p_g live on low-dimensional supports that do not overlap,
the JSD the GAN minimises is the constant log 2 and gives G no gradient. The
Earth-Mover distance still measures how far apart they are, and by the
Kantorovich-Rubinstein duality it is a supremum over 1-Lipschitz critics f:

    W(p_data, p_g) = sup_{||f||_L <= 1}  E_{x ~ p_data}[ f(x) ] - E_{z}[ f(G(z)) ].

The critic D (no sigmoid: a real-valued score) maximises that difference,
the generator minimises it:

    L_D = E[ D(G(z)) ] - E[ D(x) ],     L_G = -E[ D(G(z)) ],

and -L_D, logged as ``wasserstein``, estimates W up to the Lipschitz constant:
unlike a GAN's losses, it falls as the samples improve. To keep D Lipschitz
(K-Lipschitz for some K, which only scales W), every critic weight is
clipped into [-c, c] after each of its steps, c = 0.01. The critic is
trained n_critic = 5 steps per generator step, with RMSprop (lr 5e-5):
momentum made the critic's training unstable in the paper.
"""
from ... import optim
from ...autograd.grad_mode import no_grad
from .gan import GAN


class WGAN(GAN):
    """The Wasserstein GAN with weight clipping; ``discriminator`` is the critic, returning scores (N,)."""

    n_critic = 5

    def __init__(self, generator, critic, latent_dim, clip=0.01):
        super().__init__(generator, critic, latent_dim)
        self.clip = clip

    def optimizers(self, lr=5e-5):
        return optim.RMSprop(self.discriminator.parameters(), lr=lr), optim.RMSprop(self.generator.parameters(), lr=lr)

    def discriminator_loss(self, real, fake, labels=None):
        """L_D = E[D(G(z))] - E[D(x)]; -> (loss, terms), ``wasserstein`` = -L_D, the estimate of W."""
        real_scores, fake_scores = self.critic(real, labels).mean(), self.critic(fake, labels).mean()
        loss = fake_scores - real_scores
        return loss, {"d_loss": loss, "d_real": real_scores, "d_fake": fake_scores, "wasserstein": -loss}

    def generator_loss(self, fake, labels=None):
        """L_G = -E[D(G(z))]."""
        loss = -self.critic(fake, labels).mean()
        return loss, {"g_loss": loss}

    def after_critic_step(self):
        """Clip every critic weight into [-c, c]: a crude way to keep D Lipschitz."""
        with no_grad():
            for parameter in self.discriminator.parameters():
                parameter.clamp_(-self.clip, self.clip)
