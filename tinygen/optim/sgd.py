"""Stochastic gradient descent, with momentum and Nesterov momentum (PyTorch's rules).

For a parameter p with gradient g, learning rate eta, momentum mu, dampening
tau and weight decay lambda, one step is

    g <- g + lambda p                          L2 weight decay (when lambda != 0)
    b <- g                                     first step        } the momentum buffer
    b <- mu b + (1 - tau) g                    later steps       } (when mu != 0)
    d <- g + mu b    with nesterov,   d <- b   without           (when mu != 0; else d <- g)
    p <- p - eta d

The buffer b is a running sum of past gradients, so steps keep going along
directions the gradient keeps pointing to. Nesterov momentum evaluates the
step "one momentum step ahead": d = g + mu b. Note PyTorch's convention,
followed here: the first buffer is g itself, not (1 - tau) g.
"""
from .. import backend
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    def _check_options(self, group):
        self._check_nonnegative(group, "lr", "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def _update_parameter(self, param, grad, state, group):
        grad = self._l2_weight_decay(grad, param, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            if "momentum_buffer" not in state:
                # A new array (not grad itself, and not a NumPy scalar, which 0-d arithmetic
                # returns): the buffer is updated in place from now on.
                state["momentum_buffer"] = backend.get_array_module(param).array(grad)
            else:
                buffer = state["momentum_buffer"]
                buffer *= momentum
                buffer += (1 - group["dampening"]) * grad
            buffer = state["momentum_buffer"]
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        param -= group["lr"] * grad

    def _differentiable_update(self, weight, grad, state, group):
        """The rule above on tensors, without mutation (the buffer is a new tensor each step)."""
        grad = self._l2_weight_decay(grad, weight, group["weight_decay"])
        momentum = group["momentum"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            buffer = grad if buffer is None else momentum * buffer + (1 - group["dampening"]) * grad
            state = {"momentum_buffer": buffer}
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        return weight - group["lr"] * grad, state
