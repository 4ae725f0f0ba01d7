"""Data parallelism on the CPU: one process on 2 threads against 2 processes (mpiexec) on 1 thread each
(and, for scale, one process on one thread).

    python benchmarks/distributed.py --rounds 3      # table on stdout and in benchmarks/results/distributed-DATE.md

The steps are the examples' own: DCGAN (dcgan_mnist's defaults: width 32, batch 64, a critic step then a generator
step, as fit_adversarially) and the diffusion U-Net (diffusion_mnist's: 16 channels, batch 32, T = 200, Adam).
The global batch is the same in both settings: each of the 2 processes takes half of it. A round times each
setting of each model once, the settings in turn, so a slow spell of a shared machine falls on both; the table
gives medians over rounds, the machine's load average beside each round.

Communication's share: each process times what DistributedDataParallel spends on it, starting each bucket's
all-reduce (with its copy into one flat array) and, when backward ends, waiting for them all. The wait includes
any wait for the slower process (on a shared machine, most of it). Alone, an all-reduce of all the gradients at
once (no backward running) is the transfer's own cost.
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
MODELS = ("dcgan", "unet")
SETTINGS = {"1 process x 2 threads": (1, 2), "2 processes x 1 thread": (2, 1), "1 process x 1 thread": (1, 1)}


# ---- one measurement (a worker: alone, or one of the ranks under mpiexec) -------------------------------------


def worker(model_name, steps, warmup):
    import numpy as np

    import tinygen as tg
    from tinygen import distributed
    from tinygen.data import mnist

    data = mnist(signed=True).train
    world = distributed.init() if distributed.launched() else 1
    rank = distributed.get_rank()
    timer = _timed_ddp() if world > 1 else None
    tg.manual_seed(rank)
    step, modules, batch = _training_step(model_name, world, timer)
    rng = np.random.default_rng(rank)
    images = [data.batch(rng.choice(len(data), batch, replace=False))[0] for _ in range(8)]
    for i in range(warmup):
        step(tg.tensor(images[i % 8]))
    if timer:
        timer.seconds = 0.0
        distributed.barrier()
    started = time.perf_counter()
    for i in range(steps):
        step(tg.tensor(images[i % 8]))
    seconds = time.perf_counter() - started
    result = {"steps_per_second": steps / seconds, "communication_share": timer.seconds / seconds if timer else 0.0,
              "parameters": sum(p.numel() for m in modules for p in m.parameters())}  # fmt: skip
    if timer:
        result["alone_all_reduce_ms"] = _all_reduce_alone_ms(modules)
    results = distributed.all_gather_object(result) if world > 1 else [result]
    if rank == 0:
        print(json.dumps({"ranks": results}))


def _training_step(model_name, world, timer):
    """-> (step(x), the modules, this process's batch)."""
    from tinygen import optim
    from tinygen.models.diffusion import DDPM, UNet, linear_schedule
    from tinygen.models.gan import DCGANDiscriminator, DCGANGenerator, NonSaturatingGAN, dcgan_init_

    if model_name == "dcgan":
        batch = 64 // world
        networks = dcgan_init_(DCGANGenerator(64, width=32)), dcgan_init_(DCGANDiscriminator(width=32))
        model = NonSaturatingGAN(*networks, 64)
        if timer:
            timer(model.generator), timer(model.discriminator)
        d_optimizer, g_optimizer = model.optimizers()

        def step(x):
            fake = model.generate(model.noise(x.shape[0]))
            d_loss, _ = model.discriminator_loss(x, fake.detach())
            d_optimizer.zero_grad()
            d_loss.backward()
            d_optimizer.step()
            g_loss, _ = model.generator_loss(fake)
            g_optimizer.zero_grad()
            g_loss.backward()
            g_optimizer.step()

        return step, [model.generator, model.discriminator], batch
    batch = 32 // world
    model = DDPM(UNet(channels=16, groups=8), (1, 28, 28), linear_schedule(200), clip_denoised=True)
    if timer:
        timer(model)
    optimizer = optim.Adam(model.parameters(), lr=2e-3)

    def step(x):
        loss, _ = model.loss(x)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step, [model], batch


def _timed_ddp():
    """DistributedDataParallel that adds up the seconds it spends starting and finishing its all-reduces."""
    from tinygen.distributed import DistributedDataParallel

    class Timed(DistributedDataParallel):
        seconds = 0.0

        def _launch(self, index):
            started = time.perf_counter()
            super()._launch(index)
            Timed.seconds += time.perf_counter() - started

        def _finish(self):
            started = time.perf_counter()
            super()._finish()
            Timed.seconds += time.perf_counter() - started

    return Timed


def _all_reduce_alone_ms(modules, repeats=20):
    import numpy as np

    import tinygen as tg
    from tinygen import distributed

    flat = tg.tensor(np.zeros(sum(p.numel() for m in modules for p in m.parameters()), np.float32))
    times = []
    for _ in range(repeats):
        distributed.barrier()
        started = time.perf_counter()
        distributed.all_reduce(flat)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


# ---- the driver ---------------------------------------------------------------------------------------------


def measure(model_name, processes, threads, steps, warmup):
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
           "NUMBA_NUM_THREADS": str(threads)}  # fmt: skip
    command = [sys.executable, __file__, "--worker", model_name, "--steps", str(steps), "--warmup", str(warmup)]
    if processes > 1:
        command = [str(Path(sys.executable).parent / "mpiexec"), "-n", str(processes), *command]
    output = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])["ranks"]


