"""InfoGAN (Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel, 2016): a GAN whose latent code means something.

The generator's input is noise z and a code c, x = G(z, c). Nothing in the GAN
game makes G use c; InfoGAN asks for a large mutual information I(c; G(z, c))
between the code and the sample, i.e. that c can be read back from x:

    min_{G, Q} max_D  V(D, G) - lambda L_I(G, Q).

I(c; x) = H(c) - H(c | x) needs the posterior p(c | x), which is unknown. For
any distribution Q(c | x), KL(p(c | x) || Q(c | x)) >= 0 gives the variational
lower bound

    I(c; G(z, c)) >= L_I(G, Q) = E_{c ~ p(c), z, x = G(z, c)}[ log Q(c | x) ] + H(c),

with equality when Q is the true posterior; the expectation needs only samples
of c and x, drawn as G draws them. Q is a head on the discriminator's trunk
(``features``), so the bound costs one small layer stack more than the GAN.

The codes, as in the paper's MNIST model: one categorical c_1 of 10 equally
likely values (fed to G one-hot) and two continuous c_2, c_3 uniform on
[-1, 1] (uniform, not normal: a known bug elsewhere), so H(c) = log 10 +
2 log 2 nats. Q outputs the categorical's logits and, for each continuous
code, the mean mu of a Gaussian of standard deviation 1 (the paper's code
fixes the deviation), so

    log Q(c | x) = log softmax(logits)[c_1] - sum_j ( (c_j - mu_j)^2 / 2 + log(2 pi) / 2 ).

lambda = 1. Both players' losses get -lambda L_I: D's step (on the detached
fake) trains the trunk and Q to read the codes, G's step trains G to write
them. Adam with beta1 0.5, rates 2e-4 for D and Q and 1e-3 for G, as the paper's code.

The adversarial loop calls ``generate``, then the two losses on the batch it
made; the losses need that batch's codes, which ``generate`` keeps.
"""
import math

import numpy

from ... import optim
from ...creation import tensor
from ...nn import BatchNorm1d, LeakyReLU, Linear, Sequential
from ...ops import cat, log_softmax, softplus
from ...random import generator as global_generator
from .gan import NonSaturatingGAN
from .networks import LEAK


def q_head(in_features, categories=10, continuous=2, hidden=128):
    """Q's layers on D's flattened trunk features: Linear, batch norm, LeakyReLU, Linear -> (N, categories + continuous)."""
    return Sequential(Linear(in_features, hidden), BatchNorm1d(hidden), LeakyReLU(LEAK), Linear(hidden, categories + continuous))


