"""Agreement of images with their captions: real digits agree with their own, and a flipped attribute never does."""
import numpy as np
import pytest

from tinygen.data import grey, mnist
from tinygen.data.attributes import AttributeSplit
from tinygen.evaluation import embed, feature_network
from tinygen.evaluation.captioned import score_captioned


@pytest.fixture(scope="module")
def test_digits():
    data = mnist()
    split = AttributeSplit.at_median(grey(data.train.arrays[0]))
    pixels, labels = data.test.arrays
    images = grey(pixels[:300])  # (N, 1, 28, 28) in [0, 1]
    return images, labels[:300], split


def test_real_digits_described_truly_agree_with_every_attribute_and_read_as_the_network_reads_them(test_digits):
    images, labels, split = test_digits
    figures = score_captioned(images, labels, split(images), split)
    assert figures["attribute_agreement"] == figures["attribute_agreement_thickness"] == 1.0
    assert figures["attribute_agreement_slant"] == 1.0
    accuracy = np.mean(embed(feature_network(), images)[1].argmax(axis=1) == labels)
    assert figures["label_accuracy"] == figures["caption_agreement"] == pytest.approx(accuracy) and accuracy > 0.9


def test_a_caption_with_the_slant_flipped_agrees_on_thickness_only(test_digits):
    images, labels, split = test_digits
    flipped = split(images)
    flipped[:, 1] = 1 - flipped[:, 1]
    figures = score_captioned(images, (labels + 1) % 10, flipped, split)
    assert figures["attribute_agreement_thickness"] == 1.0 and figures["attribute_agreement_slant"] == 0.0
    assert figures["attribute_agreement"] == figures["caption_agreement"] == 0.0
    assert figures["label_accuracy"] < 0.05  # every label moved on by one


def test_images_and_captions_must_pair_up(test_digits):
    images, labels, split = test_digits
    with pytest.raises(ValueError, match="one label and attribute row per image"):
        score_captioned(images, labels[:10], split(images), split)
