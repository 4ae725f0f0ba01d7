"""Time tinygen against PyTorch on the same inputs and the same machine.

    python benchmarks/run.py --suite ops --device cpu        # table on stdout and in benchmarks/results/
    python benchmarks/run.py --suite ops --check             # no timing: do the two agree?

Each framework runs in its own worker process (their thread pools slow each
other down when they share one; see shared perf notes). Before any timing is
believed, every case's output and gradients from tinygen are compared with
PyTorch's; a case that disagrees is reported as a mismatch, without a ratio.

tinygen's matrix products are NumPy's OpenBLAS, which runs its AVX2 kernels on
some AVX-512 CPUs (AMD Zen 4/5) unless OPENBLAS_CORETYPE=SkylakeX is set before
NumPy is imported, while PyTorch's oneDNN uses AVX-512 there. On such a CPU the
tinygen worker runs a second time with that setting, and the table shows both
ratios: as the environment has it, and with the AVX-512 kernels.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


AVX512_CORETYPE = "SkylakeX"  # OpenBLAS's name for its AVX-512 kernels


def worker_environment(coretype=None):
    env = dict(os.environ, PYTHONPATH=str(HERE.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # Large fresh temporaries page-fault on small VMs; keeping freed memory mapped avoids it (both frameworks).
    env.setdefault("MALLOC_MMAP_THRESHOLD_", str(1 << 30))
    env.setdefault("MALLOC_TRIM_THRESHOLD_", str(1 << 30))
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    return env


def second_coretype(device):
    """SkylakeX where the CPU has AVX-512 and the environment does not already pick it; else None."""
    if device != "cpu" or "avx512f" not in _cpu_flags():
        return None
    return None if os.environ.get("OPENBLAS_CORETYPE") == AVX512_CORETYPE else AVX512_CORETYPE


def run_worker(framework, args, results_dir, memory=False, coretype=None, extra=(), environment=None):
    """One worker process: -> (the framework's version, a summary per case). ``extra``: more worker options;
    ``environment``: variables set for it on top of ``worker_environment``."""
    command = [sys.executable, str(HERE / "worker.py"), "--framework", framework, "--suite", args.suite,
               "--device", args.device, "--results-dir", str(results_dir), "--budget", str(args.budget),
               "--only", args.only, *extra]  # fmt: skip
    env = {**worker_environment(coretype), **(environment or {})}
    if args.check:
        command.append("--only-check")
    if memory:
        command.append("--memory")
        # Every large array gets its own mapping, returned when freed, so resident memory follows live memory.
        env.update(MALLOC_MMAP_THRESHOLD_="65536", MALLOC_TRIM_THRESHOLD_="0")
    done = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the {framework} worker failed:\n{done.stderr[-3000:]}")
    header, *cases = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return header["version"], cases


def peak_memory(args, results_dir):
    """{case: {framework: MB}} for the training-step cases, on the CPU (where /proc tells resident memory)."""
    if args.device != "cpu" or args.suite == "ops":
        return {}
    peaks = {}
    for framework in ("tinygen", "torch"):
        for case in run_worker(framework, args, results_dir, memory=True)[1]:
            if "train step" in case["case"]:
                peaks.setdefault(case["case"], {})[framework] = case["peak_mb"]
    return peaks


def agreement(mine_dir, theirs_dir, index, tolerance):
    """Largest difference over all compared arrays, relative to each array's largest magnitude."""
    mine = np.load(mine_dir / f"tinygen-{index}.npz")
    theirs = np.load(theirs_dir / f"torch-{index}.npz")
    worst = 0.0
    for key in theirs.files:
        scale = max(np.abs(theirs[key]).max(), 1e-30)
        worst = max(worst, float(np.abs(mine[key] - theirs[key]).max() / scale))
    return worst <= tolerance, worst


def machine(device):
    import numba

    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    info = {
        "cpu": _cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(), "numpy": np.__version__,
        "blas": f"{blas.get('name')} {blas.get('version')}", "numba": numba.__version__, "device": device,
    }  # fmt: skip
    if device == "gpu":
        import tinygen

        cupy = tinygen.backend.cupy_module()
        info["gpu"] = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
        info["cupy"] = cupy.__version__
    info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE", "not set (OpenBLAS detects the CPU)")
    return info


def _cpu_info():
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


def _cpu_model():
    for line in _cpu_info().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _cpu_flags():
    for line in _cpu_info().splitlines():
        if line.startswith("flags"):
            return line.split(":", 1)[1].split()
    return []


def combine_rounds(rounds):
    """Per case: the median over worker processes of each process's median step time, and their range.

    Identical runs in fresh processes differ by up to 2.7x on a shared VM (shared
    perf notes), so one process's median is one sample, not the answer.
    """
    combined = []
    for per_round in zip(*rounds):
        medians = [r["median_ms"] for r in per_round if "median_ms" in r]
        case = dict(per_round[0])
        if medians:
            case.update(median_ms=float(np.median(medians)), low_ms=min(medians), high_ms=max(medians))
        combined.append(case)
    return combined


def table(rows, info, coretype=None):
    second = [f"tinygen ms, {coretype} BLAS", f"ratio, {coretype} BLAS"] if coretype else []
    header = ["case", "tinygen ms", "torch ms", "ratio tinygen/torch", *second, "tinygen GFLOP/s", "torch GFLOP/s",
              "tinygen / torch step memory MB", "agree (max rel. diff)"]  # fmt: skip
    lines = ["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 2) + " --- |"]
    for r in rows:
        if not r["agree"]:
            lines.append(f"| {r['case']} |" + " |" * (len(header) - 2) + f" MISMATCH ({r['difference']:.1e}) |")
            continue
        gflops = f"{r['tinygen_gflops']:.0f} | {r['torch_gflops']:.0f}" if r["tinygen_gflops"] else " | "
        memory = f"{r['tinygen_mb']:.0f} / {r['torch_mb']:.0f}" if "tinygen_mb" in r else ""
        avx512 = f" {r['avx512_ms']:.2f} ({r['avx512_spread']}) | **{r['avx512_ratio']:.2f}** |" if coretype else ""
        lines.append(
            f"| {r['case']} | {r['tinygen_ms']:.2f} ({r['tinygen_spread']}) | {r['torch_ms']:.2f} ({r['torch_spread']}) | "
            f"**{r['ratio']:.2f}** |{avx512} {gflops} | {memory} | yes ({r['difference']:.0e}) |"
        )
    notes = ["", (f"Times are medians over {info['rounds']} worker processes per framework, run in turn, of each "
             "process's median step time after warm-up; in brackets the lowest and highest process. Step memory: "
             "peak resident memory during one training step above what the process held before it."), ""]  # fmt: skip
    if coretype:
        second_note = (f"The {coretype} columns time tinygen again with OPENBLAS_CORETYPE={coretype}: OpenBLAS's "
                       "AVX-512 kernels, which it does not pick by itself on this CPU.")  # fmt: skip
        notes[-1:-1] = [second_note, ""]
    return "\n".join(lines + notes + [f"- {key}: {value}" for key, value in info.items()])


def plot_ratios(rows, path, title):
    """A bar per agreeing case: the ratio tinygen/PyTorch on a log axis, 1.0 marked (left of it tinygen is faster)."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["agree"]]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.2))
    ratios = [r["ratio"] for r in rows]
    ax.barh(range(len(rows)), ratios, color=["tab:green" if x < 1 else "tab:orange" for x in ratios])
    ax.set_yticks(range(len(rows)), [r["case"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    for axis in (ax.xaxis.set_major_formatter, ax.xaxis.set_minor_formatter):
        axis(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_xlabel("time ratio tinygen / PyTorch (lower is better)")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--suite", default="all", choices=["ops", "models", "all"])
    parser.add_argument("--device", default="cpu", choices=["cpu", "gpu"])
    parser.add_argument("--budget", type=float, default=2.0, help="seconds of timing per case and framework")
    parser.add_argument("--rounds", type=int, default=3, help="worker processes per framework, run in turn")
    parser.add_argument("--check", action="store_true", help="only check that the frameworks agree; time nothing")
    parser.add_argument("--only", default="", metavar="TEXT",
                        help="only the cases whose name contains TEXT (saved as results/<device>-<TEXT>-<date>)")
    parser.add_argument("--no-save", action="store_true", help="print the table without writing results/")
    args = parser.parse_args(argv)

    coretype = None if args.check else second_coretype(args.device)
    workers = {"tinygen": ("tinygen", None), "torch": ("torch", None)}
    if coretype:
        workers["avx512"] = ("tinygen", coretype)
    with tempfile.TemporaryDirectory() as tmp:
        results_dir = Path(tmp)
        runs = {label: [] for label in workers}
        versions = {}
        for _ in range(1 if args.check else args.rounds):  # alternate, so a slow spell of the machine hits all
            for label, (framework, worker_coretype) in workers.items():
                (results_dir / label).mkdir(exist_ok=True)  # each tinygen configuration's results checked on their own
                versions[framework], cases = run_worker(framework, args, results_dir / label, coretype=worker_coretype)
                runs[label].append(cases)
        timed = {label: combine_rounds(rounds) for label, rounds in runs.items()}
        memory = {} if args.check else peak_memory(args, results_dir)
        rows = []
        for index, case in enumerate(timed["tinygen"]):
            checks = [agreement(results_dir / label, results_dir / "torch", index, case["tolerance"])
                      for label, (framework, _) in workers.items() if framework == "tinygen"]  # fmt: skip
            row = {"case": case["case"], "agree": all(agree for agree, _ in checks),
                   "difference": max(difference for _, difference in checks)}  # fmt: skip
            if not args.check:
                for label, by_case in timed.items():
                    r = by_case[index]
                    row.update({f"{label}_ms": r["median_ms"], f"{label}_spread": f"{r['low_ms']:.2f}-{r['high_ms']:.2f}",
                                f"{label}_gflops": r["flops"] / r["median_ms"] / 1e6})  # fmt: skip
                row["ratio"] = row["tinygen_ms"] / row["torch_ms"]
                if coretype:
                    row["avx512_ratio"] = row["avx512_ms"] / row["torch_ms"]
            row.update({f"{framework}_mb": mb for framework, mb in memory.get(case["case"], {}).items()})
            rows.append(row)
    if args.check:
        for row in rows:
            print(f"{'agree' if row['agree'] else 'MISMATCH':8s} {row['difference']:.1e}  {row['case']}")
        return rows
    info = dict(machine(args.device), tinygen=versions["tinygen"], torch=versions["torch"], rounds=args.rounds)
    text = table(rows, info, coretype)
    print(text)
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        only = "".join(c if c.isalnum() else "-" for c in args.only.lower())
        stem = RESULTS / "-".join(filter(None, [args.device, only, datetime.date.today().isoformat()]))
        title = f"{args.suite} suite on {args.device}" + (f", cases containing '{args.only}'" if args.only else "")
        stem.with_suffix(".md").write_text(f"# {title}\n\n{text}\n")
        stem.with_suffix(".json").write_text(json.dumps({"machine": info, "rows": rows}, indent=1))
        plot_ratios(rows, stem.with_suffix(".png"), f"{args.suite} suite on {args.device}: {info['cpu']}")
        print(f"\nwritten: {stem}.md, .json and .png")
    return rows


if __name__ == "__main__":
    main()
