"""Attention: `MultiheadAttention`, built on `F.scaled_dot_product_attention`
(nn/functional_attention.py), composed from matmuls, a mask and a softmax (no hand-written
backward pass).

Masks follow PyTorch's two conventions, which are opposite for boolean masks:
`scaled_dot_product_attention` takes True = "may attend", while MultiheadAttention's
`attn_mask` and `key_padding_mask` take True = "masked out". Float masks are added to the
attention scores in both.
"""
import math

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.compile import capturing, data_op
from glassgrad.autograd.tensor import Tensor

from . import functional as F
from . import init
from .functional_attention import _mask_array, _masked_softmax, _neg_inf_rows
from .linear import Linear
from .module import Module
from .parameter import Parameter


_additive = data_op("additive_mask", lambda m, dtype: np.where(m, -np.inf, 0.0).astype(dtype),
                    "-inf where the bool mask is True, else 0 (no gradient)")


def _as_float_mask(mask, dtype, what):
    """MultiheadAttention's masks as additive float arrays/tensors: bool True -> -inf."""
    m = _mask_array(mask)
    if m.dtype == np.bool_:
        if isinstance(mask, Tensor):    # each call's mask, in a captured step
            return _additive((mask,), dtype)
        return ag.tensor(np.where(m, -np.inf, 0.0).astype(dtype))
    if m.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: only bool and floating types of {what} are "
                        f"supported, got {m.dtype}")
    return ag.to(mask, dtype) if isinstance(mask, Tensor) else ag.tensor(m.astype(dtype))


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al.), PyTorch's ``nn.MultiheadAttention``.

    Projects the query, key and value, splits them into `num_heads` heads, applies scaled
    dot-product attention in each head, concatenates the heads and projects the result:
    ``out_proj(concat(softmax(q k^T / sqrt(E // num_heads) + mask) v))``. Called as
    ``mha(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)``; see ``forward``.

    Parameters
    ----------
    embed_dim : int
        Model width E (query features); split into `num_heads` heads of ``E // num_heads``.
    num_heads : int
        The number of heads; must divide `embed_dim`.
    dropout : float, optional
        Dropout on the attention weights (training mode only). Default 0.0.
    bias : bool, optional
        Biases of the input and output projections. Default True.
    add_bias_kv : bool, optional
        Learned ``bias_k``, ``bias_v`` of shape (1, 1, E) appended to the key/value
        sequences. Default False.
    add_zero_attn : bool, optional
        A zero key/value appended to the (projected) sequences. Default False.
    kdim : int, optional
        Key feature size. Default None (E).
    vdim : int, optional
        Value feature size. Default None (E). When `kdim` or `vdim` differs from E the
        projections are separate parameters ``q_proj_weight`` (E, E), ``k_proj_weight``
        (E, kdim), ``v_proj_weight`` (E, vdim); otherwise one ``in_proj_weight`` (3E, E)
        stacks q, k, v.
    batch_first : bool, optional
        Inputs and outputs are (N, L, E) instead of (L, N, E). Default False.
    device : None
        Accepted for compatibility (the CPU is the only device).
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Query: (L, N, E), (N, L, E) with ``batch_first=True``, or unbatched (L, E).
    - Key: (S, N, kdim), (N, S, kdim) or (S, kdim).
    - Value: (S, N, vdim), (N, S, vdim) or (S, vdim).
    - Output: the query's layout with E features, and the attention weights (N, L, S)
      averaged over the heads, or (N, num_heads, L, S) (unbatched: without N).

    Attributes
    ----------
    in_proj_weight : Parameter of shape (3E, E) or None
        The stacked q, k, v projections (None when `kdim` or `vdim` differs from E);
        ``xavier_uniform_``.
    q_proj_weight, k_proj_weight, v_proj_weight : Parameter or None
        Shapes (E, E), (E, kdim), (E, vdim) when `kdim` or `vdim` differs from E, else None;
        ``xavier_uniform_``.
    in_proj_bias : Parameter of shape (3E,) or None
        Zeros.
    out_proj : Linear
        The output projection: ``out_proj.weight`` (E, E), ``out_proj.bias`` (E,) (zeros).
    bias_k, bias_v : Parameter of shape (1, 1, E) or None
        With ``add_bias_kv=True``; ``xavier_normal_``.

    Raises
    ------
    ValueError
        `embed_dim` or `num_heads` is not positive.
    AssertionError
        `embed_dim` is not divisible by `num_heads` (as in PyTorch).

    Notes
    -----
    The parameter names (so the ``state_dict`` keys) and the initialization follow PyTorch.

    Differences from PyTorch: no fused fast path (the result is the same computation); a
    query whose keys are all masked gets zero weights instead of NaN.

    Examples
    --------
    >>> from glassgrad import nn
    >>> mha = nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True)
    >>> x = gg.randn(3, 5, 8)
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater "
                             f"than 0, got embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise AssertionError(f"MultiheadAttention: embed_dim ({embed_dim}) must be "
                                 f"divisible by num_heads ({num_heads})")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        empty = lambda *shape: Parameter(ag.empty(*shape, dtype=dtype))  # noqa: E731
        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty(1, 1, embed_dim)
            self.bias_v = empty(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _projections(self, query, key, value):
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        """Attend from `query` to `key`/`value`.

        Parameters
        ----------
        query : Tensor of shape (L, N, E), or (N, L, E) with batch_first, or unbatched (L, E)
            The queries.
        key : Tensor of shape (S, N, kdim), (N, S, kdim) or (S, kdim)
            The keys.
        value : Tensor of shape (S, N, vdim), (N, S, vdim) or (S, vdim)
            The values.
        key_padding_mask : Tensor of shape (N, S) or (S,), optional
            bool True = this key is padding (ignored); float: added to the scores. Default None.
        need_weights : bool, optional
            Also return the attention weights. Default True.
        attn_mask : Tensor of shape (L, S) or (N * num_heads, L, S), optional
            bool True = NOT allowed to attend; float: added to the scores. Default None.
        average_attn_weights : bool, optional
            Average the returned weights over heads: (N, L, S); else (N, num_heads, L, S).
            Default True.
        is_causal : bool, optional
            A hint that `attn_mask` is the causal mask; `attn_mask` must still be given.
            Default False.

        Returns
        -------
        attn_output : Tensor
            The query's layout with E features.
        attn_weights : Tensor or None
            (N, L, S) or (N, num_heads, L, S) (without N for unbatched inputs), the weights
            after dropout; None with ``need_weights=False``.

        Raises
        ------
        RuntimeError
            `is_causal` without `attn_mask`, or a mask of the wrong shape.
        ValueError
            Inputs that are not all 3-d or all 2-d, or whose feature sizes, batch sizes or
            key/value lengths do not fit.
        TypeError
            A mask that is neither bool nor floating.

        Notes
        -----
        The boolean masks here mean True = masked out, the opposite of
        ``nn.functional.scaled_dot_product_attention`` (True = may attend), as in PyTorch.
        """
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: need attn_mask if specifying the "
                               "is_causal hint (use nn.Transformer."
                               "generate_square_subsequent_mask)")
        batched = query.ndim == 3
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: query, key and value must all be 3-D "
                             f"(batched) or 2-D (unbatched), got {tuple(query.shape)}, "
                             f"{tuple(key.shape)}, {tuple(value.shape)}")
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = _mask_array(key_padding_mask)[None]
            if attn_mask is not None and _mask_array(attn_mask).ndim == 3:
                pass   # (num_heads, L, S) is already (N * num_heads, L, S) with N = 1
        elif self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        L, N, E = query.shape
        S = key.shape[0]
        if E != self.embed_dim or key.shape[-1] != self.kdim or value.shape[-1] != self.vdim \
                or key.shape[:2] != value.shape[:2] or key.shape[1] != N:
            raise ValueError(f"MultiheadAttention(embed_dim={self.embed_dim}, kdim={self.kdim},"
                             f" vdim={self.vdim}): got query {tuple(query.shape)}, key "
                             f"{tuple(key.shape)}, value {tuple(value.shape)} (sequence-first)")
        H, hd = self.num_heads, self.head_dim
        dtype = query.dtype
        q, k, v = self._projections(query, key, value)
        mask = None if attn_mask is None else _as_float_mask(attn_mask, dtype, "attn_mask")
        if mask is not None and mask.shape not in ((L, S), (N * H, L, S)):
            raise RuntimeError(f"MultiheadAttention: attn_mask must be ({L}, {S}) or "
                               f"({N * H}, {L}, {S}), got {tuple(mask.shape)}")
        kpm = None
        if key_padding_mask is not None:
            kpm = _as_float_mask(key_padding_mask, dtype, "key_padding_mask")
            if tuple(kpm.shape) != (N, S):
                raise RuntimeError(f"MultiheadAttention: key_padding_mask must be ({N}, {S}), "
                                   f"got {tuple(kpm.shape)}")
        if self.bias_k is not None:
            k = ag.cat([k, self.bias_k.expand(1, N, E)], 0)
            v = ag.cat([v, self.bias_v.expand(1, N, E)], 0)
            mask = None if mask is None else F.pad(mask, (0, 1))
            kpm = None if kpm is None else F.pad(kpm, (0, 1))
        # (seq, N, E) -> (N * H, seq, head_dim), PyTorch's head layout
        q = q.reshape(L, N * H, hd).transpose(0, 1)
        k = k.reshape(k.shape[0], N * H, hd).transpose(0, 1)
        v = v.reshape(v.shape[0], N * H, hd).transpose(0, 1)
        if self.add_zero_attn:
            zeros = ag.zeros(N * H, 1, hd, dtype=dtype)
            k, v = ag.cat([k, zeros], 1), ag.cat([v, zeros], 1)
            mask = None if mask is None else F.pad(mask, (0, 1))
            kpm = None if kpm is None else F.pad(kpm, (0, 1))
        S_all = k.shape[1]
        if kpm is not None:
            kpm = kpm.reshape(N, 1, 1, S_all).expand(N, H, 1, S_all).reshape(N * H, 1, S_all)
            mask = kpm if mask is None else mask + kpm
        scores = ag.matmul(q * (1.0 / math.sqrt(hd)), k.transpose(-2, -1))
        fully_masked = None
        if mask is not None:
            scores = scores + mask
            m = mask._data
            if capturing():     # the rows from each call's mask
                fully_masked = _neg_inf_rows((mask,), (N * H, L, 1) if m.ndim == 3 else (L, 1))
            elif np.isneginf(m).any():
                fully_masked = np.broadcast_to(np.isneginf(m).all(-1, keepdims=True),
                                               (N * H, L, 1) if m.ndim == 3 else (L, 1))
                if not fully_masked.any():
                    fully_masked = None
        # PyTorch leaves fully masked rows NaN here; we give them zero weights, as its SDPA
        attn = _masked_softmax(scores, fully_masked)
        if self.training and self.dropout > 0.0:
            attn = F.dropout(attn, self.dropout, training=True)
        out = ag.matmul(attn, v)                                    # (N * H, L, hd)
        out = out.transpose(0, 1).reshape(L * N, E)
        out = F.linear(out, self.out_proj.weight, self.out_proj.bias).reshape(L, N, E)
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(1)
        if not need_weights:
            return out, None
        weights = attn.reshape(N, H, L, S_all)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            weights = weights.squeeze(0)
        return out, weights
