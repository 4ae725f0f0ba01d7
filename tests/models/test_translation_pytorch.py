"""CycleGAN and DiscoGAN against PyTorch: 20 steps of ``fit_in_phases`` (both generators on their joint loss,
then both discriminators) in float64 on unpaired batches end with the parameters of their twins
(benchmarks/torch_models/translation.py), fed the same weights and batches, to 1e-8 relative (of each
tensor's largest entry, for its near-zero ones): reflection
padding, instance norm, the transposed convolution, the residual blocks, the losses and Adam, all at once."""
import json

import numpy as np
import pytest

import tinygen as tg
from tinygen import train
from tinygen.data import ArrayDataset, DataLoader, UnpairedLoader, mnist, optical_digits
from tinygen.models.translation import CycleGAN, DiscoGAN

WIDTH, BLOCKS, BATCH, STEPS, LR = 4, 1, 4, 20, 1e-3  # lr 5x the papers', so 20 steps move every weight
NETWORKS = ("g_ab", "g_ba", "d_a", "d_b")


def networks(module):
    return ([module.ResidualGenerator(width=WIDTH, blocks=BLOCKS) for _ in range(2)] +
            [module.PatchDiscriminator(width=WIDTH) for _ in range(2)])  # fmt: skip


@pytest.mark.parametrize("objective", ["CycleGAN", "DiscoGAN"])
def test_the_two_phases_follow_pytorch_step_for_step(objective, tmp_path, torch_on_one_thread):
    torch = torch_on_one_thread
    from benchmarks.torch_models import copy_weights
    from benchmarks.torch_models import translation as twins
    from tinygen.models import translation

    tg.manual_seed(0)
    pieces = networks(translation)
    model = (CycleGAN(*pieces, identity_weight=5.0, history=0) if objective == "CycleGAN" else DiscoGAN(*pieces))
    model = model.double()
    twin_pieces = [copy_weights(getattr(model, name), twin.double()) for name, twin in zip(NETWORKS, networks(twins))]
    twin = (twins.CycleGAN(*twin_pieces, identity_weight=5.0) if objective == "CycleGAN"
            else twins.DiscoGAN(*twin_pieces))  # fmt: skip
    initial = {name: p.numpy().copy() for name, p in model.named_parameters()}

    loaders = [DataLoader(ArrayDataset(images[:40] / 127.5 - 1, labels[:40]), BATCH, shuffle=True, seed=seed)
               for seed, (images, labels) in enumerate((mnist(signed=True).train.arrays,
                                                        optical_digits(signed=True).train.arrays))]  # fmt: skip
    loader = UnpairedLoader(*loaders)
    parser = train.example_parser("translation_twin", "", epochs=2, batch_size=BATCH, lr=LR)
    run = train.Run(parser.parse_args(["--out", str(tmp_path), "--quiet"]))
    train.fit_in_phases(run, model, loader, model.phases(LR))
    logged = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    logged = [record for record in logged if record["kind"] == "step"]

    g_optimizer, d_optimizer = twin.optimizers(LR)
    batches = [(a.numpy(), b.numpy()) for epoch in range(2) for (a, b), _ in loader.batches(epoch)]
    assert len(batches) == len(logged) == STEPS
    for step, (a, b) in enumerate(batches):
        a, b = torch.tensor(a), torch.tensor(b)
        g_loss = twin.generator_loss(a, b)
        g_optimizer.zero_grad()
        g_loss.backward()
        g_optimizer.step()
        d_loss = twin.discriminator_loss(a, b)
        d_optimizer.zero_grad()
        d_loss.backward()
        d_optimizer.step()
        assert logged[step]["d_loss_a"] + logged[step]["d_loss_b"] == pytest.approx(d_loss.item(), rel=1e-8), step

    moved = {name for name, p in model.named_parameters() if np.abs(p.numpy() - initial[name]).max() > 1e-3}
    # It trained, so agreeing is not just starting alike. (A bias before instance norm is subtracted with the mean:
    # no gradient reaches it.)
    assert {name for name in initial if name.endswith("weight")} <= moved
    for name in NETWORKS:
        theirs = dict(getattr(twin, name).named_parameters())
        mine = dict(getattr(model, name).named_parameters())
        assert list(mine) == list(theirs)
        for key, parameter in mine.items():
            expected = theirs[key].detach().numpy()  # to 1e-8 of each entry, or of the tensor's largest for tiny ones
            np.testing.assert_allclose(parameter.numpy(), expected, rtol=1e-8, atol=1e-8 * np.abs(expected).max(),
                                       err_msg=f"{name}.{key}")  # fmt: skip
