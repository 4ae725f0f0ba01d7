"""The MNIST GAN examples end to end on a few batches: progress.gif, samples.png, samples.npz and metrics.json."""
import json
import math

import numpy as np
import pytest
from PIL import Image

import tinygen as tg
from tinygen.data import DataLoader, mnist
from test_examples import load
from test_vae_example import grid_cells

SAMPLES = 20
QUICK = ["--quick", "--quiet", "--batch-size", "16", "--samples", str(SAMPLES)]
CONVOLUTIONAL = [*QUICK, "--width", "8"]
MLP = [*QUICK, "--g-hidden", "16", "--d-hidden", "16"]
EXAMPLES = {  # example: its tiny settings
    "gan_mnist": MLP,
    "gan_mnist --loss minimax": [*MLP, "--loss", "minimax"],
    "dcgan_mnist": CONVOLUTIONAL,
    "wgan_mnist": CONVOLUTIONAL,
    "wgan_gp_mnist": CONVOLUTIONAL,
    "cgan_mnist": [*CONVOLUTIONAL, "--ema", "0.9"],
}
FIGURES = {"samples", "fid_mnist", "kid_mnist", "kid_mnist_se", "inception_score", "precision", "recall",
           "classes_covered", "class_kl_from_uniform", "class_histogram", "reference"}  # fmt: skip


