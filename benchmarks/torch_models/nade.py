"""``tinygen.models.nade.NADE`` in PyTorch: the same parameters, names and computation.

    a_d = c + W[:, <d] x_<d   (exclusive cumulative sum),   h_d = sigmoid(a_d),
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
        terms = x.unsqueeze(2) * self.weight.T
        exclusive = F.pad(terms.cumsum(1)[:, :-1], (0, 0, 1, 0))
        hidden = torch.sigmoid(self.hidden_bias + exclusive)
        return (hidden * self.output_weight).sum(-1) + self.output_bias

    def log_prob(self, x):
        x = x.reshape(x.shape[0], -1)
        return -F.binary_cross_entropy_with_logits(self.logits(x), x, reduction="none").sum(1)

    def loss(self, x):
        return -self.log_prob(x).mean()

