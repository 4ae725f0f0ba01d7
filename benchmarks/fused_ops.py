"""The fused normalisation and softmax kernels against the ops they replaced, and against PyTorch, in one process.

    python benchmarks/fused_ops.py            # table on stdout and in benchmarks/results/

Each repeat times three steps of a case in turn, on one thread: tinygen with its compiled kernels ("after"),
tinygen with them switched off ("before": batch, layer and group norm as moments, standardize and the affine
ops; softmax and log_softmax on array expressions, the route CuPy arrays still take), and PyTorch. On a busy
machine a step's wall time mostly measures the wait for a core, so the table gives CPU time (the process's,
all threads) as well; ratios are medians of the per-repeat ratios. The three must agree first, as in run.py.
"""
import argparse
import datetime
import os
import sys
import time
from pathlib import Path
from unittest import mock

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy is imported
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import numpy as np  # noqa: E402
from cases import ops_suite  # noqa: E402
from frameworks import ADAPTERS  # noqa: E402
from run import RESULTS, machine  # noqa: E402

import tinygen.kernels  # noqa: E402

FUSED = ("batch_norm", "group_norm", "layer_norm", "softmax")  # case names containing one of these


def kernels_off():
    """tinygen as before the kernels: every array goes the way a CuPy array goes."""
    no = lambda array: False  # noqa: E731
    return mock.patch.multiple(tinygen.kernels, norm_supports=no, softmax_supports=no)


def timed(step):
    """-> (wall ms, CPU ms) of one ``step()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3


def compare(case, repeats):
    tinygen, torch = ADAPTERS["tinygen"]("cpu"), ADAPTERS["torch"]("cpu")
    torch.torch.set_num_threads(1)
    after, after_results = case.build(tinygen, np.random.default_rng(0))
    before, before_results = case.build(tinygen, np.random.default_rng(0))
    reference, reference_results = case.build(torch, np.random.default_rng(0))
    want = [np.asarray(r, np.float64) for r in reference_results()]
    with kernels_off():
        got_before = before_results()
    worst = 0.0
    for got in (after_results(), got_before):
        for a, b in zip(got, want, strict=True):
            worst = max(worst, float(np.abs(np.asarray(a, np.float64) - b).max() / max(np.abs(b).max(), 1e-30)))

    def run_before():
        with kernels_off():
            before()

    steps = {"after": after, "before": run_before, "torch": reference}
    times = {name: [] for name in steps}
    for repeat in range(repeats + 3):  # three of warm-up
        for name, step in steps.items():
            measured = timed(step)
            if repeat >= 3:
                times[name].append(measured)
    return worst, {name: np.array(t) for name, t in times.items()}  # (repeats, 2): wall, CPU


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args(argv)
    lines = ["| case | clock | before ms | after ms | PyTorch ms | before / PyTorch | after / PyTorch | agree |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for case in ops_suite():
        if not any(name in case.name for name in FUSED):
            continue
        worst, times = compare(case, args.repeats)
        if worst > case.tolerance:
            lines.append(f"| {case.name} | | | | | | | MISMATCH ({worst:.1e}) |")
            continue
        for column, clock in ((1, "CPU"), (0, "wall")):
            ms = {name: np.median(t[:, column]) for name, t in times.items()}
            ratio = {name: np.percentile(times[name][:, column] / times["torch"][:, column], [25, 50, 75])
                     for name in ("before", "after")}  # fmt: skip
            cells = [f"**{r[1]:.2f}** ({r[0]:.2f}-{r[2]:.2f})" for r in ratio.values()]
            lines.append(f"| {case.name} | {clock} | {ms['before']:.1f} | {ms['after']:.1f} | {ms['torch']:.1f} | "
                         f"{cells[0]} | {cells[1]} | yes ({worst:.0e}) |")  # fmt: skip
            print(lines[-1], flush=True)
    info = dict(machine("cpu"), threads=1, repeats=args.repeats, load_average=" ".join(map(str, os.getloadavg())))
    note = ("One process, one thread; each repeat times before, after and PyTorch in turn. Times: medians; ratios: "
            "median (quartiles) of the per-repeat ratios. CPU: the process's CPU time; wall: perf_counter.")
    text = "\n".join(lines + ["", note, ""] + [f"- {key}: {value}" for key, value in info.items()])
    print(text)
    if not args.no_save:
        path = RESULTS / f"fused-ops-{datetime.date.today().isoformat()}.md"
        path.write_text(f"# Fused normalisation and softmax: before, after, PyTorch\n\n{text}\n")
        print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
