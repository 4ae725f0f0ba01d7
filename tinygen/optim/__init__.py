"""Optimizers, gradient clipping and learning-rate schedules (PyTorch's names and update rules).

    import tinygen.optim as optim

    optimizer = optim.AdamW(params, lr=1e-3)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    for epoch in range(epochs):
        for batch in data:
            optimizer.zero_grad()
            loss(batch).backward()
            optim.clip_grad_norm_(params, max_norm=1.0)
            optimizer.step()
        scheduler.step()

Each optimizer's file states its update equations; ``optimizer.py`` holds what
they share (parameter groups, the step loop, state_dict).

Imports: ``autograd`` (no_grad), ``tensor``, ``backend``; never ``nn`` (an
optimizer sees parameters, not layers) and nothing above it.
"""
from . import lr_scheduler
from .adam import Adam
from .adamw import AdamW
from .averaging import ExponentialMovingAverage
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "ExponentialMovingAverage", "clip_grad_norm_",
           "clip_grad_value_", "lr_scheduler"]
