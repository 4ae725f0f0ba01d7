"""The benchmark suite in its "does it run and agree" mode: no timing, only correctness."""
import importlib.util
import pathlib

import pytest

pytest.importorskip("torch")


def test_every_benchmark_case_agrees_with_pytorch():
    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
    spec = importlib.util.spec_from_file_location("benchmark_run", path)
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    rows = run.main(["--check"])
    assert rows and all(row["agree"] for row in rows), [r["case"] for r in rows if not r["agree"]]
