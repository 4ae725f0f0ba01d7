"""Classifier-free guidance (Ho & Salimans, "Classifier-Free Diffusion Guidance", 2022).

One network learns two noise predictors at once: the conditional
eps_theta(x_t, t, y) and the unconditional eps_theta(x_t, t, null), because
during training each example's label y is replaced by the null label with
probability p_uncond (``label_dropout``). Sampling then mixes the two,

    eps~(x_t, t, y) = (1 + w) eps_theta(x_t, t, y) - w eps_theta(x_t, t, null),

with the guidance scale w >= 0 (w = 0: the plain conditional model). Why
this guides: the noise is a scaled score, eps = -sqrt(1 - abar_t) grad log p(x_t),
and by Bayes' rule grad log p(y | x_t) = grad log p(x_t | y) - grad log p(x_t), so

    grad log p(x_t | y) + w grad log p(y | x_t)  =  (1 + w) grad log p(x_t | y) - w grad log p(x_t):

the sampler follows the conditional score plus w times the score of an
implicit classifier p(y | x_t), the one classifier guidance (Dhariwal &
Nichol, 2021) trains separately. Larger w trades diversity for samples that
look more like their label.

Everything else is DDPM's (and DDIM samples it unchanged): ``predict_noise``
is the guided eps~ for the labels in force, set with ``given(labels)``.
"""
from contextlib import contextmanager

from ...creation import full, rand
from ...dtypes import int64
from ...ops import cat, where
from ..base import check_labels, cycled_labels
from .ddpm import DDPM


class GuidedDDPM(DDPM):
    """A DDPM whose ``network(x_t, t, labels)`` also takes labels 0 .. ``num_classes`` - 1, or ``num_classes``
    for none (``UNet(num_classes=...)``); trained with ``label_dropout``, sampled at ``guidance_scale`` w."""

    conditional = True  # the training loops hand loss() each batch's labels

    def __init__(self, network, data_shape, num_classes, label_dropout=0.1, guidance_scale=1.0, **ddpm_options):
        super().__init__(network, data_shape, **ddpm_options)
        if not 0 <= label_dropout < 1:
            raise ValueError(f"GuidedDDPM: label_dropout is a probability below 1, got {label_dropout}")
        if guidance_scale < 0:
            raise ValueError(f"GuidedDDPM: guidance_scale w must be >= 0 (0: the conditional model), got {guidance_scale}")
        self.num_classes, self.label_dropout, self.guidance_scale = num_classes, label_dropout, guidance_scale
        self._given = None  # (labels, w) in force for predict_noise

    @property
    def null_label(self):
        return self.num_classes

    @contextmanager
    def given(self, labels, guidance_scale=None):
        """Within the block, ``predict_noise`` (and so the DDPM and DDIM samplers) is eps~ for ``labels`` (N,)."""
        previous = self._given
        self._given = (labels, self.guidance_scale if guidance_scale is None else guidance_scale)
        try:
            yield self
        finally:
            self._given = previous

    def predict_noise(self, x_t, t):
        """eps~ = (1 + w) eps_theta(x_t, t, y) - w eps_theta(x_t, t, null), both halves in one batch of 2N."""
        if self._given is None:
            raise RuntimeError("GuidedDDPM: say which digits to draw: `with model.given(labels): ...` around the "
                               "sampler, or model.sample(n, labels)")  # fmt: skip
        labels, w = self._given
        n = x_t.shape[0]
        labels, steps = check_labels(labels, n, self.null_label + 1), self._steps(t, n).to(x_t.device)
        if w == 0:
            return self.network(x_t, steps, labels)
        null = full((n,), self.null_label, dtype=int64, device=x_t.device)
        both = self.network(cat([x_t, x_t]), cat([steps, steps]), cat([labels, null]))
        conditional, unconditional = both[:n], both[n:]
        return (1 + w) * conditional - w * unconditional

    def cycled_labels(self, n):
        return cycled_labels(n, self.num_classes, self.device)

    def sample(self, n, labels=None):
        """n samples of ``labels`` (default ``cycled_labels(n)``) by DDPM's ancestral sampler, guided at w."""
        with self.given(self.cycled_labels(n) if labels is None else labels):
            return super().sample(n)

    def loss(self, x_0, labels):
        """L_simple of the conditional predictor (w = 0), each label dropped to null with probability p_uncond."""
        labels = check_labels(labels, x_0.shape[0], self.num_classes)
        dropped = where(rand(x_0.shape[0], device=x_0.device) < self.label_dropout, self.null_label, labels)
        with self.given(dropped, guidance_scale=0.0):
            return super().loss(x_0)
