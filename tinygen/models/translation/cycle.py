"""Two generators and two discriminators, each generator's output mapped back by the other: the frame CycleGAN
and DiscoGAN share.

    G: A -> B,  F: B -> A;   D_A judges images of A, D_B of B  (each a map of patch scores)

    generators      L_GAN(G, D_B) + L_GAN(F, D_A) + w_rec ( d(F(G(a)), a) + d(G(F(b)), b) ) [+ w_id identity]
    discriminators  each tells its domain's real images from the other generator's translations

The two papers differ only in the pieces: the GAN loss (least squares or
cross-entropy), the distance d and its weight, an identity term, a history
of past fakes for the discriminators. A subclass names them
(``fooling``, ``telling``, ``reconstruction``, ``past``); the frame holds
the phases, one step of both generators on their joint loss, then one of
both discriminators, as both papers' code does (Adam, lr 2e-4, beta1 0.5).
The discriminators' phase translates the batch again with the updated
generators (without gradient): each phase recomputes what it needs.
"""
import itertools

from ... import optim
from ...autograd import no_grad
from ..base import GenerativeModel, Phase

ADAM = {"lr": 2e-4, "betas": (0.5, 0.999)}


class CycleTranslation(GenerativeModel):
    """``g_ab``, ``g_ba``: image -> image generators; ``d_a``, ``d_b``: image -> scores. See the module docstring."""

    conditional = False  # never given labels: the domains are unpaired and unlabelled
    reconstruction_weight = 1.0
    identity_weight = 0.0
    weight_decay = 0.0

    def __init__(self, g_ab, g_ba, d_a, d_b):
        super().__init__()
        self.g_ab, self.g_ba, self.d_a, self.d_b = g_ab, g_ba, d_a, d_b

    def phases(self, lr=ADAM["lr"]):
        """{"generators": Phase, "discriminators": Phase}: each steps both networks of its kind on their joint loss."""
        def adam(*modules):
            parameters = itertools.chain(*(module.parameters() for module in modules))
            return optim.Adam(parameters, lr=lr, betas=ADAM["betas"], weight_decay=self.weight_decay)
        return {"generators": Phase(self.generator_loss, adam(self.g_ab, self.g_ba)),
                "discriminators": Phase(self.discriminator_loss, adam(self.d_a, self.d_b))}  # fmt: skip

    # ---- translation -------------------------------------------------------------------
    def translate_ab(self, a):
        """G(a): images of A in the look of B."""
        return self.g_ab(a)

    def translate_ba(self, b):
        """F(b): images of B in the look of A."""
        return self.g_ba(b)

    def sample(self, n):
        raise TypeError(f"{type(self).__name__} translates images, it draws none from noise: "
                        "use translate_ab(a) or translate_ba(b)")  # fmt: skip

    # ---- what a paper chooses ----------------------------------------------------------
    def fooling(self, scores):
        """A generator's adversarial loss on the scores its translations get."""
        raise NotImplementedError(f"{type(self).__name__} must define fooling(scores)")

    def telling(self, real_scores, fake_scores):
        """A discriminator's loss on the scores of real images and of translations."""
        raise NotImplementedError(f"{type(self).__name__} must define telling(real_scores, fake_scores)")

    def reconstruction(self, x, target):
        """The distance d of a reconstruction (or identity image) from its original, a mean over the batch."""
        raise NotImplementedError(f"{type(self).__name__} must define reconstruction(x, target)")

    def past(self, fake_a, fake_b):
        """The translations the discriminators are shown: the latest ones (CycleGAN keeps a history)."""
        return fake_a, fake_b

    # ---- the two phases ----------------------------------------------------------------
    def generator_loss(self, batch, labels=None):
        """L_GAN(G, D_B) + L_GAN(F, D_A) + w_rec (cycle A + cycle B) [+ w_id identity]; -> (loss, terms)."""
        a, b = batch
        fake_b, fake_a = self.g_ab(a), self.g_ba(b)
        fooling = self.fooling(self.d_b(fake_b)) + self.fooling(self.d_a(fake_a))
        cycle_a = self.reconstruction(self.g_ba(fake_b), a)
        cycle_b = self.reconstruction(self.g_ab(fake_a), b)
        loss = fooling + self.reconstruction_weight * (cycle_a + cycle_b)
        terms = {"g_loss": fooling, "cycle_a": cycle_a, "cycle_b": cycle_b}
        if self.identity_weight:
            identity = self.reconstruction(self.g_ab(b), b) + self.reconstruction(self.g_ba(a), a)
            loss, terms = loss + self.identity_weight * identity, terms | {"identity": identity}
        return loss, terms

    def discriminator_loss(self, batch, labels=None):
        """D_A's and D_B's losses, summed (the networks share no weights); -> (loss, terms)."""
        a, b = batch
        with no_grad():
            fake_a, fake_b = self.past(self.g_ba(b), self.g_ab(a))
        loss_a = self.telling(self.d_a(a), self.d_a(fake_a))
        loss_b = self.telling(self.d_b(b), self.d_b(fake_b))
        return loss_a + loss_b, {"d_loss_a": loss_a, "d_loss_b": loss_b}

    def loss(self, batch, labels=None):
        """Both phases' losses summed, with their terms (for logging; training steps them in turn)."""
        (g_loss, g_terms), (d_loss, d_terms) = self.generator_loss(batch), self.discriminator_loss(batch)
        return g_loss + d_loss, g_terms | d_terms
