"""``Run``: one training run of an example, with everything around the loop that every example needs.

    args = train.example_parser("vae_mnist", "A VAE on MNIST", epochs=10, batch_size=128, lr=1e-3).parse_args()
    run = train.Run(args)                      # output folder, seed, device, metrics log
    ...                                        # data, loader, model, optimizer
    run.track(model=model, optimizer=opt)      # what checkpoints hold; with --resume, restored here
    for epoch in run.epochs():                 # on resume, starts at the interrupted epoch
        for x, _ in run.progress(loader):      # a progress bar; on resume, starts at the next batch
            loss = ...; opt.zero_grad(); loss.backward(); opt.step()
            run.log(loss=loss)                 # the bar's live loss and metrics.jsonl
        run.log_epoch(test_nll=...)
    run.finish()                               # final checkpoint, curves.png

What makes ``--resume`` exact. A run's future depends on the tracked
objects' state (weights, optimizer moments), on tinygen's CPU random
generator (initialisation, dropout, dynamic binarisation), and on where it
stands in the data. The checkpoint stores all three: every ``state_dict``,
the generator's state, and (epoch, batch within the epoch, step). The
loader's order in epoch e depends on (seed, e) only, so the resumed run
recomputes it and skips the batches already done. A CPU run interrupted
and resumed ends with the same parameters, bit for bit, as one that was not.
(On the GPU, CuPy's generator state is not saved: a resumed GPU run is
close, not identical.)

Data-parallel runs (``mpiexec -n N python examples/dcgan_mnist.py``, for
the examples whose parser offers ``--distributed``). Every rank trains the
same model on its share of each batch (``run.loader``, ``run.data_parallel``;
``tinygen.distributed``) and draws its own noise (rank r seeds with
seed + 1000 r). Only rank 0 writes (metrics, pictures, checkpoints); the
others keep their records in memory. A checkpoint holds every rank's
generator state, so all ranks resume from the same file exactly, with as
many ranks as wrote it. A Ctrl-C (mpiexec passes it to every rank) stops
them all after the same step: they agree on it at each step's end.

Checkpoints go to ``<out>/checkpoint.npz`` every ``--checkpoint-every``
steps, at the end of every epoch and at the end, each written atomically by
``tinygen.save``: an interruption mid-write keeps the previous one.

What a run guards against:

- A start that fails leaves the folder as it was. ``Run(args)`` only checks
  (the device, that ``--out`` is writable, that ``--resume`` has a
  checkpoint); ``config.json`` and ``metrics.jsonl`` are written when
  training begins, after the data, the model and a resumed checkpoint have
  all been read without error.
- Ctrl-C. From the first epoch to ``finish()``, an interrupt during a step
  lets the step end; one between steps (evaluating, sampling) stops at once.
  Either way the run writes a checkpoint of the last whole step and
  metrics.json, and exits with "interrupted at step N; checkpoint written;
  continue with --resume": --resume then goes on exactly from step N + 1.
  A second Ctrl-C stops at once, without a checkpoint.
- Divergence. A logged value that is not finite, or parameters of a tracked
  module that are not (checked after every step, which costs one pass over
  them), stop the run with the step and the hint to lower --lr; the last
  checkpoint, from before, is kept.
"""
import itertools
import json
import math
import pathlib
import signal
import tempfile
import threading
import time
import weakref

import numpy
from tqdm import tqdm

from .. import backend, distributed, random
from ..backend import DeviceError
from ..data import DataLoader
from ..distributed import DistributedDataParallel, DistributedSampler
from ..serialization import CheckpointError, load, save
from ..tensor import Tensor
from .metrics import MetricsLog, to_float
from .plots import save_curves

QUICK_EPOCHS = 2
QUICK_BATCHES = 3


