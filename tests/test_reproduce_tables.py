"""The script that reproduces the README's result tables, on one row for a few batches."""
import importlib.util
import json
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_each_figure_is_written_beside_its_commit_seed_and_thread_settings(tmp_path):
    spec = importlib.util.spec_from_file_location("reproduce_tables", ROOT / "benchmarks" / "reproduce_tables.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    status = script.main(["--quick", "--rows", "independence", "--threads", "1", "--runs", str(tmp_path / "runs"),
                          "--output", str(tmp_path / "tables")])  # fmt: skip
    assert status == 0
    table = json.loads((tmp_path / "tables.json").read_text())
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert table["commit"].removesuffix("+changes") == (head or "unknown")  # "unknown" outside a git checkout
    assert "OPENBLAS_NUM_THREADS=1" in table["threads"] and table["quick"] is True
    (row,) = table["rows"]
    assert row["seed"] == 0 and "examples/independence_mnist.py --seed 0" in row["command"]
    assert set(row["nll"]) == {"independent", "markov_chain", "fvsbn"}
    independence = next(r for r in script.ROWS if "independence" in r.name)
    assert json.loads((tmp_path / "runs" / script.folder_name(independence) / "config.json").read_text())["seed"] == 0
    markdown = (tmp_path / "tables.md").read_text()
    assert table["commit"] in markdown and f"independent {row['nll']['independent']:.2f}" in markdown


def test_a_gan_row_has_no_likelihood_and_its_sample_quality_includes_the_label_accuracy(tmp_path):
    spec = importlib.util.spec_from_file_location("reproduce_tables", ROOT / "benchmarks" / "reproduce_tables.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    status = script.main(["--quick", "--rows", "conditional gan default", "no such row", "--threads", "1", "--runs",
                          str(tmp_path / "runs"), "--output", str(tmp_path / "tables")])  # fmt: skip
    assert status == 0
    (row,) = json.loads((tmp_path / "tables.json").read_text())["rows"]  # only the row that one of the texts names
    assert row["row"] == "conditional gan default" and row["nll"] == {}
    accuracy = row["quality"]["gan_label_accuracy"]
    assert 0 <= accuracy <= 1
    markdown = (tmp_path / "tables.md").read_text()
    assert "| conditional gan default | none (no likelihood) |" in markdown
    assert f"/10 | {accuracy:.3f} | 1000 held-out grey digits |" in markdown  # after the classes covered
