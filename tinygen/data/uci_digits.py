"""The UCI optical-recognition digits: a second look of the same ten digits, MNIST's other domain.

MNIST's digits are scanned pen strokes; these are NIST form digits reduced to
8x8 blocks of 17 grey levels (Alpaydin & Kaynak, 1998) and scaled back up
(bilinear, to a 20x20 box padded to 28x28 as MNIST's digits sit): soft,
blocky, thick. Same classes, different look: domain A (MNIST) and domain B
(these) for image-to-image translation. 1,797 digits shipped inside tinygen
(1,497 for training, 300 for testing, a fixed split; see
``make_optical_digits.py``), checked against their SHA-256 on every load.
Licence: CC BY 4.0, as the UCI repository states for this data set.

    data = optical_digits(signed=True)     # data.train, data.test: (x (1, 28, 28) float32, label) examples

The labels are for evaluation: a translation model trained on these never sees them.
"""
import pathlib

import numpy

from . import pixels
from .dataset import ArrayDataset
from .download import verify
from .mnist_sources import MNIST

OPTICAL_DIGITS_PATH = pathlib.Path(__file__).resolve().parent / "optical_digits.npz"
OPTICAL_DIGITS_SHA256 = "a520977fc43a9f3504f928db42b070359c5eac2c86d42c82c8ceda031d9e0466"


def optical_digits(signed=False):
    """The train and test sets: grey levels in [0, 1], or [-1, 1] with ``signed=True`` (a tanh generator's range)."""
    verify(OPTICAL_DIGITS_PATH, OPTICAL_DIGITS_SHA256)
    transform = pixels.signed_grey if signed else pixels.grey
    with numpy.load(OPTICAL_DIGITS_PATH) as stored:
        train, test = (ArrayDataset(stored[f"{split}_images"][:, None], stored[f"{split}_labels"].astype(numpy.int64),
                                    transform=transform) for split in ("train", "test"))  # fmt: skip
    return MNIST(train, test, "the UCI optical-recognition digits (embedded, 8x8 scaled to 28x28)")
