"""Checks that an autoregressive model is what it claims, written once for every model.

1. The autoregressive property, checked from gradients: the test that catches an off-by-one mask.

An autoregressive model factorises p(x) = prod_i p(x_i | x_<i) in a fixed
order. Its per-dimension log-probabilities must therefore satisfy, for every
dimension i and every dimension j,

    d log p(x_i | x_<i) / d x_j == 0   exactly,  whenever rank(j) >= rank(i),

(a mask or skew that lets one future pixel through breaks it), and, for every
i but the first, some earlier j (rank(j) < rank(i)) has a non-zero gradient
(a model that sees nothing at all is not autoregressive either, just blind).
Examples in a batch are independent, so the gradient on every other example
of the batch must vanish too.

The value x_i itself enters log p(x_i | ...) too (a Bernoulli's log-probability
x log p + (1 - x) log(1 - p) is differentiable in x), and that dependence is
allowed. So the model is asked for ``log_prob_per_dim(x, context)``: the
log-probability of the values x under the conditionals computed from
``context`` (the model's own input), and only the context is differentiated.
The check passes context = x, so the values are exactly the model's own.

``rank`` is the position of each dimension in the generation order:

    images (N, C, H, W): raster order over pixels, and R -> G -> B inside a pixel,
        rank(c, h, w) = (h * W + w) * C + c;
    vectors (N, D): rank(d) = d, or any permutation passed as ``order``.

The check takes two backward passes, whatever the size: one on the batch for the
independence, and one on a batch of D copies of each example, copy i asking
for the gradient of log p_i alone. Keep the images tiny all the same: a batch
of N 5x5x3 images becomes 75 N copies.

2. An exact likelihood: on data small enough to enumerate, sum_x p(x) = 1.

3. Sampling from that likelihood: the frequencies of many samples match p(x).
   A sampler that draws a pixel before the ones it depends on fails this.

4. The same numbers as the PyTorch twin of the model, gradients included.

5. A fast sampler is exact: its step-by-step conditionals (``params_in_order``)
   are log_prob's, and, given the same random stream, it draws what the naive
   sampler (``sample_naive``, one full pass per step) draws. The first alone
   misses a cache left stale by a value drawn after it was filled; the second
   catches it, since the later draws change.
"""
import numpy as np
from .torch_reference import assert_same_outputs_and_gradients

import tinygen as tg
from tinygen.distributions import Categorical


def raster_order(channels, height, width):
    """rank[c, h, w] = (h * W + w) * C + c: pixels in raster order, channels R -> G -> B within each."""
    c, h, w = np.meshgrid(np.arange(channels), np.arange(height), np.arange(width), indexing="ij")
    return (h * width + w) * channels + c


def assert_autoregressive(log_prob_per_dim, x, order=None):
    """Check the autoregressive property of ``log_prob_per_dim`` at every example of the batch ``x``.

    log_prob_per_dim: (x, context) -> Tensor shaped like x,
        entry [n, *j] = log p(x[n, *j] | the dimensions of context[n] before j).
    x: (N, C, H, W) images or (N, D) vectors; float64 makes "exactly zero" a strong statement.
    order: integer array shaped like one example, order[j] = rank of dimension j in the
        generation order (default: raster with R -> G -> B for images, 0..D-1 for vectors).
    """
    x = np.asarray(x.numpy() if isinstance(x, tg.Tensor) else x)
    if x.ndim not in (2, 4):
        raise ValueError(f"x must be (N, D) vectors or (N, C, H, W) images, got shape {x.shape}")
    if order is None:
        order = raster_order(*x.shape[1:]) if x.ndim == 4 else np.arange(x.shape[1])
    order = np.asarray(order)
    if order.shape != x.shape[1:] or sorted(order.ravel()) != list(range(order.size)):
        raise ValueError(f"order must be a permutation of 0..{order.size - 1} shaped {x.shape[1:]}, got {order}")
    _assert_examples_independent(log_prob_per_dim, x)
    # One copy of each example per dimension i, and one backward pass for all of them: the copy's
    # gradient is that of log p_i alone, since (checked above) examples do not mix.
    examples, dims = x.shape[0], order.size
    copies = np.repeat(x, dims, axis=0)
    log_probs, context = _log_probs_and_context(log_prob_per_dim, copies)
    seed = np.zeros((examples, dims, dims))
    seed[:, np.arange(dims), np.arange(dims)] = 1.0  # copy (n, i) asks for dimension i
    (gradient,) = tg.grad(log_probs, context, grad_outputs=tg.tensor(seed.reshape(copies.shape)))
    gradient = gradient.numpy().reshape(examples, dims, dims)
    rank = order.ravel()
    for n in range(examples):
        for i in np.argsort(rank):
            sees, future = gradient[n, i] != 0, rank >= rank[i]
            where = f"log p of dimension {_index(i, order)} (rank {rank[i]}) of example {n}"
            if np.any(sees & future):
                leaks = [_index(j, order) for j in np.flatnonzero(sees & future)]
                raise AssertionError(f"{where} depends on dimensions at or after it in the order: {leaks[:8]}")
            if rank[i] > 0 and not np.any(sees & ~future):
                raise AssertionError(f"{where} depends on no earlier dimension")


