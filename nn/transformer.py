"""The Transformer (Vaswani et al.) as PyTorch builds it: encoder and decoder layers of
multi-head attention and a two-layer feed-forward block, each wrapped in a residual
connection and LayerNorm (after the residual by default, before it with norm_first=True).

Module names (self_attn, multihead_attn, linear1, linear2, norm1..3, layers.0...) and so
state_dict keys are PyTorch's.
"""
import copy

import numpy as np

from glassgrad import autograd as ag

from . import functional as F
from . import init
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm


def _activation_fn(activation):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    if callable(activation):
        return activation
    raise RuntimeError(f"activation should be relu/gelu or a callable, not {activation!r}")


def _clones(module, n):
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block (d_model -> dim_feedforward -> d_model).

    Each block is wrapped in a residual connection and a LayerNorm. The submodules are named as
    in PyTorch (``self_attn``, ``linear1``, ``linear2``, ``norm1``, ``norm2``, ``dropout``,
    ``dropout1``, ``dropout2``), so the ``state_dict`` keys are PyTorch's.

    Parameters
    ----------
    d_model : int
        The model width E (features of every position).
    nhead : int
        The number of attention heads; must divide `d_model`.
    dim_feedforward : int, optional
        The hidden width of the feed-forward block. Default 2048.
    dropout : float, optional
        Used after attention, inside and after the feed-forward block, and on the attention
        weights. Default 0.1.
    activation : {'relu', 'gelu'} or callable, optional
        The feed-forward block's activation (a Module is registered as a child). Default
        ``nn.functional.relu``.
    layer_norm_eps : float, optional
        The LayerNorms' eps. Default 1e-5.
    batch_first : bool, optional
        Inputs and outputs are (N, S, E) instead of (S, N, E). Default False.
    norm_first : bool, optional
        Pre-LayerNorm: ``x + sa(norm1(x))``, then ``x + ff(norm2(x))``; otherwise the
        LayerNorm comes after each residual sum. Default False.
    bias : bool, optional
        Biases of the linear layers, the attention projections and the LayerNorms. Default
        True.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (S, N, E), (N, S, E) with ``batch_first=True``, or unbatched (S, E).
    - Output: same shape as the input.

    Raises
    ------
    RuntimeError
        `activation` is neither 'relu', 'gelu' nor a callable.

    Notes
    -----
    Differences from PyTorch: no nested-tensor/fused fast path (same results except that
    PyTorch's fast path, in inference with a padding mask, zeroes padded positions).

    Examples
    --------
    >>> from glassgrad import nn
    >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16)
    >>> layer(gg.randn(5, 3, 8)).shape
    (5, 3, 8)
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation_fn(activation)

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        """Apply the layer to a sequence.

        Parameters
        ----------
        src : Tensor of shape (S, N, E), (N, S, E) with batch_first, or (S, E)
            The input sequence.
        src_mask : Tensor of shape (S, S) or (N * nhead, S, S), optional
            The attention mask, MultiheadAttention's convention (bool True = masked, or float
            added to the scores). Default None.
        src_key_padding_mask : Tensor of shape (N, S), optional
            True marks padded positions (ignored as keys). Default None.
        is_causal : bool, optional
            A hint that `src_mask` is the causal mask (it must still be given). Default False.

        Returns
        -------
        Tensor
            Same shape as `src`.
        """
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout2(x)


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention to the encoder's memory, then a feed-forward
    block.

    Each block is wrapped in a residual connection and a LayerNorm. The submodules are
    ``self_attn``, ``multihead_attn``, ``linear1``, ``linear2``, ``norm1``, ``norm2``,
    ``norm3`` (and dropouts), as in PyTorch.

    Parameters
    ----------
    d_model : int
        The model width E (features of every position).
    nhead : int
        The number of attention heads; must divide `d_model`.
    dim_feedforward : int, optional
        The hidden width of the feed-forward block. Default 2048.
    dropout : float, optional
        Used after attention, inside and after the feed-forward block, and on the attention
        weights. Default 0.1.
    activation : {'relu', 'gelu'} or callable, optional
        The feed-forward block's activation (a Module is registered as a child). Default
        ``nn.functional.relu``.
    layer_norm_eps : float, optional
        The LayerNorms' eps. Default 1e-5.
    batch_first : bool, optional
        Inputs and outputs are (N, S, E) instead of (S, N, E). Default False.
    norm_first : bool, optional
        Pre-LayerNorm: ``x + sa(norm1(x))``, ``x + mha(norm2(x))``, then
        ``x + ff(norm3(x))``; otherwise the
        LayerNorm comes after each residual sum. Default False.
    bias : bool, optional
        Biases of the linear layers, the attention projections and the LayerNorms. Default
        True.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Target: (T, N, E), (N, T, E) with ``batch_first=True``, or unbatched (T, E).
    - Memory: (S, N, E), (N, S, E) or (S, E).
    - Output: same shape as the target.

    Raises
    ------
    RuntimeError
        `activation` is neither 'relu', 'gelu' nor a callable.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation=F.relu,
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation_fn(activation)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        """Apply the layer to a target sequence, attending to the memory.

        Parameters
        ----------
        tgt : Tensor of shape (T, N, E), (N, T, E) with batch_first, or (T, E)
            The target sequence.
        memory : Tensor of shape (S, N, E), (N, S, E) or (S, E)
            The encoder's output.
        tgt_mask : Tensor of shape (T, T) or (N * nhead, T, T), optional
            The target self-attention mask (bool True = masked, or float added to the scores).
            Default None.
        memory_mask : Tensor of shape (T, S) or (N * nhead, T, S), optional
            The mask of the attention to the memory. Default None.
        tgt_key_padding_mask : Tensor of shape (N, T), optional
            True marks padded target positions. Default None.
        memory_key_padding_mask : Tensor of shape (N, S), optional
            True marks padded memory positions. Default None.
        tgt_is_causal : bool, optional
            A hint that `tgt_mask` is the causal mask. Default False.
        memory_is_causal : bool, optional
            A hint that `memory_mask` is the causal mask. Default False.

        Returns
        -------
        Tensor
            Same shape as `tgt`.
        """
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        x = self.linear2(self.dropout(self.activation(self.linear1(x))))
        return self.dropout3(x)


