"""NADE, the neural autoregressive density estimator: every conditional through one shared hidden layer.

FVSBN regresses each pixel on its predecessors with weights of its own. NADE
(Larochelle & Murray, 2011) passes x_<d through a hidden layer of H units whose
weights W (H x D) and bias c are shared by all D conditionals:

    a_d = c + W[:, <d] x_<d                     (only the first d-1 columns of W)
    h_d = sigmoid(a_d)
    p(x_d = 1 | x_<d) = sigmoid(b_d + V_d . h_d)

Sharing W makes the pre-activations a running sum, a_{d+1} = a_d + x_d W[:, d],
starting from a_1 = c: all D of them cost O(DH) per example (a cumulative sum
over d) instead of the O(D^2 H) of D separate matrix products. The
same running sum makes sampling O(DH): draw x_d, add x_d W[:, d], go on.

Parameters: W (H x D), c (H), V (D x H), b (D), 2DH + D + H in all; each pair
starts as PyTorch's ``Linear`` does, U(-1/sqrt(fan_in), 1/sqrt(fan_in)). (The
last column of W multiplies x_D, which conditions nothing: as in the paper it
is kept, and never receives a gradient.)
``RNADE`` (in ``rnade``) keeps this hidden layer and reads out a mixture of
Gaussians instead of one logit.
"""
from ...creation import ones_like, zeros
from ...nn import init
from ...nn.module import Parameter
from ...ops import cat
from .base import BernoulliAutoregressive


def hidden_states(x, weight, hidden_bias):
    """h_d = sigmoid(c + W[:, <d] x_<d) for every d at once: x (N, D) -> (N, D, H), in O(N D H).

    The bias is where the running sum starts: with x' = (1, x_1, ..., x_{D-1})
    and W' = (c, W[:, 1], ..., W[:, D-1]), the pre-activation a_d is the sum of
    x'_j W'[:, j] over j <= d, one cumulative sum over the (N, D, H) products.
    Shifting the small x and W, not the (N, D, H) sum, saves two passes over it.
    """
    x_shifted = cat([ones_like(x[:, :1]), x[:, :-1]], dim=1)
    weight_shifted = cat([hidden_bias.unsqueeze(1), weight[:, :-1]], dim=1)
    return (x_shifted.unsqueeze(2) * weight_shifted.T).cumsum(1).sigmoid()


def running_hidden_states(x, weight, hidden_bias):
    """Yield h_d for d = 1..D, reading column d of x only after h_d is out (so a sampler can fill it in)."""
    pre_activation = hidden_bias.expand(x.shape[0], hidden_bias.shape[0])
    for d in range(x.shape[1]):
        yield pre_activation.sigmoid()
        pre_activation = pre_activation + x[:, d : d + 1] * weight[:, d]


class NADE(BernoulliAutoregressive):
    def __init__(self, shape, hidden_features, device=None, dtype=None):
        super().__init__(shape)
        self.hidden_features = hidden_features
        self.weight = Parameter(zeros(hidden_features, self.num_dims, device=device, dtype=dtype))
        self.hidden_bias = Parameter(zeros(hidden_features, device=device, dtype=dtype))
        self.output_weight = Parameter(zeros(self.num_dims, hidden_features, device=device, dtype=dtype))
        self.output_bias = Parameter(zeros(self.num_dims, device=device, dtype=dtype))
        init.reset_like_pytorch_(self.weight, self.hidden_bias)
        init.reset_like_pytorch_(self.output_weight, self.output_bias)

    def readout(self, hidden, d=slice(None)):
        """The logit b_d + V_d . h_d of dimension d (or of all of them, for hidden of shape (N, D, H))."""
        return (hidden * self.output_weight[d]).sum(-1) + self.output_bias[d]

    def conditional_params(self, context):
        return self.readout(hidden_states(context, self.weight, self.hidden_bias))

    def params_in_order(self, x):
        for d, hidden in enumerate(running_hidden_states(x, self.weight, self.hidden_bias)):
            yield self.readout(hidden, d)

    def extra_repr(self):
        return f"{super().extra_repr()}, hidden_features={self.hidden_features}"