def _log_probs_and_context(log_prob_per_dim, x):
    context = tg.tensor(x.copy(), requires_grad=True)
    log_probs = log_prob_per_dim(tg.tensor(x), context)
    if log_probs.shape != x.shape:
        raise AssertionError(f"log_prob_per_dim returned shape {log_probs.shape}, expected x's shape {x.shape}")
    return log_probs, context


def _assert_examples_independent(log_prob_per_dim, x):
    """No log-probability of example 0 may depend on another example (a batch statistic would)."""
    log_probs, context = _log_probs_and_context(log_prob_per_dim, x)
    seed = np.zeros(x.shape)
    seed[0] = 1.0
    (gradient,) = tg.grad(log_probs, context, grad_outputs=tg.tensor(seed))
    if np.any(gradient.numpy()[1:] != 0):
        raise AssertionError("the log-probabilities of example 0 depend on other examples of the batch")


def _index(flat, order):
    return tuple(int(k) for k in np.unravel_index(flat, order.shape))


def every_value(shape, levels):
    """Every array of ``shape`` with entries in 0..levels-1, in lexicographic order: (levels^size, *shape)."""
    size = int(np.prod(shape))
    digits = np.meshgrid(*[np.arange(levels)] * size, indexing="ij")
    return np.stack(digits, axis=-1).reshape(-1, *shape).astype(np.float64)


def assert_normalised(log_prob, shape, levels):
    """sum over every x of exp(log_prob(x)) is 1: the model is a probability distribution."""
    total = np.exp(log_prob(tg.tensor(every_value(shape, levels))).numpy()).sum()
    np.testing.assert_allclose(total, 1.0, rtol=1e-10, err_msg="the probabilities of all possible inputs")


def assert_samples_follow(model, shape, levels, n):
    """The frequency of each possible x among n samples is within 5 standard errors of p(x)."""
    samples = model.sample(n).numpy().reshape(n, -1)
    codes = (samples @ levels ** np.arange(samples.shape[1])[::-1]).astype(np.int64)  # lexicographic rank
    frequency = np.bincount(codes, minlength=levels ** samples.shape[1]) / n
    p = np.exp(model.log_prob(tg.tensor(every_value(shape, levels))).numpy())
    standard_error = np.sqrt(p * (1 - p) / n)
    worst = np.argmax(np.abs(frequency - p) / (standard_error + 1 / n))
    assert abs(frequency[worst] - p[worst]) <= 5 * standard_error[worst] + 1 / n, (
        f"x = {every_value(shape, levels)[worst].ravel()} was sampled with frequency {frequency[worst]:.4f}, "
        f"but the model gives it p = {p[worst]:.4f}"
    )


def assert_same_as_twin(model, twin, x):
    """``model`` and its PyTorch ``twin``, holding the same parameters, give the same log p(x)
    and the same gradient for every parameter (run both in float64)."""
    import torch

    twin_parameters = dict(twin.named_parameters())
    pairs = [(name, (parameter, twin_parameters[name])) for name, parameter in model.named_parameters()]
    assert_same_outputs_and_gradients(model.log_prob(tg.tensor(x)), twin.log_prob(torch.from_numpy(x)), pairs)


def assert_training_halves_the_nll(model, steps=15):
    """A few Adam steps on a learnable picture (6x6 vertical stripes, either phase) halve a binary model's NLL."""
    stripes = np.tile(np.arange(6) % 2, (8, 1, 6, 1)).astype(np.float32)
    x = tg.tensor(np.where(np.arange(8)[:, None, None, None] % 2, stripes, 1 - stripes))
    optimizer = tg.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(steps):
        loss, _ = model.loss(x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def assert_fast_sampling_is_exact(model, x, n, seed=0):
    """Check 5 on the batch ``x`` (for the conditionals) and on ``n`` samples drawn with ``seed`` (run in float64)."""
    flat = model.flatten(tg.tensor(x))
    with tg.no_grad():
        parallel = model.conditional_params(flat)
        stepwise = tg.tensor(np.stack([params.numpy() for params in model.params_in_order(flat)], axis=1)
                             .reshape(parallel.shape))  # fmt: skip
        conditionals = model.distribution(stepwise)
        values = flat.astype(np.int64) if isinstance(conditionals, Categorical) else flat
        stepwise_log_prob = conditionals.log_prob(values).numpy().reshape(len(x), -1).sum(1)
        log_prob = model.log_prob(tg.tensor(x)).numpy()
    np.testing.assert_allclose(stepwise.numpy(), parallel.numpy(), rtol=1e-12, atol=1e-12,
                               err_msg="the sampler's conditionals, step by step, against log_prob's")  # fmt: skip
    np.testing.assert_allclose(stepwise_log_prob, log_prob, rtol=1e-12, err_msg="log p(x) from the sampler's steps")
    tg.manual_seed(seed)
    fast = model.sample(n).numpy()
    tg.manual_seed(seed)
    naive = model.sample_naive(n).numpy()
    assert len(np.unique(naive)) > 1, "the naive samples are all one value: nothing to tell two samplers apart"
    np.testing.assert_array_equal(fast, naive, err_msg="the fast sampler's draws against the naive one's")
