"""BEGAN (Berthelot, Schumm & Metz, 2017): an autoencoder discriminator kept in balance with its generator.

As in EBGAN, D is an autoencoder (``networks.AutoencoderDiscriminator``) and
its reconstruction loss, here the L1 error averaged over the pixels,

    L(v) = mean |v - D(v)|,

is the score. D reconstructs the data well and the samples badly; G makes
samples that D reconstructs well:

    L_D = L(x) - k_t L(G(z)),        L_G = L(G(z)),
    k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1),    k_0 = 0.

k_t is a proportional controller. The equilibrium sought is E[L(G(z))] =
gamma E[L(x)]: when samples are reconstructed too well (L(G(z)) < gamma L(x))
k grows and D puts more effort into rejecting them; when too badly, k
shrinks and D returns to reconstructing data. gamma, the diversity ratio,
trades diversity (higher) for quality (lower). The balance also gives a
convergence measure, which the paper proposes as a training curve that
follows quality:

    M_global = L(x) + |gamma L(x) - L(G(z))|.

The adversarial loop takes D's step on (x, G(z)) and then ``after_critic_step``
updates k with the L values of that step (before D moved), on the same batch
G is trained with. k is a buffer, saved in checkpoints so a resumed run goes
on with the same k. Settings: lambda_k = 0.001, gamma = 0.5, Adam with lr 1e-4
(the paper) and beta1 0.5 for both players.

The ratio cannot see every collapse. L1 error grows with the detail an image
has, and on digits with its ink: a 1 has 0.58 of the average digit's. A
generator of ones, reconstructed as well as the data, is at a ratio near 0.58,
in balance for gamma = 0.5: k stays near 0, D never pushes the samples away,
and on MNIST at a budget of minutes G drew ones, or one grey image, at every
gamma <= 0.7 tried. The paper's faces carry similar detail; digits do not.
``began_mnist`` therefore asks for gamma = 1 (equal errors) and, for its 945
steps against the paper's ~10^5, a gain lambda_k 10 or more times the paper's
(benchmarks/results/ebgan-began-fixed-2026-12-02.md).
"""
from ... import optim
from ...autograd.grad_mode import no_grad
from ...creation import tensor
from .gan import GAN


class BEGAN(GAN):
    """``autoencoder`` maps x to its reconstruction (same shape); ``gamma`` the diversity ratio, ``lambda_k`` k's gain."""

    def __init__(self, generator, autoencoder, latent_dim, gamma=0.5, lambda_k=1e-3):
        super().__init__(generator, autoencoder, latent_dim)
        if not 0 < gamma <= 1:
            raise ValueError(f"BEGAN: gamma, the ratio E[L(G(z))] / E[L(x)] to keep, must be in (0, 1], got {gamma!r}")
        if not lambda_k >= 0:
            raise ValueError(f"BEGAN: lambda_k must be >= 0, got {lambda_k!r}")
        self.gamma, self.lambda_k = gamma, lambda_k
        self.register_buffer("k", tensor(0.0))  # k_t
        self._balance = None  # gamma L(x) - L(G(z)) of D's last step

    def optimizers(self, lr=1e-4):
        return (optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.5, 0.999)),
                optim.Adam(self.generator.parameters(), lr=lr, betas=(0.5, 0.999)))  # fmt: skip

    def reconstruction_loss(self, x):
        """L(x), (N,): each example's mean absolute reconstruction error."""
        return (x - self.discriminator(x)).abs().flatten(1).mean(1)

    def critic(self, x, labels=None):
        return self.reconstruction_loss(x)

    def discriminator_loss(self, real, fake, labels=None):
        """L_D = L(x) - k_t L(G(z)); the terms add k_t, the ratio L(G(z)) / L(x) and M_global."""
        loss_real, loss_fake = self.reconstruction_loss(real).mean(), self.reconstruction_loss(fake).mean()
        loss = loss_real - self.k * loss_fake
        balance = self.gamma * loss_real.item() - loss_fake.item()
        self._balance = balance
        return loss, {"d_loss": loss, "loss_real": loss_real, "loss_fake": loss_fake, "k": self.k.item(),
                      "ratio": loss_fake.item() / loss_real.item(), "m_global": loss_real.item() + abs(balance)}  # fmt: skip

    def after_critic_step(self):
        """k_{t+1} = clip(k_t + lambda_k (gamma L(x) - L(G(z))), 0, 1), with the L values of D's last step."""
        if self._balance is None:
            raise RuntimeError("BEGAN.after_critic_step updates k from the last discriminator_loss: call that first")
        with no_grad():
            self.k.copy_(min(max(self.k.item() + self.lambda_k * self._balance, 0.0), 1.0))
        self._balance = None

    def generator_loss(self, fake, labels=None):
        """L_G = L(G(z))."""
        loss = self.reconstruction_loss(fake).mean()
        return loss, {"g_loss": loss}
