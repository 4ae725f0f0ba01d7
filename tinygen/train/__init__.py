"""The training toolkit every example shares: command line, run folder, progress, metrics, checkpoints, pictures.

``arguments`` (example_parser, parse_example_args and its --full), ``run`` (Run: the loop's bookkeeping and
exact resume), ``metrics`` (the JSON-lines log), ``likelihood`` (maximum-likelihood
training of explicit densities, held-out NLL, the result table), ``plots`` (curves, 2-D
scatter and density), ``images`` (image grids, GIFs). See ``run.py`` for an
example's skeleton.
"""
from .arguments import example_parser, parse_example_args
from .images import image_grid, save_gif, save_image_grid
from .likelihood import (
           binarized_mnist,
           fit_by_maximum_likelihood,
           held_out_means,
           held_out_nll,
           result_table,
           save_sample_rows,
)
from .metrics import MetricsLog
from .plots import save_curves, save_density, save_scatter
from .run import QUICK_BATCHES, QUICK_EPOCHS, Run

__all__ = [
           "QUICK_BATCHES",
           "QUICK_EPOCHS",
           "MetricsLog",
           "Run",
           "binarized_mnist",
           "example_parser",
           "fit_by_maximum_likelihood",
           "held_out_means",
           "held_out_nll",
           "image_grid",
           "parse_example_args",
           "result_table",
           "save_curves",
           "save_density",
           "save_gif",
           "save_image_grid",
           "save_sample_rows",
           "save_scatter",
]
