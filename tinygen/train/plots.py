"""Plots written as PNG files: the training curves of a run, 2-D samples as points or as a density, and a
function over the plane (a GAN's discriminator) as a heat map.

Figures are made with matplotlib's object interface (``Figure``), not
``pyplot``: no window, no global backend to switch, safe on a server.
"""
import math

import numpy
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from .. import backend


def save_curves(records, path):
    """One panel per metric of the records (see ``metrics.py``), against the optimizer step."""

    series = {}
    for record in records:
        for name, value in record.items():
            if name not in ("kind", "epoch", "step"):
                steps, values = series.setdefault((name, record["kind"]), ([], []))
                steps.append(record["step"])
                values.append(value)
    if not series:
        raise ValueError(f"no metrics to plot in {path}: log some with run.log(...) first")
    columns = min(len(series), 3)
    figure = Figure(figsize=(4.5 * columns, 3.2 * math.ceil(len(series) / columns)), layout="constrained")
    for index, ((name, kind), (steps, values)) in enumerate(series.items()):
        axes = figure.add_subplot(math.ceil(len(series) / columns), columns, index + 1)
        axes.plot(steps, values, marker="o" if kind == "epoch" else None, linewidth=1 if kind == "step" else 2)
        axes.set(title=f"{name} ({'per epoch' if kind == 'epoch' else 'per step'})", xlabel="step")
        axes.grid(alpha=0.3)
    figure.savefig(path, dpi=100)


def save_scatter(points, path, reference=None, centres=None, title=None, limit=4.5):
    """Samples as dots over ``reference`` points (the data, in grey) and the modes' ``centres`` (crosses)."""

    figure = Figure(figsize=(5, 5), layout="constrained")
    axes = figure.add_subplot()
    if reference is not None:
        axes.scatter(*_xy(reference), s=2, color="0.75", label="data")
    axes.scatter(*_xy(points), s=2, color="tab:blue", label="samples")
    if centres is not None:
        axes.scatter(*_xy(centres), s=60, marker="x", color="tab:red", label="modes")
    axes.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", title=title)
    axes.legend(loc="upper right", markerscale=3)
    figure.savefig(path, dpi=100)


def save_labelled_scatter(points, labels, path, background=None, title=None, limit=4.5, bins=150):
    """Points coloured by their integer ``labels`` (up to 10: an autoencoder's codes of test digits) over
    ``background`` points drawn as a grey 2-D histogram (log scale: the prior's density)."""

    figure = Figure(figsize=(6, 5), layout="constrained")
    axes = figure.add_subplot()
    if background is not None:
        axes.hist2d(*_xy(background), bins=bins, range=[[-limit, limit], [-limit, limit]], norm=LogNorm(), cmap="Greys")
    points, labels = _xy(points), backend.to_host(getattr(labels, "data", labels))
    for label in numpy.unique(labels):
        chosen = labels == label
        axes.scatter(points[0][chosen], points[1][chosen], s=3, color=f"C{label % 10}", label=str(label))
    axes.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", title=title)
    axes.legend(loc="center left", bbox_to_anchor=(1, 0.5), markerscale=4, frameon=False)
    figure.savefig(path, dpi=100)


def save_density(points, path, bins=200, title=None, limit=4.5):
    """Samples as a 2-D histogram, a picture of the density they come from (log colour scale)."""

    figure = Figure(figsize=(5, 5), layout="constrained")
    axes = figure.add_subplot()
    axes.hist2d(*_xy(points), bins=bins, range=[[-limit, limit], [-limit, limit]], norm=LogNorm(), cmap="magma")
    axes.set(aspect="equal", title=title, facecolor="black")
    figure.savefig(path, dpi=100)


def save_surface(function, path, reference=None, title=None, limit=4.5, resolution=200, label=None):
    """``function`` ((N, 2) float64 points -> (N,) values, e.g. a discriminator) as a heat map over the square
    [-limit, limit]^2, with contour lines and ``reference`` points (the data) on top."""

    ticks = numpy.linspace(-limit, limit, resolution)
    x, y = numpy.meshgrid(ticks, ticks)
    values = numpy.asarray(function(numpy.stack([x.ravel(), y.ravel()], axis=1)))
    if values.shape != (x.size,):
        raise ValueError(f"the function of save_surface must map (N, 2) points to (N,) values: got {values.shape} "
                         f"for N = {x.size}")
    values = values.reshape(x.shape)
    figure = Figure(figsize=(5.8, 5), layout="constrained")
    axes = figure.add_subplot()
    heat = axes.pcolormesh(x, y, values, shading="auto", cmap="viridis")
    axes.contour(x, y, values, levels=10, colors="white", linewidths=0.5, alpha=0.6)
    if reference is not None:
        axes.scatter(*_xy(reference), s=1, color="tab:red", alpha=0.5, label="data")
        axes.legend(loc="upper right", markerscale=4)
    figure.colorbar(heat, ax=axes, label=label)
    axes.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal", title=title)
    figure.savefig(path, dpi=100)


def _xy(points):
    points = backend.to_host(getattr(points, "data", points))
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"2-D points must have shape (N, 2), got {points.shape}")
    return points[:, 0], points[:, 1]
