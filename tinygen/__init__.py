"""tinygen: generative models from scratch, on a small autograd engine of its own.

    import tinygen
    x = tinygen.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()          # x.grad == 2 * x

The package is a stack of layers; each imports only from the layers below it
(setup.cfg states the stack, and a test holds it with import-linter):

    models | train         generative models by family; the training loops and bookkeeping
    data                   datasets, DataLoader, MNIST, toy 2-D sets
    nn                     layers (nn.utils: optim's gradient clipping under PyTorch's names)
    optim | distributions  optimizers, probability distributions
    ops                    every differentiable operation, forward and backward side by side
    autograd               Function, the backward pass, gradient checks
    creation | serialization     ways to make a Tensor; atomic checkpoints
    tensor                 the Tensor: every op as a method
    tensor_base            what a tensor holds: its array, its autograd fields, conversions
    random | kernels | gpu   seeding; Numba CPU and CUDA loops under convolution, pooling, LSTM; gpu.is_available
    backend | dtypes | versions   NumPy or CuPy; PyTorch's dtype promotion; what was modified in place, when

``import tinygen`` loads the engine, the ops, ``nn``, ``optim`` and
``distributions``; ``tinygen.data``, ``tinygen.models`` and ``tinygen.train``
are imported by name when needed (the training toolkit brings tqdm and
matplotlib, which a script that only differentiates never needs).
"""

import math

import numpy

from . import backend, distributions, gpu, nn, ops, optim, random
from .autograd import (
    Function,
    GradcheckError,
    enable_grad,
    grad,
    gradcheck,
    gradgradcheck,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import DeviceError, get_array_module, gpu_available
from .backend import normalize_device as device  # tinygen.device("cuda") -> 'gpu': devices are plain strings
from .dtypes import (
    bool_,
    can_cast,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    result_type,
    uint8,
)
from .creation import (
    arange,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .ops import *  # noqa: F401,F403  (tinygen.exp, tinygen.cat, ... as in torch)
from .random import manual_seed
from .serialization import load, save
from .tensor import Tensor, as_tensor
from .threads import get_num_threads, set_num_threads

cuda = gpu  # PyTorch's name: tinygen.cuda.is_available()

# PyTorch's other names (defined last: they shadow the builtins float and int in this module)
pi = math.pi
float, double, long, int = float32, float64, int64, int32
empty = zeros  # PyTorch leaves the values undefined; zeros are a valid choice of them


def is_tensor(obj):
    return isinstance(obj, Tensor)


def from_numpy(array):
    """A tensor that shares ``array``'s memory, as PyTorch's does (writes to one show in the other)."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


__version__ = "0.1.0"
