"""The toy 2-D GAN example end to end on a few batches, for every objective: each artefact, and mode figures that
are those of the samples it saved."""
import json

import numpy as np
import pytest
from PIL import Image
from test_examples import load

from tinygen.data import toy_dataset
from tinygen.evaluation.toy_metrics import SAMPLES, mode_metrics

LOSSES = ["gan", "nsgan", "wgan", "wgan-gp"]


def run(tmp_path, *options):
    return load("gan_2d").main(["--quick", "--quiet", "--points", "2000", "--hidden", "16", "--out", str(tmp_path), *options])


@pytest.mark.parametrize("loss", LOSSES)
def test_a_quick_toy_gan_writes_its_samples_surface_progress_and_mode_figures(loss, tmp_path, capsys):
    final = run(tmp_path, "--dataset", "ring", "--loss", loss)

    assert final == json.loads((tmp_path / "metrics.json").read_text())
    assert {"samples.npz", "samples.png", "surface.png", "progress.gif", "curves.png", "checkpoint.npz",
            "config.json"} <= {p.name for p in tmp_path.iterdir()}  # fmt: skip
    with np.load(tmp_path / "samples.npz") as saved:
        assert set(saved) == {"gan"}
        points = saved["gan"]
    assert points.shape == (SAMPLES, 2) and np.isfinite(points).all() and points.std() > 0
    # The figures are the literature's, of exactly the saved samples; and the stricter coverage beside them.
    ring = toy_dataset("ring")
    assert {key: final[key] for key in ("modes_captured", "high_quality", "reverse_kl")} == mode_metrics(points, ring)
    coverage = ring.coverage(points)
    assert (final["modes"], final["modes_covered"], final["on_mode"]) == (8, coverage.covered, coverage.quality)
    assert "modes covered" in capsys.readouterr().out
    # The paper's learning rate of each objective unless --lr is given: RMSprop 5e-5 for WGAN, and so on.
    assert json.loads((tmp_path / "config.json").read_text())["lr"] == {"gan": 2e-4, "nsgan": 2e-4, "wgan": 5e-5,
                                                                         "wgan-gp": 1e-4}[loss]  # fmt: skip
    for picture in ("samples.png", "surface.png"):
        with Image.open(tmp_path / picture) as image:
            assert min(image.size) >= 400
    gif = Image.open(tmp_path / "progress.gif")
    assert gif.n_frames == 2  # one frame of the fixed noise per epoch (--quick: 2 epochs)
    assert sorted(p.name for p in (tmp_path / "progress").iterdir()) == ["epoch_001.png", "epoch_002.png"]


def test_on_data_without_gaussian_modes_only_the_coverage_is_reported(tmp_path):
    final = run(tmp_path, "--dataset", "moons", "--lr", "1e-3")
    assert final["modes"] == 2 and 0 <= final["on_mode"] <= 1
    assert "modes_captured" not in final and "reverse_kl" not in final
    assert json.loads((tmp_path / "config.json").read_text())["lr"] == 1e-3


def test_a_quick_unrolled_gan_names_its_k_and_unrolls_only_the_gans(tmp_path, capsys):
    final = run(tmp_path, "--dataset", "grid", "--unroll", "2")  # D's own Adam steps, unrolled
    config = json.loads((tmp_path / "config.json").read_text())
    assert (config["unroll"], config["unroll_lr"], final["modes"]) == (2, None, 25)
    with np.load(tmp_path / "samples.npz") as saved:
        assert saved["gan"].shape == (SAMPLES, 2) and np.isfinite(saved["gan"]).all()
    assert {key: final[key] for key in ("modes_captured", "high_quality", "reverse_kl")} == mode_metrics(
        np.load(tmp_path / "samples.npz")["gan"], toy_dataset("grid"))  # fmt: skip
    with pytest.raises(SystemExit):
        run(tmp_path / "wgan", "--loss", "wgan", "--unroll", "1")
    assert "--unroll K needs K >= 0 and --loss gan or nsgan (got K = 1, --loss wgan)" in capsys.readouterr().err
