"""Key patches cut from digits, for part-to-whole generation (Puzzle-GAN): the pieces, where they came from, and
``PatchLoader``, which cuts them afresh for every batch.

From an image y (H, W) in [0, 1] ``cut_patches`` cuts k square patches of side s,

    patch_j = y[r_j : r_j + s, c_j : c_j + s]          (r_j, c_j) the top-left corner, 0 <= r_j, c_j <= H - s
    M_j     = 1 on rows r_j .. r_j + s - 1 and columns c_j .. c_j + s - 1, else 0     (H, W)

Only corners whose patch holds ink are drawn (mean grey >= ``min_ink``: a patch
of blank paper says nothing about the digit), uniformly among them, and each
later corner at least s/2 rows or columns away from the earlier ones where
that leaves a choice, so that the pieces show different parts of the digit
(the paper's key patches are different parts of a face: eyes, nose, mouth).
The corners are drawn in a random order, so the patch order says nothing about
where a patch belongs: the model sees the patches only, never the positions.

Every image has room for ``max_patches``; image i gets ``counts[i]`` of them
(1 .. max_patches) and the rest are left empty: patch 0, position (-1, -1),
mask 0, ``present`` False. The model sums over the present ones.
"""
from collections import namedtuple

import numpy

from .. import backend
from ..tensor import Tensor

Patches = namedtuple("Patches", ["patches", "positions", "masks", "present"])
Patches.__doc__ = """patches (N, K, s, s), positions (N, K, 2) int top-left (row, column), masks (N, K, H, W) float32
in {0, 1}, present (N, K) bool; the K - counts[i] absent ones of image i zero, at (-1, -1)."""


def cut_patches(images, counts, size, rng, max_patches=None, min_ink=0.2):
    """Cut ``counts[i]`` patches of side ``size`` from each image (N, H, W) in [0, 1]; -> ``Patches``.

    ``counts``: one int for all images or (N,) ints; ``rng``: a NumPy Generator (the draws are its own).
    """
    images = numpy.asarray(images, dtype=numpy.float32)
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"cut_patches takes grey images (N, H, W) or (N, 1, H, W), got shape {images.shape}")
    n, height, width = images.shape
    if not 0 < size <= min(height, width):
        raise ValueError(f"patch size must be in 1..{min(height, width)} for {height}x{width} images, got {size}")
    counts = numpy.broadcast_to(numpy.asarray(counts), (n,))
    max_patches = int(counts.max(initial=1)) if max_patches is None else max_patches
    if counts.dtype.kind not in "iu" or counts.min(initial=1) < 1 or counts.max(initial=1) > max_patches:
        raise ValueError(f"counts must be integers in 1..max_patches={max_patches}, got {counts.min()}..{counts.max()}")
    patches = numpy.zeros((n, max_patches, size, size), numpy.float32)
    positions = numpy.full((n, max_patches, 2), -1, numpy.int64)
    masks = numpy.zeros((n, max_patches, height, width), numpy.float32)
    ink = _patch_means(images, size) >= min_ink  # (N, H - s + 1, W - s + 1): corners whose patch has ink
    for i in range(n):
        for j, (r, c) in enumerate(_draw_corners(ink[i], int(counts[i]), size, rng)):
            patches[i, j] = images[i, r : r + size, c : c + size]
            positions[i, j] = r, c
            masks[i, j, r : r + size, c : c + size] = 1
    return Patches(patches, positions, masks, positions[..., 0] >= 0)


def _patch_means(images, size):
    """The mean of every size x size window, by an integral image: (N, H - size + 1, W - size + 1)."""
    total = numpy.pad(images.astype(numpy.float64).cumsum(1).cumsum(2), ((0, 0), (1, 0), (1, 0)))
    sums = total[:, size:, size:] - total[:, :-size, size:] - total[:, size:, :-size] + total[:, :-size, :-size]
    return sums / size**2


def _draw_corners(ink, k, size, rng):
    """k distinct corners: inked ones first, each at least size/2 rows or columns away from the earlier if possible."""
    corners, inked = numpy.argwhere(numpy.ones_like(ink)), ink.reshape(-1)
    chosen = []
    for _ in range(k):
        apart = numpy.all([(numpy.abs(corners - c) >= size / 2).any(1) for c in chosen], axis=0)
        free = ~numpy.any([(corners == c).all(1) for c in chosen], axis=0)
        keep = next(keep for keep in (inked & apart, inked & free, apart, free) if keep.any())
        chosen.append(corners[rng.choice(numpy.flatnonzero(keep))])
    return chosen


class PatchLoader:
    """Batches ``((y, patches, present, mask), labels)`` of digits and key patches cut afresh from each batch.

    ``loader`` yields (images (B, 1, H, W) in [0, 1], labels). Each image gets 1 .. ``max_patches`` patches
    (uniformly many, so that one model learns from one, two or three pieces); batch b of epoch e is cut by a
    generator seeded (seed, e, b), so a resumed run cuts the same. Out come tensors on the loader's device:
    y and the patches in [-1, 1] (a tanh generator's range), ``present`` (B, K) float 0/1 and the union of
    the patches' masks M = max_j M_j (B, 1, H, W), the paper's single mask.
    """

    def __init__(self, loader, size=8, max_patches=3, seed=0, min_ink=0.2):
        self.loader, self.size, self.max_patches, self.seed, self.min_ink = loader, size, max_patches, seed, min_ink
        self._epochs_started = 0

    def __len__(self):
        return len(self.loader)

    def batches(self, epoch=0, start=0):
        for number, (images, labels) in enumerate(self.loader.batches(epoch, start), start):
            rng = numpy.random.default_rng([self.seed, epoch, number])
            images = images.numpy()
            cut = cut_patches(images, rng.integers(1, self.max_patches + 1, len(images)), self.size, rng,
                              self.max_patches, self.min_ink)  # fmt: skip
            arrays = (images * 2 - 1, cut.patches * 2 - 1, cut.present.astype(numpy.float32),
                      cut.masks.max(1, keepdims=True))  # fmt: skip
            device = self.loader.device
            yield tuple(Tensor(backend.to_device(numpy.ascontiguousarray(a), device)) for a in arrays), labels

    def __iter__(self):
        epoch, self._epochs_started = self._epochs_started, self._epochs_started + 1
        return self.batches(epoch)
