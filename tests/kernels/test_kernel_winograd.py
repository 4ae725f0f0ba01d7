"""Winograd's F(2x2, 3x3): the transforms against their matrices, their adjoints, and conv2d through them against
conv2d through im2col (the reference path), forward, backward and double backward."""
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import tinygen as tg
from tinygen.kernels import ConvGeometry, winograd
from tinygen.ops import conv


@contextmanager
def convolutions_by(path):
    """conv2d and its gradients by "winograd" wherever it applies (any channel count), by "im2col" everywhere, or
    as tinygen picks by "default"."""
    saved = conv.WINOGRAD_CHANNELS
    conv.WINOGRAD_CHANNELS = {"winograd": 1, "im2col": 1 << 30, "default": saved}[path]
    try:
        yield
    finally:
        conv.WINOGRAD_CHANNELS = saved


@st.composite
def winograd_cases(draw):
    """x (N, C, H, W), w (F, C, 3, 3) and a padding pair; odd output sizes cut the last tile."""
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    assume(h + 2 * padding[0] >= 3 and w + 2 * padding[1] >= 3)
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x, weight = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, 3, 3))
    if draw(st.booleans()):  # a channel-major view, as the gradient of a convolution arrives
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    return x, weight, padding


def tiles_of(x, padding):
    """Every 4x4 input patch of every 2x2 output tile, by explicit padding: (N, C, TH, TW, 4, 4)."""
    n, c, h, w = x.shape
    th, tw = (h + 2 * padding[0] - 1) // 2, (w + 2 * padding[1] - 1) // 2
    padded = np.zeros((n, c, 2 * th + 2, 2 * tw + 2))
    padded[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w] = x
    return np.stack([np.stack([padded[:, :, 2 * ty:2 * ty + 4, 2 * tx:2 * tx + 4] for tx in range(tw)], 2)
                     for ty in range(th)], 2)  # fmt: skip


@settings(max_examples=20, deadline=None)
@given(winograd_cases())
def test_input_transform_is_bt_d_b_for_every_tile(case):
    x, _, padding = case
    n, c = x.shape[:2]
    d = tiles_of(x, padding)
    v = np.empty((16, c, n * d.shape[2] * d.shape[3]))
    winograd.input_transform(x, padding, v)
    expected = winograd.B_T @ d @ winograd.B_T.T  # (N, C, TH, TW, 4, 4)
    np.testing.assert_allclose(v, expected.transpose(4, 5, 1, 0, 2, 3).reshape(v.shape), atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**16))
def test_output_transform_and_its_adjoint(n, f, oh, ow, seed):
    """y = A^T M A per tile, cut to OH x OW; and <output_transform(m), g> == <m, output_transform_adjoint(g)>."""
    rng = np.random.default_rng(seed)
    th, tw = (oh + 1) // 2, (ow + 1) // 2
    m = rng.standard_normal((16, f, n * th * tw))
    y = np.empty((f, n, oh, ow))
    winograd.output_transform(m, y)
    tiles = m.reshape(4, 4, f, n, th, tw).transpose(2, 3, 4, 5, 0, 1)
    full = (winograd.A_T @ tiles @ winograd.A_T.T).transpose(0, 1, 2, 4, 3, 5).reshape(f, n, 2 * th, 2 * tw)
    np.testing.assert_allclose(y, full[:, :, :oh, :ow], atol=1e-12)

    g = rng.standard_normal((n, f, oh, ow))
    dm = np.empty_like(m)
    winograd.output_transform_adjoint(g, dm)
    np.testing.assert_allclose(np.vdot(y.transpose(1, 0, 2, 3), g), np.vdot(m, dm), rtol=1e-10)


def test_weight_transform_and_its_adjoint():
    rng = np.random.default_rng(0)
    w, du = rng.standard_normal((4, 3, 3, 3)), rng.standard_normal((16, 4, 3))
    u = winograd.weight_transform(w)
    np.testing.assert_allclose(u[:, 1, 2].reshape(4, 4), winograd.G @ w[1, 2] @ winograd.G.T, atol=1e-12)
    np.testing.assert_allclose(np.vdot(u, du), np.vdot(w, winograd.weight_transform_adjoint(du)), rtol=1e-12)


def _convolve(path, x, weight, padding, upstream):
    """y, dL/dx, dL/dw for L = <y, upstream>, and the gradient of ||dL/dx||^2 + ||dL/dw||^2 in x and w (double
    backward, as a gradient penalty takes it)."""
    with convolutions_by(path):
        xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(weight, requires_grad=True)
        y = tg.nn.functional.conv2d(xt, wt, padding=padding)
        gx, gw = tg.grad((y * tg.tensor(upstream)).sum(), [xt, wt], create_graph=True)
        ggx, ggw = tg.grad((gx * gx).sum() + (gw * gw).sum(), [xt, wt])
        return [a.numpy() for a in (y, gx, gw, ggx, ggw)]


@settings(max_examples=25, deadline=None)
@given(winograd_cases())
def test_conv2d_by_winograd_matches_im2col(case):
    x, weight, padding = case
    geometry = ConvGeometry.of(x.shape, 3, 1, padding)
    assert winograd.applies(geometry, x)
    upstream = np.random.default_rng(1).standard_normal((x.shape[0], weight.shape[0], *geometry.output_size))
    for fast, reference in zip(_convolve("winograd", x, weight, padding, upstream),
                               _convolve("im2col", x, weight, padding, upstream), strict=True):  # fmt: skip
        np.testing.assert_allclose(fast, reference, rtol=1e-10, atol=1e-10)


