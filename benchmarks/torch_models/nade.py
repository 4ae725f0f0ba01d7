"""``tinygen.models.autoregressive.nade.NADE`` in PyTorch: the same parameters, names and computation.

    a_d = c + W[:, <d] x_<d   (a cumulative sum starting from c),   h_d = sigmoid(a_d),
    log p(x) = sum_d log Bernoulli(x_d; sigmoid(b_d + V_d . h_d))
"""
import math

import torch
import torch.nn.functional as F


class NADE(torch.nn.Module):
    def __init__(self, shape, hidden_features, device=None, dtype=None):
        super().__init__()
        self.shape = tuple(shape)
        num_dims = math.prod(self.shape)
        linear_in = torch.nn.Linear(num_dims, hidden_features, device=device, dtype=dtype)
        linear_out = torch.nn.Linear(hidden_features, num_dims, device=device, dtype=dtype)
        self.weight, self.hidden_bias = linear_in.weight, linear_in.bias
        self.output_weight, self.output_bias = linear_out.weight, linear_out.bias

    def logits(self, x):
        x_shifted = torch.cat([torch.ones_like(x[:, :1]), x[:, :-1]], dim=1)  # the bias starts the running sum
        weight_shifted = torch.cat([self.hidden_bias.unsqueeze(1), self.weight[:, :-1]], dim=1)
        hidden = torch.sigmoid((x_shifted.unsqueeze(2) * weight_shifted.T).cumsum(1))
        return (hidden * self.output_weight).sum(-1) + self.output_bias

    def log_prob(self, x):
        x = x.reshape(x.shape[0], -1)
        return -F.binary_cross_entropy_with_logits(self.logits(x), x, reduction="none").sum(1)

    def loss(self, x):
        nll = -self.log_prob(x).mean()
        return nll, {"nll": nll}

