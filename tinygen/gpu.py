"""The GPU, under the names of ``torch.cuda``; ``tinygen.cuda`` is this module too.

tinygen calls the device "gpu" and takes "cuda" as a synonym, so PyTorch's idiom reads the same:

    device = tinygen.device("cuda" if tinygen.cuda.is_available() else "cpu")   # 'gpu' or 'cpu'
    model.to(device)
"""
from .backend import gpu_available as is_available

__all__ = ["is_available"]
