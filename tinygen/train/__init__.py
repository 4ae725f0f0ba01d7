"""The training toolkit every example shares: command line, run folder, progress, metrics, checkpoints, pictures.

``arguments`` (example_parser), ``run`` (Run: the loop's bookkeeping and
exact resume), ``metrics`` (the JSON-lines log), ``likelihood`` (maximum-likelihood
training of explicit densities, held-out NLL), ``plots`` (curves, 2-D
scatter and density), ``images`` (image grids, GIFs). See ``run.py`` for an
example's skeleton.
"""
from .arguments import example_parser
from .images import image_grid, save_gif, save_image_grid
from .likelihood import fit_by_maximum_likelihood, held_out_nll
from .metrics import MetricsLog
from .plots import save_curves, save_density, save_scatter
from .run import QUICK_BATCHES, QUICK_EPOCHS, Run

__all__ = [
           "QUICK_BATCHES",
           "QUICK_EPOCHS",
           "MetricsLog",
           "Run",
           "example_parser",
           "fit_by_maximum_likelihood",
           "held_out_nll",
           "image_grid",
           "save_curves",
           "save_density",
           "save_gif",
           "save_image_grid",
           "save_scatter",
]
