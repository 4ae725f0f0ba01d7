"""``Optimizer``: what every optimizer shares.

An optimizer turns gradients into parameter updates. A training step is

    optimizer.zero_grad()        # forget the previous step's gradients
    loss.backward()              # fill p.grad for every parameter p
    optimizer.step()             # p.data <- update(p.data, p.grad.data, state of p)

Parameters come in *parameter groups*, each with its own options (learning
rate, weight decay, ...), as in PyTorch:

    SGD(model.parameters(), lr=0.1)                               # one group
    SGD([{"params": encoder_params, "lr": 0.01},                  # two groups;
         {"params": decoder_params}], lr=0.1)                     # the second uses lr=0.1

A subclass writes only the update rule of one parameter, ``_update_parameter``,
on raw NumPy/CuPy arrays; the loop over groups and parameters, the state
bookkeeping and saving and loading it live here.

``state_dict()`` uses PyTorch's layout. Parameters are named by their position,
counting through the groups in order, so a checkpoint does not depend on which
Python objects the parameters were:

    {"state": {0: {"momentum_buffer": array}, 1: {...}, ...},
     "param_groups": [{"lr": 0.1, "momentum": 0.9, ..., "params": [0, 1]},
                      {"lr": 0.01, ...,                 "params": [2]}]}
"""
import copy

from .. import backend, versions
from ..autograd import enable_grad, no_grad
from ..tensor import Tensor


