"""The training toolkit every example shares, and the training loops, one module per kind of training.

Around any loop: ``arguments`` (example_parser, parse_example_args and its
--full), ``run`` (Run: the loop's bookkeeping and exact resume), ``metrics``
(the JSON-lines log), ``plots`` (curves, 2-D scatter and density, a surface over the plane), ``images``
(image grids, GIFs). See ``run.py`` for an example's skeleton.

The loops, written out: ``fit`` (maximum likelihood for explicit densities,
``fit_by_maximum_likelihood``), with ``evaluate`` (held-out means, the
held-out NLL) and ``report`` (samples.npz, the result table, grids of samples). The
adversarial loop of the GANs (a critic step, then a generator step) is
``adversarial`` (``fit_adversarially``; ``gan_example_parser``, the GAN examples' options);
the autoencoders of ``models.hybrid`` take their phases in turn (reconstruction, a discriminator on codes, ...):
``autoencoding`` (``fit_in_phases``). Diffusion models minimise their loss
with a moving average of the weights for sampling: ``diffusion`` (``fit_diffusion``).

Imports: the layers below it (tensors, ops, optim, distributions,
serialization, data); never ``tinygen.models``: a loop uses a model through
its contract, ``loss`` and ``sample``, and the loaders it is given.
"""
from . import adversarial
from .adversarial import fit_adversarially, gan_example_parser
from .arguments import example_parser, parse_example_args
from .autoencoding import fit_in_phases
from .diffusion import fit_diffusion
from .evaluate import held_out_means, held_out_nll
from .fit import fit_by_maximum_likelihood
from .images import image_grid, save_gif, save_image_grid
from .metrics import MetricsLog
from .plots import save_curves, save_density, save_labelled_scatter, save_scatter, save_surface
from .report import result_table, save_sample_grids, save_samples
from .run import QUICK_BATCHES, QUICK_EPOCHS, Run

__all__ = [
    "QUICK_BATCHES",
    "QUICK_EPOCHS",
    "MetricsLog",
    "Run",
    "adversarial",
    "example_parser",
    "fit_adversarially",
    "fit_by_maximum_likelihood",
    "fit_diffusion",
    "fit_in_phases",
    "gan_example_parser",
    "held_out_means",
    "held_out_nll",
    "image_grid",
    "parse_example_args",
    "result_table",
    "save_curves",
    "save_density",
    "save_gif",
    "save_image_grid",
    "save_labelled_scatter",
    "save_sample_grids",
    "save_samples",
    "save_scatter",
    "save_surface",
]
