"""The Unrolled GAN (Metz, Poole, Pfau & Sohl-Dickstein, 2017): the generator plays against the discriminator's future.

With f(theta_G, theta_D) the GAN's value, the discriminator ascends f (descends
its loss L_D = -f) by gradient steps. Unroll K of them from the current
weights, on the current batch:

    theta_D^0 = theta_D,    theta_D^{k+1} = theta_D^k - eta grad_{theta_D} L_D(theta_G, theta_D^k),

and give the generator the surrogate loss f_K(theta_G, theta_D) = L_G(theta_G, theta_D^K):
its loss against the discriminator K steps ahead. Its gradient is

    d f_K / d theta_G = dL_G/d theta_G  +  dL_G/d theta_D^K . d theta_D^K / d theta_G,

and the second term is the point: how D would answer a move of G. A
generator that piles onto one mode is answered by a D that punishes that
mode, and the second term tells G so before it moves; without it (theta_D^K
treated as a constant, the "first-order" variant popular implementations
ship) G follows the gradient of one frozen, better-trained D, which still
rewards collapse. The term differentiates through the K updates, i.e.
through gradients of D's loss with respect to D's weights: each unrolled
gradient is taken with ``grad(..., create_graph=True)`` and the step
itself is a Tensor op, so theta_D^K stays a function of theta_G
(through the fake batch), and ``backward`` reaches G through all K steps.
D is then evaluated at theta_D^K with ``nn.utils.reparametrized``, which
puts those (non-leaf) tensors where D's Parameters are for the duration.

The real discriminator takes its ordinary step (the adversarial loop's
critic step; the unrolled copy never touches D's weights). The loop takes
that step first, so the unrolling starts from the updated D, on the same
real batch and the same fake batch (the batch D last saw is kept for it),
as Metz et al.'s own toy code unrolls on the step's batch. K = 0 is the
plain GAN.

Which steps: by default D's own optimizer's, as in the paper: Adam, from
its current moments m and v, at its own rate (``Optimizer.differentiable_step``,
the same rule as ``step`` written in Tensor ops). Its step
eta m_hat / (sqrt(v_hat) + eps) moves each weight by about eta, and its
derivative in the gradient is about eta (1 - beta1) / sqrt(v_hat): the
sensitivity of an SGD step whose rate is scaled to each weight's gradient.
``unroll_lr`` a number unrolls plain SGD steps theta - eta g at that rate
instead (one rate for every weight; the variant first written here, kept
to compare). Cost: each generator step runs K extra forward and
double-backward passes of D, and G's backward pass goes back through all
of them.
"""
from ... import optim
from ...autograd.engine import grad
from ...nn.utils import reparametrized
from .gan import GAN, NonSaturatingGAN


class UnrolledGAN(GAN):
    """The minimax GAN whose generator's loss is taken against D unrolled ``unroll_steps`` steps ahead.

    The steps are D's own optimizer's (Adam, from its current moments), or SGD at rate ``unroll_lr`` if given.
    """

    def __init__(self, generator, discriminator, latent_dim, unroll_steps=5, unroll_lr=None):
        super().__init__(generator, discriminator, latent_dim)
        if not isinstance(unroll_steps, int) or unroll_steps < 0:
            raise ValueError(f"UnrolledGAN: unroll_steps must be an integer >= 0 (0 is the plain GAN), got {unroll_steps!r}")
        if unroll_lr is not None and not unroll_lr > 0:
            raise ValueError(f"UnrolledGAN: unroll_lr must be > 0 (or None: D's own optimizer), got {unroll_lr!r}")
        self.unroll_steps, self.unroll_lr = unroll_steps, unroll_lr
        self.d_optimizer = None  # D's optimizer, kept by ``optimizers``: the unrolled steps continue its state
        self._batch = None  # (real, labels) of D's last step: the unrolled steps replay it

    def optimizers(self, lr=2e-4):
        """GAN's pair; D's is kept, for the unrolled steps to continue from its state."""
        self.d_optimizer, g_optimizer = super().optimizers(lr)
        return self.d_optimizer, g_optimizer

    def discriminator_loss(self, real, fake, labels=None):
        self._batch = (real, labels)
        return super().discriminator_loss(real, fake, labels)

    def unrolling_optimizer(self):
        """Whose steps are unrolled: SGD at ``unroll_lr``, else D's optimizer (the paper's choice)."""
        if self.unroll_lr is not None:
            return optim.SGD(self.discriminator.parameters(), lr=self.unroll_lr)
        if self.d_optimizer is None:
            raise RuntimeError("UnrolledGAN unrolls D's own optimizer: create it with model.optimizers() first "
                               "(the adversarial loop does), or give unroll_lr for SGD steps")  # fmt: skip
        return self.d_optimizer

    def unroll(self, real, fake, labels=None, create_graph=True):
        """theta_D^K, {name: tensor}: K differentiable steps on L_D(real, fake) from D's weights.

        ``create_graph`` False detaches each step's gradient: the first-order variant,
        whose theta_D^K no longer depends on G (kept to show the difference, in the tests).
        """
        optimizer = self.unrolling_optimizer()
        names, weights = zip(*self.discriminator.named_parameters())
        states = None  # the optimizer's own, at the first step
        for _ in range(self.unroll_steps):
            with reparametrized(self.discriminator, dict(zip(names, weights))):
                loss, _ = super().discriminator_loss(real, fake, labels)  # GAN's L_D: not recorded as a D step
            gradients = grad(loss, list(weights), create_graph=create_graph)
            weights, states = optimizer.differentiable_step(weights, gradients, states)
        return dict(zip(names, weights))

    def generator_loss(self, fake, labels=None):
        """f_K: the objective's L_G against D at theta_D^K, differentiable through the K steps."""
        if self.unroll_steps == 0:
            return super().generator_loss(fake, labels)
        if self._batch is None:
            raise RuntimeError("UnrolledGAN.generator_loss unrolls D on the batch of its last step: "
                               "call discriminator_loss(real, fake) first (the adversarial loop does)")  # fmt: skip
        real, real_labels = self._batch
        with reparametrized(self.discriminator, self.unroll(real, fake, real_labels)):
            return super().generator_loss(fake, labels)


class UnrolledNonSaturatingGAN(UnrolledGAN, NonSaturatingGAN):
    """The unrolled GAN with the non-saturating generator loss -log D^K(G(z)) (D^K: D unrolled K steps)."""
