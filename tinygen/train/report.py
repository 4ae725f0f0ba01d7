"""What a run ends with: its samples in samples.npz, a grid of them per model, and a table of the figures.

samples.npz holds one array per model, keyed by the model's name: every
sample the run drew, for ``python -m tinygen.evaluation RUN_DIR`` (or the
loop itself) to score.
"""
import io
import math

import numpy

from ..serialization import atomic_write
from .images import save_image_grid

GRID = 10  # samples.png shows up to GRID x GRID samples of each model


def save_samples(run, samples):
    """samples.npz: {name: samples (N, ...)}, written atomically."""
    buffer = io.BytesIO()
    numpy.savez(buffer, **{name: numpy.asarray(values.numpy() if hasattr(values, "numpy") else values)
                           for name, values in samples.items()})  # fmt: skip
    with atomic_write(run.path("samples.npz")) as file:
        file.write(buffer.getvalue())


def result_table(final, names):
    """The final metrics of ``fit_by_maximum_likelihood`` as a table: a line per model, with a header.

    Where the run scored its samples, the sample-quality figures follow (FID and
    KID in the MNIST feature network's space, at the stated number of samples).
    """
    quality = all(f"quality_{name}_fid_mnist" in final for name in names)
    header = f"{'model':>16s} {'parameters':>12s} {'test NLL (nats)':>16s} {'bits/dim':>9s}"
    if quality:
        header += f" {'samples':>8s} {'FID (MNIST)':>12s} {'KID':>10s} {'IS':>6s} {'precision':>10s} {'recall':>7s} {'classes':>8s}"
    lines = [header]
    for name in names:
        line = (f"{name:>16s} {int(final[f'parameters_{name}']):12,d} "
                f"{final[f'test_nll_{name}']:16.2f} {final[f'test_bits_per_dim_{name}']:9.3f}")  # fmt: skip
        if quality:
            q = {key[len(f"quality_{name}_"):]: value for key, value in final.items() if key.startswith(f"quality_{name}_")}
            line += (f" {int(q['samples']):8d} {q['fid_mnist']:12.2f} {q['kid_mnist']:10.3f} {q['inception_score']:6.2f} "
                     f"{q['precision']:10.3f} {q['recall']:7.3f} {int(q['classes_covered']):6d}/10")  # fmt: skip
        lines.append(line)
    return "\n".join(lines)


def save_sample_grids(run, samples):
    """samples.png: from {name: images (n, C, H, W)}, each model's first 100 samples, 10 to a row (fewer if
    it drew fewer), a block of rows per model with the model's name beside its first row."""
    side = min(GRID, max(len(values) for values in samples.values()))
    blocks, labels = [], []
    for name, values in samples.items():
        values = numpy.asarray(values.numpy() if hasattr(values, "numpy") else values)[: side * side]
        rows = math.ceil(len(values) / side)
        blocks += [values, numpy.zeros((rows * side - len(values), *values.shape[1:]), values.dtype)]  # blank tiles
        labels += [name] + [""] * (rows - 1)
    save_image_grid(numpy.concatenate(blocks), run.path("samples.png"), nrow=side, row_labels=labels)
