"""Toy 2-D data sets for GANs and diffusion, each with a known layout of K modes.

    ring          8 Gaussians, std 0.02, centred on a circle of radius 2
    grid          25 Gaussians, std 0.05, centred on a 5x5 grid with spacing 2
    swiss_roll    the spiral (t cos t, t sin t) / 5, t in [1.5 pi, 4.5 pi], plus noise
                  of std 0.1; its K = 6 modes are six equal stretches of t
    moons         two interleaved half circles of radius 1, noise std 0.05; K = 2
    checkerboard  uniform on the 8 dark squares of a 4x4 board covering [-2, 2]^2

Knowing the modes lets us grade a generator the way the mode-collapse
literature does (Metz et al. 2017, Srivastava et al. 2017):

    assign(x)  = the mode x lies on: for a Gaussian the nearest centre, for a
                 curve the stretch of its nearest point, within 3 noise stds
                 (inside the square, for the checkerboard); -1 when none;
    quality    = the fraction of samples that lie on some mode;
    covered    = the number of modes that receive at least ``min_share`` of
                 their fair share n / K of the samples.

A generator that has collapsed onto a few modes has high quality and low
coverage; a blurry one the reverse. Every data set draws ``sample(n, seed)``
points with the mode of each.
"""
import math
from dataclasses import dataclass

import numpy

from ..random import generator
from .dataset import ArrayDataset

NOISE_STDS_ON_MODE = 3.0  # a 2-D Gaussian puts 98.9% of its mass within 3 stds of its centre


@dataclass
class Coverage:
    covered: int
    modes: int
    quality: float


class Toy2D:
    """A 2-D distribution with ``num_modes`` known modes; subclasses define ``_draw`` and ``assign``."""

    name = "toy"
    num_modes = 0

    def sample(self, n, seed=None):
        """n points, float32 (n, 2), and the mode each was drawn from, int64 (n,).

        ``seed`` None draws from tinygen's generator (``tinygen.manual_seed``).
        """
        rng = generator() if seed is None else numpy.random.default_rng(seed)
        points, modes = self._draw(int(n), rng)
        return points.astype(numpy.float32), modes.astype(numpy.int64)

    def sample_modes(self, modes, seed=None):
        """One point on each of ``modes`` (int array (n,), values in [0, num_modes)), float32 (n, 2)."""
        modes = numpy.asarray(modes)
        if modes.ndim != 1 or not numpy.issubdtype(modes.dtype, numpy.integer) or (
                len(modes) and not 0 <= modes.min() <= modes.max() < self.num_modes):  # fmt: skip
            raise ValueError(f"{self.name}: modes must be integers in [0, {self.num_modes}), one per point; got {modes!r}")
        rng = generator() if seed is None else numpy.random.default_rng(seed)
        return self._draw_on(modes.astype(numpy.int64), rng).astype(numpy.float32)

    def dataset(self, n, seed=None):
        """n points as an ``ArrayDataset`` of (point, mode) pairs."""
        return ArrayDataset(*self.sample(n, seed))

    def coverage(self, points, min_share=0.2):
        """How many modes ``points`` (e.g. a generator's samples) cover, and what fraction lies on a mode."""
        modes = self.assign(numpy.asarray(points, dtype=numpy.float64))
        counts = numpy.bincount(modes[modes >= 0], minlength=self.num_modes)
        fair_share = len(modes) / self.num_modes
        return Coverage(int((counts >= min_share * fair_share).sum()), self.num_modes, float((modes >= 0).mean()))

    def __repr__(self):
        return f"<{self.name}: {self.num_modes} modes>"


class GaussianMixture2D(Toy2D):
    """Equal-weight Gaussians of standard deviation ``std`` at ``centres`` (K, 2)."""

    def __init__(self, name, centres, std):
        self.name, self.centres, self.std = name, numpy.asarray(centres, dtype=numpy.float64), std
        self.num_modes = len(self.centres)

    def _draw(self, n, rng):
        modes = rng.integers(self.num_modes, size=n)
        return self._draw_on(modes, rng), modes

    def _draw_on(self, modes, rng):
        return self.centres[modes] + self.std * rng.standard_normal((len(modes), 2))

    def assign(self, points):
        nearest, on_mode = _nearest_within(points, self.centres, NOISE_STDS_ON_MODE * self.std)
        return numpy.where(on_mode, nearest, -1)


