"""Progressive GAN (Karras, Aila, Laine & Lehtinen, 2018): grow both networks, one resolution at a time.

A GAN that starts at full resolution must learn the digits' coarse layout
and their fine strokes at once, from a critic that can tell real from fake
by the fine details alone. Progressive growing trains first on 7x7 images,
where there are only shapes to learn, then adds a block to the generator
and its mirror to the critic for 14x14, then for 28x28 (the networks in
``progressive_networks``). Training is a sequence of phases of equal length
T steps:

    stable 7x7 | fade in 14x14 | stable 14x14 | fade in 28x28 | stable 28x28

While a block fades in, alpha = (steps into the phase) / T goes from 0 to 1
and each network blends the new block's path with the old one's,

    G(z) = (1 - alpha) upsample(to_rgb_old(h)) + alpha to_rgb_new(block_new(h)),

and D mirrors it with average pooling. The real images are shown at the
resolution being trained (2x2 average pooling of the digits) and blended
the same way, (1 - alpha) upsample(avgpool(x)) + alpha x, so that real and
fake change together.

The objective is WGAN-GP's (``wgan_gp``) with the paper's drift term, which
keeps the critic's scores from drifting far from zero (the Wasserstein loss
only sees their differences):

    L_D = E[ D(G(z)) ] - E[ D(x) ] + lambda E[ (||grad D(x_hat)||_2 - 1)^2 ] + eps_drift E[ D(x)^2 ],
    L_G = -E[ D(G(z)) ],        lambda = 10, eps_drift = 0.001,

one critic step per generator step, both with Adam (lr 1e-3, betas (0, 0.99)).
"""
from ... import optim
from ...nn import functional as F
from .progressive_networks import fade_in
from .wgan_gp import WGANGP


class ProgressiveGAN(WGANGP):
    """WGAN-GP with the drift term, on networks that grow (``ProgressiveGenerator``, ``ProgressiveDiscriminator``)
    through the phases of ``phase_steps`` steps each that ``progress(step)`` walks."""

    n_critic = 1

    def __init__(self, generator, critic, latent_dim, phase_steps, penalty_weight=10.0, drift_weight=1e-3):
        if generator.resolutions != critic.resolutions:
            raise ValueError(f"the generator grows through {generator.resolutions} but the critic through "
                             f"{critic.resolutions}: build both with the same channels and base")  # fmt: skip
        if phase_steps < 1:
            raise ValueError(f"phase_steps must be a positive number of steps, got {phase_steps}")
        super().__init__(generator, critic, latent_dim, penalty_weight)
        self.phase_steps, self.drift_weight = phase_steps, drift_weight
        self.resolutions = generator.resolutions
        # Fully grown until training says otherwise: a model built to sample draws full-size images.
        self.stage, self.alpha = len(self.resolutions) - 1, 1.0

    def optimizers(self, lr=1e-3):
        return (optim.Adam(self.discriminator.parameters(), lr=lr, betas=(0.0, 0.99)),
                optim.Adam(self.generator.parameters(), lr=lr, betas=(0.0, 0.99)))  # fmt: skip

    # ---- the growing schedule ----------------------------------------------------------
    @property
    def num_phases(self):
        return 2 * len(self.resolutions) - 1

    def progress(self, step):
        """Set the stage and alpha of training step ``step`` (1, 2, ...): phase (step - 1) // T, then the last."""
        phase = min((step - 1) // self.phase_steps, self.num_phases - 1)
        self.stage = (phase + 1) // 2  # phases: stable 0, fade 1, stable 1, fade 2, ...
        self.alpha = ((step - 1) % self.phase_steps) / self.phase_steps if phase % 2 else 1.0

    def stage_end(self, stage):
        """The step that ends ``stage``'s stable phase (the last stage goes on to the end of training)."""
        return self.phase_steps * (2 * stage + 1)

    @property
    def resolution(self):
        return self.resolutions[self.stage]

    # ---- the networks at the current stage ------------------------------------------------
    def generate(self, z, labels=None, generator=None):
        return (generator or self.generator)(z, self.stage, self.alpha)

    def critic(self, x, labels=None):
        return self.discriminator(x, self.stage, self.alpha)

    def real_images(self, x):
        """Full-size real images x as the critic sees them now: pooled to the resolution, faded like G's output."""
        x = downsample(x, self.resolution)
        if self.stage > 0 and self.alpha != 1:
            x = fade_in(F.interpolate(F.avg_pool2d(x, 2), scale_factor=2), x, self.alpha)
        return x

    # ---- the objective --------------------------------------------------------------------
    def discriminator_loss(self, real, fake, labels=None, eps=None):
        """L_D = E[D(G(z))] - E[D(x)] + lambda GP + eps_drift E[D(x)^2], real x pooled to the current stage."""
        real = self.real_images(real)
        real_scores, fake_scores = self.critic(real), self.critic(fake)
        wasserstein = real_scores.mean() - fake_scores.mean()
        penalty = self.gradient_penalty(real, fake, labels, eps)
        drift = (real_scores * real_scores).mean()
        loss = -wasserstein + self.penalty_weight * penalty + self.drift_weight * drift
        return loss, {"d_loss": loss, "d_real": real_scores.mean(), "d_fake": fake_scores.mean(),
                      "wasserstein": wasserstein, "gradient_penalty": penalty, "drift": drift,
                      "resolution": self.resolution, "alpha": self.alpha}  # fmt: skip


def downsample(x, resolution):
    """Images (N, C, H, W) average-pooled to ``resolution`` x ``resolution`` (H a multiple of it)."""
    if x.shape[-1] % resolution:
        raise ValueError(f"cannot pool {x.shape[-1]}x{x.shape[-1]} images to {resolution}x{resolution}: "
                         f"the size must be a multiple of the resolution")  # fmt: skip
    factor = x.shape[-1] // resolution
    return x if factor == 1 else F.avg_pool2d(x, factor)
