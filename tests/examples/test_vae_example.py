"""The VAE example end to end on a few batches: every artefact it promises, --resume, the 2-D manifold,
the missing-GPU message, and its PyTorch twin (benchmarks/train_vae_torch.py) reporting the same metrics."""
import importlib.util
import json
import math
import pathlib

import numpy as np
import pytest
from PIL import Image
from test_examples import load

import tinygen as tg

BENCHMARKS = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
CELL = 28 + 2  # a digit and the padding after it, in an image grid
KEYS = {"train_elbo", "train_reconstruction", "train_kl", "test_elbo", "test_reconstruction", "test_kl",
        "test_nll", "test_bits_per_dim", "iw_samples"}  # fmt: skip


def grid_cells(path, rows, columns, labelled=False):
    """The picture at ``path`` cut back into its digits, grey levels 0..255: (rows, columns, 28, 28).
    A ``labelled`` grid has its row labels in a white margin on the left, which is cut off first."""
    picture = np.asarray(Image.open(path))
    if labelled:
        margin = picture.shape[1] - (2 + columns * CELL)
        assert margin > 0 and picture[:, :margin].min() < 128  # dark text on white
        picture = picture[:, margin:]
    assert picture.shape == (2 + rows * CELL, 2 + columns * CELL)  # save_image_grid's padding of 2 all round
    cells = [[picture[2 + r * CELL : r * CELL + CELL, 2 + c * CELL : c * CELL + CELL] for c in range(columns)]
             for r in range(rows)]  # fmt: skip
    return np.array(cells)


def test_a_quick_run_writes_every_artefact_and_resume_goes_on(tmp_path, capsys):
    vae_mnist = load("vae_mnist")
    arguments = ["--quick", "--quiet", "--out", str(tmp_path), "--iw-samples", "4", "--samples", "50"]
    first = vae_mnist.main([*arguments, "--epochs", "1"])

    quality = {key for key in first if key.startswith("quality_")}
    assert set(first) - quality == KEYS
    assert all(math.isfinite(value) for key, value in first.items() if key not in quality)
    # samples.npz: binary draws x ~ p(x | z) and the means of p(x | z) for the same z, each scored against
    # the held-out digits in their own form (binarised, grey).
    with np.load(tmp_path / "samples.npz") as samples:
        assert set(samples) == {"vae", "vae_means"}
        assert samples["vae"].shape == samples["vae_means"].shape == (50, 1, 28, 28)
        assert set(np.unique(samples["vae"])) <= {0.0, 1.0}
    assert first["quality_vae_samples"] == first["quality_vae_means_samples"] == 50
    assert "binarised" in first["quality_vae_reference"] and "grey" in first["quality_vae_means_reference"]
    assert math.isfinite(first["quality_vae_fid_mnist"]) and 0 <= first["quality_vae_recall"] <= 1
    assert first == json.loads((tmp_path / "metrics.json").read_text())
    assert first["iw_samples"] == 4
    assert first["test_elbo"] == pytest.approx(first["test_reconstruction"] - first["test_kl"])
    assert first["test_kl"] > 0
    assert first["test_nll"] < -first["test_elbo"]  # the importance-weighted bound is tighter than the ELBO
    assert first["test_bits_per_dim"] == pytest.approx(first["test_nll"] / (784 * math.log(2)))
    assert "importance-weighted test NLL, K = 4" in capsys.readouterr().out

    # Pixel probabilities, not binary draws: the samples have grey levels between black and white.
    samples = grid_cells(tmp_path / "samples.png", 8, 8)
    assert np.mean((samples > 0) & (samples < 255)) > 0.5
    # Rows alternate: binarised test digits (0 or 255 only), then their reconstructions (probabilities).
    pairs = grid_cells(tmp_path / "reconstructions.png", 6, 10)
    assert all(set(np.unique(pairs[row])) <= {0, 255} for row in (0, 2, 4))
    assert all(len(np.unique(pairs[row])) > 2 for row in (1, 3, 5))
    # A row per latent dimension (16), eleven steps along it; the most informative one changes its digit.
    traversal = grid_cells(tmp_path / "latent_traversal.png", 16, 11, labelled=True)
    assert np.abs(traversal[0, 0].astype(int) - traversal[0, -1]).max() > 0
    assert Image.open(tmp_path / "curves.png").size[0] > 0

    assert tg.load(tmp_path / "checkpoint.npz")["step"] == tg.train.QUICK_BATCHES
    vae_mnist.main([*arguments, "--resume"])  # a second epoch, from the first's checkpoint
    assert tg.load(tmp_path / "checkpoint.npz")["step"] == 2 * tg.train.QUICK_BATCHES
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if r["kind"] == "step"] == list(range(1, 2 * tg.train.QUICK_BATCHES + 1))
    assert [r["epoch"] for r in records if r["kind"] == "epoch"] == [0, 1]

    # A start that fails, on bad data or on a checkpoint of another architecture, leaves the run as it was.
    finished = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    with pytest.raises(FileNotFoundError, match="no MNIST folder at .*--data must name a folder of IDX files"):
        vae_mnist.main([*arguments, "--data", str(tmp_path / "no_such_folder")])
    with pytest.raises(SystemExit, match=r"--resume: .*checkpoint.npz does not fit this run's 'model'"):
        vae_mnist.main([*arguments, "--resume", "--arch", "conv"])
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == finished


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # Adam's inf * 0, at lr = inf
def test_a_diverging_run_says_at_which_step_and_to_lower_the_learning_rate(tmp_path):
    with pytest.raises(SystemExit, match=r"training diverged at step 1 \(epoch 1\): the parameters of 'model' are "
                                         r"no longer finite. Lower the learning rate \(--lr, now inf\)"):  # fmt: skip
        load("vae_mnist").main(["--quick", "--quiet", "--out", str(tmp_path), "--lr", "inf"])


