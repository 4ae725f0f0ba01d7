"""Autoregressive models: explicit densities that factorise p(x) by the chain rule, one paper per file.

    p(x) = prod_d p(x_d | x_<d)       exact log-likelihood, trained by maximum likelihood

``base`` writes the chain rule once (log_prob, loss, sampling one dimension at
a time); each model supplies only its conditionals:

    independent   independent pixels and a first-order Markov chain (and the parameter counts)
    fvsbn         a logistic regression per pixel on all earlier pixels
    nade          the same regressions through one shared hidden layer
    rnade         NADE's hidden layer read out as a mixture of Gaussians, for real values
    pixel         what PixelCNN and PixelRNN share: the pixel ordering, the input layer and the head
    pixelcnn      masked convolutions
    gated_pixelcnn  PixelCNN without the blind spot: a vertical and a horizontal stack of gated units
    pixelrnn      LSTMs that sweep the image (Row LSTM, Diagonal BiLSTM)
    masks         the 0/1 masks that keep each conditional from seeing later values

Imports: ``models.base`` and what ``tinygen.models`` may import (see there).
"""
from .base import Autoregressive, BernoulliAutoregressive
from .fvsbn import FVSBN
from .gated_pixelcnn import GatedPixelCNN
from .independent import IndependentBernoulli, MarkovChain
from .nade import NADE
from .pixelcnn import PixelCNN
from .pixelrnn import DiagonalBiLSTM, RowLSTM
from .rnade import RNADE

__all__ = [
    "FVSBN",
    "NADE",
    "RNADE",
    "Autoregressive",
    "BernoulliAutoregressive",
    "DiagonalBiLSTM",
    "GatedPixelCNN",
    "IndependentBernoulli",
    "MarkovChain",
    "PixelCNN",
    "RowLSTM",
]
