"""A tiny data-parallel example for ``Run``: a classifier with dropout on dynamically binarised digits (both draw
random numbers, differently on each rank), trained by ``mpiexec -n 2 python tests/distributed/tiny_run.py ARGS``.

``--crash-at-step K`` makes every rank fail after step K, as a killed job would.
"""
import sys

import tinygen as tg
from tinygen import nn, train
from tinygen.data import ArrayDataset, dynamic_binarize, mnist
from tinygen.train.arguments import positive_int


def main(argv):
    parser = train.example_parser("tiny", "a tiny classifier", epochs=2, batch_size=32, lr=1e-2, distributed=True)
    parser.add_argument("--crash-at-step", type=positive_int, default=None)
    args = parser.parse_args(argv)
    run = train.Run(args)
    images, labels = mnist().train.arrays
    loader = run.loader(ArrayDataset(images[:160], labels[:160], transform=dynamic_binarize))
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 10))
    run.data_parallel(model)
    optimizer = tg.optim.Adam(model.parameters(), lr=args.lr)
    run.track(model=model, optimizer=optimizer)
    for _ in run.epochs():
        for x, label in run.progress(loader):
            loss = tg.cross_entropy(model(x), label)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.log(loss=loss)
            if run.step == args.crash_at_step:
                raise SystemExit(f"crashed at step {run.step}")
    run.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
