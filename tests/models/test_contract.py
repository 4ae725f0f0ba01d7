"""What every generative model keeps to (``tinygen.models.base``), and what the VAE factories build."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.models.autoregressive import (
    FVSBN,
    NADE,
    RNADE,
    DiagonalBiLSTM,
    GatedPixelCNN,
    IndependentBernoulli,
    MarkovChain,
    PixelCNN,
    RowLSTM,
)
from tinygen.models.base import GenerativeModel
from tinygen.models.diffusion import DDPM, Gaussian, MLPDenoiser, linear_schedule
from tinygen.models.vae import VAE, GaussianLikelihood, MLPDecoder, MLPEncoder, conv_vae, mlp_vae

BINARY = (1, 4, 4)
# name: (a small model, the shape of one example)
MODELS = {
    "independent": (lambda: IndependentBernoulli(BINARY), BINARY),
    "markov chain": (lambda: MarkovChain(BINARY), BINARY),
    "fvsbn": (lambda: FVSBN(BINARY), BINARY),
    "nade": (lambda: NADE(BINARY, 3), BINARY),
    "rnade": (lambda: RNADE((2,), 4, 2), (2,)),
    "pixelcnn": (lambda: PixelCNN(image_size=4, hidden_channels=2, num_blocks=1), BINARY),
    "gated pixelcnn": (lambda: GatedPixelCNN(image_size=4, hidden_channels=2, num_blocks=1), BINARY),
    "row lstm": (lambda: RowLSTM(image_size=4, hidden_channels=2, num_layers=1), BINARY),
    "diagonal bilstm": (lambda: DiagonalBiLSTM(image_size=4, hidden_channels=2, num_layers=1), BINARY),
    "mlp vae": (lambda: mlp_vae(2, BINARY, hidden_sizes=(3,)), BINARY),
    "conv vae": (lambda: conv_vae(2, BINARY, channels=(2, 3)), BINARY),
    "ddpm": (lambda: DDPM(MLPDenoiser(2, 4, 1, 4), (2,), linear_schedule(30), decoder=Gaussian()), (2,)),
}
EXACT_DENSITIES = ["independent", "markov chain", "fvsbn", "nade", "rnade", "pixelcnn", "gated pixelcnn", "row lstm",
                   "diagonal bilstm"]


def model_and_batch(name):
    tg.manual_seed(0)
    build, shape = MODELS[name]
    x = np.random.default_rng(0).random((5, *shape))
    return build(), tg.tensor(x if name == "rnade" else (x < 0.5).astype(np.float32))


@pytest.mark.parametrize("name", MODELS)
def test_loss_is_a_scalar_to_minimise_and_named_terms(name):
    model, x = model_and_batch(name)
    assert isinstance(model, GenerativeModel)
    loss, terms = model.loss(x)
    assert loss.shape == () and loss.requires_grad
    assert terms and all(value.shape == () for value in terms.values())
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("name", EXACT_DENSITIES)
def test_an_exact_density_minimises_its_mean_negative_log_likelihood(name):
    model, x = model_and_batch(name)
    loss, terms = model.loss(x)
    assert list(terms) == ["nll"] and terms["nll"] is loss
    np.testing.assert_allclose(loss.item(), -model.log_prob(x).mean().item(), rtol=1e-6)


def test_the_vae_minimises_the_negative_elbo_and_logs_its_terms():
    model, x = model_and_batch("mlp vae")
    tg.manual_seed(1)
    loss, terms = model.loss(x)
    tg.manual_seed(1)
    elbo = model.elbo(x)  # the same noise
    assert list(terms) == ["elbo", "reconstruction", "kl"]
    for name, values in elbo._asdict().items():
        np.testing.assert_allclose(terms[name].item(), values.mean().item(), rtol=1e-6)
    assert loss.item() == -terms["elbo"].item()


@pytest.mark.parametrize("name", MODELS)
def test_device_dtype_and_samples(name):
    model, _ = model_and_batch(name)
    assert (model.device, model.dtype) == ("cpu", np.float32)
    assert model.double().dtype == np.float64
    samples = model.sample(3)
    assert samples.shape == (3, *MODELS[name][1]) and samples.dtype == np.float64


# ---- the VAE factories build the networks the VAE was built with before they existed -----------------
# (name, shape, sum of the initial values) after tinygen.manual_seed(0): the same parameters, created in
# the same order from the same random numbers, so old checkpoints and the PyTorch twins' copy_weights still fit.
MLP_VAE = [
    ("encoder.net.0.weight", (512, 784), 0.5331235527992249), ("encoder.net.0.bias", (512,), 0.11760899983346462),
    ("encoder.net.2.weight", (512, 512), -2.536959085613489), ("encoder.net.2.bias", (512,), 0.2288326695561409),
    ("encoder.net.4.weight", (32, 512), 7.296872207894921), ("encoder.net.4.bias", (32,), -0.18352330289781094),
    ("decoder.net.0.weight", (512, 16), 11.897441238164902), ("decoder.net.0.bias", (512,), 9.841099053621292),
    ("decoder.net.2.weight", (512, 512), 14.789891965687275), ("decoder.net.2.bias", (512,), 0.47140641137957573),
    ("decoder.net.4.weight", (784, 512), 12.43351069279015), ("decoder.net.4.bias", (784,), 0.05336844548583031),
]  # fmt: skip
CONV_VAE = [
    ("encoder.features.0.weight", (32, 1, 4, 4), 5.3570937514305115),
    ("encoder.features.0.bias", (32,), 0.5289634466171265),
    ("encoder.features.2.weight", (64, 32, 4, 4), -2.7662995122373104),
    ("encoder.features.2.bias", (64,), 0.3243044875562191),
    ("encoder.head.weight", (32, 3136), 0.26322548743337393), ("encoder.head.bias", (32,), -0.012387766502797604),
    ("decoder.project.weight", (3136, 16), 5.792119741439819), ("decoder.project.bias", (3136,), 10.539506286382675),
    ("decoder.upsample.0.weight", (64, 32, 4, 4), -4.102745324373245),
    ("decoder.upsample.0.bias", (32,), 0.2411098014563322),
    ("decoder.upsample.2.weight", (32, 1, 4, 4), 1.5373294651508331),
    ("decoder.upsample.2.bias", (1,), 0.0025443434715270996),
]  # fmt: skip


@pytest.mark.parametrize("factory, expected", [(mlp_vae, MLP_VAE), (conv_vae, CONV_VAE)])
def test_the_factories_build_the_same_parameters_from_the_same_seed(factory, expected):
    tg.manual_seed(0)
    model = factory()
    found = [(name, p.shape, p.numpy().astype(np.float64).sum()) for name, p in model.named_parameters()]
    assert [(name, shape) for name, shape, _ in found] == [(name, shape) for name, shape, _ in expected]
    np.testing.assert_allclose([total for *_, total in found], [total for *_, total in expected], rtol=1e-12)


def test_a_vae_built_by_hand_is_the_factorys():
    tg.manual_seed(0)
    made = mlp_vae(4, (1, 6, 6), hidden_sizes=(5,))
    tg.manual_seed(0)
    encoder, decoder = MLPEncoder((1, 6, 6), 4, (5,)), MLPDecoder((1, 6, 6), 4, (5,))
    by_hand = VAE(encoder, decoder, (1, 6, 6), 4)
    for (name, p), (other_name, q) in zip(made.named_parameters(), by_hand.named_parameters(), strict=True):
        assert name == other_name and np.array_equal(p.numpy(), q.numpy())


def test_a_gaussian_decoder_learns_its_scale_unless_it_is_fixed():
    learned = mlp_vae(2, BINARY, hidden_sizes=(3,), likelihood=GaussianLikelihood())
    assert next(learned.named_parameters())[0] == "log_scale" and learned.log_scale.shape == BINARY
    assert "log_scale" not in dict(mlp_vae(2, BINARY, likelihood=GaussianLikelihood(scale=0.1)).named_parameters())
    assert "log_scale" not in dict(mlp_vae(2, BINARY).named_parameters())
