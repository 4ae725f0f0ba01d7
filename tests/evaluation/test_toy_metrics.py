"""Mode metrics on toy mixtures, as VEEGAN and PacGAN define them."""
import numpy as np
import pytest

from tinygen.data import toy_dataset
from tinygen.evaluation import mode_metrics
from tinygen.evaluation.toy_metrics import SAMPLES


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_the_true_distribution_captures_every_mode_with_high_quality(name):
    mixture = toy_dataset(name)
    points, _ = mixture.sample(SAMPLES, seed=0)
    metrics = mode_metrics(points, mixture)
    assert metrics["modes_captured"] == mixture.num_modes
    assert metrics["high_quality"] >= 0.95
    assert metrics["reverse_kl"] < 0.02


@pytest.mark.parametrize("name", ["ring", "grid"])
def test_a_generator_collapsed_onto_one_mode_captures_exactly_one(name):
    mixture = toy_dataset(name)
    points = mixture.centres[3] + mixture.std * np.random.default_rng(0).standard_normal((SAMPLES, 2))
    metrics = mode_metrics(points, mixture)
    assert metrics["modes_captured"] == 1
    assert metrics["reverse_kl"] == pytest.approx(np.log(mixture.num_modes))


def test_points_between_the_modes_are_not_high_quality():
    ring = toy_dataset("ring")
    between = (ring.centres[:4] + ring.centres[1:5]) / 2  # midpoints of neighbouring modes: far from both
    metrics = mode_metrics(np.repeat(between, 10, axis=0), ring)
    assert metrics["high_quality"] == 0 and metrics["modes_captured"] == 0


def test_mode_metrics_needs_a_gaussian_mixture():
    with pytest.raises(TypeError, match="Gaussian mixture"):
        mode_metrics(np.zeros((5, 2)), toy_dataset("moons"))
