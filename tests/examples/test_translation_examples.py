"""The CycleGAN / DiscoGAN example on a few batches: trained on unpaired digits, scored in both directions, pictured."""
import json
import math

import numpy as np
import pytest
from PIL import Image
from test_examples import load


@pytest.mark.parametrize("model", ["cyclegan", "discogan"])
def test_a_quick_run_scores_both_directions_and_draws_the_translations(model, tmp_path, capsys):
    final = load("cyclegan_digits").main(["--quick", "--quiet", "--model", model, "--batch-size", "4", "--width", "2",
                                          "--blocks", "1", "--out", str(tmp_path)])  # fmt: skip
    assert final == json.loads((tmp_path / "metrics.json").read_text())
    for direction in ("ab", "ba"):
        assert 0 <= final[f"{direction}_label_preservation"] <= 1 and 0 < final[f"{direction}_cycle_error"] < 1
        for name in ("translated", "floor", "ceiling"):
            assert math.isfinite(final[f"{direction}_fid_{name}"]) and math.isfinite(final[f"{direction}_kid_{name}"])
    assert final["judge_accuracy_a"] > 0.8 and final["judge_accuracy_b"] > 0.8  # fitted on 1,000 training digits
    assert {"g_loss", "cycle_a", "cycle_b", "d_loss_a", "d_loss_b"} <= set(final)
    with np.load(tmp_path / "samples.npz") as saved:
        assert saved["ab"].shape == (20, 1, 28, 28) and saved["ba"].shape == (20, 1, 28, 28)
        assert 0 <= saved["ab"].min() and saved["ab"].max() <= 1
    width, height = Image.open(tmp_path / "translations.png").size
    assert height == 2 + 6 * 30 and width > 2 + 10 * 30  # six rows of ten digits, and the row labels
    assert capsys.readouterr().out.count("label preservation") == 2
