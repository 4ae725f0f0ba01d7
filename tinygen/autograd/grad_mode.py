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


class _GradMode(contextlib.ContextDecorator):
    """Sets recording on or off on entering, and restores it on leaving (a context manager and decorator)."""

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


class set_grad_enabled(_GradMode):
    """Sets recording on or off at once, as PyTorch's does: ``set_grad_enabled(False)`` as a plain call.

    Used as ``with set_grad_enabled(mode):`` or ``@set_grad_enabled(mode)``, the mode
    in force before it comes back on leaving.
    """

    def __init__(self, mode):
        global _enabled
        super().__init__(mode)
        self._undo = _enabled  # what the first `with` restores: the mode before this call
        _enabled = self.mode

    def __enter__(self):
        global _enabled
        if self._undo is None:
            super().__enter__()
        else:  # entered straight after the call that already switched the mode
            self.previous.append(self._undo)
            self._undo = None

    def __call__(self, func):
        global _enabled
        if self._undo is not None:  # a decorator switches only while the function runs
            _enabled, self._undo = self._undo, None
        return super().__call__(func)


class no_grad(_GradMode):
    """``with no_grad():`` or ``@no_grad()``: ops inside record no graph."""

    def __init__(self):
        super().__init__(False)


class enable_grad(_GradMode):
    """Turn recording back on inside a ``no_grad`` block."""

    def __init__(self):
        super().__init__(True)
