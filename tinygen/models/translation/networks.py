"""The networks of image-to-image translation: a residual generator and a PatchGAN discriminator.

    ResidualGenerator   x (N, C, 28, 28) -> reflect-pad 3, conv 7x7 (w) -> conv 3x3/2 (2w) -> 14x14
                        -> ``blocks`` residual blocks  y = x + IN(conv(ReLU(IN(conv(x)))))  at 14x14
                        -> conv-transpose 3x3/2 (w) -> 28x28 -> reflect-pad 3, conv 7x7 (C) -> tanh
                        instance norm and ReLU after every convolution but the last
    PatchDiscriminator  x (N, C, 28, 28) -> conv 4x4/2 (w) -> 14x14 -> conv 4x4/2 (2w) -> 7x7
                        -> conv 3x3 (4w) -> conv 3x3 (1) -> a 7x7 map of scores, (N, 1, 7, 7)
                        LeakyReLU(0.2) between, instance norm on all but the first and last

These are CycleGAN's networks (Zhu et al., 2017, appendix 7.2, after
Johnson et al., 2016, and pix2pix's PatchGAN, Isola et al., 2017) scaled
from 256x256 photographs to 28x28 digits: one downsampling instead of two,
3 residual blocks instead of 9, ``width`` 16 instead of 64. The generator
changes an image's look and keeps its layout: the residual blocks make the
identity easy to represent, and reflection padding keeps the borders free of
the artefacts zero padding leaves. The discriminator scores overlapping
patches (each of the 7x7 scores is computed by convolutions from a 26x26
window; only instance norm's statistics are the whole image's) rather than
the whole image at once: it judges local texture (stroke or blocky blur),
and the translation's global shape is left to the generator's constraint
(the cycle). Instance normalisation (Ulyanov et al., 2016) normalises each
image on its own: the look of one digit is not averaged with the batch's. A
convolution followed by instance norm has no bias: the norm subtracts it
with the mean (and Adam would turn its rounding-noise gradient into steps of
size lr). Weights ~ N(0, 0.02) (``tinygen.models.gan.dcgan_init_``).

Both take an optional ``condition`` (N, condition_dim): constant feature
maps beside the input image (StarGAN's target domain); the generator's first
convolution then goes without instance norm, which would erase them. The discriminator is
a trunk and a head, ``forward(x) = head(features(x))``, so that another head
(StarGAN's domain classifier) can share the trunk.
"""
from ...nn import (Conv2d, ConvTranspose2d, Identity, InstanceNorm2d, LeakyReLU, Module, ReflectionPad2d, ReLU,
                   Sequential, Tanh, Upsample)
from ...ops import cat
from ..gan.networks import LEAK, dcgan_init_


def with_condition_maps(x, condition):
    """x with ``condition`` (N, k) appended as k constant feature maps, (N, C + k, H, W)."""
    if condition is None:
        return x
    return cat([x, condition.reshape(*condition.shape, 1, 1).expand(*condition.shape, *x.shape[2:])], dim=1)


class ResidualBlock(Module):
    """y = x + IN(conv(ReLU(IN(conv(x))))), 3x3 convolutions with reflection padding, channels kept."""

    def __init__(self, channels):
        super().__init__()
        self.net = Sequential(
            ReflectionPad2d(1), Conv2d(channels, channels, 3, bias=False), InstanceNorm2d(channels), ReLU(),
            ReflectionPad2d(1), Conv2d(channels, channels, 3, bias=False), InstanceNorm2d(channels),
        )  # fmt: skip

    def forward(self, x):
        return x + self.net(x)


class ResidualGenerator(Module):
    """Images (N, channels, 28, 28) -> translated images of the same shape in [-1, 1].

    ``resize=True`` doubles the side by nearest-neighbour upsampling and a 3x3 convolution instead of CycleGAN's
    transposed convolution, whose uneven overlap of kernels draws a checkerboard (Odena, Dumoulin & Olah,
    "Deconvolution and Checkerboard Artifacts", 2016): StarGAN's "thick" digits came out striped and speckled.
    """

    def __init__(self, channels=1, width=16, blocks=3, condition_dim=0, resize=False):
        super().__init__()
        # A constant condition map adds a constant to each channel of the first convolution (reflection
        # padding keeps it constant at the borders too), and instance norm subtracts each channel's mean:
        # normalised, the condition would vanish and G ignore it. With a condition, that layer is not normalised.
        first = ([Conv2d(channels + condition_dim, width, 7)] if condition_dim
                 else [Conv2d(channels, width, 7, bias=False), InstanceNorm2d(width)])  # fmt: skip
        self.net = Sequential(
            ReflectionPad2d(3), *first, ReLU(),
            Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=False), InstanceNorm2d(2 * width), ReLU(),  # 28 -> 14
            *(ResidualBlock(2 * width) for _ in range(blocks)),
            *([Upsample(scale_factor=2), ReflectionPad2d(1), Conv2d(2 * width, width, 3, bias=False)] if resize
              else [ConvTranspose2d(2 * width, width, 3, stride=2, padding=1, output_padding=1, bias=False)]),  # -> 28
            InstanceNorm2d(width), ReLU(),
            ReflectionPad2d(3), Conv2d(width, channels, 7), Tanh(),
        )  # fmt: skip
        dcgan_init_(self)

    def forward(self, x, condition=None):
        return self.net(with_condition_maps(x, condition))


class PatchDiscriminator(Module):
    """Images (N, channels, 28, 28) -> a 7x7 map of scores (N, 1, 7, 7), one per overlapping patch.

    ``normalize=False`` drops the instance norms (their convolutions get biases): StarGAN's critic has none,
    and a WGAN-GP critic should not standardise each image's features away.
    """

    def __init__(self, channels=1, width=16, condition_dim=0, normalize=True):
        super().__init__()
        norm = InstanceNorm2d if normalize else (lambda channels: Identity())  # noqa: E731
        self.trunk = Sequential(
            Conv2d(channels + condition_dim, width, 4, stride=2, padding=1), LeakyReLU(LEAK),  # 28 -> 14
            Conv2d(width, 2 * width, 4, stride=2, padding=1, bias=not normalize), norm(2 * width),  # -> 7
            LeakyReLU(LEAK),
            Conv2d(2 * width, 4 * width, 3, padding=1, bias=not normalize), norm(4 * width), LeakyReLU(LEAK),
        )  # fmt: skip
        self.last = Conv2d(4 * width, 1, 3, padding=1)
        dcgan_init_(self)

    def features(self, x, condition=None):
        """The trunk's feature maps, (N, 4 width, 7, 7)."""
        return self.trunk(with_condition_maps(x, condition))

    def head(self, features):
        return self.last(features)

    def forward(self, x, condition=None):
        return self.head(self.features(x, condition))
