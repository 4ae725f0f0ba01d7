"""Adam: steps scaled by running estimates of the gradient's first and second moments.

For a parameter p with gradient g at step t = 1, 2, ..., learning rate eta,
betas (beta1, beta2), eps and weight decay lambda:

    g <- g + lambda p                                    Adam:  L2 weight decay, part of the gradient
    p <- p (1 - eta lambda)                              AdamW: decoupled weight decay, on the weights
    m <- beta1 m + (1 - beta1) g                         first moment (mean of g), m starts at 0
    v <- beta2 v + (1 - beta2) g^2                       second moment (mean of g^2), v starts at 0
    v_max <- max(v_max, v)                               amsgrad only; then v_max replaces v below
    p <- p - eta / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

Because m and v start at zero they are biased towards zero early on; dividing
by (1 - beta^t) removes that bias (the bias correction). Each coordinate then
moves by about eta, whatever the scale of its gradient.

Adam and AdamW differ only in the weight decay: Adam adds lambda p to the
gradient, where the division by sqrt(v) then weakens it for parameters with
large gradients; AdamW shrinks the weights directly, the same for all
(Loshchilov and Hutter, "Decoupled weight decay regularization").
"""
import math

from .. import backend
from .optimizer import Optimizer


class Adam(Optimizer):
    decoupled_weight_decay = False  # AdamW sets it

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    def _check_options(self, group):
        self._check_nonnegative(group, "lr", "eps", "weight_decay")
        if len(group["betas"]) != 2 or not all(0 <= beta < 1 for beta in group["betas"]):
            raise ValueError(f"{type(self).__name__}: betas must be two numbers in [0, 1), got {group['betas']!r}")

    def _update_parameter(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if not state:
            state.update(step=0, exp_avg=xp.zeros_like(param), exp_avg_sq=xp.zeros_like(param))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = xp.zeros_like(param)
        state["step"] += 1
        if self.decoupled_weight_decay:
            if weight_decay != 0:
                param *= 1 - lr * weight_decay
        else:
            grad = self._l2_weight_decay(grad, param, weight_decay)

        m, v = state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * grad * grad
        if group["amsgrad"]:
            xp.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]

        t = state["step"]
        step_size = lr / (1 - beta1**t)
        denominator = xp.sqrt(v) / math.sqrt(1 - beta2**t) + eps
        param -= step_size * (m / denominator)

    def _differentiable_update(self, weight, grad, state, group):
        """The rule above on tensors, without mutation: from ``state``'s moments (zero at first) to new ones.

        From zero moments the first step is eta g / (|g| + eps), about eta sign(g), whose
        derivative in g vanishes: unrolled from a trained Adam's moments, the step's
        derivative is about eta (1 - beta1) / sqrt(v_hat) per coordinate instead.
        """
        if group["amsgrad"]:
            raise NotImplementedError(f"{type(self).__name__}: no differentiable step with amsgrad (its max is not "
                                      "written in Tensor ops here); unroll with amsgrad=False")  # fmt: skip
        lr, (beta1, beta2), eps, weight_decay = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if self.decoupled_weight_decay:
            if weight_decay != 0:
                weight = weight * (1 - lr * weight_decay)
        else:
            grad = self._l2_weight_decay(grad, weight, weight_decay)
        t = state.get("step", 0) + 1
        m = beta1 * state.get("exp_avg", 0) + (1 - beta1) * grad
        v = beta2 * state.get("exp_avg_sq", 0) + (1 - beta2) * grad * grad
        step = lr / (1 - beta1**t) * m / (v**0.5 / math.sqrt(1 - beta2**t) + eps)
        return weight - step, {"step": t, "exp_avg": m, "exp_avg_sq": v}
