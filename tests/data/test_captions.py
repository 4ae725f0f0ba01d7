"""Captions of digits: they say what was measured, the held-out combinations stay out, the vocabulary round-trips."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.data import grey, mnist
from tinygen.data.attributes import AttributeSplit
from tinygen.data.captions import (DIGITS, HELD_OUT, LENGTH, CaptionedDigits, Vocabulary, caption, captions,
                                   held_out_name, is_held_out, meaning)  # fmt: skip


@pytest.fixture(scope="module")
def digits():
    pixels, labels = mnist().train.arrays
    split = AttributeSplit.at_median(grey(pixels))
    return pixels[:600], labels[:600], split(grey(pixels[:600]))


def test_hand_written_sentences_mean_what_they_say():
    assert meaning("a thick seven leaning right") == (7, (1, 1))
    assert meaning("the number 3 , with thin strokes , standing straight") == (3, (0, 0))
    assert meaning("an upright heavy eight") == (8, (1, 0))
    assert meaning("the digit 0 , tilted right , written lightly") == (0, (0, 1))
    assert meaning("a seven") == (7, (None, None))  # says nothing of the attributes
    assert meaning("a thick thin seven") == (7, (None, None))  # says both: neither is read


def test_every_caption_states_the_measured_attributes_of_its_digit(digits):
    pixels, labels, attributes = digits
    vocabulary = Vocabulary.of_captions()
    tg.manual_seed(0)
    words = CaptionedDigits(pixels, labels, attributes, vocabulary).batch(np.arange(len(pixels)))[1]
    sentences = vocabulary.decode(words)
    assert [meaning(s) for s in sentences] == [(int(y), tuple(int(v) for v in c)) for y, c in zip(labels, attributes)]
    # every template serves, about one caption in five each
    shares = np.mean([[s.startswith("the number"), s.startswith("the digit"), " and " in s, len(s.split()) <= 5]
                      for s in sentences], axis=0)
    assert np.all((shares > 0.1) & (shares < 0.45)), shares


def test_captions_name_the_digit_as_a_word_or_numeral_and_fix_the_article():
    rng = np.random.default_rng(0)
    written = captions([8] * 200, [(0, 0)] * 200, rng)
    assert all({"eight", "8"} & set(s.split()) for s in written)
    assert not any(" a upright" in f" {s}" or " a eight" in f" {s}" for s in written)
    assert any(s.startswith("an upright") for s in written) and any(s.startswith("an ") and "eight" in s for s in written)
    assert captions([3, 4], [(1, 0), (0, 1)], np.random.default_rng(5)) == captions([3, 4], [(1, 0), (0, 1)],
                                                                                      np.random.default_rng(5))


def test_the_held_out_combinations_are_found_by_hand_and_never_reach_training_captions(digits):
    labels = np.array([0, 0, 7, 7, 3])
    attributes = np.array([[0, 1], [1, 1], [1, 0], [1, 1], [0, 0]])
    assert is_held_out(labels, attributes).tolist() == [True, False, True, False, False]
    assert [held_out_name(c) for c in HELD_OUT] == ["thin zero", "upright seven"]
    pixels, labels, attributes = digits
    keep = ~is_held_out(labels, attributes)
    assert 0 < keep.sum() < len(keep)
    vocabulary = Vocabulary.of_captions()
    loader = tg.data.DataLoader(CaptionedDigits(pixels[keep], labels[keep], attributes[keep], vocabulary), 64, shuffle=True)
    said = [meaning(s) for epoch in range(3) for _, words in loader.batches(epoch) for s in vocabulary.decode(words.numpy())]
    assert len(said) == 3 * keep.sum()
    assert not any((digit, values[c.attribute]) == (c.digit, c.value) for digit, values in said for c in HELD_OUT)
    assert {(0, (1, 0)), (0, (1, 1)), (7, (0, 1)), (7, (1, 1))} <= set(said)  # zeros and sevens still, other ways


def test_the_vocabulary_round_trips_and_pads_with_zero():
    vocabulary = Vocabulary.of_captions()
    assert vocabulary.words[0] == "<pad>" and 30 <= len(vocabulary) <= 60 and set(DIGITS) <= set(vocabulary.words)
    sentences = ["a thick seven leaning right", "the number 7 , with thick strokes , slanted to the right"]
    rows = vocabulary.encode(sentences)
    assert rows.shape == (2, LENGTH) and rows.dtype == np.int64
    assert (rows[0, 5:] == 0).all() and (rows[0, :5] > 0).all() and (rows[1] > 0).all()  # the longest has no padding
    assert vocabulary.decode(rows) == sentences
    assert [vocabulary.words[i] for i in rows[0, :5]] == sentences[0].split()


def test_every_word_a_caption_can_use_is_in_the_vocabulary_and_fits():
    vocabulary, rng = Vocabulary.of_captions(), np.random.default_rng(1)
    written = captions(np.arange(400) % 10, np.stack([np.arange(400) % 2, np.arange(400) // 2 % 2], axis=1), rng)
    assert vocabulary.decode(vocabulary.encode(written)) == written


def test_bad_input_is_refused_with_what_to_do():
    vocabulary = Vocabulary.of_captions()
    with pytest.raises(ValueError, match=r"not in the vocabulary: \['purple'\]"):
        vocabulary.encode(["a purple seven"])
    with pytest.raises(ValueError, match="pass a larger length"):
        vocabulary.encode(["a thick seven leaning right"], length=3)
    with pytest.raises(ValueError, match="a digit 0-9 and 2 attributes of 0 or 1"):
        caption(10, (0, 1), np.random.default_rng(0))
    with pytest.raises(ValueError, match="one label and attribute row per digit"):
        CaptionedDigits(np.zeros((3, 28, 28)), [1, 2], np.zeros((3, 2)), vocabulary)
