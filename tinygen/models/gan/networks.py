"""The generators and discriminators every GAN here is built from: MLPs and DCGAN's convolutional pair.

    MLPGenerator        z -> [Linear, ReLU] per hidden size -> Linear -> out_shape (tanh for images)
    MLPDiscriminator    x -> flatten -> [Linear, LeakyReLU(0.2)] per hidden size -> Linear -> one logit
    DCGANGenerator      z (N, d) as (N, d, 1, 1) -> ConvT 7x7 -> 7x7 -> ConvT 4x4/2 -> 14x14 -> ConvT 4x4/2 -> 28x28
                        batch norm and ReLU between, tanh at the end
    DCGANDiscriminator  28x28 -> Conv 4x4/2 -> 14x14 -> Conv 4x4/2 -> 7x7 -> Conv 7x7 -> one logit
                        LeakyReLU(0.2) between; batch norm on the middle layer unless batch_norm=False
    AutoencoderDiscriminator  28x28 -> DCGAN's two strided convolutions -> Linear -> a code h (encode),
                        h -> Linear -> 7x7 -> ConvT 4x4/2 -> 14x14 -> ConvT 4x4/2 -> 28x28 (decode), ELU between
                        and no squashing at the end, as BEGAN's: the energy-based discriminators (EBGAN,
                        BEGAN) score x by how well it is reconstructed. (With a tanh output the digits' -1
                        background saturates it; the reconstruction's gradient vanishes there and the
                        autoencoder sat at the median image, L1 error 0.25, for 600 steps.) Leave it at
                        its default initialisation: under dcgan_init_'s N(0, 0.02) its six layers, with no
                        batch norm, each shrink the signal by about 0.02 sqrt(fan-in): reconstructions of
                        different digits come out 2e-4 apart (0.024 at the default), and D scores every
                        image alike.

DCGAN's rules (Radford, Metz & Chintala, 2016) are in the convolutional
pair: strided convolutions instead of pooling, transposed convolutions to
upsample, batch norm in both networks except the generator's output and the
discriminator's input, ReLU in the generator with tanh at its output,
LeakyReLU in the discriminator, no fully connected hidden layers; and
``dcgan_init_``: every weight drawn from N(0, 0.02). The layer sizes are
those of the paper's 64x64 network scaled down to 28x28 digits (two
upsamplings instead of four).

A discriminator returns one real number per example, (N,): a logit for the
GAN's D(x) = sigmoid(logit), a score for the Wasserstein critic. It is a
trunk and a last layer, ``forward(x) = head(features(x))``, so that another
head can share the trunk (InfoGAN's Q reads ``features``). For
WGAN-GP the critic has no batch norm (``batch_norm=False``): the penalty is
on each example's input gradient, which batch norm would tie to the batch.

Every network takes an optional ``condition`` (N, condition_dim), the
conditional GAN's label embedding: the generator concatenates it to z, the
MLP discriminator to the flattened image, the convolutional discriminator to
the image as constant feature maps.
"""
import itertools
import math

from ...autograd.grad_mode import no_grad
from ...nn import ELU, BatchNorm2d, Conv2d, ConvTranspose2d, Flatten, LeakyReLU, Linear, Module, ReLU, Sequential, Tanh, Unflatten
from ...ops import cat

LEAK = 0.2  # the slope of LeakyReLU's negative side, as in DCGAN


def mlp(sizes, activation):
    """Linear layers between consecutive ``sizes``, with ``activation()`` between two Linears (none after the last)."""
    layers = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [Linear(fan_in, fan_out), activation()]
    return Sequential(*layers[:-1])


def _with_condition(x, condition):
    return x if condition is None else cat([x, condition], dim=1)


class MLPGenerator(Module):
    """z (N, latent_dim) -> samples (N, *out_shape); ``tanh`` squashes into [-1, 1] (images), else unbounded (2-D points)."""

    def __init__(self, latent_dim, out_shape, hidden_sizes=(256, 256), tanh=True, condition_dim=0):
        super().__init__()
        self.out_shape = tuple(out_shape)
        self.net = mlp([latent_dim + condition_dim, *hidden_sizes, math.prod(self.out_shape)], ReLU)
        self.output = Tanh() if tanh else Sequential()

    def forward(self, z, condition=None):
        return self.output(self.net(_with_condition(z, condition))).reshape((-1,) + self.out_shape)


