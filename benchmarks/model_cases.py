"""Model benchmark cases: one full training step (forward, backward, Adam) of every model, next to its twin.

Each tinygen model (or factory) in ``tinygen.models`` has a PyTorch twin of the
same name, constructor and parameter names in the module of ``benchmarks.torch_models``
named like its own (``nade`` for ``tinygen.models.autoregressive.nade``). Both
workers build the tinygen model from the same seed; the torch worker copies its
weights into the twin, so the two frameworks start from identical parameters,
see the same batch (and, for the VAE, the same reparameterisation noise) and
must report the same loss and parameter gradients before their timing counts.
"""
import importlib

import numpy as np
from cases import Case


def build_model(fw, module, name, kwargs):
    """The tinygen model ``tinygen.models.<module>.<name>(**kwargs)``, or its PyTorch twin with the same weights."""
    import tinygen

    tinygen.manual_seed(0)
    model = getattr(importlib.import_module(f"tinygen.models.{module}"), name)(**kwargs)
    if fw.name == "torch":
        from benchmarks.torch_models import copy_weights

        twin_module = importlib.import_module(f"benchmarks.torch_models.{module.rsplit('.', 1)[-1]}")
        twin = getattr(twin_module, name)(**kwargs)
        model = copy_weights(model, twin)
    return model.to(fw.device)


def training_step_case(label, module, name, kwargs, inputs, loss):
    """``inputs(rng)`` -> NumPy arrays (the batch first); ``loss(model, *tensors)`` -> the scalar to minimise."""

    def build(fw, rng):
        model = build_model(fw, module, name, kwargs)
        named = sorted(model.named_parameters())  # the twins share names, not necessarily registration order
        optimizer = fw.optim.Adam([p for _, p in named], lr=1e-3)
        tensors = [fw.tensor(array) for array in inputs(rng)]

        def forward_backward():
            optimizer.zero_grad()
            value = loss(model, *tensors)
            value.backward()
            return value

        def step():
            value = forward_backward()
            optimizer.step()
            return value

        def results():
            return [fw.numpy(forward_backward())] + [fw.numpy(p.grad) for _, p in named]

        return step, results

    batch = len(inputs(np.random.default_rng(0))[0])
    return Case(f"{label} train step, batch {batch}", 0.0, build, tolerance=2e-3)


def gan_step_case(label, objective, batch_norm, batch=64, width=32, latent_dim=64):
    """One iteration of the adversarial loop on DCGAN's networks: the critic's step on the detached fake, then the
    generator's on the same fake (for WGAN-GP the critic's loss includes the penalty, a double backward).

    The interpolation weights eps are an input like the noise, so both frameworks compute the same penalty."""

    def build(fw, rng):
        import tinygen

        from tinygen.models import gan

        tinygen.manual_seed(0)
        model = dcgan_pair(gan, objective, batch_norm, width, latent_dim)
        gan.dcgan_init_(model)
        if fw.name == "torch":
            from benchmarks.torch_models import copy_weights
            from benchmarks.torch_models import gan as torch_gan

            model = copy_weights(model, dcgan_pair(torch_gan, objective, batch_norm, width, latent_dim))
        model = model.to(fw.device)
        d_optimizer, g_optimizer = model.optimizers()  # the paper's settings, the same in both
        real = fw.tensor(rng.uniform(-1, 1, (batch, 1, 28, 28)))
        z, eps = fw.tensor(rng.standard_normal((batch, latent_dim))), fw.tensor(rng.random(batch))
        penalty = {"eps": eps} if objective == "WGANGP" else {}

        def step(update=True):
            fake = model.generator(z)
            d_loss, _ = model.discriminator_loss(real, fake.detach(), **penalty)
            d_optimizer.zero_grad()
            d_loss.backward()
            # copies: the generator's backward below adds into the critic's gradients in place
            d_grads = [] if update else [np.array(fw.numpy(p.grad)) for p in model.discriminator.parameters()]
            if update:
                d_optimizer.step()
            g_loss, _ = model.generator_loss(fake)
            g_optimizer.zero_grad()
            g_loss.backward()
            if update:
                g_optimizer.step()
            return d_loss, g_loss, d_grads

        def results():
            d_loss, g_loss, d_grads = step(update=False)
            return [fw.numpy(d_loss), fw.numpy(g_loss), *d_grads, *[fw.numpy(p.grad) for p in model.generator.parameters()]]

        return step, results

    return Case(f"{label} train step, batch {batch}", 0.0, build, tolerance=2e-3)


