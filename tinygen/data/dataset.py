"""A data set: a finite collection of examples, each a tuple of arrays, that can be indexed.

    dataset[i]           -> (x_i, y_i, ...)       one example
    dataset.batch(idx)   -> (x[idx], y[idx], ...)  a batch, the arrays stacked along a new first axis

A subclass defines ``__len__`` and ``__getitem__``; the default ``batch``
stacks the examples one by one. ``ArrayDataset`` holds its examples as rows
of arrays and gathers a batch with one fancy-indexing operation instead.
"""
import numpy


class Dataset:
    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def batch(self, indices):
        examples = [self[int(i)] for i in indices]
        return tuple(numpy.stack(column) for column in zip(*examples))


class ArrayDataset(Dataset):
    """Example i is ``(arrays[0][i], arrays[1][i], ...)``; ``transform`` maps a batch of inputs.

    The transform acts on batches of the first array (the inputs), vectorised:
    ``transform(x[indices])``; the other arrays (targets) pass unchanged. It
    runs every time a batch is made, so a random transform (dynamic
    binarisation) draws afresh each epoch.
    """

    def __init__(self, *arrays, transform=None):
        if not arrays:
            raise ValueError("ArrayDataset needs at least one array")
        lengths = [len(array) for array in arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"the arrays of an ArrayDataset must have the same length, got lengths {lengths}")
        self.arrays = arrays
        self.transform = transform

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(column[0] for column in self.batch(numpy.array([index])))

    def batch(self, indices):
        inputs, *targets = (array[indices] for array in self.arrays)
        if self.transform is not None:
            inputs = self.transform(inputs)
        return (inputs, *targets)
