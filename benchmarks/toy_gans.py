"""Mode collapse on the toy rings and grids: each GAN objective over several seeds, as the README's GAN table reports it.

    python benchmarks/toy_gans.py                          # ring and grid x gan, nsgan, wgan, wgan-gp x seeds 0-2
    python benchmarks/toy_gans.py --datasets ring --losses wgan --extra "--epochs 60" --output runs/wgan-long
    python benchmarks/toy_gans.py --quick                  # a few batches per run: checks the script
    python benchmarks/toy_gans.py --losses nsgan --unrolls 0 1 5   # the Unrolled GAN at K = 0 (plain), 1 and 5

Each run is ``examples/gan_2d.py`` in a fresh process with one thread
(OMP/OpenBLAS/MKL/Numba), --jobs of them at a time; its metrics.json gives
the literature's figures for 2,500 samples (tinygen/evaluation/toy_metrics.py):
modes captured, the high-quality percentage and the reverse KL, and the
stricter count of modes holding a fifth of their fair share (Toy2D.coverage).
The table has the mean and the standard deviation over the seeds, each seed's
figures, the commit and the command. With several --unrolls, a picture per data
set puts seed 0's samples over training side by side, one row per K. The reverse KL is infinite when no
sample is near any mode; the mean is then over the finite ones, and says so.
"""
import argparse
import concurrent.futures
import datetime
import json
import math
import os
import pathlib
import shlex
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from reproduce_tables import ROOT, THREAD_VARIABLES, commit  # noqa: E402  (a script beside this one)

LOSSES = ("gan", "nsgan", "wgan", "wgan-gp")
FIGURES = (("modes_captured", "modes captured", 1), ("high_quality", "high quality %", 100),
           ("reverse_kl", "reverse KL", 1), ("modes_covered", "modes with 1/5 of their share", 1))  # fmt: skip


def run_one(dataset, loss, unroll, seed, extra, runs, quick):
    """examples/gan_2d.py in a fresh one-thread process; -> its record: the figures of its metrics.json."""
    out = runs / f"{dataset}_{loss}{f'_unroll{unroll}' if unroll else ''}_seed{seed}"
    argv = [sys.executable, "examples/gan_2d.py", "--dataset", dataset, "--loss", loss, "--seed", str(seed),
            *(["--unroll", str(unroll)] if unroll else []), *extra, "--out", os.path.relpath(out, ROOT), "--quiet",
            *(["--quick"] if quick else [])]  # fmt: skip
    started = time.perf_counter()
    finished = subprocess.run(argv, cwd=ROOT, env={**os.environ, **dict.fromkeys(THREAD_VARIABLES, "1")},
                              capture_output=True, text=True)  # fmt: skip
    record = {"dataset": dataset, "loss": loss + (f" unrolled K={unroll}" if unroll else ""), "seed": seed,
              "unroll": unroll, "out": str(out), "command": " ".join(argv[1:]),
              "seconds": round(time.perf_counter() - started, 1), "exit_status": finished.returncode}  # fmt: skip
    if finished.returncode != 0:
        return record | {"error": finished.stderr.strip().splitlines()[-1:]}
    metrics = json.loads((out / "metrics.json").read_text())
    config = json.loads((out / "config.json").read_text())
    steps = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return record | {name: metrics[name] for name, _, _ in FIGURES} | {
        "modes": metrics["modes"], "lr": config["lr"], "steps": steps[-1]["step"],
        "generator_steps": sum("g_loss" in step for step in steps)}  # fmt: skip


def mean_and_spread(values, scale):
    finite = [scale * value for value in values if math.isfinite(value)]
    if not finite:
        return "inf"
    mean = sum(finite) / len(finite)
    spread = math.sqrt(sum((v - mean) ** 2 for v in finite) / (len(finite) - 1)) if len(finite) > 1 else 0.0
    note = f" ({len(values) - len(finite)} inf)" if len(finite) < len(values) else ""
    return f"{mean:.2f} ± {spread:.2f}{note}" if scale == 1 and mean < 10 else f"{mean:.1f} ± {spread:.1f}{note}"


