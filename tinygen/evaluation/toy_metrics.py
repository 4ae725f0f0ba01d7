"""Mode collapse on toy 2-D mixtures, measured as the mode-collapse literature measures it.

VEEGAN (Srivastava et al. 2017) and PacGAN (Lin et al. 2018) score a
generator of a Gaussian mixture (``tinygen.data.toy_dataset("ring")``: 8
modes; ``"grid"``: 25) from 2,500 of its samples:

    high quality     a sample within 3 standard deviations of its nearest mode's centre
    modes captured   the modes that are the nearest mode of at least one high-quality sample
    reverse KL       KL(q || uniform) = sum_k q_k log(K q_k), q the histogram of the
                     high-quality samples over their nearest modes (0 when they spread
                     evenly, log K when they all sit on one mode)

A mode counts as captured with a single sample, so a generator that puts
almost everything on one mode can still "capture" many. ``Toy2D.coverage``
in ``tinygen.data.toy`` is stricter: a mode counts only with at least a fifth
of its fair share of the samples. Report both.
"""
import math

import numpy

from ..data.toy import GaussianMixture2D

SAMPLES = 2500  # the literature's sample size
QUALITY_STDS = 3.0


def mode_metrics(points, mixture):
    """-> {modes_captured, high_quality (fraction), reverse_kl} of ``points`` (N, 2) against a ``GaussianMixture2D``."""
    if not isinstance(mixture, GaussianMixture2D):
        raise TypeError(f"mode_metrics needs a Gaussian mixture with known centres and std (ring, grid), got {mixture!r}")
    points = numpy.asarray(points, dtype=numpy.float64)
    squared = ((points[:, None, :] - mixture.centres[None, :, :]) ** 2).sum(-1)  # (N, K)
    nearest = squared.argmin(axis=1)
    high_quality = squared[numpy.arange(len(points)), nearest] <= (QUALITY_STDS * mixture.std) ** 2
    counts = numpy.bincount(nearest[high_quality], minlength=mixture.num_modes)
    if counts.sum():
        q = counts / counts.sum()
        reverse_kl = float((q[q > 0] * numpy.log(mixture.num_modes * q[q > 0])).sum())
    else:
        reverse_kl = math.inf  # no sample near any mode
    return {"modes_captured": int((counts > 0).sum()), "high_quality": float(high_quality.mean()),
            "reverse_kl": reverse_kl}  # fmt: skip
