"""The LSTM cell's element-wise core, and the skew of PixelRNN's Diagonal BiLSTM.

Given the pre-activations a = W x + U h_prev + b, split into four blocks in
PyTorch's order (i, f, g, o), one LSTM step computes

    i = sigma(a_i)   f = sigma(a_f)   g = tanh(a_g)   o = sigma(a_o)
    c = f * c_prev + i * g
    h = o * tanh(c)

The matrix products stay outside (BLAS); this op fuses everything after them
into one kernel pass, which saves the activated gates for its fused backward
kernel. Any source of pre-activations works: LSTMCell, the row convolutions of
Row LSTM, the column convolutions of Diagonal BiLSTM.
"""
from .. import kernels
from ..autograd import grad_mode
from ..autograd.engine import grad
from ..autograd.function import Function
from ..tensor import Tensor
from .elementwise import sigmoid, tanh
from .shape import split


def lstm_gates_reference(preact, c_prev):
    """The same step written with ordinary ops: readable, differentiable any number of times."""
    a_i, a_f, a_g, a_o = split(preact, preact.shape[1] // 4, dim=1)
    c = sigmoid(a_f) * c_prev + sigmoid(a_i) * tanh(a_g)
    return sigmoid(a_o) * tanh(c), c


class LSTMGates(Function):
    def forward(self, preact, c_prev):
        h, c, self.saved = kernels.lstm_gates_forward(preact, c_prev)
        return h, c

    def backward(self, gh, gc):
        preact, c_prev = self.inputs
        if grad_mode.is_grad_enabled():
            # create_graph=True: the fused kernel's arrays carry no graph, so
            # differentiate the reference formula instead, which does.
            wanted = [x for x, need in zip(self.inputs, self.needs_input_grad) if need]
            grads = iter(grad(lstm_gates_reference(preact, c_prev), wanted, [gh, gc], create_graph=True))
            return tuple(next(grads) if need else None for need in self.needs_input_grad)
        d_preact, d_c_prev = kernels.lstm_gates_backward(gh.data, gc.data, self.saved, c_prev.data)
        return Tensor(d_preact), Tensor(d_c_prev)


class Skew(Function):
    """(N, C, H, W) -> (N, C, H, H + W - 1): row r shifted right by r, so diagonals become columns."""

    def forward(self, x):
        return kernels.skew(x)

    def backward(self, gy):
        return Unskew()(gy)


class Unskew(Function):
    """The inverse of skew, which is also its adjoint: read back the W shifted columns of each row."""

    def forward(self, y):
        return kernels.unskew(y)

    def backward(self, gx):
        return Skew()(gx)


def lstm_gates(preact, c_prev):
    """One LSTM step after the matrix products: (N, 4H) pre-activations and (N, H) cell -> (h, c)."""
    return LSTMGates()(preact, c_prev)


def skew(x):
    return Skew()(x)


def unskew(y):
    return Unskew()(y)
