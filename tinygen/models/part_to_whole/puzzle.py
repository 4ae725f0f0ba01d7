"""Puzzle-GAN (Lee et al., 2018, "Unsupervised Holistic Image Generation from Key Local Patches").

Given a few key patches x_1 .. x_k cut from an image y, and not told where
they were cut, generate the whole image and a mask of where the patches
belong. The generator encodes each patch with one shared part encoder E (a
siamese network: the patches are interchangeable), sums the codes, and
decodes them with noise z into the image and the mask:

    h = sum_j E(x_j),     (y^, M^) = G(h, z),     y^ in [-1, 1],  M^ in [0, 1]

The mask M = max_j M_j is 1 on every pixel some patch was cut from (the
union of the squares, ``tinygen.data.patches``). Three losses; the paper's
first two are

    spatial      L_M = E[ |M^ - M| ]                       the mask puts the patches where they were cut
    appearance   L_A = E[ |M^ * y^ - M * y| ]              the image shows the patches where the mask says

and here they are, for the measured reasons below,

    spatial      L_M = E[ -M log M^ - (1 - M) log(1 - M^) ]   the mask's cross-entropy
    appearance   L_A = E[ |M * (y^ - y)| ]                     the image shows the patches where they were cut
    adversarial  L_D = -E[ log D(y) ] - E[ log(1 - D(y^)) ]
                       - E[ log(1 - D(M * y' + (1 - M) * y)) ] - E[ log(1 - D(M * y + (1 - M) * y')) ]
                 L_G = -E[ log D(y^) ]                     (the non-saturating generator loss)

    L_generator = L_G + lambda_M L_M + lambda_A L_A

(means over pixels and the batch). y' is another real image: the two mixed
images, the parts of one digit on the background of another, are fakes to D
(the paper's and the authors' code), so D judges whether the parts fit the
whole, not only whether each looks real. Here y' is the next digit of the
(shuffled) batch.

Why the two changes (MNIST, 8x8 patches; benchmarks/results/
puzzle-gan-2026-12-02.md). The paper's L1 spatial loss is minimised by each
pixel's median, and from a piece of stroke a patch's place is too uncertain
for any pixel to be covered in more than half the digits: M^ goes to 0
everywhere. The paper's appearance loss is gated by M^, so its gradient to
y^, M^ sign(M^ y^ - M y), vanishes with it, and nothing ties the image to
the patches: in every seed the completions were one image whatever the
patches, read as the source digit 10% of the time (chance). Gated by the
true mask, the appearance loss pulls y^ towards the patches where they were
cut. The cross-entropy's minimiser is the probability that a pixel is
covered, not the median; its mask finds the patches better (seed 0, 1,000
steps: IoU 0.29 / 0.40 / 0.46 from 1 / 2 / 3 patches against 0.23 / 0.36 /
0.42 with L1), and with the mask-gated appearance loss it still left the
completions near chance (accuracy 0.13 / 0.14 / 0.12). lambda_M = lambda_A
= 100 is pix2pix's weight of its L1 against the GAN loss: at 10 (this
module's first default) the adversary pulls the completions off the patches (0.13 / 0.14 / 0.19
against 0.17 / 0.23 / 0.27), as does DCGAN's step of 2e-4 in place of 1e-3.

What else differs from the paper, for 28x28 digits and a few CPU minutes: E is
two convolutions and a linear layer on the 8x8 patch (the authors resize each
patch to the full image size first); the image and the mask come from one
DCGAN decoder with two output channels, tanh for the image and a sigmoid for
the mask (the paper's image network reads the mask network's features; here
they share all of them); lambda_M and lambda_A are constant (the authors'
code decays them from 1e-2 to 1e-4 over 25 epochs of CelebA, thousands of
steps more than here); the generator steps on every batch (their code on
every second). A missing patch contributes nothing to h (weight ``present``
0), so one model completes 1, 2 or 3 patches.
"""
from ... import optim
from ...autograd import no_grad
from ...creation import randn
from ...nn import Conv2d, Flatten, LeakyReLU, Linear, Module, Sequential
from ...ops import binary_cross_entropy, cat, sigmoid, softplus
from ..base import GenerativeModel, Phase
from ..gan.networks import LEAK, DCGANGenerator, dcgan_init_

ADAM = {"lr": 1e-3, "betas": (0.5, 0.999)}  # DCGAN's betas (as the authors' code); its 2e-4 learns too slowly


class PartEncoder(Module):
    """A patch (N, 1, s, s) -> its code (N, code_dim): conv 3x3 (w), conv 4x4/2 (2w), LeakyReLU(0.2)s, linear."""

    def __init__(self, size=8, code_dim=128, width=32):
        super().__init__()
        half = (size - 2) // 2 + 1  # the side after the strided convolution
        self.net = Sequential(
            Conv2d(1, width, 3, padding=1), LeakyReLU(LEAK),
            Conv2d(width, 2 * width, 4, stride=2, padding=1), LeakyReLU(LEAK),
            Flatten(), Linear(2 * width * half * half, code_dim),
        )  # fmt: skip

    def forward(self, patch):
        return self.net(patch)


