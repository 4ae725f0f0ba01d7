"""Time tinygen against PyTorch in one process, one step of each in turn, both on one thread.

    python benchmarks/interleaved.py --suite models --only GAN      # table on stdout and in benchmarks/results/

run.py gives each framework its own process and both threads, which is right on an
idle machine. On a shared one (other jobs on the same cores) the load changes between
those processes, by 10x on a 2-core VM, and its ratios are noise. Here each repeat
times a tinygen step and then a PyTorch step of the same case, so a slow spell hits
both: the median of the per-repeat ratios is the comparison. One thread each, since
two pools in one process wait on each other. The frameworks must agree first, as in run.py.
"""
import argparse
import datetime
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy is imported
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # tinygen's kernels
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import numpy as np  # noqa: E402
from frameworks import ADAPTERS  # noqa: E402
from run import RESULTS, machine  # noqa: E402
from worker import SUITES  # noqa: E402


def compare(case, frameworks, repeats):
    """-> (worst relative difference, {framework: times ms}, per-repeat ratios tinygen/torch)."""
    built = {fw.name: case.build(fw, np.random.default_rng(0)) for fw in frameworks}
    results = {name: [np.array(r, np.float64) for r in results()] for name, (_, results) in built.items()}
    worst = max(float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))
                for a, b in zip(results["tinygen"], results["torch"], strict=True))  # fmt: skip
    for _ in range(3):  # warm-up: kernels compiled, optimizer state allocated
        for _, (step, _) in built.items():
            step()
    times = {fw.name: [] for fw in frameworks}
    for _ in range(repeats):
        for fw in frameworks:
            times[fw.name].append(fw.time_ms(built[fw.name][0]))
    return worst, times, np.array(times["tinygen"]) / np.array(times["torch"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="models", choices=sorted(SUITES))
    parser.add_argument("--only", default="", metavar="TEXT", help="only the cases whose name contains TEXT")
    parser.add_argument("--repeats", type=int, default=30, help="steps of each framework per case, in turn")
    parser.add_argument("--no-save", action="store_true", help="print the table without writing results/")
    args = parser.parse_args(argv)

    frameworks = [ADAPTERS["tinygen"]("cpu"), ADAPTERS["torch"]("cpu")]
    frameworks[1].torch.set_num_threads(1)
    lines = ["| case | tinygen ms | torch ms | ratio tinygen/torch (quartiles) | agree (max rel. diff) |",
             "| --- | ---: | ---: | ---: | --- |"]  # fmt: skip
    for case in SUITES[args.suite]():
        if args.only.lower() not in case.name.lower():
            continue
        worst, times, ratios = compare(case, frameworks, args.repeats)
        if worst > case.tolerance:
            lines.append(f"| {case.name} | | | | MISMATCH ({worst:.1e}) |")
            continue
        q1, median, q3 = np.percentile(ratios, [25, 50, 75])
        lines.append(f"| {case.name} | {np.median(times['tinygen']):.1f} | {np.median(times['torch']):.1f} | "
                     f"**{median:.2f}** ({q1:.2f}-{q3:.2f}) | yes ({worst:.0e}) |")  # fmt: skip
        print(lines[-1], flush=True)
    info = dict(machine("cpu"), threads=1, repeats=args.repeats, load_average=" ".join(map(str, os.getloadavg())),
                tinygen=frameworks[0].version, torch=frameworks[1].version)  # fmt: skip
    note = (f"One process, one thread per framework; each of {args.repeats} repeats times one tinygen step, then "
            "one PyTorch step. Times: medians; ratio: the median (and quartiles) of the per-repeat ratios.")
    text = "\n".join(lines + ["", note, ""] + [f"- {key}: {value}" for key, value in info.items()])
    print(text)
    if not args.no_save:
        only = "".join(c if c.isalnum() else "-" for c in args.only.lower())
        coretype = os.environ.get("OPENBLAS_CORETYPE", "").lower()  # run.py's second BLAS, if asked for
        parts = ["cpu", only, "interleaved", coretype, datetime.date.today().isoformat()]
        path = RESULTS / ("-".join(filter(None, parts)) + ".md")
        title = f"{args.suite} suite, interleaved in one process" + (f", cases containing '{args.only}'" if args.only else "")
        path.write_text(f"# {title}\n\n{text}\n")
        print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
