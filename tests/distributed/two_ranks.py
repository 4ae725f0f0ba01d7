"""A small regression network trained for 20 steps, by one process or by the ranks of ``mpiexec``.

    mpiexec -n 2 python tests/distributed/two_ranks.py OUT.npz [gpu]   # rank 0 writes the final parameters

``test_distributed.py`` runs it and trains the same network in one process: on the whole batch of
``BATCH`` (equal up to summation order) and by averaging the two shards' gradients itself (equal bit for bit).
"""
import sys

import numpy as np

import tinygen as tg
from tinygen import distributed, nn, optim
from tinygen.data import ArrayDataset, DataLoader
from tinygen.distributed import DistributedDataParallel, DistributedSampler

BATCH, STEPS, SEED = 8, 20, 3
DTYPES = ("float64", "float32")


def dataset(dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 4)).astype(dtype)  # 60 is no multiple of 8: epochs end on a short batch
    return ArrayDataset(x, np.sin(x @ rng.standard_normal((4, 3))).astype(dtype))


def network(dtype, seed=0):
    tg.manual_seed(seed)
    # Two buckets of a few parameters each (bucket_cap_mb below), so that buckets start during backward.
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3)).to(dtype=dtype)


def batches(loader):
    """STEPS batches, epoch after epoch."""
    epoch = 0
    while True:
        for batch in loader.batches(epoch):
            yield batch
        epoch += 1


def train(model, loader, gradient=None):
    """Adam on the mean squared error; ``gradient(model, x, y)`` replaces loss.backward() if given."""
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    for _, (x, y) in zip(range(STEPS), batches(loader)):
        optimizer.zero_grad()
        if gradient is None:
            ((model(x) - y) ** 2).mean().backward()
        else:
            gradient(model, x, y)
        optimizer.step()
    return [p.numpy() for p in model.parameters()]


def main(out, device="cpu"):
    distributed.init()
    rank, world = distributed.get_rank(), distributed.get_world_size()
    results = {}
    for dtype in DTYPES:
        data = dataset(dtype)
        model = network(dtype, seed=rank).to(device)  # different on each rank: DDP broadcasts rank 0's
        DistributedDataParallel(model, bucket_cap_mb=1.5e-3)
        loader = DataLoader(data, BATCH // world, sampler=DistributedSampler(data, seed=SEED), device=device)
        for index, p in enumerate(train(model, loader)):
            results[f"{dtype}_{index}"] = p
    gathered = distributed.all_gather_object(results)
    if rank == 0:
        agree = all(np.array_equal(other[k], results[k]) for other in gathered for k in results)
        np.savez(out, agree=agree, world=world, **results)


if __name__ == "__main__":
    main(*sys.argv[1:])
