"""Captions for digits, written from what the digit is and how it is drawn: text-to-image's training text.

Reed et al. (2016) generate birds and flowers from sentences people wrote.
MNIST has no sentences, so we write them: each digit's caption names its
label and its two measured attributes (``tinygen.data.attributes``: thick or
thin stroke, slanted or upright, split at the training digits' medians),
in one of five templates with synonyms for each word, drawn at random:

    a {thick} {digit} {leaning right}              a thick seven leaning right
    the number {7} , {written boldly} , {...}      the number 7 , written boldly , slanted to the right
    a {slanted} {thick} {digit}                    an upright thin zero
    {digit} {with thick strokes} and {...}         seven in heavy ink and tilted right
    the digit {digit or 7} , {...} , {...}         the digit 7 , standing straight , with thin strokes

The words of one attribute value never serve another (no "right" in the
upright phrases), so a caption's meaning can be read back by looking for
them (``meaning``): the tests check that every caption says what was
measured. The vocabulary is a few dozen words; sentences become fixed-length
rows of word indices, padded with index 0 (``Vocabulary``).

To test composition, some combinations are held out of training (``HELD_OUT``):
no training caption describes a thin zero or an upright seven, although thin
digits, zeros, upright digits and sevens are all there. The text-to-image
example asks for them at the end.
"""
from collections import namedtuple

import numpy

from ..random import generator
from .attributes import AttributeSplit
from .dataset import Dataset

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
# For each attribute, in AttributeSplit.ATTRIBUTES' order, and each of its values (0, 1): the adjectives and the phrases.
ADJECTIVES = ((("thin", "light", "fine"), ("thick", "bold", "heavy")),
              (("upright", "straight"), ("slanted", "leaning", "tilted")))  # fmt: skip
PHRASES = ((("with thin strokes", "written lightly", "in fine ink"), ("with thick strokes", "written boldly", "in heavy ink")),
           (("upright", "standing straight", "straight up"), ("leaning right", "slanted to the right", "tilted right")))  # fmt: skip
TEMPLATES = (
    "a {adjective0} {word} {phrase1}",
    "the number {numeral} , {phrase0} , {phrase1}",
    "a {adjective1} {adjective0} {word}",
    "{word} {phrase0} and {phrase1}",
    "the digit {digit} , {phrase1} , {phrase0}",
)
PAD = "<pad>"
LENGTH = 12  # words in the longest caption ("the number 7 , with thick strokes , slanted to the right")
SHARED = {"with", "strokes", "written", "in", "ink", "to", "the"}  # phrase words that say nothing of the value

HeldOut = namedtuple("HeldOut", ["digit", "attribute", "value"])
HELD_OUT = (HeldOut(0, 0, 0), HeldOut(7, 1, 0))  # thin zeros, upright sevens (attribute indices into ATTRIBUTES)


def held_out_name(combination):
    """'thin zero' for HeldOut(0, 0, 0)."""
    names = list(AttributeSplit.ATTRIBUTES.values())[combination.attribute][1]
    return f"{names[combination.value]} {DIGITS[combination.digit]}"


def is_held_out(labels, attributes):
    """(N,) bool: the digits (labels (N,), attributes (N, k) of 0/1) whose description is a held-out combination."""
    labels, attributes = numpy.asarray(labels), numpy.asarray(attributes)
    held = numpy.zeros(len(labels), dtype=bool)
    for combination in HELD_OUT:
        held |= (labels == combination.digit) & (attributes[:, combination.attribute] == combination.value)
    return held


