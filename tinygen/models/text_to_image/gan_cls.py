"""GAN-CLS and GAN-INT-CLS (Reed et al., 2016): a conditional GAN whose condition is a sentence.

A caption t is embedded by a fixed text encoder, h = phi(t) (``encoder``,
trained beforehand on the matching objective); each player reads it through
a fully connected layer and LeakyReLU of its own, into a small vector
concatenated to z in G and to the image (as constant maps) in D: the
conditional GAN's networks, with a caption's embedding for the label's.

GAN-CLS, the matching-aware discriminator. A plain conditional D sees real
images only with their right captions, so it need not check the match: it
can tell real from fake by the image alone and leave G no reason to obey
the text. GAN-CLS adds a third kind of input, real images with wrong text
h^ (another caption of the batch: the batch rolled by one), to be rejected:

    L_D = -log D(x, h) - 1/2 [ log(1 - D(x, h^)) + log(1 - D(G(z, h), h)) ]
    L_G = -log D(G(z, h), h)                                  (non-saturating)

A caption rolled in from another digit may describe this one as well (same
digit, same attributes: 1 pair in 33 on the training captions here); the paper accepts that noise.

GAN-INT, learning from interpolated captions. Embeddings between those of
two training captions lie near the data manifold of text, and no real image
is needed for them: G is also trained to satisfy D there,

    L_G += -log D(G(z, h_b), h_b),    h_b = beta h_1 + (1 - beta) h_2,   beta = 1/2

with (h_1, h_2) the batch's captions and the same rolled by one. GAN-INT-CLS
(``GANINTCLS``) is GAN-CLS with this term, the paper's best model.

Captions come as word indices (N, T), 0 for padding (``tinygen.data.captions``),
or as embeddings (N, text dim) already made; ``sample`` draws for ``prompts``
(word indices, P captions) in turn, as the conditional GAN cycles the digits.
"""
from ...autograd.grad_mode import no_grad
from ...nn import LeakyReLU, Linear, Sequential
from ...ops import sigmoid, softplus
from ..gan import ConditionalGAN
from .encoder import LEAK


def mismatched(h):
    """Each example's condition moved to the next example: the batch rolled by one along dim 0."""
    return h.roll(1, 0)


class GANCLS(ConditionalGAN):
    """``generator(z, condition)``, ``discriminator(x, condition)``, condition_dim = ``embed_dim``; a frozen ``text_encoder``."""

    def __init__(self, generator, discriminator, latent_dim, text_encoder, prompts, embed_dim=16):
        projections = tuple(Sequential(Linear(text_encoder.dim, embed_dim), LeakyReLU(LEAK)) for _ in range(2))
        super().__init__(generator, discriminator, latent_dim, num_classes=None, embeddings=projections)
        self.text_encoder = text_encoder.requires_grad_(False)  # trained beforehand, fixed here as in the paper
        self.register_buffer("prompts", prompts)

    def _labels(self, text, n):
        """phi(t) (n, text dim) of captions ``text`` (n, T) of word indices; embeddings (n, text dim) pass as they are."""
        if text is None:
            raise ValueError("GAN-CLS needs captions: pass labels=... (N, T) word indices or (N, text dim) embeddings")
        if text.dtype.kind not in "iu":
            if text.shape != (n, self.text_encoder.dim):
                raise ValueError(f"caption embeddings must be (N, text dim) = ({n}, {self.text_encoder.dim}), got {text.shape}")
            return text
        if text.ndim != 2 or text.shape[0] != n:
            raise ValueError(f"captions must be (N, T) = ({n}, T) word indices, got shape {text.shape}")
        vocabulary = self.text_encoder.embedding.num_embeddings
        if not 0 <= int(text.min()) <= int(text.max()) < vocabulary:
            raise ValueError(f"word indices must be in [0, {vocabulary}), got {int(text.min())} to {int(text.max())}: "
                             "encode captions with the vocabulary the text encoder was trained on")  # fmt: skip
        with no_grad():
            return self.text_encoder(text)

    def discriminator_loss(self, real, fake, text=None):
        """L_D = -log D(x, h) - 1/2 [log(1 - D(x, h^)) + log(1 - D(x_fake, h))]; -> (loss, terms)."""
        h = self._labels(text, real.shape[0])
        right, wrong, fake_logits = self.critic(real, h), self.critic(real, mismatched(h)), self.critic(fake, h)
        loss = softplus(-right).mean() + (softplus(wrong).mean() + softplus(fake_logits).mean()) / 2
        return loss, {"d_loss": loss, "d_real": sigmoid(right).mean(), "d_wrong": sigmoid(wrong).mean(),
                      "d_fake": sigmoid(fake_logits).mean()}  # fmt: skip

    def cycled_labels(self, n):
        """The prompts in turn, (n, T)."""
        return self.prompts[[i % len(self.prompts) for i in range(n)]]


class GANINTCLS(GANCLS):
    """GAN-CLS whose generator is also trained on interpolated captions, h_b = beta h_1 + (1 - beta) h_2."""

    beta = 0.5

    def generator_loss(self, fake, text=None):
        loss, _ = super().generator_loss(fake, text)
        h = self._labels(text, fake.shape[0])
        between = self.beta * h + (1 - self.beta) * mismatched(h)
        interpolated = softplus(-self.critic(self.generate(self.noise(len(h)), between), between)).mean()
        return loss + interpolated, {"g_loss": loss + interpolated, "g_interpolated": interpolated}
