"""The Puzzle-GAN example on a few batches: test digits completed from 1, 2 and 3 patches, scored, pictured."""
import json
import math

import numpy as np
from PIL import Image
from test_examples import load


def test_a_quick_run_completes_from_one_to_three_patches_and_scores_beside_the_references(tmp_path, capsys):
    final = load("puzzle_gan_mnist").main(["--quick", "--quiet", "--width", "8", "--out", str(tmp_path)])
    assert final == json.loads((tmp_path / "metrics.json").read_text())
    assert final["real_accuracy"] >= 0.9 and math.isfinite(final["real_fid"])
    for k in (1, 2, 3):
        assert 0 <= final[f"k{k}_accuracy"] <= 1 and 0 <= final[f"k{k}_mask_iou"] <= 1
        assert 0 <= final[f"k{k}_prior_mask_iou"] <= 1
        assert 0 < final[f"k{k}_patch_l1"] <= 1 and 0 < final[f"k{k}_mean_patch_l1"] <= 1
        assert math.isfinite(final[f"k{k}_fid"]) and math.isfinite(final[f"k{k}_paste_fid"])
    # more pieces pasted in place say more about the digit
    assert final["k3_paste_accuracy"] >= final["k1_paste_accuracy"]
    assert {"d_loss", "g_loss", "spatial", "appearance"} <= set(final)
    with np.load(tmp_path / "samples.npz") as saved:
        assert sorted(saved) == ["k1", "k1_masks", "k2", "k2_masks", "k3", "k3_masks"]
        images, masks = saved["k2"], saved["k2_masks"]
    assert images.shape == masks.shape == (100, 1, 28, 28) and 0 <= images.min() and images.max() <= 1
    assert 0 <= masks.min() and masks.max() <= 1
    width, height = Image.open(tmp_path / "puzzle.png").size
    assert height == 2 + 8 * 30 and width > 2 + 10 * 30  # 3 patches, 3 completions, mask, real; ten digits, labels
    assert "mask IoU" in capsys.readouterr().out