class Optimizer:
    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError(
                "the optimizer takes an iterable of tensors (or of dicts with a 'params' entry), "
                "not a single tensor: pass [tensor]"
            )
        self.defaults = dict(defaults)
        self.state = {}  # parameter -> dict of its arrays and counters (tensors hash by identity)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError("the optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group of parameters with its own options (the others come from the defaults)."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"a parameter group is a dict with a 'params' entry, not {type(group).__name__}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"the optimizer can only update tensors, got a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(
                    "can't optimize a non-leaf tensor (one computed by an op): optimize the leaf it was "
                    "computed from, or .detach() it and set requires_grad"
                )
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(
                f"{type(self).__name__} has no option {', '.join(map(repr, sorted(unknown)))}; "
                f"its options are {', '.join(map(repr, self.defaults))}"
            )
        known = {id(p) for g in self.param_groups for p in g["params"]}
        new = [id(p) for p in params]
        if len(set(new)) != len(new) or known & set(new):
            raise ValueError("a parameter appears twice (in one group or in two): each may be given once")
        group = {**self.defaults, **group, "params": params}
        self._check_options(group)
        self.param_groups.append(group)

    def _check_options(self, group):
        """Raise ValueError for an option out of its range; each optimizer checks its own."""

    def _check_nonnegative(self, group, *names):
        for name in names:
            if not group[name] >= 0:  # also catches NaN
                raise ValueError(f"{type(self).__name__}: {name} must be >= 0, got {group[name]!r}")

    def zero_grad(self, set_to_none=True):
        """Set every parameter's gradient to None, PyTorch's default (the next backward starts from nothing).

        ``set_to_none=False`` sets them to zeros instead.
        """
        for group in self.param_groups:
            for p in group["params"]:
                p.zero_grad(set_to_none)

    def step(self, closure=None):
        """Update every parameter that has a gradient, in place.

        ``closure``, if given, re-evaluates the model and returns the loss (it
        runs with graph recording on, before the update); step returns that loss.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():  # the update is bookkeeping, never part of a graph to differentiate
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update_parameter(p.data, p.grad.data, self.state.setdefault(p, {}), group)
                        versions.mark_modified(p.data, f"{type(self).__name__}.step")
        return loss

    def _update_parameter(self, param, grad, state, group):
        """Update the array ``param`` in place from ``grad``; ``state`` persists between steps.

        ``grad`` is the parameter's ``.grad``, which the caller may still read
        (or have set to a tensor it shares), so it must never be modified in place.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define its update rule")

    # ---- steps as Tensor ops, for differentiating through training -----------------
    def differentiable_step(self, weights, grads, states=None):
        """One step of this rule in Tensor ops, mutating nothing: -> (new weights, new states).

        ``step`` updates raw arrays in place, which autograd cannot see. To differentiate
        a loss taken after K steps with respect to what those steps saw (the Unrolled
        GAN's generator), each step must be a graph op: theta_{k+1} = theta_k - update(g_k, state_k),
        with g_k = grad(L(theta_k), theta_k, create_graph=True).

        ``weights``: a tensor for each of this optimizer's parameters, in order (the
        parameters themselves, or what earlier differentiable steps made of them);
        ``grads``: their gradients; ``states``: what the previous call returned, or None
        for the optimizer's current state, so the steps continue the real ones (Adam's
        moments). The optimizer's own parameters and state are left as they are.
        """
        params, groups = zip(*((p, group) for group in self.param_groups for p in group["params"]))
        if not len(weights) == len(grads) == len(params):
            raise ValueError(f"{type(self).__name__}.differentiable_step: got {len(weights)} weights and "
                             f"{len(grads)} gradients for {len(params)} parameters: give one of each, in order")  # fmt: skip
        if states is None:
            states = [dict(self.state.get(p, {})) for p in params]
        stepped = [self._differentiable_update(*args) for args in zip(weights, grads, states, groups)]
        return [weight for weight, _ in stepped], [state for _, state in stepped]

    def _differentiable_update(self, weight, grad, state, group):
        """``_update_parameter``'s rule on tensors, without mutation: -> (new weight, new state)."""
        raise NotImplementedError(f"{type(self).__name__} has no differentiable step: unroll with SGD or Adam")

    @staticmethod
    def _l2_weight_decay(grad, param, weight_decay):
        """g + lambda p: the gradient of loss + (lambda / 2) ||p||^2 (a new array, grad is left alone)."""
        return grad + weight_decay * param if weight_decay != 0 else grad

    # ---- saving and restoring ------------------------------------------------------
    def state_dict(self):
        """A snapshot of the state and options, parameters named by position (see the module docstring).

        Arrays are copies, so later steps do not change a state_dict already taken.
        """
        position = {}
        groups = []
        for group in self.param_groups:
            saved = _options(group)
            saved["params"] = [position.setdefault(id(p), len(position)) for p in group["params"]]
            groups.append(saved)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if self.state.get(p):
                    state[position[id(p)]] = {key: _copy(value) for key, value in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned, onto this optimizer's own parameters.

        The groups must have the same sizes as when it was saved. State arrays
        are copied onto each parameter's device (and floating ones cast to its
        dtype), so a checkpoint taken on the GPU resumes on the CPU and back.
        """
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError("an optimizer state_dict is a dict with exactly the keys 'state' and 'param_groups'")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"the state_dict has {len(saved_groups)} parameter groups but this optimizer has "
                f"{len(self.param_groups)}"
            )
        by_position = {}
        for index, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"parameter group {index} has {len(group['params'])} parameters but the state_dict's "
                    f"group {index} has {len(saved['params'])}"
                )
            by_position.update(zip(saved["params"], group["params"]))
        state = {}
        for position, saved_state in state_dict["state"].items():
            if position not in by_position:
                raise ValueError(f"the state_dict has state for parameter {position}, which none of its groups lists")
            p = by_position[position]
            state[p] = {
                key: _restore(value, p, f"state '{key}' of parameter {position}") for key, value in saved_state.items()
            }
        self.state = state
        self.param_groups = [
            {**_options(saved), "params": group["params"]} for saved, group in zip(saved_groups, self.param_groups)
        ]

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            options = ", ".join(f"{key}={value!r}" for key, value in group.items() if key != "params")
            lines.append(f"  group {index}: {len(group['params'])} parameters, {options}")
        return "\n".join(lines + [")"])


def _options(group):
    """A copy of a group's options, without its parameters."""
    return copy.deepcopy({key: value for key, value in group.items() if key != "params"})


def _copy(value):
    return value.copy() if hasattr(value, "shape") else copy.deepcopy(value)


def _restore(value, param, what):
    """A saved state value made ready for ``param``: on its device, floating arrays in its dtype."""
    if not hasattr(value, "shape"):
        return copy.deepcopy(value)
    if value.ndim > 0 and tuple(value.shape) != param.shape:
        raise ValueError(f"{what} has shape {tuple(value.shape)} but the parameter has shape {param.shape}")
    dtype = param.dtype if value.dtype.kind == "f" else value.dtype
    return param.xp.array(backend.to_device(value, param.device), dtype=dtype, copy=True)
