"""The adversarial loop against PyTorch: DCGAN (non-saturating, Adam) and WGAN-GP (penalty, n_critic = 5),
trained 20 steps by ``fit_adversarially`` in float64, end with the parameters of their PyTorch twins
(benchmarks/torch_models/gan.py) fed the same weights, batches, noise and interpolation weights, to 1e-8
relative: the engine's double backward through a convolutional critic, the layers, losses, optimizers and
the loop's schedule, all at once."""
import json

import numpy as np
import pytest
from PIL import Image

import tinygen as tg
from tinygen import train
from tinygen.data import ArrayDataset, DataLoader, mnist
from tinygen.models.gan import dcgan_init_, wgan_gp
from tinygen.train.adversarial import fit_adversarially

WIDTH, LATENT, BATCH, STEPS, LR = 8, 8, 4, 20, 1e-3  # lr 5-10x the papers', so 20 steps move every weight


def build(module, objective, batch_norm):
    """The objective on DCGAN's networks (``module``: ``tinygen.models.gan`` or its twin), small."""
    networks = module.DCGANGenerator(LATENT, width=WIDTH), module.DCGANDiscriminator(width=WIDTH, batch_norm=batch_norm)
    return getattr(module, objective)(*networks, LATENT)


def recorded(function, draws):
    def draw(*args, **kwargs):
        value = function(*args, **kwargs)
        draws.append(value.numpy().copy())
        return value

    return draw


@pytest.mark.parametrize("objective, batch_norm", [("NonSaturatingGAN", True), ("WGANGP", False)])
def test_the_loop_follows_pytorch_step_for_step(objective, batch_norm, tmp_path, monkeypatch, torch_on_one_thread):
    torch = torch_on_one_thread
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models import gan as torch_gan
    from tinygen.models import gan

    tg.manual_seed(0)
    model = build(gan, objective, batch_norm)
    dcgan_init_(model)
    model = model.double()
    twin = copy_weights(model, build(torch_gan, objective, batch_norm).double())
    initial = {name: p.numpy().copy() for name, p in model.named_parameters()}

    noise, eps = [], []  # every z and eps the loop draws, in order: first the progress frames' fixed noise
    model.noise = recorded(model.noise, noise)
    monkeypatch.setattr(wgan_gp, "rand", recorded(wgan_gp.rand, eps))
    images, labels = mnist(signed=True).train.arrays
    data = ArrayDataset(images[:40] / 127.5 - 1, labels[:40])  # 10 batches of 4, float64
    parser = train.example_parser("gan_twin", "", epochs=2, batch_size=BATCH, lr=LR)
    run = train.Run(parser.parse_args(["--out", str(tmp_path), "--quiet"]))
    loader = DataLoader(data, BATCH, shuffle=True, seed=run.args.seed)
    fit_adversarially(run, model, loader, LR, num_samples=4, report=lambda run, samples, labels: {},
                      show_progress=lambda samples, path: Image.new("L", (2, 2)).save(path))  # fmt: skip
    logged = [json.loads(line)["d_loss"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()
              if json.loads(line)["kind"] == "step"]  # fmt: skip

    # The same steps in PyTorch: the critic's on the detached fake, the generator's every n_critic-th on the same fake.
    d_optimizer, g_optimizer = twin.optimizers(LR)
    batches = [x.numpy() for epoch in range(2) for x, _ in loader.batches(epoch)]
    assert len(batches) == len(logged) == STEPS and twin.n_critic == model.n_critic
    assert len(eps) == (STEPS if objective == "WGANGP" else 0)
    for step, x in enumerate(batches, start=1):
        fake = twin.generator(torch.tensor(noise[step]))
        extra = {"eps": torch.tensor(eps[step - 1])} if eps else {}
        d_loss, _ = twin.discriminator_loss(torch.tensor(x), fake.detach(), **extra)
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        assert logged[step - 1] == pytest.approx(d_loss.item(), rel=1e-10), step
        if step % twin.n_critic == 0:
            g_loss, _ = twin.generator_loss(fake)
            g_optimizer.zero_grad()
            g_loss.backward()
            g_optimizer.step()

    theirs = dict(twin.named_parameters())
    assert [name for name, _ in model.named_parameters()] == list(theirs)
    moved = {name for name, p in model.named_parameters() if np.abs(p.numpy() - initial[name]).max() > 1e-3}
    # It trained, so agreeing is not just starting alike. The critic's output bias cancels in E[D(x)] - E[D(G(z))] and
    # in the penalty: no critic step moves it.
    assert moved == set(theirs) - ({"discriminator.net.4.bias"} if objective == "WGANGP" else set())
    for name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.numpy(), theirs[name].detach().numpy(), rtol=1e-8, atol=0, err_msg=name)
    for name, buffer in twin.named_buffers():  # batch norm's running statistics, from the same forward passes
        np.testing.assert_allclose(model.state_dict()[name].numpy(), buffer.numpy(), rtol=1e-8, err_msg=name)
