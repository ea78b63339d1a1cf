"""Embedding (a lookup table of learned vectors) and EmbeddingBag (sums, means or maxima of
bags of them)."""
from glassgrad import autograd as ag

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _padding_index(padding_idx, num_embeddings, name):
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{name}: padding_idx {padding_idx} must be within num_embeddings "
                         f"{num_embeddings}")
    return padding_idx % num_embeddings


def _table(module, num_embeddings, embedding_dim, _weight, dtype, name):
    if _weight is None:
        module.weight = Parameter(ag.empty(num_embeddings, embedding_dim, dtype=dtype))
        module.reset_parameters()
    else:
        if tuple(_weight.shape) != (num_embeddings, embedding_dim):
            raise ValueError(f"{name}: _weight must have shape ({num_embeddings}, "
                             f"{embedding_dim}), got {tuple(_weight.shape)}")
        module.weight = _weight if isinstance(_weight, Parameter) else \
            Parameter(ag.tensor(_weight.numpy() if hasattr(_weight, "numpy") else _weight))


class Embedding(Module):
    """Integer indices (any shape) -> their rows of weight (num_embeddings, embedding_dim),
    shape input.shape + (embedding_dim,), PyTorch's nn.Embedding.

    Weight init N(0, 1) as PyTorch; the padding_idx row (if any) starts at zero and receives
    no gradient. With max_norm, rows looked up whose norm_type-norm exceeds max_norm are
    rescaled to max_norm in place at each forward, as in PyTorch. scale_grad_by_freq and
    sparse must be False."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, dtype=None):
        super().__init__()
        if scale_grad_by_freq or sparse:
            raise NotImplementedError("Embedding: scale_grad_by_freq and sparse gradients are "
                                      "not supported")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        _table(self, num_embeddings, embedding_dim, _weight, dtype, "Embedding")
        if _freeze:
            self.weight.requires_grad_(False)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with ag.no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input):
        if input.dtype.kind not in "iu":
            raise self._input_error("integer indices", input)
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is (a copy of) the 2-D tensor `embeddings`, frozen
        (requires_grad=False) unless freeze=False. The padding_idx row is kept as given."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                             f"{tuple(embeddings.shape)}")
        rows, dim = embeddings.shape
        weight = Parameter(ag.tensor(embeddings.detach().numpy().copy()))
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=weight, _freeze=freeze)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        return s


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings without forming the (bags, L, dim)
    intermediate, PyTorch's nn.EmbeddingBag. forward(input, offsets=None,
    per_sample_weights=None): input (B, L) (B bags) or (n,) with offsets (bag starts); see
    F.embedding_bag. Parameter weight (num_embeddings, embedding_dim), N(0, 1) init."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, mode="mean", sparse=False, _weight=None,
                 include_last_offset=False, padding_idx=None, dtype=None):
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        if scale_grad_by_freq or sparse:
            raise NotImplementedError("EmbeddingBag: scale_grad_by_freq and sparse gradients "
                                      "are not supported")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type, self.mode = max_norm, norm_type, mode
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = _padding_index(padding_idx, num_embeddings, "EmbeddingBag")
        _table(self, num_embeddings, embedding_dim, _weight, dtype, "EmbeddingBag")

    reset_parameters = Embedding.reset_parameters

    def forward(self, input, offsets=None, per_sample_weights=None):
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               False, self.mode, False, per_sample_weights,
                               self.include_last_offset, self.padding_idx)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, mode="mean", sparse=False,
                        include_last_offset=False, padding_idx=None):
        """An EmbeddingBag over (a copy of) the 2-D tensor `embeddings`, frozen unless
        freeze=False."""
        rows, dim = embeddings.shape
        bag = cls(rows, dim, max_norm, norm_type, scale_grad_by_freq, mode, sparse,
                  Parameter(ag.tensor(embeddings.detach().numpy().copy())),
                  include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        return bag

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s
