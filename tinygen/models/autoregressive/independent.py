"""Structure through independence: how many numbers a distribution over n binary pixels needs.

A table of p(x_1, ..., x_n) over {0, 1}^n has 2^n entries that sum to 1:
2^n - 1 free parameters, hopeless for a 28x28 image (2^784 - 1). Assumptions
buy it down:

* independent pixels,  p(x) = prod_d p(x_d):           n parameters
  (``IndependentBernoulli``: p(x_d = 1) = sigmoid(logit_d));
* a first-order Markov chain over the raster order,
  p(x) = p(x_1) prod_{d>1} p(x_d | x_{d-1}):          1 + 2 (n - 1) = 2n - 1 parameters
  (``MarkovChain``: one logit for p(x_1), two per later pixel, one for each value of its predecessor);
* logistic autoregression (``fvsbn.FVSBN``), every pixel regressed on all
  earlier ones, p(x_d = 1 | x_<d) = sigmoid(b_d + sum_{j<d} W_dj x_j):  n + n(n-1)/2 = n(n+1)/2;
* NADE (``nade.NADE``), the same regressions through one shared hidden layer of
  H units: W (H x n), c (H), V (n x H), b (n):                          2nH + n + H.

``parameter_counts`` lists them; the tests check each count against the
model's own parameters.
"""
from ...creation import zeros
from ...nn.module import Parameter
from ...ops import cat
from .base import BernoulliAutoregressive


def parameter_counts(num_pixels, hidden_features=None):
    """Free parameters of each model of n = ``num_pixels`` binary pixels (NADE's only with ``hidden_features``)."""
    n = int(num_pixels)
    counts = {
        "fully dependent": 2**n - 1,
        "independent": n,
        "markov chain": 2 * n - 1,
        "fvsbn": n * (n + 1) // 2,
    }
    if hidden_features is not None:
        counts["nade"] = 2 * n * hidden_features + n + hidden_features
    return counts


class IndependentBernoulli(BernoulliAutoregressive):
    """p(x) = prod_d Bernoulli(x_d; sigmoid(logit_d)): each pixel a biased coin, blind to the others.

    Its maximum-likelihood fit is the per-pixel mean of the data. It starts with
    every logit at 0 (every pixel a fair coin).
    """

    def __init__(self, shape, device=None, dtype=None):
        super().__init__(shape)
        self.logits = Parameter(zeros(self.num_dims, device=device, dtype=dtype))

    def conditional_params(self, context):
        return self.logits.expand(context.shape[0], self.num_dims)


class MarkovChain(BernoulliAutoregressive):
    """p(x) = p(x_1) prod_{d>1} p(x_d | x_{d-1}) over the raster order: each pixel sees only its predecessor.

        p(x_1 = 1)                   = sigmoid(first_logit)
        p(x_d = 1 | x_{d-1} = k)     = sigmoid(transition_logits[d - 2, k]),   k in {0, 1}

    For binary x_{d-1} the logit is (1 - x_{d-1}) T[d-2, 0] + x_{d-1} T[d-2, 1],
    which picks the right column. It starts with every logit at 0.
    """

    def __init__(self, shape, device=None, dtype=None):
        super().__init__(shape)
        self.first_logit = Parameter(zeros(1, device=device, dtype=dtype))
        self.transition_logits = Parameter(zeros(self.num_dims - 1, 2, device=device, dtype=dtype))

    def conditional_params(self, context):
        previous = context[:, :-1]
        later = (1 - previous) * self.transition_logits[:, 0] + previous * self.transition_logits[:, 1]
        return cat([self.first_logit.expand(context.shape[0], 1), later], dim=1)
