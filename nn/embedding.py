"""Embedding: a lookup table of learned vectors."""
from glassgrad import autograd as ag

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """Integer indices (any shape) -> their rows of weight (num_embeddings, embedding_dim),
    shape input.shape + (embedding_dim,). Weight init N(0, 1) as PyTorch; the padding_idx
    row (if any) starts at zero and receives no gradient."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, dtype=None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                                 f"num_embeddings {num_embeddings}")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(ag.empty(num_embeddings, embedding_dim, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input):
        if input.dtype.kind not in "iu":
            raise self._input_error("integer indices", input)
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
