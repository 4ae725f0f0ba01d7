"""Likelihoods in bits per dimension, the unit in which image models are compared.

    bits/dim = NLL / (D ln 2)

where NLL = -log p(x) is one data point's negative log-likelihood in nats
(natural logarithms, what ``log_prob`` returns) and D its number of
dimensions (pixels times channels: 784 for MNIST). Dividing by ln 2 turns nats
into bits; dividing by D makes images of different sizes comparable. On 8-bit
images a model that knows nothing (uniform over 256 levels) scores 8 bits/dim.
"""
import math
import numbers


def bits_per_dim(nll_nats, num_dims):
    """``nll_nats`` (a number, array or Tensor of per-example NLLs in nats) in bits per dimension."""
    if not isinstance(num_dims, numbers.Integral) or num_dims <= 0:
        raise ValueError(f"bits_per_dim: num_dims must be a positive integer (e.g. 784 for a 28x28 image), got {num_dims!r}")
    return nll_nats / (num_dims * math.log(2))
