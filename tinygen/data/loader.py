"""``DataLoader``: a data set as a sequence of batches of tensors, shuffled reproducibly.

Epoch e visits the examples in the order

    order_e = permutation of 0..N-1 drawn by a generator seeded with (seed, e)     (shuffle=True)
    order_e = 0, 1, ..., N-1                                                        (shuffle=False)

and cuts it into batches of ``batch_size``; the last one is shorter when
``batch_size`` does not divide N, or dropped with ``drop_last=True`` (a model
with batch statistics may prefer equal batches). Because each epoch's order
is a function of (seed, e) alone, any batch of any epoch can be recomputed:
``loader.batches(epoch=e, start=k)`` resumes an interrupted run at batch k of
epoch e exactly. Each batch comes as a tuple of Tensors on ``device``.

PyTorch's ``num_workers`` and ``pin_memory`` are accepted and ignored: batches
are made in the training process (a NumPy gather, fast beside a step), and
``device`` moves them to the GPU.

A ``sampler`` replaces that order by its own: anything with ``order(epoch)``
(the indices epoch e visits) and ``len()``, such as
``tinygen.distributed.DistributedSampler``, which gives each process of a
data-parallel run its share of the same permutation.
"""
import numpy

from .. import backend
from ..random import generator
from ..tensor import Tensor


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=False, seed=None, drop_last=False, device="cpu", *,
                 sampler=None, num_workers=0, pin_memory=False):  # fmt: skip
        if not isinstance(batch_size, (int, numpy.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: give shuffle=True or a sampler, not both (the sampler orders the examples; "
                             "DistributedSampler shuffles by itself)")  # fmt: skip
        self.dataset, self.sampler = dataset, sampler
        if drop_last and len(self._indices()) < batch_size:
            raise ValueError(f"drop_last=True with batch_size {batch_size} larger than the data set "
                             f"({len(self._indices())} examples) leaves no batch at all: lower the batch size")
        self.device = backend.normalize_device(device)
        backend.array_module_for(self.device)  # a missing GPU fails here, with the install hint
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        # Without a seed, take one from tinygen's generator: tinygen.manual_seed then fixes the order.
        self.seed = int(generator().integers(2**63)) if seed is None else int(seed)
        self.drop_last = drop_last
        self._epochs_started = 0

    def _indices(self):
        return self.dataset if self.sampler is None else self.sampler

    def __len__(self):
        """The number of batches in an epoch."""
        full, rest = divmod(len(self._indices()), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def order(self, epoch):
        """The indices of the examples, in the order epoch ``epoch`` visits them."""
        if self.sampler is not None:
            return self.sampler.order(epoch)
        return epoch_order(len(self.dataset), self.shuffle, self.seed, epoch)

    def batches(self, epoch=0, start=0):
        """The batches of epoch ``epoch`` from batch number ``start`` on, as tuples of Tensors on the device."""
        order = self.order(epoch)
        for number in range(start, len(self)):
            indices = order[number * self.batch_size : (number + 1) * self.batch_size]
            yield tuple(Tensor(backend.to_device(numpy.ascontiguousarray(array), self.device))
                        for array in self.dataset.batch(indices))  # fmt: skip

    def __iter__(self):
        """One epoch; each new ``for`` loop over the loader is the next epoch, with its own order."""
        epoch, self._epochs_started = self._epochs_started, self._epochs_started + 1
        return self.batches(epoch)


def epoch_order(n, shuffle, seed, epoch):
    """0..n-1 in epoch ``epoch``'s order: a permutation drawn from (seed, epoch), or as they come."""
    return numpy.random.default_rng([seed, epoch]).permutation(n) if shuffle else numpy.arange(n)
