"""Data parallelism: two processes under mpiexec end where one process on the whole batch ends; the shards,
the buckets, the NCCL calls and the errors, in one process."""
import pathlib
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.mpi import mpiexec, needs_mpi
from two_ranks import BATCH, DTYPES, SEED, dataset, network, train

import tinygen as tg
from tinygen import distributed
from tinygen.data import ArrayDataset, DataLoader
from tinygen.distributed import DistributedDataParallel, DistributedSampler, communication
from tinygen.distributed.communication import ReduceOp, _NCCLBackend, _Work
from tinygen.distributed.parallel import _buckets

HERE = pathlib.Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def two_rank_parameters(tmp_path_factory):
    out = tmp_path_factory.mktemp("two_ranks") / "parameters.npz"
    mpiexec(2, sys.executable, str(HERE / "two_ranks.py"), str(out))
    with np.load(out) as saved:
        return dict(saved)


def one_process(dtype, gradient=None):
    data = dataset(dtype)
    loader = DataLoader(data, BATCH, shuffle=True, seed=SEED)
    return train(network(dtype), loader, gradient)


def mean_of_shard_gradients(model, x, y):
    """What two ranks compute: each shard's gradient (rank r holds rows r, r + 2, ... of the batch), averaged."""
    shards = []
    for r in range(2):
        model.zero_grad()
        ((model(x[r::2]) - y[r::2]) ** 2).mean().backward()
        shards.append([p.grad.numpy() for p in model.parameters()])
    for p, g0, g1 in zip(model.parameters(), *shards):
        p.grad = tg.tensor((g0 + g1) / 2)


@needs_mpi
@pytest.mark.parametrize("dtype", DTYPES)
def test_two_ranks_on_half_batches_end_where_one_process_on_the_whole_batch_ends(two_rank_parameters, dtype):
    assert two_rank_parameters["world"] == 2 and two_rank_parameters["agree"]  # both ranks hold the same weights
    ranks = [two_rank_parameters[f"{dtype}_{i}"] for i in range(len(one_process(dtype)))]
    # Bit for bit what one process gets by averaging the two shards' gradients itself: rank 0's start
    # (rank 1 began elsewhere), the sampler's shards, the buckets' averages, all exact.
    for mine, theirs in zip(one_process(dtype, mean_of_shard_gradients), ranks):
        np.testing.assert_array_equal(mine, theirs)
    # And the whole batch's training, up to the order of the sums over the batch (20 Adam steps).
    tolerance = {"float64": 1e-12, "float32": 2e-5}[dtype]
    for mine, theirs in zip(one_process(dtype), ranks):
        np.testing.assert_allclose(mine, theirs, rtol=tolerance, atol=tolerance)


@given(n=st.integers(1, 50), world=st.integers(1, 5), seed=st.integers(0, 100), epoch=st.integers(0, 3),
       drop_last=st.booleans())  # fmt: skip
def test_the_ranks_shards_deal_out_the_single_process_order(n, world, seed, epoch, drop_last):
    data = ArrayDataset(np.arange(n))
    if drop_last and n < world:
        with pytest.raises(ValueError, match="use fewer ranks"):
            DistributedSampler(data, world, 0, seed=seed, drop_last=True)
        return
    shards = [DistributedSampler(data, world, r, seed=seed, drop_last=drop_last).order(epoch) for r in range(world)]
    order = DataLoader(data, 1, shuffle=True, seed=seed).order(epoch)
    assert len({len(s) for s in shards}) == 1  # every rank has as many batches
    dealt = np.stack(shards, axis=1).reshape(-1)  # rank 0's first, rank 1's first, ...: the order itself
    covered = n // world * world if drop_last else n
    np.testing.assert_array_equal(dealt[:covered], order[:covered])
    np.testing.assert_array_equal(dealt[covered:], order[: len(dealt) - covered])  # the padding repeats the start


def test_a_sampler_with_shuffle_is_refused_and_sets_the_number_of_batches():
    data = ArrayDataset(np.arange(10))
    with pytest.raises(ValueError, match="not both"):
        DataLoader(data, 2, shuffle=True, sampler=DistributedSampler(data, 2, 0))
    loader = DataLoader(data, 2, sampler=DistributedSampler(data, 3, 1))  # 4 indices a rank
    assert len(loader) == 2 and [len(b[0]) for b in loader.batches(0)] == [2, 2]
    with pytest.raises(ValueError, match="rank 3 is not one of 0..2"):
        DistributedSampler(data, 3, 3)


def test_buckets_take_the_parameters_last_first_up_to_the_capacity():
    ps = [tg.zeros(n, dtype=dtype) for n, dtype in [(10, "float32"), (10, "float32"), (30, "float32"), (5, "float64")]]
    buckets = _buckets(ps, capacity=100)  # bytes: 25 float32 numbers
    assert [[next(i for i, q in enumerate(ps) if q is p) for p in b] for b in buckets] == [[3], [2], [1, 0]]


def test_outside_a_launcher_init_says_how_to_start_and_collectives_say_to_init(monkeypatch):
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    assert not distributed.launched() and distributed.get_world_size() == 1 and distributed.get_rank() == 0
    with pytest.raises(distributed.DistributedError, match="mpiexec -n 2 python"):
        distributed.init()
    with pytest.raises(distributed.DistributedError, match="call tinygen.distributed.init"):
        distributed.all_reduce(tg.ones(3))


