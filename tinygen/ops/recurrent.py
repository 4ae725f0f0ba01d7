"""The LSTM cell's element-wise core and a whole LSTM sequence fused.

Given the pre-activations a = W x + U h_prev + b, split into four blocks in
PyTorch's order (i, f, g, o), one LSTM step computes

    i = sigma(a_i)   f = sigma(a_f)   g = tanh(a_g)   o = sigma(a_o)
    c = f * c_prev + i * g
    h = o * tanh(c)

``lstm_gates`` fuses everything after the matrix products into one kernel
pass, which saves the activated gates for its fused backward kernel. Any
source of pre-activations works: LSTMCell, the row convolutions of Row LSTM,
the column convolutions of Diagonal BiLSTM.

``lstm_sequence`` runs the whole time loop of one LSTM layer as one op, given
the input projections p_t = W x_t + b of all steps (one matrix product, made
outside with ordinary ops): a_t = p_t + h_{t-1} U^T. Its backward runs the
loop in reverse, with dh_{t-1} = da_t U, and then finds the recurrent weight's
gradient with one matrix product over all steps instead of one per step,

    dL/dU = sum_t da_t^T h_{t-1} = dA^T H_prev      (dA: (T*N, 4H), H_prev: (T*N, H))

while every step's arrays go into buffers allocated once for the sequence.
Both ops differentiate their kernels' arrays, which carry no graph. Each has a
``reference``, the same computation written with ordinary ops, which the
engine differentiates instead when a backward pass must itself be
differentiable (``create_graph=True``).
"""
from .. import kernels
from ..autograd.function import Function
from ..backend import get_array_module
from ..tensor import Tensor
from ..threads import product
from .elementwise import sigmoid, tanh
from .shape import split, stack


def lstm_gates_reference(preact, c_prev):
    """The same step written with ordinary ops: readable, differentiable any number of times."""
    a_i, a_f, a_g, a_o = split(preact, preact.shape[1] // 4, dim=1)
    c = sigmoid(a_f) * c_prev + sigmoid(a_i) * tanh(a_g)
    return sigmoid(a_o) * tanh(c), c


def lstm_sequence_reference(projected, w_hh, h, c):
    """The same loop written with ordinary ops -> (h at every step (T, N, H), last c)."""
    outputs = []
    for projected_t in split(projected, 1, dim=0):
        h, c = lstm_gates_reference(projected_t.squeeze(0) + h @ w_hh.T, c)
        outputs.append(h)
    return stack(outputs), c


class LSTMGates(Function):
    def forward(self, preact, c_prev):
        h, c, self.saved = kernels.lstm_gates_forward(preact, c_prev)
        return h, c

    def backward(self, gh, gc):
        d_preact, d_c_prev = kernels.lstm_gates_backward(gh.data, gc.data, self.saved, self.inputs[1].data)
        return Tensor(d_preact), Tensor(d_c_prev)

    reference = staticmethod(lstm_gates_reference)


class LSTMSequence(Function):
    """(projected (T, N, 4H), w_hh (4H, H), h0, c0 (N, H)) -> (h at every step (T, N, H), last c (N, H))."""

    def forward(self, projected, w_hh, h0, c0):
        _check_sequence(projected, w_hh, h0, c0)
        xp = get_array_module(projected)
        steps, batch, hidden = projected.shape[0], projected.shape[1], w_hh.shape[1]
        # hs[t] and cs[t] hold the state before step t: hs[1:] is the output, hs[:-1] the backward's h_prev
        hs, cs = xp.empty((steps + 1, batch, hidden), h0.dtype), xp.empty((steps + 1, batch, hidden), c0.dtype)
        hs[0], cs[0] = h0, c0
        gates, tanh_c = xp.empty(projected.shape, projected.dtype), xp.empty((steps, batch, hidden), c0.dtype)
        preact, w_hh_t = xp.empty(projected.shape[1:], projected.dtype), w_hh.T
        for t in range(steps):
            product(hs[t], w_hh_t, out=preact)
            preact += projected[t]
            kernels.lstm_gates_forward(preact, cs[t], out=(hs[t + 1], cs[t + 1], gates[t], tanh_c[t]))
        self.saved = hs, cs, gates, tanh_c
        return hs[1:], cs[steps].copy()

    def backward(self, g_hs, g_c):
        hs, cs, gates, tanh_c = self.saved
        w_hh = self.inputs[1].data
        xp = get_array_module(w_hh)
        d_preact = xp.empty(gates.shape, gates.dtype)
        dh, dc, dh_prev = xp.empty_like(hs[0]), g_c.data.copy(), xp.zeros_like(hs[0])
        for t in reversed(range(len(gates))):
            xp.add(g_hs.data[t], dh_prev, out=dh)  # h_t feeds the output and the next step
            kernels.lstm_gates_backward(dh, dc, (gates[t], tanh_c[t]), cs[t], out=(d_preact[t], dc))
            product(d_preact[t], w_hh, out=dh_prev)
        d_w_hh = None
        if self.needs_input_grad[1]:  # one product over all steps, not one per step
            d_w_hh = Tensor(product(d_preact.reshape(-1, d_preact.shape[2]).T, hs[:-1].reshape(-1, hs.shape[2])))
        return Tensor(d_preact), d_w_hh, Tensor(dh_prev), Tensor(dc)

    reference = staticmethod(lstm_sequence_reference)


def _check_sequence(projected, w_hh, h0, c0):
    if projected.ndim != 3 or w_hh.ndim != 2 or w_hh.shape[0] != 4 * w_hh.shape[1] or projected.shape[2] != w_hh.shape[0]:
        raise ValueError(f"lstm_sequence needs projected (T, N, 4H) and w_hh (4H, H), got {projected.shape} and {w_hh.shape}")
    state = projected.shape[1], w_hh.shape[1]
    if h0.shape != state or c0.shape != state:
        raise ValueError(f"h0 and c0 must be (N, H) = {state}, got {h0.shape} and {c0.shape}")
    if len({projected.dtype, w_hh.dtype, h0.dtype, c0.dtype}) > 1:
        raise ValueError(f"lstm_sequence needs one dtype, got {projected.dtype}, {w_hh.dtype}, {h0.dtype} and {c0.dtype}")


def lstm_gates(preact, c_prev):
    """One LSTM step after the matrix products: (N, 4H) pre-activations and (N, H) cell -> (h, c)."""
    return LSTMGates()(preact, c_prev)


def lstm_sequence(projected, w_hh, h0, c0):
    """All T steps of one LSTM layer: projected inputs (T, N, 4H), w_hh (4H, H), state (N, H) ->
    (h at every step (T, N, H), last c (N, H))."""
    return LSTMSequence()(projected, w_hh, h0, c0)

