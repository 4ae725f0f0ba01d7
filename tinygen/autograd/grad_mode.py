"""Switching graph recording on and off.

While recording is on, every op on a tensor that requires a gradient remembers
its inputs so that ``backward()`` can run later. Inference and the optimizer's
own updates need no graph: ``with no_grad():`` skips the bookkeeping and frees
memory sooner. The backward pass itself records only when asked for
higher-order gradients (``create_graph=True``).
"""
import contextlib

_enabled = True


def is_grad_enabled():
    return _enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager and decorator that sets recording on or off, then restores it."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self.previous = []  # a stack: one decorator instance may be entered again by a recursive call

    def __enter__(self):
        global _enabled
        self.previous.append(_enabled)
        _enabled = self.mode

    def __exit__(self, *exc_info):
        global _enabled
        _enabled = self.previous.pop()


class no_grad(set_grad_enabled):
    """``with no_grad():`` or ``@no_grad()``: ops inside record no graph."""

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Turn recording back on inside a ``no_grad`` block."""

    def __init__(self):
        super().__init__(True)