class PuzzleGenerator(Module):
    """(patches (N, K, s, s), present (N, K), z (N, latent_dim)) -> (image (N, 1, 28, 28) in [-1, 1], mask (0, 1))."""

    def __init__(self, size=8, code_dim=128, latent_dim=16, width=64):
        super().__init__()
        self.encoder = PartEncoder(size, code_dim, width // 2)
        self.decoder = DCGANGenerator(code_dim + latent_dim, channels=2, width=width)
        dcgan_init_(self)

    def encode(self, patches, present):
        """h = sum_j present_j E(x_j), (N, code_dim)."""
        n, k, height, width = patches.shape
        codes = self.encoder(patches.reshape(n * k, 1, height, width)).reshape(n, k, -1)
        return (codes * present.unsqueeze(-1)).sum(1)

    def forward(self, patches, present, z):
        out = self.decoder.net[:-1](cat([self.encode(patches, present), z], dim=1).reshape(len(z), -1, 1, 1))
        return out[:, :1].tanh(), sigmoid(out[:, 1:])  # DCGAN's decoder without its final tanh


class PuzzleGAN(GenerativeModel):
    """``generator(patches, present, z)`` -> (image, mask); ``discriminator(image)`` -> logits (N,).

    A batch is (y, patches, present, M) as ``tinygen.data.patches.PatchLoader`` makes them: the whole digits
    (N, 1, 28, 28) in [-1, 1], the patches (N, K, s, s) in [-1, 1], which are there (N, K) 0/1, the mask.
    """

    def __init__(self, generator, discriminator, latent_dim, mask_weight=100.0, appearance_weight=100.0):
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.mask_weight, self.appearance_weight = mask_weight, appearance_weight

    def phases(self, lr=ADAM["lr"]):
        """{"discriminator", "generator"}, a step of each on every batch, each with Adam (lr, betas 0.5, 0.999)."""
        return {name: Phase(loss, optim.Adam(network.parameters(), lr=lr, betas=ADAM["betas"]))
                for name, loss, network in (("discriminator", self.discriminator_loss, self.discriminator),
                                            ("generator", self.generator_loss, self.generator))}  # fmt: skip

    # ---- completion ----------------------------------------------------------------------
    def noise(self, n):
        return randn(n, self.latent_dim, device=self.device, dtype=self.dtype)

    def complete(self, patches, present, z=None):
        """(y^, M^): the whole image (N, 1, 28, 28) in [-1, 1] and the mask in [0, 1] from the patches alone."""
        if patches.ndim != 4 or present.shape != patches.shape[:2]:
            raise ValueError(f"complete needs patches (N, K, s, s) and present (N, K), got {patches.shape} and "
                             f"{present.shape}: cut them with tinygen.data.patches.cut_patches")  # fmt: skip
        z = self.noise(patches.shape[0]) if z is None else z
        return self.generator(patches, present.to(self.dtype), z)

    def sample(self, n):
        raise TypeError("Puzzle-GAN completes images from patches, it draws none from noise alone: "
                        "use complete(patches, present)")

    # ---- the losses ----------------------------------------------------------------------
    @staticmethod
    def mixtures(y, mask):
        """The two mixed fakes: y's parts on the next digit's background, and the next digit's parts on y's."""
        other = y.roll(1, 0)
        return mask * other + (1 - mask) * y, mask * y + (1 - mask) * other

    def discriminator_loss(self, batch, labels=None, z=None):
        """L_D on real digits, completions (no gradient to G) and the two mixtures; -> (loss, terms)."""
        y, patches, present, mask = batch
        with no_grad():
            fake, _ = self.complete(patches, present, z)
        real_logits, fake_logits = self.discriminator(y), self.discriminator(fake)
        mixed = [softplus(self.discriminator(image)).mean() for image in self.mixtures(y, mask)]
        loss = softplus(-real_logits).mean() + softplus(fake_logits).mean() + mixed[0] + mixed[1]
        return loss, {"d_loss": loss, "d_real": sigmoid(real_logits).mean(), "d_fake": sigmoid(fake_logits).mean()}

    def generator_loss(self, batch, labels=None, z=None):
        """L_G + lambda_M L_M + lambda_A L_A; -> (loss, terms)."""
        y, patches, present, mask = batch
        fake, predicted = self.complete(patches, present, z)
        adversarial = softplus(-self.discriminator(fake)).mean()
        spatial = binary_cross_entropy(predicted, mask)
        appearance = (mask * (fake - y)).abs().mean()
        loss = adversarial + self.mask_weight * spatial + self.appearance_weight * appearance
        return loss, {"g_loss": loss, "g_adversarial": adversarial, "spatial": spatial, "appearance": appearance}

    def loss(self, batch, labels=None):
        """Both players' losses on a batch, summed, with their terms (for logging; training steps them in turn)."""
        (d_loss, d_terms), (g_loss, g_terms) = self.discriminator_loss(batch), self.generator_loss(batch)
        return d_loss + g_loss, d_terms | g_terms
