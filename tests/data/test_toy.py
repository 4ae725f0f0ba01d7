"""Toy 2-D data sets: their mode layouts, and the mode-coverage count that grades a generator."""
import math

import numpy as np
import pytest

import tinygen as tg
from tinygen.data import TOY_DATASETS, DataLoader, toy_dataset

NAMES = sorted(TOY_DATASETS)


@pytest.mark.parametrize("name", NAMES)
def test_the_data_itself_covers_every_mode_and_lies_on_the_modes(name):
    toy = toy_dataset(name)
    points, modes = toy.sample(4000, seed=0)
    assert points.shape == (4000, 2) and points.dtype == np.float32 and modes.dtype == np.int64
    assert np.bincount(modes, minlength=toy.num_modes).min() > 0.5 * 4000 / toy.num_modes
    coverage = toy.coverage(points)
    assert coverage.covered == coverage.modes == toy.num_modes
    assert coverage.quality > 0.97  # within 3 noise stds of its mode: 98.9% of a 2-D Gaussian
    assert np.mean(toy.assign(points.astype(np.float64)) == modes) > 0.95  # near stretch ends a curve may err


@pytest.mark.parametrize("name", NAMES)
def test_each_mode_centre_is_assigned_to_its_own_mode_and_far_points_to_none(name):
    toy = toy_dataset(name)
    np.testing.assert_array_equal(toy.assign(toy.centres), np.arange(toy.num_modes))
    assert toy.assign(np.array([[10.0, 10.0], [-7.0, 0.0]])).tolist() == [-1, -1]


@pytest.mark.parametrize("name", NAMES)
def test_a_collapsed_generator_covers_one_mode(name):
    toy = toy_dataset(name)
    points, modes = toy.sample(4000, seed=1)
    collapsed = points[modes == 0]
    assert toy.coverage(collapsed).covered == 1 and toy.coverage(collapsed).quality > 0.97


def test_the_ring_has_8_modes_on_a_circle_of_radius_2():
    centres = toy_dataset("ring").centres
    angles = np.arctan2(centres[:, 1], centres[:, 0]) % (2 * math.pi)
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 2.0)
    np.testing.assert_allclose(np.sort(angles), 2 * math.pi * np.arange(8) / 8, atol=1e-12)


def test_the_grid_has_25_modes_spaced_2_apart():
    centres = toy_dataset("grid").centres
    assert sorted(set(centres[:, 0])) == sorted(set(centres[:, 1])) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(c) for c in centres}) == 25


def test_the_checkerboard_fills_only_the_8_dark_squares():
    toy = toy_dataset("checkerboard")
    points, _ = toy.sample(4000, seed=0)
    square = np.floor(points + 2).astype(int)
    assert toy.num_modes == 8 and np.all((square.sum(axis=1) % 2) == 0) and np.all(np.abs(points) <= 2)
    light_square_centre = np.array([[-1.5, -0.5]])
    assert toy.assign(light_square_centre).tolist() == [-1]


def test_moons_and_swiss_roll_have_2_and_6_modes():
    assert toy_dataset("moons").num_modes == 2 and toy_dataset("swiss_roll").num_modes == 6


def test_samples_are_seeded():
    ring = toy_dataset("ring")
    assert np.array_equal(ring.sample(10, seed=3)[0], ring.sample(10, seed=3)[0])
    tg.manual_seed(5)
    first = ring.sample(10)[0]
    tg.manual_seed(5)
    assert np.array_equal(ring.sample(10)[0], first)


def test_a_toy_dataset_feeds_a_loader():
    (points, modes), *_ = DataLoader(toy_dataset("moons").dataset(100, seed=0), batch_size=32)
    assert points.shape == (32, 2) and modes.shape == (32,)


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown toy data set 'spiral': choose one of ring, grid"):
        toy_dataset("spiral")


@pytest.mark.parametrize("name", TOY_DATASETS)
def test_points_drawn_on_given_modes_lie_on_those_modes(name):
    data = toy_dataset(name)
    modes = np.arange(2000) % data.num_modes
    points = data.sample_modes(modes, seed=0)
    assert points.shape == (2000, 2) and points.dtype == np.float32
    assigned = data.assign(points.astype(np.float64))
    on_mode = assigned >= 0
    assert on_mode.mean() > 0.95 and (assigned[on_mode] == modes[on_mode]).mean() > 0.97
    np.testing.assert_array_equal(points, data.sample_modes(modes, seed=0))


def test_modes_out_of_range_are_refused_plainly():
    with pytest.raises(ValueError, match=r"integers in \[0, 8\)"):
        toy_dataset("ring").sample_modes(np.array([0, 8]))
