"""VAE/GAN (Larsen, Sonderby, Larochelle and Winther, "Autoencoding beyond pixels using a learned similarity
metric", 2016).

A VAE's decoder is also a GAN's generator, and the discriminator's l-th
layer, Dis_l, replaces the pixels as the space where reconstructions are
judged. With z ~ q(z | x) (reparameterised), x~ = Dec(z) a reconstruction
and x_p = Dec(z_p), z_p ~ p(z) a sample, the three losses are

    L_prior    = KL( q(z | x) || p(z) )                                   (the VAE's, in closed form)
    L_llike    = -E_q[ log N( Dis_l(x) ; Dis_l(x~), I ) ]
               = 1/2 | Dis_l(x) - Dis_l(x~) |^2 + const                  (reconstruction in feature space)
    L_GAN      = log Dis(x) + log(1 - Dis(x~)) + log(1 - Dis(x_p))        (reconstructions and samples are fakes)

and each network descends its own combination (the paper's algorithm 1):

    encoder         L_prior + L_llike             (no GAN signal reaches the encoder)
    decoder         gamma L_llike - L_GAN          (gamma weighs content against style)
    discriminator   -L_GAN                         (not L_llike: that would collapse Dis_l to a constant)

An element-wise pixel loss, the VAE's log p(x | z), rewards the average of
all plausible images, which is blurry; a feature of a discriminator that
tells real from fake is insensitive to small translations and sensitive to
blur, so matching features rewards sharp reconstructions instead.

Here the decoder's fooling term is the non-saturating -log Dis(x~) - log Dis(x_p)
(as ``tinygen.models.gan.NonSaturatingGAN``) rather than the minimax log(1 - Dis).
Dis_l is the discriminator's ``features`` (its trunk: the last hidden layer
of ``MLPDiscriminator``, or the 7x7 maps of ``DCGANDiscriminator``, nearer
the paper's convolutional Dis_l). The three phases run in turn, each
recomputing its forward pass after the previous phase's step (the paper
updates all three from one pass); Adam with DCGAN's lr 2e-4 and beta1 0.5
for all. gamma = 1e-2 is the authors' code's weight of content against style.

Keeping the game balanced. The paper does not say so, but the authors' code
(andersbll/autoencoding_beyond_pixels, ``model/aegan.py``) lets a player
sit out a batch: with the discriminator's costs c_real = -log Dis(x) and
c_fake = -log(1 - Dis(x~ or x_p)) (means over the batch),

    the discriminator skips its step   if c_real or c_fake < equilibrium - margin   (it is winning),
    the decoder skips its step         if c_real or c_fake > equilibrium + margin   (it is winning),
    and if both would skip, both step;

equilibrium 0.68 is about log 2, the cost of a discriminator at chance, and
margin 0.4 (``margin=None``: always step). Without it a discriminator that
wins early leaves the decoder one image that fools it, for every z. Each
phase judges from the costs it measures itself, after the steps before it.
"""
from ... import optim
from ...autograd import no_grad
from ...distributions import kl_divergence
from ...ops import cat, sigmoid, softplus
from ..vae.likelihoods import BernoulliLikelihood
from ..vae.vae import VAE
from .autoencoder import Phase

ADAM = {"lr": 2e-4, "betas": (0.5, 0.999)}


