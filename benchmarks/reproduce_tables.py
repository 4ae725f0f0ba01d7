"""Reproduce the README's tables of results: run each row's example, and write beside each figure what makes it
repeat: the commit, the seed, the thread settings and the command.

    python benchmarks/reproduce_tables.py                      # every row: hours on 2 CPU cores
    python benchmarks/reproduce_tables.py --rows independence  # the rows whose name contains "independence"
    python benchmarks/reproduce_tables.py --rows "dcgan default" "wgan-gp 60"  # rows that contain either text
    python benchmarks/reproduce_tables.py --quick              # every row for a few batches: checks the script
    python benchmarks/reproduce_tables.py --threads 1          # one thread for OpenMP, OpenBLAS, MKL and Numba

Why the thread count matters: a float32 sum is rounded differently when it is
split among more threads (a BLAS product, a Numba reduction), and over
thousands of steps those last bits grow into different weights. A CPU run
repeats bit for bit with the same seed, commit and thread count; with another
thread count it lands nearby (the default VAE: 105.5 nats with one BLAS
thread, 105.1 with two). Every row therefore runs in a fresh process with
OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS and NUMBA_NUM_THREADS
set to --threads, and the table records them.

Each row writes its run to runs/reproduce/<row>/ (--runs); the table goes to
benchmarks/results/tables-<date>.md and .json (--quick: runs/reproduce-quick/,
and the table to that folder; --output).
"""
import argparse
import dataclasses
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")


@dataclasses.dataclass
class Row:
    name: str  # which README row (and the run's folder)
    script: str  # relative to the repository root
    arguments: tuple = ()
    seed: int = 0


ROWS = [
    # README, "Run the flagship example": the VAE, and its PyTorch twin
    Row("vae default, seed 0", "examples/vae_mnist.py"),
    Row("vae default, seed 1", "examples/vae_mnist.py", seed=1),
    Row("vae --full", "examples/vae_mnist.py", ("--full",)),
    Row("vae conv default", "examples/vae_mnist.py", ("--arch", "conv")),
    Row("vae pytorch default, seed 0", "benchmarks/train_vae_torch.py"),
    Row("vae pytorch default, seed 1", "benchmarks/train_vae_torch.py", seed=1),
    Row("vae pytorch --full", "benchmarks/train_vae_torch.py", ("--full",)),
    # README, "Autoregressive models on MNIST"
    Row("independence (independent pixels, markov chain, fvsbn)", "examples/independence_mnist.py"),
    Row("nade default", "examples/nade_mnist.py"),
    Row("nade 15 epochs", "examples/nade_mnist.py", ("--epochs", "15")),
    Row("pixelcnn default", "examples/pixelcnn_mnist.py"),
    Row("pixelcnn 10 epochs", "examples/pixelcnn_mnist.py", ("--epochs", "10")),
    Row("pixelrnn row default", "examples/pixelrnn_mnist.py", ("--cell", "row")),
    Row("pixelrnn row 15 epochs", "examples/pixelrnn_mnist.py", ("--cell", "row", "--epochs", "15")),
    Row("pixelrnn diagonal default", "examples/pixelrnn_mnist.py", ("--cell", "diagonal")),
    Row("pixelrnn diagonal 5 epochs", "examples/pixelrnn_mnist.py", ("--cell", "diagonal", "--epochs", "5")),
    # README, "Sample quality": the GANs, at their defaults and for 3 times the epochs
    Row("mlp gan default", "examples/gan_mnist.py"),
    Row("mlp gan 180 epochs", "examples/gan_mnist.py", ("--epochs", "180")),
    Row("mlp gan --loss minimax default", "examples/gan_mnist.py", ("--loss", "minimax")),
    Row("mlp gan --loss minimax 180 epochs", "examples/gan_mnist.py", ("--loss", "minimax", "--epochs", "180")),
    Row("dcgan default", "examples/dcgan_mnist.py"),
    Row("dcgan 45 epochs", "examples/dcgan_mnist.py", ("--epochs", "45")),
    Row("wgan default", "examples/wgan_mnist.py"),
    Row("wgan 90 epochs", "examples/wgan_mnist.py", ("--epochs", "90")),
    Row("wgan-gp default", "examples/wgan_gp_mnist.py"),
    Row("wgan-gp 60 epochs", "examples/wgan_gp_mnist.py", ("--epochs", "60")),
    Row("conditional gan default", "examples/cgan_mnist.py"),
    Row("conditional gan 45 epochs", "examples/cgan_mnist.py", ("--epochs", "45")),
    Row("infogan default, seed 0", "examples/infogan_mnist.py"),
    Row("infogan default, seed 1", "examples/infogan_mnist.py", seed=1),
    Row("infogan default, seed 2", "examples/infogan_mnist.py", seed=2),
    Row("ebgan default", "examples/ebgan_mnist.py"),
    Row("began default (gamma 0.5)", "examples/began_mnist.py"),
    Row("began gamma 0.3", "examples/began_mnist.py", ("--gamma", "0.3")),
    Row("began gamma 0.7", "examples/began_mnist.py", ("--gamma", "0.7")),
    # Between VAEs and GANs (issue 19): the 8-D VAE is the WAEs' twin (same networks, epochs and batches).
    Row("vae 8-D, 30 epochs, batches of 100", "examples/vae_mnist.py",
        ("--latent-dim", "8", "--epochs", "30", "--batch-size", "100", "--iw-samples", "100")),
    Row("wae-mmd default (8-D, lambda 100)", "examples/aae_mnist.py", ("--model", "wae_mmd", "--prior", "gaussian",
                                                                       "--latent-dim", "8")),
    Row("wae-mmd lambda 10 (the paper's)", "examples/aae_mnist.py", ("--model", "wae_mmd", "--prior", "gaussian",
                                                                     "--latent-dim", "8", "--penalty-weight", "10")),
    Row("wae-gan 8-D", "examples/aae_mnist.py", ("--model", "wae_gan", "--prior", "gaussian", "--latent-dim", "8")),
    Row("aae default (2-D ring)", "examples/aae_mnist.py"),
    Row("aae --conditional (2-D ring)", "examples/aae_mnist.py", ("--conditional",)),
    Row("vaegan default (with its vae)", "examples/vaegan_mnist.py"),
    # Diffusion (issue 20): the default U-Net's DDIM samples (S = 50, eta = 1), 1,000 of them as for the other rows
    Row("diffusion default", "examples/diffusion_mnist.py", ("--samples", "1000")),
    # Text to image (issue 18): GAN-INT-CLS's digits for 1,000 captions of test digits (and 1,000 held-out ones)
    Row("text-to-image gan-int-cls default", "examples/text_to_image_digits.py"),
    # Progressive GAN (issue 18): three seeds, and DCGAN for about the same seconds (39 epochs on one thread)
    *(Row(f"progan default, seed {seed}", "examples/progan_mnist.py", seed=seed) for seed in range(3)),
    *(Row(f"dcgan 39 epochs (progan's seconds), seed {seed}", "examples/dcgan_mnist.py", ("--epochs", "39"), seed=seed)
      for seed in range(3)),
]


