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
the paper's convolutional Dis_l). As in algorithm 1, one forward pass serves
the three: the decoder draws x~ and x_p in one batch (a batch-norm decoder
normalises them together), the discriminator reads x, x~ and x_p in one
batch, and each network's gradient of its own loss is taken from that one
graph before any of them steps (a ``JointPhase``; 1.36x less CPU per step
than three passes in turn on the example's networks). Adam
with DCGAN's lr 2e-4 and beta1 0.5 for all (the paper: RMSProp, lr 3e-4).

gamma. L_llike is summed over Dis_l's features, like the KL over the code's
dimensions, so its size, and the gamma that balances it against the GAN's
cost of about 1 nat per kind of fake, depend on Dis_l: the authors' code
uses 1e-2 by default (the default here) and 1e-5 to 5e-5 for its 16,384
CelebA features. With DCGAN's discriminator on digits (width 32: 3,136
features, L_llike about 50) 250 steps with ``examples/vaegan_mnist.py``'s
networks (seed 0) gave FID 620, 548, 580 and 1177 for gamma 1e-2, 3e-2, 1e-1 and 1 (7, 9, 9
and 4 of 10 classes): at gamma 1 the decoder serves the reconstructions and
the prior's samples stay grey noise (``benchmarks/results/hybrids-2026-12-02.md``).

What was tried and dropped. The authors' code (``model/aegan.py`` of
andersbll/autoencoding_beyond_pixels) sits a player out of a batch when the
discriminator's costs leave a margin of 0.4 around 0.68 (about log 2, a
discriminator at chance). Here that kept the discriminator at chance by
skipping its steps (90% of batches), and with nothing to tell the
discriminator's features of one digit from another's the codes collapsed
onto the prior (KL 0.3 nats after 100 steps against 4.1 without it; with
MLP networks 0.2 against 15 after 5 epochs); it is not kept. An MLP decoder drew one image
for every z, as an MLP generator alone collapses on these digits; DCGAN's
convolutional generator does not.
"""
from ... import optim
from ...distributions import kl_divergence
from ...ops import cat, sigmoid, softplus
from ..vae.likelihoods import BernoulliLikelihood
from ..vae.vae import VAE
from ..base import JointPhase

ADAM = {"lr": 2e-4, "betas": (0.5, 0.999)}


class VAEGAN(VAE):
    """A VAE (``encoder``, ``decoder``, ``likelihood``: its mean is the image) with ``discriminator``
    (images -> logits (N,), with ``features(x)``: Dis_l). See the module docstring."""

    conditional = False

    def __init__(self, encoder, decoder, discriminator, image_shape, latent_dim, likelihood=BernoulliLikelihood(),
                 gamma=1e-2):  # fmt: skip
        super().__init__(encoder, decoder, image_shape, latent_dim, likelihood)
        if self.log_scale is not None:
            raise ValueError("VAEGAN judges reconstructions in the discriminator's features, not in pixels: a "
                             "learned pixel scale would never be trained; use BernoulliLikelihood() or "
                             "GaussianLikelihood(scale)")  # fmt: skip
        self.discriminator, self.gamma = discriminator, gamma

    def phases(self, lr=ADAM["lr"]):
        """{"vaegan": JointPhase}: the three networks from one forward pass, each with its own Adam."""
        adam = lambda module: optim.Adam(module.parameters(), lr=lr, betas=ADAM["betas"])  # noqa: E731
        return {"vaegan": JointPhase(self.losses, {"encoder": adam(self.encoder), "decoder": adam(self.decoder),
                                                   "discriminator": adam(self.discriminator)})}  # fmt: skip

    def decode(self, z):
        """Dec(z): the image, the mean of p(x | z)."""
        return self.likelihood(z).mean

    def losses(self, x, labels=None):
        """The paper's algorithm 1 on a batch: one forward pass, each network's loss (means over the batch);
        -> ({"encoder": L_prior + L_llike, "decoder": gamma L_llike - L_GAN, "discriminator": -L_GAN}, terms)."""
        n = x.shape[0]
        posterior = self.posterior(x)
        images = self.decode(cat([posterior.rsample(), self.prior().sample((n,))]))  # x~ = Dec(z), then x_p = Dec(z_p)
        features = self.discriminator.features(cat([x, images]))  # Dis_l of x, x~, x_p
        logits = self.discriminator.head(features)
        real, reconstruction, sample = logits[:n], logits[n : 2 * n], logits[2 * n :]
        kl = kl_divergence(posterior, self.prior()).sum(-1).mean()
        llike = (0.5 * (features[:n] - features[n : 2 * n]) ** 2).flatten(1).sum(1).mean()  # 1/2 |Dis_l(x) - Dis_l(x~)|^2
        fooling = softplus(-reconstruction).mean() + softplus(-sample).mean()  # -log Dis(x~) - log Dis(x_p)
        gan = softplus(-real).mean() + softplus(reconstruction).mean() + softplus(sample).mean()  # -L_GAN
        losses = {"encoder": kl + llike, "decoder": self.gamma * llike + fooling, "discriminator": gan}
        return losses, {"kl": kl, "feature_reconstruction": llike, "g_loss": fooling, "d_loss": gan,
                        "d_real": sigmoid(real).mean(), "d_reconstruction": sigmoid(reconstruction).mean(),
                        "d_sample": sigmoid(sample).mean()}  # fmt: skip

    def loss(self, x, labels=None):
        """The three losses summed, with their terms (for logging; training takes each network's gradient of
        its own loss, ``losses``)."""
        losses, terms = self.losses(x, labels)
        return sum(losses.values()), terms