def markdown(header, records):
    lines = ["# Toy 2-D GANs: modes captured and sample quality, mean ± standard deviation over seeds", "",
             *(f"- {name}: {value}" for name, value in header.items()), "",
             f"| data | loss | critic (generator) steps | lr | seeds | {' | '.join(title for _, title, _ in FIGURES)} | minutes per run |",
             "| --- | --- | ---: | ---: | ---: |" + " ---: |" * (len(FIGURES) + 1)]  # fmt: skip
    done = [r for r in records if r["exit_status"] == 0]
    for dataset, loss in dict.fromkeys((r["dataset"], r["loss"]) for r in done):
        group = [r for r in done if (r["dataset"], r["loss"]) == (dataset, loss)]
        cells = [mean_and_spread([r[name] for r in group], scale) for name, _, scale in FIGURES]
        minutes = sum(r["seconds"] for r in group) / len(group) / 60
        lines.append(f"| {dataset} ({group[0]['modes']:.0f} modes) | {loss} | {group[0]['steps']:,} "
                     f"({group[0]['generator_steps']:,}) | {group[0]['lr']:g} | {len(group)} | "
                     f"{' | '.join(cells)} | {minutes:.1f} |")  # fmt: skip
    lines += ["", "Each run:", "", "| data | loss | seed | modes captured | high quality % | reverse KL | "
              "modes with 1/5 of their share | command |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for r in records:
        figures = (r.get("error") and [str(r["error"])] * 4) or [f"{r['modes_captured']:.0f}", f"{100 * r['high_quality']:.1f}",
                                                                  f"{r['reverse_kl']:.3f}", f"{r['modes_covered']:.0f}"]  # fmt: skip
        lines.append(f"| {r['dataset']} | {r['loss']} | {r['seed']} | {' | '.join(figures)} | `{r['command']}` |")
    return "\n".join(lines) + "\n"


def side_by_side(records, path, columns=5):
    """One row of progress frames per run (seed 0 of each K), ``columns`` epochs spread over training, in one PNG."""
    from PIL import Image

    rows = []
    for r in records:
        frames = sorted((pathlib.Path(r["out"]) / "progress").glob("epoch_*.png"))
        picks = sorted({frames[round(i * (len(frames) - 1) / (columns - 1))] for i in range(columns)})
        rows.append([Image.open(frame).convert("RGB") for frame in picks])
    if not rows:
        return
    width, height = rows[0][0].size
    sheet = Image.new("RGB", (width * max(map(len, rows)), height * len(rows)), "white")
    for i, row in enumerate(rows):
        for j, frame in enumerate(row):
            sheet.paste(frame.resize((width, height)), (j * width, i * height))
    sheet.save(path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["ring", "grid"], help="toy data sets (tinygen.data.TOY_DATASETS)")
    parser.add_argument("--losses", nargs="+", choices=LOSSES, default=list(LOSSES), help="the objectives")
    parser.add_argument("--unrolls", nargs="+", type=int, default=[0],
                        help="the Unrolled GAN's K for gan and nsgan (gan_2d.py --unroll; 0: the plain objective)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 .. SEEDS-1 of each pair")
    parser.add_argument("--extra", default="", help='more options for gan_2d.py, e.g. "--epochs 60"')
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time, one thread each")
    parser.add_argument("--quick", action="store_true", help="a few batches per run: checks the script, not the figures")
    parser.add_argument("--runs", type=pathlib.Path, default=None, help="the runs' folder (default: runs/toy-gans[-quick])")
    parser.add_argument("--output", type=pathlib.Path, default=None,
                        help="the table, without extension (default: benchmarks/results/toy-gans-DATE, or RUNS/toy-gans)")
    args = parser.parse_args(argv)
    runs = (args.runs or ROOT / ("runs/toy-gans-quick" if args.quick else "runs/toy-gans")).resolve()
    today = datetime.date.today().isoformat()
    output = args.output or (runs / "toy-gans" if args.quick else ROOT / f"benchmarks/results/toy-gans-{today}")
    header = {"date": today, "commit": commit(), "threads": "1 per run (OMP, OpenBLAS, MKL, Numba)",
              "options": f"examples/gan_2d.py defaults{' with ' + args.extra if args.extra else ''}", "runs at a time": args.jobs, "machine": f"{os.cpu_count()} CPUs, shared with other work", "quick": args.quick}
    jobs = [(dataset, loss, unroll, seed) for dataset in args.datasets for loss in args.losses
            for unroll in (args.unrolls if loss in ("gan", "nsgan") else [0]) for seed in range(args.seeds)]  # fmt: skip
    records = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:  # threads only wait on the processes
        futures = [pool.submit(run_one, *job, shlex.split(args.extra), runs, args.quick) for job in jobs]
        for future in concurrent.futures.as_completed(futures):
            records.append(future.result())
            r = records[-1]
            print(f"{r['dataset']} {r['loss']} seed {r['seed']}: {r.get('error') or r['modes_captured']} modes "
                  f"in {r['seconds']} s", flush=True)  # fmt: skip
            records.sort(key=lambda r: jobs.index((r["dataset"], r["loss"].split()[0], r["unroll"], r["seed"])))
            output.parent.mkdir(parents=True, exist_ok=True)  # written after every run: a long run keeps what it has
            output.with_suffix(".json").write_text(json.dumps({**header, "runs": records}, indent=2) + "\n")
            output.with_suffix(".md").write_text(markdown(header, records))
    if len(args.unrolls) > 1:
        for dataset in args.datasets:
            side_by_side([r for r in records if r["dataset"] == dataset and r["seed"] == 0 and r["exit_status"] == 0],
                         output.with_name(f"{output.name}-{dataset}-unrolled.png"))  # fmt: skip
    print(f"table: {output.with_suffix('.md')} and .json")
    return 0 if all(r["exit_status"] == 0 for r in records) else 1


if __name__ == "__main__":
    sys.exit(main())
