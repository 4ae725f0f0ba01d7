"""How FID and KID (MNIST features) respond to real digits degraded step by step: the curves behind the tests.

    python benchmarks/evaluation_curves.py      # results/evaluation-curves-<date>.png and .md

1,000 training digits, degraded (``tinygen.evaluation.degradations``), are
scored against the 1,000 held-out digits at each strength; strength 0 is the
real-data floor at that sample size.
"""
import datetime
import pathlib

import numpy as np
from matplotlib.figure import Figure

from tinygen.data import mnist
from tinygen.evaluation import embed, feature_network, fid, kid
from tinygen.evaluation.degradations import STRENGTHS, degrade
from tinygen.evaluation.score import real_digits

RESULTS = pathlib.Path(__file__).resolve().parent / "results"
SAMPLES = 1000


def main():
    net = feature_network()
    train, test = real_digits(False, "train"), real_digits(False, "test")
    chosen = np.random.default_rng(0).choice(len(train), SAMPLES, replace=False)
    images, labels = train[chosen], mnist().train.arrays[1][chosen]
    test_features, _ = embed(net, test)
    rows, figure = [], Figure(figsize=(10, 4))
    axes = figure.subplots(1, 2)
    for kind, strengths in STRENGTHS.items():
        rng, fids, kids = np.random.default_rng(1), [], []
        for strength in strengths:
            features, _ = embed(net, degrade(images, labels, kind, strength, rng))
            fids.append(fid(test_features, features))
            kids.append(kid(test_features, features))
            rows.append(f"| {kind} | {strength} | {fids[-1]:.2f} | {kids[-1][0]:.4f} +- {kids[-1][1]:.4f} |")
        steps = range(len(strengths))
        axes[0].plot(steps, fids, marker="o", label=kind)
        axes[1].plot(steps, [k for k, _ in kids], marker="o", label=kind)
    for ax, name in zip(axes, ("FID (MNIST features)", "KID (MNIST features)")):
        ax.set_xlabel("degradation step (0 = real digits)")
        ax.set_ylabel(name)
        ax.set_yscale("symlog", linthresh=1)  # KID of real digits is about 0, and may be below it
        ax.legend()
    figure.suptitle(f"{SAMPLES} degraded training digits against the {len(test)} held-out digits")
    stem = RESULTS / f"evaluation-curves-{datetime.date.today()}"
    figure.savefig(stem.with_suffix(".png"), dpi=100)
    table = ["| degradation | strength | FID (MNIST features) | KID (MNIST features) |", "| --- | ---: | ---: | ---: |"]
    text = f"# {__doc__.splitlines()[0]}\n\n{SAMPLES} samples per point; strengths as in tinygen/evaluation/degradations.py.\n\n"
    stem.with_suffix(".md").write_text(text + "\n".join(table + rows) + "\n")
    print("\n".join(table + rows))


if __name__ == "__main__":
    main()
