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
5, 10, 15, ... (after its critic has stepped five times). A phase whose loss
comes back None sits the batch out, its terms still logged: VAE/GAN's
players pause while the other is too far behind.

Clearing every gradient, not only the phase optimizer's, matters: a phase's
loss may reach networks another phase steps (the encoder's adversarial loss
flows back through the discriminator), and those gradients must not leak
into the next phase's step. Each phase recomputes what it needs after the
previous one's step, as the papers' algorithms do.
"""


def fit_in_phases(run, model, loader, phases, evaluate=None):
    """Train ``model`` on ``loader``'s (x, label) batches, stepping ``phases`` in turn.

    ``phases``: {name: (loss, optimizer)}, a ``Phase`` of ``tinygen.models`` with ``every`` k to run on every k-th batch.

    ``evaluate(epoch)`` -> {name: value} is logged after every epoch (held-out figures).
    The model and each phase's optimizer are checkpointed, so --resume continues exactly.
    """
    run.track(model=model, **{f"{name}_optimizer": optimizer for name, (_, optimizer) in phases.items()})
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
                if loss is None:
                    continue
                model.zero_grad()
                loss.backward()
                optimizer.step()
            run.log(**logged)
        if evaluate:
            run.log_epoch(**evaluate(epoch))
