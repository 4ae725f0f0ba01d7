"""The process group: who I am (rank), how many we are (world size), and the collectives on tensors.

tinygen writes no communication layer of its own. Processes are started by an
MPI launcher (``mpiexec -n 4 python examples/dcgan_mnist.py``), which tells each
its rank; ``init()`` joins them through MPI (``mpi4py``, the optional extra
``tinygen[distributed]``). A collective then goes

- through MPI for tensors on the CPU (``Allreduce``/``Iallreduce``, ``Bcast``
  on the NumPy array itself, no copy), and
- through NCCL for tensors on the GPU (``cupy.cuda.nccl``): NCCL reads and
  writes GPU memory directly over NVLink or PCIe, where MPI would stage every
  gradient through the host. NCCL needs a shared secret to form its group,
  the unique id, which rank 0 draws and MPI broadcasts; the NCCL communicator
  is made on the first GPU collective. ``init()`` gives each rank the GPU
  numbered by its rank on the node (the launcher's local rank): call it
  before moving anything to the GPU.

Every rank must call the same collectives in the same order with tensors of
the same shape and dtype (MPI's rule): a rank that skips one hangs the others.
"""
import os

from .. import backend


class DistributedError(RuntimeError):
    """The extra is missing, no launcher started us, or ``init()`` was not called."""


class ReduceOp:
    """How ``all_reduce`` combines the ranks' tensors (``torch.distributed.ReduceOp``'s names)."""

    SUM, AVG, MAX, MIN = "sum", "avg", "max", "min"


_INSTALL_HINT = 'install the extra: pip install -e ".[distributed]" (mpi4py and the MPICH wheel)'
# The rank count each launcher exports: MPICH/Intel MPI (Hydra), Open MPI, MVAPICH.
_LAUNCHER_SIZE_VARIABLES = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE")
_LOCAL_RANK_VARIABLES = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "MV2_COMM_WORLD_LOCAL_RANK")
_group = None


def launched():
    """Whether an MPI launcher started this process as one of several (read from its environment)."""
    return any(int(os.environ.get(name, "1")) > 1 for name in _LAUNCHER_SIZE_VARIABLES)


def init():
    """Join the processes the launcher started; -> the world size. Calling it again does nothing."""
    global _group
    if _group is not None:
        return _group.world_size
    if not launched():
        raise DistributedError("init(): this process was not started by an MPI launcher as one of several; "
                               "start it with: mpiexec -n 2 python your_script.py ...")  # fmt: skip
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise DistributedError(f"distributed training needs mpi4py, which is not installed ({error}): "
                               f"{_INSTALL_HINT}") from None  # fmt: skip
    _group = _Group(MPI)
    return _group.world_size


def is_initialized():
    return _group is not None


def get_rank():
    """This process's number, 0 .. world size - 1 (0 when not distributed)."""
    return _group.rank if _group is not None else 0


def get_world_size():
    """How many processes train together (1 when not distributed)."""
    return _group.world_size if _group is not None else 1


def all_reduce(tensor, op=ReduceOp.SUM, async_op=False):
    """Replace ``tensor`` on every rank by the ranks' tensors combined by ``op``, in place.

    With ``async_op=True`` the reduction only starts: -> a handle whose ``wait()`` finishes it.
    """
    work = _require("all_reduce").backend_for(tensor).all_reduce(tensor.data, op)
    return work if async_op else work.wait()


def broadcast(tensor, src=0):
    """Overwrite ``tensor`` on every rank with rank ``src``'s, in place."""
    _require("broadcast").backend_for(tensor).broadcast(tensor.data, src)


def barrier():
    """Wait until every rank has reached this point."""
    _require("barrier").mpi.Barrier()


def all_gather_object(obj):
    """-> [rank 0's obj, rank 1's, ...] on every rank, for small picklable things (generator states)."""
    return _require("all_gather_object").mpi.allgather(obj) if _group is not None else [obj]


def _require(what):
    if _group is None:
        raise DistributedError(f"{what}(): call tinygen.distributed.init() first (in a process started by mpiexec)")
    return _group


