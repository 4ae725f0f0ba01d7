"""Adapters that let one benchmark case run on tinygen or on PyTorch.

The two share their API names (``nn.functional.conv2d``, ``nn.LSTM``,
``Tensor.backward``); what differs is how to make a tensor on a device, how to
read one back, and how to wait for the GPU. Each adapter is imported only in
its own worker process, so the frameworks' thread pools never meet.
"""
import time

import numpy as np


class _Adapter:
    def clear_grads(self, *tensors):
        for t in tensors:
            t.grad = None

    def time_ms(self, step):
        """Milliseconds one ``step()`` takes: wall clock on the CPU, CUDA events around it on the GPU."""
        if self.device == "cpu":
            started = time.perf_counter()
            step()
            return (time.perf_counter() - started) * 1e3
        start, end = self.cuda_event(), self.cuda_event()
        start.record()
        step()
        end.record()
        end.synchronize()
        return self.elapsed_ms(start, end)


class TinygenAdapter(_Adapter):
    name = "tinygen"

    def __init__(self, device):
        import tinygen

        self.tg, self.device = tinygen, device
        self.F, self.nn, self.optim = tinygen.nn.functional, tinygen.nn, tinygen.optim
        self.grad = tinygen.grad
        self.version = tinygen.__version__

    def tensor(self, array, requires_grad=False):
        return self.tg.tensor(np.asarray(array, np.float32), device=self.device, requires_grad=requires_grad)

    def ones_like(self, t):
        return self.tg.ones_like(t)

    def numpy(self, t):
        return t.numpy()

    def assign(self, parameter, array):
        parameter.data[...] = parameter.xp.asarray(array, dtype=parameter.dtype)

    def masked_conv2d(self, x, w, mask, padding):
        return self.F.masked_conv2d(x, w, mask, padding=padding)

    def sync(self):
        if self.device == "gpu":
            self.tg.backend.cupy_module().cuda.Stream.null.synchronize()

    def cuda_event(self):
        return self.tg.backend.cupy_module().cuda.Event()

    def elapsed_ms(self, start, end):
        return self.tg.backend.cupy_module().cuda.get_elapsed_time(start, end)


class TorchAdapter(_Adapter):
    name = "torch"

    def __init__(self, device):
        import torch

        torch.set_num_threads(2 if device == "cpu" else torch.get_num_threads())
        self.torch, self.device = torch, "cuda" if device == "gpu" else "cpu"
        self.F, self.nn, self.optim = torch.nn.functional, _TorchNN(torch, self.device), torch.optim
        self.grad = torch.autograd.grad
        self.version = torch.__version__

    def tensor(self, array, requires_grad=False):
        return self.torch.tensor(np.asarray(array, np.float32), device=self.device, requires_grad=requires_grad)

    def ones_like(self, t):
        return self.torch.ones_like(t)

    def numpy(self, t):
        return t.detach().cpu().numpy()

    def assign(self, parameter, array):
        with self.torch.no_grad():
            parameter.copy_(self.torch.as_tensor(array, dtype=parameter.dtype))

    def masked_conv2d(self, x, w, mask, padding):
        return self.F.conv2d(x, w * mask, padding=padding)

    def sync(self):
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def cuda_event(self):
        return self.torch.cuda.Event(enable_timing=True)

    def elapsed_ms(self, start, end):
        return start.elapsed_time(end)


class _TorchNN:
    """torch.nn with layers created on the benchmark's device."""

    def __init__(self, torch, device):
        self.torch, self.device = torch, device

    def __getattr__(self, name):
        layer = getattr(self.torch.nn, name)
        return lambda *args, **kwargs: layer(*args, **kwargs).to(self.device)


ADAPTERS = {"tinygen": TinygenAdapter, "torch": TorchAdapter}
