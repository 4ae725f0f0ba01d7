"""The stateless layer functions under PyTorch's names (``import tinygen.nn.functional as F``).

Most are the ops of ``tinygen.ops``, gathered here so that code written
against ``torch.nn.functional`` reads the same. The layer functions defined
below are compositions of those differentiable ops (no backward of their own),
so their first and second derivatives follow from the ops'. The Modules in
``tinygen.nn`` hold the parameters and call these; with x the input:

    linear:      y = x W^T + b
    embedding:   y[...] = W[index[...]]            (row lookup)
    batch_norm:  y = (x - mu) / sqrt(var + eps) * gamma + beta,
                 mu, var per channel (axis 1) over the batch and all other axes
    layer_norm:  the same, mu and var over the trailing ``normalized_shape`` axes
    group_norm:  the same, mu and var over each group of channels (and the
                 spatial axes) of one example; gamma, beta per channel
    instance_norm: group_norm with one channel per group

where var is the biased (divide-by-n) variance, as in PyTorch's forward. The three
share their two steps, ``moments`` and ``standardize`` (``tinygen.ops.normalization``),
each one fused op rather than a chain of small ones; in training, when the
statistics are the input's own, both steps and gamma and beta are one op,
``standardize_affine``, on the input viewed as (N, groups, channels, positions).
"""
import math

from .. import backend
from ..ops import (  # noqa: F401
    avg_pool2d,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    conv2d,
    conv_transpose2d,
    cross_entropy,
    dropout,
    dropout2d,
    elu,
    gelu,
    gaussian_log_likelihood,
    huber_loss,
    interpolate,
    kl_div,
    l1_loss,
    leaky_relu,
    log_softmax,
    masked_conv2d,
    max_pool2d,
    mse_loss,
    nll_loss,
    one_hot,
    pad,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from ..creation import ones, zeros
from ..ops.normalization import standardize, standardize_affine
from ..tensor import as_tensor


def linear(input, weight, bias=None):
    """y = x W^T + b for ``weight`` of shape (out_features, in_features), over any leading axes."""
    y = input @ weight.T
    return y if bias is None else y + bias


def embedding(input, weight):
    """Row ``input[...]`` of ``weight`` for every integer index in ``input``: shape input.shape + (dim,).

    The backward of indexing scatter-adds, so an index that appears twice
    collects both gradients into its row.
    """
    indices = as_tensor(input)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got {indices.dtype}")
    return weight[backend.to_device(indices.data, weight.device)]


def _scale_and_shift(y, weight, bias, shape):
    """y * gamma + beta, with gamma and beta reshaped to ``shape`` to broadcast against y."""
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (axis 1) of ``input`` (N, C, *) over the batch and the other axes.

    Training: use the batch's mean and biased variance, and, when running
    statistics are given, update them in place (outside the graph) as
        running <- (1 - momentum) * running + momentum * batch statistic,
    taking the UNBIASED variance (divide by n - 1) for running_var, as PyTorch
    does. Evaluation: use the running statistics instead of the batch's.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got {input.shape}")
    n, c = input.shape[:2]
    if not training:
        shape = (1, c) + (1,) * (input.ndim - 2)  # per channel, broadcast over the rest
        y = standardize(input, running_mean.reshape(shape), running_var.reshape(shape), eps)
        return _scale_and_shift(y, weight, bias, shape)
    count = input.numel() // c
    if count < 2:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input of shape {input.shape}")
    grouped = input.reshape(n, c, 1, count // n)  # each channel a group of one, its statistics over the batch
    y, mean, var = standardize_affine(grouped, *_affine(input, weight, bias, (c, 1)), eps, over_batch=True)
    if running_mean is not None:
        # From raw arrays: the running averages are state, not part of the graph.
        running_mean.copy_((1 - momentum) * running_mean.data + momentum * mean.data.reshape(-1))
        unbiased_var = var.data.reshape(-1) * (count / (count - 1))
        running_var.copy_((1 - momentum) * running_var.data + momentum * unbiased_var)
    return y.reshape(input.shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing axes ``normalized_shape`` (e.g. the features of each token)."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if input.shape[input.ndim - len(normalized_shape) :] != normalized_shape:
        raise ValueError(f"layer_norm: input of shape {input.shape} does not end in normalized_shape {normalized_shape}")
    features = math.prod(normalized_shape)
    rows = input.reshape(math.prod(input.shape[: input.ndim - len(normalized_shape)]), 1, features, 1)
    return standardize_affine(rows, *_affine(input, weight, bias, (1, features)), eps)[0].reshape(input.shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Split the C channels of ``input`` (N, C, *) into ``num_groups`` groups and normalise each
    group of each example over its channels and spatial axes."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: input of shape {input.shape} needs (N, C, *) with C divisible by {num_groups} groups")
    n, c = input.shape[:2]
    grouped = input.reshape(n, num_groups, c // num_groups, math.prod(input.shape[2:]))
    weight, bias = _affine(input, weight, bias, (num_groups, c // num_groups))
    return standardize_affine(grouped, weight, bias, eps)[0].reshape(input.shape)


def _affine(input, weight, bias, shape):
    """gamma and beta reshaped to ``shape``; ones and zeros for a layer without them."""
    like = dict(dtype=input.dtype, device=input.device)
    return (ones(shape, **like) if weight is None else weight.reshape(shape),
            zeros(shape, **like) if bias is None else bias.reshape(shape))  # fmt: skip


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):  # fmt: skip
    """Normalise each channel of each example over its spatial axes: group_norm with one channel per group."""
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise NotImplementedError("instance_norm: running statistics are not supported; normalise with the input's own")
    return group_norm(input, input.shape[1], weight, bias, eps)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to ``output_size`` (an int, or (H, W) with None for keep), when it divides the input's.

    ``output_size=1`` is global average pooling. PyTorch's uneven, overlapping windows for other sizes
    are not implemented.
    """
    out_h, out_w = (output_size, output_size) if isinstance(output_size, int) else output_size
    height, width = input.shape[-2:]
    out_h, out_w = out_h or height, out_w or width
    if height % out_h or width % out_w:
        raise NotImplementedError(f"adaptive_avg_pool2d: output size {(out_h, out_w)} must divide the input's "
                                  f"{(height, width)} (1 for global pooling); use avg_pool2d or interpolate")  # fmt: skip
    return avg_pool2d(input, (height // out_h, width // out_w))
