"""What a generative model is for, besides generating: classifying, detecting anomalies, learning codes.

An explicit model gives p(x), and that number has uses of its own:

* classification by Bayes' rule. With one density per class, p(x | y), and
  the class frequencies p(y),

      p(y | x) = p(x | y) p(y) / sum_k p(x | k) p(k),

  computed from log-likelihoods as a softmax over k of log p(x | k) + log p(k)
  (``bayes_posterior``). Equal priors leave the argmax of the likelihoods;
* anomaly detection: score each x by -log p(x) (high: unlike the training
  data) and ask how well the score separates held-out data from data of
  another kind. ``auroc`` is the area under the ROC curve of that detector,
  the probability that a random outlier scores above a random inlier (ties
  count half): 1 is perfect, 0.5 chance, below 0.5 the detector is
  backwards (the known failure: outliers that get *higher* likelihood);
* representations: a code is useful if a linear classifier trained on a
  few labelled codes reads the labels off it (``linear_probe``).

``out_of_distribution`` makes the outlier sets from held-out digits:
rotated, inverted, shrunk, or replaced by uniform noise.
Everything here is NumPy on the host, in float64.
"""
import numpy

OUT_OF_DISTRIBUTION = ("rotated", "inverted", "shrunk", "noise")


def bayes_posterior(log_likelihoods, log_prior=None):
    """p(y | x) from log p(x | y), (N, K), and log p(y), (K,) (default: uniform) -> (N, K), each row summing to 1."""
    log_joint = numpy.asarray(log_likelihoods, dtype=numpy.float64)
    if log_joint.ndim != 2:
        raise ValueError(f"bayes_posterior: log_likelihoods must be (N, classes), got shape {log_joint.shape}")
    if log_prior is not None:
        log_prior = numpy.asarray(log_prior, dtype=numpy.float64)
        if log_prior.shape != log_joint.shape[1:]:
            raise ValueError(f"bayes_posterior: log_prior has shape {log_prior.shape}, expected ({log_joint.shape[1]},)"
                             ", one log-probability per class")  # fmt: skip
        log_joint = log_joint + log_prior
    # Subtracting each row's maximum keeps exp() in range: log-likelihoods of images are hundreds of nats.
    weights = numpy.exp(log_joint - log_joint.max(1, keepdims=True))
    return weights / weights.sum(1, keepdims=True)


def midranks(values):
    """The 1-based rank of each value among all of them, tied values sharing the mean of their ranks."""
    _, inverse, counts = numpy.unique(values, return_inverse=True, return_counts=True)
    last_rank = numpy.cumsum(counts)
    return (last_rank - (counts - 1) / 2)[inverse.reshape(-1)]


def auroc(inlier_scores, outlier_scores):
    """P(outlier score > inlier score) + P(equal) / 2: the area under the ROC curve of "outlier if score > t".

    The Mann-Whitney U statistic over both counts, from the ranks of the pooled scores:
    U = (sum of the outliers' ranks) - n_out (n_out + 1) / 2, AUROC = U / (n_in n_out).
    """
    inliers, outliers = (numpy.asarray(s, dtype=numpy.float64).reshape(-1) for s in (inlier_scores, outlier_scores))
    if len(inliers) == 0 or len(outliers) == 0:
        raise ValueError(f"auroc needs scores of both kinds, got {len(inliers)} inliers and {len(outliers)} outliers")
    if not (numpy.isfinite(inliers).all() and numpy.isfinite(outliers).all()):
        raise ValueError("auroc: every score must be finite (a log-likelihood of -inf? clip or smooth the model)")
    ranks = midranks(numpy.concatenate([inliers, outliers]))
    u = ranks[len(inliers) :].sum() - len(outliers) * (len(outliers) + 1) / 2
    return float(u / (len(inliers) * len(outliers)))


