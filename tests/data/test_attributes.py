"""Stroke thickness and slant measured on the digits, and the median split into binary attributes."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.data import mnist
from tinygen.data.attributes import AttributeSplit, perimeter, slant, thickness


def bar(width, length=20, size=28):
    """A vertical bar of ``width`` x ``length`` ink pixels, centred."""
    image = np.zeros((size, size))
    top, left = (size - length) // 2, (size - width) // 2
    image[top : top + length, left : left + width] = 1.0
    return image


def sheared_line(shear, size=28):
    """A line one pixel wide through the centre whose x moves ``shear`` pixels right per pixel up (anti-aliased)."""
    image = np.zeros((size, size))
    for row in range(4, size - 4):
        x = size / 2 + shear * (size / 2 - row)  # row above the centre: y > 0
        left = int(np.floor(x))
        image[row, left], image[row, left + 1] = 1 - (x - left), x - left
    return image


def test_a_bar_has_the_hand_counted_perimeter_and_thickness():
    # a 3 x 20 bar: its outline is 2 (20 + 3) = 46 edges, its ink 60, so w = 60 / 23
    assert perimeter(bar(3)[None]) == [46.0]
    np.testing.assert_allclose(thickness(bar(3)[None]), [60 / 23])


def test_thicker_strokes_measure_thicker_whatever_their_length():
    images = np.stack([bar(1, 20), bar(2, 12), bar(3, 20), bar(4, 8), bar(5, 20)])
    assert np.all(np.diff(thickness(images)) > 0)


def test_a_ring_counts_both_sides_of_its_stroke():
    # a 12 x 12 square with an 8 x 8 hole: a stroke 2 pixels wide, ink 144 - 64 = 80, outline 48 outside + 32
    # inside = 80 edges, so w = 80 / 40 = 2 exactly
    ring = np.zeros((1, 28, 28))
    ring[0, 8:20, 8:20] = 1
    ring[0, 10:18, 10:18] = 0
    assert perimeter(ring) == [80.0]
    assert thickness(ring) == [2.0]


@pytest.mark.parametrize("shear", [-0.4, -0.2, 0.2, 0.4])
def test_a_sheared_line_has_the_slant_of_its_shear(shear):
    np.testing.assert_allclose(slant(sheared_line(shear)[None]), [shear], atol=0.01)


def test_slant_changes_sign_with_a_mirror_image_and_is_zero_upright():
    digits = mnist().train.arrays[0][:50] / 255.0
    np.testing.assert_allclose(slant(digits[:, :, ::-1]), -slant(digits), atol=1e-12)
    assert slant(bar(3)[None]) == [0.0]


def test_no_ink_gives_zeros_not_nans():
    blank = np.zeros((2, 1, 28, 28))
    assert thickness(blank).tolist() == [0.0, 0.0] and slant(blank).tolist() == [0.0, 0.0]


def test_tensors_and_channel_axes_are_measured_alike():
    images = np.stack([bar(2), sheared_line(0.3)])
    np.testing.assert_array_equal(slant(tg.tensor(images[:, None], dtype=tg.float32)),
                                  slant(images.astype(np.float32)))  # fmt: skip


def test_signed_images_are_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"\(x \+ 1\) / 2"):
        thickness(bar(3)[None] * 2 - 1)
    with pytest.raises(ValueError, match="shape"):
        slant(np.zeros((28, 28)))


def test_the_median_split_halves_the_training_digits_and_nearly_halves_the_test_digits():
    data = mnist()
    train, test = data.train.arrays[0] / 255.0, data.test.arrays[0] / 255.0
    split = AttributeSplit.at_median(train)
    np.testing.assert_array_equal(split(train).mean(axis=0), [0.5, 0.5])
    assert np.all(np.abs(split(test).mean(axis=0) - 0.5) < 0.05)
    assert set(np.unique(split(test))) == {0.0, 1.0}


def test_domains_and_their_names():
    np.testing.assert_array_equal(AttributeSplit.domains(), [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert AttributeSplit.domain_name([1, 0]) == "thick, upright"
    with pytest.raises(ValueError, match="one threshold per attribute"):
        AttributeSplit([1.0])
