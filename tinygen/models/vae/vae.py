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

The encoder and decoder are networks the VAE is given (``networks``: MLPs
and convolutions, and the factories ``mlp_vae`` and ``conv_vae``); what the
decoder's outputs mean, a Bernoulli or a Gaussian per pixel, is the
likelihood it is given (``likelihoods``).
"""
import math
from collections import namedtuple

from ...autograd import no_grad
from ...creation import zeros
from ...distributions import Normal, kl_divergence
from ...ops import stack
from ..base import GenerativeModel
from .likelihoods import BernoulliLikelihood

ELBO = namedtuple("ELBO", ["elbo", "reconstruction", "kl"])
ELBO.__doc__ = "Per-example ELBO and its two terms: elbo = reconstruction - kl, each of shape (N,)."


def checked_image_shape(image_shape):
    """``image_shape`` as a tuple (channels, height, width), or a clear error."""
    image_shape = tuple(image_shape)
    if len(image_shape) != 3:
        raise ValueError(f"VAE: image_shape must be (channels, height, width), got {image_shape}")
    return image_shape


class VAE(GenerativeModel):
    """A VAE for images of ``image_shape`` (C, H, W) with a ``latent_dim``-dimensional latent.

    ``encoder``: x (N, C, H, W) -> (mu, log sigma^2), each (N, latent_dim);
    ``decoder``: z (N, latent_dim) -> one output per pixel, (N, C, H, W), which
    ``likelihood`` (``BernoulliLikelihood()`` or ``GaussianLikelihood(scale)``)
    turns into p(x | z). See the module docstring.
    """

    def __init__(self, encoder, decoder, image_shape, latent_dim, likelihood=BernoulliLikelihood()):
        super().__init__()
        self.image_shape, self.latent_dim = checked_image_shape(image_shape), latent_dim
        self.encoder, self.decoder, self.output_distribution = encoder, decoder, likelihood
        self.register_parameter("log_scale", likelihood.learned_log_scale(self.image_shape))

    # ---- the three distributions ---------------------------------------------------------
    def prior(self):
        """p(z) = N(0, I), in the parameters' dtype and on their device."""
        return Normal(zeros(self.latent_dim, dtype=self.dtype, device=self.device), 1.0)

    def posterior(self, x):
        """q(z | x) = N(mu(x), diag sigma^2(x)); the encoder predicts log sigma^2, so sigma = e^(log sigma^2 / 2) > 0."""
        if x.shape[1:] != self.image_shape or x.ndim != 4:
            raise ValueError(f"VAE: expected images of shape (N, *{self.image_shape}), got {x.shape}")
        mean, log_var = self.encoder(x)
        return Normal(mean, (0.5 * log_var).exp())

    def likelihood(self, z):
        """p(x | z), one distribution per pixel; z may have extra leading axes (samples, batch, latent_dim)."""
        outputs = self.decoder(z.reshape(-1, self.latent_dim)).reshape(z.shape[:-1] + self.image_shape)
        return self.output_distribution(outputs, self.log_scale)

    # ---- training ---------------------------------------------------------------------------
    def elbo(self, x, noise=None):
        """Per-example ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z)), with its two terms.

        The expectation is estimated with one reparameterised sample per example,
        z = mu + sigma * noise; ``noise`` (N, latent_dim) is drawn from N(0, I)
        unless given (pass it to reproduce a step exactly, or to compare with
        another implementation fed the same noise). ``loss`` is its mean, negated.
        """
        posterior = self.posterior(x)
        z = posterior.rsample(noise=noise)  # z = mu + sigma * noise: the reparameterisation trick
        reconstruction = self.likelihood(z).log_prob(x).sum((-3, -2, -1))  # log p(x | z): a sum over pixels
        # Closed form, 1/2 (sigma^2 + mu^2 - 1 - log sigma^2) per latent dimension, summed over them.
        kl = kl_divergence(posterior, self.prior()).sum(-1)
        return ELBO(reconstruction - kl, reconstruction, kl)

    forward = elbo

    def loss(self, x):
        """-1/N sum_n ELBO(x_n), the scalar to minimise, and the means of the ELBO and its two terms."""
        terms = {name: values.mean() for name, values in self.elbo(x)._asdict().items()}
        return -terms["elbo"], terms

    # ---- using a trained model -------------------------------------------------------------
    @no_grad()
    def sample(self, n):
        """``n`` new images: z ~ p(z), decoded to the mean of p(x | z) (pixel probabilities
        for a Bernoulli decoder), the usual picture of what the model has learned."""
        return self.likelihood(self.prior().sample((n,))).mean

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
        return f"latent_dim={self.latent_dim}, image_shape={self.image_shape}, likelihood={self.output_distribution}"
