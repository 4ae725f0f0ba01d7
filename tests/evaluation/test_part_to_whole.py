"""The part-to-whole figures: pasting, the patch error and the mask IoU by hand, and an oracle that scores perfectly."""
import numpy as np
import pytest

from tinygen.data import mnist
from tinygen.data.patches import cut_patches
from tinygen.data.pixels import grey
from tinygen.evaluation.part_to_whole import mask_iou, paste, patch_l1, score_part_to_whole


def test_paste_copies_the_present_patches_in_and_leaves_the_rest():
    background = np.zeros((1, 1, 4, 4), np.float32)
    patches = np.array([[[[1, 2], [3, 4]], [[9, 9], [9, 9]]]], np.float32)
    pasted = paste(background, patches, np.array([[[1, 2], [-1, -1]]]))  # the second patch is absent
    expected = np.zeros((4, 4))
    expected[1:3, 2:4] = [[1, 2], [3, 4]]
    assert np.array_equal(pasted[0, 0], expected) and not background.any()


def test_patch_l1_is_the_mean_absolute_error_under_each_present_patch():
    images = np.zeros((2, 1, 4, 4), np.float32)
    images[1, 0] = 1.0
    patches = np.full((2, 2, 2, 2), 0.25, np.float32)
    positions = np.array([[[0, 0], [2, 2]], [[1, 1], [-1, -1]]])
    # image 0: two patches, each |0 - 0.25| = 0.25; image 1: one patch, |1 - 0.25| = 0.75; mean over the three
    assert patch_l1(images, patches, positions) == pytest.approx((0.25 + 0.25 + 0.75) / 3)


def test_mask_iou_by_hand():
    predicted = np.array([[[0.9, 0.6, 0.4, 0.0]], [[0.0, 0.0, 0.0, 0.0]]])
    true = np.array([[[1, 0, 1, 0]], [[0, 0, 0, 0]]])
    # image 0: {0, 1} against {0, 2}: one shared of three; image 1: both empty, agreeing: 1
    assert mask_iou(predicted, true) == pytest.approx((1 / 3 + 1) / 2)


def test_an_oracle_that_returns_the_real_digit_and_true_mask_scores_the_real_figures():
    data = mnist(None)
    (train_pixels, _), (test_pixels, test_labels) = data.train.arrays, data.test.arrays
    images, labels, reference = grey(test_pixels[:60]), test_labels[:60], grey(train_pixels[:300])

    true_masks = {k: cut_patches(images, k, 8, np.random.default_rng([4, k]), 3).masks.max(1, keepdims=True)
                  for k in (1, 2, 3)}  # the scorer's own draws (seed 4, k)

    def oracle(patches, present):
        return images, true_masks[int(present.sum(1).max())]

    figures, completions = score_part_to_whole(oracle, images, labels, reference, 8, seed=4)
    for k in (1, 2, 3):
        assert figures[f"k{k}_accuracy"] == figures["real_accuracy"] >= 0.9
        assert figures[f"k{k}_patch_l1"] == 0.0 and figures[f"k{k}_mask_iou"] == 1.0
        assert figures[f"k{k}_fid"] == pytest.approx(figures["real_fid"])
        assert figures[f"k{k}_mean_patch_l1"] > 0.1  # the mean digit does not hold the patches
        assert figures[f"k{k}_paste_accuracy"] <= figures["real_accuracy"]
        assert completions[k][0].present.sum(1).tolist() == [k] * 60