class InfoGAN(NonSaturatingGAN):
    """``generator`` takes (N, noise_dim + categories + continuous); ``discriminator`` has ``features`` and ``head``;
    ``q`` maps its flattened features to (N, categories + continuous): the categorical logits, then the means."""

    def __init__(self, generator, discriminator, q, noise_dim, categories=10, continuous=2, info_weight=1.0):
        super().__init__(generator, discriminator, noise_dim + categories + continuous)
        self.q, self.noise_dim, self.categories, self.continuous = q, noise_dim, categories, continuous
        self.info_weight = info_weight
        self.code_entropy = math.log(categories) + continuous * math.log(2)  # H(c): uniform on 10 values and on [-1, 1]^2
        self._codes = None  # the codes of the batch ``generate`` made last

    def optimizers(self, lr=2e-4):
        d_optimizer = optim.Adam([*self.discriminator.parameters(), *self.q.parameters()], lr=lr, betas=(0.5, 0.999))
        return d_optimizer, optim.Adam(self.generator.parameters(), lr=5 * lr, betas=(0.5, 0.999))

    # ---- the codes -------------------------------------------------------------------
    def codes(self, categorical, continuous):
        """The code block of G's input, (N, categories + continuous): c_1 (N,) one-hot, then c_2.. (N, continuous)."""
        categorical, continuous = numpy.asarray(categorical), numpy.asarray(continuous, dtype=numpy.float64)
        n = categorical.shape[0] if categorical.ndim == 1 else -1
        if categorical.dtype.kind not in "iu" or n < 0 or not 0 <= categorical.min(initial=0) <= categorical.max(initial=0) < self.categories:
            raise ValueError(f"InfoGAN.codes: the categorical code must be (N,) integers in [0, {self.categories}), "
                             f"got {categorical.dtype} of shape {categorical.shape}")  # fmt: skip
        if continuous.shape != (n, self.continuous):
            raise ValueError(f"InfoGAN.codes: the continuous codes must be (N, {self.continuous}) = ({n}, {self.continuous}), "
                             f"got shape {continuous.shape}")  # fmt: skip
        block = numpy.concatenate([numpy.eye(self.categories)[categorical], continuous], axis=1)
        return tensor(block, dtype=self.dtype, device=self.device)

    def noise(self, n, rng=None):
        """G's whole input (n, noise_dim + codes): z ~ N(0, I), c_1 ~ uniform on 0..9, c_2.. ~ U[-1, 1]."""
        rng = rng or global_generator()
        z = rng.standard_normal((n, self.noise_dim))
        codes = self.codes(rng.integers(0, self.categories, n), rng.uniform(-1, 1, (n, self.continuous)))
        return cat([tensor(z, dtype=self.dtype, device=self.device), codes], dim=1)

    def generate(self, z, labels=None, generator=None):
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"InfoGAN.generate takes (N, {self.latent_dim}) = noise {self.noise_dim} + codes "
                             f"{self.categories + self.continuous} (see noise() and codes()), got {z.shape}")  # fmt: skip
        self._codes = z[:, self.noise_dim :]
        return super().generate(z, labels, generator)

    # ---- the objective ---------------------------------------------------------------
    def mutual_information_bound(self, codes, q_outputs):
        """L_I = E[log Q(c | x)] + H(c) from the codes (N, categories + continuous) and Q's outputs on x; -> (L_I, terms)."""
        k = self.categories
        log_q_categorical = (log_softmax(q_outputs[:, :k], dim=1) * codes[:, :k]).sum(1)
        log_q_continuous = -(((codes[:, k:] - q_outputs[:, k:]) ** 2) / 2 + math.log(2 * math.pi) / 2).sum(1)
        bound = (log_q_categorical + log_q_continuous).mean() + self.code_entropy
        read = (q_outputs[:, :k].data.argmax(1) == codes[:, :k].data.argmax(1)).mean()
        return bound, {"mutual_information_bound": bound, "q_categorical_accuracy": float(read)}

    def _information(self, features, n):
        if self._codes is None or self._codes.shape[0] != n:
            raise RuntimeError("InfoGAN's losses score Q against the codes of the batch generate() made last: "
                               "call generate(noise(n)) and pass its output")  # fmt: skip
        return self.mutual_information_bound(self._codes, self.q(features.flatten(1)))

    def discriminator_loss(self, real, fake, labels=None):
        """The GAN's L_D - lambda L_I: D tells real from fake, its trunk and Q read the fake's codes."""
        real_logits = self.discriminator(real)
        features = self.discriminator.features(fake)
        fake_logits = self.discriminator.head(features)
        gan = softplus(-real_logits).mean() + softplus(fake_logits).mean()
        bound, terms = self._information(features, fake.shape[0])
        loss = gan - self.info_weight * bound
        return loss, terms | {"d_loss": loss, "d_gan": gan, "d_real": real_logits.sigmoid().mean(),
                              "d_fake": fake_logits.sigmoid().mean()}  # fmt: skip

    def generator_loss(self, fake, labels=None):
        """The non-saturating L_G - lambda L_I: fool D, and write codes Q can read."""
        features = self.discriminator.features(fake)
        gan = softplus(-self.discriminator.head(features)).mean()
        bound, terms = self._information(features, fake.shape[0])
        loss = gan - self.info_weight * bound
        return loss, terms | {"g_loss": loss, "g_gan": gan}

    def classify(self, x):
        """Q's most likely categorical code for each real x, (N,) integers: the code as an unsupervised classifier."""
        return self.q(self.discriminator.features(x).flatten(1)).data[:, : self.categories].argmax(1)
