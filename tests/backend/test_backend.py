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
    assert 'from a checkout of tinygen, `pip install -e ".[gpu]"`' in message and "--device cpu" in message
    assert not tg.gpu_available() and not tg.cuda.is_available()


def fake_cupy(monkeypatch, get_device_count):
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=get_device_count))
    monkeypatch.setitem(sys.modules, "cupy", fake)


def test_cupy_without_a_driver_says_there_is_no_gpu_not_to_install_it_again(fresh_backend, monkeypatch):
    def no_driver():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    fake_cupy(monkeypatch, no_driver)
    with pytest.raises(tg.DeviceError) as caught:
        tg.ones(2).to("gpu")
    message = str(caught.value)
    assert "CuPy is installed but cannot reach a CUDA device (cudaErrorNoDevice" in message
    assert "no usable NVIDIA GPU" in message and "--device cpu" in message and "pip install" not in message


def test_cupy_that_counts_no_device_says_there_is_no_gpu(fresh_backend, monkeypatch):
    fake_cupy(monkeypatch, lambda: 0)
    with pytest.raises(tg.DeviceError) as caught:
        tg.zeros(2, device="cuda")
    message = str(caught.value)
    assert "found no CUDA device" in message and "no usable NVIDIA GPU" in message and "pip install" not in message
    assert not tg.gpu.is_available()


def test_the_device_vocabulary_of_pytorch_names_tinygens_two_devices():
    assert tg.device("cpu") == "cpu" and tg.device("CUDA") == "gpu" and tg.device("cuda:0") == "gpu"
    assert tg.cuda is tg.gpu and tg.gpu.is_available is tg.gpu_available
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")  # PyTorch's idiom, unchanged
    assert tg.zeros(2, device=device).device == device
    with pytest.raises(ValueError, match="tinygen runs on one GPU, device 0; use 'gpu'"):
        tg.device("cuda:1")


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
