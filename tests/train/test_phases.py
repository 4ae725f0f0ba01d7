"""fit_in_phases: phases taken in turn on every batch, or on every k-th."""
import numpy as np

import tinygen as tg
from tinygen import nn, train
from tinygen.data import ArrayDataset, DataLoader
from tinygen.models.base import Phase
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
