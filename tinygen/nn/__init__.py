"""Neural-network building blocks, laid out as ``torch.nn``.

``Module`` and ``Parameter`` (module.py) are the machinery; the layers live in
small files by kind; ``functional`` holds the stateless functions they call and
``init`` the initialisation schemes.

Imports: ``ops``, ``autograd``, ``creation``, ``tensor``, ``random``,
``backend``; never ``kernels`` (a layer is written in ops) and nothing above it.
"""
from . import functional, init
from .activation import ELU, Flatten, Identity, LeakyReLU, ReLU, Sigmoid, Softplus, Tanh
from .conv import Conv2d, ConvTranspose2d, MaskedConv2d
from .dropout import Dropout
from .embedding import Embedding
from .linear import Linear
from .module import Module, ModuleList, Parameter, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm
from .pooling import AvgPool2d, MaxPool2d, Upsample
from .recurrent import LSTM, LSTMCell
