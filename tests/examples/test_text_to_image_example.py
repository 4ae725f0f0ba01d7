"""The text-to-image example on a few batches: captions.png, samples.npz and the agreement figures of both kinds."""
import json

import numpy as np
from PIL import Image
from test_examples import load

SAMPLES = 20
KINDS = ["training_like", "held_out", "thin_zero", "upright_seven"]


def test_a_quick_run_scores_training_like_and_held_out_captions_and_draws_the_caption_grid(tmp_path, capsys):
    example = load("text_to_image_digits")
    final = example.main(["--quick", "--quiet", "--width", "8", "--samples", str(SAMPLES), "--out", str(tmp_path)])
    assert final == json.loads((tmp_path / "metrics.json").read_text())
    for kind in KINDS:
        for figure in ("label_accuracy", "attribute_agreement", "attribute_agreement_thickness", "caption_agreement"):
            assert 0 <= final[f"{kind}_{figure}"] <= 1
    # the held-out figures are the means of the two combinations' (as many requests of each)
    assert final["held_out_label_accuracy"] == (final["thin_zero_label_accuracy"] + final["upright_seven_label_accuracy"]) / 2
    assert final["quality_gan_samples"] == SAMPLES and final["quality_gan_fid_mnist"] > 9.3  # the floor: real digits
    assert {"d_loss", "d_real", "d_wrong", "d_fake", "g_loss", "g_interpolated", "matching", "matching_accuracy"} <= set(final)
    with np.load(tmp_path / "samples.npz") as saved:
        assert saved["training_like"].shape == saved["held_out"].shape == (SAMPLES, 1, 28, 28)
        assert 0 <= saved["held_out"].min() and saved["held_out"].max() <= 1
    width, height = Image.open(tmp_path / "captions.png").size
    assert height == 2 + len(example.PICTURE) * 30 and width > 2 + example.COLUMNS * 30  # a row per caption, labelled
    assert "held out" in capsys.readouterr().out

