"""What one op costs beyond its arithmetic: a chain of 100,000 tiny ops, forward and backward, tinygen against PyTorch.

    python benchmarks/op_overhead.py                     # the table, also in benchmarks/results/op-overhead-<date>.md
    python benchmarks/op_overhead.py --baseline a23cf9e  # and an A/B: tinygen at that commit beside the working tree

On a one-element tensor the arithmetic is nothing, so what is timed is what
every op pays in Python: checking and promoting its operands, making the
output Tensor, recording the graph (forward), and, per op, ordering the graph,
calling the backward formula and handing its gradients on (backward). A model
of small layers, or a sampler that runs one pixel at a time, pays it on every
step.

Each framework runs in a process of its own (PyTorch on one thread), the
processes in turn for several rounds, so that a slow spell of a shared machine
hits every column. A process times the chain ``--repeats`` times after a
warm-up, in CPU seconds of the process (other processes on the machine then
cost it little), and reports its fastest; the table gives the median over
rounds, the lowest and highest in brackets. The garbage collector is off unless
``--gc-on``: with it on, as in a script, its full passes over a graph that
grows to 100,000 ops cost tinygen more than the ops themselves (every op keeps
a few Python objects alive: the Function, its inputs, a weak reference to its
output, the output Tensor), while PyTorch's graph lives in C++, out of its way.
Before any time is believed, the two frameworks' final values and gradients
are compared.

``--baseline REV`` measures a change: tinygen at REV is imported beside the
working tree's, under another name, and the two run alternately in the same
processes, so that both see the same machine at the same moments.
"""
import argparse
import datetime
import gc
import importlib.util
import io
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))
from run import machine  # noqa: E402

# name -> (one step as written for both frameworks, ops per step, the step)
CHAINS = {
    "affine": ("y = y * 1.0001 + 0.0001", 2, lambda y: y * 1.0001 + 0.0001),
    "mixed": ("y = ((y + 0.001) * 0.1).exp().sum().reshape(1)", 5,
              lambda y: ((y + 0.001) * 0.1).exp().sum().reshape(1)),
}  # fmt: skip


# ---- one process, one framework ----------------------------------------------------------------------------------
def time_chain(fw, step, steps, collector_on=False):
    """CPU seconds to build ``steps`` steps from a one-element leaf, and to run backward through them."""
    x = fw.ones(1, requires_grad=True)
    gc.collect()
    if not collector_on:
        gc.disable()
    try:
        started = time.process_time()
        y = x
        for _ in range(steps):
            y = step(y)
        built = time.process_time()
        y.sum().backward()
        done = time.process_time()
    finally:
        gc.enable()
    return built - started, done - built, y.item(), x.grad.item()


def import_as(name, package_dir):
    """The package in ``package_dir`` imported under another name, beside the one installed (its imports are
    relative, so the two copies share nothing)."""
    spec = importlib.util.spec_from_file_location(name, package_dir / "__init__.py",
                                                  submodule_search_locations=[str(package_dir)])  # fmt: skip
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worker(framework, ops, repeats, collector_on, baseline=None):
    """Time each chain on ``framework`` (and on the baseline's tinygen, alternately, in the same process)."""
    if framework == "torch":
        import torch

        torch.set_num_threads(1)
        modules = {"torch": torch}
    else:
        import tinygen

        modules = {"tinygen": tinygen}
        if baseline:
            modules = {f"tinygen at {baseline[0]}": import_as("tinygen_baseline", Path(baseline[1])), **modules}
    results = {label: {"version": fw.__version__, "source": str(Path(fw.__file__).parent)}
               for label, fw in modules.items()}  # fmt: skip
    for name, (_, ops_per_step, step) in CHAINS.items():
        steps = ops // ops_per_step
        runs = {label: [] for label in modules}
        for fw in modules.values():
            time_chain(fw, step, min(steps, 1000), collector_on)  # warm-up: first calls, allocator pools
        for _ in range(repeats):
            for label, fw in modules.items():
                runs[label].append(time_chain(fw, step, steps, collector_on))
        for label, timed in runs.items():
            forward, backward, value, grad = min(t[0] for t in timed), min(t[1] for t in timed), *timed[-1][2:]
            results[label][name] = {"ops": steps * ops_per_step, "forward_s": forward, "backward_s": backward,
                                    "value": value, "grad": grad}  # fmt: skip
    print(json.dumps(results))


