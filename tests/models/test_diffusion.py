"""DDPM and DDIM, proven formula by formula: the schedules; the forward marginal against repeated single
steps (a moment test); the posterior against brute-force Gaussian conditioning; DDIM's eta = 1 variance
against DDPM's posterior and its eta = 0 determinism; the ODE's encode/decode on Gaussian data, whose
optimal noise predictor is known; the variational bound with a perfect predictor on point-mass data,
against its closed form; L_simple against the bound's terms with the stated weights; the discretised
decoder as a probability mass; the networks' shapes."""
import math

import numpy as np
import pytest

import tinygen as tg
from tinygen.models.diffusion import (
    DDIM,
    DDPM,
    DiscretizedGaussian,
    Gaussian,
    MLPDenoiser,
    UNet,
    at,
    beta_variance,
    cosine_schedule,
    linear_schedule,
    posterior_variance,
    vlb_weights,
)
from tinygen.nn import Module


class ExactGaussianNoise(Module):
    """The optimal eps(x_t, t) = E[eps | x_t] for data x_0 ~ N(0, s^2 I):

    x_t = sqrt(abar) x_0 + sqrt(1 - abar) eps ~ N(0, v_t), v_t = abar s^2 + 1 - abar, so E[eps | x_t] = sqrt(1 - abar) x_t / v_t.
    """

    def __init__(self, schedule, s):
        super().__init__()
        self.schedule, self.s = schedule, s
        self.register_buffer("unused", tg.zeros(1, dtype=tg.float64))  # gives the model its dtype and device

    def forward(self, x, t):
        abar = at(self.schedule.alphas_cumprod, t, x)
        return (1 - abar).sqrt() * x / (abar * self.s**2 + 1 - abar)


class ExactPointMassNoise(Module):
    """The optimal eps(x_t, t) when all data is one point x_0: eps = (x_t - sqrt(abar_t) x_0) / sqrt(1 - abar_t)."""

    def __init__(self, schedule, x_0):
        super().__init__()
        self.schedule = schedule
        self.register_buffer("x_0", x_0)

    def forward(self, x, t):
        s = self.schedule
        return (x - at(s.sqrt_alphas_cumprod, t, x) * self.x_0) / at(s.sqrt_one_minus_alphas_cumprod, t, x)


def mlp_ddpm(steps=50, variance=posterior_variance, dim=2):
    tg.manual_seed(0)
    return DDPM(MLPDenoiser(dim, 16, 2, 8), (dim,), linear_schedule(steps), variance, Gaussian()).double()


def normal(rng, *shape):
    return tg.tensor(rng.standard_normal(shape), dtype=tg.float64)


# ---- schedules ---------------------------------------------------------------------------------------
def test_the_linear_schedule_is_ddpms_and_the_derived_quantities_follow_from_beta():
    s = linear_schedule(1000)
    assert s.betas.dtype == np.float64 and (s.betas[0], s.betas[-1]) == (1e-4, 0.02)
    np.testing.assert_allclose(s.alphas_cumprod, np.cumprod(1 - s.betas), rtol=1e-14)
    assert s.alphas_cumprod[-1] < 5e-5  # x_T is nearly pure noise
    np.testing.assert_allclose(linear_schedule(100).betas[[0, -1]], [1e-3, 0.2])  # DDPM's ends scaled by 1000 / T
    np.testing.assert_allclose(s.sqrt_recip_alphas_cumprod * s.sqrt_alphas_cumprod, 1, rtol=1e-14)
    np.testing.assert_allclose(s.sqrt_recipm1_alphas_cumprod, s.sqrt_one_minus_alphas_cumprod / s.sqrt_alphas_cumprod, rtol=1e-12)


def test_the_cosine_schedule_follows_its_abar_and_caps_beta():
    T, offset = 200, 0.008
    s = cosine_schedule(T, s=offset)
    f = lambda t: math.cos((t / T + offset) / (1 + offset) * math.pi / 2) ** 2  # noqa: E731
    uncapped = s.betas < 0.999
    expected = np.array([f(t + 1) / f(0) for t in range(T)])
    np.testing.assert_allclose(s.alphas_cumprod[uncapped], expected[uncapped], rtol=1e-12)
    assert s.betas.max() <= 0.999 and uncapped[:-1].all()  # only the last step reaches the cap


