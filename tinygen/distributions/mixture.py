"""``MixtureOfGaussians``: pick a component k with probability pi_k, then draw from N(mu_k, sigma_k^2).

    p(x) = sum_k pi_k N(x; mu_k, sigma_k^2),          pi = softmax(logits)
    log p(x) = logsumexp_k [ log pi_k + log N(x; mu_k, sigma_k^2) ]
    mean = sum_k pi_k mu_k,   variance = sum_k pi_k (sigma_k^2 + mu_k^2) - mean^2

The last axis of ``logits``, ``loc`` and ``scale`` holds the K components; the
axes before it are the batch (torch's ``MixtureSameFamily(Categorical(logits),
Normal(loc, scale))``). The log-sum-exp keeps log p finite where every
component's density underflows.

There is no reparameterised sample (the choice of k is discrete, so a draw
is not a differentiable function of the logits) and no closed-form entropy
(the log of a sum does not simplify); estimate the entropy by Monte Carlo,
-mean(log_prob(sample(n))), where you need it.
"""
from ..creation import randn
from ..ops import logsumexp
from ..tensor import Tensor
from .categorical import Categorical
from .distribution import Distribution, broadcast_parameters
from .normal import Normal


class MixtureOfGaussians(Distribution):
    def __init__(self, logits, loc, scale):
        logits, loc, scale = broadcast_parameters("MixtureOfGaussians", logits=logits, loc=loc, scale=scale)
        if logits.ndim == 0:
            raise ValueError("MixtureOfGaussians: the parameters need a last axis holding the K components")
        self.mixture_distribution = Categorical(logits=logits)
        self.component_distribution = Normal(loc, scale)
        super().__init__(logits.shape[:-1])

    def log_prob(self, value):
        value = self._value(value, like=self.component_distribution.loc)
        per_component = self.component_distribution.log_prob(value.unsqueeze(-1))  # log N(x; mu_k, sigma_k^2)
        return logsumexp(self.mixture_distribution.logits + per_component, dim=-1)

    def sample(self, sample_shape=()):
        shape = self._sample_shape(sample_shape)
        xp = self.component_distribution.loc.xp
        component = self.mixture_distribution.sample(sample_shape).data[..., None]  # k, then N(mu_k, sigma_k^2)
        components = self.component_distribution
        loc, scale = (xp.broadcast_to(p.data, shape + p.shape[-1:]) for p in (components.loc, components.scale))
        picked_loc = xp.take_along_axis(loc, component, axis=-1)[..., 0]
        picked_scale = xp.take_along_axis(scale, component, axis=-1)[..., 0]
        noise = randn(shape, dtype=picked_loc.dtype, device=components.loc.device).data
        return Tensor(picked_loc + picked_scale * noise)

    def rsample(self, sample_shape=()):
        raise NotImplementedError(
            "MixtureOfGaussians has no reparameterised sample: the component is a discrete choice, so a draw is "
            "not differentiable in the mixture weights; use sample() (no gradient)"
        )

    def entropy(self):
        raise NotImplementedError(
            "MixtureOfGaussians has no closed-form entropy; estimate it as -d.log_prob(d.sample((n,))).mean(0)"
        )

    @property
    def mean(self):
        return (self.mixture_distribution.probs * self.component_distribution.loc).sum(-1)

    @property
    def variance(self):
        pi, loc, scale = self.mixture_distribution.probs, self.component_distribution.loc, self.component_distribution.scale
        second_moment = (pi * (scale * scale + loc * loc)).sum(-1)
        return second_moment - self.mean * self.mean

