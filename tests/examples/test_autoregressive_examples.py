"""The autoregressive examples end to end, on tiny models: each writes its samples, curves, metrics and checkpoint.

The MNIST examples read a small MNIST of their own (``--data``): 64 training
and 32 test digits of the embedded subset at 14x14 (every second pixel), so
that sampling, one network pass per pixel, takes 196 passes instead of 784.
"""
import json
import math

import numpy as np
import pytest
from PIL import Image
from test_examples import load

import tinygen as tg
from tinygen import train
from tinygen.data import grey, mnist, write_idx
from tinygen.models.autoregressive import IndependentBernoulli

SIDE = 14
QUICK = ["--quick", "--quiet", "--batch-size", "16"]


@pytest.fixture(scope="module")
def small_mnist(tmp_path_factory):
    """A folder of MNIST's four IDX files: 64 training and 32 test digits, downsampled to 14x14."""
    folder = tmp_path_factory.mktemp("small_mnist")
    data = mnist()
    for stem, split, count in (("train", data.train, 64), ("t10k", data.test, 32)):
        images, labels = split.arrays
        write_idx(images[:count, 0, ::2, ::2], folder / f"{stem}-images-idx3-ubyte")
        write_idx(labels[:count].astype(np.uint8), folder / f"{stem}-labels-idx1-ubyte")
    return folder


def check_run_folder(folder, final, names, num_dims):
    """Curves, checkpoint and metrics.json are there; each model's held-out NLL is finite and in both units."""
    assert {"curves.png", "checkpoint.npz", "metrics.json", "metrics.jsonl", "samples.npz"} <= {p.name for p in folder.iterdir()}
    assert json.loads((folder / "metrics.json").read_text()) == pytest.approx(final)
    with np.load(folder / "samples.npz") as samples:
        assert set(samples) == set(names)  # every model's samples, under its name
    for name in names:
        nll = final[f"test_nll_{name}"]
        assert math.isfinite(nll)
        assert final[f"test_bits_per_dim_{name}"] == pytest.approx(nll / (num_dims * math.log(2)))


MNIST_EXAMPLES = {  # example: (its tiny settings, samples per model)
    "independence_mnist": ([], 1000),
    "nade_mnist": (["--hidden", "8", "--samples", "3"], 3),
    "pixelcnn_mnist": (["--hidden", "4", "--blocks", "1", "--samples", "3"], 3),
    "pixelrnn_mnist --cell row": (["--cell", "row", "--hidden", "4", "--layers", "1", "--samples", "3"], 3),
    "pixelrnn_mnist --cell diagonal": (["--cell", "diagonal", "--hidden", "2", "--layers", "1", "--samples", "3"], 3),
}


@pytest.mark.parametrize("example", MNIST_EXAMPLES)
def test_an_mnist_example_draws_binary_samples_of_the_datas_size_and_reports_its_test_nll(
        example, small_mnist, tmp_path, capsys):  # fmt: skip
    settings, samples = MNIST_EXAMPLES[example]
    final = load(example.split()[0]).main([*QUICK, "--data", str(small_mnist), "--out", str(tmp_path), *settings])

    names = [key.removeprefix("test_nll_") for key in final if key.startswith("test_nll_")]
    check_run_folder(tmp_path, final, names, num_dims=SIDE * SIDE)
    assert all(0 < final[f"test_nll_{name}"] < SIDE * SIDE * math.log(2) * 1.5 for name in names)  # near chance or better
    table = capsys.readouterr().out
    assert all(name in table for name in names)
    # samples.png: per model, up to 10 rows of up to 10 14x14 binary samples, 2 grey pixels between them
    # (image_grid), to the right of a white margin that names each model's first row.
    picture = np.asarray(Image.open(tmp_path / "samples.png"))
    side = min(10, samples)
    margin = picture.shape[1] - (2 + side * (SIDE + 2))
    assert margin > 0 and picture[:, :margin].min() < 128  # dark text on white
    grid = picture[:, margin:]
    assert grid.shape == (2 + len(names) * math.ceil(min(samples, 100) / side) * (SIDE + 2), 2 + side * (SIDE + 2))
    assert set(np.unique(grid)) <= {0, 128, 255}
    assert set(np.unique(grid[2 : 2 + SIDE, 2 : 2 + SIDE])) <= {0, 255}


def test_the_independent_pixels_are_fitted_in_closed_form_not_trained(small_mnist, tmp_path):
    final = load("independence_mnist").main([*QUICK, "--data", str(small_mnist), "--out", str(tmp_path)])
    grey_levels = grey(mnist(str(small_mnist)).train.arrays[0])
    expected = IndependentBernoulli((1, SIDE, SIDE)).fit_closed_form(grey_levels).logits.numpy()
    np.testing.assert_allclose(tg.load(tmp_path / "checkpoint.npz")["states"]["independent"]["logits"].numpy(), expected)
    assert final["test_nll_independent"] < final["test_nll_markov_chain"]  # the others had three Adam steps


def test_nade_reports_its_parameter_count_2nh_plus_n_plus_h(small_mnist, tmp_path):
    n, h = SIDE * SIDE, 8
    final = load("nade_mnist").main([*QUICK, "--data", str(small_mnist), "--out", str(tmp_path), "--hidden", str(h),
                                     "--samples", "1"])  # fmt: skip
    assert final["parameters_nade"] == 2 * n * h + n + h


def test_the_rnade_example_draws_2d_samples_and_their_density(tmp_path):
    argv = [*QUICK, "--out", str(tmp_path), "--points", "400", "--samples", "500", "--hidden", "8", "--components", "3"]
    final = load("rnade_2d").main(argv)
    check_run_folder(tmp_path, final, ["rnade"], num_dims=2)
    assert {"samples.png", "density.png"} <= {p.name for p in tmp_path.iterdir()}


def test_full_puts_the_published_settings_in_place_of_the_defaults_and_explicit_flags_still_win():
    def parse(argv):
        parser = train.example_parser("x", "an example", epochs=3, batch_size=64, lr=1e-3)
        parser.add_argument("--hidden", type=int, default=32)
        return train.parse_example_args(parser, argv, full={"hidden": 128, "epochs": 50})

    assert (parse([]).hidden, parse([]).epochs, parse([]).full) == (32, 3, False)
    assert (parse(["--full"]).hidden, parse(["--full"]).epochs) == (128, 50)
    assert (parse(["--epochs", "2", "--full"]).hidden, parse(["--full", "--epochs", "2"]).epochs) == (128, 2)
    assert parse(["--full", "--hidden", "32"]).hidden == 32  # even when the explicit value is the default