class TransformerEncoder(Module):
    """A stack of encoder layers: `num_layers` deep copies of `encoder_layer` (as ``layers``),
    then the optional `norm`.

    Parameters
    ----------
    encoder_layer : TransformerEncoderLayer
        The layer to copy (each copy has its own parameters).
    num_layers : int
        The number of layers.
    norm : Module, optional
        Applied to the last layer's output (usually a LayerNorm). Default None.
    enable_nested_tensor : bool, optional
        Accepted for compatibility; there is no nested-tensor fast path. Default True.
    mask_check : bool, optional
        Accepted for compatibility. Default True.

    Shape
    -----
    - Input: (S, N, E), (N, S, E) with the layers' ``batch_first=True``, or (S, E).
    - Output: same shape as the input.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Pass `src` through every layer with the same masks (see TransformerEncoderLayer).

        Parameters
        ----------
        src : Tensor of shape (S, N, E), (N, S, E) with batch_first, or (S, E)
            The input sequence.
        mask : Tensor of shape (S, S) or (N * nhead, S, S), optional
            The attention mask (bool True = masked, or float added to the scores). Default None.
        src_key_padding_mask : Tensor of shape (N, S), optional
            True marks padded positions. Default None.
        is_causal : bool, optional
            A hint that `mask` is the causal mask (None means False). Default None.

        Returns
        -------
        Tensor
            Same shape as `src`.
        """
        is_causal = bool(is_causal)
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, is_causal=is_causal,
                        src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            out = self.norm(out)
        return out


