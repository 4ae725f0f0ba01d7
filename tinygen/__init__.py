"""tinygen: generative models from scratch, on a small autograd engine of its own.

    import tinygen
    x = tinygen.randn(3, requires_grad=True)
    y = (x * x).sum()
    y.backward()          # x.grad == 2 * x

The package map: ``backend`` (NumPy or CuPy), ``tensor`` and ``creation``
(the Tensor and ways to make one), ``autograd`` (Function, the backward pass,
gradient checks), ``ops`` (every differentiable operation), ``kernels``
(Numba CPU and CUDA loops under convolution, pooling and LSTM), ``nn``
(Module, layers, init, functional), ``optim`` (optimizers, schedulers),
``serialization`` (atomic checkpoints), ``random`` (seeding), ``distributions``
(Normal, Bernoulli, Categorical, mixtures, KL), ``data``
(datasets, DataLoader, MNIST, toy 2-D sets), ``train`` (what every example
shares: options, progress, metrics, checkpoints, pictures).
"""
import numpy as _numpy

from . import backend, data, distributions, nn, ops, optim, random, train
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

float32, float64, int64, bool_ = _numpy.float32, _numpy.float64, _numpy.int64, _numpy.bool_

__version__ = "0.1.0"
