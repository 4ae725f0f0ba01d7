"""RNADE, NADE for real values: each conditional a mixture of K Gaussians read out of NADE's hidden layer.

Uria, Murray & Larochelle (2013) keep NADE's shared hidden layer,

    h_d = sigmoid(c + W[:, <d] x_<d)             (the same running sum, O(DH))

and replace its one logit per dimension by the 3K parameters of a mixture,

    [logits_d, mu_d, log sigma_d] = V_d h_d + b_d          V_d: 3K x H,  b_d: 3K
    p(x_d | x_<d) = sum_k softmax(logits_d)_k N(x_d; mu_dk, sigma_dk^2),

with sigma = exp(log sigma) positive for any output. The paper's hidden units
are rescaled ReLUs; the sigmoid keeps the body identical to NADE's, so that
the two share one implementation. log p(x) is exact, and
sampling draws x_1, then x_2 given x_1, ... along the running sum, as NADE does.

Parameters: NADE's W (H x D) and c (H), then V (D x 3K x H) and b (D x 3K),
the latter starting at U(-1/sqrt(H), 1/sqrt(H)) like a ``Linear`` from H inputs.
"""
import math

from ...creation import zeros
from ...distributions import MixtureOfGaussians
from ...nn import init
from ...nn.module import Parameter
from .nade import NADE


class RNADE(NADE):
    def __init__(self, shape, hidden_features, components, device=None, dtype=None):
        super().__init__(shape, hidden_features, device=device, dtype=dtype)
        self.components = components
        # Three numbers per component (weight logit, mean, log standard deviation) replace NADE's one logit.
        outputs = 3 * components
        self.output_weight = Parameter(zeros(self.num_dims, outputs, hidden_features, device=device, dtype=dtype))
        self.output_bias = Parameter(zeros(self.num_dims, outputs, device=device, dtype=dtype))
        bound = 1 / math.sqrt(hidden_features)
        init.uniform_(self.output_weight, -bound, bound)
        init.uniform_(self.output_bias, -bound, bound)

    def readout(self, hidden, d=slice(None)):
        """V_d h_d + b_d: the 3K mixture parameters of dimension d (or of all, for hidden of shape (N, D, H))."""
        return (hidden.unsqueeze(-2) @ self.output_weight[d].mT).squeeze(-2) + self.output_bias[d]

    def distribution(self, params):
        logits, means, log_scales = params.chunk(3, dim=-1)
        return MixtureOfGaussians(logits, means, log_scales.exp())

    def extra_repr(self):
        return f"{super().extra_repr()}, components={self.components}"