def linear_probe(train_codes, train_labels, test_codes, test_labels, weight_decay=1e-3, steps=500):
    """Accuracy on the test codes of a logistic regression fitted to the (frozen) training codes.

    Softmax regression on standardised codes (each feature's training mean and
    standard deviation; a column of ones for the bias), minimising the mean
    cross-entropy + weight_decay / 2 ||W||^2 by full-batch gradient descent with
    Nesterov's momentum (its error after k steps falls as 1/k^2, plain descent's as 1/k).

    Two facts keep it cheap and safe. The penalised minimum lies in the span of
    the training codes (any part of W orthogonal to them changes no logit and only
    adds to ||W||), so with X = U S V^T (thin SVD) the fit runs on the N x r
    coordinates X V = U S instead of all F features, exactly. And the step 1/L,
    L = s_max^2 / (2N) + weight_decay, bounds the loss's curvature, the condition
    for that rate. After ``steps`` steps the directions the labels determine are fitted;
    those they barely touch stay near 0, as with early stopping.
    """
    x, mean, scale = standardised(train_codes)
    labels = numpy.asarray(train_labels).reshape(-1)
    if len(x) != len(labels):
        raise ValueError(f"linear_probe: {len(x)} training codes but {len(labels)} labels")
    classes = numpy.unique(labels)
    _, singular_values, basis = numpy.linalg.svd(with_ones(x), full_matrices=False)
    coordinates = with_ones(x) @ basis.T
    targets = (labels[:, None] == classes).astype(numpy.float64)
    weights = previous = numpy.zeros((coordinates.shape[1], len(classes)))
    step = 1 / (singular_values[0] ** 2 / (2 * len(x)) + weight_decay)
    for k in range(steps):
        ahead = weights + k / (k + 3) * (weights - previous)  # Nesterov's look-ahead
        probabilities = bayes_posterior(coordinates @ ahead)  # a softmax over the classes' logits
        gradient = coordinates.T @ (probabilities - targets) / len(x) + weight_decay * ahead
        previous, weights = weights, ahead - step * gradient
    test = (numpy.asarray(test_codes, dtype=numpy.float64).reshape(len(test_codes), -1) - mean) / scale
    predicted = classes[(with_ones(test) @ basis.T @ weights).argmax(1)]
    return float((predicted == numpy.asarray(test_labels).reshape(-1)).mean())


def with_ones(x):
    return numpy.hstack([x, numpy.ones((len(x), 1))])


def standardised(codes):
    """Codes (N, ...) flattened to (N, F), each feature shifted and scaled to mean 0, variance 1; -> (x, mean, scale).

    A feature constant over the training codes (a border pixel) keeps scale 1 instead of dividing by 0."""
    x = numpy.asarray(codes, dtype=numpy.float64).reshape(len(codes), -1)
    mean, scale = x.mean(0), x.std(0)
    scale[scale == 0] = 1
    return (x - mean) / scale, mean, scale


def stratified_indices(labels, per_class, rng):
    """``per_class`` indices of each label, drawn without replacement by ``rng``, in increasing order."""
    labels = numpy.asarray(labels).reshape(-1)
    chosen = []
    for label in numpy.unique(labels):
        pool = numpy.flatnonzero(labels == label)
        if len(pool) < per_class:
            raise ValueError(f"stratified_indices: {per_class} examples of label {label} asked, {len(pool)} exist")
        chosen.append(rng.choice(pool, per_class, replace=False))
    return numpy.sort(numpy.concatenate(chosen))


def out_of_distribution(images, kind, rng):
    """Grey images (N, 1, H, W) in [0, 1] made into data of another kind, same shape, float32:

        rotated    turned a quarter turn anticlockwise (a 6 is no longer a 9, but strokes are strokes)
        inverted   1 - x: white digits become black ones on white
        shrunk     every other row and column, centred on a blank image of the same size: half-size digits
        noise      uniform noise, each pixel's grey level drawn from U(0, 1) (``images`` give only the shape)
    """
    images = numpy.asarray(images, dtype=numpy.float32)
    if images.ndim != 4:
        raise ValueError(f"out_of_distribution: expected images (N, C, H, W), got shape {images.shape}")
    if kind == "rotated":
        return numpy.rot90(images, 1, axes=(2, 3)).copy()
    if kind == "inverted":
        return 1 - images
    if kind == "shrunk":
        small = images[:, :, ::2, ::2]
        top, left = (images.shape[2] - small.shape[2]) // 2, (images.shape[3] - small.shape[3]) // 2
        shrunk = numpy.zeros_like(images)
        shrunk[:, :, top : top + small.shape[2], left : left + small.shape[3]] = small
        return shrunk
    if kind == "noise":
        return rng.random(images.shape, dtype=numpy.float32)
    raise ValueError(f"unknown kind of outlier {kind!r}: choose one of {OUT_OF_DISTRIBUTION}")