def test_without_mpi4py_init_names_the_extra(monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # as if not installed
    with pytest.raises(distributed.DistributedError, match=r'pip install -e "\.\[distributed\]"'):
        distributed.init()


# ---- NCCL, through a stand-in for CuPy's nccl module (no GPU here) ----------------------------


class HostArrayAsDevice(np.ndarray):
    """A NumPy array that shows its memory as CuPy does: ``.data.ptr``."""

    @property
    def data(self):
        return type("Memory", (), {"ptr": self.ctypes.data})()


class TwoRankNCCL:
    """Stands in for ``cupy.cuda.nccl`` and a communicator whose other rank holds ``peer``: sums in place by pointer."""

    NCCL_SUM, NCCL_MAX, NCCL_MIN = 0, 1, 2
    NCCL_FLOAT16, NCCL_FLOAT32, NCCL_FLOAT64, NCCL_INT32, NCCL_INT64, NCCL_UINT8 = 6, 7, 8, 2, 4, 1

    def __init__(self, peer):
        self.peer, self.calls = peer, []

    def allReduce(self, send, receive, count, dtype, op, stream):
        self.calls.append(("allReduce", send, receive, count, dtype, op, stream))
        codes = {self.NCCL_FLOAT32: np.float32, self.NCCL_FLOAT64: np.float64}
        memory = (np.ctypeslib.ctypes.c_char * (count * np.dtype(codes[dtype]).itemsize)).from_address(receive)
        np.frombuffer(memory, dtype=codes[dtype])[:] += self.peer


class Stream:
    ptr, synchronized = 1234, 0

    def synchronize(self):
        Stream.synchronized += 1


def test_the_nccl_backend_reduces_in_place_on_the_current_stream_by_pointer():
    nccl = TwoRankNCCL(peer=np.array([10.0, 20.0, 30.0], dtype=np.float32))
    cupy = type("CuPy", (), {"cuda": type("cuda", (), {"get_current_stream": staticmethod(Stream)})})
    backend = _NCCLBackend(nccl, cupy, communicator=nccl, world_size=2)
    mine = np.array([1.0, 2.0, 3.0], dtype=np.float32).view(HostArrayAsDevice)
    work = backend.all_reduce(mine, ReduceOp.AVG)
    assert nccl.calls == [("allReduce", mine.ctypes.data, mine.ctypes.data, 3, nccl.NCCL_FLOAT32, nccl.NCCL_SUM, 1234)]
    work.wait()
    np.testing.assert_array_equal(np.asarray(mine), [5.5, 11.0, 16.5])
    with pytest.raises(TypeError, match="NCCL cannot reduce complex64"):
        backend.all_reduce(np.zeros(2, np.complex64).view(HostArrayAsDevice), ReduceOp.SUM)


@pytest.mark.gpu
@needs_mpi
def test_two_ranks_on_two_gpus_reduce_through_nccl_and_match_one_process(tmp_path):
    if tg.backend.cupy_module().cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs two CUDA GPUs: one per rank (NCCL refuses two ranks on one device)")
    mpiexec(2, sys.executable, str(HERE / "two_ranks.py"), str(tmp_path / "gpu.npz"), "gpu", timeout=120)
    with np.load(tmp_path / "gpu.npz") as ranks:
        assert ranks["agree"]
        for dtype, tolerance in (("float64", 1e-10), ("float32", 1e-4)):
            for index, mine in enumerate(one_process(dtype)):
                np.testing.assert_allclose(mine, ranks[f"{dtype}_{index}"], rtol=tolerance, atol=tolerance)


# ---- DistributedDataParallel in one process, on a group of one that records what it is asked ----------------


class OneRank:
    """Stands in for the process group: a world of one, where an average is the array itself; logs each call."""

    def __init__(self, log):
        self.log = log

    def backend_for(self, tensor):
        return self

    def broadcast(self, array, src):
        self.log.append(("broadcast", array.size))

    def all_reduce(self, array, op):
        self.log.append(("all_reduce", array.size))
        return _Work(lambda: self.log.append(("wait", array.size)))


@pytest.fixture
def one_rank(monkeypatch):
    log = []
    monkeypatch.setattr(communication, "_group", OneRank(log))
    return log


def test_each_bucket_starts_as_soon_as_its_gradients_are_final_while_backward_goes_on(one_rank):
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 2))
    DistributedDataParallel(model, bucket_cap_mb=40 / 2**20)  # 40 bytes: the last layer's 8 + 2 numbers together
    assert one_rank == [("broadcast", 12), ("broadcast", 4), ("broadcast", 8), ("broadcast", 2)]
    one_rank.clear()
    first_weight = model[0].weight
    first_weight.register_post_accumulate_grad_hook(lambda p: one_rank.append(("first layer's weight final",)))
    x = tg.randn(5, 3)
    model(x).pow(2).sum().backward()
    assert one_rank[0] == ("all_reduce", 10)  # the last layer's bucket, before the first layer's gradient exists
    assert one_rank.index(("first layer's weight final",)) > 0
    assert [e for e in one_rank if e[0] != "first layer's weight final"] == [
        ("all_reduce", 10), ("all_reduce", 4), ("all_reduce", 12), ("wait", 10), ("wait", 4), ("wait", 12)]
    expected = tg.autograd.grad(model(x).pow(2).sum(), list(model.parameters()))
    for p, g in zip(model.parameters(), expected):  # each .grad is its slice of the (here unchanged) average
        np.testing.assert_array_equal(p.grad.numpy(), g.numpy())


def test_a_parameter_without_a_gradient_is_named_instead_of_hanging_the_other_ranks(one_rank):
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Linear(4, 2))
    DistributedDataParallel(model, bucket_cap_mb=1e-6)
    with pytest.raises(RuntimeError, match=r"2 parameters \(of shapes \[\(2,\), \(2, 4\)\]\) got no gradient"):
        model[0](tg.randn(5, 3)).sum().backward()  # the second layer is not used
