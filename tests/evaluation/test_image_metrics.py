"""The image metrics: closed forms, their behaviour on real digits degraded step by step, and the feature network."""
import json
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygen.data import mnist
from tinygen.evaluation import (
    class_coverage,
    embed,
    feature_network,
    fid,
    frechet_distance,
    inception_score,
    kid,
    precision_recall,
    score_images,
    score_run,
)
from tinygen.evaluation.degradations import STRENGTHS, degrade
from tinygen.evaluation.score import real_digits


def random_covariance(rng, dim):
    a = rng.standard_normal((dim, dim))
    return a @ a.T + 0.1 * np.eye(dim)


@given(seed=st.integers(0, 2**31 - 1))
def test_frechet_distance_of_two_gaussians_matches_the_closed_form(seed):
    """In 2-D, tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)) for a symmetric PSD M: an independent route to the trace term."""
    rng = np.random.default_rng(seed)
    mean_a, mean_b = rng.standard_normal(2), rng.standard_normal(2)
    cov_a, cov_b = random_covariance(rng, 2), random_covariance(rng, 2)
    root_a = np.linalg.cholesky(cov_a)  # any square root R with R R^T = C_a gives the same tr sqrt(C_a C_b)
    m = root_a.T @ cov_b @ root_a
    trace_sqrt = np.sqrt(np.trace(m) + 2 * np.sqrt(np.linalg.det(m)))
    expected = ((mean_a - mean_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt
    assert frechet_distance(mean_a, cov_a, mean_b, cov_b) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_frechet_distance_of_diagonal_gaussians_is_the_sum_of_squared_differences():
    variances_a, variances_b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = 1.0 + ((np.sqrt(variances_a) - np.sqrt(variances_b)) ** 2).sum()  # means differ by 1 in one axis
    got = frechet_distance(np.array([0.0, 0, 0]), np.diag(variances_a), np.array([1.0, 0, 0]), np.diag(variances_b))
    assert got == pytest.approx(expected, rel=1e-12)


def test_fid_of_a_set_with_itself_is_zero_even_with_singular_covariances():
    rng = np.random.default_rng(0)
    features = rng.standard_normal((20, 64))  # fewer samples than dimensions: a singular covariance
    # The 45 zero eigenvalues come out as rounding noise ~1e-16 * trace, whose square roots are ~1e-8 * sqrt(trace)
    # each: the exact 0 is met to about 1e-8 of the trace, not to machine precision.
    tolerance = 1e-7 * np.trace(np.cov(features, rowvar=False))
    assert abs(fid(features, features)) < tolerance
    assert abs(fid(features, features + 1.0) - 64.0) < tolerance  # a shift by 1 in each of 64 axes


def test_kid_is_unbiased_near_zero_for_one_distribution_and_large_for_two():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2000, 8)), rng.standard_normal((2000, 8))
    same, same_se = kid(a, b, subsets=20, subset_size=500)
    assert abs(same) < 3 * same_se + 1e-4
    shifted, _ = kid(a, b + 1.0, subsets=20, subset_size=500)
    assert shifted > 100 * max(abs(same), same_se)


def test_inception_score_bounds():
    confident_and_even = np.eye(10)[np.arange(1000) % 10]
    assert inception_score(confident_and_even) == pytest.approx(10.0)
    assert inception_score(np.eye(10)[np.zeros(1000, int)]) == pytest.approx(1.0)  # one class only
    assert inception_score(np.full((1000, 10), 0.1)) == pytest.approx(1.0)  # no confidence


def test_class_coverage_counts_fair_shares_and_its_kl():
    one_class = class_coverage(np.eye(10)[np.zeros(500, int)])
    assert one_class["covered"] == 1 and one_class["kl_from_uniform"] == pytest.approx(np.log(10))
    even = class_coverage(np.eye(10)[np.arange(500) % 10])
    assert even["covered"] == 10 and even["kl_from_uniform"] == pytest.approx(0.0, abs=1e-12)


# ---- on real digits, through the shipped feature network ----------------------------------------------------
@pytest.fixture(scope="module")
def net():
    return feature_network()


@pytest.fixture(scope="module")
def digits():
    """1,000 training digits (to degrade) and the 1,000 held-out ones (the reference), grey levels in [0, 1]."""
    train, test = real_digits(False, "train"), real_digits(False, "test")
    chosen = np.random.default_rng(0).choice(len(train), 1000, replace=False)
    return train[chosen], mnist().train.arrays[1][chosen], test


def test_the_feature_network_loads_offline_in_well_under_a_second_and_classifies_held_out_digits(digits):
    started = time.perf_counter()
    net = feature_network()
    assert time.perf_counter() - started < 1.0
    test = real_digits(False, "test")
    labels = mnist().test.arrays[1]
    _, probabilities = embed(net, test)
    assert (probabilities.argmax(1) == labels).mean() >= 0.98


def test_weights_that_do_not_match_their_checksum_are_refused(tmp_path, monkeypatch):
    from tinygen.evaluation import features as module

    fake = tmp_path / "mnist_features.npz"
    fake.write_bytes(b"not the weights")
    monkeypatch.setattr(module, "WEIGHTS_PATH", fake)
    with pytest.raises(RuntimeError, match="does not match its SHA-256.*train_feature_network"):
        module.feature_network()


@pytest.mark.parametrize("kind", sorted(STRENGTHS))
def test_fid_and_kid_grow_as_real_digits_are_degraded(net, digits, kind):
    """Noise, blur, shuffled pixels and dropped classes, each at growing strength: both metrics must rank them."""
    train, labels, test = digits
    test_features, _ = embed(net, test)
    rng = np.random.default_rng(1)
    fids, kids = [], []
    for strength in STRENGTHS[kind]:
        features, _ = embed(net, degrade(train, labels, kind, strength, rng))
        fids.append(fid(test_features, features))
        kids.append(kid(test_features, features, subsets=10)[0])
    assert fids == sorted(fids) and fids[0] < fids[-1] / 5, fids
    assert kids == sorted(kids), kids


def test_precision_and_recall_of_real_digits_of_three_classes_and_of_noise(net, digits):
    train, labels, test = digits
    test_features, _ = embed(net, test)
    real, _ = embed(net, train)
    precision, recall = precision_recall(test_features, real)
    assert precision > 0.85 and recall > 0.85
    three, _ = embed(net, train[labels < 3])
    precision, recall = precision_recall(test_features, three)
    assert precision > 0.85 and recall < 0.5
    noise, _ = embed(net, np.random.default_rng(0).random(train.shape).astype(np.float32))
    assert precision_recall(test_features, noise)[0] < 0.05


def test_score_run_adds_the_figures_to_the_runs_metrics(tmp_path, digits):
    train, _, _ = digits
    np.savez(tmp_path / "samples.npz", digits=train[:200], points=np.zeros((50, 2)))  # 2-D points are not scored
    (tmp_path / "metrics.json").write_text(json.dumps({"test_nll": 100.0}))
    figures = score_run(tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert list(figures) == ["digits"]
    assert metrics["test_nll"] == 100.0 and metrics["quality_digits_fid_mnist"] == figures["digits"]["fid_mnist"]
    assert figures["digits"]["samples"] == 200 and "grey" in figures["digits"]["reference"]
    binary = score_images((train[:200] > 0.5).astype(np.float32))
    assert "binarised" in binary["reference"]
