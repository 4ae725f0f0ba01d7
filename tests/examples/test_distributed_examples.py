"""The DCGAN example as two processes under mpiexec (--quick): one set of outputs, written by rank 0."""
import json
import sys

import numpy as np
import pytest

from support.mpi import mpiexec, needs_mpi
from test_examples import EXAMPLES

import tinygen as tg


@needs_mpi
@pytest.mark.parametrize("example", ["dcgan_mnist"])
def test_an_example_trains_on_two_processes(example, tmp_path):
    mpiexec(2, sys.executable, str(EXAMPLES / f"{example}.py"), "--quick", "--quiet", "--batch-size", "16",
            "--width", "8", "--samples", "20", "--out", str(tmp_path), timeout=120)  # fmt: skip
    final = json.loads((tmp_path / "metrics.json").read_text())
    assert final["quality_gan_samples"] == 20 and np.isfinite(final["quality_gan_fid_mnist"])
    steps = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in steps if r["kind"] == "step"] == [1, 2, 3, 4, 5, 6]  # written once, by rank 0
    assert {"progress.gif", "samples.png", "samples.npz"} <= {p.name for p in tmp_path.iterdir()}
    assert len(tg.load(tmp_path / "checkpoint.npz")["rng_of_ranks"]) == 2
