"""Devices: clear errors when the GPU cannot be used, and when devices are mixed."""
import sys
import types

import numpy as np
import pytest

import tinygen as tg
from tinygen import backend


@pytest.fixture
def fresh_backend(monkeypatch):
    """Forget any CuPy found so far, so each test sees its own (possibly fake) CuPy."""
    monkeypatch.setattr(backend, "_cupy", None)


def test_asking_for_the_gpu_without_cupy_says_how_to_install_or_fall_back(fresh_backend, monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` fail
    with pytest.raises(tg.DeviceError) as caught:
        tg.zeros(2, device="gpu")
    message = str(caught.value)
    assert "CuPy, which is not installed" in message
    assert 'pip install "tinygen[gpu]"' in message and "--device cpu" in message
    assert not tg.gpu_available()


def test_cupy_without_a_cuda_device_is_a_different_error(fresh_backend, monkeypatch):
    def no_device():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=no_device))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(tg.DeviceError, match="CuPy is installed but cannot reach a CUDA device.*--device cpu"):
        tg.ones(2).to("gpu")


def test_unknown_device_names_are_rejected():
    with pytest.raises(ValueError, match="use 'cpu' or 'gpu'"):
        tg.zeros(2, device="tpu")


def test_mixing_devices_in_one_op_names_both(monkeypatch):
    class FakeGpuArray(np.ndarray):
        pass

    monkeypatch.setattr(backend, "device_of", lambda a: "gpu" if isinstance(a, FakeGpuArray) else "cpu")
    on_gpu = tg.Tensor(np.ones(3).view(FakeGpuArray))
    with pytest.raises(tg.DeviceError, match=r"Add got tensors on different devices \(input 0 on cpu, input 1 on gpu\)"):
        tg.ones(3, dtype=tg.float64) + on_gpu


def test_array_module_is_numpy_for_cpu_data():
    assert backend.get_array_module(np.ones(2)) is np
    assert tg.ones(2).xp is np