def test_bad_schedules_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="take T >= 21"):
        linear_schedule(10)
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        DDPM(MLPDenoiser(), (2,), schedule=type(linear_schedule(30))([0.1, 1.5]))


def test_at_gathers_one_coefficient_per_example_in_the_dtype_of_the_data():
    s = linear_schedule(30)
    x = tg.zeros(3, 1, 4, 4)
    coefficient = at(s.betas, tg.tensor([0, 29, 7]), x)
    assert coefficient.shape == (3, 1, 1, 1) and coefficient.dtype == np.float32
    np.testing.assert_array_equal(coefficient.numpy().ravel(), s.betas[[0, 29, 7]].astype(np.float32))


# ---- the forward process ----------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0, 9, 49])
def test_repeated_single_steps_have_the_moments_of_the_closed_form_marginal(t):
    """x_t from t + 1 steps of q(x_t | x_{t-1}) and from q(x_t | x_0) in one go, on the same non-Gaussian x_0:
    both means and covariances agree with sqrt(abar) x_0's and abar Cov(x_0) + (1 - abar) I within 5 standard errors."""
    model, rng, n = mlp_ddpm(50), np.random.default_rng(0), 40_000
    x_0 = np.where(rng.random((n, 1)) < 0.3, [[1.5, -0.5]], [[-1.0, 1.0]]) + 0.1 * rng.standard_normal((n, 2))
    x_0 = tg.tensor(x_0)
    stepped = x_0
    for step in range(t + 1):
        stepped = model.q_step(stepped, step, normal(rng, n, 2))
    direct = model.q_sample(x_0, t, normal(rng, n, 2))
    abar = model.schedule.alphas_cumprod[t]
    mean = math.sqrt(abar) * x_0.numpy().mean(0)
    covariance = abar * np.cov(x_0.numpy().T) + (1 - abar) * np.eye(2)
    for x in (stepped.numpy(), direct.numpy()):
        standard_error = np.sqrt(np.diag(covariance) / n)
        assert (np.abs(x.mean(0) - mean) < 5 * standard_error).all()
        # The standard error of a sample covariance: sqrt((S_ii S_jj + S_ij^2) / n).
        cov_error = np.sqrt((np.outer(np.diag(covariance), np.diag(covariance)) + covariance**2) / n)
        assert (np.abs(np.cov(x.T) - covariance) < 5 * cov_error).all()


