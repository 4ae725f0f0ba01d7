"""LSTMCell and LSTM, with PyTorch's parameter names, shapes and initialisation.

One step of an LSTM with input x_t and state (h, c) computes the pre-activations

    a_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh          (N, 4H), blocks i, f, g, o

and then ``lstm_gates`` (one fused kernel) gives the new (h_t, c_t). Over a
sequence, the input projections x_t W_ih^T do not depend on the state, so
LSTM computes them for all time steps in one matrix product; only h W_hh^T
stays inside the loop, which ``lstm_sequence`` runs as one op (its backward
finds dW_hh with one matrix product over all steps). Every weight starts
from U(-1/sqrt(H), 1/sqrt(H)).
"""
import math

from ..creation import zeros
from ..ops import lstm_gates, stack
from ..ops.recurrent import lstm_sequence
from . import init
from .module import Module, Parameter


def _weights(module, suffix, input_size, hidden_size, bias, device, dtype):
    """Register weight_ih, weight_hh (and biases) under PyTorch's names, e.g. weight_ih_l0."""
    shapes = {"weight_ih": (4 * hidden_size, input_size), "weight_hh": (4 * hidden_size, hidden_size)}
    if bias:
        shapes.update(bias_ih=(4 * hidden_size,), bias_hh=(4 * hidden_size,))
    for name, shape in shapes.items():
        module.register_parameter(name + suffix, Parameter(zeros(*shape, device=device, dtype=dtype)))


def _reset(module, hidden_size):
    bound = 1 / math.sqrt(hidden_size)
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


class LSTMCell(Module):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        _weights(self, "", input_size, hidden_size, bias, device, dtype)
        _reset(self, hidden_size)

    def forward(self, x, state=None):
        """x (N, input_size), state (h, c) each (N, hidden_size), zeros if None -> (h, c)."""
        h, c = state if state is not None else (zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device),) * 2
        preact = x @ self.weight_ih.T + h @ self.weight_hh.T
        if self.bias:
            preact = preact + (self.bias_ih + self.bias_hh)
        return lstm_gates(preact, c)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, bias={self.bias}"


class LSTM(Module):
    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        for layer in range(num_layers):
            _weights(self, f"_l{layer}", input_size if layer == 0 else hidden_size, hidden_size, bias, device, dtype)
        _reset(self, hidden_size)

    def forward(self, x, state=None):
        """x (T, N, input_size), or (N, T, input_size) with batch_first; state (h0, c0) each
        (num_layers, N, hidden_size). -> (output of the last layer at every step, (h_n, c_n))."""
        if self.batch_first:
            x = x.transpose(0, 1)
        steps, batch = x.shape[:2]
        if state is None:
            initial = zeros(self.num_layers, batch, self.hidden_size, dtype=x.dtype, device=x.device)
            state = (initial, initial)
        final_h, final_c = [], []
        for layer in range(self.num_layers):
            w_ih, w_hh = getattr(self, f"weight_ih_l{layer}"), getattr(self, f"weight_hh_l{layer}")
            projected = (x.reshape(steps * batch, -1) @ w_ih.T).reshape(steps, batch, -1)  # all steps at once
            if self.bias:
                projected = projected + (getattr(self, f"bias_ih_l{layer}") + getattr(self, f"bias_hh_l{layer}"))
            x, c = lstm_sequence(projected, w_hh, state[0][layer], state[1][layer])
            final_h.append(x[-1])
            final_c.append(c)
        output = x.transpose(0, 1) if self.batch_first else x
        return output, (stack(final_h), stack(final_c))

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, batch_first={self.batch_first}"


