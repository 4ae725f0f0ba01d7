"""The Wasserstein autoencoder (Tolstikhin, Bousquet, Gelly and Schoelkopf, 2018): WAE-MMD and WAE-GAN.

Why the penalty is on the aggregated posterior. Let the decoder be a
deterministic map G: z -> x, so the model is P_G, the law of G(Z) for
Z ~ p(z). The optimal-transport cost between the data and the model is

    W_c(P_X, P_G) = inf over couplings Gamma of (X, Y), X ~ P_X, Y ~ P_G, of E_Gamma[ c(X, Y) ].

Since Y = G(Z), a coupling of X and Y is made by a joint law of (X, Z), that is,
an encoder q(z | x), whose X-marginal is P_X (automatic) and whose Z-marginal
is the prior: the aggregated posterior

    q(z) = integral of q(z | x) p_X(x) dx   must equal   p(z).

Conversely any encoder with q(z) = p(z) gives a coupling, Y = G(Z). Hence
(the paper's theorem 1)

    W_c(P_X, P_G) = inf over q(z | x) with q(z) = p(z) of E_{p_X(x)} E_{q(z|x)}[ c(x, G(z)) ].

The constraint concerns only the mixture q(z). Each q(z | x) is free, and
to reconstruct well it should be narrow and different for different x; the
mixture of all of them is what must look like p(z). Relaxing the
constraint with a penalty gives the WAE objective, over encoder and decoder,

    D_WAE = E_x E_{q(z|x)}[ c(x, G(z)) ] + lambda * D_Z( q(z), p(z) ).

The VAE's KL( q(z | x) || p(z) ) instead pulls every q(z | x) towards p(z):
sufficient for q(z) = p(z) but far from necessary, and at its minimum each
q(z | x) = p(z) forgets x. Codes of different digits then overlap, and the
decoder averages them: blur. The WAE lets them separate.

Two choices of D_Z, each from a batch of codes z~_i = Q(x_i) and prior draws z_j:

WAE-MMD (``WAEMMD``): the maximum mean discrepancy with a kernel k,

    MMD^2(p, q) = E k(z, z') + E k(z~, z~') - 2 E k(z, z~),

estimated without bias by the U-statistic (``mmd_unbiased``: the same-sample
sums leave out i = j), and the inverse multiquadratic kernel
(``InverseMultiquadratic``) k(x, y) = C / (C + |x - y|^2), C = 2 d sigma^2 for
a prior of per-dimension variance sigma^2 in d dimensions: its heavy tails
keep a gradient between codes far from the prior's draws, where a Gaussian
kernel's vanishes. The paper takes lambda = 10.

WAE-GAN (``WAEGAN``): an adversary D on codes, as in the adversarial
autoencoder (``aae``) with a deterministic encoder; D's step, then one step of
encoder and decoder on c(x, G(Q(x))) - lambda log D(Q(x)) together. The paper
takes lambda = 1.

Settings (the paper's MNIST runs): Adam, lr 1e-3 and beta1 0.5 for encoder
and decoder, 5e-4 for the adversary; deterministic encoders Q(x) = mu(x). The
paper's cost is c(x, y) = |x - y|^2 (scaled by 0.05 in its code); the cost here
is the likelihood's -log p(x | z), whose scale a lambda must be matched to.
"""
from ... import optim
from ...creation import eye
from ...ops import softplus
from ..vae.likelihoods import BernoulliLikelihood
from .aae import AdversarialAutoencoder
from .autoencoder import CodeAutoencoder, Phase

AUTOENCODER_ADAM = {"betas": (0.5, 0.999)}


class InverseMultiquadratic:
    """k(x, y) = C / (C + |x - y|^2) between the rows of x (n, d) and y (m, d): (n, m). ``scale`` is C."""

    def __init__(self, scale):
        if not scale > 0:
            raise ValueError(f"InverseMultiquadratic: the scale C must be positive, got {scale}")
        self.scale = float(scale)

    def __call__(self, x, y):
        squared_distances = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)  # exact, never negative
        return self.scale / (self.scale + squared_distances)

    def __repr__(self):
        return f"InverseMultiquadratic(C={self.scale:g})"


def prior_kernel(prior):
    """The paper's choice: the inverse multiquadratic kernel with C = 2 d sigma^2 for ``prior``."""
    return InverseMultiquadratic(2 * prior.dim * prior.variance)


