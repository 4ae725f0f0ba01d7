"""The Progressive GAN example end to end on a few batches: every stage scored and pictured, the growth GIF."""
import json
import math

import numpy as np
from PIL import Image
from test_examples import load
from test_vae_example import grid_cells

SAMPLES = 20


def test_a_quick_progan_run_scores_and_pictures_every_stage_and_writes_its_samples(tmp_path, capsys):
    argv = ["--quick", "--quiet", "--batch-size", "16", "--samples", str(SAMPLES), "--width", "4"]
    final = load("progan_mnist").main([*argv, "--out", str(tmp_path)])

    assert final == json.loads((tmp_path / "metrics.json").read_text())
    assert final["quality_gan_samples"] == SAMPLES and math.isfinite(final["quality_gan_fid_mnist"])
    for resolution in (7, 14, 28):  # --quick: 6 steps in phases of 1, so every stage ends
        name = f"stage_{resolution}x{resolution}"
        assert all(math.isfinite(final[f"{name}_{key}"]) for key in ("fid_mnist", "kid_mnist", "kid_mnist_se"))
        # each stage's samples, shown at 28x28: a 7x7 sample is 4x4 blocks of one grey, a 14x14 one 2x2 blocks
        cells = grid_cells(tmp_path / f"{name}.png", 3, 8).reshape(24, 28, 28)[:SAMPLES].astype(float)
        k = 28 // resolution
        blocks = cells.reshape(SAMPLES, resolution, k, resolution, k)
        assert np.array_equal(blocks, np.broadcast_to(blocks[:, :, :1, :, :1], blocks.shape)) and cells.std() > 0
    assert final["resolution"] == 28 and all(math.isfinite(final[key]) for key in ("d_loss", "g_loss", "drift"))
    out = capsys.readouterr().out
    assert "FID (MNIST features)" in out and "7x7: FID" in out

    with np.load(tmp_path / "samples.npz") as saved:
        samples = saved["gan"]
    assert samples.shape == (SAMPLES, 1, 28, 28) and samples.dtype == np.float32
    assert 0 <= samples.min() and samples.max() <= 1 and samples.std() > 0
    gif = Image.open(tmp_path / "progress.gif")
    assert gif.n_frames == 2 and gif.size == Image.open(tmp_path / "progress" / "epoch_001.png").size
    assert gif.size == (2 + 8 * 30, 2 + 8 * 30)  # 64 frames of the fixed noise, each upsampled to 28x28
