"""Hypothesis strategies for drawing op inputs: shapes, axes, and values that keep
away from the points where a function has a kink or a singularity (there a
finite difference straddles two slopes and proves nothing)."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 3


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=MAX_SIDE):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def arrays(shape, low=-3.0, high=3.0, unique=False):
    """float64 arrays of ``shape`` with values in [low, high]."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique)


def away_from(array, points, margin=0.1):
    """Push every value at least ``margin`` away from each of ``points``."""
    array = array.copy()
    for p in points:
        close = np.abs(array - p) < margin
        array[close] = p + np.where(array[close] >= p, margin, -margin)
    return array


def distinct(array, gap=0.05):
    """Values at least ``gap`` apart, so no two tie (max, min, maximum)."""
    flat = array.reshape(-1)
    order = np.argsort(flat, kind="stable")
    spread = flat.copy()
    spread[order] = flat[order] + gap * np.arange(flat.size)
    return spread.reshape(array.shape)


@st.composite
def one_array(draw, min_dims=0, max_dims=3, low=-3.0, high=3.0):
    return draw(arrays(draw(shapes(min_dims, max_dims)), low, high))


@st.composite
def broadcastable_arrays(draw, count=2, low=-3.0, high=3.0):
    """``count`` arrays whose shapes broadcast together (some with fewer or size-1 axes)."""
    drawn = draw(hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=3, max_side=3))
    return tuple(draw(arrays(shape, low, high)) for shape in drawn.input_shapes)


@st.composite
def dims(draw, ndim, allow_none=True):
    """None, one axis (possibly negative), or a tuple of distinct axes of an ``ndim``-d array."""
    options = [st.just(None)] if allow_none or ndim == 0 else []
    if ndim > 0:
        options.append(st.integers(-ndim, ndim - 1))
        options.append(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple))
    return draw(st.one_of(options))


@st.composite
def array_and_dim(draw, min_dims=0, low=-3.0, high=3.0, allow_none=True):
    """(array, dim, keepdim) for a reduction."""
    array = draw(one_array(min_dims=min_dims, low=low, high=high))
    return array, draw(dims(array.ndim, allow_none)), draw(st.booleans())


def quantize(array, step=0.5, offset=0.0):
    """Round to the grid offset + k * step: two arrays on grids with different
    offsets can never hold equal values (for maximum, minimum)."""
    return np.round((array - offset) / step) * step + offset
