"""``DistributedSampler``: each rank's share of every epoch's order, for ``DataLoader(sampler=...)``.

Epoch e's order is the one a single process would use, a permutation drawn
from (seed, e) (``tinygen.data.loader.epoch_order``); rank r of W reads every
W-th index of it from position r:

    shard_r(e) = order_e[r], order_e[r + W], order_e[r + 2W], ...

The shards are disjoint and cover the epoch. Dealt out this way, batch k of
size B/W on every rank comes from the same B positions of the order as batch
k of size B in one process, so W ranks on B/W each see the single process's
global batches (``DistributedDataParallel``'s docstring says why that gives
its gradients). The order is still a function of (seed, e), so a resumed run
recomputes every rank's shard exactly. When W does not divide the data set,
the order is padded with its first indices (as PyTorch does), so every rank
has the same number of batches; ``drop_last=True`` drops the tail instead.
"""
import math

from ..data.loader import epoch_order
from . import communication


class DistributedSampler:
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        self.num_replicas = communication.get_world_size() if num_replicas is None else int(num_replicas)
        self.rank = communication.get_rank() if rank is None else int(rank)
        if not 0 <= self.rank < self.num_replicas:
            raise ValueError(f"DistributedSampler: rank {self.rank} is not one of 0..{self.num_replicas - 1}")
        self.size, self.shuffle, self.seed, self.drop_last = len(dataset), shuffle, int(seed), drop_last
        rounded = math.floor if drop_last else math.ceil
        self.num_samples = rounded(self.size / self.num_replicas)
        if self.num_samples == 0:
            raise ValueError(f"DistributedSampler: {self.size} examples cannot give each of {self.num_replicas} "
                             "ranks one with drop_last=True; use fewer ranks")  # fmt: skip

    def __len__(self):
        """The number of indices each rank reads in an epoch."""
        return self.num_samples

    def order(self, epoch):
        """This rank's indices in epoch ``epoch``, in the order it visits them."""
        order = epoch_order(self.size, self.shuffle, self.seed, epoch)
        total = self.num_samples * self.num_replicas
        if total > self.size:  # pad with the start of the order (repeated, if the data set is tiny)
            order = order[[i % self.size for i in range(total)]]
        return order[self.rank : total : self.num_replicas]