def unrolled_step_case(steps, batch=250, hidden=128, latent_dim=16):
    """One iteration of gan_2d.py's Unrolled GAN (its MLPs and batch): D's step on the detached fake, then G's step
    on the same fake against D unrolled ``steps`` differentiable steps of its own Adam (0: the plain non-saturating GAN)."""

    def build(fw, rng):
        import tinygen

        from tinygen.models import gan

        tinygen.manual_seed(0)
        model = gan.UnrolledNonSaturatingGAN(gan.MLPGenerator(latent_dim, (2,), (hidden, hidden), tanh=False),
                                             gan.MLPDiscriminator((2,), (hidden, hidden)), latent_dim, steps)  # fmt: skip
        generator, discriminator = model.generator, model.discriminator
        if fw.name == "torch":
            from benchmarks.torch_models import copy_weights
            from benchmarks.torch_models import gan as torch_gan

            generator = copy_weights(generator, torch_gan.MLPGenerator(latent_dim, 2, (hidden, hidden)))
            discriminator = copy_weights(discriminator, torch_gan.MLPDiscriminator(2, (hidden, hidden)))
        if fw.name == "tinygen":
            d_optimizer, g_optimizer = model.optimizers(lr=2e-4)  # the model keeps D's, to unroll it
        else:
            d_optimizer = fw.optim.Adam(list(discriminator.parameters()), lr=2e-4, betas=(0.5, 0.999))
            g_optimizer = fw.optim.Adam(list(generator.parameters()), lr=2e-4, betas=(0.5, 0.999))
        real = fw.tensor(rng.standard_normal((batch, 2)).astype(np.float32))
        z = fw.tensor(rng.standard_normal((batch, latent_dim)).astype(np.float32))

        def losses(fake):
            if fw.name == "tinygen":
                d_loss = model.discriminator_loss(real, fake.detach())[0]
                return d_loss, lambda: model.generator_loss(fake)[0]
            from torch.nn import functional as F

            from benchmarks.torch_models.gan import unrolled_generator_loss

            d_loss = F.softplus(-discriminator(real)).mean() + F.softplus(discriminator(fake.detach())).mean()
            return d_loss, lambda: unrolled_generator_loss(discriminator, real, fake, steps, adam=d_optimizer)

        def step(update=True):
            fake = generator(z)
            d_loss, g_loss = losses(fake)
            d_optimizer.zero_grad()
            d_loss.backward()
            if update:
                d_optimizer.step()
            g_loss = g_loss()
            g_optimizer.zero_grad()
            g_loss.backward()
            if update:
                g_optimizer.step()
            return d_loss, g_loss

        def results():
            d_loss, g_loss = step(update=False)
            return [fw.numpy(d_loss), fw.numpy(g_loss), *[fw.numpy(p.grad) for p in generator.parameters()]]

        return step, results

    return Case(f"Unrolled GAN K={steps} toy MLP 128 D+G train step, batch {batch}", 0.0, build, tolerance=2e-3)


def cyclegan_step_case(batch=16, width=16, blocks=3):
    """One step of cyclegan_digits.py's defaults: both generators on their joint loss (two translations, two
    reconstructions), then both discriminators on the batch translated again (the history of past translations
    off: it draws from tinygen's generator)."""

    def build(fw, rng):
        import tinygen

        from tinygen.models import translation

        tinygen.manual_seed(0)
        networks = [translation.ResidualGenerator(width=width, blocks=blocks) for _ in range(2)]
        networks += [translation.PatchDiscriminator(width=width) for _ in range(2)]
        model = translation.CycleGAN(*networks, history=0)
        if fw.name == "torch":
            from benchmarks.torch_models import copy_weights
            from benchmarks.torch_models import translation as twins

            twin_networks = [twins.ResidualGenerator(width=width, blocks=blocks) for _ in range(2)]
            twin_networks += [twins.PatchDiscriminator(width=width) for _ in range(2)]
            names = ("g_ab", "g_ba", "d_a", "d_b")
            model = twins.CycleGAN(*(copy_weights(getattr(model, n), t) for n, t in zip(names, twin_networks)))
            (g_optimizer, d_optimizer), losses = model.optimizers(), (model.generator_loss, model.discriminator_loss)
        else:
            phases = model.phases()
            (_, g_optimizer, *_), (_, d_optimizer, *_) = phases["generators"], phases["discriminators"]
            losses = (lambda a, b: model.generator_loss((a, b))[0], lambda a, b: model.discriminator_loss((a, b))[0])
        a, b = (fw.tensor(rng.uniform(-1, 1, (batch, 1, 28, 28)).astype(np.float32)) for _ in range(2))

        def step(update=True):
            values = []
            for loss, optimizer in zip(losses, (g_optimizer, d_optimizer)):
                value = loss(a, b)
                optimizer.zero_grad()
                value.backward()
                if update:
                    optimizer.step()
                values.append(value)
            return values

        def results():
            g_loss, d_loss = step(update=False)
            return [fw.numpy(g_loss), fw.numpy(d_loss), *[fw.numpy(p.grad) for p in model.d_b.parameters()]]

        return step, results

    return Case(f"CycleGAN w{width} {blocks} blocks G+F, D_A+D_B train step, batch {batch}", 0.0, build, tolerance=2e-3)


