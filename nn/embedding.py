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
    """A lookup table of learned vectors: each integer index selects a row of `weight`.

    Parameters
    ----------
    num_embeddings : int
        The number of rows (the size of the vocabulary).
    embedding_dim : int
        The length of each vector.
    padding_idx : int, optional
        This row starts at zero and receives no gradient (e.g. for padding tokens); negative
        values count from the end. Default None.
    max_norm : float, optional
        Rows looked up whose `norm_type`-norm exceeds it are rescaled to `max_norm`, in
        place, at each forward (as in PyTorch). Default None.
    norm_type : float, optional
        The p of the p-norm for `max_norm`. Default 2.0.
    scale_grad_by_freq : bool, optional
        Must be False (not supported). Default False.
    sparse : bool, optional
        Must be False (not supported). Default False.
    _weight : Tensor of shape (num_embeddings, embedding_dim), optional
        Use this table instead of a random one (PyTorch's internal argument, used by
        ``from_pretrained``). Default None.
    _freeze : bool, optional
        Create the table with ``requires_grad=False`` (PyTorch's internal argument).
        Default False.
    dtype : glassgrad dtype, optional
        Floating dtype of the table (the default dtype if omitted).

    Shape
    -----
    - Input: integer tensor of any shape, values in [0, num_embeddings).
    - Output: ``input.shape + (embedding_dim,)``.

    Attributes
    ----------
    weight : Parameter of shape (num_embeddings, embedding_dim)
        Initialized from N(0, 1), as in PyTorch (the `padding_idx` row to zero).

    Raises
    ------
    NotImplementedError
        ``scale_grad_by_freq`` or ``sparse`` is True.
    ValueError
        `padding_idx` out of range, or `_weight` of the wrong shape; at call time, an input
        that does not hold integers.

    Notes
    -----
    There is no ``device`` argument (everything runs on the CPU).

    Examples
    --------
    >>> from glassgrad import nn
    >>> emb = nn.Embedding(10, 3, padding_idx=0)
    >>> emb(gg.tensor([[1, 2, 0], [4, 0, 0]])).shape
    (2, 3, 3)
    >>> emb.weight[0].tolist()
    [0.0, 0.0, 0.0]
    """

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
        """Re-draw the table from N(0, 1) (in place), with the padding row set to zero."""
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
        """Create an Embedding whose weight is (a copy of) a given 2-d tensor.

        Parameters
        ----------
        embeddings : Tensor of shape (num_embeddings, embedding_dim)
            The table; copied.
        freeze : bool, optional
            Make the weight not trainable (``requires_grad=False``). Default True.
        padding_idx : int, optional
            As in the constructor; the row is kept as given (not zeroed). Default None.
        max_norm : float, optional
            As in the constructor. Default None.
        norm_type : float, optional
            As in the constructor. Default 2.0.
        scale_grad_by_freq : bool, optional
            Must be False. Default False.
        sparse : bool, optional
            Must be False. Default False.

        Returns
        -------
        Embedding
            The new layer.

        Raises
        ------
        ValueError
            `embeddings` is not 2-d.

        Examples
        --------
        >>> from glassgrad import nn
        >>> emb = nn.Embedding.from_pretrained(gg.tensor([[1., 2.], [3., 4.]]))
        >>> emb(gg.tensor([1, 0]))
        tensor([[3., 4.],
                [1., 2.]])
        >>> emb.weight.requires_grad
        False
        """
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
    """Sums, means or maxima of bags of embeddings, without forming the (bags, L, dim)
    intermediate, PyTorch's ``nn.EmbeddingBag``.

    Called as ``bag(input, offsets=None, per_sample_weights=None)``: `input` is (B, L) (B bags
    of L indices) or 1-d (n,) with `offsets` giving the bag starts (B,) (or (B + 1,) with
    ``include_last_offset=True``); `per_sample_weights`, with ``mode='sum'`` only, scales each
    embedding before the sum. See ``nn.functional.embedding_bag``. An empty bag gives zeros.

    Parameters
    ----------
    num_embeddings : int
        The number of rows (the size of the vocabulary).
    embedding_dim : int
        The length of each vector.
    max_norm : float, optional
        Rows looked up whose `norm_type`-norm exceeds it are rescaled to `max_norm`, in
        place. Default None.
    norm_type : float, optional
        The p of the p-norm for `max_norm`. Default 2.0.
    scale_grad_by_freq : bool, optional
        Must be False (not supported). Default False.
    mode : {'sum', 'mean', 'max'}, optional
        How each bag is reduced. Default 'mean'.
    sparse : bool, optional
        Must be False (not supported). Default False.
    _weight : Tensor of shape (num_embeddings, embedding_dim), optional
        Use this table instead of a random one (PyTorch's internal argument). Default None.
    include_last_offset : bool, optional
        `offsets` has B + 1 entries, the last one the end of the last bag. Default False.
    padding_idx : int, optional
        Entries equal to it are left out of their bag (and its count); the row starts at
        zero. Default None.
    dtype : glassgrad dtype, optional
        Floating dtype of the table (the default dtype if omitted).

    Shape
    -----
    - Input: (B, L) integer, or (n,) with offsets (B,).
    - Output: (B, embedding_dim).

    Attributes
    ----------
    weight : Parameter of shape (num_embeddings, embedding_dim)
        Initialized from N(0, 1), as in PyTorch.

    Raises
    ------
    ValueError
        An unknown `mode`, `padding_idx` out of range, or `_weight` of the wrong shape.
    NotImplementedError
        ``scale_grad_by_freq`` or ``sparse`` is True.
    """

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
        """Create an EmbeddingBag over (a copy of) a given 2-d tensor.

        Parameters
        ----------
        embeddings : Tensor of shape (num_embeddings, embedding_dim)
            The table; copied.
        freeze : bool, optional
            Make the weight not trainable (``requires_grad=False``). Default True.
        max_norm : float, optional
            As in the constructor. Default None.
        norm_type : float, optional
            As in the constructor. Default 2.0.
        scale_grad_by_freq : bool, optional
            Must be False. Default False.
        mode : {'sum', 'mean', 'max'}, optional
            How each bag is reduced. Default 'mean'.
        sparse : bool, optional
            Must be False. Default False.
        include_last_offset : bool, optional
            As in the constructor. Default False.
        padding_idx : int, optional
            As in the constructor. Default None.

        Returns
        -------
        EmbeddingBag
            The new layer.
        """
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
