"""Held-out evaluation: the mean of per-example quantities over a test loader, the held-out NLL.

An explicit density is judged by the average negative log-likelihood of data it
never saw, in nats per example,

    NLL = -1/N sum_n log p(x_n),

or divided by D ln 2, in bits per dimension (``distributions.bits_per_dim``).
The sums run in float64 and build no graph.
"""
from ..autograd.grad_mode import no_grad


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
