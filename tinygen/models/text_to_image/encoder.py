"""The text encoder phi(t), trained to match captions to the images they describe (Reed et al., 2016a).

GAN-CLS conditions on a fixed embedding of the caption, learned beforehand
so that it keeps what the caption says about the image. A caption t (word
indices, padded with 0) is read by word embeddings and an LSTM, and its
hidden states are averaged over the words (the padding left out), as in
Reed et al.'s char-CNN-RNN; a linear layer and normalisation to unit length
give phi(t). An image encoder theta(v) (two strided convolutions and a
linear layer) maps an image into the same space, and the two are trained
together on the matching objective, here the symmetric, softmax form of
Reed et al.'s joint embedding (as CLIP's): over a batch of N pairs (v_n, t_n),

    s_mn = theta(v_m) . phi(t_n) / tau,
    L = 1/2 [ -1/N sum_n log softmax_m(s_mn)[n]  -  1/N sum_n log softmax_n'(s_nn')[n] ],

each caption must pick its image out of the batch, and each image its
caption. (The paper's loss is a hinge over classes; at the level of single
pairs, a batch can hold two digits that the same words describe equally
well. That caps the matching accuracy below 1 but does not change what phi
must encode: the digit and its attributes.) tau = 0.1, fixed.
"""
from ...creation import arange
from ...nn import Conv2d, Embedding, Flatten, LeakyReLU, Linear, LSTM, Module, Sequential
from ...ops import cross_entropy

LEAK = 0.2


def unit_length(x):
    return x / (x * x).sum(dim=1, keepdim=True).sqrt()


class TextEncoder(Module):
    """Word indices (N, T), 0 for padding -> phi(t) (N, dim), unit length."""

    def __init__(self, vocabulary_size, dim=32, word_dim=32, hidden_size=64):
        super().__init__()
        self.dim = dim
        self.embedding = Embedding(vocabulary_size, word_dim)
        self.lstm = LSTM(word_dim, hidden_size, batch_first=True)
        self.output = Linear(hidden_size, dim)

    def forward(self, words):
        hidden, _ = self.lstm(self.embedding(words))
        is_word = (words != 0).float().unsqueeze(2)  # (N, T, 1): the padding adds nothing to the mean
        mean = (hidden * is_word).sum(dim=1) / is_word.sum(dim=1)
        return unit_length(self.output(mean))


class ImageEncoder(Module):
    """Images (N, 1, 28, 28) in [-1, 1] -> theta(v) (N, dim), unit length."""

    def __init__(self, dim=32, width=16):
        super().__init__()
        self.net = Sequential(
            Conv2d(1, width, 4, stride=2, padding=1), LeakyReLU(LEAK),  # 28 -> 14
            Conv2d(width, 2 * width, 4, stride=2, padding=1), LeakyReLU(LEAK),  # -> 7
            Flatten(), Linear(2 * width * 7 * 7, dim),
        )  # fmt: skip

    def forward(self, images):
        return unit_length(self.net(images))


class JointEmbedding(Module):
    """``text_encoder`` and ``image_encoder`` into one space; ``loss(images, words)`` the symmetric matching loss."""

    def __init__(self, text_encoder, image_encoder, temperature=0.1):
        super().__init__()
        self.text_encoder, self.image_encoder, self.temperature = text_encoder, image_encoder, temperature

    def similarities(self, images, words):
        """s_mn = theta(v_m) . phi(t_n) / tau, (N images, N captions)."""
        return self.image_encoder(images) @ self.text_encoder(words).T / self.temperature

    def loss(self, images, words):
        """-> (L, {"matching": L, "matching_accuracy": the share of captions whose best image is their own})."""
        s = self.similarities(images, words)
        own = arange(s.shape[0], device=s.device)
        loss = (cross_entropy(s, own) + cross_entropy(s.T, own)) / 2
        return loss, {"matching": loss, "matching_accuracy": (s.T.argmax(dim=1) == own).float().mean()}