def mmd_unbiased(x, y, kernel):
    """The unbiased estimate of MMD^2 between the samples x (n, d) and y (m, d), n, m >= 2:

        1/(n(n-1)) sum_{i != j} k(x_i, x_j) + 1/(m(m-1)) sum_{i != j} k(y_i, y_j) - 2/(nm) sum_{i,j} k(x_i, y_j).

    Its expectation is MMD^2 exactly; a single estimate can be negative.
    """
    n, m = x.shape[0], y.shape[0]
    if n < 2 or m < 2 or x.ndim != 2 or y.shape[1:] != x.shape[1:]:
        raise ValueError(f"mmd_unbiased needs two sets of at least 2 points of the same dimension, "
                         f"got shapes {x.shape} and {y.shape}")  # fmt: skip
    off_x = 1 - eye(n, dtype=x.dtype, device=x.device)
    off_y = 1 - eye(m, dtype=y.dtype, device=y.device)
    within_x = (kernel(x, x) * off_x).sum() / (n * (n - 1))
    within_y = (kernel(y, y) * off_y).sum() / (m * (m - 1))
    return within_x + within_y - 2 * kernel(x, y).mean()


class WAEMMD(CodeAutoencoder):
    """WAE-MMD: minimises E c(x, G(Q(x))) + lambda MMD^2(q(z), p(z)) in one step per batch. ``kernel``
    defaults to ``prior_kernel(prior)``. See the module docstring."""

    conditional = False

    def __init__(self, encoder, decoder, prior, image_shape, likelihood=BernoulliLikelihood(), penalty_weight=10.0,
                 kernel=None, deterministic=True):  # fmt: skip
        super().__init__(encoder, decoder, prior, image_shape, likelihood, deterministic)
        self.penalty_weight, self.kernel = penalty_weight, kernel or prior_kernel(prior)

    def phases(self, lr=1e-3):
        return {"autoencoder": Phase(self.autoencoder_loss, optim.Adam(self.parameters(), lr=lr, **AUTOENCODER_ADAM))}

    def autoencoder_loss(self, x, labels=None):
        """1/N sum_n c(x_n, G(z~_n)) + lambda MMD^2_U({z_j ~ p(z)}, {z~_n}); -> (loss, terms)."""
        codes = self.encode(x)
        reconstruction = self.reconstruction_cost(x, codes).mean()
        mmd = mmd_unbiased(self.prior_sample(x.shape[0]), codes, self.kernel)
        loss = reconstruction + self.penalty_weight * mmd
        return loss, {"loss": loss, "reconstruction": reconstruction, "mmd": mmd}

    loss = autoencoder_loss


class WAEGAN(AdversarialAutoencoder):
    """WAE-GAN: the adversarial autoencoder with a deterministic encoder, its reconstruction and
    regularisation steps merged into one: E c(x, G(Q(x))) - lambda E log D(Q(x)). See the module docstring."""

    def __init__(self, encoder, decoder, discriminator, prior, image_shape, likelihood=BernoulliLikelihood(),
                 penalty_weight=1.0, deterministic=True):  # fmt: skip
        super().__init__(encoder, decoder, discriminator, prior, image_shape, likelihood, deterministic)
        self.penalty_weight = penalty_weight

    def phases(self, lr=1e-3):
        autoencoder = [*self.encoder.parameters(), *self.decoder.parameters()]
        adversary = optim.Adam(self.discriminator.parameters(), lr=lr / 2, **AUTOENCODER_ADAM)
        return {"discriminator": Phase(self.discriminator_loss, adversary),
                "autoencoder": Phase(self.autoencoder_loss, optim.Adam(autoencoder, lr=lr, **AUTOENCODER_ADAM))}  # fmt: skip

    def autoencoder_loss(self, x, labels=None):
        """1/N sum_n [ c(x_n, G(z~_n)) - lambda log D(z~_n) ], z~_n = Q(x_n); -> (loss, terms)."""
        codes = self.encode(x)
        reconstruction = self.reconstruction_cost(x, codes).mean()
        adversarial = softplus(-self.critic(codes, labels)).mean()
        loss = reconstruction + self.penalty_weight * adversarial
        return loss, {"loss": loss, "reconstruction": reconstruction, "g_loss": adversarial}

    def loss(self, x, labels=None):
        d_loss, d_terms = self.discriminator_loss(x, labels)
        loss, terms = self.autoencoder_loss(x, labels)
        return d_loss + loss, d_terms | terms
