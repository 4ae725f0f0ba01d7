"""The Unrolled GAN: the generator's gradient goes through the K unrolled discriminator steps (float64 finite
differences, PyTorch with torch.func), and differs from the first-order variant that detaches them."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.models.gan import MLPDiscriminator, MLPGenerator, NonSaturatingGAN
from tinygen.models.gan.unrolled import UnrolledGAN, UnrolledNonSaturatingGAN
from tinygen.nn.utils import reparametrized

LATENT, BATCH = 2, 6


def tiny(objective=UnrolledNonSaturatingGAN, **kwargs):
    tg.manual_seed(3)
    model = objective(MLPGenerator(LATENT, (2,), (5,), tanh=False), MLPDiscriminator((2,), (4,)), LATENT, **kwargs)
    return model.double()


def batch(model):
    rng = np.random.default_rng(0)
    real = tg.tensor(rng.standard_normal((BATCH, 2)))
    z = tg.tensor(rng.standard_normal((BATCH, LATENT)))
    return real, z


def f_K(model, real, z):
    """The unrolled objective as the loop computes it: D's loss on (real, G(z)), then L_G against D^K."""
    fake = model.generate(z)
    model.discriminator_loss(real, fake.detach())
    return model.generator_loss(fake)[0]


def first_order(model, real, z):
    """The popular variant: theta_D^K computed with detached gradients, so it is a constant to G."""
    fake = model.generate(z)
    with reparametrized(model.discriminator, model.unroll(real, fake, create_graph=False)):
        return super(UnrolledGAN, model).generator_loss(fake)[0]


def gradient(loss, model):
    model.zero_grad()
    loss.backward()
    return np.concatenate([p.grad.numpy().ravel() for p in model.generator.parameters()])


def finite_differences(function, model, h=1e-6):
    """Central differences of ``function()`` in each of G's weights."""
    slopes = []
    for p in model.generator.parameters():
        flat = p.data.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + h
            up = function().item()
            flat[i] = original - h
            down = function().item()
            flat[i] = original
            slopes.append((up - down) / (2 * h))
    return np.array(slopes)


@pytest.mark.parametrize("objective", [UnrolledGAN, UnrolledNonSaturatingGAN])
def test_the_generator_gradient_is_the_derivative_of_the_unrolled_objective_not_the_first_order_one(objective):
    model = tiny(objective, unroll_steps=3, unroll_lr=0.5)
    real, z = batch(model)
    exact = gradient(f_K(model, real, z), model)
    numeric = finite_differences(lambda: f_K(model, real, z), model)
    np.testing.assert_allclose(exact, numeric, rtol=1e-6, atol=1e-9)

    detached = gradient(first_order(model, real, z), model)
    np.testing.assert_allclose(first_order(model, real, z).item(), f_K(model, real, z).item(), rtol=1e-12)  # same value
    assert np.linalg.norm(detached - exact) > 0.05 * np.linalg.norm(exact)  # different gradient
    assert np.linalg.norm(detached - numeric) > 100 * np.linalg.norm(exact - numeric)


def test_one_unrolled_step_is_theta_minus_eta_times_the_gradient_of_the_discriminator_loss():
    model = tiny(unroll_steps=1, unroll_lr=0.3)
    real, z = batch(model)
    fake = model.generate(z)
    loss, _ = model.discriminator_loss(real, fake)
    weights = list(model.discriminator.parameters())
    gradients = tg.grad(loss, weights)
    unrolled = model.unroll(real, fake)
    for (name, w), g, p in zip(unrolled.items(), gradients, weights):
        np.testing.assert_allclose(w.numpy(), p.numpy() - 0.3 * g.numpy(), rtol=1e-12, err_msg=name)


def test_zero_steps_is_the_plain_gan_and_the_discriminator_keeps_its_weights():
    plain, unrolled = tiny(NonSaturatingGAN), tiny(unroll_steps=0)
    real, z = batch(plain)
    np.testing.assert_allclose(gradient(f_K(unrolled, real, z), unrolled), gradient(f_K(plain, real, z), plain), rtol=1e-12)

    model = tiny(unroll_steps=4, unroll_lr=0.5)
    before = {name: p for name, p in model.discriminator.named_parameters()}
    values = {name: p.numpy().copy() for name, p in before.items()}
    f_K(model, real, z).backward()
    for name, p in model.discriminator.named_parameters():
        assert p is before[name] and np.array_equal(p.numpy(), values[name]), name


def test_bad_settings_and_a_missing_batch_are_clear_errors():
    with pytest.raises(ValueError, match="unroll_steps must be an integer >= 0"):
        tiny(unroll_steps=-1)
    with pytest.raises(ValueError, match="unroll_lr must be > 0"):
        tiny(unroll_lr=0)
    model = tiny()
    with pytest.raises(RuntimeError, match="call discriminator_loss"):
        model.generator_loss(model.generate(batch(model)[1]))


