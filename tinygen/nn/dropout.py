"""``Dropout``: while training, zero each element with probability p and scale the
rest by 1 / (1 - p), so that E[y] = x; in evaluation mode, y = x.

The randomness comes from ``tinygen.random.generator``, so ``manual_seed``
repeats the masks. ``model.eval()`` switches it off through ``self.training``.
"""
from . import functional as F
from .module import Module


class Dropout(Module):
    def __init__(self, p=0.5, inplace=False):  # inplace: ignored, as by the activations (tinygen.nn.activation)
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p}")
        self.p = p

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Dropout2d(Dropout):
    """Dropout of whole channels of (N, C, H, W): neighbouring pixels are correlated, so
    dropping them one by one regularises little."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training)
