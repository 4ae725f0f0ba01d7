"""Reverse-mode automatic differentiation: Functions, the backward pass, and gradient checks.

``function`` (Function: forward on arrays, backward in Tensor ops; a fused op's
``reference``), ``engine`` (backward and grad over the recorded graph),
``grad_mode`` (no_grad and friends), ``gradcheck`` (first and second
derivatives against central differences).

Imports: ``tinygen.tensor`` and ``backend`` only; the ops are built on it.
"""
from .engine import backward, grad
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "gradcheck", "gradgradcheck", "GradcheckError",
]  # fmt: skip