class MLPDiscriminator(Module):
    """x (N, *in_shape) -> one logit (or critic score) per example, (N,)."""

    def __init__(self, in_shape, hidden_sizes=(256, 256), condition_dim=0):
        super().__init__()
        self.net = mlp([math.prod(in_shape) + condition_dim, *hidden_sizes, 1], lambda: LeakyReLU(LEAK))

    def features(self, x, condition=None):
        """The last hidden layer's activations, (N, hidden_sizes[-1])."""
        return self.net[:-1](_with_condition(x.flatten(1), condition))

    def head(self, features):
        return self.net[-1](features).reshape(-1)

    def forward(self, x, condition=None):
        return self.head(self.features(x, condition))


class DCGANGenerator(Module):
    """z (N, latent_dim) -> images (N, channels, 28, 28) in [-1, 1]; ``width`` feature maps before the last layer."""

    def __init__(self, latent_dim, channels=1, width=64, condition_dim=0):
        super().__init__()
        self.net = Sequential(
            ConvTranspose2d(latent_dim + condition_dim, 2 * width, 7, bias=False), BatchNorm2d(2 * width), ReLU(),  # 1 -> 7
            ConvTranspose2d(2 * width, width, 4, stride=2, padding=1, bias=False), BatchNorm2d(width), ReLU(),  # -> 14
            ConvTranspose2d(width, channels, 4, stride=2, padding=1), Tanh(),  # -> 28
        )

    def forward(self, z, condition=None):
        z = _with_condition(z, condition)
        return self.net(z.reshape(*z.shape, 1, 1))


class DCGANDiscriminator(Module):
    """Images (N, channels, 28, 28) -> one logit (or critic score) per example, (N,)."""

    def __init__(self, channels=1, width=64, batch_norm=True, condition_dim=0):
        super().__init__()
        middle = [BatchNorm2d(2 * width)] if batch_norm else []
        self.net = Sequential(
            Conv2d(channels + condition_dim, width, 4, stride=2, padding=1), LeakyReLU(LEAK),  # 28 -> 14
            Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=not batch_norm), *middle, LeakyReLU(LEAK),  # -> 7
            Conv2d(2 * width, 1, 7),  # -> 1
        )

    def features(self, x, condition=None):
        """The 7x7 feature maps before the last convolution, (N, 2 width, 7, 7)."""
        if condition is not None:  # the label as constant feature maps beside the image
            condition = condition.reshape(*condition.shape, 1, 1).expand(*condition.shape, *x.shape[2:])
        return self.net[:-1](_with_condition(x, condition))

    def head(self, features):
        return self.net[-1](features).reshape(-1)

    def forward(self, x, condition=None):
        return self.head(self.features(x, condition))


class AutoencoderDiscriminator(Module):
    """Images (N, channels, 28, 28) -> their reconstructions, through a code of ``code_dim`` numbers (``encode``)."""

    def __init__(self, channels=1, width=64, code_dim=64):
        super().__init__()
        self.encoder = Sequential(
            Conv2d(channels, width, 4, stride=2, padding=1), ELU(),  # 28 -> 14
            Conv2d(width, 2 * width, 4, stride=2, padding=1), ELU(),  # -> 7
            Flatten(), Linear(2 * width * 7 * 7, code_dim),
        )  # fmt: skip
        self.decoder = Sequential(
            Linear(code_dim, 2 * width * 7 * 7), ELU(), Unflatten(1, (2 * width, 7, 7)),
            ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), ELU(),  # 7 -> 14
            ConvTranspose2d(width, channels, 4, stride=2, padding=1),  # -> 28
        )  # fmt: skip

    def encode(self, x):
        return self.encoder(x)

    def decode(self, code):
        return self.decoder(code)

    def forward(self, x):
        return self.decode(self.encode(x))


def dcgan_init_(module, std=0.02):
    """DCGAN's initialisation, in place: convolution weights ~ N(0, std), batch-norm scales ~ N(1, std), biases 0."""
    with no_grad():
        for layer in module.modules():
            if isinstance(layer, (Conv2d, ConvTranspose2d, Linear)):
                layer.weight.normal_(0.0, std)
            elif isinstance(layer, BatchNorm2d):
                layer.weight.normal_(1.0, std)
            if isinstance(layer, (Conv2d, ConvTranspose2d, Linear, BatchNorm2d)) and layer.bias is not None:
                layer.bias.zero_()
    return module
