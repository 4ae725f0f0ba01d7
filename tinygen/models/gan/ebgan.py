"""EBGAN (Zhao, Mathieu & LeCun, 2017): the discriminator is an energy, an autoencoder's reconstruction error.

The discriminator D(x) = ||Dec(Enc(x)) - x||^2 / P (the mean squared error
over the P pixels; ``networks.AutoencoderDiscriminator``) assigns low energy
to what it reconstructs well. It is trained to reconstruct the data and to
push the energy of samples up to a margin m, and no further:

    L_D = D(x) + [m - D(G(z))]^+,        [u]^+ = max(0, u),
    L_G = D(G(z)) + lambda_PT f_PT(S).

The hinge is the point of the margin: once a sample's energy is above m, D
stops spending capacity on it (a GAN's D keeps pushing its logit). At the
game's equilibrium G's samples are as well reconstructed as the data.

The pulling-away term keeps G from collapsing onto one low-energy point.
With S (N, d) the encoder's codes of a generated batch, it is the mean
squared cosine similarity between different samples' codes,

    f_PT(S) = 1 / (N (N - 1)) sum_{i != j} ( S_i . S_j / (||S_i|| ||S_j||) )^2,

0 for mutually orthogonal codes and 1 for parallel ones: a batch of near
copies is penalised. It is taken in the encoder's code space, where the
autoencoder has organised what it has seen, rather than on pixels.

Settings: lambda_PT = 0.1 as in the paper. The margin depends on the energy's
scale (the paper searched it). For the per-pixel mean on digits in [-1, 1]
the scale is set by a few landmarks: 0.92 for an autoencoder that outputs
zeros, 0.27 for one that outputs the mean digit, 0.04 for a 64-component PCA.
m = 1 (the default before 2026-12-02) lies above even the first: D could meet
the hinge only by turning samples into anti-images, and the old run's D (also
under the initialisation below) reconstructed the data worse than the mean
digit does (energy 0.54); ebgan_mnist's samples covered 5 classes at FID 1047.
m = 0.3, the mean digit's
energy, is met by any sample D cannot reconstruct, and D keeps reconstructing
the data (energy 0.20 over the default run's last epoch). With it, and the
autoencoder no longer under DCGAN's N(0, 0.02) weights (``networks`` says
why; the two were changed together), the default run draws digits of all
10 classes at FID 239 +- 17 over 3 seeds (benchmarks/results/ebgan-began-fixed-2026-12-02.md).
DCGAN's Adam (lr 2e-4, beta1 0.5) for both players.
"""
from ...creation import eye
from ...ops import relu
from .gan import GAN


def pulling_away(codes):
    """f_PT: the mean of the squared cosine similarities between the codes (N, d) of different examples."""
    n = codes.shape[0]
    if n < 2:
        raise ValueError(f"the pulling-away term compares the examples of a batch: it needs N >= 2, got {n}")
    unit = codes / codes.norm(dim=1, keepdim=True)
    cosines = unit @ unit.T
    off_diagonal = 1 - eye(n, dtype=codes.dtype, device=codes.device)
    return (cosines**2 * off_diagonal).sum() / (n * (n - 1))


class EBGAN(GAN):
    """``autoencoder`` has ``encode(x)`` -> codes (N, d) and ``decode(codes)`` -> x-shaped reconstructions."""

    def __init__(self, generator, autoencoder, latent_dim, margin=0.3, pull_away_weight=0.1):
        super().__init__(generator, autoencoder, latent_dim)
        if not margin > 0:
            raise ValueError(f"EBGAN: the margin m must be > 0, got {margin!r}")
        self.margin, self.pull_away_weight = margin, pull_away_weight

    def energy(self, x, codes=None):
        """D(x), (N,): the mean squared reconstruction error of each example (from its ``codes`` if given)."""
        codes = self.discriminator.encode(x) if codes is None else codes
        return ((self.discriminator.decode(codes) - x) ** 2).flatten(1).mean(1)

    def critic(self, x, labels=None):
        """The energy D(x): low for what looks like data."""
        return self.energy(x)

    def discriminator_loss(self, real, fake, labels=None):
        """L_D = E[D(x)] + E[[m - D(G(z))]^+]."""
        real_energy, fake_energy = self.energy(real).mean(), self.energy(fake)
        loss = real_energy + relu(self.margin - fake_energy).mean()
        return loss, {"d_loss": loss, "energy_real": real_energy, "energy_fake": fake_energy.mean()}

    def generator_loss(self, fake, labels=None):
        """L_G = E[D(G(z))] + lambda_PT f_PT(Enc(G(z)))."""
        codes = self.discriminator.encode(fake)
        energy, repelling = self.energy(fake, codes).mean(), pulling_away(codes)
        loss = energy + self.pull_away_weight * repelling
        return loss, {"g_loss": loss, "pulling_away": repelling}
