"""Time every case of a suite on one framework; run by run.py, one process per framework.

Prints one JSON line per case (median and quartiles of the step time in ms)
and saves each case's results (output and gradients) for run.py to compare.
With ``--memory`` it times nothing and measures instead how much resident
memory one step takes on top of what the process held before it.
"""
import argparse
import gc
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cases import ops_suite
from frameworks import ADAPTERS
from model_cases import models_suite

SUITES = {"ops": ops_suite, "models": models_suite, "all": lambda: ops_suite() + models_suite()}


def time_step(fw, step, budget_s, min_repeats=5, max_repeats=50):
    """Warm up, then time repeats until the budget is spent; -> times in ms."""
    for _ in range(3):
        step()
    fw.sync()
    times = []
    started = time.perf_counter()
    while len(times) < min_repeats or (len(times) < max_repeats and time.perf_counter() - started < budget_s):
        times.append(fw.time_ms(step))
    return times


def step_memory_mb(step):
    """Peak resident memory during one step, above the resident memory before it (Linux: /proc/self)."""
    step()  # warm-up: kernels compiled, optimizer state allocated
    gc.collect()
    before = _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current resident size
    step()
    return (_status_kb("VmHWM") - before) / 1024


def _status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--framework", choices=sorted(ADAPTERS), required=True)
    parser.add_argument("--suite", choices=sorted(SUITES), required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--results-dir", type=Path, required=True)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds of timing per case")
    parser.add_argument("--only-check", action="store_true", help="compute results, time nothing")
    parser.add_argument("--memory", action="store_true", help="measure each step's peak memory, time nothing")
    parser.add_argument("--only", default="", help="only the cases whose name contains this text")
    parser.add_argument("--serial-below", type=float, metavar="FLOPS",
                        help="tinygen: products below this many flops on one thread (tinygen.threads; 0: none)")
    args = parser.parse_args()
    if args.serial_below is not None:
        from tinygen import threads

        threads.set_serial_below(args.serial_below)

    fw = ADAPTERS[args.framework](args.device)
    print(json.dumps({"framework": fw.name, "version": fw.version}), flush=True)
    cases = [case for case in SUITES[args.suite]() if args.only.lower() in case.name.lower()]
    for index, case in enumerate(cases):
        step, results = case.build(fw, np.random.default_rng(index))
        if args.memory:
            print(json.dumps({"case": case.name, "peak_mb": step_memory_mb(step)}), flush=True)
            continue
        np.savez(args.results_dir / f"{fw.name}-{index}.npz", *[np.asarray(r, np.float64) for r in results()])
        times = [] if args.only_check else time_step(fw, step, args.budget)
        summary = {"case": case.name, "flops": case.flops, "tolerance": case.tolerance}
        if times:
            summary.update(median_ms=float(np.median(times)), q1_ms=float(np.percentile(times, 25)),
                           q3_ms=float(np.percentile(times, 75)), repeats=len(times))  # fmt: skip
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
