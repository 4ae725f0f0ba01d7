"""A generative classifier: one explicit density per class and the class frequencies, a joint model p(x, y).

    p(x, y) = p(y) p(x | y),      p(y | x) = p(x | y) p(y) / sum_k p(x | k) p(k)      (Bayes' rule)

The maximum-likelihood fit of the joint, max sum_n log p(y_n) + log p(x_n | y_n),
separates: p(y) is each class's share of the training labels (in closed form,
``class_counts``), and each p(x | k) is trained on the examples of class k
alone. So ``loss`` sums each class's density over its own examples of the
batch: ten NADEs cost one NADE's pass over the batch. Any model with
``log_prob`` (every autoregressive one) serves as p(x | k).

Classifying x is dearer: each candidate class is one full pass of its
density, K passes per example (``class_log_likelihoods``), where a
discriminative classifier takes one. ``tinygen.evaluation.uses.bayes_posterior``
turns the (N, K) log-likelihoods and ``log_prior`` into p(y | x); the same
terms give the density of x alone, p(x) = sum_k p(x | k) p(k) (``log_prob``).
"""
import numpy

from .. import optim, random
from ..autograd import no_grad
from ..creation import tensor
from ..nn import ModuleList
from ..ops import cat, stack
from .base import GenerativeModel, Phase


class ClassConditional(GenerativeModel):
    """``densities[k]`` is p(x | y = k); p(y = k) = class_counts[k] / sum(class_counts)."""

    conditional = True  # the training loop passes each batch's labels to ``loss`` (train.fit_in_phases)

    def __init__(self, densities, class_counts):
        super().__init__()
        counts = numpy.asarray(class_counts, dtype=numpy.float64)
        if len(densities) != len(counts) or (counts <= 0).any():
            raise ValueError(f"ClassConditional: one density per class and a positive count for each; got "
                             f"{len(densities)} densities and counts {counts.tolist()}")  # fmt: skip
        self.densities = ModuleList(densities)
        self.log_prior = numpy.log(counts / counts.sum())

    @property
    def num_classes(self):
        return len(self.densities)

    def loss(self, x, labels):
        """-1/N sum_n log p(x_n | y_n), each class's density over its own examples; and {"nll": it}.

        (The prior's term, -log p(y_n), is fixed by the counts and has no gradient: it is left out.)"""
        labels = numpy.asarray(labels.numpy() if hasattr(labels, "numpy") else labels)
        if labels.shape != (x.shape[0],) or labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f"ClassConditional.loss: one label in [0, {self.num_classes}) per example; got labels "
                             f"of shape {labels.shape} from {labels.min()} to {labels.max()}")  # fmt: skip
        nll = -sum(self.densities[k].log_prob(x[labels == k]).sum() for k in numpy.unique(labels)) / x.shape[0]
        return nll, {"nll": nll}

    def class_log_likelihoods(self, x):
        """log p(x | y = k) for every example and class: (N, K), one pass of each density."""
        return stack([density.log_prob(x) for density in self.densities], dim=1)

    def log_prob(self, x):
        """log p(x) = logsumexp_k [log p(x | k) + log p(k)], in nats: the density of x whatever its class, (N,)."""
        prior = tensor(self.log_prior, dtype=self.dtype, device=self.device)
        return (self.class_log_likelihoods(x) + prior).logsumexp(1)

    @no_grad()
    def sample(self, n, labels=None):
        """``n`` examples, of the given ``labels`` (n,) or of labels drawn from p(y), sorted by label."""
        if labels is None:
            labels = random.generator().choice(self.num_classes, n, p=numpy.exp(self.log_prior))
        counts = numpy.bincount(numpy.asarray(labels), minlength=self.num_classes)
        return cat([self.densities[k].sample(int(c)) for k, c in enumerate(counts) if c], dim=0)

    def phases(self, lr=1e-3):
        """One phase, maximum likelihood with Adam, for ``train.fit_in_phases``."""
        return {"nll": Phase(self.loss, optim.Adam(self.parameters(), lr=lr))}

    def extra_repr(self):
        return f"classes={self.num_classes}, prior={numpy.round(numpy.exp(self.log_prior), 3).tolist()}"
