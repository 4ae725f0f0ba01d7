"""An exponential moving average of a network's weights, for sampling and evaluation.

    theta_ema <- decay theta_ema + (1 - decay) theta        after every optimizer step

The average of the last ~1 / (1 - decay) iterates is smoother than the last
one: a GAN's generator oscillates around the game's equilibrium (Yazici et
al., 2019), and a diffusion model's weights are noisy from step to step (Ho
et al., 2020 sample with decay 0.9999). Training goes on with the live
weights; the copy, ``ema.module``, is what draws samples. Buffers (batch
norm's running statistics) are copied as they are, not averaged.

Early on the average is mostly the random initialisation: after n updates
it still holds decay^n of it (0.999^125 = 0.88). ``warmup=True`` uses
decay_n = min(decay, (1 + n) / (10 + n)) at the n-th update instead, so a
short run's average is made of its recent weights and long runs reach
``decay`` (0.999 from n = 8,990); the diffusion loop does this.
(PyTorch's counterpart is ``torch.optim.swa_utils.AveragedModel`` with
``get_ema_multi_avg_fn(decay)``.)
"""
import copy

from ..autograd.grad_mode import no_grad


class ExponentialMovingAverage:
    """A frozen copy of ``module`` whose parameters follow the moving average; ``update(module)`` after each step."""

    def __init__(self, module, decay=0.999, warmup=False):
        if not 0.0 < decay < 1.0:
            raise ValueError(f"ema decay must be in (0, 1), got {decay}: 0.999 averages over about the last 1,000 steps")
        self.module, self.decay, self.warmup, self.num_updates = copy.deepcopy(module), decay, warmup, 0
        self.module.requires_grad_(False)

    def current_decay(self):
        """The decay of the next update: ``decay``, or with warm-up min(decay, (1 + n) / (10 + n))."""
        n = self.num_updates
        return min(self.decay, (1 + n) / (10 + n)) if self.warmup else self.decay

    def update(self, module):
        decay = self.current_decay()
        self.num_updates += 1
        with no_grad():
            for average, parameter in zip(self.module.parameters(), module.parameters(), strict=True):
                average.lerp_(parameter, 1.0 - decay)
            for average, buffer in zip(self.module.buffers(), module.buffers(), strict=True):
                average.copy_(buffer)

    def state_dict(self):
        return {"module": self.module.state_dict(), "num_updates": self.num_updates}

    def load_state_dict(self, state):
        self.module.load_state_dict(state["module"])
        self.num_updates = int(state["num_updates"])