def folder_name(row):
    return "".join(c if c.isalnum() else "_" for c in row.name).strip("_")


def command(row, out, quick):
    """The row's command line, run from the repository root."""
    return [sys.executable, row.script, *row.arguments, "--seed", str(row.seed), "--out", os.path.relpath(out, ROOT),
            "--quiet", *(["--quick"] if quick else [])]  # fmt: skip


def commit():
    """The commit, marked '+changes' when the working tree differs from it (then the figures may not repeat)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                           text=True).stdout.strip()  # fmt: skip
    return f"{head or 'unknown'}{'+changes' if dirty else ''}"


def run_row(row, out, threads, quick):
    """Run one row in a fresh process; -> its record: the held-out NLLs of metrics.json and how they were made."""
    environment = {**os.environ, **{name: str(threads) for name in THREAD_VARIABLES}}
    argv = command(row, out, quick)
    started = time.perf_counter()
    finished = subprocess.run(argv, cwd=ROOT, env=environment, capture_output=True, text=True)
    record = {"row": row.name, "command": " ".join(argv[1:]), "seed": row.seed,
              "seconds": round(time.perf_counter() - started, 1), "exit_status": finished.returncode}  # fmt: skip
    if finished.returncode != 0:
        return record | {"error": finished.stderr.strip().splitlines()[-1:]}
    metrics = json.loads((out / "metrics.json").read_text())
    # test_nll (one model) or test_nll_<model> (several), and the same for test_bits_per_dim
    record["nll"] = {key.removeprefix("test_nll").strip("_"): value
                     for key, value in metrics.items() if key.startswith("test_nll")}  # fmt: skip
    record["bits_per_dim"] = {key.removeprefix("test_bits_per_dim").strip("_"): value
                              for key, value in metrics.items() if key.startswith("test_bits_per_dim")}  # fmt: skip
    record["quality"] = {key.removeprefix("quality_"): value for key, value in metrics.items() if key.startswith("quality_")}
    return record


QUALITY = (("samples", "{:.0f}"), ("fid_mnist", "{:.1f}"), ("kid_mnist", "{:.2f}"), ("inception_score", "{:.2f}"),
           ("precision", "{:.3f}"), ("recall", "{:.3f}"), ("classes_covered", "{:.0f}/10"))  # fmt: skip


def quality_lines(records):
    """The sample-quality table: a line per model that a row scored (see tinygen.evaluation)."""
    lines = ["", "| row | model | samples | FID (MNIST features) | KID | IS | precision | recall | classes covered "
                 "| label accuracy | reference |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for record in records:
        quality = record.get("quality", {})
        for model in sorted({key.rsplit("_samples", 1)[0] for key in quality if key.endswith("_samples")}):
            cells = [form.format(quality[f"{model}_{name}"]) for name, form in QUALITY]
            accuracy = quality.get(f"{model}_label_accuracy")  # a conditional generator's
            cells.append("" if accuracy is None else f"{accuracy:.3f}")
            lines.append(f"| {record['row']} | {model} | {' | '.join(cells)} | {quality[f'{model}_reference']} |")
    return lines if len(lines) > 3 else []


def markdown(header, records):
    lines = [f"# The README's results, reproduced{' (--quick: a few batches, not the figures)' * header['quick']}", "",
             *(f"- {name}: {value}" for name, value in header.items()), "",
             "| row | held-out NLL, nats (bits/dim) | seed | command | time |", "| --- | --- | ---: | --- | ---: |"]  # fmt: skip
    for record in records:
        figures = record.get("error") or ", ".join(
            f"{model} {nll:.2f} ({record['bits_per_dim'].get(model, float('nan')):.3f})".strip()
            for model, nll in record["nll"].items()) or "none (no likelihood)"  # fmt: skip
        lines.append(f"| {record['row']} | {figures} | {record['seed']} | `{record['command']}` | {record['seconds']} s |")
    return "\n".join(lines + quality_lines(records)) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--rows", nargs="+", default=[""], metavar="TEXT",
                        help="run only the rows whose name contains one of these texts")
    parser.add_argument("--threads", type=int, default=2, help="threads for OpenMP, OpenBLAS, MKL and Numba")
    parser.add_argument("--quick", action="store_true", help="a few batches per row: checks the script, not the figures")
    parser.add_argument("--runs", type=pathlib.Path, default=None,
                        help="the folder of the rows' runs (default: runs/reproduce, or runs/reproduce-quick)")
    parser.add_argument("--output", type=pathlib.Path, default=None,
                        help="where the table goes, without extension (default: benchmarks/results/tables-DATE, "
                             "or RUNS/tables with --quick)")  # fmt: skip
    args = parser.parse_args(argv)
    rows = [row for row in ROWS if any(text in row.name for text in args.rows)]
    if not rows:
        parser.error(f"no row's name contains any of {args.rows}; the rows: {', '.join(row.name for row in ROWS)}")
    runs = (args.runs or ROOT / ("runs/reproduce-quick" if args.quick else "runs/reproduce")).resolve()
    today = datetime.date.today().isoformat()
    output = args.output or (runs / "tables" if args.quick else ROOT / f"benchmarks/results/tables-{today}")
    header = {"date": today, "commit": commit(), "threads": ", ".join(f"{v}={args.threads}" for v in THREAD_VARIABLES),
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
              "python": platform.python_version(), "quick": args.quick}  # fmt: skip
    records = []
    for row in rows:
        print(f"{row.name}: {' '.join(command(row, runs / folder_name(row), args.quick)[1:])}", flush=True)
        records.append(run_row(row, runs / folder_name(row), args.threads, args.quick))
        print(f"  -> {records[-1].get('nll', records[-1].get('error'))} in {records[-1]['seconds']} s", flush=True)
        output.parent.mkdir(parents=True, exist_ok=True)  # written after every row: a long run keeps what it has
        output.with_suffix(".json").write_text(json.dumps({**header, "rows": records}, indent=2) + "\n")
        output.with_suffix(".md").write_text(markdown(header, records))
    print(f"tables: {output.with_suffix('.md')} and .json")
    return 0 if all(record["exit_status"] == 0 for record in records) else 1


if __name__ == "__main__":
    sys.exit(main())
