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
import numpy

from ... import backend
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

    Its maximum-likelihood fit is the per-pixel mean of the data, in closed
    form (``fit_closed_form``): no gradient descent needed. It starts with
    every logit at 0 (every pixel a fair coin).
    """

    def __init__(self, shape, device=None, dtype=None):
        super().__init__(shape)
        self.logits = Parameter(zeros(self.num_dims, device=device, dtype=dtype))

    def conditional_params(self, context):
        return self.logits.expand(context.shape[0], self.num_dims)

    def fit_closed_form(self, images, pseudo_count=1.0):
        """Set the logits to the maximum of the likelihood of ``images`` (N, *shape), smoothed by a pseudo-count a:

            p_d = (sum_n x_nd + a) / (N + 2 a),     logit_d = log(p_d / (1 - p_d)).

        With a = 0 this is the exact maximum, the mean of pixel d: the log-likelihood
        sum_n [x_nd log p_d + (1 - x_nd) log(1 - p_d)] has slope sum_n x_nd / p_d - (N - sum_n x_nd) / (1 - p_d),
        zero there. Grey levels in [0, 1] may stand for binary pixels drawn from them (dynamic
        binarisation): the fit then maximises the expected likelihood of the draws. a > 0 counts
        a more ink and a more background in every pixel (a = 1 is Laplace's rule of succession):
        a pixel never inked in training, such as MNIST's border, would otherwise get p_d = 0, and
        a test image inked there an infinite negative log-likelihood. -> self
        """
        x = backend.to_host(getattr(images, "data", images)).astype(numpy.float64)
        if x.shape[1:] != self.shape:
            raise ValueError(f"fit_closed_form: images of shape {x.shape[1:]} for a model of shape {self.shape}")
        probability = (x.reshape(len(x), -1).sum(0) + pseudo_count) / (len(x) + 2 * pseudo_count)
        if not ((probability > 0) & (probability < 1)).all():
            raise ValueError("fit_closed_form: a pixel is 0 (or 1) in every image, so its maximum-likelihood "
                             "logit is infinite; pass a pseudo_count > 0")  # fmt: skip
        logits = numpy.log(probability) - numpy.log1p(-probability)
        self.logits.data[...] = backend.to_device(logits.astype(self.logits.dtype), self.logits.device)
        return self


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
