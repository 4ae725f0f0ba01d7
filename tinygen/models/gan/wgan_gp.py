"""WGAN-GP (Gulrajani et al., 2017): the Wasserstein critic kept Lipschitz by a gradient penalty.

Clipping the weights makes the critic too simple (its best response under
clipping pushes weights to +-c) and makes training sensitive to c. A
differentiable f is 1-Lipschitz exactly when ||grad f|| <= 1 everywhere, and
the optimal critic has gradient norm 1 on the lines between coupled points
of p_data and p_g. So WGAN-GP penalises the critic's input-gradient norm
for straying from 1 at random points on such lines:

    L_D = E[ D(G(z)) ] - E[ D(x) ] + lambda E_{x_hat}[ (||grad_{x_hat} D(x_hat)||_2 - 1)^2 ],
    x_hat = eps x + (1 - eps) G(z),   eps ~ U[0, 1], one eps per example,

with lambda = 10. The norm is per example, over all of its pixels: the
penalty constrains each input's gradient, so a norm over the whole batch, or
one per pixel, is a different (and wrong) penalty. For the same reason the
critic has no batch norm, which would make one example's score depend on the
others'. Computing the penalty's gradient with respect to the critic's
weights differentiates a gradient: ``tinygen.grad(..., create_graph=True)``
builds the graph of grad_{x_hat} D so that ``backward`` can go through it.

The generator's loss is WGAN's; the critic takes n_critic = 5 steps per
generator step, both with Adam (lr 1e-4, betas (0, 0.9)), as in the paper.
"""
from ... import optim
from ...autograd.engine import grad
from ...creation import rand
from .wgan import WGAN


class WGANGP(WGAN):
    """WGAN with the gradient penalty instead of clipping; ``critic`` must not use batch norm."""

    def __init__(self, generator, critic, latent_dim, penalty_weight=10.0):
        super().__init__(generator, critic, latent_dim, clip=None)
        self.penalty_weight = penalty_weight

    def optimizers(self, lr=1e-4):
        return (optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.0, 0.9)),
                optim.Adam(self.generator.parameters(), lr=lr, betas=(0.0, 0.9)))  # fmt: skip

    def gradient_penalty(self, real, fake, labels=None, eps=None):
        """``gradient_penalty`` of this model's critic (given the labels, if conditional)."""
        return gradient_penalty(lambda x: self.critic(x, labels), real, fake, eps)

    def discriminator_loss(self, real, fake, labels=None, eps=None):
        loss, terms = super().discriminator_loss(real, fake, labels)
        penalty = self.gradient_penalty(real, fake, labels, eps)
        loss = loss + self.penalty_weight * penalty
        return loss, terms | {"d_loss": loss, "gradient_penalty": penalty}

    def after_critic_step(self):
        """Nothing: the penalty, not clipping, keeps the critic Lipschitz."""


def gradient_penalty(critic, real, fake, eps=None):
    """E[(||grad critic(x_hat)||_2 - 1)^2], the norm per example over all its values; differentiable in the weights.

    ``critic(x)``: a score per example, or a map of scores per example (a PatchGAN's), whose sum is
    differentiated. ``eps`` (N,): the interpolation weights, drawn from U[0, 1] if None (given, they
    reproduce a step).
    """
    shape = (real.shape[0],) + (1,) * (real.ndim - 1)  # one eps per example
    eps = rand(*shape, device=real.device, dtype=real.dtype) if eps is None else eps.reshape(shape)
    x_hat = (eps * real + (1 - eps) * fake.detach()).detach().requires_grad_()
    (gradients,) = grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norms = gradients.flatten(1).norm(dim=1)  # (N,): each example's gradient norm
    return ((norms - 1) ** 2).mean()
