"""The VAE/GAN example on a few batches: both models trained side by side, scored, and pictured together."""
import json
import math

import numpy as np
import pytest
from PIL import Image
from test_examples import load

SAMPLES = 20


def test_a_quick_run_scores_both_models_and_draws_the_comparison(tmp_path, capsys):
    final = load("vaegan_mnist").main(["--quick", "--quiet", "--batch-size", "16", "--samples", str(SAMPLES),
                                       "--channels", "4", "4", "--width", "4", "--d-width", "4", "--out", str(tmp_path)])  # fmt: skip
    assert final == json.loads((tmp_path / "metrics.json").read_text())
    for name in ("vae", "vaegan"):
        assert final[f"quality_{name}_samples"] == SAMPLES and math.isfinite(final[f"quality_{name}_fid_mnist"])
        assert 0 < final[f"test_pixel_mse_{name}"] < 784  # a squared error per digit of pixels in [0, 1]
    assert {"vae_elbo", "vae_kl", "vaegan_kl", "vaegan_feature_reconstruction", "vaegan_g_loss", "vaegan_d_loss",
            "vaegan_d_reconstruction", "vaegan_d_sample"} <= set(final)  # fmt: skip
    assert all(final[f"sharpness_{name}"] > 0 for name in ("vae", "vaegan", "test_digits"))
    with np.load(tmp_path / "samples.npz") as saved:
        assert set(saved) == {"vae", "vaegan"} and saved["vaegan"].shape == (SAMPLES, 1, 28, 28)
    width, height = Image.open(tmp_path / "comparison.png").size
    assert height == 2 + 7 * 30 and width > 2 + 10 * 30  # seven rows of ten digits, and the row labels
    assert capsys.readouterr().out.count("FID (MNIST features)") == 2


def test_sharpness_is_the_mean_squared_gradient_and_blur_lowers_it():
    sharpness = load("vaegan_mnist").sharpness
    edge = np.zeros((1, 1, 4, 4))
    edge[..., 2:] = 1.0  # a vertical edge: a rise of 1 in one step in each row, over the 3 x 3 differences kept
    assert sharpness(edge) == pytest.approx(3 / 9)
    blurred = np.zeros((1, 1, 4, 4))
    blurred[..., 1:] = [0.5, 1.0, 1.0]  # the same rise over two steps
    assert sharpness(blurred) == pytest.approx(3 * 2 * 0.25 / 9)