def test_the_unrolled_generator_gradient_matches_pytorch_through_torch_func(torch_on_one_thread):
    torch = torch_on_one_thread
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models.gan import MLPDiscriminator as TorchD
    from benchmarks.torch_models.gan import MLPGenerator as TorchG
    from benchmarks.torch_models.gan import unrolled_generator_loss

    model = tiny(unroll_steps=5, unroll_lr=0.5)
    generator = copy_weights(model.generator, TorchG(LATENT, 2, (5,)).double())
    discriminator = copy_weights(model.discriminator, TorchD(2, (4,)).double())
    real, z = batch(model)
    ours = gradient(f_K(model, real, z), model)
    loss = unrolled_generator_loss(discriminator, torch.tensor(real.numpy()), generator(torch.tensor(z.numpy())), 5, 0.5)
    loss.backward()
    theirs = np.concatenate([p.grad.numpy().ravel() for p in generator.parameters()])
    np.testing.assert_allclose(loss.item(), f_K(model, real, z).item(), rtol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def adam_trained(steps=4, unroll_steps=3):
    """A model that unrolls D's own Adam, after ``steps`` real steps of D and G (so the moments have history)."""
    model = tiny(unroll_steps=unroll_steps)
    d_optimizer, g_optimizer = model.optimizers(lr=0.05)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        real, z = tg.tensor(rng.standard_normal((BATCH, 2))), tg.tensor(rng.standard_normal((BATCH, LATENT)))
        fake = model.generate(z)
        d_optimizer.zero_grad()
        model.discriminator_loss(real, fake.detach())[0].backward()
        d_optimizer.step()
        g_optimizer.zero_grad()
        model.generator_loss(fake)[0].backward()
        g_optimizer.step()
    return model


def test_unrolling_d_own_adam_takes_the_steps_its_optimizer_would_take():
    model = adam_trained()
    real, z = batch(model)
    fake = model.generate(z).detach()
    unrolled = model.unroll(real, fake)
    for _ in range(model.unroll_steps):  # now for real, on the same batch
        model.d_optimizer.zero_grad()
        model.discriminator_loss(real, fake)[0].backward()
        model.d_optimizer.step()
    for name, p in model.discriminator.named_parameters():
        np.testing.assert_allclose(unrolled[name].numpy(), p.numpy(), rtol=1e-12, atol=1e-15, err_msg=name)


def test_the_generator_gradient_through_unrolled_adam_steps_is_the_derivative_of_the_unrolled_objective():
    model = adam_trained()
    real, z = batch(model)
    exact = gradient(f_K(model, real, z), model)
    numeric = finite_differences(lambda: f_K(model, real, z), model)
    np.testing.assert_allclose(exact, numeric, rtol=1e-5, atol=1e-9)
    detached = gradient(first_order(model, real, z), model)
    assert np.linalg.norm(detached - numeric) > 100 * np.linalg.norm(exact - numeric)


def test_unrolling_d_own_optimizer_needs_it_created_first():
    model = tiny(unroll_steps=2)
    real, z = batch(model)
    with pytest.raises(RuntimeError, match=r"create it with model.optimizers\(\) first"):
        f_K(model, real, z)


def test_the_generator_gradient_through_unrolled_adam_matches_pytorch(torch_on_one_thread):
    """The same trained weights and Adam moments in both frameworks (the state_dict has PyTorch's layout)."""
    torch = torch_on_one_thread
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models.gan import MLPDiscriminator as TorchD
    from benchmarks.torch_models.gan import MLPGenerator as TorchG
    from benchmarks.torch_models.gan import unrolled_generator_loss

    model = adam_trained()
    generator = copy_weights(model.generator, TorchG(LATENT, 2, (5,)).double())
    discriminator = copy_weights(model.discriminator, TorchD(2, (4,)).double())
    adam = torch.optim.Adam(discriminator.parameters(), lr=0.05, betas=(0.5, 0.999))
    saved = model.d_optimizer.state_dict()
    adam.load_state_dict({"param_groups": saved["param_groups"],
                          "state": {i: {key: torch.tensor(np.asarray(value)) for key, value in state.items()}
                                    for i, state in saved["state"].items()}})  # fmt: skip
    real, z = batch(model)
    ours = gradient(f_K(model, real, z), model)
    loss = unrolled_generator_loss(discriminator, torch.tensor(real.numpy()), generator(torch.tensor(z.numpy())), 3, adam=adam)
    loss.backward()
    theirs = np.concatenate([p.grad.numpy().ravel() for p in generator.parameters()])
    np.testing.assert_allclose(loss.item(), f_K(model, real, z).item(), rtol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
