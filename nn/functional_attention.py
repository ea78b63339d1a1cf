"""F.scaled_dot_product_attention: softmax(Q K^T * scale + mask) V, composed of engine ops.

nn.MultiheadAttention (nn/attention.py) and the transformer layers build on it."""
import math

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.compile import capturing, data_op
from glassgrad.autograd.tensor import Tensor

from . import _functional_core as F


# masks derived from a mask tensor's values, by (non-differentiable) primitives, so that a
# captured step (glassgrad.compile) computes them from each call's mask
_neg_inf_rows = data_op("fully_masked_rows", lambda m, shape: np.broadcast_to(
    np.isneginf(m).all(-1, keepdims=True), shape) if shape else np.isneginf(m).all(
    -1, keepdims=True), "rows whose additive mask is -inf everywhere (no gradient)")
_no_key_rows = data_op("no_key_rows", lambda keep: ~keep.any(-1, keepdims=True),
                       "rows that may attend to no key (no gradient)")
_negated = data_op("logical_not", np.logical_not, "not m (no gradient)")


def _mask_array(mask):
    return mask._data if isinstance(mask, Tensor) else np.asarray(mask)


def _causal_keep(L, S):
    """(L, S) bool, True on and below the diagonal (query i sees keys 0..i), top-left
    aligned as in PyTorch's is_causal."""
    return np.tril(np.ones((L, S), dtype=bool))


def _masked_softmax(scores, fully_masked):
    """softmax over the last dim; rows in `fully_masked` (a bool array broadcastable to
    scores[..., :1], or None) give zeros instead of NaN, as PyTorch's SDPA does."""
    if fully_masked is None:
        return ag.softmax(scores, -1)
    scores = ag.masked_fill(scores, fully_masked, 0.0)
    return ag.masked_fill(ag.softmax(scores, -1), fully_masked, 0.0)


def _repeat_heads(t, groups):
    """(..., Hkv, S, E) -> (..., Hkv * groups, S, E), each head repeated `groups` times in
    a row (repeat_interleave along dim -3)."""
    shape = tuple(t.shape)
    expanded = t.unsqueeze(-3).expand(*shape[:-3], shape[-3], groups, *shape[-2:])
    return expanded.reshape(*shape[:-3], shape[-3] * groups, *shape[-2:])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value, PyTorch's reference computation.

    Parameters
    ----------
    query : Tensor (..., L, E)
    key : Tensor (..., S, E)
    value : Tensor (..., S, Ev)
        Leading dims broadcast (batch, heads).
    attn_mask : Tensor or array, broadcastable to (..., L, S), optional
        bool: True marks the keys a query MAY attend to (False is masked out);
        float: added to the scores (use -inf to mask).
    dropout_p : float
        Dropout probability applied to the attention weights (always, like PyTorch's
        functional form: pass 0.0 in evaluation).
    is_causal : bool
        Query i attends to keys 0..i only (top-left aligned); must not be combined with
        attn_mask.
    scale : float, optional
        Defaults to 1 / sqrt(E).
    enable_gqa : bool
        Grouped-query attention: key/value with fewer heads (dim -3) than query are
        repeated to match (the query heads must be a multiple of theirs).

    Returns
    -------
    Tensor (..., L, Ev)

    Notes
    -----
    A query whose keys are all masked out gets a zero output (and zero weights), as in
    PyTorch 2.x, instead of NaN.
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError(f"scaled_dot_product_attention: query, key and value need at least "
                         f"2 dims (..., seq, features), got {tuple(query.shape)}, "
                         f"{tuple(key.shape)}, {tuple(value.shape)}")
    L, E = query.shape[-2], query.shape[-1]
    S = key.shape[-2]
    if key.shape[-1] != E or value.shape[-2] != S:
        raise ValueError(f"scaled_dot_product_attention: query (..., L, E) {tuple(query.shape)}"
                         f", key (..., S, E) {tuple(key.shape)} and value (..., S, Ev) "
                         f"{tuple(value.shape)} do not agree")
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: Explicit attn_mask should not be "
                           "set when is_causal=True")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        hq, hk = query.shape[-3], key.shape[-3]
        if hq % hk or value.shape[-3] != hk:
            raise ValueError(f"scaled_dot_product_attention: with enable_gqa the query heads "
                             f"({hq}) must be a multiple of the key/value heads ({hk}, "
                             f"{value.shape[-3]})")
        key, value = _repeat_heads(key, hq // hk), _repeat_heads(value, hq // hk)
    scale = 1.0 / math.sqrt(E) if scale is None else float(scale)
    scores = ag.matmul(query, key.transpose(-2, -1)) * scale
    fully_masked = None
    keep = _causal_keep(L, S) if is_causal else None
    if attn_mask is not None:
        m = _mask_array(attn_mask)
        given = isinstance(attn_mask, Tensor)
        if m.dtype == np.bool_:
            keep = attn_mask if given else m
        else:
            mask = attn_mask if given else ag.tensor(m)
            scores = scores + ag.to(mask, scores.dtype)
            if given and capturing():
                fully_masked = _neg_inf_rows((attn_mask,), None)
            elif np.isneginf(m).any():
                fully_masked = np.isneginf(m).all(axis=-1, keepdims=True)
    if isinstance(keep, Tensor):
        scores = ag.masked_fill(scores, _negated((keep,)), -math.inf)
        fully_masked = _no_key_rows((keep,))
    elif keep is not None:
        scores = ag.masked_fill(scores, ~keep, -math.inf)
        fully_masked = ~keep.any(axis=-1, keepdims=True)
    if fully_masked is not None and not capturing() and not _mask_array(fully_masked).any():
        fully_masked = None
    attn = _masked_softmax(scores, fully_masked)
    if dropout_p > 0.0:
        attn = F.dropout(attn, dropout_p, training=True)
    return ag.matmul(attn, value)
