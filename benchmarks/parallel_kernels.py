"""tinygen's parallel kernels and thread rule, in one process: one step on one thread, on two with every kernel
serial, and on two as tinygen runs it now.

    python benchmarks/parallel_kernels.py                  # the 3x3 convolutions, norms and softmax of the ops suite
    python benchmarks/parallel_kernels.py --only softmax --repeats 40

On a shared machine the load moves between processes, so the settings take turns inside one process: each repeat
times one step under each of them, in a shuffled order (the step after PyTorch's finds a cold cache, 25% slower
for a norm), and the ratios are medians of the per-repeat ratios. Wall time is what a user waits; CPU time (the
process's, all threads) shows what a second thread costs in all. PyTorch on one thread is the reference for the
CPU time (its OpenMP pool would wait on tinygen's threads in the same process). The settings and PyTorch must
agree first, as in run.py. ``uptime``'s load is printed with the table: on two cores, one other busy process is
enough to leave the second thread without a core (Linux may run both threads on the one free core), and the
two-thread columns then measure the queue, not the kernels.
"""
import argparse
import contextlib
import os
import sys
import time
from pathlib import Path
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import numpy as np  # noqa: E402
from cases import ops_suite  # noqa: E402
from frameworks import ADAPTERS  # noqa: E402

from tinygen import threads  # noqa: E402

CASES = ("k3 fwd+bwd", "U-Net", "norm", "softmax")  # case names containing one of these


@contextlib.contextmanager
def setting(name, most):
    """tinygen on one thread, or on ``most`` with every kernel serial, or on ``most`` as it is (the parallel
    kernels above ``threads.kernel_threads``' threshold)."""
    threads.set_num_threads(1 if name == "1 thread" else most)
    serial = mock.patch.object(threads, "kernel_threads", lambda values: 1)
    with serial if name.endswith("kernels serial") else contextlib.nullcontext():
        yield


def timed(step):
    """-> (wall ms, CPU ms) of one ``step()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3


def compare(case, settings, most, repeats):
    """-> (worst relative difference from PyTorch, {setting or "torch": (repeats, 2) array of wall, CPU ms})."""
    tinygen, torch = ADAPTERS["tinygen"]("cpu"), ADAPTERS["torch"]("cpu")
    torch.torch.set_num_threads(1)
    step, results = case.build(tinygen, np.random.default_rng(0))
    reference, reference_results = case.build(torch, np.random.default_rng(0))
    want = [np.asarray(r, np.float64) for r in reference_results()]
    worst = 0.0
    for name in settings:
        with setting(name, most):
            for got, expected in zip(results(), want, strict=True):
                scale = max(np.abs(expected).max(), 1e-30)
                worst = max(worst, float(np.abs(np.asarray(got, np.float64) - expected).max() / scale))
    names, order = [*settings, "torch"], np.random.default_rng(0)
    times = {name: [] for name in names}
    for repeat in range(repeats + 3):  # three of warm-up
        for name in order.permutation(names):  # the step after PyTorch's finds a cold cache: each in turn
            with setting(name, most) if name != "torch" else contextlib.nullcontext():
                measured = timed(step if name != "torch" else reference)
            if repeat >= 3:
                times[name].append(measured)
    threads.set_num_threads(most)
    return worst, {name: np.array(t) for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--only", default="", metavar="TEXT", help="only the cases whose name contains TEXT")
    args = parser.parse_args(argv)
    most = threads.get_num_threads()
    settings = ("1 thread", f"{most} threads, kernels serial", f"{most} threads")
    print("| case | load | " + " | ".join(f"{s}: wall / CPU ms" for s in settings)
          + " | PyTorch, 1 thread: wall / CPU ms | " + " | ".join(f"wall, {settings[-1]} / {s}" for s in settings[:-1])
          + " | agree |")  # fmt: skip
    print("| --- | --- | " + " | ".join("---:" for _ in range(2 * len(settings))) + " | --- |")
    for case in ops_suite():
        if not any(name in case.name for name in CASES) or args.only.lower() not in case.name.lower():
            continue
        load = os.getloadavg()[0]
        worst, times = compare(case, settings, most, args.repeats)
        load = f"{load:.1f}-{os.getloadavg()[0]:.1f}"
        if worst > case.tolerance:
            print(f"| {case.name} | {load} | MISMATCH ({worst:.1e}) |")
            continue
        cells = [f"{np.median(t[:, 0]):.1f} / {np.median(t[:, 1]):.1f}" for t in times.values()]
        ratios = []
        for other in settings[:-1]:
            r = np.percentile(times[settings[-1]][:, 0] / times[other][:, 0], [25, 50, 75])
            ratios.append(f"**{r[1]:.2f}** ({r[0]:.2f}-{r[2]:.2f})")
        print(f"| {case.name} | {load} | " + " | ".join(cells + ratios) + f" | yes ({worst:.0e}) |", flush=True)
    print(f"\nOne process; each repeat times every setting and PyTorch in turn ({args.repeats} repeats after 3 of "
          "warm-up). Times: medians; ratios: median (quartiles) of the per-repeat ratios. Load: uptime's one-minute "
          "average before and after the case.")


if __name__ == "__main__":
    main()
