"""Drawing category indices from weights: ``multinomial``, on tinygen's seeded generators (not differentiable).

With replacement, each draw inverts the cumulative distribution: with
c_j = (w_0 + ... + w_j) / (w_0 + ... + w_{n-1}) and u uniform in [0, 1), the
draw is the first j with u < c_j, so j comes up with probability w_j / sum(w).
A category of weight 0 has c_j = c_{j-1} and is never the first above u.

Without replacement, draws are a race of exponential clocks: category j
rings at T_j = E_j / w_j with E_j ~ Exp(1), that is at rate w_j. The first to
ring is j with probability w_j / sum(w), and, the race being memoryless, the
next among the rest with probability proportional to their weights: the
k earliest, in order, are k draws without replacement (the Gumbel-top-k
trick, Vieira 2014, in exponential form). Weight 0 never rings.

One difference from PyTorch: the draws come from tinygen's generator, seeded by
``tinygen.manual_seed``, so they repeat run to run but are not PyTorch's draws.
"""
import numpy

from .. import backend
from ..random import generator
from ..tensor import Tensor, as_tensor


def _checked_weights(weights, num_samples, replacement):
    if weights.ndim not in (1, 2) or weights.dtype.kind != "f":
        raise ValueError(f"multinomial: weights must be a 1-D or 2-D float tensor (one distribution per row), got "
                         f"{weights.dtype} of shape {tuple(weights.shape)}")  # fmt: skip
    xp = backend.get_array_module(weights)
    if weights.size == 0 or not bool(xp.isfinite(weights).all()) or bool((weights < 0).any()):
        raise ValueError("multinomial: weights must be finite and non-negative, with at least one category")
    positive = (weights > 0).sum(axis=-1)
    if bool((positive == 0).any()):
        raise ValueError("multinomial: every row of weights needs a positive weight (a row sums to 0)")
    if num_samples < 1:
        raise ValueError(f"multinomial: num_samples must be at least 1, got {num_samples}")
    if not replacement and num_samples > int(positive.min()):
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from a row with only "
                         f"{int(positive.min())} categories of positive weight; pass replacement=True or draw fewer")


def multinomial(input, num_samples, replacement=False):
    """Draw ``num_samples`` category indices from each row of non-negative ``input`` weights (any positive
    scale): shape (num_samples,) for a 1-D input, (rows, num_samples) for a 2-D one; int64, no gradient."""
    weights = as_tensor(input).data
    _checked_weights(weights, num_samples, replacement)
    rows = weights.reshape(-1, weights.shape[-1]).astype(numpy.float64)  # float64: the CDF's steps stay exact
    xp, rng = backend.get_array_module(rows), generator(backend.device_of(rows))
    if replacement:
        cdf = rows.cumsum(axis=1)
        cdf /= cdf[:, -1:]  # the last step exactly 1, above every u < 1
        u = rng.random((rows.shape[0], num_samples))
        drawn = xp.stack([xp.searchsorted(c, u_row, side="right") for c, u_row in zip(cdf, u)])
    else:
        with numpy.errstate(divide="ignore"):  # weight 0: a clock that never rings (T = inf)
            rings = rng.standard_exponential(rows.shape) / rows
        drawn = xp.argsort(rings, axis=1)[:, :num_samples]  # ties have probability 0
    return Tensor(drawn.astype(numpy.int64).reshape(weights.shape[:-1] + (num_samples,)))