class Run:
    def __init__(self, args):
        self.args = args
        self.name = args.example
        self.device = args.device
        self.out = pathlib.Path(args.out)
        self.checkpoint_path = self.out / "checkpoint.npz"
        self.num_epochs = min(args.epochs, QUICK_EPOCHS) if args.quick else args.epochs
        self.epoch = self.batch_in_epoch = self.step = 0
        self.tracked = {}
        self._restored = self._started = False
        self._checkpoint_rng = None  # the generator's state in the last checkpoint written or read (None: now's)
        self._bar = None
        # Ctrl-C: whether one came, whether the state is mid-change (then it waits), the handler it replaced.
        self._interrupted = self._deferring = False
        self._previous_handler = None
        try:
            backend.array_module_for(self.device)  # imports CuPy and finds a GPU, or says how to get one
        except DeviceError as error:
            _fail(str(error))
        _check_writable(self.out)
        if args.resume and not self.checkpoint_path.exists():
            _fail(f"--resume: there is no checkpoint at {self.checkpoint_path} (run without --resume to start)")
        self.distributed = self._join_processes()
        self.rank, self.world_size = distributed.get_rank(), distributed.get_world_size()
        self.is_main = self.rank == 0
        if args.batch_size % self.world_size:
            _fail(f"--batch-size {args.batch_size} does not split evenly over {self.world_size} processes: "
                  f"use a multiple of {self.world_size}")  # fmt: skip
        self.metrics = MetricsLog(self.out / "metrics.jsonl", resume=args.resume,
                                  write=self.is_main)  # reads only, until the first record  # fmt: skip
        random.manual_seed(args.seed + 1000 * self.rank)

    def _join_processes(self):
        """Whether this run is data-parallel: asked for with --distributed, or started by mpiexec."""
        if not hasattr(self.args, "distributed"):
            if distributed.launched():
                _fail(f"{self.name} does not train data-parallel: run it as one process, without mpiexec")
            return False
        if not (self.args.distributed or distributed.launched()):
            return False
        try:
            distributed.init()
        except distributed.DistributedError as error:
            _fail(f"--distributed: {error}")
        return True

    def path(self, name):
        """``<out>/name``: where an example writes a picture or a file of its own."""
        return self.out / name

    # ---- what a checkpoint holds -----------------------------------------------
    def track(self, **objects):
        """Name the modules, optimizers and schedulers that checkpoints hold; restore them with --resume."""
        for name, obj in objects.items():
            if not (hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict")):
                raise TypeError(f"run.track({name}=...) needs an object with state_dict() and load_state_dict() "
                                f"(a Module, an Optimizer, a scheduler), got {type(obj).__name__}")
        self.tracked.update(objects)
        if self.args.resume:
            self._restore()

    def loader(self, dataset):
        """The training batches: --batch-size of ``dataset``, shuffled by --seed, on --device; this rank's share
        of each (--batch-size / N examples) when data-parallel."""
        if not self.distributed:
            return DataLoader(dataset, self.args.batch_size, shuffle=True, seed=self.args.seed, device=self.device)
        return DataLoader(dataset, self.args.batch_size // self.world_size, device=self.device,
                          sampler=DistributedSampler(dataset, seed=self.args.seed))  # fmt: skip

    def data_parallel(self, *modules):
        """When data-parallel, make ``modules`` start from rank 0's weights and average their gradients after
        each backward (one ``DistributedDataParallel`` each: separate losses reach them). Call it before
        anything copies their weights (a moving average)."""
        for module in modules if self.distributed else ():
            DistributedDataParallel(module)  # kept alive by the hooks it puts on the parameters

    def save_checkpoint(self, rng_state=None, gather=True):
        """Write the tracked states, the position and the generator's state (by default, its state now).

        Data-parallel: every rank's generator state, gathered (every rank must call it) and written by rank 0;
        ``gather=False``, once training is over, reuses the other ranks' states of the last checkpoint."""
        rng_state = random.get_rng_state() if rng_state is None else rng_state
        self._checkpoint_rng = rng_state
        if self.distributed and gather:
            self._rng_of_ranks = distributed.all_gather_object(rng_state)
        if not self.is_main:
            return
        rng_states = [rng_state] + self._rng_of_ranks[1:] if self.distributed else None
        save({"example": self.name, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch, "step": self.step,
              "rng": rng_state, "states": {name: obj.state_dict() for name, obj in self.tracked.items()},
              **({"rng_of_ranks": rng_states} if self.distributed else {})},
             self.checkpoint_path)  # fmt: skip

    def _restore(self):
        path = self.checkpoint_path
        try:
            checkpoint = load(path)
        except CheckpointError as error:
            _fail(f"--resume: {error}")
        if checkpoint.get("example") != self.name:
            _fail(f"--resume: {path} was written by the example {checkpoint.get('example')!r}, not {self.name!r}")
        if checkpoint["step"] > 0 and not self.metrics.path.exists():
            # the epoch means that metrics.json, the curves and the result table are made of live only there
            _fail(f"--resume: {path} is at step {checkpoint['step']}, but {self.metrics.path} is missing, and with it "
                  f"the metrics of the steps before; put it back, or start afresh without --resume (or with another --out)")
        saved, tracked = sorted(checkpoint["states"]), sorted(self.tracked)
        if saved != tracked:
            _fail(f"--resume: {path} holds {saved}, but this run tracks {tracked}")
        for name, obj in self.tracked.items():
            try:
                obj.load_state_dict(checkpoint["states"][name])
            except (RuntimeError, ValueError, KeyError) as error:
                _fail(f"--resume: {path} does not fit this run's {name!r} ({type(obj).__name__}), "
                      f"a checkpoint of another model?\n{error}")
        self.epoch, self.batch_in_epoch, self.step = checkpoint["epoch"], checkpoint["batch_in_epoch"], checkpoint["step"]
        ranks = len(checkpoint.get("rng_of_ranks", [None]))
        if ranks != self.world_size:
            _fail(f"--resume: {path} was written by {ranks} process(es), this run has {self.world_size}; resume "
                  f"with as many ({'mpiexec -n ' + str(ranks) if ranks > 1 else 'without mpiexec'}) for the same run")
        self._checkpoint_rng = checkpoint["rng_of_ranks"][self.rank] if self.distributed else checkpoint["rng"]
        random.set_rng_state(self._checkpoint_rng)
        self._rng_of_ranks = checkpoint.get("rng_of_ranks")
        self.metrics.truncate(self.epoch, self.step)
        self._restored = True
        self._say(f"resuming {self.name} at epoch {self.epoch + 1}, batch {self.batch_in_epoch}, step {self.step}")

    # ---- the loops ---------------------------------------------------------------
    def epochs(self):
        """The epoch numbers still to run (from 0); each finished epoch is summarised and checkpointed."""
        if self.args.resume and not self._restored:
            _fail("--resume: call run.track(model=..., optimizer=...) before the training loop")
        self._start()
        while self.epoch < self.num_epochs:
            started = time.perf_counter()
            yield self.epoch
            summary = "  ".join(f"{name} {value:.4g}" for name, value in self.metrics.epoch_means(self.epoch).items())
            self._say(f"epoch {self.epoch + 1}/{self.num_epochs}  step {self.step}  {summary}  "
                      f"({time.perf_counter() - started:.1f} s)")
            self._deferring = True  # the position and its checkpoint change together
            self.epoch, self.batch_in_epoch = self.epoch + 1, 0
            self.save_checkpoint()
            self._end_deferral()

    def progress(self, loader):
        """The training batches of this epoch, under a progress bar; counts steps and checkpoints.

        Starts after the batches already done (on resume); with --quick stops after a few.
        """
        total = min(len(loader), QUICK_BATCHES) if self.args.quick else len(loader)
        batches = loader.batches(self.epoch, start=self.batch_in_epoch)
        with self._progress_bar(total, self.batch_in_epoch, f"epoch {self.epoch + 1}/{self.num_epochs}") as bar:
            self._bar = bar  # for ``log`` to show the live loss on
            try:
                for batch in itertools.islice(batches, max(total - self.batch_in_epoch, 0)):
                    self._deferring = True  # from here to the step's end, Ctrl-C waits: the state is mid-change
                    self.step += 1
                    yield batch
                    self.batch_in_epoch += 1
                    self._check_parameters()
                    bar.update()
                    if self.step % self.args.checkpoint_every == 0:
                        self.save_checkpoint()
                    self._end_deferral()
            finally:
                self._bar = None

    def evaluation(self, loader, description="eval"):
        """The batches of ``loader`` in order, under a progress bar; with --quick only a few. Counts nothing."""
        total = min(len(loader), QUICK_BATCHES) if self.args.quick else len(loader)
        with self._progress_bar(total, 0, description) as bar:
            for batch in itertools.islice(loader.batches(), total):
                yield batch
                bar.update()

    # ---- reporting -----------------------------------------------------------------
    def log(self, **values):
        """Record the metrics of this step (numbers or one-element Tensors); the bar shows them live.

        A value that is not finite stops the run: training has diverged."""
        record = self.metrics.append("step", self.epoch, self.step, values)
        if self._bar is not None:
            self._bar.set_postfix({name: f"{record[name]:.4g}" for name in values}, refresh=False)
        for name in values:
            if not math.isfinite(record[name]):
                self._diverged(f"{name} is {record[name]}")

    def log_epoch(self, **values):
        """Record metrics of the whole epoch (a test loss, say); they join the epoch's summary line."""
        self.metrics.append("epoch", self.epoch, self.step, values)

    def finish(self, **results):
        """The final checkpoint, the curves, and metrics.json: the last epoch's means plus ``results``; -> that dict.

        ``results`` holds what is measured once at the end (a test NLL from many samples, say): numbers,
        and strings or lists (the reference a sample score was taken against, a class histogram).
        """
        self._start()
        # The other ranks do nothing after training, so nothing has changed for them since the last epoch's
        # end: no gathering (they need not wait for rank 0's sampling and scoring). The generator's state is
        # the one of the last epoch's end, before the final samples drew from it, so that a run extended to
        # more epochs with --resume goes on as a longer run would have.
        self.save_checkpoint(rng_state=self._checkpoint_rng, gather=False)
        if self.metrics.records and self.is_main:
            save_curves(self.metrics.records, self.path("curves.png"))
        results = {name: v if isinstance(v, (str, list)) else to_float(v) for name, v in results.items()}  # a label, a histogram
        summary = self._write_summary(self.epoch - 1, results)
        self._release_interrupts()
        self._say(f"done: metrics.json, metrics.jsonl, curves.png and checkpoint.npz are in {self.out}")
        return summary

    def _write_summary(self, epoch, extra):
        summary = {**self.metrics.epoch_means(epoch), **extra}
        if self.is_main:
            (self.out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
        return summary

    # ---- starting, stopping ------------------------------------------------------------
    def _start(self):
        """Training begins: every input has been read, so now the folder may change. Ctrl-C is ours from here."""
        if self._started:
            return
        self._started = True
        self._boundary_rng = random.get_rng_state()
        if self.is_main:
            (self.out / "config.json").write_text(json.dumps(vars(self.args), indent=2, default=str) + "\n")
        if threading.current_thread() is threading.main_thread():  # only the main thread may handle signals
            previous = signal.signal(signal.SIGINT, _interrupt_handler(weakref.ref(self)))
            self._previous_handler = signal.default_int_handler if previous is None else previous  # None: set in C

    def _release_interrupts(self):
        if self._previous_handler is not None:
            signal.signal(signal.SIGINT, self._previous_handler)
            self._previous_handler = None

    def _interrupt(self):
        if self._interrupted:  # a second Ctrl-C: the user does not want to wait
            self._release_interrupts()
            raise KeyboardInterrupt
        self._interrupted = True
        if self._deferring or self.distributed:  # the ranks stop together, at a step's end (_end_deferral)
            self._say("Ctrl-C: stopping after this step (press it again to stop at once, without a checkpoint)")
        else:
            self._stop_interrupted()

    def _end_deferral(self):
        """A step (or an epoch) is over: the position and the generator's state make a boundary to resume from."""
        self._deferring = False
        self._boundary_rng = random.get_rng_state()
        if self._interrupted_anywhere():
            self._stop_interrupted()

    def _interrupted_anywhere(self):
        """Whether a Ctrl-C came, here or, when data-parallel, on any rank (a one-number all-reduce per step)."""
        if not self.distributed:
            return self._interrupted
        flag = Tensor(numpy.array([float(self._interrupted)]))
        distributed.all_reduce(flag, distributed.ReduceOp.MAX)
        return bool(flag.item())

    def _stop_interrupted(self):
        # The generator's state of the last boundary: what ran since (evaluating, sampling) is redone on resume.
        self.save_checkpoint(self._boundary_rng)
        current = self.epoch if any(r["epoch"] == self.epoch for r in self.metrics.records) else self.epoch - 1
        self._write_summary(current, {"interrupted_at_step": self.step})
        self._release_interrupts()
        raise SystemExit(f"interrupted at step {self.step}; checkpoint written ({self.checkpoint_path}); "
                         "continue with --resume")  # fmt: skip

    def _check_parameters(self):
        """Stop if a tracked module's parameters are no longer all finite (one sum per parameter)."""
        for name, tracked in self.tracked.items():
            with numpy.errstate(over="ignore", invalid="ignore"):  # inf and nan are what we look for, not warnings
                total = sum(float(p.data.sum()) for p in tracked.parameters()) if hasattr(tracked, "parameters") else 0.0
            if not math.isfinite(total):
                self._diverged(f"the parameters of {name!r} are no longer finite")

    def _diverged(self, what):
        self._release_interrupts()
        _fail(f"training diverged at step {self.step} (epoch {self.epoch + 1}): {what}. "
              f"Lower the learning rate (--lr, now {self.args.lr:g}) and start again")  # fmt: skip

    def _progress_bar(self, total, initial, description):
        # disable=None: tqdm shows the bar only on a terminal, so logs and CI output stay clean.
        quiet = self.args.quiet or not self.is_main
        return tqdm(total=total, initial=initial, desc=description, disable=True if quiet else None,
                    leave=False, dynamic_ncols=True)

    def _say(self, line):
        if not self.args.quiet and self.is_main:
            tqdm.write(line)


def _check_writable(folder):
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        _fail(f"cannot write to the output folder {folder} ({error.strerror or error}): choose another with --out DIR")


def _interrupt_handler(run):
    """The SIGINT handler of the run ``run()`` (a weak reference: once that run is gone, a plain KeyboardInterrupt)."""

    def handle(signum, frame):
        alive = run()
        if alive is None:
            signal.default_int_handler(signum, frame)
        alive._interrupt()

    return handle


def _fail(message):
    """Stop the example with ``message``, as argparse does for a bad option (no traceback)."""
    raise SystemExit(f"error: {message}")