class _Group:
    def __init__(self, MPI):
        self.mpi = MPI.COMM_WORLD
        self.rank, self.world_size = self.mpi.Get_rank(), self.mpi.Get_size()
        self.local_rank = next((int(os.environ[v]) for v in _LOCAL_RANK_VARIABLES if v in os.environ), self.rank)
        self.cpu = _MPIBackend(MPI, self.mpi)
        self._gpu = None
        if backend.gpu_available():  # before anything is allocated there: "gpu" is this rank's own
            cupy = backend.cupy_module()
            cupy.cuda.Device(self.local_rank % cupy.cuda.runtime.getDeviceCount()).use()

    def backend_for(self, tensor):
        if not backend.is_gpu_array(tensor.data):
            return self.cpu
        if self._gpu is None:
            self._gpu = _NCCLBackend.create(self.mpi, self.rank, self.world_size)
        return self._gpu


class _Work:
    """A reduction in flight: ``wait()`` completes it and applies what comes after (AVG's division);
    ``poll()`` lets it advance meanwhile."""

    def __init__(self, complete, then=None, poll=None):
        self.complete, self.then, self._poll = complete, then, poll

    def poll(self):
        if self._poll is not None and self.complete is not None:
            self._poll()

    def wait(self):
        if self.complete is not None:
            self.complete()
            self.complete = None
            if self.then is not None:
                self.then()


class _MPIBackend:
    def __init__(self, MPI, comm):
        self.MPI, self.comm = MPI, comm
        self.ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX, ReduceOp.MIN: MPI.MIN}

    def all_reduce(self, array, op):
        _check_contiguous(array)
        request = self.comm.Iallreduce(self.MPI.IN_PLACE, array, self.ops[op])
        # MPICH moves a non-blocking reduction along only inside MPI calls: poll() is such a call (Test).
        return _Work(request.Wait, _divide_by(array, self.comm.Get_size()) if op == ReduceOp.AVG else None,
                     request.Test)

    def broadcast(self, array, src):
        _check_contiguous(array)
        self.comm.Bcast(array, root=src)


class _NCCLBackend:
    """NCCL through CuPy, on the rank's own GPU; collectives are queued on the current CUDA stream."""

    def __init__(self, nccl, cupy, communicator, world_size):
        self.nccl, self.cupy, self.communicator, self.world_size = nccl, cupy, communicator, world_size
        self.ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.AVG: nccl.NCCL_SUM, ReduceOp.MAX: nccl.NCCL_MAX,
                    ReduceOp.MIN: nccl.NCCL_MIN}  # fmt: skip

    @classmethod
    def create(cls, mpi, rank, world_size):
        cupy = backend.cupy_module()
        from cupy.cuda import nccl

        unique_id = mpi.bcast(nccl.get_unique_id() if rank == 0 else None, root=0)
        return cls(nccl, cupy, nccl.NcclCommunicator(world_size, unique_id, rank), world_size)

    def all_reduce(self, array, op):
        _check_contiguous(array)
        stream = self.cupy.cuda.get_current_stream()
        self.communicator.allReduce(array.data.ptr, array.data.ptr, array.size, self._dtype(array), self.ops[op],
                                    stream.ptr)  # fmt: skip
        # The host goes on at once; waiting is the stream's: later kernels on it run after the reduction.
        return _Work(stream.synchronize, _divide_by(array, self.world_size) if op == ReduceOp.AVG else None)

    def broadcast(self, array, src):
        _check_contiguous(array)
        stream = self.cupy.cuda.get_current_stream()
        self.communicator.bcast(array.data.ptr, array.size, self._dtype(array), src, stream.ptr)
        stream.synchronize()

    def _dtype(self, array):
        names = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
                 "int32": "NCCL_INT32", "int64": "NCCL_INT64", "uint8": "NCCL_UINT8"}  # fmt: skip
        if array.dtype.name not in names:
            raise TypeError(f"NCCL cannot reduce {array.dtype} arrays; convert to one of {', '.join(names)}")
        return getattr(self.nccl, names[array.dtype.name])


def _divide_by(array, n):
    def divide():
        array[...] /= n

    return divide


def _check_contiguous(array):
    if not array.flags.c_contiguous:
        raise ValueError(f"collectives work on contiguous memory; this tensor (shape {array.shape}) is a strided "
                         "view: pass a copy (x.clone()) and copy the result back")  # fmt: skip
