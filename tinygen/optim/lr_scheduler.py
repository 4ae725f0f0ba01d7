"""Learning-rate schedules: the learning rate as a function of the epoch (or step) count t.

Each scheduler sets ``group["lr"]`` of every parameter group of its optimizer
from the group's initial learning rate eta_0 by a closed form:

    StepLR             eta_t = eta_0 * gamma^floor(t / step_size)
    ExponentialLR      eta_t = eta_0 * gamma^t
    CosineAnnealingLR  eta_t = eta_min + (eta_0 - eta_min) * (1 + cos(pi t / T_max)) / 2
    LinearLR           eta_t = eta_0 * (s + (e - s) * min(t, T) / T)      (warm-up: s < e = 1)
    LambdaLR           eta_t = eta_0 * f(t)                               (f given by you)
    SequentialLR       one schedule until a milestone, the next one after it (t restarts at 0)

These are the sequences PyTorch's schedulers produce (PyTorch computes most of
them recursively, eta_t from eta_(t-1); the closed forms give the same numbers
and can be read at a glance). The cosine keeps going past T_max: it climbs
back to eta_0 at 2 T_max, as PyTorch's does.

Usage, once per epoch (or per step), after the optimizer's step:

    scheduler = CosineAnnealingLR(optimizer, T_max=100)
    for epoch in range(100):
        train_one_epoch(optimizer)
        scheduler.step()

Creating a scheduler already applies eta_0 (t = 0). Because the learning rate
comes from a closed form, two schedulers on one optimizer do not combine: the
last one to step wins. To run one after another (warm-up, then cosine) use
``SequentialLR``.
"""
import math
from bisect import bisect_right

from .optimizer import Optimizer


class LRScheduler:
    _not_state = ("optimizer",)  # attributes that state_dict leaves out

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__} needs a tinygen Optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        # eta_0 of each group is kept in the group as "initial_lr", so that every
        # scheduler of this optimizer (and a resumed one) starts from the same value.
        for index, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"resuming at last_epoch={last_epoch}, but parameter group {index} has no 'initial_lr': "
                    "load the optimizer's state_dict first, or start from last_epoch=-1"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lrs_at(self, epoch):
        """The learning rate of each group at ``epoch`` (this scheduler's closed form)."""
        raise NotImplementedError(f"{type(self).__name__} does not define its schedule")

    def get_lr(self):
        return self.lrs_at(self.last_epoch)

    def step(self):
        """Advance t by one and set every group's learning rate to eta_t."""
        self.last_epoch += 1
        self._last_lr = list(self.get_lr())
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def get_last_lr(self):
        """The learning rates the last ``step()`` set, one per group."""
        return list(self._last_lr)

    def state_dict(self):
        """Everything but the optimizer (and code such as LambdaLR's functions)."""
        return {key: value for key, value in vars(self).items() if key not in self._not_state}

    def load_state_dict(self, state_dict):
        expected = {key for key in vars(self) if key not in self._not_state}
        if set(state_dict) != expected:
            missing, unexpected = sorted(expected - set(state_dict)), sorted(set(state_dict) - expected)
            raise ValueError(
                f"the state_dict does not fit {type(self).__name__}: "
                f"missing keys {missing}, unexpected keys {unexpected}"
            )
        vars(self).update(state_dict)


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lrs_at(self, epoch):
        return [base * self.gamma ** (epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lrs_at(self, epoch):
        return [base * self.gamma**epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from eta_0 down to ``eta_min`` over ``T_max`` epochs."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lrs_at(self, epoch):
        weight = (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        return [self.eta_min + (base - self.eta_min) * weight for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale eta_0 by a factor going linearly from ``start_factor`` to ``end_factor`` in ``total_iters`` epochs."""

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ValueError(
                "LinearLR: start_factor must be in (0, 1] and end_factor in [0, 1], "
                f"got {start_factor} and {end_factor}"
            )
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lrs_at(self, epoch):
        progress = min(epoch, self.total_iters) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base * factor for base in self.base_lrs]


class LambdaLR(LRScheduler):
    """eta_t = eta_0 * lr_lambda(t); one function for all groups, or a list with one per group."""

    _not_state = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups)
        self.lr_lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(self.lr_lambdas) != groups:
            raise ValueError(f"LambdaLR got {len(self.lr_lambdas)} functions for {groups} parameter groups")
        super().__init__(optimizer, last_epoch)

    def lrs_at(self, epoch):
        return [base * f(epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class SequentialLR(LRScheduler):
    """Run ``schedulers[0]`` until ``milestones[0]``, then ``schedulers[1]`` from its t = 0, and so on.

        warmup = LinearLR(optimizer, start_factor=0.01, total_iters=5)
        cosine = CosineAnnealingLR(optimizer, T_max=95)
        scheduler = SequentialLR(optimizer, [warmup, cosine], milestones=[5])

    The schedulers given are used only for their closed forms; step this one, not them.
    """

    _not_state = ("optimizer", "schedulers")

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if any(s.optimizer is not optimizer for s in schedulers):
            raise ValueError("SequentialLR: every scheduler must belong to the optimizer given to SequentialLR")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR needs one milestone fewer than schedulers, got {len(schedulers)} schedulers "
                f"and {len(milestones)} milestones"
            )
        self.schedulers, self.milestones = list(schedulers), list(milestones)
        super().__init__(optimizer, last_epoch)

    def lrs_at(self, epoch):
        index = bisect_right(self.milestones, epoch)
        start = self.milestones[index - 1] if index > 0 else 0
        return self.schedulers[index].lrs_at(epoch - start)

    def state_dict(self):
        return {**super().state_dict(), "schedulers": [s.state_dict() for s in self.schedulers]}

    def load_state_dict(self, state_dict):
        state_dict = dict(state_dict)
        children = state_dict.pop("schedulers", None)
        if children is None or len(children) != len(self.schedulers):
            raise ValueError(f"not a SequentialLR state_dict with {len(self.schedulers)} schedulers")
        super().load_state_dict(state_dict)
        for scheduler, child in zip(self.schedulers, children):
            scheduler.load_state_dict(child)
