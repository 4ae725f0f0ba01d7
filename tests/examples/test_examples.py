"""Examples run end to end on small settings."""
import importlib.util
import json
import pathlib

import pytest

import tinygen as tg

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gmm_example_reaches_the_likelihood_of_the_true_mixture_and_writes_its_run(tmp_path, capsys):
    final_nll, nll_under_truth = load("gmm_1d").main(["--out", str(tmp_path)])
    assert final_nll < nll_under_truth + 0.01  # maximum likelihood may even beat the truth on a sample
    assert "fitted means" in capsys.readouterr().out
    assert {"checkpoint.npz", "config.json", "curves.png", "metrics.jsonl"} <= {p.name for p in tmp_path.iterdir()}
    last = json.loads((tmp_path / "metrics.jsonl").read_text().splitlines()[-1])
    assert last == {"kind": "epoch", "epoch": 19, "step": 400, "nll_all_data": pytest.approx(final_nll)}


@pytest.mark.skipif(tg.gpu_available(), reason="checks the message shown when no GPU is usable")
def test_asking_an_example_for_a_missing_gpu_stops_with_the_install_hint(tmp_path):
    with pytest.raises(SystemExit, match=r'pip install -e "\.\[gpu\]".*--device cpu'):
        load("gmm_1d").main(["--device", "gpu", "--out", str(tmp_path)])
