"""The variational autoencoder (Kingma and Welling, "Auto-Encoding Variational Bayes", 2014).

The model. A latent vector z is drawn from the prior p(z) = N(0, I), and a
decoder network turns it into the parameters of p(x | z): one Bernoulli per
pixel for binarised images, one Gaussian per pixel for continuous ones. The
likelihood of an image, p(x) = integral of p(x | z) p(z) dz, has no closed
form, and neither has the posterior p(z | x) = p(x | z) p(z) / p(x).

Variational inference. An encoder network predicts a simple stand-in for the
posterior, q(z | x) = N(mu(x), diag sigma^2(x)), and for any such q

    log p(x) = ELBO(x) + KL( q(z | x) || p(z | x) ),
    ELBO(x)  = E_q[ log p(x | z) ] - KL( q(z | x) || p(z) )
             =   reconstruction   -      prior fitting.

The KL to the true posterior (the variational gap) cannot be computed but is
never negative, so the ELBO is a lower bound on log p(x). Training maximises
it over the encoder and the decoder together, which raises log p(x) and pulls
q towards the true posterior.

The two terms, as ``elbo`` computes them for each example:

* reconstruction: log p(x | z) at one sample z ~ q(z | x), drawn with the
  reparameterisation trick z = mu + sigma * eps, eps ~ N(0, I), so that the
  gradient flows through the sample into mu and sigma;
* prior fitting, in closed form for a diagonal Gaussian against N(0, I):
  KL = 1/2 sum_j ( sigma_j^2 + mu_j^2 - 1 - log sigma_j^2 ).

Evaluation. The importance-weighted estimate (Burda et al., 2016) with K
samples z_k ~ q(z | x),

    log p(x) ~ logsumexp_k [ log p(x | z_k) + log p(z_k) - log q(z_k | x) ] - log K,

equals the ELBO in expectation for K = 1, never decreases in expectation as K
grows, and tends to log p(x) as K -> infinity. K = 5000 is the usual choice.

Architectures, for images of shape (C, H, W):

    mlp   encoder: flatten, [Linear, ReLU] per hidden size, Linear -> (mu, log sigma^2)
          decoder: [Linear, ReLU] per hidden size (reversed), Linear -> C*H*W outputs
    conv  encoder: Conv 4x4 stride 2 (C -> c1), ReLU, Conv 4x4 stride 2 (c1 -> c2), ReLU,
                   flatten, Linear -> (mu, log sigma^2)          (H, W -> H/4, W/4)
          decoder: Linear -> c2 x H/4 x W/4, ReLU, ConvTranspose 4x4 stride 2 (c2 -> c1),
                   ReLU, ConvTranspose 4x4 stride 2 (c1 -> C)

The decoder's outputs are the per-pixel logits of p(x | z) ("bernoulli") or
its per-pixel means ("gaussian"). A Gaussian decoder's standard deviation is
either fixed (``observation_scale=0.1``, say) or, by default, learned: one
parameter per pixel, ``log_scale``, independent of z and starting at sigma = 1.
"""
import itertools
import math
from collections import namedtuple

from ..autograd import no_grad
from ..creation import zeros
from ..distributions import Bernoulli, Normal, kl_divergence
from ..nn import Conv2d, ConvTranspose2d, Linear, Module, Parameter, ReLU, Sequential
from ..ops import stack

ARCHITECTURES = ("mlp", "conv")
LIKELIHOODS = ("bernoulli", "gaussian")

ELBO = namedtuple("ELBO", ["elbo", "reconstruction", "kl"])
ELBO.__doc__ = "Per-example ELBO and its two terms: elbo = reconstruction - kl, each of shape (N,)."


def mlp(sizes):
    """Linear layers between consecutive ``sizes``, with a ReLU between two Linears (none after the last)."""
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [Linear(fan_in, fan_out), ReLU()]
    return Sequential(*layers[:-1])


class MLPEncoder(Module):
    """x (N, C, H, W) -> mu, log sigma^2 of q(z | x), each (N, latent_dim)."""

    def __init__(self, image_shape, latent_dim, hidden_sizes):
        super().__init__()
        self.net = mlp([math.prod(image_shape), *hidden_sizes, 2 * latent_dim])

    def forward(self, x):
        return self.net(x.flatten(1)).chunk(2, dim=-1)


