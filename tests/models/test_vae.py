"""The VAE: 20 Adam steps in float64 follow PyTorch's twin step for step (engine, layers, losses
and optimizer together); training raises the ELBO; the importance-weighted estimate of log p(x)
is the ELBO in expectation at K = 1, exceeds it for large K, and is exact on a linear-Gaussian
model whose log p(x) is known in closed form."""
import math

import numpy as np
import pytest

import tinygen as tg
from tinygen.models import vae
from tinygen.models.vae import BernoulliLikelihood, GaussianLikelihood, conv_vae, mlp_vae

# Small VAEs, each built by the factories of ``module``: ``tinygen.models.vae`` or its PyTorch twin.
SMALL = {
    "mlp-bernoulli": lambda module: module.mlp_vae(3, (1, 4, 4), hidden_sizes=(8, 6)),
    "conv-gaussian": lambda module: module.conv_vae(2, (1, 8, 8), channels=(3, 4), likelihood=module.GaussianLikelihood()),
    "mlp-gaussian-fixed-scale": lambda module: module.mlp_vae(2, (2, 2, 3), hidden_sizes=(5,),
                                                              likelihood=module.GaussianLikelihood(scale=0.3)),
}  # fmt: skip


def small(name):
    return SMALL[name](vae)


def batch(model, rng, size=6):
    """Binary images for a Bernoulli decoder, grey levels for a Gaussian one."""
    images = rng.random((size,) + model.image_shape)
    return (images < 0.5).astype(np.float64) if isinstance(model.output_distribution, BernoulliLikelihood) else images


@pytest.mark.parametrize("name", SMALL)
def test_training_follows_pytorch_step_for_step(name, torch_on_one_thread):
    torch = torch_on_one_thread
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models import vae as torch_vae

    tg.manual_seed(0)
    model = small(name).double()
    twin = copy_weights(model, SMALL[name](torch_vae).double())
    optimizer = tg.optim.Adam(model.parameters(), lr=1e-2)
    twin_optimizer = torch.optim.Adam(twin.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x, noise = batch(model, rng), rng.standard_normal((6, model.latent_dim))
        loss = -model.elbo(tg.tensor(x), noise=tg.tensor(noise)).elbo.mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        twin_loss = -twin.elbo(torch.tensor(x), noise=torch.tensor(noise))[0].mean()
        twin_optimizer.zero_grad()
        twin_loss.backward()
        twin_optimizer.step()
        assert loss.item() == pytest.approx(twin_loss.item(), rel=1e-10)
    theirs = dict(twin.named_parameters())
    assert [n for n, _ in model.named_parameters()] == list(theirs)
    for parameter_name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.numpy(), theirs[parameter_name].detach().numpy(), rtol=1e-8, atol=0,
                                   err_msg=parameter_name)  # fmt: skip


