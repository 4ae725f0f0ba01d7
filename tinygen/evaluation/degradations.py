"""Real digits made worse step by step: how a metric should respond to images that drift from the data.

A sample-quality metric earns trust by ranking what is obviously ranked. Each
degradation has a strength 0 (the digits unchanged) and grows from there:

    noise     x + s * N(0, 1), clipped to [0, 1]
    blur      a (2s + 1) x (2s + 1) box blur
    shuffle   a fraction s of the pixel positions permuted (the same permutation for every image)
    classes   only the digits of the first 10 - s classes, as many as before (mode dropping)

``tests/evaluation`` asserts that FID and KID (MNIST features) grow with each;
``benchmarks/evaluation_curves.py`` draws the curves.
"""
import numpy

STRENGTHS = {"noise": (0, 0.1, 0.25, 0.5), "blur": (0, 1, 2, 3), "shuffle": (0, 0.1, 0.3, 0.6), "classes": (0, 3, 6, 9)}


def degrade(images, labels, kind, strength, rng):
    """``images`` (N, 1, 28, 28) in [0, 1] with their ``labels``, degraded -> float32 images of the same shape."""
    if kind == "noise":
        return numpy.clip(images + strength * rng.standard_normal(images.shape), 0, 1).astype(numpy.float32)
    if kind == "blur":
        shifts = range(-strength, strength + 1)
        blurred = sum(numpy.roll(images, (dy, dx), axis=(2, 3)) for dy in shifts for dx in shifts)
        return (blurred / len(shifts) ** 2).astype(numpy.float32)
    if kind == "shuffle":
        flat = images.reshape(len(images), -1).copy()
        chosen = rng.choice(flat.shape[1], int(strength * flat.shape[1]), replace=False)
        flat[:, chosen] = flat[:, rng.permutation(chosen)]
        return flat.reshape(images.shape).astype(numpy.float32)
    if kind == "classes":
        pool = images[labels < 10 - strength]
        return pool[rng.choice(len(pool), len(images), replace=len(pool) < len(images))].astype(numpy.float32)
    raise ValueError(f"unknown degradation {kind!r}: choose one of {sorted(STRENGTHS)}")
