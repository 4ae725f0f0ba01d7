"""PixelCNN and Gated PixelCNN in PyTorch, layer for layer ``tinygen.models.autoregressive.pixelcnn`` and
``gated_pixelcnn`` (same arguments and parameter names).

``PixelAutoregressive`` (the mask-A input layer, the output head, the
likelihood) is the twin of ``tinygen.models.autoregressive.pixel`` and serves
the PixelRNN twins too. The masks come from tinygen's ``pixelcnn_mask`` (a
NumPy function in ``tinygen.models.autoregressive.masks``), so both frameworks
run the same masks; ``copy_weights`` (in this package's ``__init__``) loads a
tinygen model's weights into its twin by name.
"""
import torch
import torch.nn.functional as F
from torch import nn

from tinygen.models.autoregressive.masks import gate_mask, pixelcnn_mask, vertical_mask


class MaskedConv2d(nn.Conv2d):
    """conv2d with weight * mask; padding kernel_size // 2 keeps the image size."""

    def __init__(self, in_channels, out_channels, kernel_size, mask_type, color_groups=1, mask=None):
        kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
        super().__init__(in_channels, out_channels, (kh, kw), padding=(kh // 2, kw // 2))
        if mask is None:
            mask = pixelcnn_mask(out_channels, in_channels, (kh, kw), mask_type, color_groups)
        self.register_buffer("mask", torch.from_numpy(mask))

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class PixelAutoregressive(nn.Module):
    """Mask-A 7x7 input conv, ``self.layers`` (set by subclasses), ReLU-1x1-ReLU-1x1 head; Bernoulli or Categorical."""

    def __init__(self, channels, image_size, levels, hidden_channels):
        super().__init__()
        self.channels, self.levels = channels, levels
        features, logits_per_subpixel = 2 * hidden_channels, 1 if levels == 2 else levels
        self.input_conv = MaskedConv2d(channels, features, 7, "A", channels)
        self.output_head = nn.Sequential(
            nn.ReLU(),
            MaskedConv2d(features, features, 1, "B", channels),
            nn.ReLU(),
            MaskedConv2d(features, channels * logits_per_subpixel, 1, "B", channels),
        )

    def forward(self, x):
        features = self.input_conv(x * (2 / (self.levels - 1)) - 1)
        for layer in self.layers:
            features = layer(features)
        return self.head(features)

    def head(self, features):
        logits = self.output_head(features)
        if self.levels == 2:
            return logits
        n, _, height, width = logits.shape
        return logits.reshape(n, self.channels, self.levels, height, width).permute(0, 1, 3, 4, 2)

    def log_prob_per_dim(self, x):
        logits = self(x)
        if self.levels == 2:
            return torch.distributions.Bernoulli(logits=logits).log_prob(x)
        return torch.distributions.Categorical(logits=logits).log_prob(x.long())

    def log_prob(self, x):
        return self.log_prob_per_dim(x).sum(dim=(1, 2, 3))

    def loss(self, x):
        nll = -self.log_prob(x).mean()
        return nll, {"nll": nll}


class ResidualBlock(nn.Module):
    def __init__(self, hidden_channels, kernel_size, color_groups):
        super().__init__()
        h = hidden_channels
        self.body = nn.Sequential(
            nn.ReLU(), MaskedConv2d(2 * h, h, 1, "B", color_groups),
            nn.ReLU(), MaskedConv2d(h, h, kernel_size, "B", color_groups),
            nn.ReLU(), MaskedConv2d(h, 2 * h, 1, "B", color_groups),
        )  # fmt: skip

    def forward(self, x):
        return x + self.body(x)


class PixelCNN(PixelAutoregressive):
    def __init__(self, channels=1, image_size=28, levels=2, hidden_channels=32, num_blocks=5, kernel_size=3):
        super().__init__(channels, image_size, levels, hidden_channels)
        self.layers = nn.ModuleList([ResidualBlock(hidden_channels, kernel_size, channels) for _ in range(num_blocks)])



def gated(x):
    f, g = x.chunk(2, dim=1)
    return torch.tanh(f) * torch.sigmoid(g)


class GatedBlock(nn.Module):
    def __init__(self, features, kernel_size, color_groups):
        super().__init__()
        k = kernel_size
        self.vertical = MaskedConv2d(features, 2 * features, k, None, mask=vertical_mask(2 * features, features, k, "B"))
        self.horizontal = MaskedConv2d(features, 2 * features, (1, k), None,
                                       mask=gate_mask(features, features, (1, k), color_groups, gates=2))  # fmt: skip
        self.vertical_to_horizontal = nn.Conv2d(2 * features, 2 * features, 1)
        self.output_conv = MaskedConv2d(features, features, 1, "B", color_groups)

    def forward(self, vertical, horizontal):
        v = self.vertical(vertical)
        h = self.horizontal(horizontal) + self.vertical_to_horizontal(v)
        return gated(v), horizontal + self.output_conv(gated(h))


class GatedPixelCNN(PixelAutoregressive):
    def __init__(self, channels=1, image_size=28, levels=2, hidden_channels=16, num_blocks=5, kernel_size=3):
        super().__init__(channels, image_size, levels, hidden_channels)
        self.vertical_input = MaskedConv2d(channels, 2 * hidden_channels, 7, None,
                                           mask=vertical_mask(2 * hidden_channels, channels, 7, "A"))  # fmt: skip
        self.layers = nn.ModuleList(
            [GatedBlock(2 * hidden_channels, kernel_size, channels) for _ in range(num_blocks)]
        )

    def forward(self, x):
        x = x * (2 / (self.levels - 1)) - 1
        vertical, horizontal = self.vertical_input(x), self.input_conv(x)
        for block in self.layers:
            vertical, horizontal = block(vertical, horizontal)
        return self.head(horizontal)
