"""Numerical and edge cases against PyTorch: saturated sigmoids, zero variances, empty axes, kinks, NaN windows.

Each case here once gave a wrong number, a NaN or an exception where PyTorch
gives an answer; the values and gradients must now be PyTorch's (float64
unless the case is about float32).
"""
import numpy as np
import pytest

import tinygen as tg
from support.torch_reference import assert_same_outputs_and_gradients

torch = pytest.importorskip("torch")
F = torch.nn.functional
NAN = float("nan")


def both(values, dtype=np.float64):
    """The same leaf in tinygen and in PyTorch."""
    values = np.asarray(values, dtype)
    return tg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)


def compare(tiny_fn, torch_fn, values):
    x, x_ref = both(values)
    assert_same_outputs_and_gradients(tiny_fn(x), torch_fn(x_ref), [("x", (x, x_ref))])


# ---- std where the variance is 0 -------------------------------------------------------------------------------


@pytest.mark.parametrize("values, dim, correction", [
    ([[1.0, 1.0, 1.0], [0.5, -2.0, 3.0]], 1, 1),  # one constant row among others
    ([[2.0], [-1.0], [0.5]], 1, 0),                 # groups of one, biased
    ([[3.0, 3.0], [3.0, 3.0]], None, 1),            # all constant
])  # fmt: skip
def test_std_has_gradient_zero_where_the_variance_is_zero(values, dim, correction):
    compare(lambda x: tg.std(x, dim, correction=correction).reshape(-1),
            lambda x: x.std(dim, correction=correction).reshape(-1), values)


def test_std_second_derivative_at_a_constant_slice_is_pytorchs():
    x, x_ref = both([[1.0, 1.0, 1.0], [0.5, -2.0, 3.0]])
    (g,) = tg.grad(tg.std(x, 1).sum(), x, create_graph=True)
    (g_ref,) = torch.autograd.grad(x_ref.std(1).sum(), x_ref, create_graph=True)
    np.testing.assert_allclose(tg.grad((g * g).sum(), x)[0].numpy(),
                               torch.autograd.grad((g_ref * g_ref).sum(), x_ref)[0].numpy(), rtol=1e-10, atol=1e-12)


def test_std_gradients_pass_the_float64_checks_away_from_zero():
    x = tg.tensor(np.array([[0.3, -1.2, 2.0], [1.5, 0.1, -0.7]]), requires_grad=True)
    assert tg.gradcheck(lambda x: tg.std(x, 1), x) and tg.gradgradcheck(lambda x: tg.std(x, 1), x)


# ---- sigmoid's tails and binary cross-entropy of saturated logits ----------------------------------------------


@pytest.mark.parametrize("dtype, rtol", [(np.float32, 1e-6), (np.float64, 1e-15)])
def test_sigmoid_keeps_its_relative_accuracy_in_both_tails(dtype, rtol):
    # float32 stops at -87: below it the true value is subnormal, and PyTorch's float32 gives 0
    z = np.concatenate([-np.geomspace(0.01, 87 if dtype == np.float32 else 700, 60), [0.0], np.geomspace(0.01, 40, 30)])
    exact = torch.sigmoid(torch.tensor(z.astype(dtype).astype(np.float64))).numpy()
    np.testing.assert_allclose(tg.sigmoid(tg.tensor(z.astype(dtype))).numpy(), exact, rtol=rtol, atol=0)
    assert tg.sigmoid(tg.tensor(np.array([-20.0], dtype))).item() > 0  # the tanh form gave exactly 0 from -17 down


@pytest.mark.parametrize("dtype, torch_dtype, rtol", [(np.float32, torch.float32, 2e-7), (np.float64, torch.float64, 1e-14)])
@pytest.mark.parametrize("target", [0.0, 1.0, 0.3])
def test_binary_cross_entropy_of_saturated_logits_matches_pytorch(dtype, torch_dtype, rtol, target):
    # no float32 logits in (-104, -87): there the true sigmoid is subnormal, where PyTorch's float32 gives 0
    logits = np.array([-800, -200, -86, -40, -20, -17, -5, 0, 5, 17, 20, 40, 86, 200, 800], dtype)
    z, z_ref = tg.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    t = np.full(logits.shape, target, dtype)
    loss = tg.binary_cross_entropy(tg.sigmoid(z), tg.tensor(t), reduction="none")
    loss_ref = F.binary_cross_entropy(torch.sigmoid(z_ref), torch.tensor(t, dtype=torch_dtype), reduction="none")
    np.testing.assert_allclose(loss.numpy(), loss_ref.detach().numpy(), rtol=rtol, atol=0)
    loss.sum().backward()
    loss_ref.sum().backward()
    assert np.isfinite(z.grad.numpy()).all()
    np.testing.assert_allclose(z.grad.numpy(), z_ref.grad.numpy(), rtol=rtol, atol=0)


