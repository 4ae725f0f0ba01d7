"""How a training step degrades when another program keeps one of the two cores busy.

Two measurements, each quiet and then beside a load generator (one Python
process spinning on a core, the everyday case of a laptop doing something else):

* ``--sweep``: one matrix product at a time, in this process, on one BLAS
  thread and on all of them, alternating; the median and the 90th percentile
  show where a second thread pays on a quiet machine and what it risks on a
  busy one (the mechanism: the caller waits for a descheduled BLAS thread);
* the distribution over fresh processes (``--processes`` of each) of a step's
  median time, for tinygen as it is, tinygen with every product left to BLAS's
  own threading (``--serial-below 0``, what tinygen did before threads.py),
  tinygen on one thread throughout, and PyTorch, on the small MLP GAN step and
  a 32-channel convolution. The configurations take turns, one fresh process
  each, so that a load that drifts meets them all alike.

    python benchmarks/busy_machine.py --sweep --processes 6
    python benchmarks/busy_machine.py --baseline 347c103   # and tinygen at that commit, in the same turns
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from op_overhead import checkout  # noqa: E402
from run import RESULTS, machine, run_worker  # noqa: E402

CASES = ("Unrolled GAN K=0 toy MLP", "conv2d 32->32 28x28 k3 fwd+bwd")
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
CONFIGURATIONS = {  # name -> (framework, extra worker arguments, extra environment)
    "tinygen": ("tinygen", [], {}),
    "tinygen, every product on BLAS's threads (before)": ("tinygen", ["--serial-below", "0"], {}),
    "tinygen, one thread": ("tinygen", [], ONE_THREAD),
    "torch": ("torch", [], {}),
}
PRODUCTS = [(250, 128, 128), (250, 128, 2), (64, 288, 784), (128, 512, 512), (32, 288, 50176), (64, 576, 12544)]


@contextmanager
def load(busy):
    """One process spinning in Python for as long as the block runs (nothing when not ``busy``)."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    time.sleep(0.5 if busy else 0)
    try:
        yield
    finally:
        if spinner:
            spinner.kill()
            spinner.wait()


def sweep(repeats=400):
    """{(m, k, n): {"1 thread"|"all threads": (median us, 90th percentile us)}} for float32 (m, k) @ (k, n)."""
    from tinygen import threads

    most, rows = threads.get_num_threads(), {}
    rng = np.random.default_rng(0)
    for m, k, n in PRODUCTS:
        a, b = rng.standard_normal((m, k), np.float32), rng.standard_normal((k, n), np.float32)
        times = {1: [], most: []}
        count = max(5, min(repeats, int(2e10 / threads.product_flops(a.shape, b.shape))))
        for _ in range(count):
            for threads_now in times:
                threads.set_num_threads(threads_now)
                started = time.perf_counter()
                a @ b
                times[threads_now].append((time.perf_counter() - started) * 1e6)
        threads.set_num_threads(most)
        rows[(m, k, n)] = {f"{t} thread{'s' if t > 1 else ''}": (float(np.median(ts)), float(np.percentile(ts, 90)))
                           for t, ts in times.items()}  # fmt: skip
    return rows


def step_median(configuration, case, budget, results_dir):
    """The median step time (ms) of one fresh worker process."""
    framework, extra, environment = CONFIGURATIONS[configuration]
    options = argparse.Namespace(suite="all", device="cpu", budget=budget, only=case, check=False)
    return run_worker(framework, options, results_dir, extra=extra, environment=environment)[1][0]["median_ms"]


def markdown(sweeps, steps, processes, info):
    lines = ["# A busy machine: one other process spinning on one of the two cores", ""]
    if sweeps:
        lines += ["## One product, one BLAS thread against all of them (same process, alternating)", "",
                  "| m x k x n (float32) | MFLOP | " + " | ".join(f"{c}: {t} median / p90 us" for c in sweeps
                                                              for t in next(iter(sweeps[c].values()))) + " |",
                  "| --- | ---: | " + " | ".join("---:" for c in sweeps for _ in next(iter(sweeps[c].values()))) + " |"]
        for shape in PRODUCTS:
            cells = [f"{v[0]:.0f} / {v[1]:.0f}" for c in sweeps for v in sweeps[c][shape].values()]
            lines.append(f"| {'x'.join(map(str, shape))} | {2 * np.prod(shape) / 1e6:.1f} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += [f"## A step's median time in each of {processes} fresh processes (ms)", "",
              "| case | condition | configuration | sorted per-process medians | median | worst / best |",
              "| --- | --- | --- | --- | ---: | ---: |"]
    for (case, condition, configuration), medians in steps.items():
        ordered = sorted(medians)
        lines.append(f"| {case} | {condition} | {configuration} | {', '.join(f'{m:.1f}' for m in ordered)} | "
                     f"{np.median(ordered):.1f} | {ordered[-1] / ordered[0]:.1f} |")
    lines += ["", *[f"- {key}: {value}" for key, value in info.items()]]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=6, help="fresh processes per case, condition and setting")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds of timing in each process")
    parser.add_argument("--sweep", action="store_true", help="also time single products on 1 and on all threads")
    parser.add_argument("--cases", nargs="*", default=list(CASES), help="benchmark cases (text in their names)")
    parser.add_argument("--no-save", action="store_true", help="print the table without writing results/")
    parser.add_argument("--baseline", metavar="REV", help="also tinygen at this git revision (its tinygen folder "
                                                          "first on the workers' path), for the A/B of a change")
    args = parser.parse_args(argv)
    if args.baseline:
        folder = checkout(args.baseline, tempfile.mkdtemp()).parent
        path = {"PYTHONPATH": f"{folder}{os.pathsep}{HERE.parent}"}
        CONFIGURATIONS[f"tinygen at {args.baseline}"] = ("tinygen", [], path)

    sweeps, steps = {}, {}
    results_dir = tempfile.mkdtemp()  # the worker saves each case's outputs; nothing here compares them
    for condition, busy in (("quiet", False), ("one core busy", True)):
        with load(busy):
            if args.sweep:
                sweeps[condition] = sweep()
            for case in args.cases:
                for _ in range(args.processes):
                    for configuration in CONFIGURATIONS:
                        median = step_median(configuration, case, args.budget, results_dir)
                        steps.setdefault((case, condition, configuration), []).append(median)
                        print(case, condition, configuration, round(median, 1), flush=True)
    text = markdown(sweeps, steps, args.processes, machine("cpu"))
    print(text)
    if not args.no_save:
        (RESULTS / f"busy-machine-{time.strftime('%Y-%m-%d')}.md").write_text(text)


if __name__ == "__main__":
    main()
