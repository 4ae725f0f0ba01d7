"""MNIST: 28x28 grey images of handwritten digits with their labels, full or as the embedded subset.

``mnist()`` picks its source in this order:

1. ``path``, a folder of the four IDX files (``--data PATH`` in the examples;
   gzipped or not, under the official names, e.g. ``train-images-idx3-ubyte.gz``);
2. full MNIST (60,000 training and 10,000 test digits) in the cache,
   ``$TINYGEN_DATA/mnist`` (default ``~/.cache/tinygen/mnist``), each file
   checked against its published SHA-256 (``python -m tinygen.data``
   puts it there);
3. the subset shipped inside tinygen: 5,000 real MNIST digits, 500 of each
   class, split with a fixed seed into 4,000 for training and 1,000 for
   testing (see ``make_mnist_subset.py``), so every example runs offline.

Each example is ``(x, label)``: x float32 of shape (1, 28, 28), in the form
``binarize`` / ``dequantize`` ask for (see ``pixels.py``), and an int64 label.
The grey levels stay uint8 in memory (47 MB for full MNIST, not 188 MB as
float32) and become floats one batch at a time.
"""
import os
import pathlib
import sys
from dataclasses import dataclass

import numpy

from . import pixels
from .dataset import ArrayDataset
from .download import MNIST_FILES, cache_dir, verify
from .idx import read_idx
from .loader import DataLoader

SUBSET_PATH = pathlib.Path(__file__).resolve().parent / "mnist_subset.npz"
SUBSET_SHA256 = "e21ac568447f500075931cb906ae68fc2dd5da83bd281f58ab93d01bb5b65a8f"
SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}  # fmt: skip
BINARIZATIONS = (None, "dynamic", "static")


@dataclass
class MNIST:
    """The training and test sets, and a line that says where they came from."""

    train: ArrayDataset
    test: ArrayDataset
    source: str


def mnist(path=None, binarize=None, dequantize=False, seed=0, signed=False):
    """MNIST's train and test sets from ``path``, else the cache, else the embedded subset (see above).

    ``binarize``: None (grey levels in [0, 1]), "dynamic" (a fresh Bernoulli
    draw each time an image is seen) or "static" (one draw with ``seed``,
    frozen); ``dequantize=True``: (g + u) / 256 for continuous densities;
    ``signed=True``: grey levels in [-1, 1], the range of a GAN generator's tanh.
    """
    if binarize not in BINARIZATIONS:
        raise ValueError(f"binarize must be one of {BINARIZATIONS}, got {binarize!r}")
    if binarize and dequantize:
        raise ValueError("binarize and dequantize exclude each other: binary images are already discrete values "
                         "for a Bernoulli model; dequantize the grey levels for a continuous density instead")
    if sum(map(bool, (binarize, dequantize, signed))) > 1:
        raise ValueError(f"choose one of binarize={binarize!r}, dequantize={dequantize}, signed={signed}: "
                         "each is a different way of turning grey levels into numbers")
    arrays, source = _find(path)
    transform = (pixels.dynamic_binarize if binarize == "dynamic" else pixels.dequantize if dequantize
                 else pixels.signed_grey if signed else pixels.grey)  # fmt: skip
    datasets = {}
    for offset, (split, (images, labels)) in enumerate(arrays.items()):
        if binarize == "static":
            images = pixels.static_binarize(images, seed + offset)  # train and test get draws of their own
        datasets[split] = ArrayDataset(images[:, None], labels.astype(numpy.int64), transform=transform)
    return MNIST(datasets["train"], datasets["test"], source)



def binarized_mnist(path=None, batch_size=64, seed=0, device="cpu", test_batch_size=500):
    """Loaders of binarised MNIST for a likelihood model: -> (train_loader, test_loader, image_shape).

    Digits binarised afresh each time they are seen; the training digits
    shuffled by (seed, epoch), the test digits in order.
    """
    data = mnist(path, binarize="dynamic")
    train_loader = DataLoader(data.train, batch_size, shuffle=True, seed=seed, device=device)
    return train_loader, DataLoader(data.test, test_batch_size, device=device), data.test[0][0].shape

def _find(path):
    if path is not None:
        return read_folder(path, verify_checksums=False), f"MNIST from {path}"
    cached = cache_dir() / "mnist"
    if all((cached / name).exists() for name in MNIST_FILES):
        return read_folder(cached, verify_checksums=True), f"full MNIST from {cached}"
    notice = (f"full MNIST is not in {cached}: using the embedded subset of 5,000 digits (4,000 train, 1,000 test); "
              "fetch the full set with `python -m tinygen.data`")
    print(f"tinygen.data: {notice}", file=sys.stderr)
    return read_subset(), "the embedded MNIST subset"


def read_folder(folder, verify_checksums):
    """{split: (images uint8 (N, 28, 28), labels uint8 (N,))} from the IDX files in ``folder``."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no MNIST folder at {os.fspath(folder)!r}: --data must name a folder of IDX files")
    arrays = {}
    for split, stems in SPLITS.items():
        images, labels = (read_idx(_idx_file(folder, stem, verify_checksums)) for stem in stems)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"the {split} files in {os.fspath(folder)!r} hold images of shape {images.shape} and "
                             f"labels of shape {labels.shape}: expected (N, H, W) and (N,)")
        arrays[split] = (images, labels)
    return arrays


def _idx_file(folder, stem, verify_checksums):
    for name in (stem + ".gz", stem):
        if (folder / name).exists():
            if verify_checksums and name in MNIST_FILES:
                verify(folder / name, MNIST_FILES[name])
            return folder / name
    present = sorted(p.name for p in folder.iterdir()) or "nothing"
    raise FileNotFoundError(f"{os.fspath(folder)!r} has no {stem}.gz (nor {stem}); it holds: {present}")


def read_subset():
    """The embedded subset, checked against its SHA-256 first."""
    verify(SUBSET_PATH, SUBSET_SHA256)
    with numpy.load(SUBSET_PATH) as stored:
        return {split: (stored[f"{split}_images"], stored[f"{split}_labels"]) for split in SPLITS}
