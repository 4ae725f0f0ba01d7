"""Translation metrics: the judge that reads both domains, label preservation, realism beside its floor and
ceiling, and the cycle error."""
import numpy as np
import pytest

from tinygen.evaluation import feature_network
from tinygen.evaluation.translation import (DomainJudge, cycle_error, digit_domains, label_preservation,
                                            score_translation)  # fmt: skip

PER_DOMAIN = 600  # training digits of each domain the judge is fitted to here (the examples use all)


@pytest.fixture(scope="module")
def setting():
    domains = digit_domains()
    domains = {name: ((train[0][:PER_DOMAIN], train[1][:PER_DOMAIN]), (test[0][:100], test[1][:100]))
               for name, (train, test) in domains.items()}  # fmt: skip
    net = feature_network()
    (a, label_a), (b, label_b) = domains["a"][0], domains["b"][0]
    return domains, net, DomainJudge(np.concatenate([a, b]), np.concatenate([label_a, label_b]), net)


def test_the_judge_reads_held_out_digits_of_both_domains(setting):
    domains, _, judge = setting
    assert judge.accuracy(*domains["a"][1]) > 0.9 and judge.accuracy(*domains["b"][1]) > 0.8


def test_a_realistic_translation_into_the_wrong_digit_fails_label_preservation(setting):
    """Each A digit 'translated' to a real B digit of the next class: B's look exactly, the wrong digit."""
    domains, _, judge = setting
    (a, label_a), (b, label_b) = domains["a"][1], domains["b"][0]
    wrong = np.stack([b[np.flatnonzero(label_b == (y + 1) % 10)[0]] for y in label_a])
    right = np.stack([b[np.flatnonzero(label_b == y)[0]] for y in label_a])
    assert label_preservation(judge, wrong, label_a) < 0.2 < 0.8 < label_preservation(judge, right, label_a)


def test_untranslated_digits_score_the_ceiling_and_a_perfect_cycle(setting):
    domains, net, judge = setting
    figures = score_translation(lambda images, direction: images, domains, judge, net, n=100)
    for direction in ("ab", "ba"):
        assert figures[f"{direction}_fid_translated"] == figures[f"{direction}_fid_ceiling"]
        assert figures[f"{direction}_fid_floor"] < figures[f"{direction}_fid_ceiling"] / 5
        assert figures[f"{direction}_cycle_error"] == 0
    assert figures["ab_label_preservation"] == judge.accuracy(*domains["a"][1])


def test_cycle_error_is_the_mean_absolute_difference_per_pixel():
    x = np.zeros((2, 1, 28, 28))
    y = x.copy()
    y[0, 0, :14] = 0.5  # half of one image's pixels off by 0.5
    assert cycle_error(y, x) == pytest.approx(0.5 * 0.5 / 2)
