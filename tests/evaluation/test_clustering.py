"""matched_accuracy: the best one-to-one matching of clusters to labels, against all permutations."""
import itertools

import numpy as np
import pytest

from tinygen.evaluation.clustering import matched_accuracy


def brute_force(clusters, labels, k):
    return max(np.mean(np.asarray(permutation)[clusters] == labels) for permutation in itertools.permutations(range(k)))


@pytest.mark.parametrize("seed", range(5))
def test_the_matching_is_the_best_of_all_permutations(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 6, 300)
    clusters = np.where(rng.random(300) < 0.6, rng.permutation(6)[labels], rng.integers(0, 6, 300))  # noisy relabelling
    accuracy, matching = matched_accuracy(clusters, labels)
    assert accuracy == pytest.approx(brute_force(clusters, labels, 6), abs=1e-15)
    assert sorted(matching.values()) == list(range(6))  # one to one
    assert accuracy == pytest.approx(np.mean(np.array([matching[c] for c in clusters]) == labels), abs=1e-15)


def test_a_relabelled_perfect_clustering_scores_one_and_the_identity_reading_does_not():
    labels = np.arange(100) % 10
    clusters = (labels * 3 + 7) % 10  # a permutation of the ten labels
    accuracy, matching = matched_accuracy(clusters, labels)
    assert accuracy == 1.0 and all(matching[(y * 3 + 7) % 10] == y for y in range(10))
    assert np.mean(clusters == labels) == 0.0  # reading cluster k as digit k instead: every one wrong


def test_more_clusters_than_labels_leave_some_unmatched():
    accuracy, matching = matched_accuracy(np.array([0, 1, 2, 2]), np.array([0, 0, 1, 1]))
    assert accuracy == 0.75 and matching[2] == 1 and matching[0] == 0


@pytest.mark.parametrize("clusters, labels, message", [
    (np.zeros(3, int), np.zeros(4, int), "two \\(N,\\) arrays"),
    (np.zeros(3), np.zeros(3, int), "integer ids"),
    (np.array([0, -1]), np.array([0, 1]), "integer ids"),
    (np.arange(17), np.arange(17), "too many.*linear_sum_assignment"),
])  # fmt: skip
def test_bad_inputs_say_what_is_wrong(clusters, labels, message):
    with pytest.raises(ValueError, match=message):
        matched_accuracy(clusters, labels)
