"""Data-parallel training over processes: MPI between CPU processes, NCCL between GPUs.

    mpiexec -n 2 python examples/dcgan_mnist.py --distributed

    distributed.init()                                   # join the processes mpiexec started
    model = DistributedDataParallel(model)               # rank 0's weights everywhere; gradients averaged
    loader = DataLoader(data, batch_size // distributed.get_world_size(), sampler=DistributedSampler(data, seed=0))

Each of W processes holds the whole model and trains on its 1/W of every
batch; after backward the gradients are averaged, so every process takes
the same step, the step one process would take on the whole batch.
``communication`` (init, ranks, all_reduce, broadcast, barrier: MPI via
mpi4py, NCCL via CuPy), ``parallel`` (DistributedDataParallel: bucketed
gradient averaging that overlaps backward), ``sampler`` (each rank's shard of
every epoch). mpi4py is the optional extra ``tinygen[distributed]``,
imported only by ``init()``.

Imports: tensors, autograd, nn and data; never ``train`` or ``models`` (``train.Run`` uses this).
"""
from .communication import (
    DistributedError,
    ReduceOp,
    all_gather_object,
    all_reduce,
    barrier,
    broadcast,
    get_rank,
    get_world_size,
    init,
    is_initialized,
    launched,
)
from .parallel import DistributedDataParallel
from .sampler import DistributedSampler

__all__ = [
    "DistributedDataParallel",
    "DistributedError",
    "DistributedSampler",
    "ReduceOp",
    "all_gather_object",
    "all_reduce",
    "barrier",
    "broadcast",
    "get_rank",
    "get_world_size",
    "init",
    "is_initialized",
    "launched",
]
