"""Training in phases: the loop of the autoencoders matched to a prior (the adversarial and Wasserstein ones).

An adversarial autoencoder takes three steps per batch (reconstruction, the
code discriminator, the encoder as generator), a WAE-GAN two, a WAE-MMD one.
``fit_adversarially`` does not fit: it shares one fake batch between exactly
two players. Here a model names its phases in order, each a loss of the batch
and the optimizer that steps on it (``model.phases(lr)`` of
``tinygen.models.hybrid``), and every batch runs them in turn:

    for each phase:   loss = phase.loss(x, labels)     (labels only for a label-conditioned model)
                      all gradients cleared, loss.backward(), phase.optimizer.step()

A phase may run only on every k-th batch (``Phase(loss, optimizer, every=k)``):
StarGAN's generator steps once per n_critic = 5 critic steps, on batches
5, 10, 15, ... (after its critic has stepped five times).

Clearing every gradient, not only the phase optimizer's, matters: a phase's
loss may reach networks another phase steps (the encoder's adversarial loss
flows back through the discriminator), and those gradients must not leak
into the next phase's step. Each phase recomputes what it needs after the
previous one's step, as the papers' algorithms do.

A ``JointPhase(losses, optimizers)`` (of ``tinygen.models``, told apart here by
its optimizers being a dict, since the training toolkit does not import the
models) is the other way, VAE/GAN's algorithm 1:
one forward pass gives every network its loss, and each network's gradient of
its own loss is taken from that one graph before any of them steps:

    losses, terms = phase.losses(x, labels)          {network: its loss}
    for each network:  g = d(its loss) / d(its parameters), the graph kept for the next
    then every network steps on its g
"""
from ..autograd import grad


def fit_in_phases(run, model, loader, phases, evaluate=None):
    """Train ``model`` on ``loader``'s (x, label) batches, stepping ``phases`` in turn.

    ``phases``: {name: (loss, optimizer)}, a ``Phase`` of ``tinygen.models`` with ``every`` k to run on every k-th batch.

    ``evaluate(epoch)`` -> {name: value} is logged after every epoch (held-out figures).
    The model and each phase's optimizer are checkpointed, so --resume continues exactly.
    """
    run.track(model=model, **{f"{name}_optimizer": optimizer for name, optimizer in _optimizers(phases)})
    conditional = getattr(model, "conditional", False)
    for epoch in run.epochs():
        for x, y in run.progress(loader):
            logged = {}
            for phase in phases.values():
                if run.step % getattr(phase, "every", 1):
                    continue
                loss_of, optimizer = phase
                loss, terms = loss_of(x, y if conditional else None)
                logged |= terms
                if isinstance(optimizer, dict):  # a JointPhase: {network: loss} and {network: optimizer}
                    step_jointly(loss, optimizer)
                else:
                    model.zero_grad()
                    loss.backward()
                    optimizer.step()
            run.log(**logged)
        if evaluate:
            run.log_epoch(**evaluate(epoch))


def step_jointly(losses, optimizers):
    """Step each of ``optimizers`` {name: optimizer} on the gradient of ``losses[name]``, every gradient taken from
    the one graph the losses share before any parameter moves."""
    gradients = {}
    for index, (name, loss) in enumerate(losses.items()):
        parameters = [p for group in optimizers[name].param_groups for p in group["params"]]
        gradients[name] = (parameters, grad(loss, parameters, retain_graph=index < len(losses) - 1, allow_unused=True))
    for name, (parameters, grads) in gradients.items():
        for parameter, gradient in zip(parameters, grads):
            parameter.grad = gradient
        optimizers[name].step()


def _optimizers(phases):
    """(name, optimizer) of every phase: a joint phase's under <phase>_<network>."""
    for name, (_, optimizer) in phases.items():
        if isinstance(optimizer, dict):  # a JointPhase's, one per network
            yield from ((f"{name}_{network}", each) for network, each in optimizer.items())
        else:
            yield name, optimizer