class TransformerDecoder(Module):
    """A stack of decoder layers: `num_layers` deep copies of `decoder_layer` (as ``layers``),
    then the optional `norm`.

    Parameters
    ----------
    decoder_layer : TransformerDecoderLayer
        The layer to copy (each copy has its own parameters).
    num_layers : int
        The number of layers.
    norm : Module, optional
        Applied to the last layer's output (usually a LayerNorm). Default None.

    Shape
    -----
    - Target: (T, N, E), (N, T, E) with the layers' ``batch_first=True``, or (T, E).
    - Memory: (S, N, E), (N, S, E) or (S, E).
    - Output: same shape as the target.
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        """Pass `tgt` through every layer, each attending to `memory` (see TransformerDecoderLayer).

        Parameters
        ----------
        tgt : Tensor of shape (T, N, E), (N, T, E) with batch_first, or (T, E)
            The target sequence.
        memory : Tensor of shape (S, N, E), (N, S, E) or (S, E)
            The encoder's output.
        tgt_mask : Tensor of shape (T, T) or (N * nhead, T, T), optional
            The target self-attention mask (bool True = masked, or float added to the scores).
            Default None.
        memory_mask : Tensor of shape (T, S) or (N * nhead, T, S), optional
            The mask of the attention to the memory. Default None.
        tgt_key_padding_mask : Tensor of shape (N, T), optional
            True marks padded target positions. Default None.
        memory_key_padding_mask : Tensor of shape (N, S), optional
            True marks padded memory positions. Default None.
        tgt_is_causal : bool, optional
            A hint that `tgt_mask` is the causal mask (None means False). Default None.
        memory_is_causal : bool, optional
            A hint that `memory_mask` is the causal mask. Default False.

        Returns
        -------
        Tensor
            Same shape as `tgt`.
        """
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask,
                        memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=bool(tgt_is_causal), memory_is_causal=memory_is_causal)
        if self.norm is not None:
            out = self.norm(out)
        return out


class Transformer(Module):
    """The encoder-decoder Transformer, with PyTorch's arguments and defaults.

    ``encoder`` is `num_encoder_layers` encoder layers and a final LayerNorm, ``decoder``
    likewise. Every parameter with more than one dimension is re-initialized with
    ``xavier_uniform_``, as PyTorch does.

    Parameters
    ----------
    d_model : int, optional
        The model width E. Default 512.
    nhead : int, optional
        The number of attention heads. Default 8.
    num_encoder_layers : int, optional
        Default 6.
    num_decoder_layers : int, optional
        Default 6.
    dim_feedforward : int, optional
        The hidden width of the feed-forward blocks. Default 2048.
    dropout : float, optional
        Default 0.1.
    activation : {'relu', 'gelu'} or callable, optional
        The feed-forward blocks' activation. Default ``nn.functional.relu``.
    custom_encoder : Module, optional
        Replaces the built encoder. Default None.
    custom_decoder : Module, optional
        Replaces the built decoder. Default None.
    layer_norm_eps : float, optional
        Default 1e-5.
    batch_first : bool, optional
        Inputs and outputs are (N, S, E) instead of (S, N, E). Default False.
    norm_first : bool, optional
        Pre-LayerNorm layers. Default False.
    bias : bool, optional
        Biases of the linear layers, attention projections and LayerNorms. Default True.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Source: (S, N, E), (N, S, E) with ``batch_first=True``, or unbatched (S, E).
    - Target: (T, N, E), (N, T, E) or (T, E).
    - Output: the target's shape.

    Raises
    ------
    RuntimeError
        `activation` is neither 'relu', 'gelu' nor a callable.

    Examples
    --------
    >>> from glassgrad import nn
    >>> model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
    ...                        num_decoder_layers=1, dim_feedforward=16)
    >>> src, tgt = gg.randn(6, 2, 8), gg.randn(4, 2, 8)
    >>> mask = nn.Transformer.generate_square_subsequent_mask(4)
    >>> model(src, tgt, tgt_mask=mask).shape
    (4, 2, 8)
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False,
                 norm_first=False, bias=True, device=None, dtype=None):
        super().__init__()
        kw = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                  layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                  norm_first=norm_first, bias=bias, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, **kw)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        """Encode `src` and decode `tgt` attending to the encoded memory.

        Parameters
        ----------
        src : Tensor of shape (S, N, E), (N, S, E) with batch_first, or (S, E)
            The source sequence.
        tgt : Tensor of shape (T, N, E), (N, T, E) with batch_first, or (T, E)
            The target sequence.
        src_mask : Tensor of shape (S, S) or (N * nhead, S, S), optional
            The encoder's attention mask. Default None.
        tgt_mask : Tensor of shape (T, T) or (N * nhead, T, T), optional
            The target self-attention mask (bool True = masked, or float added to the scores).
            Default None.
        memory_mask : Tensor of shape (T, S) or (N * nhead, T, S), optional
            The mask of the attention to the memory. Default None.
        src_key_padding_mask : Tensor of shape (N, S), optional
            True marks padded source positions. Default None.
        tgt_key_padding_mask : Tensor of shape (N, T), optional
            True marks padded target positions. Default None.
        memory_key_padding_mask : Tensor of shape (N, S), optional
            True marks padded memory positions. Default None.
        src_is_causal : bool, optional
            A hint that `src_mask` is the causal mask. Default None.
        tgt_is_causal : bool, optional
            A hint that `tgt_mask` is the causal mask. Default None.
        memory_is_causal : bool, optional
            A hint that `memory_mask` is the causal mask. Default False.

        Returns
        -------
        Tensor
            The target's shape, (T, N, E) (or batch first, or (T, E)).

        Raises
        ------
        RuntimeError
            `src` and `tgt` have different batch sizes, or a feature size other than `d_model`.

        Notes
        -----
        Use ``generate_square_subsequent_mask(T)`` as `tgt_mask` for autoregressive decoding.
        """
        batched = src.ndim == 3
        if batched:
            b = 0 if self.batch_first else 1
            if src.shape[b] != tgt.shape[b]:
                raise RuntimeError("Transformer: the batch number of src and tgt must be "
                                   f"equal, got src {tuple(src.shape)}, tgt {tuple(tgt.shape)}")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal "
                               f"to d_model ({self.d_model}), got {src.shape[-1]} and "
                               f"{tgt.shape[-1]}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """Return a float mask for causal attention.

        The mask is 0 on and below the diagonal and -inf above it: position i may attend to
        positions 0 to i.

        Parameters
        ----------
        sz : int
            The sequence length.
        device : None
            Accepted for compatibility (the CPU is the only device).
        dtype : glassgrad dtype, optional
            The mask's floating dtype (the default dtype if omitted).

        Returns
        -------
        Tensor of shape (sz, sz)
            The additive mask.

        Examples
        --------
        >>> from glassgrad import nn
        >>> nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[  0., -inf, -inf],
                [  0.,   0., -inf],
                [  0.,   0.,   0.]])
        """
        dtype = np.dtype(dtype) if dtype is not None else ag.get_default_dtype()
        mask = np.triu(np.full((sz, sz), -np.inf), k=1).astype(dtype)
        return ag.tensor(mask)
