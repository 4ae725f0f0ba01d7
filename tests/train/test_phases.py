"""fit_in_phases: phases taken in turn on every batch, or on every k-th; a joint phase from one forward pass."""
import numpy as np

import tinygen as tg
from tinygen import nn, train
from tinygen.data import ArrayDataset, DataLoader
from tinygen.models.base import JointPhase, Phase
from tinygen.train.autoencoding import fit_in_phases


def test_a_phase_with_every_k_runs_on_batches_k_2k_and_after_the_phases_before_it(tmp_path):
    parser = train.example_parser("phases_test", "two phases", epochs=2, batch_size=2, lr=1e-3)
    run = train.Run(parser.parse_args(["--out", str(tmp_path), "--quiet"]))
    model = nn.Linear(3, 1)
    data = ArrayDataset(np.random.default_rng(0).random((12, 3)).astype(np.float32), np.zeros(12, dtype=np.int64))
    calls = []

    def phase(name):
        def loss(x, labels):
            calls.append((name, run.step))
            return model(x).mean(), {name: model(x).mean()}

        return loss

    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
    fit_in_phases(run, model, DataLoader(data, 2), {"critic": Phase(phase("critic"), optimizer),
                                                    "generator": Phase(phase("generator"), optimizer, every=5),
                                                    "plain": (phase("plain"), optimizer)})  # fmt: skip
    run.finish()
    assert [step for name, step in calls if name == "critic"] == list(range(1, 13))
    assert [step for name, step in calls if name == "plain"] == list(range(1, 13))
    assert [step for name, step in calls if name == "generator"] == [5, 10]
    assert calls.index(("generator", 5)) == calls.index(("critic", 5)) + 1


def test_a_joint_phase_steps_each_network_on_its_own_loss_from_one_graph_before_any_steps(tmp_path):
    """a(x) feeds b; a descends L_a = mean(a(x)^2), b descends L_b = mean(b(a(x))); both gradients at the weights
    before the batch (SGD: w - lr g), both optimizers checkpointed under <phase>_<network>_optimizer."""
    parser = train.example_parser("joint_test", "a joint phase", epochs=1, batch_size=4, lr=1e-3)
    run = train.Run(parser.parse_args(["--out", str(tmp_path), "--quiet"]))
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)).double()
    a, b = model[0], model[1]
    x = np.random.default_rng(1).random((4, 3))

    def losses(x, labels):
        hidden = a(x)
        return {"a": (hidden**2).mean(), "b": b(hidden).mean()}, {"hidden": hidden.mean()}

    expected = {}
    for name, network in (("a", a), ("b", b)):
        model.zero_grad()
        losses(tg.tensor(x), None)[0][name].backward()
        expected |= {id(p): p.numpy() - 0.1 * p.grad.numpy() for p in network.parameters()}
    optimizers = {"a": tg.optim.SGD(a.parameters(), lr=0.1), "b": tg.optim.SGD(b.parameters(), lr=0.1)}
    fit_in_phases(run, model, DataLoader(ArrayDataset(x, np.zeros(4, dtype=np.int64)), 4),
                  {"joint": JointPhase(losses, optimizers)})  # fmt: skip
    for p in model.parameters():
        np.testing.assert_allclose(p.numpy(), expected[id(p)], rtol=1e-12)
    run.finish()
    assert {"joint_a_optimizer", "joint_b_optimizer"} <= set(tg.load(tmp_path / "checkpoint.npz")["states"])
