"""multinomial: the frequencies it draws, against the exact probabilities; seeding; what it refuses.

Each frequency must lie within 4 standard errors of its probability (a fixed seed makes the test itself
deterministic; the bound says how far a correct sampler could stray)."""
import itertools

import numpy as np
import pytest

import tinygen as tg

WEIGHTS = [1.0, 2.0, 0.0, 7.0]  # unnormalised, with a category that must never come up
DRAWS = 20_000


def _assert_frequencies(counts, probabilities):
    frequencies = np.asarray(counts) / DRAWS
    p = np.asarray(probabilities)
    bound = 4 * np.sqrt(p * (1 - p) / DRAWS)
    assert (np.abs(frequencies - p) <= bound).all(), (frequencies, p)


def test_draws_with_replacement_come_up_in_proportion_to_their_weights():
    tg.manual_seed(0)
    drawn = tg.multinomial(tg.tensor(WEIGHTS), DRAWS, replacement=True)
    assert drawn.dtype == np.int64 and drawn.shape == (DRAWS,)
    _assert_frequencies(np.bincount(drawn.numpy(), minlength=4), np.array(WEIGHTS) / sum(WEIGHTS))


def test_draws_without_replacement_follow_sequential_sampling():
    """P(order a, b, c) = w_a / W * w_b / (W - w_a) * 1, for every order of the three positive categories."""
    tg.manual_seed(1)
    drawn = tg.multinomial(tg.tensor([WEIGHTS] * DRAWS), 3).numpy()
    total = sum(WEIGHTS)
    orders = list(itertools.permutations([0, 1, 3]))
    probabilities = [WEIGHTS[a] / total * WEIGHTS[b] / (total - WEIGHTS[a]) for a, b, _ in orders]
    counts = [np.all(drawn == order, axis=1).sum() for order in orders]
    assert sum(counts) == DRAWS  # every row: three distinct categories, never the one of weight 0
    _assert_frequencies(counts, probabilities)


def test_rows_are_drawn_independently_from_their_own_weights():
    tg.manual_seed(2)
    drawn = tg.tensor([[0.0, 1.0, 0.0], [5.0, 0.0, 0.0]]).multinomial(4, replacement=True)
    np.testing.assert_array_equal(drawn.numpy(), [[1] * 4, [0] * 4])


def test_the_same_seed_gives_the_same_draws():
    draws = []
    for _ in range(2):
        tg.manual_seed(3)
        draws.append(tg.multinomial(tg.tensor(WEIGHTS), 5, replacement=True).numpy())
    np.testing.assert_array_equal(*draws)


@pytest.mark.parametrize("weights, num_samples, message", [
    ([1.0, -1.0], 1, "non-negative"), ([0.0, 0.0], 1, "sums to 0"), ([1.0, np.nan], 1, "finite"),
    ([1.0, 0.0, 2.0], 3, "only 2 categories of positive weight"), ([[[1.0]]], 1, "1-D or 2-D"), ([1.0], 0, "at least 1"),
])  # fmt: skip
def test_invalid_distributions_are_refused_with_the_reason(weights, num_samples, message):
    with pytest.raises(ValueError, match=message):
        tg.multinomial(tg.tensor(weights), num_samples)