@pytest.mark.parametrize("example", EXAMPLES)
def test_a_quick_gan_run_writes_its_progress_samples_and_scores(example, tmp_path, capsys):
    final = load(example.split()[0]).main([*EXAMPLES[example], "--out", str(tmp_path)])

    assert final == json.loads((tmp_path / "metrics.json").read_text())
    conditional = example.startswith("cgan")
    quality = {key.removeprefix("quality_gan_") for key in final if key.startswith("quality_")}
    assert quality == FIGURES | ({"label_accuracy"} if conditional else set())
    assert final["quality_gan_samples"] == SAMPLES and math.isfinite(final["quality_gan_fid_mnist"])
    assert 0 <= final["quality_gan_precision"] <= 1 and 0 <= final["quality_gan_recall"] <= 1
    assert all(math.isfinite(final[key]) for key in ("d_loss", "d_real", "d_fake", "g_loss"))
    if "minimax" in example:  # the minimax L_G = E[log(1 - D(G(z)))] < 0; the non-saturating -E[log D(G(z))] > 0
        assert final["g_loss"] < 0
    elif example.startswith(("gan", "dcgan", "cgan")):
        assert final["g_loss"] > 0
    if example.startswith("wgan"):
        assert final["wasserstein"] == pytest.approx(final["d_real"] - final["d_fake"], abs=1e-6)
    if conditional:
        assert 0 <= final["quality_gan_label_accuracy"] <= 1
    assert "FID (MNIST features)" in capsys.readouterr().out

    with np.load(tmp_path / "samples.npz") as saved:
        assert set(saved) == {"gan"}
        samples = saved["gan"]
    assert samples.shape == (SAMPLES, 1, 28, 28) and samples.dtype == np.float32
    assert 0 <= samples.min() and samples.max() <= 1 and samples.std() > 0  # tanh's [-1, 1] mapped to [0, 1]
    # samples.png shows the saved samples, 10 to a row; the conditional GAN's row d holds the digits asked to be a d:
    # the labels were 0, 1, ..., 9 in turn, so sample i was asked to be i % 10.
    per_row = SAMPLES // 10 if conditional else 10
    cells = grid_cells(tmp_path / "samples.png", SAMPLES // per_row, per_row, labelled=conditional)
    for row, column in np.ndindex(cells.shape[:2]):
        index = row + 10 * column if conditional else per_row * row + column
        assert np.abs(cells[row, column] - samples[index, 0] * 255).max() <= 0.5 + 1e-3

    gif = Image.open(tmp_path / "progress.gif")
    assert gif.n_frames == 2  # one frame of the fixed noise per epoch (--quick: 2 epochs)
    assert sorted(p.name for p in (tmp_path / "progress").iterdir()) == ["epoch_001.png", "epoch_002.png"]


def test_a_quick_infogan_run_writes_its_code_sweep_and_unsupervised_accuracy(tmp_path, capsys):
    final = load("infogan_mnist").main([*CONVOLUTIONAL, "--noise", "4", "--out", str(tmp_path)])

    assert final == json.loads((tmp_path / "metrics.json").read_text())
    assert {key.removeprefix("quality_gan_") for key in final if key.startswith("quality_")} == FIGURES
    assert 0.1 <= final["unsupervised_accuracy"] <= 1  # the best matching of 10 codes is never below chance's 1/10
    assert sorted(final["code_to_digit"]) == list(range(10))  # one to one
    assert all(math.isfinite(final[key]) for key in ("d_loss", "g_loss", "mutual_information_bound"))
    assert final["mutual_information_bound"] <= np.log(10) + 2 * np.log(2)  # L_I <= I(c; x) <= H(c)
    assert "categorical code as a classifier" in capsys.readouterr().out
    with np.load(tmp_path / "samples.npz") as saved:
        assert saved["gan"].shape == (SAMPLES, 1, 28, 28) and 0 <= saved["gan"].min() and saved["gan"].max() <= 1
    # code_sweep.png: a labelled row per categorical value, 7 values of c_2 then 7 of c_3 in the columns.
    cells = grid_cells(tmp_path / "code_sweep.png", 10, 14, labelled=True)
    assert cells.shape[:2] == (10, 14) and cells.std() > 0
    assert Image.open(tmp_path / "progress.gif").n_frames == 2


def test_a_quick_ebgan_run_logs_its_energies_and_pulling_away_term(tmp_path):
    final = load("ebgan_mnist").main([*CONVOLUTIONAL, "--code", "8", "--out", str(tmp_path)])

    assert final == json.loads((tmp_path / "metrics.json").read_text())
    assert {key.removeprefix("quality_gan_") for key in final if key.startswith("quality_")} == FIGURES
    assert final["energy_real"] >= 0 and final["energy_fake"] >= 0 and 0 <= final["pulling_away"] <= 1
    assert final["g_loss"] == pytest.approx(final["energy_fake"] + 0.1 * final["pulling_away"], rel=0.5)  # one batch
    with np.load(tmp_path / "samples.npz") as saved:
        assert saved["gan"].shape == (SAMPLES, 1, 28, 28)
    assert {"progress.gif", "samples.png", "curves.png"} <= {p.name for p in tmp_path.iterdir()}


@pytest.mark.parametrize("example", ["ebgan_mnist", "began_mnist"])
def test_the_autoencoder_discriminator_sees_its_input_at_the_start(example):
    """D's first reconstructions of different digits differ: D can tell images apart from its first step.

    DCGAN's N(0, 0.02) weights, once given to the autoencoder too, shrank the input's trace through its six
    layers to a spread of 2e-4 over a batch, under a thousandth of the digits' own (0.35): D gave every image
    the same reconstruction, and G's samples collapsed onto it.
    """
    module = load(example)
    tg.manual_seed(0)
    model = module.build_model(module.parse_args([]))
    digits, _ = next(iter(DataLoader(mnist(signed=True).train, batch_size=64)))
    with tg.no_grad():
        spread = model.discriminator(digits).numpy().std(axis=0).mean()
    assert spread > 0.01 * digits.numpy().std(axis=0).mean()


def test_a_quick_began_run_writes_its_balance_and_checkpoint_scores(tmp_path):
    final = load("began_mnist").main([*CONVOLUTIONAL, "--code", "8", "--checkpoint-samples", "30", "--gamma", "0.7",
                                      "--out", str(tmp_path)])  # fmt: skip

    assert final == json.loads((tmp_path / "metrics.json").read_text())
    assert {key.removeprefix("quality_gan_") for key in final if key.startswith("quality_")} == FIGURES
    steps = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in steps if r["kind"] == "step"]
    assert all(0 <= r["k"] <= 1 for r in steps) and final["final_k"] >= 0
    for r in steps:  # the logged measure is the paper's, from the logged L values
        assert r["m_global"] == pytest.approx(r["loss_real"] + abs(0.7 * r["loss_real"] - r["loss_fake"]), rel=1e-5)
        assert r["ratio"] == pytest.approx(r["loss_fake"] / r["loss_real"], rel=1e-5)
    checkpoints = [json.loads(line) for line in (tmp_path / "checkpoints.jsonl").read_text().splitlines()]
    assert [c["epoch"] for c in checkpoints] == [1, 2] and all(math.isfinite(c["fid_mnist"]) for c in checkpoints)
    assert "m_global_fid_spearman" not in final  # two checkpoints: no rank correlation to speak of
    assert load("began_mnist").spearman([1.0, 2.0, 3.0, 4.0], [10.0, 30.0, 20.0, 40.0]) == pytest.approx(0.8)
    with Image.open(tmp_path / "balance.png") as picture:
        assert picture.size[0] >= 1000
    with np.load(tmp_path / "samples.npz") as saved:
        assert saved["gan"].shape == (SAMPLES, 1, 28, 28)
