"""Maximum-likelihood training of explicit densities, and their held-out likelihood in nats and bits/dim.

A model with an exact ``log_prob`` (every autoregressive model) is trained
by minimising the average negative log-likelihood of the training data,

    L(theta) = -1/N sum_n log p_theta(x_n),

with minibatch gradients (``model.loss(x)`` returns the minibatch's L and its
named terms), and judged by
the same quantity on test data it never saw: the held-out NLL in nats per
image, or divided by D ln 2, in bits per dimension (``bits_per_dim``).

``fit_by_maximum_likelihood`` trains one or more such models side by side on
the same batches (the independence example compares three this way), logs
each one's training NLL live, and after every epoch its test NLL; at the end
it draws samples from each and shows them: for images, one row of
``samples.png`` per model (``save_sample_rows``); for other data, as the
caller's ``show_samples`` draws them (2-D points: ``plots.save_scatter``).
``result_table`` prints what a run ends with: each model's size and held-out NLL.
"""
import math

from .. import optim
from ..autograd.grad_mode import no_grad
from ..data import DataLoader, mnist
from ..distributions import bits_per_dim
from ..ops import cat
from .images import save_image_grid


def binarized_mnist(args, test_batch_size=500):
    """The data of an example on binarised MNIST, from the shared flags (--data, --batch-size, --seed, --device).

    -> (train_loader, test_loader, image_shape): training digits binarised afresh
    each time they are seen and shuffled by (seed, epoch); test digits in order.
    """
    data = mnist(args.data, binarize="dynamic")
    train_loader = DataLoader(data.train, args.batch_size, shuffle=True, seed=args.seed, device=args.device)
    return train_loader, DataLoader(data.test, test_batch_size, device=args.device), data.test[0][0].shape


def held_out_means(run, loader, description, per_example):
    """{name: mean over ``loader``'s examples} of ``per_example(x)`` -> {name: one value per example}.

    Summed in float64 without building a graph; the bar shows ``description``.
    """
    totals, count = {}, 0
    with no_grad():
        for x, _ in run.evaluation(loader, description):
            for name, values in per_example(x).items():
                totals[name] = totals.get(name, 0.0) + values.double().sum().item()
            count += x.shape[0]
    return {name: total / count for name, total in totals.items()}


def held_out_nll(run, model, loader):
    """The mean of -log p(x) over ``loader``, in nats per example."""
    return held_out_means(run, loader, "test NLL", lambda x: {"nll": -model.log_prob(x)})["nll"]


def save_sample_rows(run, samples):
    """samples.png: one row of images per model, from {name: images (n, C, H, W)}."""
    rows = list(samples.values())
    save_image_grid(cat(rows), run.path("samples.png"), nrow=rows[0].shape[0])


def fit_by_maximum_likelihood(run, models, train_loader, test_loader, lr, samples_per_model=16,
                              show_samples=save_sample_rows):  # fmt: skip
    """Train each model in ``models`` ({name: model}) with Adam on the same batches; -> the final metrics.

    Writes to the run's folder: metrics.jsonl, curves.png (training and test
    NLL), metrics.json (the last epoch's, and each model's parameter count),
    checkpoints, and what ``show_samples(run, {name: samples})`` makes of
    ``samples_per_model`` samples of each model (by default samples.png).
    """
    optimizers = {name: optim.Adam(model.parameters(), lr=lr) for name, model in models.items()}
    run.track(**models, **{f"{name}_optimizer": optimizer for name, optimizer in optimizers.items()})
    num_dims = math.prod(test_loader.dataset[0][0].shape)  # of one example: pixels times channels of an image
    for _ in run.epochs():
        for x, _ in run.progress(train_loader):
            logged = {}
            for name, model in models.items():
                loss, terms = model.loss(x)
                optimizers[name].zero_grad()
                loss.backward()
                optimizers[name].step()
                logged |= {f"{term}_{name}": value for term, value in terms.items()}
            run.log(**logged)
        test_nlls = {name: held_out_nll(run, model, test_loader) for name, model in models.items()}
        run.log_epoch(**{f"test_nll_{name}": nll for name, nll in test_nlls.items()},
                      **{f"test_bits_per_dim_{name}": bits_per_dim(nll, num_dims) for name, nll in test_nlls.items()})  # fmt: skip
    with no_grad():
        show_samples(run, {name: model.sample(samples_per_model) for name, model in models.items()})
    return run.finish(**{f"parameters_{name}": sum(p.size for p in model.parameters()) for name, model in models.items()})


def result_table(final, names):
    """The final metrics of ``fit_by_maximum_likelihood`` as a table: a line per model, with a header."""
    lines = [f"{'model':>16s} {'parameters':>12s} {'test NLL (nats)':>16s} {'bits/dim':>9s}"]
    for name in names:
        lines.append(f"{name:>16s} {int(final[f'parameters_{name}']):12,d} "
                     f"{final[f'test_nll_{name}']:16.2f} {final[f'test_bits_per_dim_{name}']:9.3f}")  # fmt: skip
    return "\n".join(lines)
