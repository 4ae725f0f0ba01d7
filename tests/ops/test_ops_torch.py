"""Ops against PyTorch's where the semantics are subtle (the kernel-backed ops, norms at 0, products with zeros,
padding modes, resizing, grouped and "same" convolutions): same outputs and same gradients (float64), some to
second order."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygen as tg
from support.op_registry import conv_case, pool_case
from support.torch_reference import assert_same_outputs_and_gradients

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _compare(tiny_fn, torch_fn, arrays):
    tiny_inputs = [tg.tensor(a, requires_grad=True) for a in arrays]
    torch_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    pairs = [(f"input {i}", pair) for i, pair in enumerate(zip(tiny_inputs, torch_inputs))]
    assert_same_outputs_and_gradients(tiny_fn(*tiny_inputs), torch_fn(*torch_inputs), pairs)


def _compare_second_order(tiny_fn, torch_fn, arrays, rtol=1e-10, atol=1e-12):
    """First derivatives built with create_graph agree, and so do their derivatives: for random upstream
    vectors v and w, d/dx <w, d<v, f(x)>/dx> for every input, in both frameworks."""
    rng = np.random.default_rng(1)
    tiny_inputs = [tg.tensor(a, requires_grad=True) for a in arrays]
    torch_inputs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, y_ref = tiny_fn(*tiny_inputs), torch_fn(*torch_inputs)
    v = rng.standard_normal(y.shape)
    firsts = tg.grad(y, tiny_inputs, tg.tensor(v), create_graph=True)
    firsts_ref = torch.autograd.grad(y_ref, torch_inputs, torch.tensor(v), create_graph=True)
    for g, g_ref in zip(firsts, firsts_ref):
        np.testing.assert_allclose(g.numpy(), g_ref.detach().numpy(), rtol=rtol, atol=atol, err_msg="first derivative")
    ws = [rng.standard_normal(a.shape) for a in arrays]
    graphed = [(g, w) for g, w in zip(firsts, ws) if g.requires_grad]  # one without a graph is constant in x
    seconds = tg.grad([g for g, _ in graphed], tiny_inputs, [tg.tensor(w) for _, w in graphed],
                      allow_unused=True) if graphed else [None] * len(arrays)  # fmt: skip
    seconds_ref = torch.autograd.grad(firsts_ref, torch_inputs, [torch.tensor(w) for w in ws], allow_unused=True)
    for i, (h, h_ref) in enumerate(zip(seconds, seconds_ref)):
        mine = 0 if h is None else h.numpy()
        theirs = 0 if h_ref is None else h_ref.numpy(force=True)  # force: torch may answer with a lazy zero tensor
        np.testing.assert_allclose(mine, theirs, rtol=rtol, atol=atol, err_msg=f"second derivative, input {i}")


@given(conv_case())
def test_conv2d_matches_torch(case):
    _compare(lambda x, w, b: tg.conv2d(x, w, b, **case.params), lambda x, w, b: F.conv2d(x, w, b, **case.params), case.arrays)


@given(st.one_of(conv_case(transposed=True), conv_case(transposed=True, grouped=True)))
def test_conv_transpose2d_matches_torch(case):
    p = case.params
    _compare(lambda x, w, b: tg.conv_transpose2d(x, w, b, **p),
             lambda x, w, b: F.conv_transpose2d(x, w, b, p["stride"], p["padding"], p["output_padding"], p.get("groups", 1),
                                                p["dilation"]), case.arrays)  # fmt: skip


@given(conv_case(grouped=True))
def test_grouped_conv2d_matches_torch(case):
    _compare(lambda x, w, b: tg.conv2d(x, w, b, **case.params), lambda x, w, b: F.conv2d(x, w, b, **case.params), case.arrays)


@pytest.mark.parametrize("groups", [1, 2, 4, 32])  # 32: depthwise
def test_grouped_convs_with_many_channels_match_torch_to_second_order(groups):
    """32 channels and stride 1 take the flipped-kernel path for the input gradient; the second derivatives
    through all three Functions of the family (WGAN-GP through a grouped critic) agree with torch's."""
    rng = np.random.default_rng(13)
    arrays = [rng.standard_normal((2, 32, 5, 4)), rng.standard_normal((32, 32 // groups, 3, 3))]
    _compare_second_order(lambda x, w: tg.conv2d(x, w, padding=1, groups=groups),
                          lambda x, w: F.conv2d(x, w, padding=1, groups=groups), arrays)  # fmt: skip
    upsampling_groups = min(groups, 8)  # 32 -> 8 channels
    arrays[1] = rng.standard_normal((32, 8 // upsampling_groups, 3, 3))
    _compare_second_order(lambda x, w: tg.conv_transpose2d(x, w, stride=2, padding=1, groups=upsampling_groups),
                          lambda x, w: F.conv_transpose2d(x, w, stride=2, padding=1, groups=upsampling_groups), arrays)  # fmt: skip


@pytest.mark.parametrize("stride", [1, 2])
def test_whole_image_kernels_and_growing_transposed_convs_match_torch_to_second_order(stride):
    """DCGAN's two ends: a 7x7 kernel on 7x7 maps (its columns are the flattened images, a view) and a 1x1 -> 7x7
    transposed convolution with 32 channels (col2im, not the flipped kernel, whose columns would be mostly padding)."""
    rng = np.random.default_rng(15)
    arrays = [rng.standard_normal((3, 32, 7, 7)), rng.standard_normal((2, 32, 7, 7))]
    _compare_second_order(lambda x, w: tg.conv2d(x, w, stride=stride), lambda x, w: F.conv2d(x, w, stride=stride), arrays)
    arrays = [rng.standard_normal((3, 4, 1, 1)), rng.standard_normal((4, 32, 7, 7))]
    _compare_second_order(lambda x, w: tg.conv_transpose2d(x, w, stride=stride),
                          lambda x, w: F.conv_transpose2d(x, w, stride=stride), arrays)  # fmt: skip


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")  # torch's note on its copy
@pytest.mark.parametrize("kernel, dilation", [(3, 1), (4, 1), (2, 3), (4, 2), ((2, 3), 1)])
def test_padding_same_matches_torch_with_odd_and_even_kernels(kernel, dilation):
    """Even spans pad one more row and column at the end (bottom, right), as torch does."""
    rng = np.random.default_rng(14)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    arrays = [rng.standard_normal((2, 3, 8, 7)), rng.standard_normal((4, 3, kh, kw)), rng.standard_normal(4)]
    for padding in ["same", "valid"]:
        _compare(lambda x, w, b: tg.conv2d(x, w, b, padding=padding, dilation=dilation),
                 lambda x, w, b: F.conv2d(x, w, b, padding=padding, dilation=dilation), arrays)  # fmt: skip


def test_conv_arguments_torch_refuses_are_refused_with_the_reason():
    x = tg.zeros(1, 4, 5, 5)
    with pytest.raises(ValueError, match="padding='same' needs stride 1"):
        tg.conv2d(x, tg.zeros(2, 4, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="expects 2 in each of 3 groups"):
        tg.conv2d(x, tg.zeros(3, 2, 3, 3), groups=3)
    with pytest.raises(ValueError, match="do not split into 2 groups"):
        tg.conv2d(x, tg.zeros(3, 2, 3, 3), groups=2)


@given(pool_case())
def test_pooling_matches_torch(case):
    p = case.params
    _compare(lambda x: tg.max_pool2d(x, **p), lambda x: F.max_pool2d(x, p["kernel_size"], p["stride"], p["padding"]), case.arrays)
    _compare(lambda x: tg.avg_pool2d(x, **p), lambda x: F.avg_pool2d(x, p["kernel_size"], p["stride"], p["padding"]), case.arrays)


@pytest.mark.parametrize("resize", [{"scale_factor": 2}, {"scale_factor": 1.5}, {"scale_factor": (0.5, 3)}, {"size": (7, 3)},
                                    {"size": 9}, {"size": (1, 1)}])  # fmt: skip
@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("bilinear", False), ("bilinear", True)])
def test_interpolate_matches_torch(resize, mode, align_corners):
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5))
    _compare(lambda t: tg.interpolate(t, mode=mode, align_corners=align_corners, **resize),
             lambda t: F.interpolate(t, mode=mode, align_corners=align_corners, **resize), [x])  # fmt: skip


def test_nearest_source_pixels_are_computed_in_float32_as_in_torch():
    """26 -> 22 columns: floor(o * 26/22) differs at some o between float32 (PyTorch's) and float64 arithmetic."""
    x = np.random.default_rng(2).standard_normal((1, 2, 3, 26))
    _compare(lambda t: tg.interpolate(t, size=(3, 22)), lambda t: F.interpolate(t, size=(3, 22)), [x])


def test_interpolate_in_float32_matches_torch():
    x = np.random.default_rng(2).standard_normal((1, 2, 5, 6)).astype(np.float32)
    for mode in ["nearest", "bilinear"]:
        got = tg.interpolate(tg.tensor(x), size=(7, 13), mode=mode).numpy()
        np.testing.assert_allclose(got, F.interpolate(torch.tensor(x), size=(7, 13), mode=mode).numpy(), rtol=1e-6, atol=1e-6)


def test_interpolate_says_what_it_needs():
    x = tg.zeros(1, 1, 2, 2)
    with pytest.raises(ValueError, match="exactly one of size and scale_factor"):
        tg.interpolate(x, size=4, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners only applies"):
        tg.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match="mode must be one of nearest, bilinear"):
        tg.interpolate(x, scale_factor=2, mode="bicubic")


def test_lstm_gates_match_torch_lstm_cell():
    rng = np.random.default_rng(2)
    n, d, hidden = 4, 3, 5
    x, h0, c0 = rng.standard_normal((n, d)), rng.standard_normal((n, hidden)), rng.standard_normal((n, hidden))
    w_ih, w_hh, b = rng.standard_normal((4 * hidden, d)), rng.standard_normal((4 * hidden, hidden)), rng.standard_normal(4 * hidden)

    def tiny(x, h0, c0, w_ih, w_hh, b):
        h, c = tg.lstm_gates(x @ w_ih.T + h0 @ w_hh.T + b, c0)
        return tg.cat([h, c], 1)

    def reference(x, h0, c0, w_ih, w_hh, b):
        h, c = torch._VF.lstm_cell(x, (h0, c0), w_ih, w_hh, b, torch.zeros_like(b))
        return torch.cat([h, c], 1)

    _compare(tiny, reference, [x, h0, c0, w_ih, w_hh, b])


@pytest.mark.parametrize("padding, dilation", [(1, 1), (0, 1), (2, 2), (1, 2)])
def test_conv2d_with_many_channels_takes_the_flipped_kernel_path_and_matches_torch(padding, dilation):
    """At 32+ input channels and stride 1, the input gradient is computed as a convolution with the flipped kernel."""
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((2, 32, 6, 5)), rng.standard_normal((3, 32, 3, 3)), rng.standard_normal(3)]
    _compare(lambda x, w, b: tg.conv2d(x, w, b, padding=padding, dilation=dilation),
             lambda x, w, b: F.conv2d(x, w, b, padding=padding, dilation=dilation), arrays)  # fmt: skip


@pytest.mark.parametrize("kernel, taps", [(3, [0, 1, 2, 3, 4]), (5, [0, 3, 7, 12]), (1, None)])
def test_masked_and_one_by_one_convs_with_many_channels_match_torch(kernel, taps):
    """A masked kernel's taps flip with it on the flipped-kernel path; a 1x1 kernel's columns are the input itself."""
    rng = np.random.default_rng(5)
    mask = np.zeros(kernel * kernel) if taps else np.ones(kernel * kernel)
    mask[taps or []] = 1
    mask = torch.tensor(mask.reshape(kernel, kernel))
    arrays = [rng.standard_normal((2, 32, 6, 5)), rng.standard_normal((3, 32, kernel, kernel)), rng.standard_normal(3)]
    _compare(lambda x, w, b: tg.conv2d(x, w, b, padding=kernel // 2, taps=taps),
             lambda x, w, b: F.conv2d(x, w * mask, b, padding=kernel // 2), arrays)  # fmt: skip


@pytest.mark.parametrize("channels", [2, 32])  # 32: the input gradient takes the flipped-kernel path
def test_conv2d_over_several_image_chunks_matches_torch(monkeypatch, channels):
    """With a tiny chunk budget every op of the family runs over several chunks of images (one per image)."""
    from tinygen.ops import conv

    monkeypatch.setattr(conv, "CHUNK_BYTES", 1)
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((3, channels, 5, 4)), rng.standard_normal((2, channels, 3, 3)), rng.standard_normal(2)]
    _compare(lambda x, w, b: tg.conv2d(x, w, b, padding=1), lambda x, w, b: F.conv2d(x, w, b, padding=1), arrays)
    p = {"stride": 2, "padding": 1, "output_padding": 1}
    arrays = [rng.standard_normal((3, 2, 3, 4)), rng.standard_normal((2, channels, 3, 3)), rng.standard_normal(channels)]
    _compare(lambda x, w, b: tg.conv_transpose2d(x, w, b, **p), lambda x, w, b: F.conv_transpose2d(x, w, b, **p), arrays)


WIDE_RANGE = np.concatenate([np.linspace(-9, 9, 37), [0.0, -40.0, 40.0]])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch(approximate):
    _compare(lambda t: tg.gelu(t, approximate), lambda t: F.gelu(t, approximate=approximate), [WIDE_RANGE])


def test_silu_and_erf_match_torch():
    _compare(tg.silu, F.silu, [WIDE_RANGE])
    _compare(tg.erf, torch.erf, [WIDE_RANGE])


@pytest.mark.parametrize("dim", [0, 1])
def test_prod_and_cumprod_match_torch_with_zeros_to_second_order(dim):
    x = np.array([[1.5, -2.0, 0.0, 3.0], [0.0, 0.5, 0.0, 2.0], [0.7, -1.2, 2.5, 0.9]])  # rows: one zero, two, none
    _compare_second_order(lambda t: tg.prod(t, dim), lambda t: torch.prod(t, dim), [x])
    _compare_second_order(lambda t: tg.cumprod(t, dim), lambda t: torch.cumprod(t, dim), [x])


@pytest.mark.parametrize("p", ["fro", 1, 3, 1.5, 0.5, np.inf, -np.inf])
def test_norm_matches_torch_to_second_order(p):
    x = np.random.default_rng(6).standard_normal((3, 4))
    for dim in [None, 1, (0, 1)]:
        _compare_second_order(lambda t: tg.norm(t, p, dim), lambda t: torch.norm(t, p, dim), [x])


@pytest.mark.parametrize("p", ["fro", 1, 3, 0.5, np.inf])
def test_norm_gradient_at_zero_is_pytorchs_subgradient(p):
    """Row 0 is all zeros (a zero norm), row 1 has one zero element."""
    x = np.array([[0.0, 0.0, 0.0], [0.0, 1.5, -2.0]])
    _compare(lambda t: tg.norm(t, p, 1), lambda t: torch.norm(t, p, 1), [x])


def test_second_derivative_of_the_two_norm_at_zero_is_zero_where_torch_gives_nan():
    x = tg.zeros(3, dtype=tg.float64, requires_grad=True)
    (g,) = tg.grad(tg.norm(x), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x)
    np.testing.assert_array_equal(h.numpy(), np.zeros(3))


def test_gradient_penalty_where_the_critics_gradient_vanishes_matches_torch():
    """WGAN-GP's (||dD/dx|| - 1)^2 with two samples in a dead ReLU region (dD/dx = 0 exactly)."""
    rng = np.random.default_rng(7)
    x = np.concatenate([np.zeros((2, 3)), rng.standard_normal((3, 3))])
    w = rng.standard_normal((3, 4))

    def penalty(framework, grad, x, w):
        (g,) = grad(framework.relu(x @ w).sum(), x, create_graph=True)
        return ((framework.norm(g, dim=1) - 1) ** 2).mean()

    tiny_x, tiny_w = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
    torch_x, torch_w = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    penalty(tg, tg.grad, tiny_x, tiny_w).backward()
    penalty(torch, torch.autograd.grad, torch_x, torch_w).backward()
    assert np.isfinite(tiny_w.grad.numpy()).all()
    np.testing.assert_allclose(tiny_w.grad.numpy(), torch_w.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_gather_scatter_add_and_index_select_match_torch():
    """Repeated indices: their gradients (gather, index_select) and their values (scatter_add) add up."""
    rng = np.random.default_rng(8)
    x, src = rng.standard_normal((3, 4)), rng.standard_normal((3, 3))  # torch's backward fails for a larger src
    index = np.array([[0, 2, 2], [1, 1, 0], [3, 0, 3]])
    for dim, idx in [(1, index), (0, index % 3)]:
        torch_index = torch.tensor(idx)
        _compare(lambda t: tg.gather(t, dim, idx), lambda t: torch.gather(t, dim, torch_index), [x])
        _compare(lambda t, s: tg.scatter_add(t, dim, idx, s), lambda t, s: torch.scatter_add(t, dim, torch_index, s),
                 [x, src])  # fmt: skip
    picks = [3, 0, 3]
    _compare(lambda t: tg.index_select(t, 1, picks), lambda t: torch.index_select(t, 1, torch.tensor(picks)), [x])


@pytest.mark.parametrize("diagonal", [-1, 0, 2])
def test_tril_and_triu_match_torch_on_a_batch_of_matrices(diagonal):
    x = np.random.default_rng(9).standard_normal((2, 3, 4))
    _compare(lambda t: tg.tril(t, diagonal), lambda t: torch.tril(t, diagonal), [x])
    _compare(lambda t: tg.triu(t, diagonal), lambda t: torch.triu(t, diagonal), [x])


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad, shape", [((2, 1), (2, 3, 5)), ((3, 0, 1, 3), (2, 3, 4, 5))])  # shapes torch takes
def test_pad_modes_match_torch(mode, pad, shape):
    x = np.random.default_rng(10).standard_normal(shape)
    _compare(lambda t: tg.pad(t, pad, mode), lambda t: F.pad(t, pad, mode), [x])


def test_pad_refuses_widths_that_would_wrap_and_values_it_cannot_use():
    with pytest.raises(ValueError, match="too wide for its length 4"):
        tg.pad(tg.zeros(1, 4), (4, 0), "reflect")
    with pytest.raises(ValueError, match="takes no value"):
        tg.pad(tg.zeros(1, 4), (1, 0), "replicate", value=1.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        tg.pad(tg.zeros(1, 4), (1, 0), "symmetric")


def test_roll_and_repeat_match_torch():
    x = np.random.default_rng(11).standard_normal((2, 3))
    _compare(lambda t: tg.roll(t, 2), lambda t: torch.roll(t, 2), [x])
    _compare(lambda t: t.roll((1, -2), (0, 1)), lambda t: t.roll((1, -2), (0, 1)), [x])
    _compare(lambda t: t.repeat(2, 1, 3), lambda t: t.repeat(2, 1, 3), [x])  # tiles the whole tensor, as np.tile


@pytest.mark.parametrize("equation, shapes", [("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ij,jk", [(2, 3), (3, 4)]),
                                              ("ij,k->i", [(2, 3), (4,)])])  # fmt: skip
def test_einsum_matches_torch_to_second_order(equation, shapes):
    rng = np.random.default_rng(12)
    _compare_second_order(lambda *ts: tg.einsum(equation, *ts), lambda *ts: torch.einsum(equation, *ts),
                          [rng.standard_normal(s) for s in shapes])  # fmt: skip


@pytest.mark.parametrize("equation, message", [("...ij->ij", "'...' is not supported"), ("ii->i", "no diagonals"),
                                               ("ij,jk->ik", "names 2 operands, but 1")])  # fmt: skip
def test_einsum_says_what_it_does_not_support(equation, message):
    with pytest.raises(ValueError, match=message):
        tg.einsum(equation, tg.zeros(2, 2))


TIES = np.array([[1.0, 3.0, 1.0, 3.0, 2.0, 1.0], [0.5, -1.0, 4.0, 4.0, -1.0, 0.5]])


@pytest.mark.parametrize("descending", [False, True])
def test_sort_with_ties_matches_torchs_stable_sort(descending):
    """Equal values keep their order in x, ascending and descending; each value's gradient goes to its element."""
    _compare(lambda t: tg.sort(t, 1, descending).values, lambda t: torch.sort(t, dim=1, descending=descending, stable=True).values,
             [TIES])  # fmt: skip
    mine, theirs = tg.tensor(TIES).sort(1, descending), torch.tensor(TIES).sort(dim=1, descending=descending, stable=True)
    np.testing.assert_array_equal(mine.indices.numpy(), theirs.indices.numpy())
    assert mine.indices.dtype == np.int64


def test_sort_puts_nan_last_ascending_and_first_descending_as_torch():
    x = np.array([2.0, np.nan, -1.0, np.nan, 0.0])
    for descending in [False, True]:
        np.testing.assert_array_equal(tg.sort(tg.tensor(x), descending=descending).indices.numpy(),
                                      torch.sort(torch.tensor(x), descending=descending, stable=True).indices.numpy())  # fmt: skip


@pytest.mark.parametrize("largest", [True, False])
def test_topk_matches_torch(largest):
    x = np.random.default_rng(15).standard_normal((3, 5))
    _compare(lambda t: tg.topk(t, 3, 1, largest).values, lambda t: torch.topk(t, 3, 1, largest).values, [x])
    np.testing.assert_array_equal(tg.tensor(x).topk(3, 0, largest).indices.numpy(), torch.tensor(x).topk(3, 0, largest).indices.numpy())
