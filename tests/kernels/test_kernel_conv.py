"""im2col / col2im against a plain NumPy reference, their adjointness, and conv2d against PyTorch."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from tinygen.kernels import ConvGeometry, col2im, conv_output_size, im2col


def reference_im2col(x, k, s, p, d, taps):
    """Pad explicitly, then copy every (channel, tap) window with Python loops."""
    n, c, h, w = x.shape
    oh, ow = (h + 2 * p - d * (k - 1) - 1) // s + 1, (w + 2 * p - d * (k - 1) - 1) // s + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    cols = np.zeros((c, len(taps), n, oh, ow), x.dtype)
    for ci in range(c):
        for t, tap in enumerate(taps):
            ki, kj = divmod(tap, k)
            for y in range(oh):
                for xo in range(ow):
                    cols[ci, t, :, y, xo] = xp[:, ci, y * s + ki * d, xo * s + kj * d]
    return cols.reshape(c * len(taps), n * oh * ow)


@st.composite
def conv_cases(draw):
    k, s, p, d = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(0, 2)), draw(st.integers(1, 2))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    assume(min(shape[2:]) + 2 * p >= d * (k - 1) + 1)
    taps = sorted(draw(st.sets(st.integers(0, k * k - 1), min_size=1))) if draw(st.booleans()) else None
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    return shape, k, s, p, d, taps, dtype


@settings(max_examples=15, deadline=None)
@given(conv_cases())
def test_im2col_matches_reference(case):
    shape, k, s, p, d, taps, dtype = case
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    cols = im2col(x, ConvGeometry.of(shape, k, s, p, d, taps))
    assert cols.dtype == dtype
    np.testing.assert_array_equal(cols, reference_im2col(x, k, s, p, d, taps or range(k * k)))


@settings(max_examples=15, deadline=None)
@given(conv_cases())
def test_col2im_is_the_adjoint_of_im2col(case):
    """<im2col(x), y> == <x, col2im(y)> for all x, y: this pins col2im down completely."""
    shape, k, s, p, d, taps, _ = case
    rng = np.random.default_rng(1)
    x, geometry = rng.standard_normal(shape), ConvGeometry.of(shape, k, s, p, d, taps)
    cols = im2col(x, geometry)
    y = rng.standard_normal(cols.shape)
    back = col2im(y, shape, geometry)
    assert back.shape == shape
    np.testing.assert_allclose(np.vdot(cols, y), np.vdot(x, back), rtol=1e-10)


def test_rectangular_kernel_stride_padding_dilation():
    x = np.random.default_rng(2).standard_normal((2, 2, 7, 9))
    cols = im2col(x, ConvGeometry.of(x.shape, (2, 3), (1, 2), (1, 0), (2, 1)))
    oh, ow = conv_output_size(7, 2, 1, 1, 2), conv_output_size(9, 3, 2, 0, 1)
    assert cols.shape == (2 * 6, 2 * oh * ow)
    # tap (ki, kj) = (1, 2) of channel 1, image 0, output (0, 0) reads x[0, 1, 0*1 - 1 + 1*2, 0*2 - 0 + 2*1]
    assert cols[6 + 5, 0] == x[0, 1, 1, 2]


def test_conv_output_size():
    assert conv_output_size(28, 3, 1, 1) == 28
    assert conv_output_size(28, 2, 2) == 14
    assert conv_output_size(5, 3, 1, 0, 2) == 1
    with pytest.raises(ValueError, match="empty output"):
        conv_output_size(4, 3, 1, 0, 2)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=0), dict(kernel_size=3, stride=0), dict(kernel_size=3, taps=[9]),
                                    dict(kernel_size=3, taps=[]), dict(kernel_size=(1, 2, 3))])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        ConvGeometry.of((1, 1, 5, 5), **kwargs)


def test_the_arrays_must_fit_the_geometry():
    geometry = ConvGeometry.of((1, 2, 5, 5), 3)
    with pytest.raises(ValueError, match=r"\(5, 5\) images"):
        im2col(np.zeros((1, 2, 6, 5)), geometry)
    with pytest.raises(ValueError, match="cols must be"):
        col2im(np.zeros((2 * 9, 8)), (1, 2, 5, 5), geometry)


@pytest.mark.parametrize("stride, padding, dilation", [(1, 1, 1), (2, 0, 1), (1, 2, 2), (2, 3, 1)])
@pytest.mark.parametrize("masked", [False, True])
def test_conv2d_via_im2col_matches_torch(stride, padding, dilation, masked):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((3, 2, 9, 8)), rng.standard_normal((4, 2, 3, 3))
    taps = None
    if masked:  # PixelCNN mask A: the taps above the centre and left of it
        mask = np.zeros((3, 3))
        mask.flat[:4] = 1
        w, taps = w * mask, np.flatnonzero(mask)
    oh = conv_output_size(9, 3, stride, padding, dilation)
    ow = conv_output_size(8, 3, stride, padding, dilation)
    w_rows = w.reshape(4, 2, 9)[:, :, taps if masked else slice(None)].reshape(4, -1)
    cols = im2col(x, ConvGeometry.of(x.shape, 3, stride, padding, dilation, taps))
    y = (w_rows @ cols).reshape(4, 3, oh, ow).transpose(1, 0, 2, 3)
    expected = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=stride,
                                          padding=padding, dilation=dilation).numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-10, atol=1e-12)
