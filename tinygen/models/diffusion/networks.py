"""Noise predictors eps_theta(x_t, t): an MLP for points of the plane, a small U-Net for 28x28 images.

Both are told the step t through its sinusoidal embedding (as a Transformer
is told a position; Vaswani et al., 2017), turned by a small MLP into a
vector that is added to the features of every block, so that one network
denoises at every noise level:

    emb(t)_i = sin(t w_i),  emb(t)_{i + d/2} = cos(t w_i),   w_i = 10000^(-i / (d/2)),  i < d/2.

    MLPDenoiser   x (N, D) -> Linear -> [+ time, SiLU, Linear] per hidden layer -> Linear -> eps (N, D)
    UNet          DDPM's network (Ho et al., 2020, after PixelCNN++ and Ronneberger et al., 2015) at 28x28:
                  residual blocks (GroupNorm, SiLU, 3x3 convolutions, the time vector added inside),
                  down 28 -> 14 -> 7 and back up, the features of each level on the way down
                  concatenated to those on the way up (the skips), self-attention at 7x7 if asked;
                  with ``num_classes``, a learned vector per label (and one for "no label") added to the time's
"""
import math

import numpy

from ...creation import full, tensor
from ...dtypes import int64
from ...nn import Conv2d, Embedding, GroupNorm, Linear, Module, ModuleList, Sequential, SiLU, Upsample
from ...ops import bmm, cat, silu, softmax


def timestep_embedding(t, dim, dtype):
    """The sinusoidal embedding of the steps t (N,) -> (N, dim), in ``dtype`` (see the module docstring)."""
    if dim % 2:
        raise ValueError(f"timestep_embedding: dim must be even (sines and cosines in pairs), got {dim}")
    half = dim // 2
    frequencies = tensor(numpy.exp(-math.log(10000.0) * numpy.arange(half) / half), dtype=dtype, device=t.device)  # w_i
    angles = t.to(dtype)[:, None] * frequencies[None, :]  # (N, half)
    return cat([angles.sin(), angles.cos()], dim=1)


def time_mlp(embedding_dim, out_dim):
    """emb(t) (N, embedding_dim) -> Linear -> SiLU -> Linear -> (N, out_dim): the time vector the blocks are given."""
    return Sequential(Linear(embedding_dim, out_dim), SiLU(), Linear(out_dim, out_dim))


class MLPDenoiser(Module):
    """eps_theta for D-dimensional points: ``hidden`` units in each of ``layers`` hidden layers, time added before each."""

    def __init__(self, data_dim=2, hidden=128, layers=3, embedding_dim=64):
        super().__init__()
        self.embedding_dim = embedding_dim
        self.time = time_mlp(embedding_dim, hidden)
        self.input = Linear(data_dim, hidden)
        self.hidden = ModuleList([Linear(hidden, hidden) for _ in range(layers)])
        self.output = Linear(hidden, data_dim)

    def forward(self, x, t):
        time = self.time(timestep_embedding(t, self.embedding_dim, x.dtype))  # (N, hidden)
        h = self.input(x)  # (N, hidden)
        for layer in self.hidden:
            h = layer(silu(h + time))
        return self.output(silu(h))  # (N, D)


class ResidualBlock(Module):
    """x (N, C_in, H, W), time (N, T_dim) -> (N, C_out, H, W):

        h = Conv3x3(SiLU(GroupNorm(x)))  +  Linear(SiLU(time)) as one value per channel
        h = Conv3x3(SiLU(GroupNorm(h)))
        out = h + x   (x through a 1x1 convolution when C_in != C_out)
    """

    def __init__(self, in_channels, out_channels, time_dim, groups):
        super().__init__()
        self.norm1, self.conv1 = GroupNorm(groups, in_channels), Conv2d(in_channels, out_channels, 3, padding=1)
        self.time = Linear(time_dim, out_channels)
        self.norm2, self.conv2 = GroupNorm(groups, out_channels), Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else None

    def forward(self, x, time):
        h = self.conv1(silu(self.norm1(x)))
        h = h + self.time(silu(time))[:, :, None, None]  # the step, as a shift of every channel
        h = self.conv2(silu(self.norm2(h)))
        return h + (x if self.skip is None else self.skip(x))


class SelfAttention(Module):
    """x (N, C, H, W) -> x + Conv1x1(attention), every position attending to every other (one head):

        q, k, v = Conv1x1(GroupNorm(x)) as (N, HW, C) each;   a = softmax(q k^T / sqrt(C)) v.
    """

    def __init__(self, channels, groups):
        super().__init__()
        self.norm = GroupNorm(groups, channels)
        self.qkv, self.out = Conv2d(channels, 3 * channels, 1), Conv2d(channels, channels, 1)

    def forward(self, x):
        n, c, height, width = x.shape
        qkv = self.qkv(self.norm(x)).reshape(n, 3, c, height * width).transpose(2, 3)  # (N, 3, HW, C)
        q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]
        weights = softmax(bmm(q, k.transpose(1, 2)) / math.sqrt(c), dim=-1)  # (N, HW, HW)
        attended = bmm(weights, v).transpose(1, 2).reshape(n, c, height, width)
        return x + self.out(attended)


