"""The digits every port trains on: the first training digits of tinygen's MNIST, as NumPy arrays.

Both frameworks read the same arrays, so a port and its PyTorch original see
the same data (torchvision is not a dependency).
"""
import numpy as np

import tinygen.data


def mnist_digits(count=512):
    """(images, labels): float32 grey levels in [0, 1] of shape (count, 1, 28, 28), int64 labels of shape (count,)."""
    images, labels = tinygen.data.mnist().train.arrays
    return (images[:count] / 255.0).astype(np.float32), labels[:count]
