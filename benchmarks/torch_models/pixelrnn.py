"""PixelRNN's Row LSTM and Diagonal BiLSTM in PyTorch, layer for layer
``tinygen.models.autoregressive.pixelrnn``.

Written independently of tinygen's ops: the LSTM gates from torch.sigmoid and
torch.tanh, the skew with one F.pad per row. Only the masks come from tinygen
(NumPy functions), as in the PixelCNN twin, which also supplies the shared
input layer, output head and likelihood.
"""
import torch
import torch.nn.functional as F
from torch import nn

from tinygen.models.autoregressive.masks import gate_mask

from .pixelcnn import MaskedConv2d, PixelAutoregressive


def input_to_state(in_channels, hidden_channels, kernel_size, color_groups):
    mask = gate_mask(in_channels, hidden_channels, kernel_size, color_groups)
    return MaskedConv2d(in_channels, 4 * hidden_channels, kernel_size, "B", color_groups, mask=mask)


def lstm_sweep(preacts, state_to_state, dim):
    """LSTM over the lines of preacts (N, 4h, H, W) along dim (2: rows, 3: columns) -> (N, h, H, W)."""
    lines = preacts.split(1, dim=dim)
    h = torch.zeros_like(lines[0][:, : preacts.shape[1] // 4])
    c = torch.zeros_like(h)
    hidden = []
    for line in lines:
        i, f, g, o = (line + state_to_state(h)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        hidden.append(h)
    return torch.cat(hidden, dim=dim)


def skew(x):
    """(N, C, H, W) -> (N, C, H, H + W - 1), row r shifted right by r."""
    height = x.shape[2]
    return torch.stack([F.pad(x[:, :, r], (r, height - 1 - r)) for r in range(height)], dim=2)


def unskew(y):
    height = y.shape[2]
    width = y.shape[3] - height + 1
    return torch.stack([y[:, :, r, r : r + width] for r in range(height)], dim=2)


class RowLSTMLayer(nn.Module):
    def __init__(self, hidden_channels, color_groups):
        super().__init__()
        h = hidden_channels
        self.input_to_state = input_to_state(2 * h, h, (1, 3), color_groups)
        self.state_to_state = nn.Conv2d(h, 4 * h, (1, 3), padding=(0, 1), bias=False)
        self.output_conv = MaskedConv2d(h, 2 * h, 1, "B", color_groups)

    def forward(self, x):
        return x + self.output_conv(lstm_sweep(self.input_to_state(x), self.state_to_state, dim=2))


class DiagonalLSTM(nn.Module):
    def __init__(self, hidden_channels, color_groups):
        super().__init__()
        h = hidden_channels
        self.input_to_state = input_to_state(2 * h, h, 1, color_groups)
        self.state_to_state = nn.Conv2d(h, 4 * h, (2, 1), bias=False)

    def forward(self, x):
        preacts = skew(self.input_to_state(x))
        return unskew(lstm_sweep(preacts, lambda h: self.state_to_state(F.pad(h, (0, 0, 1, 0))), dim=3))


class DiagonalBiLSTMLayer(nn.Module):
    def __init__(self, hidden_channels, color_groups):
        super().__init__()
        h = hidden_channels
        self.left_to_right = DiagonalLSTM(h, color_groups)
        self.right_to_left = DiagonalLSTM(h, color_groups)
        self.output_conv = MaskedConv2d(h, 2 * h, 1, "B", color_groups)

    def forward(self, x):
        right_to_left = self.right_to_left(x.flip(3)).flip(3)
        shifted = F.pad(right_to_left, (0, 0, 1, 0))[:, :, :-1]
        return x + self.output_conv(self.left_to_right(x) + shifted)


class PixelRNN(PixelAutoregressive):
    layer_type = None

    def __init__(self, channels=1, image_size=28, levels=2, hidden_channels=16, num_layers=2):
        super().__init__(channels, image_size, levels, hidden_channels)
        self.layers = nn.ModuleList([self.layer_type(hidden_channels, channels) for _ in range(num_layers)])


class RowLSTM(PixelRNN):
    layer_type = RowLSTMLayer


class DiagonalBiLSTM(PixelRNN):
    layer_type = DiagonalBiLSTMLayer
