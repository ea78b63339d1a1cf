"""Lookup and bilinear layers for nn.functional: embedding (with padding_idx and max_norm),
embedding_bag (sum, mean, max over bags) and bilinear."""
import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.compile import capturing, data_op, uncapturable
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.autograd.tensor import Tensor

# masks and picks derived from the indices or the embeddings, by (non-differentiable)
# primitives, so that a captured step (glassgrad.compile) computes them for each call
_padding_rows = data_op("padding_rows", lambda i, n, pad: (i % n == pad % n)[..., None],
                        "True where the index is padding_idx (a mask, no gradient)")
_bag_winner = data_op("bag_max_index", lambda e, keep: np.argmax(
    np.where(keep[:, :, None], e, -np.inf), axis=1)[:, None, :],
    "the first maximum per bag and dim (no gradient)")


def _indices(input, n, fn):
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{fn}: indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"{fn}: index {bad} is out of range for {n} embeddings "
                         f"(num_embeddings={n}; valid indices are 0 .. {n - 1}, negative "
                         f"indices are not allowed)")
    return idx


def _renorm_rows(weight, idx, max_norm, norm_type):
    """PyTorch's embedding_renorm_: rows referenced by idx whose norm exceeds max_norm are
    scaled in place (without recording a gradient) to norm max_norm (over norm + 1e-7)."""
    uncapturable("embedding with max_norm (the rows renormalized in place are chosen from "
                 "the data)")
    rows = np.unique(idx % weight.shape[0])
    if not rows.size:
        return
    w = weight._data[rows]
    norms = np.linalg.norm(w, ord=norm_type, axis=1) if norm_type != 2 else \
        np.sqrt((w * w).sum(axis=1))
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(w.dtype)
        with no_grad():
            weight[rows[big]] = ag.tensor(w[big] * scale[:, None])


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of an embedding table, PyTorch's ``F.embedding``.

    Rows used more than once accumulate gradient; the `padding_idx` row gets none.

    Parameters
    ----------
    input : Tensor or array_like, integer dtype, any shape
        Indices in ``[0, num_embeddings)``.
    weight : Tensor of shape (num_embeddings, embedding_dim)
        The table.
    padding_idx : int, optional
        The row at this index receives no gradient. Default None.
    max_norm : float, optional
        If given, each referenced row whose `norm_type`-norm exceeds `max_norm` is first
        rescaled IN PLACE to norm `max_norm`, as PyTorch does (this modifies `weight`).
        Default None.
    norm_type : float, optional
        The p of the norm for `max_norm`. Default 2.0.
    scale_grad_by_freq : bool, optional
        Must be False (not supported). Default False.
    sparse : bool, optional
        Must be False (sparse gradients are not supported). Default False.

    Returns
    -------
    Tensor of shape input.shape + (embedding_dim,)
        Same dtype as `weight`.

    Raises
    ------
    TypeError
        If the indices are not integers.
    IndexError
        If an index is negative or not below num_embeddings.
    NotImplementedError
        If `scale_grad_by_freq` or `sparse` is True.
    """
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not "
                                  "supported")
    n = weight.shape[0]
    idx = _indices(input, n, "embedding")
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    out = weight[idx]
    if padding_idx is not None:
        if isinstance(input, Tensor):
            pad_mask = _padding_rows((input,), n, padding_idx)._data
        else:
            pad_mask = (idx % n == padding_idx % n)[..., None]
        if capturing() or pad_mask.any():
            out = ag.where(pad_mask, weight.detach()[idx], out)
    return out


def _bags(idx, offsets, include_last_offset, fn):
    """Flat indices, a (bags, longest bag) table of positions into them and the mask of the
    table's real entries (bags are contiguous runs of the flat input)."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{fn}: offsets must be None for a 2-D input (one bag per row)")
        b, length = idx.shape
        return idx.reshape(-1), np.arange(b * length).reshape(b, length), \
            np.ones((b, length), dtype=bool)
    if idx.ndim != 1:
        raise ValueError(f"{fn}: input must be 1-D (with offsets) or 2-D, got shape {idx.shape}")
    if offsets is None:
        raise ValueError(f"{fn}: a 1-D input needs offsets (the start of each bag)")
    off = offsets._data if isinstance(offsets, Tensor) else np.asarray(offsets)
    off = off.astype(np.int64).reshape(-1)
    if off.size and (off[0] != 0 or np.any(np.diff(off) < 0) or off[-1] > idx.size):
        raise ValueError(f"{fn}: offsets must start at 0, not decrease and not exceed the input "
                         f"size {idx.size}, got {off.tolist()}")
    if include_last_offset:
        if off.size < 1:
            raise ValueError(f"{fn}: include_last_offset needs at least one offset")
        starts, ends = off[:-1], off[1:]
    else:
        starts, ends = off, np.append(off[1:], idx.size)
    lengths = ends - starts
    longest = int(lengths.max()) if lengths.size else 0
    steps = np.arange(longest)
    real = steps < lengths[:, None]
    return idx, np.where(real, starts[:, None] + steps, 0), real


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sum, mean or max of the embeddings of each bag of indices, PyTorch's ``F.embedding_bag``.

    Parameters
    ----------
    input : Tensor, integer dtype
        Shape (B, L): B bags of L indices; or (n,) with `offsets`.
    weight : Tensor of shape (num_embeddings, embedding_dim)
    offsets : Tensor of shape (B,), integer dtype, optional
        For a 1-D `input`: the start of each bag in `input` ((B + 1,) with
        `include_last_offset`). Must start at 0 and not decrease. Default None.
    max_norm : float, optional
        As in :func:`embedding` (rows renormalized in place). Default None.
    norm_type : float, optional
        As in :func:`embedding`. Default 2.
    scale_grad_by_freq : bool, optional
        Must be False (not supported). Default False.
    mode : {'sum', 'mean', 'max'}, optional
        Default ``'mean'``.
    sparse : bool, optional
        Must be False (not supported). Default False.
    per_sample_weights : Tensor of the shape of `input`, optional
        ``mode='sum'`` only: each embedding is scaled by its weight before the sum
        (differentiable). Default None.
    include_last_offset : bool, optional
        `offsets` has one more entry, the end of the last bag. Default False.
    padding_idx : int, optional
        Entries equal to it are left out of their bag (and its count). Default None.

    Returns
    -------
    Tensor of shape (B, embedding_dim)
        An empty bag gives zeros. For ``'max'`` the gradient goes to the first maximum of each
        bag and dim.

    Raises
    ------
    ValueError
        For an unknown mode, `per_sample_weights` with a mode other than ``'sum'`` or of the
        wrong shape, `offsets` with a 2-D input, a 1-D input without offsets, invalid offsets,
        or an input that is neither 1- nor 2-D.
    TypeError
        If the indices are not integers.
    IndexError
        If an index is out of range.
    NotImplementedError
        If `scale_grad_by_freq` or `sparse` is True.
    """
    fn = "embedding_bag"
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{fn}: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError(f"{fn}: scale_grad_by_freq and sparse gradients are not "
                                  f"supported")
    n_emb = weight.shape[0]
    idx2 = _indices(input, n_emb, fn)
    if per_sample_weights is not None:
        if mode != "sum":
            raise ValueError(f"{fn}: per_sample_weights are only supported with mode='sum', "
                             f"got mode={mode!r}")
        if tuple(per_sample_weights.shape) != idx2.shape:
            raise ValueError(f"{fn}: per_sample_weights {tuple(per_sample_weights.shape)} must "
                             f"have the input's shape {idx2.shape}")
    idx, slots, real = _bags(idx2, offsets, include_last_offset, fn)
    if max_norm is not None:
        _renorm_rows(weight, idx[slots[real]], max_norm, norm_type)
    n_bags, dim = slots.shape[0], weight.shape[1]
    if not real.any():                                      # every bag empty
        return ag.zeros(n_bags, dim, dtype=weight.dtype)
    if idx2.ndim == 2:
        rows = idx2     # (the input's own array: a captured step reads each call's)
    else:
        rows = idx[slots]                                   # (bags, longest) table indices
        uncapturable("embedding_bag with offsets (the bags are laid out from the data)")
    if padding_idx is not None:
        uncapturable("embedding_bag with padding_idx (its mask comes from the data)")
    keep = real if padding_idx is None else real & (rows % n_emb != padding_idx % n_emb)
    emb = weight[rows]                                      # (bags, longest, dim)
    filled = keep.any(axis=1)
    if mode == "max":
        winner = _bag_winner((emb,), keep)                  # first maximum per bag and dim
        out = ag.gather(emb, 1, winner).squeeze(1)
        if not filled.all():
            out = out * ag.tensor(filled[:, None].astype(weight.dtype))
        return out
    scale = ag.tensor(keep.astype(weight.dtype))
    if per_sample_weights is not None:
        scale = per_sample_weights.reshape(-1)[slots] * scale
    out = (emb * scale.unsqueeze(-1)).sum(dim=1)
    if mode == "mean":
        counts = np.maximum(keep.sum(axis=1, keepdims=True), 1).astype(weight.dtype)
        out = out / ag.tensor(counts)
    return out


def bilinear(input1, input2, weight, bias=None):
    """Bilinear map ``y_k = x1^T A_k x2 + b_k``, PyTorch's ``F.bilinear``.

    Parameters
    ----------
    input1 : Tensor of shape (..., in1), floating point
    input2 : Tensor of shape (..., in2)
        Same leading dims as `input1`.
    weight : Tensor of shape (out, in1, in2)
    bias : Tensor of shape (out,), optional
        Default None.

    Returns
    -------
    Tensor of shape (..., out)

    Raises
    ------
    ValueError
        If `weight` is not 3-D or the inputs do not match it or each other.
    """
    if weight.ndim != 3:
        raise ValueError(f"bilinear: weight must be (out, in1, in2), got shape "
                         f"{tuple(weight.shape)}")
    o, i1, i2 = weight.shape
    if input1.shape[-1] != i1 or input2.shape[-1] != i2 or \
            tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise ValueError(f"bilinear: inputs {tuple(input1.shape)} and {tuple(input2.shape)} do "
                         f"not match weight {tuple(weight.shape)} (expected (..., {i1}) and "
                         f"(..., {i2}) with the same leading dims)")
    left = ag.matmul(input1, weight.permute(1, 0, 2).reshape(i1, o * i2))  # (..., out*in2)
    left = left.reshape(tuple(input1.shape[:-1]) + (o, i2))
    out = (left * input2.unsqueeze(-2)).sum(dim=-1)
    return out if bias is None else out + bias
