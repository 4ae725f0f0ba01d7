"""AdamW: Adam with decoupled weight decay (the update equations are in ``adam.py``).

    p <- p (1 - eta lambda)          before the Adam step, instead of adding lambda p to g

The weight decay no longer passes through the division by sqrt(v), so every
weight shrinks at the same rate; its default (0.01) is not 0 as in Adam.
"""
from .adam import Adam


class AdamW(Adam):
    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
