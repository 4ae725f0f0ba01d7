"""The encoders and decoders of a VAE on images of shape (C, H, W), and the two usual VAEs built from them.

    mlp   encoder: flatten, [Linear, ReLU] per hidden size, Linear -> (mu, log sigma^2)
          decoder: [Linear, ReLU] per hidden size (reversed), Linear -> C*H*W outputs
    conv  encoder: Conv 4x4 stride 2 (C -> c1), ReLU, Conv 4x4 stride 2 (c1 -> c2), ReLU,
                   flatten, Linear -> (mu, log sigma^2)          (H, W -> H/4, W/4)
          decoder: Linear -> c2 x H/4 x W/4, ReLU, ConvTranspose 4x4 stride 2 (c2 -> c1),
                   ReLU, ConvTranspose 4x4 stride 2 (c1 -> C)

``mlp_vae`` and ``conv_vae`` pair an encoder with its decoder; any other pair
with the same inputs and outputs makes a VAE too.
"""
import itertools
import math

from ...nn import Conv2d, ConvTranspose2d, Linear, Module, ReLU, Sequential
from .likelihoods import BernoulliLikelihood
from .vae import VAE, checked_image_shape


def mlp(sizes):
    """Linear layers between consecutive ``sizes``, with a ReLU between two Linears (none after the last)."""
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [Linear(fan_in, fan_out), ReLU()]
    return Sequential(*layers[:-1])


class MLPEncoder(Module):
    """x (N, C, H, W) -> mu, log sigma^2 of q(z | x), each (N, latent_dim)."""

    def __init__(self, image_shape, latent_dim, hidden_sizes):
        super().__init__()
        self.net = mlp([math.prod(image_shape), *hidden_sizes, 2 * latent_dim])

    def forward(self, x):
        return self.net(x.flatten(1)).chunk(2, dim=-1)


class MLPDecoder(Module):
    """z (N, latent_dim) -> the per-pixel parameters of p(x | z), (N, C, H, W)."""

    def __init__(self, image_shape, latent_dim, hidden_sizes):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.net = mlp([latent_dim, *reversed(hidden_sizes), math.prod(image_shape)])

    def forward(self, z):
        return self.net(z).reshape((-1,) + self.image_shape)


class ConvEncoder(Module):
    """x (N, C, H, W) -> two stride-2 convolutions (H/4, W/4) -> mu, log sigma^2, each (N, latent_dim)."""

    def __init__(self, image_shape, latent_dim, channels):
        super().__init__()
        (c, h, w), (c1, c2) = image_shape, channels
        self.features = Sequential(Conv2d(c, c1, 4, stride=2, padding=1), ReLU(),
                                   Conv2d(c1, c2, 4, stride=2, padding=1), ReLU())  # fmt: skip
        self.head = Linear(c2 * (h // 4) * (w // 4), 2 * latent_dim)

    def forward(self, x):
        return self.head(self.features(x).flatten(1)).chunk(2, dim=-1)


class ConvDecoder(Module):
    """z (N, latent_dim) -> (c2, H/4, W/4) features -> two stride-2 transposed convolutions -> (N, C, H, W)."""

    def __init__(self, image_shape, latent_dim, channels):
        super().__init__()
        (c, h, w), (c1, c2) = image_shape, channels
        self.feature_shape = (c2, h // 4, w // 4)
        self.project = Linear(latent_dim, math.prod(self.feature_shape))
        self.upsample = Sequential(ConvTranspose2d(c2, c1, 4, stride=2, padding=1), ReLU(),
                                   ConvTranspose2d(c1, c, 4, stride=2, padding=1))  # fmt: skip

    def forward(self, z):
        return self.upsample(self.project(z).relu().reshape((-1,) + self.feature_shape))


def mlp_vae(latent_dim=16, image_shape=(1, 28, 28), hidden_sizes=(512, 512), likelihood=BernoulliLikelihood()):
    """A VAE whose encoder and decoder are MLPs with ``hidden_sizes`` hidden units (the decoder's reversed)."""
    image_shape = checked_image_shape(image_shape)
    return VAE(MLPEncoder(image_shape, latent_dim, hidden_sizes), MLPDecoder(image_shape, latent_dim, hidden_sizes),
               image_shape, latent_dim, likelihood)  # fmt: skip


def conv_vae(latent_dim=16, image_shape=(1, 28, 28), channels=(32, 64), likelihood=BernoulliLikelihood()):
    """A VAE whose encoder and decoder are two stride-2 (transposed) convolutions of ``channels`` (c1, c2)."""
    image_shape = checked_image_shape(image_shape)
    if image_shape[1] % 4 or image_shape[2] % 4:
        raise ValueError(f"conv_vae halves the image twice, so height and width must be multiples of 4; "
                         f"got image_shape {image_shape}")  # fmt: skip
    return VAE(ConvEncoder(image_shape, latent_dim, channels), ConvDecoder(image_shape, latent_dim, channels),
               image_shape, latent_dim, likelihood)  # fmt: skip
