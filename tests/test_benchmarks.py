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


def test_the_op_overhead_chains_agree_with_pytorch():
    """The per-op overhead benchmark runs each framework's chain in its worker and compares values and gradients."""
    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "op_overhead.py"
    spec = importlib.util.spec_from_file_location("op_overhead", path)
    op_overhead = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(op_overhead)
    runs, problems = op_overhead.measure(ops=200, repeats=1, rounds=1, baseline="HEAD")
    assert not problems
    assert sorted(runs) == ["tinygen", "tinygen at HEAD", "torch"]
    for results in runs.values():
        assert all(results[0][name]["ops"] == 200 and results[0][name]["forward_s"] > 0 for name in op_overhead.CHAINS)


def test_the_busy_machine_benchmark_runs(capsys):
    """One fresh process per setting, quiet and beside the spinning process, and the table it prints."""
    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "busy_machine.py"
    spec = importlib.util.spec_from_file_location("busy_machine", path)
    busy_machine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(busy_machine)
    busy_machine.main(["--processes", "1", "--budget", "0.05", "--cases", "K=0", "--no-save"])
    table = capsys.readouterr().out
    for condition in ("quiet", "one core busy"):
        for configuration in busy_machine.CONFIGURATIONS:
            assert f"| {condition} | {configuration} |" in table


def test_the_parallel_kernels_benchmark_agrees_and_prints_every_setting(capsys):
    path = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "parallel_kernels.py"
    spec = importlib.util.spec_from_file_location("parallel_kernels", path)
    parallel_kernels = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(parallel_kernels)
    parallel_kernels.main(["--repeats", "1", "--only", "group_norm"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| group_norm")]
    assert len(rows) == 1 and rows[0].count(" / ") == 4 and "| yes (" in rows[0], rows