def test_binary_cross_entropy_at_probabilities_0_and_1_has_pytorchs_finite_gradient():
    p, p_ref = both([0.0, 1e-20, 1e-13, 0.5, 1 - 1e-13, 1.0])
    t = np.array([1.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    assert_same_outputs_and_gradients(tg.binary_cross_entropy(p, tg.tensor(t), reduction="none"),
                                      F.binary_cross_entropy(p_ref, torch.tensor(t), reduction="none"), [("p", (p, p_ref))])


def test_binary_cross_entropy_target_gradient_is_the_derivative_of_the_floored_loss():
    p = tg.tensor(np.array([0.0, 0.2, 0.7, 1.0]))
    t = tg.tensor(np.array([0.3, 0.5, 0.9, 0.1]), requires_grad=True)
    assert tg.gradcheck(lambda t: tg.binary_cross_entropy(p, t, reduction="none"), t)
    q = tg.tensor(np.array([0.1, 0.2, 0.7, 0.95]), requires_grad=True)
    assert tg.gradgradcheck(lambda q, t: tg.binary_cross_entropy(q, t, reduction="none"), q, t)


@pytest.mark.parametrize("probs, target, what", [([1.5], [1.0], "input"), ([NAN], [1.0], "input"),
                                                 ([0.5], [-0.5], "target")])  # fmt: skip
def test_binary_cross_entropy_refuses_values_outside_0_1_as_pytorch_does(probs, target, what):
    with pytest.raises(ValueError, match=f"every {what} value must lie in \\[0, 1\\]"):
        tg.binary_cross_entropy(tg.tensor(probs), tg.tensor(target))
    with pytest.raises(RuntimeError, match=f"all elements of {what} should be between 0 and 1"):
        F.binary_cross_entropy(torch.tensor(probs), torch.tensor(target))


# ---- empty axes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape, dim", [((2, 0), 1), ((0, 3), 0), ((0, 3), 1), ((2, 0, 3), 1)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
def test_the_softmax_family_over_an_empty_axis_gives_pytorchs_empty_or_minus_inf(shape, dim, name):
    x, x_ref = both(np.zeros(shape))
    y, y_ref = getattr(x, name)(dim), getattr(x_ref, name)(dim)
    assert y.shape == tuple(y_ref.shape)
    np.testing.assert_array_equal(y.numpy(), y_ref.detach().numpy())  # -inf for logsumexp over nothing
    y.sum().backward()
    assert x.grad.shape == x.shape


def test_logsumexp_of_minus_infinities_is_minus_inf_without_a_warning():
    x, x_ref = both([[-np.inf, -np.inf], [0.0, -np.inf]])
    np.testing.assert_array_equal(x.logsumexp(1).numpy(), x_ref.logsumexp(1).detach().numpy())


@pytest.mark.filterwarnings("ignore:var")  # both frameworks warn that no degrees of freedom are left
@pytest.mark.parametrize("values, dim, correction", [(np.zeros((2, 0)), 1, 1), (np.zeros((2, 0)), 1, 0),
                                                     ([1.0], 0, 1), ([1.0, 2.0], 0, 2), ([1.0, 2.0], 0, 3)])
def test_variance_without_degrees_of_freedom_is_nan_or_inf_as_in_pytorch(values, dim, correction):
    x, x_ref = both(values)
    np.testing.assert_array_equal(x.var(dim, correction=correction).numpy(),
                                  x_ref.var(dim, correction=correction).detach().numpy())
    with pytest.warns(UserWarning, match="no degrees of freedom .*lower the correction"):
        x.var(dim, correction=correction)


def test_the_mean_of_an_empty_axis_is_nan_and_backpropagates_quietly():
    x, x_ref = both(np.zeros((2, 0)))
    np.testing.assert_array_equal(x.mean(1).numpy(), x_ref.mean(1).detach().numpy())
    x.mean(1).sum().backward()
    assert x.grad.shape == (2, 0)


@pytest.mark.parametrize("shape, args", [((0, 3, 2), (1,)), ((3, 0, 2), (1,)), ((0, 3, 2), ()), ((0, 3, 2), (0, 1)),
                                         ((2, 3, 0), (1, 2)), ((0,), ())])
def test_flatten_with_empty_axes_gives_pytorchs_shape(shape, args):
    assert tg.zeros(*shape).flatten(*args).shape == tuple(torch.zeros(*shape).flatten(*args).shape)


@pytest.mark.parametrize("shape, chunks, dim", [((3, 0), 2, 1), ((0, 3), 2, 0), ((0,), 3, 0), ((5,), 3, 0),
                                                ((5,), 4, 0), ((6,), 4, 0), ((2, 7), 3, 1)])
def test_chunk_gives_pytorchs_pieces_with_empty_axes_too(shape, chunks, dim):
    pieces = tg.zeros(*shape).chunk(chunks, dim)
    assert [p.shape for p in pieces] == [tuple(p.shape) for p in torch.zeros(*shape).chunk(chunks, dim)]


def test_chunk_and_flatten_say_what_is_wrong():
    with pytest.raises(ValueError, match="at least one dimension and chunks >= 1"):
        tg.zeros(3).chunk(0)
    with pytest.raises(ValueError, match="start_dim 2 comes after end_dim 1"):
        tg.zeros(2, 3, 4).flatten(2, 1)


# ---- kinks and NaN -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (0.0, None), (None, 1.0), (1.0, 1.0)])
def test_clamp_passes_the_gradient_at_its_bounds_as_pytorch_does(low, high):
    compare(lambda x: x.clamp(low, high), lambda x: x.clamp(low, high), [-1.0, 0.0, 0.5, 1.0, 2.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("window", [[1.0, NAN, 2.0, 0.0], [NAN, 1.0, 2.0, 0.0], [1.0, NAN, NAN, 0.0],
                                    [NAN, NAN, NAN, NAN], [1.0, 2.0, 0.0, NAN], [np.inf, -np.inf, 0.0, 1.0]])
def test_max_pool_propagates_a_nan_and_sends_its_gradient_where_pytorch_does(dtype, window):
    x, x_ref = both(np.array(window).reshape(1, 1, 2, 2), dtype)
    y, y_ref = tg.max_pool2d(x, 2), F.max_pool2d(x_ref, 2)
    np.testing.assert_array_equal(y.numpy(), y_ref.detach().numpy())
    y.sum().backward()
    y_ref.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), x_ref.grad.numpy())


def test_max_pool_nan_in_overlapping_padded_windows_matches_pytorch():
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    x[0, 0, 1, 2] = x[0, 0, 3, 0] = x[0, 0, 3, 1] = NAN
    compare(lambda x: tg.max_pool2d(x, 3, stride=1, padding=1), lambda x: F.max_pool2d(x, 3, stride=1, padding=1), x)


# ---- fused ops under backward ------------------------------------------------------------------------------------


def test_the_variance_from_moments_alone_backpropagates():
    x = tg.tensor(np.random.default_rng(0).standard_normal((3, 4)), requires_grad=True)
    tg.moments(x, (1,))[1].sum().backward()  # the mean output is dropped at once: it used to be "freed"
    np.testing.assert_allclose(x.grad.numpy(), 2 * (x.numpy() - x.numpy().mean(1, keepdims=True)) / 4, rtol=1e-12)


# ---- conv_transpose2d's output_padding ---------------------------------------------------------------------------


@pytest.mark.parametrize("stride, dilation, output_padding, out_channels", [
    (1, 2, 1, 3), (1, 3, 2, 3), (2, 3, 2, 3), ((2, 1), (1, 3), (1, 2), 3),
    (1, 2, 1, 40),  # 32 channels or more: the stride-1 adjoint that is a convolution, which has no room for it
])  # fmt: skip
def test_conv_transpose2d_takes_every_output_padding_pytorch_takes(stride, dilation, output_padding, out_channels):
    rng = np.random.default_rng(0)
    x, x_ref = both(rng.standard_normal((2, 4, 4, 5)))
    w, w_ref = both(rng.standard_normal((4, out_channels, 3, 3)))
    options = {"stride": stride, "dilation": dilation, "output_padding": output_padding}
    assert_same_outputs_and_gradients(tg.conv_transpose2d(x, w, **options), F.conv_transpose2d(x_ref, w_ref, **options),
                                      [("x", (x, x_ref)), ("w", (w, w_ref))])


def test_conv_transpose2d_refuses_the_output_padding_pytorch_refuses():
    x, w = tg.zeros(1, 2, 4, 4), tg.zeros(2, 3, 3, 3)
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\) must be non-negative and smaller than either the "
                                         r"stride \(2, 2\) or the dilation \(1, 1\)"):
        tg.conv_transpose2d(x, w, stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="output padding must be smaller than either stride or dilation"):
        F.conv_transpose2d(torch.zeros(1, 2, 4, 4), torch.zeros(2, 3, 3, 3), stride=2, output_padding=2)