class NoisyCurve(Toy2D):
    """Points ``curve(s) + noise * N(0, I)`` for s ~ U[0, 1); mode k is the stretch k/K <= s < (k+1)/K."""

    _RESOLUTION = 1024  # points of the curve that ``assign`` compares with: spaced far below the noise

    def __init__(self, name, curve, num_modes, noise):
        self.name, self.curve, self.num_modes, self.noise = name, curve, num_modes, noise
        self._grid = (numpy.arange(self._RESOLUTION) + 0.5) / self._RESOLUTION
        self._grid_points = curve(self._grid)
        self.centres = curve((numpy.arange(num_modes) + 0.5) / num_modes)

    def _draw(self, n, rng):
        s = rng.random(n)
        return self.curve(s) + self.noise * rng.standard_normal((n, 2)), self._mode_of(s)

    def _draw_on(self, modes, rng):
        return self.curve((modes + rng.random(len(modes))) / self.num_modes) + self.noise * rng.standard_normal((len(modes), 2))

    def _mode_of(self, s):
        return numpy.minimum((s * self.num_modes).astype(numpy.int64), self.num_modes - 1)

    def assign(self, points):
        nearest, on_mode = _nearest_within(points, self._grid_points, NOISE_STDS_ON_MODE * self.noise)
        return numpy.where(on_mode, self._mode_of(self._grid[nearest]), -1)


class Checkerboard(Toy2D):
    """Uniform on the dark squares (i + j even) of a ``side`` x ``side`` board of unit squares, centred at 0."""

    def __init__(self, side=4):
        self.name, self.side = "checkerboard", side
        self.dark = numpy.array([(i, j) for j in range(side) for i in range(side) if (i + j) % 2 == 0])
        self.num_modes = len(self.dark)
        self.centres = self.dark + 0.5 - side / 2
        self._mode_of_square = numpy.full((side, side), -1)
        self._mode_of_square[self.dark[:, 0], self.dark[:, 1]] = numpy.arange(self.num_modes)

    def _draw(self, n, rng):
        modes = rng.integers(self.num_modes, size=n)
        return self._draw_on(modes, rng), modes

    def _draw_on(self, modes, rng):
        return self.dark[modes] - self.side / 2 + rng.random((len(modes), 2))

    def assign(self, points):
        square = numpy.floor(points + self.side / 2).astype(numpy.int64)
        on_board = ((square >= 0) & (square < self.side)).all(axis=1)
        square = numpy.where(on_board[:, None], square, 0)
        return numpy.where(on_board, self._mode_of_square[square[:, 0], square[:, 1]], -1)


def _nearest_within(points, references, radius, chunk=1024):
    """For each point, the index of its nearest reference point, and whether that one is within ``radius``.

    Squared distances |p - r|^2 = |p|^2 - 2 p.r + |r|^2, the middle term one matrix product,
    computed ``chunk`` points at a time to bound the (chunk, references) matrix.
    """
    nearest = numpy.empty(len(points), dtype=numpy.int64)
    within = numpy.empty(len(points), dtype=bool)
    squared_norms = (references**2).sum(axis=1)
    for start in range(0, len(points), chunk):
        block = points[start : start + chunk]
        squared = (block**2).sum(axis=1)[:, None] - 2 * block @ references.T + squared_norms
        nearest[start : start + chunk] = squared.argmin(axis=1)
        within[start : start + chunk] = squared.min(axis=1) <= radius**2
    return nearest, within


def ring(modes=8, radius=2.0, std=0.02):
    angles = 2 * math.pi * numpy.arange(modes) / modes
    return GaussianMixture2D("ring", radius * numpy.stack([numpy.cos(angles), numpy.sin(angles)], axis=1), std)


def grid(side=5, spacing=2.0, std=0.05):
    ticks = spacing * (numpy.arange(side) - (side - 1) / 2)
    return GaussianMixture2D("grid", numpy.stack(numpy.meshgrid(ticks, ticks), axis=-1).reshape(-1, 2), std)


def swiss_roll(modes=6, noise=0.1):
    def roll(s):
        t = 1.5 * math.pi * (1 + 2 * s)
        return numpy.stack([t * numpy.cos(t), t * numpy.sin(t)], axis=1) / 5

    return NoisyCurve("swiss_roll", roll, modes, noise)


def moons(noise=0.05):
    def two_half_circles(s):
        upper = s < 0.5
        t = 2 * math.pi * numpy.where(upper, s, s - 0.5)  # in [0, pi) on each half circle
        x = numpy.where(upper, numpy.cos(t), 1 - numpy.cos(t))
        y = numpy.where(upper, numpy.sin(t), 0.5 - numpy.sin(t))
        return numpy.stack([x - 0.5, y - 0.25], axis=1)  # centred at the origin

    return NoisyCurve("moons", two_half_circles, 2, noise)


TOY_DATASETS = {"ring": ring, "grid": grid, "swiss_roll": swiss_roll, "moons": moons, "checkerboard": Checkerboard}


def toy_dataset(name):
    """The toy distribution called ``name`` (one of ``TOY_DATASETS``), with its default layout."""
    if name not in TOY_DATASETS:
        raise ValueError(f"unknown toy data set {name!r}: choose one of {', '.join(TOY_DATASETS)}")
    return TOY_DATASETS[name]()
