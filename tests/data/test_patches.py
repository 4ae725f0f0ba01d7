"""The key-patch sampler: the patches are the image where it says, the masks mark exactly there, draws repeat."""
import numpy as np
import pytest

from tinygen.data import ArrayDataset, DataLoader
from tinygen.data.patches import PatchLoader, _patch_means, cut_patches

SIZE = 4


def digits(n=6, seed=0):
    """Random 'digits': 12x12 grey images, blank but for a few random inked squares."""
    rng = np.random.default_rng(seed)
    images = np.zeros((n, 12, 12), np.float32)
    for image in images:
        for r, c in rng.integers(0, 10, (3, 2)):
            image[r : r + 3, c : c + 3] = rng.uniform(0.5, 1.0)
    return images


def test_the_only_inked_corner_is_the_one_drawn():
    image = np.zeros((1, 6, 6), np.float32)
    image[0, 2:4, 3:5] = 1.0  # a 2x2 block of ink: only corner (2, 3) gives a 2x2 patch of mean 1
    cut = cut_patches(image, 1, 2, np.random.default_rng(0), min_ink=1.0)
    assert cut.positions.tolist() == [[[2, 3]]]
    assert cut.patches.tolist() == [[[[1.0, 1.0], [1.0, 1.0]]]]
    expected = np.zeros((6, 6))
    expected[2:4, 3:5] = 1
    assert np.array_equal(cut.masks[0, 0], expected)


def test_each_patch_is_the_image_at_its_position_and_its_mask_is_one_exactly_there():
    images = digits()
    cut = cut_patches(images, np.array([1, 2, 3, 3, 2, 1]), SIZE, np.random.default_rng(1), max_patches=3)
    assert cut.patches.shape == (6, 3, SIZE, SIZE) and cut.masks.shape == (6, 3, 12, 12)
    assert cut.present.sum(1).tolist() == [1, 2, 3, 3, 2, 1]
    for i in range(6):
        for j in range(3):
            r, c = cut.positions[i, j]
            if not cut.present[i, j]:  # the absent ones are empty
                assert (r, c) == (-1, -1) and not cut.patches[i, j].any() and not cut.masks[i, j].any()
                continue
            assert 0 <= r <= 12 - SIZE and 0 <= c <= 12 - SIZE  # inside the image
            assert np.array_equal(cut.patches[i, j], images[i, r : r + SIZE, c : c + SIZE])
            rows, columns = np.nonzero(cut.masks[i, j])
            assert cut.masks[i, j].sum() == SIZE * SIZE and set(cut.masks[i, j].ravel()) == {0.0, 1.0}
            assert (rows.min(), rows.max(), columns.min(), columns.max()) == (r, r + SIZE - 1, c, c + SIZE - 1)


def test_patches_hold_ink_and_lie_apart_where_the_digit_allows():
    images = digits(20)
    cut = cut_patches(images, 3, SIZE, np.random.default_rng(2), min_ink=0.2)
    means = _patch_means(images, SIZE)
    for i in range(20):
        corners = cut.positions[i]
        inked = means[i] >= 0.2
        if inked.sum() >= 3:
            assert all(inked[r, c] for r, c in corners)
        assert len({tuple(corner) for corner in corners}) == 3  # distinct corners, always


def test_window_means_equal_the_brute_force_ones():
    images = digits(2)
    brute = np.array([[[images[i, r : r + SIZE, c : c + SIZE].mean() for c in range(9)] for r in range(9)]
                      for i in range(2)])  # fmt: skip
    assert np.allclose(_patch_means(images, SIZE), brute)


def test_the_same_seed_cuts_the_same_patches_and_another_seed_others():
    images = digits()
    a, b = (cut_patches(images, 3, SIZE, np.random.default_rng(7)) for _ in range(2))
    c = cut_patches(images, 3, SIZE, np.random.default_rng(8))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a.positions, c.positions)


@pytest.mark.parametrize("kwargs, message", [({"size": 13}, "patch size"), ({"counts": 0}, "counts"),
                                             ({"counts": 4, "max_patches": 3}, "counts")])  # fmt: skip
def test_bad_requests_say_what_was_wrong(kwargs, message):
    arguments = {"images": digits(2), "counts": 1, "size": SIZE, "rng": np.random.default_rng(0)} | kwargs
    with pytest.raises(ValueError, match=message):
        cut_patches(**arguments)


def test_the_loader_cuts_signed_patches_and_the_union_mask_reproducibly_per_batch():
    images = digits(10)
    base = DataLoader(ArrayDataset(images[:, None], np.arange(10)), 4, shuffle=True, seed=3)
    loader = PatchLoader(base, SIZE, max_patches=3, seed=5)
    assert len(loader) == 3
    first = list(loader.batches(epoch=1))
    (y, patches, present, mask), labels = first[1]
    assert y.shape == (4, 1, 12, 12) and patches.shape == (4, 3, SIZE, SIZE) and present.shape == (4, 3)
    assert np.array_equal(y.numpy(), images[labels.numpy()][:, None] * 2 - 1)
    assert patches.numpy().min() >= -1 and set(present.numpy().ravel()) <= {0.0, 1.0}
    rng = np.random.default_rng([5, 1, 1])  # batch 1 of epoch 1 is cut by the generator seeded (seed, 1, 1)
    cut = cut_patches(images[labels.numpy()], rng.integers(1, 4, 4), SIZE, rng, max_patches=3)
    assert np.array_equal(patches.numpy(), cut.patches * 2 - 1) and np.array_equal(present.numpy(), cut.present)
    assert np.array_equal(mask.numpy()[:, 0], cut.masks.max(1))  # the union of the present patches' squares
    again = list(loader.batches(epoch=1, start=1))  # resuming at batch 1 cuts what the full epoch cut there
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(first[1][0], again[0][0]))
