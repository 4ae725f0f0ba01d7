"""Examples run end to end on small settings."""
import importlib.util
import pathlib

import pytest

import tinygen as tg

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gmm_example_reaches_the_likelihood_of_the_true_mixture(capsys):
    final_nll, nll_under_truth = load("gmm_1d").main(["--steps", "1500"])
    assert final_nll < nll_under_truth + 0.01  # maximum likelihood may even beat the truth on a sample
    assert "fitted means" in capsys.readouterr().out


@pytest.mark.skipif(tg.gpu_available(), reason="checks the message shown when no GPU is usable")
def test_asking_an_example_for_a_missing_gpu_stops_with_the_install_hint():
    with pytest.raises(SystemExit, match=r'tinygen\[gpu\].*--device cpu'):
        load("gmm_1d").main(["--device", "gpu", "--steps", "1"])
