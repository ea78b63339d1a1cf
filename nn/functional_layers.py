"""Lookup and bilinear layers for nn.functional: embedding (with padding_idx and max_norm),
embedding_bag (sum, mean, max over bags) and bilinear."""
import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.autograd.tensor import Tensor


def _indices(input, n, fn):
    idx = input._data if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{fn}: indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"{fn}: index {bad} is out of range for {n} embeddings")
    return idx


def _renorm_rows(weight, idx, max_norm, norm_type):
    """PyTorch's embedding_renorm_: rows referenced by idx whose norm exceeds max_norm are
    scaled in place (without recording a gradient) to norm max_norm (over norm + 1e-7)."""
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
    """Rows of `weight` (num_embeddings, dim) picked by integer `input` (any shape) ->
    input.shape + (dim,), PyTorch's F.embedding.

    Rows used more than once accumulate gradient; the `padding_idx` row gets none. With
    max_norm, each referenced row whose norm_type-norm exceeds max_norm is first rescaled IN
    PLACE to norm max_norm, as PyTorch does (this modifies `weight`).

    Raises TypeError for non-integer indices, IndexError for indices out of range and
    NotImplementedError for scale_grad_by_freq / sparse."""
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not "
                                  "supported")
    n = weight.shape[0]
    idx = _indices(input, n, "embedding")
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    out = weight[idx]
    if padding_idx is not None:
        pad_mask = (idx % n == padding_idx % n)[..., None]
        if pad_mask.any():
            out = ag.where(pad_mask, weight.detach()[idx], out)
    return out


def _bags(idx, offsets, include_last_offset, fn):
    """Flat indices and the bag number of each, and the number of bags."""
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{fn}: offsets must be None for a 2-D input (one bag per row)")
        b, length = idx.shape
        return idx.reshape(-1), np.repeat(np.arange(b), length), b
    if idx.ndim != 1:
        raise ValueError(f"{fn}: input must be 1-D (with offsets) or 2-D, got shape {idx.shape}")
    if offsets is None:
        raise ValueError(f"{fn}: a 1-D input needs offsets (the start of each bag)")
    off = offsets._data if isinstance(offsets, Tensor) else np.asarray(offsets)
    off = off.astype(np.int64).reshape(-1)
    if include_last_offset:
        if off.size < 1:
            raise ValueError(f"{fn}: include_last_offset needs at least one offset")
        starts, ends = off[:-1], off[1:]
    else:
        starts, ends = off, np.append(off[1:], idx.size)
    if off.size and (off[0] != 0 or np.any(np.diff(off) < 0) or off[-1] > idx.size):
        raise ValueError(f"{fn}: offsets must start at 0, not decrease and not exceed the input "
                         f"size {idx.size}, got {off.tolist()}")
    bag = np.zeros(idx.size, dtype=np.int64)
    for i, (s, e) in enumerate(zip(starts, ends)):
        bag[s:e] = i
    # positions after the last bag's end (include_last_offset) belong to no bag
    used = np.zeros(idx.size, dtype=bool)
    for s, e in zip(starts, ends):
        used[s:e] = True
    bag[~used] = -1
    return idx, bag, len(starts)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sum, mean or max of the embeddings of each bag of indices, PyTorch's F.embedding_bag.

    Parameters
    ----------
    input : integer Tensor (B, L) (B bags of L indices) or (n,) with `offsets`
    weight : Tensor (num_embeddings, dim)
    offsets : integer Tensor (B,) (or (B + 1,) with include_last_offset): bag starts in input
    mode : 'sum', 'mean' or 'max'
    per_sample_weights : Tensor of input's shape, mode='sum' only: each embedding is scaled
        by its weight before the sum (differentiable)
    padding_idx : entries equal to it are left out of their bag (and its count)
    max_norm, norm_type : as in embedding (rows renormalized in place)

    Returns
    -------
    Tensor (B, dim); an empty bag gives zeros.
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
    idx, bag, n_bags = _bags(idx2, offsets, include_last_offset, fn)
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    keep = bag >= 0
    if padding_idx is not None:
        keep &= idx % n_emb != padding_idx % n_emb
    emb = weight[idx]                                                   # (n, dim)
    dim = weight.shape[1]
    if mode == "max":
        winner = np.zeros((n_bags, dim), dtype=np.int64)
        filled = np.zeros(n_bags, dtype=bool)
        data = emb._data
        for b in range(n_bags):
            rows = np.nonzero(keep & (bag == b))[0]
            if rows.size:
                winner[b] = rows[np.argmax(data[rows], axis=0)]
                filled[b] = True
        if not idx.size:
            return ag.zeros(n_bags, dim, dtype=weight.dtype)
        out = ag.gather(emb, 0, winner)
        if not filled.all():
            out = out * ag.tensor(filled[:, None].astype(weight.dtype))
        return out
    if per_sample_weights is not None:
        emb = emb * per_sample_weights.reshape(-1, 1)
    member = np.zeros((n_bags, idx.size), dtype=weight.dtype)
    member[bag[keep], np.nonzero(keep)[0]] = 1.0
    if mode == "mean":
        counts = member.sum(axis=1, keepdims=True)
        member = member / np.maximum(counts, 1.0)
    return ag.matmul(ag.tensor(member), emb)


def bilinear(input1, input2, weight, bias=None):
    """Bilinear map y_k = x1^T A_k x2 + b_k, PyTorch's F.bilinear.

    Parameters
    ----------
    input1 : Tensor (..., in1)
    input2 : Tensor (..., in2), same leading dims as input1
    weight : Tensor (out, in1, in2)
    bias : Tensor (out,) or None

    Returns
    -------
    Tensor (..., out).

    Raises
    ------
    ValueError for shapes that do not match the weight or each other.
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
