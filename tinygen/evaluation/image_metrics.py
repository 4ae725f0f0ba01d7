"""Sample-quality metrics on the MNIST feature network's outputs: features phi(x) and class probabilities p(y | x).

Each function takes NumPy arrays (features (N, F) or probabilities (N, 10))
and computes in float64. ``features.embed`` makes them from images.

All of them depend on the sample size, so compare figures only at equal
sizes and state the size with every figure:

* FD (the Frechet distance, "FID in MNIST features") is biased upwards at
  small N: the covariance estimates are noisy, and the noise adds to the
  trace term (real against real digits gives a positive floor that shrinks
  roughly like 1/N);
* KID is an unbiased estimate at any N, with a standard error that grows as N shrinks;
* the Inception Score is biased downwards at small N (the marginal p(y) is estimated from fewer samples);
* precision and recall change with N through the k-NN radii (more points, smaller balls).

These figures are in the feature space of tinygen's own MNIST classifier:
they are not comparable with FIDs in Inception features.
"""
import math

import numpy


def frechet_distance(mean_a, cov_a, mean_b, cov_b):
    """The Frechet (2-Wasserstein) distance between N(mean_a, cov_a) and N(mean_b, cov_b):

        FD = |mu_a - mu_b|^2 + tr(C_a + C_b - 2 (C_a^1/2 C_b C_a^1/2)^1/2)

    tr((C_a C_b)^1/2) is computed as tr((C_a^1/2 C_b C_a^1/2)^1/2), a symmetric
    positive semi-definite matrix, through eigenvalues clipped at 0: stable
    for the singular covariances of few samples, and never complex (the
    common sqrtm(C_a C_b) route takes the square root of a non-symmetric matrix).
    """
    root_a = _psd_sqrt(cov_a)
    middle = root_a @ cov_b @ root_a
    trace_sqrt = numpy.sqrt(numpy.clip(numpy.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    return float(((mean_a - mean_b) ** 2).sum() + numpy.trace(cov_a) + numpy.trace(cov_b) - 2 * trace_sqrt)


def fid(features_a, features_b):
    """FD between Gaussians fitted to two sets of features (mean, and covariance with N - 1): "FID in MNIST features"."""
    return frechet_distance(*_gaussian(features_a), *_gaussian(features_b))


def kid(features_a, features_b, subsets=50, subset_size=None, seed=0):
    """Kernel Inception Distance: the unbiased MMD^2 with the kernel k(x, y) = (x . y / F + 1)^3, over random subsets.

        MMD^2_u = 1/(m(m-1)) sum_{i != j} [k(a_i, a_j) + k(b_i, b_j)] - 2/m^2 sum_{i,j} k(a_i, b_j)

    on ``subsets`` pairs of random subsets of m points each (Binkowski et al.
    2018) -> (mean over subsets, standard error of that mean). m defaults to
    half the smaller set, at most 1,000: subsets of the whole set would all be
    the same, and their spread would say nothing. Unbiased at any m, so it can
    come out below 0 when the two sets are alike. Its scale is that of the
    features (here unnormalised ReLU activations), so compare KIDs only in one
    feature space.
    """
    rng = numpy.random.default_rng(seed)
    smaller = min(len(features_a), len(features_b))
    m = min(1000, smaller // 2) if subset_size is None else min(subset_size, smaller)
    if m < 2:
        raise ValueError(f"KID needs at least 2 samples in each set, got {len(features_a)} and {len(features_b)}")
    values = []
    for _ in range(subsets):
        a = features_a[rng.choice(len(features_a), m, replace=False)]
        b = features_b[rng.choice(len(features_b), m, replace=False)]
        k_aa, k_bb, k_ab = _polynomial_kernel(a, a), _polynomial_kernel(b, b), _polynomial_kernel(a, b)
        within = (k_aa.sum() - numpy.trace(k_aa) + k_bb.sum() - numpy.trace(k_bb)) / (m * (m - 1))
        values.append(within - 2 * k_ab.mean())
    return float(numpy.mean(values)), float(numpy.std(values, ddof=1) / math.sqrt(subsets)) if subsets > 1 else math.nan


def inception_score(probabilities):
    """exp( E_x KL(p(y | x) || p(y)) ), p(y) the mean of p(y | x) over the samples.

    High when each sample is classified confidently (low entropy of p(y | x))
    and the classes are evenly used (high entropy of p(y)); at most the number
    of classes, 10. The real held-out digits' score is the ceiling to quote beside it.
    """
    p = numpy.asarray(probabilities, dtype=numpy.float64)
    marginal = p.mean(axis=0)
    kl = (p * (_safe_log(p) - _safe_log(marginal))).sum(axis=1)
    return float(math.exp(kl.mean()))


def precision_recall(real_features, fake_features, k=3, chunk=1000):
    """Improved precision and recall (Kynkaanniemi et al. 2019), with k-nearest-neighbour balls in feature space.

    Each real point gets a ball reaching its k-th nearest real neighbour; the
    real manifold is the union of those balls, and likewise for the fakes:

        precision = the fraction of fake points inside the real manifold  (are samples realistic?)
        recall    = the fraction of real points inside the fake manifold  (is the data covered?)
    """
    real, fake = numpy.asarray(real_features, numpy.float64), numpy.asarray(fake_features, numpy.float64)
    return (float(_inside_manifold(fake, real, _knn_radii(real, k, chunk), chunk).mean()),
            float(_inside_manifold(real, fake, _knn_radii(fake, k, chunk), chunk).mean()))  # fmt: skip


def class_coverage(probabilities, min_share=0.2):
    """How the generated digits spread over the 10 classes, by the classifier's most likely class.

    -> {histogram (the fraction in each class), covered (classes with at least
    ``min_share`` of a fair 1/10 share), kl_from_uniform = sum_c q_c log(10 q_c)}:
    0 for a perfectly even spread, log 10 = 2.30 nats when every digit is one class.
    """
    classes = numpy.asarray(probabilities).argmax(axis=1)
    histogram = numpy.bincount(classes, minlength=10) / len(classes)
    covered = int((histogram >= min_share / 10).sum())
    return {"histogram": histogram.tolist(), "covered": covered,
            "kl_from_uniform": float((histogram * (_safe_log(histogram) + math.log(10))).sum())}  # fmt: skip


def label_accuracy(probabilities, labels):
    """For a conditional generator: the fraction of samples that the classifier puts in the class that was asked for."""
    return float((numpy.asarray(probabilities).argmax(axis=1) == numpy.asarray(labels)).mean())


def _gaussian(features):
    features = numpy.asarray(features, dtype=numpy.float64)
    if len(features) < 2:
        raise ValueError(f"a covariance needs at least 2 samples, got {len(features)}")
    return features.mean(axis=0), numpy.cov(features, rowvar=False)


def _psd_sqrt(matrix):
    values, vectors = numpy.linalg.eigh((matrix + matrix.T) / 2)
    return (vectors * numpy.sqrt(numpy.clip(values, 0, None))) @ vectors.T


def _polynomial_kernel(a, b):
    return (a @ b.T / a.shape[1] + 1) ** 3


def _safe_log(p):
    return numpy.log(numpy.where(p > 0, p, 1))  # 0 log 0 = 0


def _squared_distances(a, b):
    return numpy.maximum((a**2).sum(1)[:, None] - 2 * a @ b.T + (b**2).sum(1)[None, :], 0)


def _knn_radii(points, k, chunk):
    """The distance of each point to its k-th nearest neighbour among the others (itself excluded)."""
    radii = numpy.empty(len(points))
    for start in range(0, len(points), chunk):
        distances = _squared_distances(points[start : start + chunk], points)
        radii[start : start + chunk] = numpy.sqrt(numpy.partition(distances, k, axis=1)[:, k])  # column 0 is itself
    return radii


def _inside_manifold(queries, points, radii, chunk):
    """Whether each query lies in at least one ball (points[j], radii[j])."""
    inside = numpy.empty(len(queries), dtype=bool)
    for start in range(0, len(queries), chunk):
        distances = numpy.sqrt(_squared_distances(queries[start : start + chunk], points))
        inside[start : start + chunk] = (distances <= radii[None, :]).any(axis=1)
    return inside
