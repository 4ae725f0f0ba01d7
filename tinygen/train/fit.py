"""Maximum-likelihood training of explicit densities: the loop, written out.

A model with an exact ``log_prob`` (every autoregressive model) is trained
by minimising the average negative log-likelihood of the training data,

    L(theta) = -1/N sum_n log p_theta(x_n),

with minibatch gradients (``model.loss(x)`` returns the minibatch's L and
its named terms), and judged after every epoch by the same quantity on test
data it never saw (``evaluate.held_out_nll``), in nats per example and in
bits per dimension. Several models can be trained side by side on the same
batches (the independence example compares three this way); a model whose
parameters need no gradient (fitted in closed form, then frozen) is only
evaluated, on the same batches. At the end each draws samples, which
``show_samples`` pictures (by default a 10 x 10 grid in ``samples.png`` per model;
2-D points: ``plots.save_scatter``).
"""
import math

from .. import optim
from ..autograd.grad_mode import no_grad
from ..distributions import bits_per_dim
from ..evaluation import flat_figures, score_samples
from .evaluate import held_out_nll
from .report import save_sample_grids, save_samples


def fit_by_maximum_likelihood(run, models, train_loader, test_loader, lr, samples_per_model=16,
                              show_samples=save_sample_grids):  # fmt: skip
    """Train each model in ``models`` ({name: model}) with Adam on the same batches; -> the final metrics.

    A model none of whose parameters requires a gradient is evaluated alongside, not trained.

    Writes to the run's folder: metrics.jsonl, curves.png (training and test
    NLL), metrics.json (the last epoch's, and each model's parameter count),
    checkpoints, ``samples_per_model`` samples of each model in samples.npz,
    and what ``show_samples(run, {name: samples})`` makes of them. Samples that
    are MNIST digits are scored at the end (``tinygen.evaluation``: FID and KID
    in MNIST features, IS, precision/recall, class coverage), and the figures
    join the final metrics.
    """
    optimizers = {name: optim.Adam(model.parameters(), lr=lr) for name, model in models.items()
                  if any(p.requires_grad for p in model.parameters())}  # fmt: skip
    run.track(**models, **{f"{name}_optimizer": optimizer for name, optimizer in optimizers.items()})
    num_dims = math.prod(test_loader.dataset[0][0].shape)  # of one example: pixels times channels of an image
    for _ in run.epochs():
        for x, _ in run.progress(train_loader):
            logged = {}
            for name, model in models.items():
                if name not in optimizers:
                    with no_grad():
                        _, terms = model.loss(x)
                else:
                    loss, terms = model.loss(x)
                    optimizers[name].zero_grad()
                    loss.backward()
                    optimizers[name].step()
                logged |= {f"{term}_{name}": value for term, value in terms.items()}
            run.log(**logged)
        nlls = {name: held_out_nll(run, model, test_loader) for name, model in models.items()}
        run.log_epoch(**{f"test_nll_{name}": nll for name, nll in nlls.items()},
                      **{f"test_bits_per_dim_{name}": bits_per_dim(nll, num_dims) for name, nll in nlls.items()})  # fmt: skip
    with no_grad():
        samples = {name: model.sample(samples_per_model) for name, model in models.items()}
    save_samples(run, samples)
    show_samples(run, samples)
    quality = flat_figures(score_samples({name: values.numpy() for name, values in samples.items()}))
    return run.finish(**{f"parameters_{name}": sum(p.numel() for p in model.parameters()) for name, model in models.items()},
                      **quality)  # fmt: skip
