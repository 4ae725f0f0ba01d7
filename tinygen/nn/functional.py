"""The stateless layer functions under PyTorch's names (``import tinygen.nn.functional as F``).

They are the same ops as in ``tinygen.ops``; this module only gathers the ones
that layers and losses use, so that code written against
``torch.nn.functional`` reads the same here.
"""
from ..ops import (  # noqa: F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    dropout,
    elu,
    gaussian_log_likelihood,
    kl_normal_standard,
    leaky_relu,
    log_softmax,
    mse_loss,
    one_hot,
    pad,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
