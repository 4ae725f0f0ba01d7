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

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=12, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=300, **_COMMON)
settings.load_profile(os.environ.get("TINYGEN_HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    if tinygen.gpu_available():
        return
    skip = pytest.mark.skip(reason="needs CuPy and a CUDA GPU (pip install -e \".[gpu]\" on a GPU machine)")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def torch_on_one_thread():
    """PyTorch with one thread: on tensors this small its thread pool only waits for the other thread,
    and on a busy 2-core machine that made the conv case 100 times slower (0.07 s -> 4 to 18 s)."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(threads)
