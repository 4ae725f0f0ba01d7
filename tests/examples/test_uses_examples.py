"""The three uses of a generative model, each example on a few batches: it writes its figures and pictures."""
import json

import numpy as np
import pytest
from PIL import Image
from test_examples import load

QUICK = ["--quick", "--quiet"]


def test_the_generative_classifier_compares_every_model_at_every_size(tmp_path):
    results = load("generative_classifier").main([*QUICK, "--sizes", "40", "20", "--nade-hidden", "4",
                                                  "--pixelcnn-hidden", "2", "--pixelcnn-blocks", "1",
                                                  "--mlp-hidden", "8", "--out", str(tmp_path)])  # fmt: skip
    assert set(results) == {f"{m}_{n}" for m in ("nade", "pixelcnn", "mlp") for n in (40, 20)}
    assert results == json.loads((tmp_path / "metrics.json").read_text())
    for name, figures in results.items():
        assert 0 <= figures["accuracy"] <= 1 and figures["parameters"] > 0
        assert ("test_log_likelihood_true_class" in figures) == (not name.startswith("mlp"))
        assert figures.get("test_log_likelihood_true_class", -1) < 0
    assert results["nade_40"]["parameters"] == 10 * (2 * 784 * 4 + 784 + 4)  # ten NADEs
    assert Image.open(tmp_path / "accuracy.png").size[0] > 100
    assert not (tmp_path / "samples.npz").exists()  # drawing 784 pixels for ten classes is left to the real runs
    assert (tmp_path / "nade_40" / "checkpoint.npz").exists()


def test_a_size_that_is_not_a_multiple_of_the_classes_stops_with_what_to_change(tmp_path, capsys):
    with pytest.raises(SystemExit):
        load("generative_classifier").main([*QUICK, "--sizes", "45", "--out", str(tmp_path)])
    assert "each size must be a multiple of 10" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        load("generative_classifier").main([*QUICK, "--epochs", "3", "--out", str(tmp_path)])
    assert "every run here takes --steps Adam steps" in capsys.readouterr().err


def test_anomaly_detection_scores_every_set_with_every_model_and_the_ratio(tmp_path):
    results = load("anomaly_detection").main([*QUICK, "--nade-hidden", "4", "--pixel-hidden", "2",
                                              "--pixelcnn-blocks", "1", "--vae-hidden", "8", "--vae-latent", "2",
                                              "--out", str(tmp_path)])  # fmt: skip
    assert set(results) == {"nade", "pixelcnn", "pixelrnn", "vae", "background"}
    sets = {"mnist", "optical", "rotated", "inverted", "shrunk", "noise"}
    for model, rows in results.items():
        assert set(rows) == sets | {"train", "inliers"} and rows["inliers"]["bits_per_dim"] > 0
        for name in sets:
            assert 0 <= rows[name]["auroc"] <= 1 and 0 <= rows[name]["auroc_typicality"] <= 1
            assert ("auroc_ratio" in rows[name]) == (model != "background")
    assert results["background"]["noise"]["auroc"] > 0.9  # uniform noise is far from digits even for independent pixels
    with np.load(tmp_path / "scores.npz") as scores:
        assert scores["nade_inliers"].shape == (20,) and (scores["vae_noise"] < 0).all()
    assert {"sets.png", "scores.png", "metrics.json"} <= {p.name for p in tmp_path.iterdir()}


def test_representations_probe_every_code_and_draw_them(tmp_path):
    results = load("representations").main([*QUICK, "--labels", "3", "--latent-dim", "2", "--hidden", "8",
                                             "--gan-width", "2", "--out", str(tmp_path)])  # fmt: skip
    assert {name: row["dimensions"] for name, row in results.items()} == {"pixels": 784, "vae": 2, "aae": 2,
                                                                          "infogan": 4 * 7 * 7}  # fmt: skip
    assert all(0 <= row["probe_accuracy_3_per_class"] <= 1 for row in results.values())
    assert results["pixels"]["probe_accuracy_3_per_class"] > 0.3  # raw pixels already tell digits apart
    assert Image.open(tmp_path / "codes.png").size[0] > 400