def test_a_two_dimensional_latent_space_is_drawn_as_a_manifold_with_the_conv_vae(tmp_path):
    load("vae_mnist").main(["--quick", "--quiet", "--out", str(tmp_path), "--arch", "conv", "--latent-dim", "2",
                            "--epochs", "1", "--batch-size", "16", "--iw-samples", "2"])  # fmt: skip
    manifold = grid_cells(tmp_path / "latent_manifold.png", 20, 20)
    assert not (tmp_path / "latent_traversal.png").exists()
    assert np.abs(manifold[0, 0].astype(int) - manifold[-1, -1]).max() > 0  # opposite corners decode differently
    assert json.loads((tmp_path / "config.json").read_text())["arch"] == "conv"


@pytest.mark.skipif(tg.gpu_available(), reason="checks the message shown when no GPU is usable")
def test_without_a_gpu_it_stops_at_once_with_the_install_hint(tmp_path):
    with pytest.raises(SystemExit, match=r'pip install -e "\.\[gpu\]".*--device cpu'):
        load("vae_mnist").main(["--device", "gpu", "--out", str(tmp_path)])
    assert not (tmp_path / "checkpoint.npz").exists()


@pytest.mark.usefixtures("torch_on_one_thread")
def test_the_pytorch_twin_reports_the_same_metrics_and_tabulates_both(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("train_vae_torch", BENCHMARKS / "train_vae_torch.py")
    train_vae_torch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train_vae_torch)
    arguments = ["--quick", "--quiet", "--epochs", "1", "--iw-samples", "4"]
    ours = load("vae_mnist").main([*arguments, "--out", str(tmp_path / "tinygen")])
    compare = ["--compare", str(tmp_path / "tinygen" / "metrics.json")]

    theirs = train_vae_torch.main([*arguments, "--out", str(tmp_path / "torch"), *compare])
    assert set(theirs) == KEYS and KEYS <= set(ours)  # the twin compares the likelihoods; tinygen also scores samples
    assert theirs["test_nll"] < -theirs["test_elbo"]
    table = capsys.readouterr().out.splitlines()[-4:]
    assert [line.split("|")[1].strip() for line in table] == ["test ELBO (nats)", "test KL (nats)",
                                                              "test NLL, K = 4 (nats)", "bits/dim"]  # fmt: skip
    with pytest.raises(SystemExit):  # a different K is not compared
        train_vae_torch.main(["--quick", "--iw-samples", "5", "--out", str(tmp_path / "torch"), *compare])
    assert "pass --iw-samples 4" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        train_vae_torch.main(["--quick", "--out", str(tmp_path / "torch"), "--compare", str(tmp_path / "none.json")])
    assert "run examples/vae_mnist.py with the same flags first" in capsys.readouterr().err
