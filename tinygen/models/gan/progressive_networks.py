"""Progressive GAN's networks (Karras et al., 2018): a generator and a critic that grow 7x7 -> 14x14 -> 28x28.

Both are stacks of blocks, one per resolution, read by ``forward(x, stage, alpha)``:

    generator  z -> block 0 (7x7) -> block 1 (up x2, 14x14) -> block 2 (up x2, 28x28) ... -> to_rgb[stage]
    critic     x -> from_rgb[stage] -> block stage (..., pool /2) -> ... -> block 0 (7x7 -> one score)

Stage s uses blocks 0..s. While block s is faded in, alpha going from 0 to
1, each network blends its new path with the path it had before, doubled
(generator) or halved (critic) to the new resolution:

    G(z) = (1 - alpha) upsample(to_rgb[s-1](h)) + alpha to_rgb[s](block_s(h)),   h = blocks 0..s-1 (z)
    D(x) = blocks s-1..0 ( (1 - alpha) from_rgb[s-1](avgpool(x)) + alpha block_s(from_rgb[s](x)) )

so at alpha = 0 the grown networks compute exactly what the smaller ones
did, and the new layers, freshly initialised, come in gently. Upsampling is
nearest-neighbour and downsampling 2x2 average pooling, as in the paper.

The paper's stabilisers, each a small module here:

    EqualizedConv2d, EqualizedLinear   weights stored as N(0, 1) and multiplied at run time by He's constant
                        c = gain / sqrt(fan_in) (gain sqrt 2 before a LeakyReLU, 1 before an output): every
                        weight then has the same dynamic range, so Adam, whose steps are about lr whatever the
                        gradient's scale, moves every layer at the same relative speed ("equalised learning rate")
    PixelNorm           each pixel's feature vector scaled to unit mean square, b = a / sqrt(mean_c a_c^2 + 1e-8),
                        after every convolution of the generator: keeps the signal magnitudes from
                        escalating in the game, in place of batch norm
    MinibatchStdDev     the standard deviation of each feature at each pixel over the batch, averaged into one
                        number and appended as a constant feature map before the critic's last block: the
                        critic sees how varied the batch is, so a generator without variety is easy to reject

LeakyReLU(0.2) throughout; no batch norm anywhere (the critic is WGAN-GP's).
The paper's channels (512 at the lowest resolutions, halving from 64x64 up)
are scaled down: ``channels`` per stage, (2w, 2w, w) by default.
"""
import math

from ...autograd.grad_mode import no_grad
from ...nn import AvgPool2d, Conv2d, Flatten, LeakyReLU, Linear, Module, ModuleList, Sequential, Unflatten, Upsample
from ...nn import functional as F
from ...ops import cat

LEAK = 0.2
HE_GAIN = math.sqrt(2)  # for a layer before a (Leaky)ReLU


def fade_in(old, new, alpha):
    """(1 - alpha) old + alpha new: the old path at alpha = 0, the new one at alpha = 1."""
    return (1 - alpha) * old + alpha * new


class EqualizedConv2d(Conv2d):
    """Conv2d whose weight is stored ~ N(0, 1) and scaled by gain / sqrt(in_channels * kh * kw) in each forward."""

    def __init__(self, in_channels, out_channels, kernel_size, padding=0, gain=HE_GAIN):
        super().__init__(in_channels, out_channels, kernel_size, padding=padding)
        with no_grad():
            self.weight.normal_(0.0, 1.0)
            self.bias.zero_()
        self.scale = gain / math.sqrt(in_channels * math.prod(self.kernel_size))

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scale, self.bias, self.stride, self.padding)


class EqualizedLinear(Linear):
    """Linear whose weight is stored ~ N(0, 1) and scaled by gain / sqrt(in_features) in each forward."""

    def __init__(self, in_features, out_features, gain=HE_GAIN):
        super().__init__(in_features, out_features)
        with no_grad():
            self.weight.normal_(0.0, 1.0)
            self.bias.zero_()
        self.scale = gain / math.sqrt(in_features)

    def forward(self, x):
        return F.linear(x, self.weight * self.scale, self.bias)


