"""The uses of a density: Bayes' rule over classes, AUROC against a count by hand, the linear probe, outlier sets."""
import itertools

import numpy as np
import pytest

from tinygen.evaluation.uses import (OUT_OF_DISTRIBUTION, auroc, bayes_posterior, linear_probe, midranks,
                                     out_of_distribution, stratified_indices)  # fmt: skip


def test_the_posterior_is_a_distribution_over_classes_even_for_likelihoods_far_below_exp_range():
    rng = np.random.default_rng(0)
    log_likelihoods = -800 + 30 * rng.standard_normal((50, 10))  # exp() of these underflows to 0
    posterior = bayes_posterior(log_likelihoods, np.log(rng.dirichlet(np.ones(10))))
    assert posterior.shape == (50, 10) and (posterior >= 0).all()
    np.testing.assert_allclose(posterior.sum(1), 1, rtol=1e-12)


def test_equal_priors_leave_the_argmax_of_the_likelihoods_and_the_ratios_of_likelihoods():
    log_likelihoods = np.random.default_rng(1).normal(-100, 5, (40, 4))
    for log_prior in (None, np.full(4, np.log(0.25))):
        posterior = bayes_posterior(log_likelihoods, log_prior)
        np.testing.assert_array_equal(posterior.argmax(1), log_likelihoods.argmax(1))
        np.testing.assert_allclose(np.log(posterior[:, 0] / posterior[:, 1]),
                                   log_likelihoods[:, 0] - log_likelihoods[:, 1], rtol=1e-9)  # fmt: skip


def test_a_prior_shifts_the_decision_by_its_log_odds():
    """Two classes 1 nat apart in likelihood: a prior of 0.9 on the less likely one wins (log 9 > 1)."""
    posterior = bayes_posterior([[-10.0, -11.0]], np.log([0.1, 0.9]))
    np.testing.assert_allclose(posterior, [[np.e / (np.e + 9), 9 / (np.e + 9)]])


def test_bayes_rule_says_what_shape_it_wanted():
    with pytest.raises(ValueError, match=r"\(N, classes\)"):
        bayes_posterior(np.zeros(5))
    with pytest.raises(ValueError, match="one log-probability per class"):
        bayes_posterior(np.zeros((5, 3)), np.zeros(2))


def test_auroc_against_a_count_by_hand_with_ties():
    """Inliers 1, 2, 2, 3; outliers 2, 3, 4: 12 pairs. Outlier 2 is above 1 and ties 2, 2: 1 + 2 halves;
    outlier 3 is above 1, 2, 2 and ties 3: 3 + a half; outlier 4 is above all 4. In all 2 + 3.5 + 4 = 9.5 of 12."""
    assert auroc([1, 2, 2, 3], [2, 3, 4]) == pytest.approx(9.5 / 12)


def test_auroc_agrees_with_counting_every_pair():
    rng = np.random.default_rng(2)
    inliers, outliers = rng.integers(0, 6, 30), rng.integers(2, 8, 20)  # many ties
    pairs = [(o > i) + 0.5 * (o == i) for i, o in itertools.product(inliers, outliers)]
    assert auroc(inliers, outliers) == pytest.approx(np.mean(pairs))


def test_auroc_is_one_for_separated_scores_zero_when_reversed_and_a_half_for_identical_ones():
    assert auroc([1, 2, 3], [4, 5]) == 1 and auroc([4, 5], [1, 2, 3]) == 0
    assert auroc([7, 7, 7], [7, 7]) == 0.5


def test_midranks_share_the_mean_rank_of_a_tie():
    np.testing.assert_array_equal(midranks([10, 30, 20, 30, 30]), [1, 4, 2, 4, 4])


def test_auroc_refuses_empty_or_infinite_scores():
    with pytest.raises(ValueError, match="both kinds"):
        auroc([], [1.0])
    with pytest.raises(ValueError, match="finite"):
        auroc([1.0, np.inf], [2.0])


def test_the_probe_reads_linearly_separable_classes_perfectly_and_chance_from_noise():
    rng = np.random.default_rng(3)
    centres = 6 * rng.standard_normal((4, 5))
    labels = np.repeat(np.arange(4), 30)
    codes = centres[labels] + rng.standard_normal((120, 5))
    test_labels = np.repeat(np.arange(4), 50)
    test_codes = centres[test_labels] + rng.standard_normal((200, 5))
    assert linear_probe(codes, labels, test_codes, test_labels) == 1.0
    noise = rng.standard_normal((200, 5))  # codes that carry no label
    assert linear_probe(noise[:120], labels, noise[120:], rng.integers(0, 4, 80)) < 0.45


def test_the_probe_keeps_a_constant_feature_and_a_few_labels_of_images():
    codes = np.zeros((20, 1, 3, 3))
    codes[:10, 0, 1, 1], labels = 1.0, np.repeat([3, 7], 10)  # only the centre pixel tells the labels apart
    assert linear_probe(codes, labels, codes[::-1], labels[::-1]) == 1.0


def test_stratified_indices_take_as_many_of_each_label():
    labels = np.repeat(np.arange(10), 50)
    chosen = stratified_indices(labels, 7, np.random.default_rng(4))
    assert len(set(chosen)) == 70 and (np.bincount(labels[chosen]) == 7).all()
    with pytest.raises(ValueError, match="51 examples of label 0 asked, 50 exist"):
        stratified_indices(labels, 51, np.random.default_rng(4))


@pytest.mark.parametrize("kind", OUT_OF_DISTRIBUTION)
def test_each_outlier_set_keeps_the_shape_and_the_range_of_grey_images(kind):
    rng = np.random.default_rng(5)
    digits = np.zeros((6, 1, 28, 28), np.float32)
    digits[:, :, 4:24, 12:16] = rng.random((6, 1, 20, 4))  # a vertical bar of ink
    out = out_of_distribution(digits, kind, rng)
    assert out.shape == digits.shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    assert not np.array_equal(out, digits)


def test_the_outlier_sets_do_what_they_say():
    rng = np.random.default_rng(6)
    digits = rng.random((3, 1, 28, 28)).astype(np.float32)
    np.testing.assert_array_equal(out_of_distribution(digits, "inverted", rng), 1 - digits)
    rotated = out_of_distribution(digits, "rotated", rng)
    np.testing.assert_array_equal(rotated[:, 0, 27 - 5, 3], digits[:, 0, 3, 5])  # (row, col) -> (W - 1 - col, row)
    shrunk = out_of_distribution(digits, "shrunk", rng)
    np.testing.assert_array_equal(shrunk[:, :, 7:21, 7:21], digits[:, :, ::2, ::2])
    assert shrunk[:, :, :7].max() == 0 and shrunk[:, :, 21:].max() == 0
    noise = out_of_distribution(np.zeros((200, 1, 28, 28)), "noise", rng)
    assert abs(noise.mean() - 0.5) < 0.01 and abs(noise.var() - 1 / 12) < 0.01  # U(0, 1)
    with pytest.raises(ValueError, match="choose one of"):
        out_of_distribution(digits, "blurred", rng)