def test_many_channels_input_gradient_by_the_flipped_kernel_matches_im2col():
    """32 input channels: the input gradient is a stride-1 convolution with the flipped kernel, by Winograd too."""
    rng = np.random.default_rng(2)
    x, weight = rng.standard_normal((2, 32, 5, 6)), rng.standard_normal((3, 32, 3, 3))
    upstream = rng.standard_normal((2, 3, 5, 6))
    for fast, reference in zip(_convolve("winograd", x, weight, 1, upstream),
                               _convolve("im2col", x, weight, 1, upstream), strict=True):  # fmt: skip
        np.testing.assert_allclose(fast, reference, rtol=1e-10, atol=1e-10)


def test_float32_agrees_with_float64():
    rng = np.random.default_rng(3)
    x, weight = rng.standard_normal((4, 16, 9, 9)), rng.standard_normal((16, 16, 3, 3)) / 12
    with convolutions_by("winograd"):
        y32 = tg.nn.functional.conv2d(tg.tensor(x.astype(np.float32)), tg.tensor(weight.astype(np.float32)), padding=1)
    with convolutions_by("im2col"):
        y64 = tg.nn.functional.conv2d(tg.tensor(x), tg.tensor(weight), padding=1).numpy()
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.numpy(), y64, rtol=0, atol=1e-5 * np.abs(y64).max())


@settings(max_examples=8, deadline=None)
@given(winograd_cases())
def test_gradients_by_winograd_pass_gradcheck(case):
    x, weight, padding = case
    xt, wt = tg.tensor(x, requires_grad=True), tg.tensor(weight, requires_grad=True)
    with convolutions_by("winograd"):
        tg.gradcheck(lambda a, b: tg.nn.functional.conv2d(a, b, padding=padding), xt, wt)
        tg.gradgradcheck(lambda a, b: tg.nn.functional.conv2d(a, b, padding=padding), xt, wt)


def test_a_wrong_weight_gradient_is_caught(monkeypatch):
    """Plant a sign error in one row of the output transform's adjoint: gradcheck must fail."""
    right = winograd.output_transform_adjoint

    def wrong(gy, dm):
        right(gy, dm)
        dm[5] *= -1

    monkeypatch.setattr(winograd, "output_transform_adjoint", wrong)
    rng = np.random.default_rng(4)
    xt = tg.tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    wt = tg.tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
    with convolutions_by("winograd"), pytest.raises(tg.GradcheckError):
        tg.gradcheck(lambda a, b: tg.nn.functional.conv2d(a, b, padding=1), xt, wt)


def test_mixed_dtypes_keep_to_im2col():
    """float32 images with a float64 weight: a float64 result, not one computed in float32 transforms."""
    rng = np.random.default_rng(5)
    x, weight = rng.standard_normal((2, 16, 6, 6)).astype(np.float32), rng.standard_normal((16, 16, 3, 3))
    results = {}
    for path in ("winograd", "im2col"):
        with convolutions_by(path):
            results[path] = tg.nn.functional.conv2d(tg.tensor(x), tg.tensor(weight), padding=1).numpy()
    assert results["winograd"].dtype == np.float64
    np.testing.assert_allclose(results["winograd"], results["im2col"], rtol=1e-12, atol=1e-12)


def test_default_dispatch_matches_pytorch_in_float64():
    """16 channels take Winograd without forcing; forward, both gradients and a double backward against PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x, weight = rng.standard_normal((2, 16, 7, 6)), rng.standard_normal((16, 16, 3, 3))
    upstream = rng.standard_normal((2, 16, 7, 6))
    assert conv._uses_winograd(ConvGeometry.of(x.shape, 3, 1, 1), x, weight, 16)
    mine = _convolve("default", x, weight, 1, upstream)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(weight, requires_grad=True)
    y = torch.nn.functional.conv2d(xt, wt, padding=1)
    gx, gw = torch.autograd.grad((y * torch.tensor(upstream)).sum(), [xt, wt], create_graph=True)
    ggx, ggw = torch.autograd.grad((gx * gx).sum() + (gw * gw).sum(), [xt, wt])
    for got, expected in zip(mine, (y, gx, gw, ggx, ggw), strict=True):
        np.testing.assert_allclose(got, expected.detach().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_parallel_transforms_give_the_serial_ones_bits(dtype, kernel_threads):
    """Planes write disjoint tiles: three threads' shares of them, on a convolution through the three transforms
    (the input gradient by the flipped kernel, 32 channels), change no bit of the output or the gradients."""
    rng = np.random.default_rng(7)
    x, weight = rng.standard_normal((3, 32, 7, 6)).astype(dtype), rng.standard_normal((16, 32, 3, 3)).astype(dtype)
    upstream = rng.standard_normal((3, 16, 7, 6)).astype(dtype)
    results = []
    for parts in (1, 3):
        kernel_threads(parts)
        results.append(_convolve("winograd", x, weight, 1, upstream))
    for serial, parallel in zip(*results, strict=True):
        np.testing.assert_array_equal(parallel, serial)
