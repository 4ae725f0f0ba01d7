"""``Autoregressive``: the chain rule, written once for every model that factorises p(x) with it.

The chain rule holds for any joint distribution over the D dimensions of x,
taken in a fixed order:

    p(x) = p(x_1) p(x_2 | x_1) p(x_3 | x_1, x_2) ... = prod_d p(x_d | x_<d).

A model chooses how each conditional is computed; everything else follows
from the factorisation and is written once here:

    log p(x)     = sum_d log p(x_d | x_<d)      (exact, in nats)
    training     = minimise the mean of -log p(x) over the data (maximum likelihood)
    sampling     = x_1 ~ p(x_1), then x_2 ~ p(x_2 | x_1), ..., one dimension at a time
                   (``sample``; ``sample_naive`` recomputes every conditional at each step)

What varies from model to model, a subclass provides:

* the order: ``flatten`` lays a batch out so that the row-major order of each
  example is the generation order, and ``unflatten`` undoes it. The default
  flattens (N, *shape) to (N, D): the row-major order of the example itself,
  the raster order for a one-channel image. PixelCNN's images keep their rows
  and columns (the convolutions need them, and the image size may vary) and
  move the channels last, (N, C, H, W) -> (N, H, W, C): raster order over the
  pixels, R -> G -> B inside each (``pixel``);
* the conditionals: ``conditional_params(context)``, from a flattened batch,
  the parameters of p(x_d | context_<d) for every d at once, shaped like the
  batch plus the parameters' own axes (a Categorical's K logits, say); and
  ``params_in_order`` where the parameters of dimension d alone cost less than
  all of them (FVSBN's one row, NADE's running sum);
* the output distribution: ``distribution(params)``, a Bernoulli for binary
  values, a Categorical over K levels, a mixture of Gaussians for real values.
  Values are stored as floats (the next conditionals read them as context);
  a Categorical takes them as integer class labels.
"""
import math

import numpy

from ... import backend
from ...autograd.grad_mode import no_grad
from ...creation import zeros
from ...distributions import Bernoulli, Categorical
from ..base import GenerativeModel


class Autoregressive(GenerativeModel):
    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(int(side) for side in shape)
        self.num_dims = math.prod(self.shape)

    def conditional_params(self, context):
        raise NotImplementedError(f"{type(self).__name__} must define conditional_params(context)")

    def distribution(self, params):
        raise NotImplementedError(f"{type(self).__name__} must define distribution(params)")

    def flatten(self, x):
        """(N, *shape) -> (N, D), the dimensions in generation order; a clear error for any other shape."""
        if tuple(x.shape[1:]) != self.shape or x.ndim != len(self.shape) + 1:
            raise ValueError(f"{type(self).__name__} models examples of shape {self.shape}: expected a batch of shape "
                             f"(N, {', '.join(map(str, self.shape))}), got {tuple(x.shape)}")  # fmt: skip
        return x.reshape(x.shape[0], self.num_dims)

    def unflatten(self, x):
        """The inverse of ``flatten``: (N, D) -> (N, *shape)."""
        return x.reshape(x.shape[0], *self.shape)

    def log_prob_per_dim(self, x, context=None):
        """log p(x_d | context_<d) for every dimension, shaped like x.

        The context is x itself (then the sum over d is log p(x)); passing another
        batch asks what each conditional makes of x given that context, which is how
        the tests prove that dimension d looks at nothing at or after d.
        """
        values = self.flatten(x)
        context = values if context is None else self.flatten(context)
        conditionals = self.distribution(self.conditional_params(context))
        if isinstance(conditionals, Categorical):
            values = values.detach().astype(numpy.int64)
        return self.unflatten(conditionals.log_prob(values))

    def log_prob(self, x):
        """log p(x) in nats, one value per example: shape (N,)."""
        return self.log_prob_per_dim(x).sum(dim=tuple(range(1, x.ndim)))

    def loss(self, x):
        """The mean negative log-likelihood, -1/N sum_n log p(x_n), in nats, and {"nll": it}."""
        nll = -self.log_prob(x).mean()
        return nll, {"nll": nll}

    def params_in_order(self, x):
        """Yield the parameters of p(x_d | x_<d) for each d in order, reading x only when asked for dimension d.

        x is a flattened batch, and the caller writes dimension d between two steps
        (that is sampling). This default is ``params_by_full_passes``; a model
        whose conditional d costs less alone overrides it.
        """
        return self.params_by_full_passes(x)

    def params_by_full_passes(self, x):
        """``params_in_order`` the naive way: every conditional recomputed at each step, D times one pass."""
        for position in numpy.ndindex(x.shape[1:]):
            yield self.conditional_params(x)[:, *position]

    def sample(self, n, device=None):
        """n examples, shape (n, *shape), drawn one dimension at a time (``params_in_order``), on the model's device."""
        return self._draw(n, device, self.params_in_order)

    def sample_naive(self, n, device=None):
        """``sample`` by full passes (``params_by_full_passes``): the reference a faster sampler must match,
        draw for draw, given the same random stream."""
        return self._draw(n, device, self.params_by_full_passes)

    def _draw(self, n, device, params_in_order):
        if device is not None and backend.normalize_device(device) != self.device:
            raise ValueError(f"the model lives on {self.device!r}, so its samples do too: move it first "
                             f"with model.to({device!r})")  # fmt: skip
        x = self.flatten(zeros(n, *self.shape, dtype=self.dtype, device=self.device))
        with no_grad():
            for position, params in zip(numpy.ndindex(x.shape[1:]), params_in_order(x)):
                x[:, *position] = self.distribution(params).sample()
        return self.unflatten(x)

    def extra_repr(self):
        return f"shape={self.shape}"


class BernoulliAutoregressive(Autoregressive):
    """Binary data (pixels in {0, 1}): p(x_d = 1 | x_<d) = sigmoid(logit_d), the logits from ``conditional_params``."""

    def distribution(self, logits):
        return Bernoulli(logits=logits)