class MLPDecoder(Module):
    """z (N, latent_dim) -> the per-pixel parameters of p(x | z), (N, C, H, W)."""

    def __init__(self, image_shape, latent_dim, hidden_sizes):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.net = mlp([latent_dim, *reversed(hidden_sizes), math.prod(image_shape)])

    def forward(self, z):
        return self.net(z).reshape((-1,) + self.image_shape)


class ConvEncoder(Module):
    """x (N, C, H, W) -> two stride-2 convolutions (H/4, W/4) -> mu, log sigma^2, each (N, latent_dim)."""

    def __init__(self, image_shape, latent_dim, channels):
        super().__init__()
        (c, h, w), (c1, c2) = image_shape, channels
        self.features = Sequential(Conv2d(c, c1, 4, stride=2, padding=1), ReLU(),
                                   Conv2d(c1, c2, 4, stride=2, padding=1), ReLU())  # fmt: skip
        self.head = Linear(c2 * (h // 4) * (w // 4), 2 * latent_dim)

    def forward(self, x):
        return self.head(self.features(x).flatten(1)).chunk(2, dim=-1)


class ConvDecoder(Module):
    """z (N, latent_dim) -> (c2, H/4, W/4) features -> two stride-2 transposed convolutions -> (N, C, H, W)."""

    def __init__(self, image_shape, latent_dim, channels):
        super().__init__()
        (c, h, w), (c1, c2) = image_shape, channels
        self.feature_shape = (c2, h // 4, w // 4)
        self.project = Linear(latent_dim, math.prod(self.feature_shape))
        self.upsample = Sequential(ConvTranspose2d(c2, c1, 4, stride=2, padding=1), ReLU(),
                                   ConvTranspose2d(c1, c, 4, stride=2, padding=1))  # fmt: skip

    def forward(self, z):
        return self.upsample(self.project(z).relu().reshape((-1,) + self.feature_shape))


class VAE(Module):
    """A VAE for images of ``image_shape`` (C, H, W) with a ``latent_dim``-dimensional latent.

    ``architecture`` "mlp" (with ``hidden_sizes``) or "conv" (with ``channels`` (c1, c2));
    ``likelihood`` "bernoulli" (binarised pixels) or "gaussian" (continuous pixels, with a
    learned per-pixel scale unless ``observation_scale`` fixes it). See the module docstring.
    """

    def __init__(self, latent_dim=16, architecture="mlp", likelihood="bernoulli", image_shape=(1, 28, 28),
                 hidden_sizes=(512, 512), channels=(32, 64), observation_scale=None):  # fmt: skip
        super().__init__()
        if architecture not in ARCHITECTURES:
            raise ValueError(f"VAE: architecture must be one of {ARCHITECTURES}, got {architecture!r}")
        if likelihood not in LIKELIHOODS:
            raise ValueError(f"VAE: likelihood must be one of {LIKELIHOODS}, got {likelihood!r}")
        image_shape = tuple(image_shape)
        if len(image_shape) != 3:
            raise ValueError(f"VAE: image_shape must be (channels, height, width), got {image_shape}")
        if architecture == "conv" and (image_shape[1] % 4 or image_shape[2] % 4):
            raise ValueError(f"VAE: the conv architecture halves the image twice, so height and width must be "
                             f"multiples of 4; got image_shape {image_shape}")  # fmt: skip
        if observation_scale is not None and likelihood != "gaussian":
            raise ValueError("VAE: observation_scale is the standard deviation of a Gaussian decoder; "
                             "it needs likelihood='gaussian'")  # fmt: skip
        self.latent_dim, self.architecture, self.likelihood_kind = latent_dim, architecture, likelihood
        self.image_shape, self.observation_scale = image_shape, observation_scale
        if architecture == "mlp":
            self.encoder = MLPEncoder(image_shape, latent_dim, hidden_sizes)
            self.decoder = MLPDecoder(image_shape, latent_dim, hidden_sizes)
        else:
            self.encoder = ConvEncoder(image_shape, latent_dim, channels)
            self.decoder = ConvDecoder(image_shape, latent_dim, channels)
        if likelihood == "gaussian" and observation_scale is None:
            self.log_scale = Parameter(zeros(image_shape))  # learned log sigma per pixel, sigma = 1 at the start

    # ---- the three distributions ---------------------------------------------------------
    def prior(self):
        """p(z) = N(0, I), in the parameters' dtype and on their device."""
        like = next(self.parameters())
        return Normal(zeros(self.latent_dim, dtype=like.dtype, device=like.device), 1.0)

    def posterior(self, x):
        """q(z | x) = N(mu(x), diag sigma^2(x)); the encoder predicts log sigma^2, so sigma = e^(log sigma^2 / 2) > 0."""
        if x.shape[1:] != self.image_shape or x.ndim != 4:
            raise ValueError(f"VAE: expected images of shape (N, *{self.image_shape}), got {x.shape}")
        mean, log_var = self.encoder(x)
        return Normal(mean, (0.5 * log_var).exp())

    def likelihood(self, z):
        """p(x | z), one distribution per pixel; z may have extra leading axes (samples, batch, latent_dim)."""
        outputs = self.decoder(z.reshape(-1, self.latent_dim)).reshape(z.shape[:-1] + self.image_shape)
        if self.likelihood_kind == "bernoulli":
            return Bernoulli(logits=outputs)
        scale = self.log_scale.exp() if self.observation_scale is None else self.observation_scale
        return Normal(outputs, scale)

    # ---- training ---------------------------------------------------------------------------
    def elbo(self, x, noise=None):
        """Per-example ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z)), with its two terms.

        The expectation is estimated with one reparameterised sample per example,
        z = mu + sigma * noise; ``noise`` (N, latent_dim) is drawn from N(0, I)
        unless given (pass it to reproduce a step exactly, or to compare with
        another implementation fed the same noise). Train by minimising
        ``-elbo(x).elbo.mean()``.
        """
        posterior = self.posterior(x)
        z = posterior.rsample(noise=noise)  # z = mu + sigma * noise: the reparameterisation trick
        reconstruction = self.likelihood(z).log_prob(x).sum((-3, -2, -1))  # log p(x | z): a sum over pixels
        # Closed form, 1/2 (sigma^2 + mu^2 - 1 - log sigma^2) per latent dimension, summed over them.
        kl = kl_divergence(posterior, self.prior()).sum(-1)
        return ELBO(reconstruction - kl, reconstruction, kl)

    forward = elbo

    # ---- using a trained model -------------------------------------------------------------
    @no_grad()
    def sample(self, num_samples):
        """``num_samples`` new images: z ~ p(z), decoded to the mean of p(x | z) (pixel probabilities
        for a Bernoulli decoder), the usual picture of what the model has learned."""
        return self.likelihood(self.prior().sample((num_samples,))).mean

    @no_grad()
    def reconstruct(self, x):
        """x -> the mean of p(x | z) at z = the posterior mean mu(x)."""
        return self.likelihood(self.posterior(x).mean).mean

    # ---- evaluation ---------------------------------------------------------------------------
    def log_importance_weights(self, x, num_samples):
        """log w_k = log p(x | z_k) + log p(z_k) - log q(z_k | x) for z_k ~ q(z | x): shape (num_samples, N).

        Differentiable (the samples are reparameterised): logsumexp over k minus
        log K is the IWAE training objective, a tighter bound than the ELBO.
        """
        posterior = self.posterior(x)
        z = posterior.rsample((num_samples,))  # (K, N, latent_dim)
        log_likelihood = self.likelihood(z).log_prob(x).sum((-3, -2, -1))
        return log_likelihood + self.prior().log_prob(z).sum(-1) - posterior.log_prob(z).sum(-1)

    @no_grad()
    def importance_weighted_log_likelihood(self, x, num_samples=5000, chunk_size=100):
        """The importance-weighted estimate of log p(x), one value per example, in float64.

        The K = ``num_samples`` weights are drawn ``chunk_size`` at a time (the
        decoder sees chunk_size * N latents at once, which bounds the memory);
        each chunk's weights are reduced to their float64 logsumexp, and those
        to the logsumexp of all K: log sum_k w_k = log sum_chunks sum_(k in chunk) w_k.
        """
        if num_samples < 1 or chunk_size < 1:
            raise ValueError(f"VAE: num_samples and chunk_size must be positive, got {num_samples} and {chunk_size}")
        chunk_totals = []
        for start in range(0, num_samples, chunk_size):
            log_weights = self.log_importance_weights(x, min(chunk_size, num_samples - start))
            chunk_totals.append(log_weights.double().logsumexp(0))
        return stack(chunk_totals).logsumexp(0) - math.log(num_samples)

    def extra_repr(self):
        return (f"latent_dim={self.latent_dim}, architecture={self.architecture!r}, likelihood={self.likelihood_kind!r}, "
                f"image_shape={self.image_shape}")  # fmt: skip
