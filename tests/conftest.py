"""Shared test settings.

Hypothesis profiles: ``ci`` (the default: few examples, fast enough for a
2-core CI run) and ``thorough`` (many examples, for a local deep check). Pick
one with ``TINYGEN_HYPOTHESIS_PROFILE=thorough pytest``.
"""
import os
import pathlib
import sys

import pytest
from hypothesis import HealthCheck, settings

import tinygen

# The repository root, so that tests can import the PyTorch twins in ``benchmarks.torch_models``.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("ci", max_examples=12, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=300, **_COMMON)
settings.load_profile(os.environ.get("TINYGEN_HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    if tinygen.gpu_available():
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA GPU (pip install \"tinygen[gpu]\" on a GPU machine)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
