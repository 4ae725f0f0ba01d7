"""PixelRNN skew / unskew, the stride-trick ops (their gradients are checked with every op in test_ops.py)."""
import numpy as np
from hypothesis import given, settings, strategies as st

import tinygen as tg


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 7), st.integers(1, 7))
def test_skew_shifts_row_r_right_by_r_and_unskew_inverts_it(n, c, h, w):
    x = np.random.default_rng(0).standard_normal((n, c, h, w)).astype(np.float32)
    skewed = tg.skew(tg.tensor(x))
    expected = np.zeros((n, c, h, h + w - 1), np.float32)
    for r in range(h):
        expected[:, :, r, r:r + w] = x[:, :, r]
    np.testing.assert_array_equal(skewed.data, expected)
    back = tg.unskew(skewed).data
    np.testing.assert_array_equal(back, x)
    assert back.flags.c_contiguous


def test_square_image_skews_to_width_2w_minus_1():
    assert tg.skew(tg.zeros(2, 3, 5, 5)).shape == (2, 3, 5, 9)


def test_unskew_accepts_a_non_contiguous_view():
    skewed = tg.skew(tg.tensor(np.arange(2 * 3 * 4 * 4, dtype=np.float64).reshape(2, 3, 4, 4)))
    view = skewed.permute(1, 0, 2, 3)  # channels first: a strided view
    np.testing.assert_array_equal(tg.unskew(view).data, tg.unskew(tg.tensor(np.ascontiguousarray(view.data))).data)
    assert not view.data.flags.c_contiguous
