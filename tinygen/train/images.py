"""Pictures of images: a batch as one grid (PNG), and frames over training as an animated GIF.

A batch of N images, each C x H x W (C = 1 grey, C = 3 colour, values in
[0, 1]), becomes one picture of ceil(N / nrow) rows of ``nrow`` images with
``padding`` pixels of mid grey between them:

    grid[r (H + p) + p + i, c (W + p) + p + j] = images[r * nrow + c, :, i, j]
"""
import math
import os

import numpy
from PIL import Image  # Pillow comes with matplotlib

from .. import backend

PAD_VALUE = 0.5  # mid grey: visible against white strokes on black and black on white alike


def image_grid(images, nrow=8, padding=2):
    """The images (N, C, H, W), an array or a Tensor, as one float array (H', W') or (H', W', 3)."""
    images = backend.to_host(getattr(images, "data", images))
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must have shape (N, 1 or 3, H, W), got {images.shape}")
    count, channels, height, width = images.shape
    rows = math.ceil(count / nrow)
    grid = numpy.full((channels, padding + rows * (height + padding), padding + nrow * (width + padding)), PAD_VALUE)
    for index, image in enumerate(images):
        top = padding + (index // nrow) * (height + padding)
        left = padding + (index % nrow) * (width + padding)
        grid[:, top : top + height, left : left + width] = image
    # A model's samples may overshoot [0, 1] a little; clipping shows them as the nearest valid grey.
    grid = numpy.clip(grid, 0.0, 1.0)
    return grid[0] if channels == 1 else grid.transpose(1, 2, 0)


def save_image_grid(images, path, nrow=8, padding=2):
    """Write ``image_grid(images, nrow, padding)`` to ``path`` as a PNG."""

    Image.fromarray(_to_bytes(image_grid(images, nrow, padding))).save(path)


def save_gif(frames, path, seconds_per_frame=0.3):
    """An animated GIF from ``frames``: image files (e.g. the saved grids of each epoch) or arrays in [0, 1]."""

    pictures = [Image.open(frame).convert("RGB") if isinstance(frame, (str, os.PathLike))
                else Image.fromarray(_to_bytes(numpy.asarray(frame))).convert("RGB") for frame in frames]  # fmt: skip
    if not pictures:
        raise ValueError(f"no frames for the GIF {path}: save some images first")
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=int(1000 * seconds_per_frame), loop=0)


def _to_bytes(picture):
    return numpy.round(picture * 255).astype(numpy.uint8)