class UNet(Module):
    """eps_theta for (N, ``in_channels``, 28, 28) images; ``channels`` C at 28x28, 2C at 14x14 and 7x7.

    Shapes for C = 32 and one-channel digits, e the time vector (N, 4C):

        x (N, 1, 28, 28) -> Conv3x3 -> (N, 32, 28, 28)
        down   28x28: Res(32 -> 32)                              -> skip0 (N, 32, 28, 28)   Conv3x3/2 -> 14x14
               14x14: Res(32 -> 64)                              -> skip1 (N, 64, 14, 14)   Conv3x3/2 -> 7x7
                7x7:  Res(64 -> 64)                              -> skip2 (N, 64, 7, 7)
        middle  7x7:  Res(64 -> 64), [attention], Res(64 -> 64)
        up      7x7:  Res(cat(h, skip2): 128 -> 64)              Upsample x2, Conv3x3 -> 14x14
               14x14: Res(cat(h, skip1): 128 -> 64)              Upsample x2, Conv3x3 -> 28x28
               28x28: Res(cat(h, skip0):  96 -> 32)
        out    GroupNorm, SiLU, Conv3x3 -> (N, 1, 28, 28)

    Every Res block also gets e. GroupNorm uses ``groups`` groups (C divisible by it).

    With ``num_classes`` K > 0 the network is also told a label y in 0 .. K-1, or K for "no label"
    (classifier-free guidance's null label, ``tinygen.models.diffusion.guidance``), as a learned
    vector added to e: forward(x, t, labels); labels=None means no label for every example.
    """

    def __init__(self, in_channels=1, channels=32, groups=8, attention=False, num_classes=0):
        super().__init__()
        c, c2, e = channels, 2 * channels, 4 * channels
        self.channels = c
        self.time = time_mlp(c, e)
        self.num_classes = num_classes
        self.label = Embedding(num_classes + 1, e) if num_classes else None  # index K: no label
        self.input = Conv2d(in_channels, c, 3, padding=1)
        block = lambda fan_in, fan_out: ResidualBlock(fan_in, fan_out, e, groups)  # noqa: E731
        self.down = ModuleList([block(c, c), block(c, c2), block(c2, c2)])
        self.downsample = ModuleList([Conv2d(c, c, 3, stride=2, padding=1), Conv2d(c2, c2, 3, stride=2, padding=1)])
        self.middle1, self.middle2 = block(c2, c2), block(c2, c2)
        self.attention = SelfAttention(c2, groups) if attention else None
        self.up = ModuleList([block(2 * c2, c2), block(2 * c2, c2), block(c2 + c, c)])  # input: h and the skip
        self.upsample = ModuleList([Sequential(Upsample(scale_factor=2), Conv2d(c2, c2, 3, padding=1)) for _ in range(2)])
        self.norm, self.output = GroupNorm(groups, c), Conv2d(c, in_channels, 3, padding=1)

    def forward(self, x, t, labels=None):
        if x.shape[-2:] != (28, 28):
            raise ValueError(f"UNet: expected 28x28 images (N, C, 28, 28), got {x.shape}")
        e = self.time(timestep_embedding(t, self.channels, x.dtype))  # (N, 4C)
        if self.label is not None:
            e = e + self.label(full((x.shape[0],), self.num_classes, dtype=int64, device=x.device)
                               if labels is None else labels)  # fmt: skip
        elif labels is not None:
            raise ValueError("UNet: labels were given to a network built without num_classes")
        h = self.input(x)  # (N, C, 28, 28)
        skips = []
        for level, block in enumerate(self.down):
            h = block(h, e)
            skips.append(h)  # 28x28, 14x14, 7x7
            if level < len(self.downsample):
                h = self.downsample[level](h)  # halves the side: 28 -> 14 -> 7
        h = self.middle1(h, e)  # (N, 2C, 7, 7)
        if self.attention is not None:
            h = self.attention(h)
        h = self.middle2(h, e)
        for level, block in enumerate(self.up):
            h = block(cat([h, skips.pop()], dim=1), e)  # the skip of the same resolution, channels concatenated
            if level < len(self.upsample):
                h = self.upsample[level](h)  # doubles the side: 7 -> 14 -> 28
        return self.output(silu(self.norm(h)))  # (N, C_in, 28, 28)