def test_training_raises_the_elbo():
    tg.manual_seed(0)
    model = small("mlp-bernoulli")
    x = tg.tensor(batch(model, np.random.default_rng(1), size=16), dtype=tg.float32)
    evaluation_noise = tg.randn(64 * 16, model.latent_dim)  # 64 draws per image: a steady estimate

    def mean_elbo():
        with tg.no_grad():
            return model.elbo(tg.cat([x] * 64), noise=evaluation_noise).elbo.mean().item()

    before = mean_elbo()
    optimizer = tg.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss, _ = model.loss(x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # From about -11.5 nats per image. The pixels are fair coins, so per-pixel marginals alone
    # cannot gain much over 16 log 2 = 11.1 nats: most of the gain comes through the latent code.
    assert mean_elbo() > before + 1.0


def test_elbo_terms_sample_and_reconstruct():
    tg.manual_seed(0)
    model = small("conv-gaussian")
    x = tg.tensor(batch(model, np.random.default_rng(0), size=3), dtype=tg.float32)
    result = model.elbo(x)
    assert result.elbo.shape == result.reconstruction.shape == result.kl.shape == (3,)
    np.testing.assert_allclose(result.elbo.numpy(), (result.reconstruction - result.kl).numpy())
    assert (result.kl.numpy() >= 0).all()
    images = model.sample(5)
    assert images.shape == (5, 1, 8, 8) and images.dtype == np.float32 and not images.requires_grad
    assert model.reconstruct(x).shape == x.shape
    probabilities = small("mlp-bernoulli").sample(4).numpy()
    assert ((probabilities > 0) & (probabilities < 1)).all()


# ---- the importance-weighted estimate ---------------------------------------------------------
def untrained_model_and_data(seed=0):
    tg.manual_seed(seed)
    model = small("mlp-bernoulli").double()
    return model, tg.tensor(batch(model, np.random.default_rng(seed), size=4))


def test_with_one_sample_its_expectation_is_the_elbo():
    model, x = untrained_model_and_data()
    tg.manual_seed(1)
    single = model.importance_weighted_log_likelihood(x, num_samples=1)
    tg.manual_seed(1)
    np.testing.assert_allclose(single.numpy(), model.log_importance_weights(x, 1).numpy()[0], rtol=1e-12)

    draws = 4000
    with tg.no_grad():
        log_weights = model.log_importance_weights(x, draws).numpy()  # K = 1 estimates, one per row
        elbos = model.elbo(tg.cat([x] * draws)).elbo.numpy().reshape(draws, -1)
    standard_error = np.sqrt(log_weights.var(0) / draws + elbos.var(0) / draws)
    np.testing.assert_array_less(np.abs(log_weights.mean(0) - elbos.mean(0)), 5 * standard_error)


def test_with_many_samples_it_exceeds_the_elbo():
    model, x = untrained_model_and_data()
    with tg.no_grad():
        elbos = model.elbo(tg.cat([x] * 2000)).elbo.numpy().reshape(2000, -1)
    estimate = model.importance_weighted_log_likelihood(x, num_samples=2000, chunk_size=300)
    assert estimate.dtype == np.float64 and estimate.shape == (4,)
    assert (estimate.numpy() > elbos.mean(0) + 5 * elbos.std(0) / math.sqrt(2000)).all()


def test_chunking_does_not_change_the_estimate():
    model, x = untrained_model_and_data()
    estimates = []
    for chunk_size in (50, 7):
        tg.manual_seed(3)  # the same 50 samples, drawn at once or 7 at a time
        estimates.append(model.importance_weighted_log_likelihood(x, num_samples=50, chunk_size=chunk_size).numpy())
    np.testing.assert_allclose(*estimates, rtol=1e-12)


def test_float32_models_accumulate_in_float64():
    tg.manual_seed(0)
    model = small("mlp-bernoulli")
    x = tg.tensor(batch(model, np.random.default_rng(0), size=2), dtype=tg.float32)
    assert model.importance_weighted_log_likelihood(x, num_samples=10, chunk_size=4).dtype == np.float64


def linear_gaussian_vae(exact_posterior):
    """x = W z + b + sigma * noise with z ~ N(0, I): an MLP VAE without hidden layers and a fixed
    Gaussian scale. Then p(x) = N(b, W W^T + sigma^2 I), and with orthogonal columns of W the true
    posterior is a diagonal Gaussian, N(S W^T (x - b) / sigma^2, S) with S = (I + W^T W / sigma^2)^-1,
    which the linear encoder can represent exactly (or, with ``exact_posterior=False``, only roughly)."""
    rng = np.random.default_rng(0)
    sigma, weight = 0.5, np.linalg.qr(rng.standard_normal((4, 2)))[0] * [1.5, 0.8]
    bias = rng.standard_normal(4)
    model = mlp_vae(2, (1, 2, 2), hidden_sizes=(), likelihood=GaussianLikelihood(scale=sigma)).double()
    model.decoder.net[0].weight.data[...] = weight
    model.decoder.net[0].bias.data[...] = bias
    posterior_var = 1 / (1 + (weight**2).sum(0) / sigma**2)
    to_mean = posterior_var[:, None] * weight.T / sigma**2
    if not exact_posterior:
        to_mean, posterior_var = to_mean * 0.6, posterior_var * math.e  # off-centre and too wide
    model.encoder.net[0].weight.data[...] = np.concatenate([to_mean, np.zeros((2, 4))])
    model.encoder.net[0].bias.data[...] = np.concatenate([-to_mean @ bias, np.log(posterior_var)])

    x = rng.standard_normal((3, 4)) * 1.5 + bias
    covariance = weight @ weight.T + sigma**2 * np.eye(4)
    difference = x - bias
    log_p = -0.5 * (4 * math.log(2 * math.pi) + np.linalg.slogdet(covariance)[1]
                    + np.einsum("ni,ij,nj->n", difference, np.linalg.inv(covariance), difference))  # fmt: skip
    return model, tg.tensor(x.reshape(3, 1, 2, 2)), log_p


def test_is_exact_when_q_is_the_true_posterior():
    model, x, log_p = linear_gaussian_vae(exact_posterior=True)
    with tg.no_grad():
        log_weights = model.log_importance_weights(x, 5).numpy()
    np.testing.assert_allclose(log_weights, np.broadcast_to(log_p, log_weights.shape), rtol=1e-10)


def test_converges_to_the_true_log_likelihood():
    model, x, log_p = linear_gaussian_vae(exact_posterior=False)
    tg.manual_seed(0)
    with tg.no_grad():
        elbo = model.elbo(tg.cat([x] * 2000)).elbo.numpy().reshape(2000, -1).mean(0)
        weights = model.log_importance_weights(x, 5000).numpy()
    weights = np.exp(weights - weights.max(0))
    standard_error = weights.std(0) / weights.mean(0) / math.sqrt(5000)  # of log(mean weight), by the delta method
    estimate = model.importance_weighted_log_likelihood(x, num_samples=5000, chunk_size=1000).numpy()
    assert (log_p - elbo > 20 * standard_error).all()  # the ELBO falls well short: q is not the posterior
    np.testing.assert_array_less(np.abs(estimate - log_p), 4 * standard_error)  # the estimate does not


def test_errors_say_what_was_wrong():
    with pytest.raises(ValueError, match="multiples of 4"):
        conv_vae(image_shape=(1, 10, 10))
    with pytest.raises(ValueError, match=r"image_shape must be \(channels, height, width\), got \(28, 28\)"):
        mlp_vae(image_shape=(28, 28))
    model = small("mlp-bernoulli")
    with pytest.raises(ValueError, match=r"expected images of shape \(N, \*\(1, 4, 4\)\), got \(2, 16\)"):
        model.elbo(tg.zeros(2, 16))
    with pytest.raises(ValueError, match=r"noise of shape \(2, 2\) given, sample_shape \+ batch_shape is \(2, 3\)"):
        model.elbo(tg.zeros(2, 1, 4, 4), noise=tg.zeros(2, 2))