def dcgan_pair(module, objective, batch_norm, width, latent_dim):
    """``module.<objective>`` on DCGAN's generator and discriminator, of ``module``: tinygen's or the twins'."""
    networks = module.DCGANGenerator(latent_dim, width=width), module.DCGANDiscriminator(width=width, batch_norm=batch_norm)
    return getattr(module, objective)(*networks, latent_dim)


def binary_images(batch):
    return lambda rng: [(rng.random((batch, 1, 28, 28)) < 0.3).astype(np.float32)]


def images_and_noise(batch, latent_dim):
    return lambda rng: binary_images(batch)(rng) + [rng.standard_normal((batch, latent_dim)).astype(np.float32)]


def mean_nll(model, x):
    return model.loss(x)[0]


def negative_elbo(model, x, noise):
    return -model.elbo(x, noise=noise)[0].mean()


def noised_images(batch, steps=1000):
    """x_t (drawn from N(0, I), its distribution at large t), steps t and the noise eps to predict."""

    def inputs(rng):
        return (rng.standard_normal((batch, 1, 28, 28)).astype(np.float32), rng.integers(0, steps, batch),
                rng.standard_normal((batch, 1, 28, 28)).astype(np.float32))  # fmt: skip

    return inputs


def noise_prediction_error(network, x_t, t, noise):
    """DDPM's L_simple for given x_t: the mean of (eps - eps_theta(x_t, t))^2."""
    return ((noise - network(x_t, t)) ** 2).mean()


def models_suite():
    """A training step of each model at its example's default size, on a batch of 28x28 binary images."""
    vae = images_and_noise(64, latent_dim=16)
    return [
        training_step_case("VAE MLP 784-512-512-16", "vae", "mlp_vae", {"latent_dim": 16}, vae, negative_elbo),
        training_step_case("VAE conv 32-64", "vae", "conv_vae", {"latent_dim": 16}, vae, negative_elbo),
        training_step_case("NADE H=500", "autoregressive.nade", "NADE", {"shape": (1, 28, 28), "hidden_features": 500},
                           binary_images(64), mean_nll),
        # the pixel models' examples train on batches of 16
        training_step_case("PixelCNN h32 5 blocks", "autoregressive.pixelcnn", "PixelCNN", {}, binary_images(16),
                           mean_nll),
        training_step_case("Row LSTM h16 2 layers", "autoregressive.pixelrnn", "RowLSTM", {}, binary_images(16),
                           mean_nll),
        training_step_case("Diagonal BiLSTM h16 2 layers", "autoregressive.pixelrnn", "DiagonalBiLSTM", {},
                           binary_images(16), mean_nll),
        # the GAN examples' default: width 32, latent 64, batches of 64
        gan_step_case("DCGAN w32 D+G", "NonSaturatingGAN", batch_norm=True),
        gan_step_case("WGAN-GP w32 critic (penalty)+G", "WGANGP", batch_norm=False),
        # gan_2d.py's Unrolled GAN: the cost of a step against K
        *(unrolled_step_case(steps) for steps in (0, 1, 5, 10)),
        # cyclegan_digits.py's default: width 16, 3 residual blocks, batches of 16 of each domain
        cyclegan_step_case(),
        # DDPM's simple loss on the U-Net of the diffusion example: x_t, its step t and noise given
        training_step_case("DDPM U-Net c32 (attention 7x7)", "diffusion", "UNet", {"attention": True},
                           noised_images(64), noise_prediction_error),
    ]
