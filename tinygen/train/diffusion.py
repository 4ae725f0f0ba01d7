"""Training a diffusion model: the simple loss, minimised with Adam, and an average of the weights for sampling.

Each step draws a batch x_0, one step t per example and the noise, and
minimises ``model.loss(x_0)`` (DDPM's L_simple; ``tinygen.models.diffusion``).
The loop of ``fit`` cannot serve: a diffusion model has no ``log_prob``,
only a bound on it, which costs T network evaluations per example and is
computed when the caller asks (``on_epoch_end``).

The weights that draw the samples are not the last iterate but its
exponential moving average, theta_ema <- decay theta_ema + (1 - decay) theta
after every step (DDPM: decay 0.9999; warmed up, so that a short run's
average is not mostly its initialisation): the noise of the last steps averages
out, and the samples are steadier. It is the average that the loop returns,
and that checkpoints hold beside the model and the optimizer, so --resume
continues it exactly. Data-parallel (``run.data_parallel``), the model
averages its gradients over the ranks, and every rank keeps the same average.
"""
from .. import optim
from ..optim import ExponentialMovingAverage


def fit_diffusion(run, model, loader, lr, ema_decay=0.999, on_epoch_end=None):
    """Train ``model`` on ``loader``'s (x, label) batches; -> its moving average (a copy of the model), for sampling.

    A conditional model (classifier-free guidance's) is given the labels too: ``model.loss(x, labels)``.

    ``on_epoch_end(average)`` -> {name: value}, logged with the epoch (a held-out loss or bound, say).
    """
    run.data_parallel(model)  # before the average copies it
    optimizer = optim.Adam(model.parameters(), lr=lr)
    ema = ExponentialMovingAverage(model, ema_decay, warmup=True)
    run.track(model=model, optimizer=optimizer, ema=ema)
    for _ in run.epochs():
        for x, y in run.progress(loader):
            loss, terms = model.loss(x, y) if getattr(model, "conditional", False) else model.loss(x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            ema.update(model)
            run.log(**terms)
        if on_epoch_end is not None:
            run.log_epoch(**on_epoch_end(ema.module))
    return ema.module
