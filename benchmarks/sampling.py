"""Time to draw 100 binarised MNIST digits from the pixel models: cached generation against running the
whole network once per pixel, in tinygen, beside the PyTorch twins' naive sampler.

    python benchmarks/sampling.py              # one thread; the table in benchmarks/results/sampling-<date>.md
    OMP_NUM_THREADS=2 python benchmarks/sampling.py --threads 2

The models are the examples' defaults (PixelCNN h = 32, 5 blocks; Gated PixelCNN
h = 16, 5 blocks; Row LSTM and Diagonal BiLSTM h = 16, 2 layers), freshly initialised in float32: the time
does not depend on the weights. Three ways to draw the same 784 pixels:

    tinygen fast    ``model.sample(n)``: each layer at each pixel once, from caches
    tinygen naive   ``model.sample_naive(n)``: the whole network at each of the 784 steps
    PyTorch naive   the twin (``torch_models``, same weights) run the same way, under no_grad

A naive step costs the same at every pixel (one full pass over the 28 x 28
image, whatever has been drawn), so the naive samplers are timed over their
first ``--steps`` steps, after two untimed warm-up steps, and the time
multiplied by 784 / steps; the table says so. The fast sampler is timed in
full, best of ``--repeats``. Times are CPU seconds of the process, as
``op_overhead.py`` takes them: with one thread, the wall time of an idle
machine, and little changed by other processes on a busy one. Before any time
is believed, the fast and the naive tinygen samplers, given the same seed,
must draw the same first ``--steps`` pixels.
"""
import argparse
import datetime
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


def parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--samples", type=int, default=100, help="digits drawn at once")
    parser.add_argument("--steps", type=int, default=112, help="naive steps timed (of 784), then extrapolated")
    parser.add_argument("--repeats", type=int, default=3, help="fast samplings timed; the fastest counts")
    parser.add_argument("--threads", type=int, default=1, help="threads for OpenMP, OpenBLAS, MKL, Numba and PyTorch")
    parser.add_argument("--output", type=Path, default=None, help="the table's path (default: results/sampling-DATE.md)")
    return parser.parse_args(argv)


def naive_tinygen(model, n, steps):
    """The first ``steps`` steps of ``sample_naive``: (seconds, the pixels drawn)."""
    import numpy as np

    import tinygen as tg

    x = model.flatten(tg.zeros(n, *model.shape))
    started = time.process_time()
    with tg.no_grad():
        for _, position, params in zip(range(steps), np.ndindex(x.shape[1:]), model.params_by_full_passes(x)):
            x[:, *position] = model.distribution(params).sample()
    return time.process_time() - started, x.numpy().reshape(n, -1)[:, :steps]


def naive_torch(twin, n, steps, size=28):
    """The first ``steps`` steps of the same sampler written for the PyTorch twin: seconds."""
    import torch

    x = torch.zeros(n, 1, size, size)
    started = time.process_time()
    with torch.no_grad():
        for step in range(steps):
            row, column = divmod(step, size)
            x[:, 0, row, column] = torch.bernoulli(torch.sigmoid(twin(x)[:, 0, row, column]))
    return time.process_time() - started


def measure(name, model, twin, args):
    import numpy as np

    import tinygen as tg

    naive_tinygen(model, args.samples, 2), naive_torch(twin, args.samples, 2)  # warm-up: kernels compiled, caches filled
    tg.manual_seed(0)
    naive_seconds, naive_pixels = naive_tinygen(model, args.samples, args.steps)
    fast_seconds = []
    for _ in range(args.repeats):
        tg.manual_seed(0)
        started = time.process_time()
        fast = model.sample(args.samples)
        fast_seconds.append(time.process_time() - started)
    if not np.array_equal(fast.numpy().reshape(args.samples, -1)[:, : args.steps], naive_pixels):
        raise AssertionError(f"{name}: the fast sampler drew other pixels than the naive one from the same seed")
    steps = model.num_dims
    return {"model": name, "parameters": sum(p.numel() for p in model.parameters()), "fast": min(fast_seconds),
            "naive": naive_seconds * steps / args.steps,
            "torch": naive_torch(twin, args.samples, args.steps) * steps / args.steps}  # fmt: skip


def markdown(rows, args, info):
    lines = [f"# Drawing {args.samples} binarised MNIST digits: cached generation against one pass per pixel", "",
             f"CPU seconds to draw {args.samples} digits at once (28 x 28, float32, {args.threads} thread(s)). "
             f"The naive samplers were timed over their first {args.steps} of 784 steps and the time scaled by "
             f"784 / {args.steps} (every naive step is one full pass); the fast sampler in full, fastest of "
             f"{args.repeats}. The fast and naive tinygen samplers drew the same first {args.steps} pixels from "
             "the same seed.", "",
             "| model | parameters | tinygen fast | tinygen naive (extrapolated) | naive / fast | "
             "PyTorch naive (extrapolated) | PyTorch naive / tinygen fast |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for row in rows:
        lines.append(f"| {row['model']} | {row['parameters']:,} | {row['fast']:.2f} s | {row['naive']:.0f} s | "
                     f"{row['naive'] / row['fast']:.0f}x | {row['torch']:.0f} s | {row['torch'] / row['fast']:.0f}x |")  # fmt: skip
    lines += ["", *(f"- {key}: {value}" for key, value in info.items())]
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse(argv)
    for variable in THREAD_VARIABLES:  # before NumPy, Numba and PyTorch start their thread pools
        os.environ[variable] = str(args.threads)
    import torch

    import tinygen as tg
    from tinygen.models.autoregressive import DiagonalBiLSTM, GatedPixelCNN, PixelCNN, RowLSTM

    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    from run import machine
    from torch_models import copy_weights, pixelcnn, pixelrnn

    # The commit whose code is imported now (a long run may see others land before it ends)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True).stdout.strip()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tg.manual_seed(0)
    models = {
        "PixelCNN, h = 32, 5 blocks": (PixelCNN(), pixelcnn.PixelCNN()),
        "Gated PixelCNN, h = 16, 5 blocks": (GatedPixelCNN(), pixelcnn.GatedPixelCNN()),
        "Row LSTM, h = 16, 2 layers": (RowLSTM(), pixelrnn.RowLSTM()),
        "Diagonal BiLSTM, h = 16, 2 layers": (DiagonalBiLSTM(), pixelrnn.DiagonalBiLSTM()),
    }
    rows = []
    for name, (model, twin) in models.items():
        rows.append(measure(name, model, copy_weights(model, twin), args))
        print(rows[-1], flush=True)
    info = machine("cpu") | {"commit": commit, "torch": torch.__version__, "threads": ", ".join(f"{v}={args.threads}" for v in THREAD_VARIABLES)}
    output = args.output or HERE / "results" / f"sampling-{datetime.date.today().isoformat()}.md"
    output.write_text(markdown(rows, args, info))
    print(output.read_text())


if __name__ == "__main__":
    main()
