"""``Autoregressive``: what every model that factorises p(x) with the chain rule has in common.

The chain rule holds for any joint distribution over the D dimensions of x,
taken in a fixed order:

    p(x) = p(x_1) p(x_2 | x_1) p(x_3 | x_1, x_2) ... = prod_d p(x_d | x_<d).

A model chooses how each conditional is computed; everything else follows
from the factorisation and is written once here:

    log p(x)     = sum_d log p(x_d | x_<d)      (exact, in nats)
    training     = minimise the mean of -log p(x) over the data (maximum likelihood)
    sampling     = x_1 ~ p(x_1), then x_2 ~ p(x_2 | x_1), ..., one dimension at a time

The order is row-major over the shape of one example: for a one-channel
image, the raster order (row by row, left to right). A subclass provides

* ``conditional_params(context)``: from a batch (N, D) of flattened examples,
  the parameters of p(x_d | context_<d) for every d at once, shape (N, D, ...);
* ``distribution(params)``: the distribution those parameters describe
  (``log_prob(value)`` and ``sample()``);

and may override ``params_in_order`` when it can compute the parameters of
dimension d more cheaply than all of them at once (NADE's running sum).
"""
import math

from .. import backend
from ..autograd.grad_mode import no_grad
from ..creation import zeros
from ..distributions import Bernoulli
from ..nn.module import Module


class Autoregressive(Module):
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

    def log_prob_per_dim(self, x, context=None):
        """log p(x_d | context_<d) for every dimension, shaped like x.

        The context is x itself (then the sum over d is log p(x)); passing another
        batch asks what each conditional makes of x given that context, which is how
        the tests prove that dimension d looks at nothing at or after d.
        """
        values = self.flatten(x)
        context = values if context is None else self.flatten(context)
        return self.distribution(self.conditional_params(context)).log_prob(values).reshape(x.shape)

    def log_prob(self, x):
        """log p(x) in nats, one value per example: shape (N,)."""
        return self.log_prob_per_dim(x).reshape(x.shape[0], self.num_dims).sum(1)

    def loss(self, x):
        """The mean negative log-likelihood, -1/N sum_n log p(x_n), in nats."""
        return -self.log_prob(x).mean()

    def params_in_order(self, x):
        """Yield the parameters of p(x_d | x_<d) for d = 1..D, reading x[:, :d] only when asked for dimension d.

        The caller writes x[:, d] between two steps (that is sampling). This default
        recomputes every conditional at each step, D times the cost of one pass.
        """
        for d in range(self.num_dims):
            yield self.conditional_params(x)[:, d]

    def sample(self, n, device=None):
        """n examples, shape (n, *shape), drawn one dimension at a time, on the model's device."""
        reference = next(self.parameters())
        if device is not None and backend.normalize_device(device) != reference.device:
            raise ValueError(f"the model lives on {reference.device!r}, so its samples do too: move it first "
                             f"with model.to({device!r})")  # fmt: skip
        x = zeros(n, self.num_dims, dtype=reference.dtype, device=reference.device)
        with no_grad():
            for d, params in enumerate(self.params_in_order(x)):
                x.data[:, d] = self.distribution(params).sample().data
        return x.reshape(n, *self.shape)

    def extra_repr(self):
        return f"shape={self.shape}"


class BernoulliAutoregressive(Autoregressive):
    """Binary data (pixels in {0, 1}): p(x_d = 1 | x_<d) = sigmoid(logit_d), the logits from ``conditional_params``."""

    def distribution(self, logits):
        return Bernoulli(logits=logits)

