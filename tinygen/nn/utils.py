"""Gradient clipping under the names ``torch.nn.utils`` gives it.

These are the very functions of ``tinygen.optim`` (``optim/clip_grad.py``
states the rule), where tinygen keeps them beside the optimizers they serve;
``nn.utils.clip_grad_norm_ is optim.clip_grad_norm_``.
"""
from ..optim.clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
