"""The MNIST diffusion example on a few batches of a tiny U-Net with T = 30: the bound in bits/dim, DDIM
samples scored in MNIST features, the reverse trajectory's GIF, and the DDIM table's rows."""
import json
import math

import numpy as np
from PIL import Image
from test_examples import load


def test_a_quick_run_writes_the_bound_the_samples_and_the_ddim_table(tmp_path, capsys):
    arguments = ["--quick", "--quiet", "--out", str(tmp_path), "--channels", "8", "--steps", "30", "--samples", "20",
                 "--test-digits", "20", "--bound-steps", "4", "--ddim-steps", "5", "--ddim-table"]  # fmt: skip
    final = load("diffusion_mnist").main(arguments)
    assert final == json.loads((tmp_path / "metrics.json").read_text())
    assert math.isfinite(final["test_nll_bound"]) and final["test_nll_bound"] > 0
    assert final["test_bits_per_dim_bound"] == final["test_nll_bound"] / (784 * math.log(2))
    assert final["quality_ddpm_samples"] == 20 and math.isfinite(final["quality_ddpm_fid_mnist"])
    with np.load(tmp_path / "samples.npz") as samples:
        digits = samples["ddpm"]
        assert digits.shape == (20, 1, 28, 28) and 0 <= digits.min() and digits.max() <= 1
    with Image.open(tmp_path / "reverse.gif") as gif:
        assert gif.n_frames == 1 + 5  # x_T and one frame per DDIM jump (GIF merges the held copies of the last)
    table = json.loads((tmp_path / "ddim_table.json").read_text())
    assert [(row["steps"], row["eta"]) for row in table] == [(10, 0.0), (10, 1.0), (20, 0.0), (20, 1.0), (30, 0.0), (30, 1.0)]
    assert final["ddim_table"] == table
    assert "bits/dim (8-bit grey levels, 20 digits)" in capsys.readouterr().out


def test_a_quick_guided_run_asks_for_each_digit_in_turn_and_reports_how_often_it_came(tmp_path, capsys):
    arguments = ["--quick", "--quiet", "--out", str(tmp_path), "--channels", "8", "--steps", "30", "--samples", "20",
                 "--test-digits", "20", "--bound-steps", "4", "--ddim-steps", "5", "--guidance", "2"]  # fmt: skip
    final = load("diffusion_mnist").main(arguments)
    assert 0 <= final["quality_ddpm_label_accuracy"] <= 1 and math.isfinite(final["test_nll_bound"])
    assert json.loads((tmp_path / "config.json").read_text())["guidance"] == 2.0
    assert "guidance W = 2.0: the feature network reads the digit asked for in" in capsys.readouterr().out
