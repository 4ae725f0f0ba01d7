"""Build ``optical_digits.npz``, the second digit domain shipped inside tinygen, once.

The UCI optical-recognition handwritten digits (Alpaydin & Kaynak, 1998):
NIST's preprocessing programs cut 32x32 bitmaps of digits written on forms,
and counted the "on" pixels in each 4x4 block, so that each digit is an 8x8
image of 17 grey levels (0..16). scikit-learn (BSD-3-Clause) ships 1,797 of
them, the UCI test set, as ``sklearn/datasets/data/digits.csv.gz``: one row
per digit, the 64 counts (row by row) and then the label.

This script scales each digit to the look of an MNIST digit (MNIST's digits
are fitted into a 20x20 box in the middle of 28x28): the counts go to grey
levels 0..255 (x 255 / 16), bilinear interpolation with half-pixel centres
(each output pixel centre mapped into the 8x8 grid, the edges clamped:
PyTorch's ``interpolate(mode="bilinear", align_corners=False)``) makes them
20x20, and 4 black pixels of padding on each side make 28x28; rounded to uint8.
Then each class is split with a fixed seed, 30 digits for testing and the
rest (144-153 a class) for training:

    train: 1,497 images (N, 28, 28) and labels (N,);  test: 300 of each.

It runs once, by a maintainer (scikit-learn is not a dependency of tinygen):

    pip install --no-deps --target /tmp/sk scikit-learn
    PYTHONPATH=/tmp/sk python -m tinygen.data.make_optical_digits

and prints the file's SHA-256, which goes into ``OPTICAL_DIGITS_SHA256`` in
``tinygen/data/uci_digits.py`` so that every load checks it. Running it
again rebuilds the file byte for byte.
"""
import argparse
import importlib.util
import pathlib

import numpy

from .make_mnist_subset import save_split
from .uci_digits import OPTICAL_DIGITS_PATH

SPLIT_SEED = 0
TEST_PER_CLASS = 30
BOX, SIDE = 20, 28  # the digit's box inside the image, as MNIST's


def sklearn_csv():
    """The CSV inside the installed scikit-learn, found without importing it."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise SystemExit("scikit-learn is not installed: pip install --no-deps --target DIR scikit-learn; "
                         "PYTHONPATH=DIR ...")  # fmt: skip
    return pathlib.Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"


def bilinear_matrix(size_in, size_out):
    """(size_out, size_in) weights of linear interpolation with half-pixel centres, edges clamped."""
    centres = numpy.clip((numpy.arange(size_out) + 0.5) * size_in / size_out - 0.5, 0, size_in - 1)
    low = numpy.floor(centres).astype(int)
    high = numpy.minimum(low + 1, size_in - 1)
    weights = numpy.zeros((size_out, size_in))
    numpy.add.at(weights, (numpy.arange(size_out), low), 1 - (centres - low))
    numpy.add.at(weights, (numpy.arange(size_out), high), centres - low)
    return weights


def to_mnist_look(counts):
    """(N, 8, 8) counts 0..16 -> (N, 28, 28) uint8: grey levels, bilinear to 20x20, padded to 28x28."""
    m = bilinear_matrix(counts.shape[-1], BOX)
    box = m @ (counts * (255 / 16)) @ m.T
    pad = (SIDE - BOX) // 2
    return numpy.pad(numpy.round(box), ((0, 0), (pad, pad), (pad, pad))).astype(numpy.uint8)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", type=pathlib.Path, default=None, help="digits.csv.gz (default: scikit-learn's)")
    parser.add_argument("--out", type=pathlib.Path, default=OPTICAL_DIGITS_PATH)
    args = parser.parse_args(argv)

    table = numpy.loadtxt(args.csv or sklearn_csv(), delimiter=",")
    if table.shape != (1797, 65) or not numpy.array_equal(table, numpy.round(table)) or table[:, :64].max() > 16:
        raise SystemExit(f"expected 1797 rows of 64 counts 0..16 and a label, got a table of shape {table.shape}")
    images = to_mnist_look(table[:, :64].reshape(-1, 8, 8))
    labels = table[:, 64].astype(numpy.uint8)
    save_split(args.out, images, labels, SPLIT_SEED, TEST_PER_CLASS)


if __name__ == "__main__":
    main()
