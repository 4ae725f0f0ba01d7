"""Typical PyTorch training scripts, ported to tinygen as a new user would: by changing the imports and the data.

Each ``torch_<name>.py`` here is written as PyTorch users write it (the
PyTorch examples repository, well-known implementations); ``tinygen_<name>.py``
is its port. The diff test holds each pair to the lines listed below, so any
other line a port needed would show up as a failure (a gap in PyTorch parity).
Both scripts of a pair train a few steps, so the pair stays honest.
"""
import difflib
import importlib
import math
import pathlib

import pytest

HERE = pathlib.Path(__file__).resolve().parent

_IMPORT_TORCH = ("import torch", "import tinygen as torch")
_IMPORT_NN = ("import torch.nn as nn", "import tinygen.nn as nn")
_IMPORT_F = ("import torch.nn.functional as F", "import tinygen.nn.functional as F")
_IMPORT_DATA = ("from torch.utils.data import DataLoader, TensorDataset",
                "from tinygen.data import ArrayDataset, DataLoader")

# Every line in which a port differs from its PyTorch original, as (PyTorch's line, tinygen's line), in file order.
# The data lines differ because torch.utils.data.TensorDataset holds tensors and tinygen's ArrayDataset arrays.
CHANGED_LINES = {
    "classifier": [
        _IMPORT_TORCH,
        _IMPORT_NN,
        _IMPORT_F,
        ("import torch.optim as optim", "import tinygen.optim as optim"),
        ("from torch.optim.lr_scheduler import StepLR", "from tinygen.optim.lr_scheduler import StepLR"),
        _IMPORT_DATA,
        ("train_set = TensorDataset(torch.from_numpy(images[:384]), torch.from_numpy(labels[:384]))",
         "train_set = ArrayDataset(images[:384], labels[:384])"),
        ("test_set = TensorDataset(torch.from_numpy(images[384:]), torch.from_numpy(labels[384:]))",
         "test_set = ArrayDataset(images[384:], labels[384:])"),
    ],
    "vae": [
        _IMPORT_TORCH,
        _IMPORT_F,
        ("from torch import nn, optim", "from tinygen import nn, optim"),
        _IMPORT_DATA,
        ("train_loader = DataLoader(TensorDataset(torch.from_numpy(images)), batch_size=64, shuffle=True)",
         "train_loader = DataLoader(ArrayDataset(images), batch_size=64, shuffle=True)"),
    ],
    "dcgan": [
        _IMPORT_TORCH,
        _IMPORT_NN,
        ("import torch.optim as optim", "import tinygen.optim as optim"),
        ("import torch.utils.data", "import tinygen.data"),
        ("dataset = torch.utils.data.TensorDataset(torch.from_numpy(images * 2 - 1))  # in [-1, 1], as Tanh's outputs",
         "dataset = torch.data.ArrayDataset(images * 2 - 1)  # in [-1, 1], as Tanh's outputs"),
        ("dataloader = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True)",
         "dataloader = torch.data.DataLoader(dataset, batch_size=32, shuffle=True)"),
    ],
    "wgan_gp": [
        _IMPORT_TORCH,
        _IMPORT_NN,
        _IMPORT_DATA,
        ("dataloader = DataLoader(TensorDataset(torch.from_numpy(images * 2 - 1)), batch_size=32, shuffle=True)",
         "dataloader = DataLoader(ArrayDataset(images * 2 - 1), batch_size=32, shuffle=True)"),
    ],
}

# A few steps each: (steps, whether the loss must fall over them). A GAN's losses need not fall.
RUNS = {"classifier": (20, True), "vae": (12, True), "dcgan": (3, False), "wgan_gp": (3, False)}


def changed_lines(name):
    """The (PyTorch line, tinygen line) pairs in which the two files of a port differ, stripped of indentation."""
    original = (HERE / f"torch_{name}.py").read_text().splitlines()
    port = (HERE / f"tinygen_{name}.py").read_text().splitlines()
    pairs = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, original, port, autojunk=False).get_opcodes():
        if tag != "equal":
            removed, added = original[i1:i2], port[j1:j2]
            assert len(removed) == len(added), f"{name}: lines added or removed, not changed: {removed} -> {added}"
            pairs += [(a.strip(), b.strip()) for a, b in zip(removed, added)]
    return pairs


@pytest.mark.parametrize("name", sorted(CHANGED_LINES))
def test_a_port_changes_only_its_import_and_data_lines(name):
    pairs = changed_lines(name)
    print(f"{name}: {len(pairs)} lines changed")
    assert pairs == CHANGED_LINES[name]


def _train(framework, name):
    steps, must_fall = RUNS[name]
    losses = importlib.import_module(f"{framework}_{name}").main(steps=steps, seed=0)
    assert len(losses) == steps
    assert all(math.isfinite(value) for step in losses for value in (step if isinstance(step, tuple) else (step,)))
    if must_fall:
        quarter = steps // 4
        first, last = sum(losses[:quarter]) / quarter, sum(losses[-quarter:]) / quarter
        assert last < 0.9 * first, f"{framework} {name}: loss {first:.3f} over the first steps, {last:.3f} at the end"


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_port_trains_with_tinygen(name):
    _train("tinygen", name)


@pytest.mark.parametrize("name", sorted(RUNS))
def test_the_original_trains_with_pytorch(name, torch_on_one_thread):
    _train("torch", name)