def shares(ranks):
    return ", ".join(f"{r['communication_share']:.0%}" for r in ranks)


def load_average():
    return os.getloadavg()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--worker", choices=MODELS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.steps, args.warmup)
    rows = {(m, s): [] for m in MODELS for s in SETTINGS}
    loads = []
    for round_number in range(args.rounds):
        order = list(SETTINGS)[round_number % 3 :] + list(SETTINGS)[: round_number % 3]  # each one first in turn
        for model_name in MODELS:
            for setting in order:
                before = load_average()
                ranks = measure(model_name, *SETTINGS[setting], args.steps, args.warmup)
                loads.append((before + load_average()) / 2)
                rows[model_name, setting].append(ranks)
                print(f"round {round_number + 1} {model_name:5s} {setting:24s} "
                      f"{ranks[0]['steps_per_second']:6.2f} steps/s, communication "
                      f"{shares(ranks)}, load {loads[-1]:.1f}", flush=True)
    report = table(rows, args, loads)
    print(report)
    out = RESULTS / f"distributed-{datetime.date.today()}.json"
    out.write_text(json.dumps({f"{m} | {s}": v for (m, s), v in rows.items()}, indent=1))
    print(f"raw measurements: {out}")


def table(rows, args, loads):
    lines = [f"{args.rounds} rounds of {args.steps} timed steps (after {args.warmup}), load average during the "
             f"runs {min(loads):.1f}-{max(loads):.1f} (2 cores)", "",
             "| step | setting | steps/s (median) | per round | communication share (rank 0, rank 1) | all-reduce "
             "of all gradients alone |", "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for (model_name, setting), runs in rows.items():
        speeds = [ranks[0]["steps_per_second"] for ranks in runs]
        shares = [statistics.median(ranks[i]["communication_share"] for ranks in runs) for i in range(len(runs[0]))]
        alone = [ranks[0].get("alone_all_reduce_ms") for ranks in runs]
        lines.append(f"| {model_name} ({runs[0][0]['parameters']:,} parameters) | {setting} | "
                     f"{statistics.median(speeds):.2f} | {', '.join(f'{s:.2f}' for s in speeds)} | "
                     f"{', '.join(f'{s:.0%}' for s in shares) if len(shares) > 1 else '-'} | "
                     f"{f'{statistics.median(alone):.2f} ms' if alone[0] is not None else '-'} |")  # fmt: skip
    for model_name in MODELS:
        medians = [statistics.median(r[0]["steps_per_second"] for r in rows[model_name, s]) for s in SETTINGS]
        two_threads, two_processes, one_thread = medians
        lines.append(f"\n{model_name}: 2 processes / 1 process of 2 threads = {two_processes / two_threads:.2f}x; "
                     f"2 threads / 1 thread = {two_threads / one_thread:.2f}x")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
