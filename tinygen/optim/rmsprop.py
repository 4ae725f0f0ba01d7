"""RMSprop: divide each step by a running root-mean-square of the gradient (PyTorch's rules).

For a parameter p with gradient g, learning rate eta, smoothing constant
alpha, eps, weight decay lambda and momentum mu:

    g <- g + lambda p                         L2 weight decay (when lambda != 0)
    v <- alpha v + (1 - alpha) g^2            running mean of g^2, v starts at 0
    a <- alpha a + (1 - alpha) g              centered only: running mean of g, a starts at 0
    s <- sqrt(v - a^2) + eps   (centered)     an estimate of the gradient's standard deviation
    s <- sqrt(v) + eps         (otherwise)    its root-mean-square
    b <- mu b + g / s,   p <- p - eta b       with momentum (mu > 0), b starts at 0
    p <- p - eta g / s                        without

Unlike Adam there is no bias correction, so the first steps are large
(v is still small); a small learning rate or a warm-up compensates.
"""
from .. import backend
from .optimizer import Optimizer


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered)
        super().__init__(params, defaults)

    def _check_options(self, group):
        self._check_nonnegative(group, "lr", "alpha", "eps", "weight_decay", "momentum")

    def _update_parameter(self, param, grad, state, group):
        xp = backend.get_array_module(param)
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state.update(step=0, square_avg=xp.zeros_like(param))
            if momentum > 0:
                state["momentum_buffer"] = xp.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(param)
        state["step"] += 1
        grad = self._l2_weight_decay(grad, param, group["weight_decay"])

        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            a = state["grad_avg"]
            a *= alpha
            a += (1 - alpha) * grad
            scale = xp.sqrt(v - a * a) + group["eps"]
        else:
            scale = xp.sqrt(v) + group["eps"]

        if momentum > 0:
            buffer = state["momentum_buffer"]
            buffer *= momentum
            buffer += grad / scale
            param -= group["lr"] * buffer
        else:
            param -= group["lr"] * (grad / scale)
