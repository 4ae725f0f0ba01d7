"""Neural-network building blocks, laid out as ``torch.nn``.

``Module`` and ``Parameter`` (module.py) are the machinery; the layers live in
small files by kind; ``functional`` holds the stateless functions they call and
``init`` the initialisation schemes.

``utils`` gives optim's gradient clipping the names of ``torch.nn.utils``, and
``functional_call`` (a module evaluated at given weights) that of ``torch.func``.

Imports: ``optim`` (for ``utils`` alone), ``ops``, ``autograd``, ``creation``,
``tensor``, ``random``, ``backend``; never ``kernels`` (a layer is written in
ops) and nothing above it.
"""
from . import functional, init, utils
from .activation import (
    ELU,
    GELU,
    Flatten,
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
    Unflatten,
)
from .conv import Conv2d, ConvTranspose2d, MaskedConv2d
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .linear import Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .module import Module, ModuleList, Parameter, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, InstanceNorm2d, LayerNorm
from .padding import ReflectionPad2d, ReplicationPad2d, ZeroPad2d
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d, Upsample
from .recurrent import LSTM, LSTMCell
