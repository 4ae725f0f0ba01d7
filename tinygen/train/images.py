"""Pictures of images: a batch as one grid (PNG), and frames over training as an animated GIF.

A batch of N images, each C x H x W (C = 1 grey, C = 3 colour, values in
[0, 1]), becomes one picture of ceil(N / nrow) rows of ``nrow`` images with
``padding`` pixels of mid grey between them:

    grid[r (H + p) + p + i, c (W + p) + p + j] = images[r * nrow + c, :, i, j]

Images in another range, such as a GAN's [-1, 1], are mapped to [0, 1] with
torchvision's ``normalize=True``: x <- (clamp(x, lo, hi) - lo) / (hi - lo),
with (lo, hi) = ``value_range``, or the batch's (each image's, with
``scale_each``) minimum and maximum. ``save_image_grid`` can write a label
beside each row, in a white margin on the left.
"""
import math
import os

import numpy
from PIL import Image, ImageDraw, ImageFont  # Pillow comes with matplotlib

from .. import backend

PAD_VALUE = 0.5  # mid grey: visible against white strokes on black and black on white alike
LABEL_GAP = 4  # pixels between a row label and the margin's edges


def image_grid(images, nrow=8, padding=2, *, normalize=False, value_range=None, scale_each=False):
    """The images (N, C, H, W), an array or a Tensor, as one float array (H', W') or (H', W', 3)."""
    images = backend.to_host(getattr(images, "data", images))
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"images must have shape (N, 1 or 3, H, W), got {images.shape}")
    if normalize:
        images = _normalized(images, value_range, scale_each)
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


def _normalized(images, value_range, scale_each):
    """(clamp(x, lo, hi) - lo) / (hi - lo), as torchvision's make_grid(normalize=True); a flat image stays 0."""
    images = images.astype(numpy.float64)
    if value_range is not None:
        low, high = (numpy.full((len(images), 1, 1, 1), bound, dtype=numpy.float64) for bound in value_range)
    else:
        axes = (1, 2, 3) if scale_each else (0, 1, 2, 3)
        low, high = images.min(axis=axes, keepdims=True), images.max(axis=axes, keepdims=True)
    return (numpy.clip(images, low, high) - low) / numpy.maximum(high - low, 1e-5)


def save_image_grid(images, path, nrow=8, padding=2, *, normalize=False, value_range=None, scale_each=False,
                    row_labels=None):  # fmt: skip
    """Write ``image_grid(images, nrow, padding, ...)`` to ``path`` as a PNG; ``row_labels`` (one text per
    row) are written in a margin to the left of the rows."""

    picture = Image.fromarray(_to_bytes(image_grid(images, nrow, padding, normalize=normalize,
                                                   value_range=value_range, scale_each=scale_each)))  # fmt: skip
    if row_labels is not None:
        row_labels, rows = list(row_labels), math.ceil(len(images) / nrow)
        if len(row_labels) != rows:
            raise ValueError(f"row_labels: {len(row_labels)} labels for a grid of {rows} rows (nrow={nrow})")
        picture = _with_row_labels(picture, row_labels, padding)
    picture.save(path)


def _with_row_labels(picture, labels, padding):
    """``picture`` (a grid of len(labels) rows) with a white margin on its left, each label centred on its row."""
    font = ImageFont.load_default()
    boxes = [font.getbbox(label) for label in labels]
    margin = max(right for _, _, right, _ in boxes) + 2 * LABEL_GAP
    row_height = (picture.height - padding) / len(labels)
    labelled = Image.new(picture.mode, (picture.width + margin, picture.height), "white")
    labelled.paste(picture, (margin, 0))
    draw = ImageDraw.Draw(labelled)
    for row, (label, (_, top, right, bottom)) in enumerate(zip(labels, boxes)):
        centre = padding + (row + 0.5) * row_height - padding / 2
        draw.text((margin - LABEL_GAP - right, centre - (top + bottom) / 2), label, fill="black", font=font)
    return labelled


def save_gif(frames, path, seconds_per_frame=0.3):
    """An animated GIF from ``frames``: image files (e.g. the saved grids of each epoch) or arrays in [0, 1]."""

    pictures = [Image.open(frame).convert("RGB") if isinstance(frame, (str, os.PathLike))
                else Image.fromarray(_to_bytes(numpy.asarray(frame))).convert("RGB") for frame in frames]  # fmt: skip
    if not pictures:
        raise ValueError(f"no frames for the GIF {path}: save some images first")
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=int(1000 * seconds_per_frame), loop=0)


def _to_bytes(picture):
    return numpy.round(picture * 255).astype(numpy.uint8)
