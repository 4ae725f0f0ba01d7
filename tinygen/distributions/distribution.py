"""``Distribution``: what every probability distribution in tinygen offers.

    log_prob(x)     log p(x), differentiable in x and in the parameters
    sample(shape)   draws from p, outside the graph (no gradient flows through them)
    rsample(shape)  reparameterised draws: x = g(parameters, noise) with parameter-free
                    noise, so that gradients of E_p[f(x)] flow back into the parameters
                    (only where such a g exists: Normal, not Bernoulli or Categorical)
    entropy()       H[p] = -E_p[log p(x)]
    mean, variance

Shapes follow ``torch.distributions``. One object holds a batch of independent
distributions of shape ``batch_shape`` (the broadcast shape of its
parameters), each over a single number (``event_shape`` is always () here).
Samples have shape ``sample_shape + batch_shape``, and ``log_prob`` is
elementwise: one log-density per batch element, which a model sums over the
axes that make up one data point (the pixels of an image, say).

Random numbers come from ``tinygen.random``'s generator of the parameters'
device, so ``tinygen.manual_seed`` reproduces samples on CPU and GPU alike.
"""
import numpy

from ..autograd import no_grad
from ..tensor import Tensor, as_tensor


class Distribution:
    has_rsample = False

    def __init__(self, batch_shape):
        self.batch_shape = tuple(batch_shape)
        self.event_shape = ()

    # ---- what a subclass provides -----------------------------------------------------
    def log_prob(self, value):
        raise NotImplementedError(f"{self.name} has no log_prob")

    def rsample(self, sample_shape=()):
        raise NotImplementedError(
            f"{self.name} has no reparameterised sample: its draws are not a differentiable function of its "
            "parameters; use sample() (no gradient), or a score-function estimator"
        )

    def sample(self, sample_shape=()):
        """Draws without a gradient; by default the reparameterised draw, with no graph recorded."""
        with no_grad():
            return self.rsample(sample_shape)

    def entropy(self):
        raise NotImplementedError(f"{self.name} has no closed-form entropy")

    @property
    def mean(self):
        raise NotImplementedError(f"{self.name} does not define its mean")

    @property
    def variance(self):
        raise NotImplementedError(f"{self.name} does not define its variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    # ---- shared plumbing -----------------------------------------------------------------
    @property
    def name(self):
        return type(self).__name__

    def _sample_shape(self, sample_shape):
        """sample_shape + batch_shape, accepting an int or a tuple."""
        sample_shape = (sample_shape,) if isinstance(sample_shape, int) else tuple(sample_shape)
        return sample_shape + self.batch_shape

    def _value(self, value, like, labels=False):
        """``value`` as a tensor on ``like``'s device, checked to broadcast against the batch: real values
        in ``like``'s dtype, or (``labels``) integer class labels."""
        value = as_tensor(value) if labels else as_tensor(value, like=like)
        if value.device != like.device:
            value = value.to(like.device)
        if labels and value.dtype.kind not in "iu":
            raise TypeError(f"{self.name}.log_prob: values must be integer class labels, got dtype {value.dtype}")
        if not labels:
            value = value.astype(like.dtype)
        try:
            numpy.broadcast_shapes(value.shape, self.batch_shape)
        except ValueError:
            raise ValueError(
                f"{self.name}.log_prob: a value of shape {value.shape} does not broadcast against the batch_shape "
                f"{self.batch_shape} of the distribution"
            ) from None
        return value

    def __repr__(self):
        return f"{self.name}(batch_shape={self.batch_shape})"


def broadcast_parameters(owner, **parameters):
    """The named parameters as tensors of one dtype, device and (broadcast) shape, as ``torch``'s
    ``broadcast_all`` does. Python numbers take the dtype and device of the first tensor given."""
    like = next((p for p in parameters.values() if isinstance(p, Tensor)), None)
    tensors = {name: as_tensor(value, like=like) for name, value in parameters.items()}
    try:
        shape = numpy.broadcast_shapes(*(t.shape for t in tensors.values()))
    except ValueError:
        shapes = ", ".join(f"{name} of shape {t.shape}" for name, t in tensors.items())
        raise ValueError(f"{owner}: the parameters must broadcast together, got {shapes}") from None
    return [t.broadcast_to(shape) for t in tensors.values()]


def check_probs_or_logits(owner, probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError(f"{owner}: give exactly one of probs= and logits=")


def clamp_probs(probs):
    """Probabilities pulled into [eps, 1 - eps] (eps: machine epsilon of their dtype), so that their
    logarithms and logits stay finite; torch.distributions does the same."""
    eps = float(numpy.finfo(probs.dtype).eps)
    return probs.clamp(eps, 1 - eps)
