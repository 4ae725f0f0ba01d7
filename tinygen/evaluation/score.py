"""Score generated digits against held-out real ones: every image metric at once, and the real-data floor.

    figures = score_images(samples)               # samples: (N, 1, 28, 28) in [0, 1]
    python -m tinygen.evaluation runs/nade_mnist  # reads samples.npz, adds the figures to metrics.json

The reference is MNIST's held-out test digits (the 1,000 of the embedded
subset, or full MNIST's 10,000 when cached), in the form the samples take:
binarised (one fixed draw, the seed the examples use for their test digits)
when every sample pixel is 0 or 1, grey levels otherwise. A model of binarised
digits is judged against binarised digits, not against grey ones it was never
shown.
"""
import json
import pathlib

import numpy

from ..data import mnist
from ..data.pixels import static_binarize
from ..serialization import atomic_write
from .features import embed, feature_network
from .image_metrics import class_coverage, fid, inception_score, kid, precision_recall

TEST_BINARIZATION_SEED = 1  # the one binarisation of the test digits that the examples use too


def real_digits(binary, split="test", data_path=None):
    """MNIST digits of ``split`` as float32 (N, 1, 28, 28) in [0, 1], binarised once if ``binary``."""
    images = getattr(mnist(data_path), split).arrays[0]
    if binary:
        images = static_binarize(images, TEST_BINARIZATION_SEED)
    return images.astype(numpy.float32) / 255


def is_binary(images):
    return bool(numpy.isin(numpy.unique(images), (0.0, 1.0)).all())


def score_images(images, real=None, net=None, data_path=None):
    """Every image metric of ``images`` against ``real`` (default: the held-out digits, in the samples' form).

    -> {samples, reference, fid_mnist, kid_mnist, kid_mnist_se, inception_score,
    precision, recall, classes_covered, class_kl_from_uniform, class_histogram}.
    """
    images = numpy.asarray(images, dtype=numpy.float32)
    binary = is_binary(images)
    if real is None:
        real = real_digits(binary, data_path=data_path)
    net = feature_network() if net is None else net
    real_features, _ = embed(net, real)
    features, probabilities = embed(net, images)
    kid_mean, kid_se = kid(real_features, features)
    precision, recall = precision_recall(real_features, features)
    coverage = class_coverage(probabilities)
    return {
        "samples": len(images), "reference": f"{len(real)} held-out {'binarised' if binary else 'grey'} digits",
        "fid_mnist": fid(real_features, features), "kid_mnist": kid_mean, "kid_mnist_se": kid_se,
        "inception_score": inception_score(probabilities), "precision": precision, "recall": recall,
        "classes_covered": coverage["covered"], "class_kl_from_uniform": coverage["kl_from_uniform"],
        "class_histogram": coverage["histogram"],
    }  # fmt: skip


def real_floor(num_samples, binary, seed=0, data_path=None):
    """What real digits score: ``num_samples`` random training digits, scored like samples. The floor to quote."""
    train = real_digits(binary, split="train", data_path=data_path)
    chosen = numpy.random.default_rng(seed).choice(len(train), num_samples, replace=False)
    return score_images(train[chosen], data_path=data_path)


def is_mnist_images(samples):
    return numpy.ndim(samples) == 4 and tuple(numpy.shape(samples)[1:]) == (1, 28, 28)


def score_samples(samples, data_path=None):
    """{model name: its samples} -> {model name: its figures}, for the models whose samples are MNIST-sized images."""
    net = feature_network()
    return {name: score_images(images, net=net, data_path=data_path) for name, images in samples.items()
            if is_mnist_images(images)}  # fmt: skip


def flat_figures(figures):
    """{model: {metric: value}} -> {quality_<model>_<metric>: value}, the keys metrics.json keeps them under."""
    return {f"quality_{name}_{metric}": value for name, values in figures.items() for metric, value in values.items()}


def score_run(run_dir, data_path=None):
    """Score ``RUN_DIR/samples.npz`` (one array of samples per model, keyed by its name) and add the figures to
    ``RUN_DIR/metrics.json``; -> {model name: figures}."""
    run_dir = pathlib.Path(run_dir)
    with numpy.load(run_dir / "samples.npz") as archive:
        figures = score_samples(dict(archive), data_path)
    metrics_path = run_dir / "metrics.json"
    metrics = json.loads(metrics_path.read_text()) if metrics_path.exists() else {}
    metrics.update(flat_figures(figures))
    with atomic_write(metrics_path) as file:
        file.write(json.dumps(metrics, indent=2).encode())
    return figures


def summary(figures):
    """One line: the figures a results table quotes."""
    return (f"{figures['samples']} samples against {figures['reference']}: FID (MNIST features) {figures['fid_mnist']:.2f}, "
            f"KID {figures['kid_mnist']:.4f} +- {figures['kid_mnist_se']:.4f}, IS {figures['inception_score']:.2f}, "
            f"precision {figures['precision']:.3f}, recall {figures['recall']:.3f}, "
            f"classes covered {figures['classes_covered']}/10 (KL from uniform {figures['class_kl_from_uniform']:.3f})")  # fmt: skip

