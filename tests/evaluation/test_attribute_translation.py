"""Attribute translation's figures on translators whose answers we know: doing nothing, and an oracle."""
import numpy as np
import pytest

from tinygen.data import mnist
from tinygen.data.attributes import AttributeSplit
from tinygen.evaluation.attributes import score_attribute_translation

TEST, N = 100, 10


@pytest.fixture(scope="module")
def digits():
    data = mnist()
    (train, _), (test, labels) = data.train.arrays, data.test.arrays
    return AttributeSplit.at_median(train / np.float32(255)), train[:400] / np.float32(255), test / np.float32(255), labels


def test_doing_nothing_meets_one_target_in_four_and_scores_the_ceiling(digits):
    split, reference, test, labels = digits
    test, labels = test[:TEST], labels[:TEST]
    figures, translations = score_attribute_translation(lambda images, c: images, split, test, labels, reference, N)
    assert translations.shape == (4, TEST, 1, 28, 28)
    assert figures["attribute_success"] == figures["attribute_success_identity"] == 0.25
    assert sum(figures[f"attribute_success_to_{d}"] for d in ("thin_upright", "thin_slanted", "thick_upright",
                                                              "thick_slanted")) == pytest.approx(1.0)  # fmt: skip
    assert figures["attribute_success_changed_slant"] == 0.0
    assert figures["label_preservation"] == figures["label_preservation_identity"] > 0.9
    assert figures["fid_translated"] == figures["fid_ceiling"]


def test_an_oracle_that_returns_a_real_digit_of_the_target_domain_and_the_same_class_succeeds_everywhere(digits):
    split, reference, pool, pool_labels = digits
    test, labels, attributes = pool[:TEST], pool_labels[:TEST], split(pool)

    def oracle(images, c):  # for digit i, the first test digit of its class in the target domain
        rows = [np.flatnonzero((pool_labels == labels[i]) & (attributes == c[i]).all(axis=1))[0] for i in range(len(images))]
        return pool[rows]

    figures, _ = score_attribute_translation(oracle, split, test, labels, reference, N)
    assert figures["attribute_success"] == 1.0 and figures["attribute_success_changed_thickness"] == 1.0
    assert figures["attribute_success_to_thick_upright"] == 1.0
    assert figures["mean_thickness_to_thick_upright"] > split.thresholds[0] > figures["mean_thickness_to_thin_upright"]
    assert figures["label_preservation"] > 0.9
    with pytest.raises(ValueError, match="pass n <="):
        score_attribute_translation(oracle, split, test, labels, reference, n=TEST)
