"""StarGAN against PyTorch: 12 critic steps and a generator step after every third, in float64, on the same digits,
targets and interpolation weights, end with the parameters of the twin (benchmarks/torch_models/stargan.py) to 1e-8
relative: the conditioned generator, both discriminator heads, the gradient penalty's second-order gradient, the
attribute losses, the reconstruction and Adam, all at once."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.data import mnist
from tinygen.data.attributes import AttributeSplit
from tinygen.models.translation import AttributeDiscriminator, ResidualGenerator, StarGAN

WIDTH, BLOCKS, BATCH, STEPS, N_CRITIC, LR, K = 4, 1, 4, 12, 3, 1e-3, 2


def test_critic_and_generator_steps_follow_pytorch(torch_on_one_thread):
    torch = torch_on_one_thread
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models import stargan as twins
    from benchmarks.torch_models.translation import ResidualGenerator as TwinGenerator

    tg.manual_seed(0)
    generator = ResidualGenerator(width=WIDTH, blocks=BLOCKS, condition_dim=K, resize=True)  # the example's
    model = StarGAN(generator, AttributeDiscriminator(K, width=WIDTH), K, n_critic=N_CRITIC).double()
    twin_generator = TwinGenerator(width=WIDTH, blocks=BLOCKS, condition_dim=K, resize=True).double()
    twin = twins.StarGAN(copy_weights(model.generator, twin_generator),
                         copy_weights(model.discriminator, twins.AttributeDiscriminator(K, width=WIDTH).double()))  # fmt: skip
    initial = {name: p.numpy().copy() for name, p in model.named_parameters()}
    (d_loss_of, d_optimizer), (g_loss_of, g_optimizer) = model.phases(LR).values()
    twin_d_optimizer, twin_g_optimizer = twin.optimizers(LR)

    pixels = mnist().train.arrays[0][: BATCH * STEPS]
    images = pixels / 127.5 - 1
    attributes = AttributeSplit.at_median(pixels / 255.0)(pixels / 255.0).astype(np.float64)
    rng = np.random.default_rng(0)
    for step in range(1, STEPS + 1):
        rows = slice(BATCH * (step - 1), BATCH * step)
        x, c = images[rows], attributes[rows]
        target, eps = c[rng.permutation(BATCH)], rng.random(BATCH)
        phases = [(d_loss_of, d_optimizer, (eps,), twin.discriminator_loss, twin_d_optimizer)]
        if step % N_CRITIC == 0:
            phases.append((g_loss_of, g_optimizer, (), twin.generator_loss, twin_g_optimizer))
        for loss_of, optimizer, extra, twin_loss_of, twin_optimizer in phases:
            loss, _ = loss_of(tg.tensor(x), tg.tensor(c), tg.tensor(target), *map(tg.tensor, extra))
            model.zero_grad()
            loss.backward()
            optimizer.step()
            twin_loss = twin_loss_of(*map(torch.tensor, (x, c, target, *extra)))
            twin_optimizer.zero_grad()
            twin_loss.backward()
            twin_optimizer.step()
            assert loss.item() == pytest.approx(twin_loss.item(), rel=1e-8), step

    # It trained, so agreeing is not just starting alike. (The critic's score bias cancels in E[D(x)] - E[D(G(x, c'))].)
    moved = {name for name, p in model.named_parameters() if np.abs(p.numpy() - initial[name]).max() > 1e-4}
    assert moved == set(initial) - {"discriminator.patches.last.bias"}
    theirs = dict(twin.named_parameters())
    for name, parameter in model.named_parameters():
        expected = theirs[name].detach().numpy()
        np.testing.assert_allclose(parameter.numpy(), expected, rtol=1e-8, atol=1e-8 * np.abs(expected).max(), err_msg=name)
