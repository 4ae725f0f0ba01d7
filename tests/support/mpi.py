"""Launching a script on several processes with mpiexec (the extra tinygen[distributed]) from a test."""
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
MPIEXEC = shutil.which("mpiexec", path=os.pathsep.join([str(pathlib.Path(sys.executable).parent), os.environ["PATH"]]))
needs_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or MPIEXEC is None,
    reason='needs the extra tinygen[distributed] (mpi4py and mpiexec): pip install -e ".[test,distributed]"',
)


def mpiexec(ranks, *command, timeout=60, expect_failure=False):
    """Run ``command`` on ``ranks`` processes of one thread each; a hung launch fails the test instead of hanging
    the suite. -> the finished process (its output, for messages)."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    try:
        result = subprocess.run([MPIEXEC, "-n", str(ranks), *command], capture_output=True, text=True, timeout=timeout,
                                env=environment, cwd=ROOT)  # fmt: skip
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"mpiexec did not finish within {timeout} s:\n{error.stdout}\n{error.stderr}")
    assert (result.returncode != 0) == expect_failure, result.stdout + result.stderr
    return result
