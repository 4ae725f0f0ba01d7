"""What the hybrids share: an autoencoder around codes z, a prior p(z) on them, and a reconstruction cost.

    encoder   x -> (mu(x), log sigma^2(x)), the VAE's encoders (``tinygen.models.vae.networks``);
              the code is z = mu + sigma * eps (a Gaussian q(z | x)), or z = mu(x) when ``deterministic``
    decoder   z -> one output per pixel, read by a likelihood of ``tinygen.models.vae.likelihoods``
    cost      c(x, z) = -log p(x | z), summed over pixels: the binary cross-entropy for
              ``BernoulliLikelihood()`` (the VAE's reconstruction term, so the figures compare),
              the squared error / (2 sigma^2) + const for ``GaussianLikelihood(scale)``
    prior     p(z), known by its samples (``priors``)

Generating decodes z ~ p(z); each hybrid adds how q(z) = E_x[ q(z | x) ] is
pulled towards p(z). A model names its training phases (``phases``): each a
loss of a batch and the optimizer that steps on it, taken in turn by
``tinygen.train.autoencoding``.
"""
from ...autograd import no_grad
from ...creation import tensor
from ...distributions import Normal
from ...ops import one_hot
from ..base import GenerativeModel, Phase  # noqa: F401 (Phase: re-exported for the hybrids)
from ..vae.likelihoods import BernoulliLikelihood
from ..vae.vae import checked_image_shape


class CodeAutoencoder(GenerativeModel):
    """``encoder`` and ``decoder`` around codes of ``prior.dim`` dimensions, for images of ``image_shape``."""

    def __init__(self, encoder, decoder, prior, image_shape, likelihood=BernoulliLikelihood(), deterministic=False):
        super().__init__()
        self.image_shape = checked_image_shape(image_shape)
        if likelihood.learned_log_scale(self.image_shape) is not None:
            raise ValueError(f"{type(self).__name__}: the reconstruction cost needs a fixed likelihood; "
                             f"got {likelihood}: give it a scale, e.g. GaussianLikelihood(scale=0.1)")  # fmt: skip
        self.encoder, self.decoder, self.output_distribution = encoder, decoder, likelihood
        self.prior, self.deterministic = prior, deterministic

    @property
    def latent_dim(self):
        return self.prior.dim

    # ---- codes -----------------------------------------------------------------------------
    def encode(self, x):
        """z ~ q(z | x): mu(x) + sigma(x) * eps (reparameterised), or mu(x) for a deterministic encoder; (N, dim)."""
        if x.ndim != 4 or x.shape[1:] != self.image_shape:
            raise ValueError(f"{type(self).__name__}: expected images of shape (N, *{self.image_shape}), got {x.shape}")
        mean, log_var = self.encoder(x)
        if mean.shape[1:] != (self.latent_dim,):
            raise ValueError(f"{type(self).__name__}: the encoder gives codes of shape {mean.shape[1:]}, "
                             f"the prior {self.prior} has {self.latent_dim} dimensions")  # fmt: skip
        return mean if self.deterministic else Normal(mean, (0.5 * log_var).exp()).rsample()

    def prior_sample(self, n, labels=None):
        """z ~ p(z) (on each label's mode, given ``labels``), (n, dim), in the model's dtype and device."""
        labels = None if labels is None else labels.numpy()
        return tensor(self.prior.sample(n, labels), dtype=self.dtype, device=self.device)

    def one_hot(self, labels, num_classes):
        return one_hot(labels, num_classes).to(self.dtype)

    # ---- the reconstruction cost -----------------------------------------------------------
    def likelihood(self, z):
        """p(x | z), one distribution per pixel."""
        return self.output_distribution(self.decoder(z), None)

    def reconstruction_cost(self, x, z):
        """c(x, z) = -log p(x | z), summed over the pixels of each example: (N,)."""
        return -self.likelihood(z).log_prob(x).sum((-3, -2, -1))

    # ---- using a trained model -------------------------------------------------------------
    @no_grad()
    def sample(self, n, labels=None):
        """``n`` images: z ~ p(z), decoded to the mean of p(x | z) (pixel probabilities for a Bernoulli decoder)."""
        return self.likelihood(self.prior_sample(n, labels)).mean

    @no_grad()
    def codes(self, x):
        """mu(x): where the encoder puts each example (the mean of q(z | x)), (N, dim)."""
        return self.encoder(x)[0]

    @no_grad()
    def reconstruct(self, x):
        """x -> the mean of p(x | z) at z = mu(x)."""
        return self.likelihood(self.codes(x)).mean

    def extra_repr(self):
        encoder = "deterministic" if self.deterministic else "Gaussian"
        return f"prior={self.prior}, {encoder} encoder, likelihood={self.output_distribution}"
