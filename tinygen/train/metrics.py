"""The metrics of a run: one record per logged step or epoch, kept in memory and in a JSON-lines file.

Each line of ``metrics.jsonl`` is one record,

    {"kind": "step",  "epoch": 0, "step": 17, "loss": 0.231}
    {"kind": "epoch", "epoch": 0, "step": 469, "test_nll": 88.4}

where ``step`` counts optimizer steps since the run began and ``epoch``
starts at 0. A resumed run first drops the records written after its
checkpoint (they are about to be redone), so the file reads as if the run
had never stopped. The file is rewritten only when the first record comes:
a run that fails before its first step leaves the previous log as it was.
"""
import json
import pathlib

from ..serialization import atomic_write


class MetricsLog:
    def __init__(self, path, resume=False, write=True):
        """A log at ``path``: continued (its records read back) when ``resume``, else started empty.

        ``write=False`` keeps the records in memory only (the ranks of a data-parallel run but the first)."""
        self.path = pathlib.Path(path)
        self.write = write
        self.records = []
        if resume and self.path.exists():
            self.records = [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
        self._written = False  # the file still holds what the previous run left

    def append(self, kind, epoch, step, values):
        record = {"kind": kind, "epoch": epoch, "step": step, **{name: to_float(v) for name, v in values.items()}}
        if not self._written:
            self._rewrite()
        self.records.append(record)
        if not self.write:
            return record
        # Opened per record: a line is on its way to the disk as soon as it is logged, whatever happens next.
        with open(self.path, "a") as file:
            file.write(json.dumps(record) + "\n")
        return record

    def truncate(self, epoch, step):
        """Keep what a checkpoint at (``epoch``, ``step``) had seen: step records up to ``step``, epochs before ``epoch``."""
        self.records = [r for r in self.records if (r["step"] <= step if r["kind"] == "step" else r["epoch"] < epoch)]
        if self._written:
            self._rewrite()

    def epoch_means(self, epoch):
        """The mean of each step metric over ``epoch``, and the epoch metrics of ``epoch``."""
        sums, counts, summary = {}, {}, {}
        for record in self.records:
            if record["epoch"] != epoch:
                continue
            for name, value in _values(record).items():
                if record["kind"] == "epoch":
                    summary[name] = value
                else:
                    sums[name] = sums.get(name, 0.0) + value
                    counts[name] = counts.get(name, 0) + 1
        return {**{name: sums[name] / counts[name] for name in sums}, **summary}

    def _rewrite(self):
        if not self.write:
            return
        with atomic_write(self.path) as file:
            file.write("".join(json.dumps(record) + "\n" for record in self.records).encode())
        self._written = True


def _values(record):
    return {name: value for name, value in record.items() if name not in ("kind", "epoch", "step")}


def to_float(value):
    """A plain float from a Python number, a NumPy scalar or a one-element Tensor (``.item()``).

    NaN and infinity are kept (Python's json writes them as NaN, Infinity): a
    diverging loss is worth seeing in the file and in the curves.
    """
    return float(value.item() if hasattr(value, "item") else value)
