"""CycleGAN (Zhu, Park, Isola and Efros, "Unpaired image-to-image translation using cycle-consistent adversarial
networks", 2017).

Two generators G: A -> B and F: B -> A, two discriminators D_A, D_B, and

    L(G, F, D_A, D_B) = L_GAN(G, D_B) + L_GAN(F, D_A) + lambda L_cyc(G, F)
    L_cyc(G, F)       = E_a || F(G(a)) - a ||_1 + E_b || G(F(b)) - b ||_1

An adversarial loss alone constrains only the distribution of G(a): any
bijection of A onto B's look fools D_B equally. Cycle consistency asks each
translation to keep enough of its source to be mapped back, which rules out
most of them (a 3 sent to an 8 must come back a 3). The GAN loss is least
squares (LSGAN, Mao et al., 2017), more stable than the cross-entropy:

    generators      E_a[ (D_B(G(a)) - 1)^2 ] + E_b[ (D_A(F(b)) - 1)^2 ]
    discriminators  1/2 ( E_b[ (D_B(b) - 1)^2 ] + E_a[ D_B(G(a))^2 ] ), the same for D_A
                    (halved, "to slow down the rate at which D learns relative to G")

with the expectations over images and the patches of a PatchGAN's score
map; the L1 norm is a mean per pixel, as the paper's code (PyTorch's
``L1Loss``); lambda = 10. Optional identity loss (section 5.2, for
photographs to paintings; the code's default weight is 0.5 lambda):

    L_identity = E_b || G(b) - b ||_1 + E_a || F(a) - a ||_1

which asks a generator to leave an image already in its target domain
alone. The discriminators see a history of the last 50 translations
(Shrivastava et al., 2017): each new one is shown as it is while the history
fills; after that, half the time a past one from the history instead (which
the new one replaces). It damps the oscillation of a discriminator chasing
the generators' latest output. Adam, lr 2e-4, betas (0.5, 0.999).
"""
from ...autograd import no_grad
from ...creation import zeros
from ...ops import l1_loss, stack
from ...nn import Module
from ...random import generator
from .cycle import CycleTranslation


class ImageHistory(Module):
    """The last ``size`` translations shown to a discriminator (buffers: checkpointed with the model)."""

    def __init__(self, size, image_shape):
        super().__init__()
        if size < 0:
            raise ValueError(f"a history holds 0 or more translations, got {size}")
        self.size = size
        self.register_buffer("images", zeros(size, *image_shape))
        self.register_buffer("count", zeros(()))

    def query(self, fakes):
        """``fakes`` (N, ...) -> N images: each new one while filling; then, with probability 1/2, a stored
        one, swapped for the new."""
        if self.size == 0:
            return fakes
        if tuple(fakes.shape[1:]) != tuple(self.images.shape[1:]):
            raise ValueError(f"the history keeps images of shape {tuple(self.images.shape[1:])}, got translations of "
                             f"shape {tuple(fakes.shape[1:])}: give CycleGAN the image_shape of its domains")
        shown = []
        with no_grad():
            for image in fakes:
                count = int(self.count.item())
                if count < self.size:
                    self.images[count] = image
                    self.count.fill_(count + 1)
                    shown.append(image)
                elif generator().random() < 0.5:
                    slot = int(generator().integers(self.size))
                    shown.append(self.images[slot].clone())
                    self.images[slot] = image
                else:
                    shown.append(image)
        return stack(shown)


class CycleGAN(CycleTranslation):
    """CycleGAN on ``g_ab``, ``g_ba``, ``d_a``, ``d_b`` (see the module docstring); ``history`` 0 shows the
    discriminators only the latest translations."""

    def __init__(self, g_ab, g_ba, d_a, d_b, image_shape=(1, 28, 28), cycle_weight=10.0, identity_weight=0.0,
                 history=50):  # fmt: skip
        super().__init__(g_ab, g_ba, d_a, d_b)
        self.reconstruction_weight, self.identity_weight = cycle_weight, identity_weight
        self.history_a, self.history_b = ImageHistory(history, image_shape), ImageHistory(history, image_shape)

    def fooling(self, scores):
        return ((scores - 1) ** 2).mean()

    def telling(self, real_scores, fake_scores):
        return 0.5 * (((real_scores - 1) ** 2).mean() + (fake_scores**2).mean())

    def reconstruction(self, x, target):
        return l1_loss(x, target)

    def past(self, fake_a, fake_b):
        return self.history_a.query(fake_a), self.history_b.query(fake_b)