class PixelNorm(Module):
    """a (N, C, ...) -> a / sqrt(mean over C of a^2 + eps): each pixel's feature vector to unit mean square."""

    def __init__(self, eps=1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        return x / ((x * x).mean(dim=1, keepdim=True) + self.eps).sqrt()


class MinibatchStdDev(Module):
    """x (N, C, H, W) -> (N, C + 1, H, W): one more feature map, filled with the mean over (C, H, W) of the
    batch's standard deviation (biased, over N) of each feature at each pixel."""

    def __init__(self, eps=1e-8):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        deviations = x - x.mean(dim=0, keepdim=True)
        std = ((deviations * deviations).mean(dim=0) + self.eps).sqrt()  # (C, H, W)
        return cat([x, std.mean().reshape(1, 1, 1, 1).expand(x.shape[0], 1, *x.shape[2:])], dim=1)


def checked_stage(stage, resolutions):
    """``stage``, or the last one if None; a clear error if the networks have no such stage."""
    if stage is None:
        return len(resolutions) - 1
    if not 0 <= stage < len(resolutions):
        raise ValueError(f"stage {stage}: the networks have stages 0..{len(resolutions) - 1} "
                         f"(resolutions {resolutions})")  # fmt: skip
    return stage


def conv3x3(in_channels, out_channels):
    """An equalised 3x3 convolution that keeps the size, then LeakyReLU."""
    return [EqualizedConv2d(in_channels, out_channels, 3, padding=1), LeakyReLU(LEAK)]


class ProgressiveGenerator(Module):
    """z (N, latent_dim) -> images (N, image_channels, r, r), r = base * 2^stage; ``channels`` per stage."""

    def __init__(self, latent_dim, channels=(64, 64, 32), image_channels=1, base=7):
        super().__init__()
        self.resolutions = tuple(base * 2**stage for stage in range(len(channels)))
        first = Sequential(PixelNorm(), EqualizedLinear(latent_dim, channels[0] * base * base),
                           Unflatten(1, (channels[0], base, base)), LeakyReLU(LEAK), PixelNorm(),
                           *conv3x3(channels[0], channels[0]), PixelNorm())  # fmt: skip
        self.blocks = ModuleList([first] + [
            Sequential(Upsample(scale_factor=2), *conv3x3(c_in, c_out), PixelNorm(),
                       *conv3x3(c_out, c_out), PixelNorm())
            for c_in, c_out in zip(channels, channels[1:])])  # fmt: skip
        self.to_rgb = ModuleList(EqualizedConv2d(c, image_channels, 1, gain=1.0) for c in channels)

    def forward(self, z, stage=None, alpha=1.0):
        """The images of ``stage`` (default: the last), block ``stage`` faded in by ``alpha``."""
        stage = checked_stage(stage, self.resolutions)
        h = z
        for block in self.blocks[:stage]:
            h = block(h)
        new = self.to_rgb[stage](self.blocks[stage](h))
        if stage == 0 or alpha == 1:
            return new
        return fade_in(F.interpolate(self.to_rgb[stage - 1](h), scale_factor=2), new, alpha)


class ProgressiveDiscriminator(Module):
    """Images (N, image_channels, r, r), r = base * 2^stage -> one critic score per example, (N,)."""

    def __init__(self, channels=(64, 64, 32), image_channels=1, base=7):
        super().__init__()
        self.resolutions = tuple(base * 2**stage for stage in range(len(channels)))
        last = Sequential(MinibatchStdDev(), *conv3x3(channels[0] + 1, channels[0]),
                          EqualizedConv2d(channels[0], channels[0], base), LeakyReLU(LEAK),  # base x base -> 1 x 1
                          Flatten(), EqualizedLinear(channels[0], 1, gain=1.0))  # fmt: skip
        self.blocks = ModuleList([last] + [
            Sequential(*conv3x3(c_in, c_in), *conv3x3(c_in, c_out), AvgPool2d(2))
            for c_out, c_in in zip(channels, channels[1:])])  # fmt: skip
        self.from_rgb = ModuleList(Sequential(EqualizedConv2d(image_channels, c, 1), LeakyReLU(LEAK)) for c in channels)

    def forward(self, x, stage=None, alpha=1.0):
        """The scores of images of ``stage``'s resolution (default: the last), block ``stage`` faded in by ``alpha``."""
        stage = checked_stage(stage, self.resolutions)
        if x.shape[-1] != self.resolutions[stage]:
            raise ValueError(f"the critic at stage {stage} reads {self.resolutions[stage]}x{self.resolutions[stage]} "
                             f"images, got shape {tuple(x.shape)}: downsample them first")  # fmt: skip
        h = self.blocks[stage](self.from_rgb[stage](x))
        if stage > 0 and alpha != 1:
            h = fade_in(self.from_rgb[stage - 1](F.avg_pool2d(x, 2)), h, alpha)
        for block in reversed(self.blocks[:stage]):
            h = block(h)
        return h.reshape(-1)
