"""The adversarial and Wasserstein autoencoder example on a few batches: each model and prior writes its
pictures, samples and figures; code metrics appear for the priors with modes; impossible settings stop plainly."""
import json
import math

import numpy as np
import pytest
from PIL import Image
from test_examples import load

SAMPLES = 20
QUICK = ["--quick", "--quiet", "--batch-size", "16", "--samples", str(SAMPLES), "--hidden", "16", "--d-hidden", "8"]
RUNS = {  # name: extra flags, the code figures expected
    "aae ring": ([], {"code_modes_covered", "code_on_mode", "code_modes_captured", "code_high_quality", "code_reverse_kl"}),
    "aae swiss roll conditional": (["--prior", "swiss_roll", "--conditional"],
                                   {"code_modes_covered", "code_on_mode", "code_on_own_label_mode"}),
    "wae_gan gaussian 3-D": (["--model", "wae_gan", "--prior", "gaussian", "--latent-dim", "3"], set()),
    "wae_mmd gaussian 2-D": (["--model", "wae_mmd", "--prior", "gaussian"], set()),
}  # fmt: skip


@pytest.mark.parametrize("name", RUNS)
def test_a_quick_run_writes_its_pictures_samples_and_figures(name, tmp_path, capsys):
    flags, code_figures = RUNS[name]
    model = flags[flags.index("--model") + 1] if "--model" in flags else "aae"
    final = load("aae_mnist").main([*QUICK, *flags, "--out", str(tmp_path)])

    assert final == json.loads((tmp_path / "metrics.json").read_text())
    assert {key for key in final if key.startswith("code_")} == {"code_mmd", "code_mmd_kernel"} | code_figures
    assert final["code_mmd_kernel"].startswith("InverseMultiquadratic(C=") and math.isfinite(final["code_mmd"])
    assert final["test_reconstruction"] > 0 and final[f"quality_{model}_samples"] == SAMPLES
    assert 0 <= final[f"quality_{model}_precision"] <= 1
    with np.load(tmp_path / "samples.npz") as saved:
        samples = saved[model]
    assert samples.shape == (SAMPLES, 1, 28, 28) and 0 <= samples.min() and samples.max() <= 1
    pictures = {"samples.png", "reconstructions.png"} | ({"codes.png"} if "3-D" not in name else set())
    assert pictures <= {p.name for p in tmp_path.iterdir()}
    assert ("codes.png" in {p.name for p in tmp_path.iterdir()}) == ("3-D" not in name)
    for picture in pictures:
        assert Image.open(tmp_path / picture).size[0] > 100
    assert "FID (MNIST features)" in capsys.readouterr().out


@pytest.mark.parametrize("flags, message", [
    (["--prior", "ring", "--latent-dim", "3"], "--prior ring is 2-D"),
    (["--prior", "gaussian", "--conditional"], "--conditional needs --model aae and a prior with 10 modes"),
    (["--model", "wae_mmd", "--conditional"], "--conditional needs --model aae"),
])  # fmt: skip
def test_settings_that_cannot_work_stop_with_what_to_change(flags, message, tmp_path):
    with pytest.raises(SystemExit, match=message):
        load("aae_mnist").main([*QUICK, *flags, "--out", str(tmp_path)])