class VAEGAN(VAE):
    """A VAE (``encoder``, ``decoder``, ``likelihood``: its mean is the image) with ``discriminator``
    (images -> logits (N,), with ``features(x)``: Dis_l). See the module docstring."""

    conditional = False

    def __init__(self, encoder, decoder, discriminator, image_shape, latent_dim, likelihood=BernoulliLikelihood(),
                 gamma=1e-2, margin=0.4, equilibrium=0.68):  # fmt: skip
        super().__init__(encoder, decoder, image_shape, latent_dim, likelihood)
        if self.log_scale is not None:
            raise ValueError("VAEGAN judges reconstructions in the discriminator's features, not in pixels: a "
                             "learned pixel scale would never be trained; use BernoulliLikelihood() or "
                             "GaussianLikelihood(scale)")  # fmt: skip
        self.discriminator, self.gamma = discriminator, gamma
        self.margin, self.equilibrium = margin, equilibrium

    def phases(self, lr=ADAM["lr"]):
        """{name: Phase(loss, optimizer)}: encoder, decoder, discriminator, each stepping only its own network."""
        adam = lambda module: optim.Adam(module.parameters(), lr=lr, betas=ADAM["betas"])  # noqa: E731
        return {"encoder": Phase(self.encoder_loss, adam(self.encoder)),
                "decoder": Phase(self.decoder_loss, adam(self.decoder)),
                "discriminator": Phase(self.discriminator_loss, adam(self.discriminator))}  # fmt: skip

    def decode(self, z):
        """Dec(z): the image, the mean of p(x | z)."""
        return self.likelihood(z).mean

    def feature_reconstruction(self, x, reconstruction):
        """-log N(Dis_l(x); Dis_l(x~), I) + const = 1/2 |Dis_l(x) - Dis_l(x~)|^2 per example, (N,)."""
        difference = self.discriminator.features(x) - self.discriminator.features(reconstruction)
        return 0.5 * (difference**2).flatten(1).sum(1)

    def _reconstruct(self, x):
        posterior = self.posterior(x)
        return posterior, self.decode(posterior.rsample())

    def _prior_images(self, n):
        return self.decode(self.prior().sample((n,)))

    def balance(self, real_logits, fake_logits):
        """{"decoder": steps?, "discriminator": steps?} from Dis's logits on real digits and on fakes (the
        authors' rule in the module docstring), and the two costs."""
        real_cost, fake_cost = softplus(-real_logits).mean().item(), softplus(fake_logits).mean().item()
        steps = {"decoder": True, "discriminator": True}
        if self.margin is not None:
            steps["discriminator"] = min(real_cost, fake_cost) >= self.equilibrium - self.margin
            steps["decoder"] = max(real_cost, fake_cost) <= self.equilibrium + self.margin
            if not any(steps.values()):
                steps = {"decoder": True, "discriminator": True}
        return steps, {"d_real_cost": real_cost, "d_fake_cost": fake_cost}

    # ---- the three phases (a loss of None: the phase sits this batch out) ----------------------
    def encoder_loss(self, x, labels=None):
        """L_prior + L_llike, means over the batch; -> (loss, terms)."""
        posterior, reconstruction = self._reconstruct(x)
        kl = kl_divergence(posterior, self.prior()).sum(-1).mean()
        llike = self.feature_reconstruction(x, reconstruction).mean()
        return kl + llike, {"kl": kl, "feature_reconstruction": llike}

    def decoder_loss(self, x, labels=None):
        """gamma L_llike - log Dis(x~) - log Dis(x_p) (non-saturating), means over the batch; -> (loss, terms),
        the loss None when the discriminator is losing too badly for its verdicts to teach (``balance``)."""
        _, reconstruction = self._reconstruct(x)
        llike = self.feature_reconstruction(x, reconstruction).mean()
        sample = self._prior_images(x.shape[0])
        fake_reconstruction, fake_sample = self.discriminator(reconstruction), self.discriminator(sample)
        steps = {"decoder": True}
        if self.margin is not None:  # Dis's verdict on the real digits is wanted only to judge the balance
            with no_grad():
                steps, _ = self.balance(self.discriminator(x), cat([fake_reconstruction, fake_sample]))
        fooling = softplus(-fake_reconstruction).mean() + softplus(-fake_sample).mean()
        loss = self.gamma * llike + fooling if steps["decoder"] else None
        return loss, {"g_loss": fooling, "decoder_steps": float(steps["decoder"])}

    def discriminator_loss(self, x, labels=None):
        """-L_GAN: the cross-entropy of real digits against reconstructions and samples (both fakes, no gradient
        to the encoder or decoder); -> (loss, terms), the loss None when it is winning too easily (``balance``)."""
        with no_grad():
            _, reconstruction = self._reconstruct(x)
            sample = self._prior_images(x.shape[0])
        real, fake_reconstruction, fake_sample = (self.discriminator(images) for images in (x, reconstruction, sample))
        loss = softplus(-real).mean() + softplus(fake_reconstruction).mean() + softplus(fake_sample).mean()
        steps, costs = self.balance(real.detach(), cat([fake_reconstruction, fake_sample]).detach())
        return loss if steps["discriminator"] else None, {
            "d_loss": loss, "d_real": sigmoid(real).mean(), "d_reconstruction": sigmoid(fake_reconstruction).mean(),
            "d_sample": sigmoid(fake_sample).mean(), "discriminator_steps": float(steps["discriminator"]), **costs}

    def loss(self, x, labels=None):
        """The losses of the phases that would step, summed, with their terms (for logging; training steps them in turn)."""
        phases = (self.encoder_loss, self.decoder_loss, self.discriminator_loss)
        losses, terms = zip(*(phase(x, labels) for phase in phases))
        return sum(loss for loss in losses if loss is not None), {name: value for group in terms for name, value in group.items()}