def caption(label, attributes, rng):
    """One sentence (words separated by spaces) describing digit ``label`` with ``attributes`` (k values of 0/1)."""
    label, values = int(label), [int(value) for value in attributes]
    if not 0 <= label < 10 or len(values) != len(ADJECTIVES) or set(values) - {0, 1}:
        raise ValueError(f"a caption needs a digit 0-9 and {len(ADJECTIVES)} attributes of 0 or 1, got {label}, {values}")

    def pick(options):
        return options[rng.integers(len(options))]

    slots = {"word": DIGITS[label], "numeral": str(label), "digit": pick((DIGITS[label], str(label)))}
    for i, value in enumerate(values):
        slots[f"adjective{i}"], slots[f"phrase{i}"] = pick(ADJECTIVES[i][value]), pick(PHRASES[i][value])
    words = pick(TEMPLATES).format(**slots).split()
    return " ".join("an" if word == "a" and following[0] in "aeiou" else word
                    for word, following in zip(words, words[1:] + [""]))  # fmt: skip


def captions(labels, attributes, rng):
    """A caption for each digit, [str] (N,)."""
    return [caption(label, values, rng) for label, values in zip(labels, attributes)]


def meaning(sentence):
    """(digit, (value of each attribute)) that ``sentence`` states, read from its words; None where it names none."""
    words = set(sentence.split())
    digits = [d for d in range(10) if {DIGITS[d], str(d)} & words]
    values = []
    for adjectives, phrases in zip(ADJECTIVES, PHRASES):
        said = [value for value in (0, 1)
                if words & {word for text in adjectives[value] + phrases[value] for word in text.split()} - SHARED]  # fmt: skip
        values.append(said[0] if len(said) == 1 else None)
    return (digits[0] if len(digits) == 1 else None), tuple(values)


class Vocabulary:
    """Words <-> indices; index 0 is padding. ``encode`` sentences to (N, length) int64 rows, ``decode`` back."""

    def __init__(self, words):
        self.words = [PAD] + sorted(set(words) - {PAD})
        self.index = {word: i for i, word in enumerate(self.words)}

    @classmethod
    def of_captions(cls):
        """Every word any template can write."""
        texts = [t for template in TEMPLATES for t in template.split() if "{" not in t] + ["an", *DIGITS]
        texts += [str(d) for d in range(10)]
        texts += [text for groups in (ADJECTIVES, PHRASES) for values in groups for options in values for text in options]
        return cls(word for text in texts for word in text.split())

    def __len__(self):
        return len(self.words)

    def encode(self, sentences, length=LENGTH):
        rows = numpy.zeros((len(sentences), length), dtype=numpy.int64)
        for row, sentence in zip(rows, sentences):
            words = sentence.split()
            unknown = [word for word in words if word not in self.index]
            if unknown:
                raise ValueError(f"words not in the vocabulary: {unknown} in {sentence!r}; known: {' '.join(self.words[1:])}")
            if len(words) > length:
                raise ValueError(f"{sentence!r} has {len(words)} words, more than length={length}: pass a larger length")
            row[: len(words)] = [self.index[word] for word in words]
        return rows

    def decode(self, rows):
        return [" ".join(self.words[i] for i in row if i != 0) for row in numpy.asarray(rows)]


class CaptionedDigits(Dataset):
    """Digits and a caption of each, drawn afresh every time a batch is made: ``(transform(pixels), words (N, LENGTH))``.

    ``attributes``: (N, k) of 0/1, measured (``AttributeSplit``). The captions are drawn by tinygen's
    CPU generator (``tinygen.manual_seed``), whose state a checkpoint saves, as dynamic binarisation's draws are.
    """

    def __init__(self, pixels, labels, attributes, vocabulary, transform=None):
        if not len(pixels) == len(labels) == len(attributes):
            raise ValueError(f"one label and attribute row per digit: got {len(pixels)}, {len(labels)}, {len(attributes)}")
        self.pixels, self.labels, self.attributes = pixels, numpy.asarray(labels), numpy.asarray(attributes)
        self.vocabulary, self.transform = vocabulary, transform

    def __len__(self):
        return len(self.pixels)

    def __getitem__(self, index):
        return tuple(column[0] for column in self.batch(numpy.array([index])))

    def batch(self, indices):
        pixels = self.pixels[indices]
        words = self.vocabulary.encode(captions(self.labels[indices], self.attributes[indices], generator()))
        return (self.transform(pixels) if self.transform else pixels), words