@pytest.mark.parametrize("t", [1, 2, 10, 30, 49])
def test_the_posterior_is_gaussian_conditioning_of_the_joint_built_step_by_step(t):
    """(x_{t-1}, x_t) | x_0 is jointly Gaussian; its moments are built here by running the one-step recursion
    m <- sqrt(alpha) m, v <- alpha v + beta from x_0 (no abar), and x_{t-1} | x_t by the conditioning formula."""
    model, rng = mlp_ddpm(50), np.random.default_rng(t)
    alphas, betas = model.schedule.alphas, model.schedule.betas
    x_0, x_t = rng.standard_normal(5), rng.standard_normal(5)
    m, v = x_0.copy(), 0.0  # x at step t-1, i.e. after t one-step updates (steps 0 .. t-1)
    for step in range(t):
        m, v = math.sqrt(alphas[step]) * m, alphas[step] * v + betas[step]
    cross = math.sqrt(alphas[t]) * v  # Cov(x_{t-1}, x_t)
    v_t, m_t = alphas[t] * v + betas[t], math.sqrt(alphas[t]) * m
    expected_mean, expected_variance = m + cross / v_t * (x_t - m_t), v - cross**2 / v_t
    mean, variance = model.q_posterior(tg.tensor(x_0[None]), tg.tensor(x_t[None]), t)
    np.testing.assert_allclose(mean.numpy()[0], expected_mean, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(variance.numpy().ravel(), expected_variance, rtol=1e-11)


def test_the_posterior_at_the_first_step_is_the_data_itself():
    model = mlp_ddpm(50)
    x_0, x_1 = tg.tensor([[0.3, -0.7]], dtype=tg.float64), tg.tensor([[1.0, 2.0]], dtype=tg.float64)
    mean, variance = model.q_posterior(x_0, x_1, 0)
    np.testing.assert_allclose(mean.numpy(), x_0.numpy(), rtol=1e-14)
    assert variance.item() == 0.0


# ---- DDIM ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps", [1, 2, 7, 50])
def test_ddim_timesteps_are_evenly_spaced_and_start_from_the_last_step(steps):
    timesteps = DDIM(mlp_ddpm(50), steps).timesteps
    assert len(timesteps) == steps and timesteps[-1] == 49 and (np.diff(timesteps) > 0).all()
    assert timesteps[0] == (0 if steps > 1 else 49)


def test_ddim_with_eta_1_has_ddpms_posterior_variance_and_takes_ddpms_step():
    model = mlp_ddpm(50)
    ddim = DDIM(model, 50, eta=1.0)
    sigmas_squared = np.array([ddim.sigma(t, t - 1) ** 2 for t in range(1, 50)])
    np.testing.assert_allclose(sigmas_squared, model.schedule.posterior_variance[1:], rtol=1e-12)
    rng = np.random.default_rng(0)
    x_t, noise = normal(rng, 4, 2), normal(rng, 4, 2)
    for t in (1, 20, 49):
        np.testing.assert_allclose(ddim.step(x_t, t, t - 1, noise).numpy(), model.p_step(x_t, t, noise).numpy(), rtol=1e-10)


@pytest.mark.parametrize("t", [1, 20, 49])
def test_ddim_with_eta_1_takes_ddpms_step_when_the_predicted_data_is_clipped(t):
    # x_t far outside [-1, 1] makes most of x0_hat clip; DDPM's step then uses the posterior mean at the clipped x0_hat,
    # and DDIM's must too: its noise term solved from the clipped x0_hat, not the network's own eps.
    model = mlp_ddpm(50)
    model.clip_denoised = True
    rng = np.random.default_rng(1)
    x_t, noise = 4 * normal(rng, 64, 2), normal(rng, 64, 2)
    x0_hat = model.predict_x0(x_t, t, model.predict_noise(x_t, t)).numpy()
    assert (np.abs(x0_hat) > 1).mean() > 0.5
    np.testing.assert_allclose(DDIM(model, 50, eta=1.0).step(x_t, t, t - 1, noise).numpy(),
                               model.p_step(x_t, t, noise).numpy(), rtol=1e-10, atol=1e-12)  # fmt: skip


def test_ddim_with_eta_0_is_deterministic_and_with_eta_1_is_not():
    model = mlp_ddpm(50)
    x_T = normal(np.random.default_rng(0), 6, 2)
    tg.manual_seed(1)
    first = DDIM(model, 50, eta=0.0).decode(x_T)
    tg.manual_seed(2)
    again = [x for _, x in DDIM(model, 50, eta=0.0).reverse(x_T)][-1]
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    tg.manual_seed(1)
    noisy = [x for _, x in DDIM(model, 50, eta=1.0).reverse(x_T)][-1]
    assert np.abs(noisy.numpy() - first.numpy()).max() > 1e-3


def gaussian_ode(s=0.5):
    """DDPM with the exact noise predictor of N(0, s^2 I) data, 200 such points in 3-D, and the exact x_T of each
    under the probability-flow ODE, which for Gaussian data is a rescaling: x_t = sqrt(v_t) / s x_0."""
    schedule = linear_schedule(1000)
    model = DDPM(ExactGaussianNoise(schedule, s), (3,), schedule)
    x_0 = s * normal(np.random.default_rng(0), 200, 3)
    v_T = schedule.alphas_cumprod[-1] * s**2 + 1 - schedule.alphas_cumprod[-1]
    return model, x_0, math.sqrt(v_T) / s * x_0


def largest_relative_error(x, reference):
    return np.abs(x.numpy() / reference.numpy() - 1).max()


@pytest.mark.parametrize(("steps", "encoding_error", "roundtrip_error"), [(50, 2e-3, 6e-2), (1000, 4e-4, 3e-3)])
def test_ddim_encodes_gaussian_data_onto_the_exact_ode_map_and_decodes_it_back(steps, encoding_error, roundtrip_error):
    """With the exact noise predictor, encoding follows the ODE's map and decoding inverts it, within the
    error of the discretisation (measured: 0.16% and 5.5% at S = 50, 0.04% and 0.27% at S = 1000)."""
    model, x_0, x_T = gaussian_ode()
    ddim = DDIM(model, steps)
    encoded = ddim.encode(x_0)
    assert largest_relative_error(encoded, x_T) < encoding_error
    assert largest_relative_error(ddim.decode(encoded), x_0) < roundtrip_error


def test_ddim_decoding_is_a_first_order_discretisation_of_the_ode():
    """Twice the steps, half the error: the jumps are Euler steps of the ODE (in the variables of the DDIM paper)."""
    model, x_0, x_T = gaussian_ode()
    errors = [largest_relative_error(DDIM(model, steps).decode(x_T), x_0) for steps in (100, 200, 400)]
    np.testing.assert_allclose([errors[0] / errors[1], errors[1] / errors[2]], 2.0, rtol=0.1)


def test_ddim_refuses_impossible_settings():
    model = mlp_ddpm(50)
    with pytest.raises(ValueError, match="between 1 and the model's T = 50"):
        DDIM(model, 51)
    with pytest.raises(ValueError, match="eta must be >= 0"):
        DDIM(model, 10, eta=-0.5)


# ---- the variational bound ------------------------------------------------------------------------------
def pixel_levels(rng, shape):
    """8-bit grey levels scaled to [-1, 1], both ends included."""
    levels = rng.integers(0, 256, shape)
    levels.flat[:2] = (0, 255)
    return levels / 127.5 - 1


def standard_normal_cdf(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


@pytest.mark.parametrize("variance", [posterior_variance, beta_variance])
def test_the_bound_with_a_perfect_predictor_on_one_data_point_has_its_closed_form(variance):
    """All data at one image x_0 and eps_theta the exact noise: mu_theta = mu~ at every step, so each
    L_{t-1} is the KL of two Gaussians with the same mean, 1/2 (r - 1 - log r) per pixel, r = beta~_t / sigma_t^2
    (0 with the posterior variance), L_T is the KL of N(sqrt(abar_T) x_0, 1 - abar_T) from N(0, 1), and L_0
    is the mass of the pixel's bin under N(x_0, sigma_1^2); all computed here with math."""
    rng, schedule = np.random.default_rng(0), linear_schedule(100)
    image = pixel_levels(rng, (1, 1, 3, 3))
    model = DDPM(ExactPointMassNoise(schedule, tg.tensor(image)), (1, 3, 3), schedule, variance)
    abar_T = schedule.alphas_cumprod[-1]
    prior = sum(0.5 * (-math.log(1 - abar_T) + (1 - abar_T) + abar_T * x**2 - 1) for x in image.ravel())
    sigma_1 = math.sqrt(variance(schedule)[0])
    half_bin = 1 / 255
    upper, lower = standard_normal_cdf(half_bin / sigma_1), standard_normal_cdf(-half_bin / sigma_1)
    bin_mass = {-1.0: upper, 1.0: 1 - lower}  # the end levels own the tails
    decoder = -sum(math.log(bin_mass.get(x, upper - lower)) for x in image.ravel())
    ratios = schedule.posterior_variance[1:] / variance(schedule)[1:]
    steps = image.size * 0.5 * (ratios - 1 - np.log(ratios)).sum()
    x_0 = tg.tensor(image)
    # L_T ~ 5e-5 is left of terms of order 1 cancelling: it is known to their absolute precision, ~1e-16 each.
    np.testing.assert_allclose(model.prior_term(x_0).item(), prior, rtol=0, atol=1e-14)
    np.testing.assert_allclose(model.vlb_term(x_0, 0).item(), decoder, rtol=1e-10)
    np.testing.assert_allclose(model.nll_bound(x_0).item(), prior + decoder + steps, rtol=1e-10)
    if variance is posterior_variance:
        assert abs(model.vlb_term(x_0, 40).item()) < 1e-12


@pytest.mark.parametrize("variance", [posterior_variance, beta_variance])
@pytest.mark.parametrize("t", [1, 10, 49])
def test_each_term_of_the_bound_is_the_simple_loss_with_its_weight(variance, t):
    """L_{t-1} - (its value at a perfect predictor) = lambda_t || eps - eps_theta ||^2, for any network: with
    sigma_t^2 = beta~_t the constant is 0; with beta_t, p_theta's variance differs from the posterior's by a constant KL."""
    model, rng = mlp_ddpm(50, variance, dim=3), np.random.default_rng(t)
    x_0, noise = normal(rng, 5, 3), normal(rng, 5, 3)
    r = model.schedule.posterior_variance[t] / variance(model.schedule)[t]
    constant = 3 * 0.5 * (r - 1 - math.log(r))
    squared_error = 3 * model.simple_loss(x_0, t, noise).numpy()  # the mean over 3 dimensions, times 3
    np.testing.assert_allclose(model.vlb_term(x_0, t, noise).numpy(),
                               constant + vlb_weights(model.schedule, variance)[t] * squared_error, rtol=1e-9)  # fmt: skip


def test_the_discretised_decoder_is_a_probability_mass_over_the_256_levels():
    levels = tg.tensor(np.arange(256) / 127.5 - 1)
    for mean, variance in [(0.0, 1e-4), (0.99, 0.01), (-0.3, 0.5), (-1.2, 2e-5)]:
        log_p = DiscretizedGaussian()(levels, tg.tensor(mean, dtype=tg.float64), tg.tensor(variance, dtype=tg.float64))
        np.testing.assert_allclose(np.exp(log_p.numpy()).sum(), 1.0, rtol=1e-9)


def test_the_bound_is_in_nats_and_refuses_data_of_the_wrong_shape():
    model = mlp_ddpm(30)
    with pytest.raises(ValueError, match=r"expected data of shape \(N, \*\(2,\)\)"):
        model.nll_bound(tg.zeros(4, 3, dtype=tg.float64))
    with pytest.raises(ValueError, match=r"integers in 0 \.\. 29"):
        model.vlb_term(tg.zeros(4, 2, dtype=tg.float64), 30)


# ---- training and sampling ----------------------------------------------------------------------------
def test_the_simple_loss_at_random_steps_is_a_differentiable_scalar_and_samples_have_the_data_shape():
    model = mlp_ddpm(30)
    loss, terms = model.loss(normal(np.random.default_rng(0), 8, 2))
    assert loss.shape == () and list(terms) == ["mse"]
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    trajectory = list(model.reverse(model.noise(3)))
    assert [t for t, _ in trajectory] == list(range(29, -1, -1)) and trajectory[-1][1].shape == (3, 2)
    assert DDIM(model, 5).sample(4).shape == (4, 2)


# ---- networks ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("attention", [False, True])
def test_the_unet_keeps_the_image_shape_uses_the_step_and_trains_every_weight(attention):
    tg.manual_seed(0)
    net = UNet(channels=8, groups=4, attention=attention).double()
    x = normal(np.random.default_rng(0), 2, 1, 28, 28)
    out = net(x, tg.tensor([3, 3]))
    assert out.shape == (2, 1, 28, 28)
    assert np.abs(out.numpy() - net(x, tg.tensor([700, 3])).numpy())[0].max() > 1e-6  # the step matters
    np.testing.assert_array_equal(out.numpy()[1], net(x, tg.tensor([700, 3])).numpy()[1])  # examples are separate
    (out * out).sum().backward()
    assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in net.parameters())
    with pytest.raises(ValueError, match="28x28"):
        net(tg.zeros(1, 1, 14, 14, dtype=tg.float64), tg.tensor([0]))


def test_the_bound_estimated_from_a_few_steps_is_unbiased():
    """With sigma_t^2 = beta_t every step contributes (a constant KL), so K = 4 stratified steps give a
    noisy estimate; 400 of them average to the exact bound within 4 standard errors."""
    rng, schedule = np.random.default_rng(0), linear_schedule(100)
    image = pixel_levels(rng, (1, 1, 3, 3))
    model = DDPM(ExactPointMassNoise(schedule, tg.tensor(image)), (1, 3, 3), schedule, beta_variance)
    x_0 = tg.tensor(image)
    exact = model.nll_bound(x_0).item()
    tg.manual_seed(0)
    estimates = np.array([model.nll_bound(x_0, num_steps=4).item() for _ in range(400)])
    assert estimates.std() > 0
    assert abs(estimates.mean() - exact) < 4 * estimates.std() / math.sqrt(len(estimates))
    np.testing.assert_allclose(model.nll_bound(x_0, num_steps=99).item(), exact, rtol=1e-12)  # every step its own stratum
