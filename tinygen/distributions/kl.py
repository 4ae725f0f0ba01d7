"""``kl_divergence(p, q)``: KL(p || q) = E_p[log p(x) - log q(x)], in closed form where one exists.

Each closed form is a function registered for its pair of types; the pair
(type(p), type(q)) picks it. Elementwise over the (broadcast) batch, like
``log_prob``.

Normal || Normal, with r = sigma_p / sigma_q and d = (mu_p - mu_q) / sigma_q:

    KL = 1/2 [ r^2 + d^2 - 1 - log r^2 ]

Against the standard normal q = N(0, 1) (r = sigma, d = mu) this is the
VAE's prior-fitting term, per latent dimension:

    KL( N(mu, sigma^2) || N(0, 1) ) = 1/2 [ sigma^2 + mu^2 - 1 - log sigma^2 ]

Bernoulli || Bernoulli and Categorical || Categorical, as cross-entropy minus
entropy, H(p, q) - H(p), with H(p, q) = -E_p[log q(x)]:

    Bernoulli:    H(p, q) = BCE(logit_q, p)            (binary cross-entropy of p under q)
    Categorical:  H(p, q) = -sum_k p_k log q_k

Pairs without a closed form (a mixture, say) raise NotImplementedError; estimate
those by Monte Carlo, mean(p.log_prob(x) - q.log_prob(x)) over x = p.sample((n,)).
"""
import numpy

from ..ops import binary_cross_entropy_with_logits
from .bernoulli import Bernoulli
from .categorical import Categorical
from .normal import Normal

_CLOSED_FORMS = {}


def register_kl(type_p, type_q):
    """Decorator: register ``fn(p, q)`` as the closed form of KL(p || q) for these two types."""

    def register(fn):
        _CLOSED_FORMS[(type_p, type_q)] = fn
        return fn

    return register


def kl_divergence(p, q):
    closed_form = _CLOSED_FORMS.get((type(p), type(q)))
    if closed_form is None:
        known = ", ".join(f"{a.__name__} || {b.__name__}" for a, b in _CLOSED_FORMS)
        raise NotImplementedError(
            f"kl_divergence: no closed form for KL({type(p).__name__} || {type(q).__name__}); there is one for "
            f"{known}. Estimate it by Monte Carlo: x = p.sample((n,)); (p.log_prob(x) - q.log_prob(x)).mean(0)"
        )
    try:
        numpy.broadcast_shapes(p.batch_shape, q.batch_shape)
    except ValueError:
        raise ValueError(
            f"kl_divergence: batch shapes {p.batch_shape} of p and {q.batch_shape} of q do not broadcast"
        ) from None
    return closed_form(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    scale_ratio_squared = (p.scale / q.scale) ** 2  # r^2
    mean_gap_squared = ((p.loc - q.loc) / q.scale) ** 2  # d^2
    return 0.5 * (scale_ratio_squared + mean_gap_squared - 1 - scale_ratio_squared.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    shape = numpy.broadcast_shapes(p.batch_shape, q.batch_shape)
    logits, probs = q.logits.broadcast_to(shape), p.probs.broadcast_to(shape)
    cross_entropy = binary_cross_entropy_with_logits(logits, probs, reduction="none")
    return cross_entropy - p.entropy()


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    cross_entropy = -(p.probs * q.logits).sum(-1)
    return cross_entropy - p.entropy()
