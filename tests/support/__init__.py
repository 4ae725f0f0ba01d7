"""Helpers the tests share: hypothesis strategies, the op registry, the PyTorch comparison, the autoregressive checker.

Test files import them as ``from support.strategies import ...``: pytest puts ``tests/`` on the path (its conftest lives there).
"""
