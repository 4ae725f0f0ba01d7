"""FVSBN, the fully visible sigmoid belief network: one logistic regression per pixel on all earlier pixels.

    p(x_d = 1 | x_<d) = sigmoid(b_d + sum_{j<d} W_dj x_j),     d = 1..n in raster order,

so the logits of all pixels at once are  b + x (W * M)^T  with M the strictly
lower-triangular mask (M_dj = 1 for j < d): the mask, applied in every forward
pass, is what keeps pixel d from seeing itself or anything after it. W is
stored as a full n x n matrix, but only its n(n-1)/2 entries below the
diagonal ever receive a gradient: with the n biases, n(n+1)/2 free parameters.

Every parameter starts at 0 (every pixel a fair coin); the log-likelihood is
concave in the parameters, as in any logistic regression.
"""
from ...creation import tensor, zeros
from ...nn.module import Parameter
from .base import BernoulliAutoregressive
from .masks import fvsbn_mask


class FVSBN(BernoulliAutoregressive):
    def __init__(self, shape, device=None, dtype=None):
        super().__init__(shape)
        n = self.num_dims
        self.weight = Parameter(zeros(n, n, device=device, dtype=dtype))
        self.bias = Parameter(zeros(n, device=device, dtype=dtype))
        self.register_buffer("mask", tensor(fvsbn_mask(n), dtype=self.weight.dtype, device=self.weight.device))

    def conditional_params(self, context):
        return self.bias + context @ (self.weight * self.mask).T

    def params_in_order(self, x):
        # Row d of the product alone: O(n) per pixel instead of recomputing all n logits.
        for d in range(self.num_dims):
            yield self.bias[d] + x[:, :d] @ self.weight[d, :d]
