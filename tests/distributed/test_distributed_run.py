"""``Run`` with ranks: a data-parallel run killed and resumed ends exactly where one never stopped; only rank 0
writes; the wrong launch or the wrong resume stops with what to do instead."""
import pathlib
import sys

import numpy as np
import pytest
import tiny_run
from support.mpi import mpiexec, needs_mpi

import tinygen as tg
from tinygen import train

HERE = pathlib.Path(__file__).resolve().parent


def tiny(out, *flags, expect_failure=False):
    return mpiexec(2, sys.executable, str(HERE / "tiny_run.py"), "--out", str(out), "--quiet", *flags,
                   expect_failure=expect_failure)  # fmt: skip


@needs_mpi
def test_a_killed_two_rank_run_resumed_ends_where_an_uninterrupted_one_ends(tmp_path):
    tiny(tmp_path / "straight")
    tiny(tmp_path / "killed", "--checkpoint-every", "3", "--crash-at-step", "7", expect_failure=True)
    tiny(tmp_path / "killed", "--resume")
    straight, resumed = (tg.load(tmp_path / run / "checkpoint.npz") for run in ("straight", "killed"))
    assert straight["step"] == resumed["step"] == 10  # 2 epochs of 160 digits in global batches of 32
    for name, value in straight["states"]["model"].items():
        np.testing.assert_array_equal(value.numpy(), resumed["states"]["model"][name].numpy())
    # Each rank drew its own dropout masks and binarisations, from a state of its own, resumed exactly.
    states = straight["rng_of_ranks"]
    assert states == resumed["rng_of_ranks"] and len(states) == 2 and states[0] != states[1]
    logs = [(tmp_path / run / "metrics.jsonl").read_text() for run in ("straight", "killed")]
    assert logs[0] == logs[1] and len(logs[0].splitlines()) == 10  # one writer: rank 0's losses, once
    with pytest.raises(SystemExit, match=r"by 2 process\(es\), this run has 1; resume with as many \(mpiexec -n 2\)"):
        tiny_in_this_process(tmp_path / "straight", "--resume")


def tiny_in_this_process(out, *flags):
    tiny_run.main(["--out", str(out), "--quiet", *flags])


def test_under_mpiexec_an_example_without_data_parallel_training_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PMI_SIZE", "2")
    args = train.example_parser("single", "", 1, 4, 1.0).parse_args(["--out", str(tmp_path)])
    with pytest.raises(SystemExit, match="single does not train data-parallel: run it as one process, without mpiexec"):
        train.Run(args)


def test_distributed_without_a_launcher_says_how_to_launch(tmp_path, monkeypatch):
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    args = train.example_parser("tiny", "", 1, 4, 1.0, distributed=True).parse_args(["--out", str(tmp_path),
                                                                                     "--distributed"])  # fmt: skip
    with pytest.raises(SystemExit, match="--distributed: .* start it with: mpiexec -n 2 python"):
        train.Run(args)
