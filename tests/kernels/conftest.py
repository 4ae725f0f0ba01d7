"""Fixtures the kernel tests share."""
import pytest

from tinygen import threads


@pytest.fixture
def kernel_threads(monkeypatch):
    """``kernel_threads(parts)`` makes every kernel share its loop among ``parts`` threads whatever its size: 1 is
    the serial kernel, more the parallel one (``prange`` runs all the shares even where Numba has fewer threads)."""
    return lambda parts: monkeypatch.setattr(threads, "kernel_threads", lambda values: parts)
