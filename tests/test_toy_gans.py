"""The script behind the README's toy GAN table, on one quick run: each figure beside its seed, steps and command."""
import importlib.util
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_each_run_is_tabulated_with_its_seed_steps_and_command(tmp_path):
    spec = importlib.util.spec_from_file_location("toy_gans", ROOT / "benchmarks" / "toy_gans.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    status = script.main(["--quick", "--datasets", "ring", "--losses", "wgan", "--seeds", "1", "--jobs", "1",
                          "--extra", "--hidden 8", "--runs", str(tmp_path / "runs"), "--output", str(tmp_path / "t")])  # fmt: skip
    assert status == 0
    table = json.loads((tmp_path / "t.json").read_text())
    (run,) = table["runs"]
    metrics = json.loads((tmp_path / "runs" / "ring_wgan_seed0" / "metrics.json").read_text())
    assert {key: run[key] for key in ("modes_captured", "high_quality", "modes_covered")} == {
        key: metrics[key] for key in ("modes_captured", "high_quality", "modes_covered")}  # fmt: skip
    # --quick: 2 epochs of 3 batches, a generator step every 5th critic step; WGAN's RMSprop rate.
    assert (run["seed"], run["steps"], run["generator_steps"], run["lr"]) == (0, 6, 1, 5e-5)
    assert "--hidden 8" in run["command"] and "with --hidden 8" in table["options"]
    markdown = (tmp_path / "t.md").read_text()
    assert table["commit"] in markdown and "| ring (8 modes) | wgan | 6 (1) | 5e-05 | 1 |" in markdown