# ---- the driver --------------------------------------------------------------------------------------------------
def run_worker(framework, ops, repeats, collector_on, baseline=None):
    """{column label: its results} from a fresh worker process."""
    command = [sys.executable, __file__, "--worker", framework, "--ops", str(ops), "--repeats", str(repeats)]
    if collector_on:
        command.append("--gc-on")
    if baseline:
        command += ["--baseline-source", *baseline]
    done = subprocess.run(command, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True,
                          check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the {framework} worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def checkout(revision, into):
    """tinygen's folder at ``revision``, extracted under ``into`` (git archive: the repository is not touched)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "tinygen"], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return Path(into) / "tinygen"


def agree(a, b):
    return math.isclose(a, b, rel_tol=1e-3, abs_tol=1e-30)


def measure(ops, repeats, rounds, collector_on=False, baseline=None):
    """{column: [its results in each round]}, the frameworks' processes in turn; -> (columns, disagreements)."""
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        baseline = (baseline, str(checkout(baseline, tmp))) if baseline else None
        for _ in range(rounds):
            for framework in ("tinygen", "torch"):
                baseline_here = baseline if framework == "tinygen" else None
                columns = run_worker(framework, ops, repeats, collector_on, baseline_here)
                for label, results in columns.items():
                    runs.setdefault(label, []).append(results)
    problems = []
    for name in CHAINS:
        theirs = runs["torch"][0][name]
        for label, results in runs.items():
            mine = results[0][name]
            if not (agree(mine["value"], theirs["value"]) and agree(mine["grad"], theirs["grad"])):
                problems.append(f"{name}: {label} gives value {mine['value']}, gradient {mine['grad']}; "
                                f"PyTorch {theirs['value']}, {theirs['grad']}")  # fmt: skip
    return runs, problems


def microseconds_per_op(results, name, phase):
    """(median, lowest, highest) over rounds of one phase's microseconds per op."""
    per_op = [r[name][f"{phase}_s"] / r[name]["ops"] * 1e6 for r in results]
    return float(np.median(per_op)), min(per_op), max(per_op)


def table(runs):
    header = ["chain", "framework", "forward µs/op", "backward µs/op", "forward + backward µs/op", "/ PyTorch"]
    lines = ["| " + " | ".join(header) + " |", "| --- | --- |" + " ---: |" * (len(header) - 2)]
    for name, (written, _, _) in CHAINS.items():
        torch_total = sum(microseconds_per_op(runs["torch"], name, phase)[0] for phase in ("forward", "backward"))
        for label, results in runs.items():
            cells = [microseconds_per_op(results, name, phase) for phase in ("forward", "backward")]
            total = cells[0][0] + cells[1][0]
            shown = [f"{median:.2f} ({low:.2f}-{high:.2f})" for median, low, high in cells]
            lines.append(f"| {name}: `{written}` | {label} | {shown[0]} | {shown[1]} | {total:.2f} | "
                         f"{total / torch_total:.1f} |")  # fmt: skip
    return "\n".join(lines)


def report(runs, ops, repeats, rounds, collector_on):
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    info = dict(machine("cpu"), commit=commit.stdout.strip() or "unknown", torch=runs["torch"][0]["version"],
                ops=ops, repeats=repeats, rounds=rounds)  # fmt: skip
    collector = "on, as in a script" if collector_on else "off"
    notes = (f"Each cell: the median over {rounds} rounds of a worker process's fastest of {repeats} chains of "
             f"{ops:,} ops, in CPU seconds of the process with Python's garbage collector {collector}, divided by "
             "the number of ops; in brackets the lowest and highest round. Backward includes the final sum and its "
             "seed. PyTorch runs on one thread.")  # fmt: skip
    return "\n".join([table(runs), "", notes, ""] + [f"- {key}: {value}" for key, value in info.items()])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=100_000, help="ops per chain")
    parser.add_argument("--repeats", type=int, default=3, help="chains timed per worker process (its fastest counts)")
    parser.add_argument("--rounds", type=int, default=3, help="worker processes per framework, run in turn")
    parser.add_argument("--baseline", help="a git revision whose tinygen is timed too, in the same processes as "
                        "tinygen's working tree, the two alternately (an A/B of a change)")
    parser.add_argument("--gc-on", action="store_true", help="leave Python's garbage collector on while timing")
    parser.add_argument("--no-save", action="store_true", help="print the table without writing results/")
    parser.add_argument("--worker", choices=["tinygen", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--baseline-source", nargs=2, help=argparse.SUPPRESS)  # revision, tinygen folder
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.ops, args.repeats, args.gc_on, args.baseline_source)

    runs, problems = measure(args.ops, args.repeats, args.rounds, args.gc_on, args.baseline)
    if problems:
        raise SystemExit("the frameworks disagree, so no time is reported:\n" + "\n".join(problems))
    text = report(runs, args.ops, args.repeats, args.rounds, args.gc_on)
    print(text)
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        suffix, collector = ("-gc-on", ", garbage collector on") if args.gc_on else ("", "")
        path = RESULTS / f"op-overhead-{datetime.date.today().isoformat()}{suffix}.md"
        title = f"Per-op overhead: a chain of {args.ops:,} tiny ops, tinygen and PyTorch{collector}"
        path.write_text(f"# {title}\n\n{text}\n")
        print(f"\nwritten: {path}")
    return runs


if __name__ == "__main__":
    main()
