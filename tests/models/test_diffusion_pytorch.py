"""DDPM's training step against PyTorch: the U-Net (attention at 7x7 included) and the MLP denoiser, fed the
same weights, x_0, steps t and noise, follow their twins (benchmarks/torch_models/diffusion.py) for 20 Adam
steps in float64, loss for loss and parameter for parameter."""
import numpy as np
import pytest

import tinygen as tg
from tinygen.models import diffusion
from tinygen.models.diffusion import DDPM, linear_schedule

NETWORKS = {
    "unet-attention": (lambda module: module.UNet(channels=8, groups=4, attention=True), (1, 28, 28)),
    "mlp": (lambda module: module.MLPDenoiser(2, 16, 2, 8), (2,)),
}


@pytest.mark.parametrize("name", NETWORKS)
def test_twenty_training_steps_follow_pytorch(name, torch_on_one_thread):
    torch = torch_on_one_thread
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models import diffusion as torch_diffusion

    build, shape = NETWORKS[name]
    tg.manual_seed(0)
    schedule = linear_schedule(100)
    model = DDPM(build(diffusion), shape, schedule).double()
    twin = torch_diffusion.DDPM(copy_weights(model.network, build(torch_diffusion).double()), schedule.alphas_cumprod)
    optimizer = tg.optim.Adam(model.parameters(), lr=1e-3)
    twin_optimizer = torch.optim.Adam(twin.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x_0, noise = rng.uniform(-1, 1, (2, *shape)), rng.standard_normal((2, *shape))
        t = rng.integers(0, 100, 2)
        loss = model.simple_loss(tg.tensor(x_0), tg.tensor(t), tg.tensor(noise)).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        twin_loss = twin.simple_loss(torch.tensor(x_0), torch.tensor(t), torch.tensor(noise)).mean()
        twin_optimizer.zero_grad()
        twin_loss.backward()
        twin_optimizer.step()
        assert loss.item() == pytest.approx(twin_loss.item(), rel=1e-10)
    theirs = dict(twin.named_parameters())
    assert sorted(n for n, _ in model.named_parameters()) == sorted(theirs)
    for parameter_name, parameter in model.named_parameters():
        np.testing.assert_allclose(parameter.numpy(), theirs[parameter_name].detach().numpy(), rtol=1e-8, atol=0,
                                   err_msg=parameter_name)  # fmt: skip

