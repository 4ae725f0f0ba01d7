"""``Embedding``: a table of ``num_embeddings`` learned vectors, looked up by integer index.

    y[..., :] = W[index[...], :]       W of shape (num_embeddings, embedding_dim)

It is a Linear layer applied to one-hot vectors, without building them. The
gradient of a row is the sum of the gradients of every position that looked it
up (the indexing op's backward scatter-adds). W starts as N(0, 1), as in PyTorch.
"""
from ..creation import zeros
from . import functional as F
from . import init
from .module import Module, Parameter


class Embedding(Module):
    def __init__(self, num_embeddings, embedding_dim, device=None, dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(zeros(num_embeddings, embedding_dim, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)

    def forward(self, input):
        return F.embedding(input, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
