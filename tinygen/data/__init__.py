"""Data: data sets, batches of tensors, MNIST (full, or embedded for offline runs), toy 2-D distributions.

    data = tinygen.data.mnist(binarize="dynamic")          # data.train, data.test
    loader = tinygen.data.DataLoader(data.train, batch_size=128, shuffle=True, seed=0, device="gpu")
    for x, label in loader:                                 # x: (128, 1, 28, 28) float32 Tensor on the GPU
        ...
    train_loader, test_loader, shape = tinygen.data.binarized_mnist(batch_size=64)   # what the likelihood examples use
    digits_b = tinygen.data.optical_digits(signed=True)     # the UCI 8x8 digits scaled to 28x28: domain B
    ring = tinygen.data.toy_dataset("ring")                 # 8 Gaussians; ring.coverage(samples)

    python -m tinygen.data                                  # fetch full MNIST (11.6 MB) into the cache

One idea per file: ``dataset`` (Dataset, ArrayDataset), ``loader``
(DataLoader), ``unpaired`` (UnpairedLoader: two loaders side by side, for
translation), ``idx`` (MNIST's file format), ``download`` (mirrors, SHA-256,
the cache), ``pixels`` (grey, binarised, dequantised), ``mnist_sources``
(where the digits come from, and the loaders of binarised MNIST), ``uci_digits``
(a second look of the ten digits, MNIST's other domain for translation), ``toy`` (2-D
distributions with known modes), ``patches`` (key patches cut from digits and ``PatchLoader``, for
part-to-whole generation).

Imports: ``tinygen``'s backend, random generator, tensors and serialization; never ``models``
or ``train`` (they use the data, not the other way round).
"""
from .dataset import ArrayDataset, Dataset
from .download import ChecksumError, DownloadError, cache_dir, download_mnist, fetch
from .idx import IDXError, read_idx, write_idx
from .loader import DataLoader
from .mnist_sources import MNIST, binarized_mnist, mnist
from .uci_digits import optical_digits
from .unpaired import UnpairedLoader
from .pixels import dequantize, dynamic_binarize, grey, signed_grey, static_binarize
from .toy import (
    TOY_DATASETS,
    Checkerboard,
    Coverage,
    GaussianMixture2D,
    NoisyCurve,
    Toy2D,
    toy_dataset,
)

__all__ = [
    "MNIST",
    "TOY_DATASETS",
    "ArrayDataset",
    "Checkerboard",
    "ChecksumError",
    "Coverage",
    "DataLoader",
    "Dataset",
    "DownloadError",
    "GaussianMixture2D",
    "IDXError",
    "NoisyCurve",
    "Toy2D",
    "UnpairedLoader",
    "binarized_mnist",
    "cache_dir",
    "dequantize",
    "download_mnist",
    "dynamic_binarize",
    "fetch",
    "grey",
    "mnist",
    "optical_digits",
    "read_idx",
    "signed_grey",
    "static_binarize",
    "toy_dataset",
    "write_idx",
]
