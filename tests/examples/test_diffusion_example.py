"""The toy diffusion example on a few batches: every artefact it promises, and --resume restoring the
weights' moving average beside the model and going on."""
import json
import math

import numpy as np
from PIL import Image
from test_examples import load

import tinygen as tg

SMALL = ["--quick", "--quiet", "--steps", "30", "--samples", "200", "--points", "2000"]


def test_a_quick_run_writes_every_artefact(tmp_path, capsys):
    final = load("diffusion_2d").main([*SMALL, "--out", str(tmp_path), "--dataset", "ring"])
    expected = {"reverse.gif", "samples.png", "density.png", "ddim.png", "loss_per_t.png", "metrics.json", "samples.npz",
                "checkpoint.npz", "curves.png"}  # fmt: skip
    assert expected <= {path.name for path in tmp_path.iterdir()}
    assert final == json.loads((tmp_path / "metrics.json").read_text())
    assert math.isfinite(final["test_nll_bound"]) and final["modes"] == 8
    for name in ("ddpm", "ddim_20"):
        assert 0 <= final[f"{name}_modes_covered"] <= 8 and 0 <= final[f"{name}_quality"] <= 1
        assert {"modes_captured", "high_quality", "reverse_kl"} <= {key[len(name) + 1:] for key in final}
    with np.load(tmp_path / "samples.npz") as samples:
        assert {key: value.shape for key, value in samples.items()} == {"ddpm": (200, 2), "ddim_20": (200, 2)}
    with Image.open(tmp_path / "reverse.gif") as gif:
        assert gif.n_frames >= 20  # x_T, a frame every T / 20 steps, x_0 held
    assert "test NLL bound (L_vlb)" in capsys.readouterr().out


def test_resume_restores_the_moving_average_and_goes_on(tmp_path):
    example = load("diffusion_2d")
    example.main([*SMALL, "--out", str(tmp_path), "--epochs", "1"])
    first = tg.load(tmp_path / "checkpoint.npz")["states"]
    example.main([*SMALL, "--out", str(tmp_path), "--epochs", "1", "--resume"])  # nothing left to train
    restored = tg.load(tmp_path / "checkpoint.npz")["states"]
    assert restored["ema"]["num_updates"] == first["ema"]["num_updates"] == 3  # the warm-up goes on where it was
    average, restored_average = first["ema"]["module"], restored["ema"]["module"]
    for name, value in average.items():
        np.testing.assert_array_equal(restored_average[name].numpy(), value.numpy())
        assert name.startswith("network.") and name in first["model"]
    assert any((average[name].numpy() != first["model"][name].numpy()).any() for name in average)
    example.main([*SMALL, "--out", str(tmp_path), "--epochs", "2", "--resume"])
    steps = [json.loads(line)["step"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert max(steps) == 6  # three quick batches per epoch, the second epoch after the first
