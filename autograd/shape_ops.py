"""Shape, view and indexing ops beyond ops.py: triangles, flips, rolls, repeats, moving and
selecting dims, diagonals, index_* and scatter families, stacking helpers, splits.

Views share memory with their input as in PyTorch (narrow, select, diagonal, unflatten,
movedim, unbind, split, chunk, meshgrid, atleast_*); the others return new tensors. All are
compositions of the primitive table's ops, so they are differentiable to any order.
"""
import builtins
import math

import numpy as np

from . import primitives as P
from .engine import apply
from .ops import (_axes, _inplace, _tensor, add, amax, amin, cat, expand, gather, getitem,
                  masked_fill, mul, permute, reshape, split, sum, to, unsqueeze, where)
from .tensor import Tensor, _wrap
from ._dim_aliases import alias_module


def _dim(x, dim, op, ndim=None):
    nd = x._data.ndim if ndim is None else ndim
    return _axes(dim, nd, op)[0] if nd else 0


def _index_array(index, op):
    a = index._data if isinstance(index, Tensor) else np.asarray(index)
    if a.dtype.kind not in "iu":
        raise IndexError(f"{op}: index must be an integer tensor, got dtype {a.dtype}")
    return a.astype(np.intp, copy=False)


def _as(x):
    return x if isinstance(x, Tensor) else _tensor(x)


# ----- triangles, flips, rolls, repeats ---------------------------------------------------


def _triangle(x, diagonal, lower, op):
    x = _as(x)
    if x._data.ndim < 2:
        raise RuntimeError(f"{op}: input must have at least 2 dims, got shape {x.shape}")
    rows, cols = x._data.shape[-2:]
    keep = (np.tril if lower else np.triu)(np.ones((rows, cols), dtype=bool), diagonal)
    return masked_fill(x, ~keep, 0)


def tril(input, diagonal=0):
    """Lower triangle of the last two dims (elements above `diagonal` set to 0)."""
    return _triangle(input, diagonal, True, "tril")


def triu(input, diagonal=0):
    """Upper triangle of the last two dims (elements below `diagonal` set to 0)."""
    return _triangle(input, diagonal, False, "triu")


def flip(input, dims):
    """Reverse the order of elements along `dims` (a copy, as in PyTorch)."""
    x = _as(input)
    axes = _axes(dims, x._data.ndim, "flip") if x._data.ndim else None
    if not axes:
        return apply(P.CLONE, (x,))
    index = tuple(slice(None, None, -1) if i in axes else slice(None)
                  for i in range(x._data.ndim))
    return apply(P.CLONE, (getitem(x, index),))


def fliplr(input):
    """flip(input, [1]); input needs at least 2 dims."""
    if _as(input)._data.ndim < 2:
        raise RuntimeError(f"fliplr: input must have at least 2 dims, got shape {input.shape}")
    return flip(input, [1])


def flipud(input):
    """flip(input, [0]); input needs at least 1 dim."""
    if _as(input)._data.ndim < 1:
        raise RuntimeError("fliplr: input must have at least 1 dim")
    return flip(input, [0])


def roll(input, shifts, dims=None):
    """Shift elements cyclically along `dims` (the flattened tensor when dims is None)."""
    x = _as(input)
    if dims is None:
        if not isinstance(shifts, (int, np.integer)) and len(shifts) != 1:
            raise RuntimeError(f"roll: with dims=None, shifts must be one number, got {shifts}")
        s = int(shifts if isinstance(shifts, (int, np.integer)) else shifts[0])
        return reshape(roll(reshape(x, (-1,)), s, 0), x.shape)
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    out = x
    for s, d in zip(shifts, dims):
        d = _dim(x, d, "roll")
        n = x._data.shape[d]
        s = int(s) % n if n else 0
        if s:
            head = (slice(None),) * d
            out = cat([getitem(out, head + (slice(n - s, None),)),
                       getitem(out, head + (slice(0, n - s),))], d)
    return out if out is not x else apply(P.CLONE, (x,))


def _sizes(sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Tensor)):
        sizes = sizes[0]
        if isinstance(sizes, Tensor):
            sizes = sizes.tolist()
    return tuple(int(s) for s in sizes)


def repeat(input, *sizes):
    """Tensor.repeat: tile the tensor `sizes` times along each dim (sizes may add leading
    dims). A copy."""
    x = _as(input)
    sizes = _sizes(sizes)
    if len(sizes) < x._data.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller "
                           f"than the number of dims of the tensor ({x._data.ndim})")
    shape = (1,) * (len(sizes) - x._data.ndim) + x._data.shape
    x = reshape(x, tuple(v for s in shape for v in (1, s)))
    x = expand(x, tuple(v for r, s in zip(sizes, shape) for v in (r, s)))
    return apply(P.CLONE, (reshape(x, tuple(r * s for r, s in zip(sizes, shape))),))


def tile(input, dims):
    """Like repeat, but `dims` shorter than the tensor's dims is padded with ones in front."""
    x = _as(input)
    dims = tuple(dims)
    if len(dims) < x._data.ndim:
        dims = (1,) * (x._data.ndim - len(dims)) + dims
    return repeat(x, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element `repeats` times (an int, or one count per element along `dim`);
    dim=None works on the flattened tensor. With a single integer tensor argument, returns
    arange(len(repeats)) repeated by it (PyTorch's one-argument form)."""
    x = _as(input)
    if repeats is None:
        counts = _index_array(x, "repeat_interleave")
        return _wrap(np.repeat(np.arange(len(counts)), counts).astype(np.int64))
    if dim is None:
        x, d = reshape(x, (-1,)), 0
    else:
        d = _dim(x, dim, "repeat_interleave")
    if x._data.ndim == 0:
        x = reshape(x, (1,))
    n = x._data.shape[d]
    if isinstance(repeats, (int, np.integer)) or (isinstance(repeats, Tensor)
                                                  and repeats._data.ndim == 0):
        r = int(repeats)
        if r < 0:
            raise RuntimeError(f"repeat_interleave: repeats must be non-negative, got {r}")
        y = unsqueeze(x, d + 1)
        y = expand(y, y.shape[:d + 1] + (r,) + y.shape[d + 2:])
        return apply(P.CLONE, (reshape(y, x.shape[:d] + (n * r,) + x.shape[d + 1:]),))
    counts = _index_array(repeats, "repeat_interleave")
    if counts.shape != (n,) or (counts.size and counts.min() < 0):
        raise RuntimeError(f"repeat_interleave: repeats must have shape ({n},) with "
                           f"non-negative values, got {counts.shape}")
    return index_select(x, d, np.repeat(np.arange(n), counts))


# ----- moving and selecting dims (views) -------------------------------------------------


def movedim(input, source, destination):
    """Move dims `source` to positions `destination` (ints or sequences); a view."""
    x = _as(input)
    nd = x._data.ndim
    src = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
    dst = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: source {src} and destination {dst} must have the same "
                           f"number of dims")
    if nd == 0:
        return x
    src = [_dim(x, s, "movedim") for s in src]
    dst = [_dim(x, s, "movedim") for s in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {source} or destination "
                           f"{destination}")
    order = [None] * nd
    for s, t in zip(src, dst):
        order[t] = s
    rest = iter(i for i in range(nd) if i not in src)
    order = [o if o is not None else next(rest) for o in order]
    return permute(x, tuple(order))


moveaxis = movedim


def swapdims(input, dim0, dim1):
    """Exchange two dims (transpose); a view."""
    return _as(input).transpose(dim0, dim1)


def unflatten(input, dim, sizes):
    """Expand dim `dim` into `sizes` (one entry may be -1); a view."""
    x = _as(input)
    d = _dim(x, dim, "unflatten")
    sizes = tuple(int(s) for s in sizes)
    n = x._data.shape[d]
    if -1 in sizes:
        known = math.prod(s for s in sizes if s != -1)
        sizes = tuple(n // known if s == -1 and known else s for s in sizes)
    if math.prod(sizes) != n:
        raise RuntimeError(f"unflatten: sizes {sizes} don't multiply up to the size of dim "
                           f"{dim} ({n}) of input shape {x.shape}")
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1:])


def narrow(input, dim, start, length):
    """The slice [start, start + length) of dim `dim`; a view."""
    x = _as(input)
    d = _dim(x, dim, "narrow")
    n = x._data.shape[d]
    start = int(start)
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension size "
                         f"({n}) of dim {dim} (input shape {x.shape})")
    return getitem(x, (slice(None),) * d + (slice(start, start + int(length)),))


def select(input, dim, index):
    """Slice dim `dim` at `index`, removing that dim; a view."""
    x = _as(input)
    d = _dim(x, dim, "select")
    n = x._data.shape[d]
    if not -n <= int(index) < n:
        raise IndexError(f"select: index {index} is out of range for dim {dim} of size {n}")
    return getitem(x, (slice(None),) * d + (int(index),))


def unbind(input, dim=0):
    """Tuple of every slice along `dim` (each a view without that dim)."""
    x = _as(input)
    d = _dim(x, dim, "unbind")
    return tuple(select(x, d, i) for i in range(x._data.shape[d]))


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of dims (dim1, dim2) shifted by `offset` (above the main diagonal when
    positive), as the last dim; a view, as in PyTorch."""
    x = _as(input)
    nd = x._data.ndim
    if nd < 2:
        raise IndexError(f"diagonal: input must have at least 2 dims, got shape {x.shape}")
    d1, d2 = _dim(x, dim1, "diagonal"), _dim(x, dim2, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    return apply(P.DIAGONAL, (x,), int(offset), d1, d2, x._data.shape)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Tensor whose diagonals (over dims dim1, dim2 of the result) hold the last dim of
    `input`; every other element is 0."""
    x = _as(input)
    nd = x._data.ndim + 1
    d1, d2 = _dim(x, dim1, "diag_embed", nd), _dim(x, dim2, "diag_embed", nd)
    if d1 == d2:
        raise RuntimeError(f"diag_embed: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    n = x._data.shape[-1] + builtins.abs(int(offset))
    rest = iter(x._data.shape[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(nd))
    return apply(P.DIAGONAL_BACKWARD, (x,), int(offset), d1, d2, shape)


def diag(input, diagonal=0):
    """1-D input: a square matrix with it on diagonal `diagonal`. 2-D input: that diagonal
    of it (a copy)."""
    x = _as(input)
    if x._data.ndim == 1:
        return diag_embed(x, diagonal, 0, 1)
    if x._data.ndim == 2:
        return apply(P.CLONE, (globals()["diagonal"](x, diagonal),))
    raise RuntimeError(f"diag: input must be 1-D or 2-D, got shape {x.shape}")


def trace(input):
    """Sum of the main diagonal of a 2-D tensor."""
    x = _as(input)
    if x._data.ndim != 2:
        raise RuntimeError(f"trace: expected a 2-D tensor, got shape {x.shape}")
    return sum(diagonal(x))


# ----- index_* --------------------------------------------------------------------------


def _along(d, index):
    return (slice(None),) * d + (index,)


def _check_index_1d(x, d, index, op):
    idx = _index_array(index, op).reshape(-1)
    n = x._data.shape[d] if x._data.ndim else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"{op}: index out of range for dim {d} of size {n} "
                         f"(got {idx.min()} .. {idx.max()})")
    return idx % builtins.max(n, 1)


def index_select(input, dim, index):
    """Entries of `input` at the positions `index` (1-D integers) along `dim` (a copy)."""
    x = _as(input)
    d = _dim(x, dim, "index_select")
    idx = _check_index_1d(x, d, index, "index_select")
    if x._data.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(f"index_select: index to a 0-d tensor can have only 1 value, "
                               f"got {idx.size}")
        return apply(P.CLONE, (x,))
    return apply(P.INDEX, (x,), _along(d, idx), x._data.shape)


def _source_for(x, d, idx, source, op):
    src = _tensor(source, x)
    want = x.shape[:d] + (len(idx),) + x.shape[d + 1:]
    if src._data.shape != want and not (x._data.ndim == 0 and src._data.size == len(idx)):
        raise RuntimeError(f"{op}: source shape {src.shape} must be {want} (input {x.shape}, "
                           f"{len(idx)} indices along dim {d})")
    return to(src, x._data.dtype) if src._data.dtype != x._data.dtype else src


def index_add(input, dim, index, source, *, alpha=1):
    """input with `alpha * source` added at `index` along `dim` (repeated indices
    accumulate)."""
    x = _as(input)
    d = _dim(x, dim, "index_add")
    idx = _check_index_1d(x, d, index, "index_add")
    src = _source_for(x, d, idx, source, "index_add")
    if alpha != 1:
        src = mul(src, alpha)
    return add(x, apply(P.INDEX_BACKWARD, (src,), _along(d, idx), x._data.shape))


def index_copy(input, dim, index, source):
    """input with source's slices written at `index` along `dim`."""
    x = _as(input)
    d = _dim(x, dim, "index_copy")
    idx = _check_index_1d(x, d, index, "index_copy")
    src = _source_for(x, d, idx, source, "index_copy")
    return apply(P.INDEX_PUT, (x, src), _along(d, idx), src._data.shape)


def index_fill(input, dim, index, value):
    """input with `value` (a number or 0-d tensor) at `index` along `dim`."""
    x = _as(input)
    d = _dim(x, dim, "index_fill")
    idx = _check_index_1d(x, d, index, "index_fill")
    mask = np.zeros(x._data.shape, dtype=bool)
    mask[_along(d, idx) if x._data.ndim else ()] = True
    return masked_fill(x, mask, value)


def index_put(input, indices, values, accumulate=False):
    """input with x[indices] = values (or += with accumulate=True, repeated indices
    summing). `indices` is a tuple of index tensors, as in torch.index_put."""
    x = _as(input)
    idx = tuple(i._data if isinstance(i, Tensor) else np.asarray(i) for i in indices)
    try:
        target = x._data[idx].shape
    except IndexError as e:
        raise IndexError(f"index_put: indices are invalid for input shape {x.shape}: {e}") \
            from None
    v = _tensor(values, x)
    if v._data.dtype != x._data.dtype:
        v = to(v, x._data.dtype)
    if accumulate:
        return add(x, apply(P.INDEX_BACKWARD, (expand(v, target),), idx, x._data.shape))
    return apply(P.INDEX_PUT, (x, v), idx, v._data.shape)


# ----- scatter family ------------------------------------------------------------------------


def _scatter_args(x, dim, index, op, src=None):
    d = _dim(x, dim, op)
    idx = _index_array(index, op)
    nd = builtins.max(x._data.ndim, 1)
    if idx.ndim != x._data.ndim and not (x._data.ndim == 0 and idx.ndim <= 1):
        raise RuntimeError(f"{op}: index ({idx.shape}) must have as many dims as input "
                           f"({x.shape})")
    shape = x._data.shape or (1,)
    idx = idx.reshape(idx.shape or (1,)) if x._data.ndim == 0 else idx
    for i in range(nd):
        if i != d and idx.shape[i] > shape[i]:
            raise RuntimeError(f"{op}: index {idx.shape} is larger than input {x.shape} in dim "
                               f"{i}")
        if src is not None and idx.shape[i] > (src._data.shape or (1,))[i]:
            raise RuntimeError(f"{op}: index {idx.shape} is larger than src {src.shape} in "
                               f"dim {i}")
    if idx.size and (idx.min() < 0 or idx.max() >= shape[d]):
        raise RuntimeError(f"{op}: index values must lie in [0, {shape[d]}) for dim {dim}; got "
                           f"{idx.min()} .. {idx.max()}")
    return d, idx


def _src_part(src, idx):
    """src restricted to index's shape (PyTorch reads only that corner of src)."""
    if src._data.shape == idx.shape:
        return src
    if src._data.ndim == 0:
        src = reshape(src, (1,) * idx.ndim)
    return getitem(src, tuple(slice(0, s) for s in idx.shape))


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """input with src (or the number `value`) written at `index` along `dim`:
    out[index[i][j]][j] = src[i][j] for dim=0. With reduce='add' or 'multiply' the values are
    combined with the input instead (see scatter_reduce). Where index repeats a position
    without reduce, one of the values wins (which one is unspecified, as in PyTorch)."""
    x = _as(input)
    if src is None and value is None:
        raise TypeError("scatter: expected src (a tensor) or value (a number)")
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if src is None:
        idx_shape = _index_array(index, "scatter").shape
        src = _wrap(np.full(idx_shape, value, dtype=x._data.dtype))
    else:
        src = to(src, x._data.dtype)
    d, idx = _scatter_args(x, dim, index, "scatter", src)
    if reduce is not None:
        modes = {"add": "sum", "multiply": "prod"}
        if reduce not in modes:
            raise RuntimeError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        return scatter_reduce(x, dim, index, src, modes[reduce])
    if x._data.ndim == 0:
        return reshape(scatter(reshape(x, (1,)), 0, idx, reshape(src, (-1,))), ())
    return apply(P.SCATTER, (x, _src_part(src, idx)), d, idx)


def scatter_add(input, dim, index, src):
    """input with src added at `index` along `dim` (repeated positions accumulate)."""
    x = _as(input)
    src = to(_tensor(src, x), x._data.dtype)
    d, idx = _scatter_args(x, dim, index, "scatter_add", src)
    if x._data.ndim == 0:
        return reshape(scatter_add(reshape(x, (1,)), 0, idx, reshape(src, (-1,))), ())
    return add(x, apply(P.SCATTER_ADD, (_src_part(src, idx),), d, idx, x._data.shape))


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce src's values into input at `index` along `dim` with `reduce` in 'sum', 'prod',
    'mean', 'amax', 'amin', including input's own value when `include_self`; positions no
    index points at keep input's value.

    Each written position's values are laid out as one row of a (positions, k) matrix
    (padded with the reduction's identity) and reduced along the row, so the gradients are
    those of sum/prod/mean/amax/amin: amax and amin share the gradient evenly among tied
    values, as in PyTorch. One difference: with include_self=False, PyTorch 2.13 still
    counts an input value equal to the result among the ties (so src's shares add up to
    less than the gradient); here only the reduced values share it.
    """
    x = _as(input)
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"scatter_reduce: reduce must be one of {_REDUCTIONS}, got {reduce!r}")
    src = to(_tensor(src, x), x._data.dtype)
    d, idx = _scatter_args(x, dim, index, "scatter_reduce", src)
    if x._data.ndim == 0:
        out = scatter_reduce(reshape(x, (1,)), 0, idx, reshape(src, (-1,)), reduce,
                             include_self=include_self)
        return reshape(out, ())
    if idx.size == 0:
        return apply(P.CLONE, (x,))
    part = reshape(_src_part(src, idx), (-1,))
    # flat target position of every src element
    grids = list(np.indices(idx.shape, sparse=True))
    grids[d] = idx
    targets = np.ravel_multi_index(tuple(np.broadcast_arrays(*grids)), x._data.shape).reshape(-1)
    positions, group = np.unique(targets, return_inverse=True)
    group = group.reshape(-1)
    order = np.argsort(group, kind="stable")
    starts = np.searchsorted(group[order], np.arange(len(positions)))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order)) - starts[group[order]]
    first = 1 if include_self else 0
    width = int(rank.max()) + 1 + first
    dt = x._data.dtype
    fill = {"sum": 0, "mean": 0, "prod": 1,
            "amax": -np.inf if dt.kind == "f" else np.iinfo(dt).min if dt.kind in "iu" else 0,
            "amin": np.inf if dt.kind == "f" else np.iinfo(dt).max if dt.kind in "iu" else 1}
    filled = np.zeros((len(positions), width), dtype=bool)
    filled[group, rank + first] = True
    rows = apply(P.INDEX_BACKWARD, (part,), (group, rank + first), (len(positions), width))
    flat_x = reshape(x, (-1,))
    if include_self:
        filled[:, 0] = True
        column = apply(P.INDEX_BACKWARD, (getitem(flat_x, positions),),
                       (np.arange(len(positions)), 0), (len(positions), width))
        rows = add(rows, column)
    if not filled.all():
        rows = where(filled, rows, _wrap(np.array(fill[reduce], dtype=dt)))
    if reduce in ("sum", "mean"):
        reduced = sum(rows, 1)
        if reduce == "mean":
            count = filled.sum(1)
            reduced = (_wrap(reduced._data // count.astype(dt)) if dt.kind in "iu"
                       else reduced / _wrap(count.astype(dt)))
    elif reduce == "prod":
        reduced = rows.prod(1)
    else:
        reduced = (amax if reduce == "amax" else amin)(rows, 1)
    out = apply(P.INDEX_PUT, (flat_x, reduced), (positions,), reduced._data.shape)
    return reshape(out, x.shape)


# ----- take, masks, nonzero ------------------------------------------------------------------


def take(input, index):
    """Elements of the flattened input at `index`; the result has index's shape."""
    x = _as(input)
    idx = _index_array(index, "take")
    n = x._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"take: index out of range for a tensor of {n} elements")
    return apply(P.INDEX, (reshape(x, (-1,)),), (idx,), (n,))


def take_along_dim(input, indices, dim=None):
    """Values along `dim` at `indices` (gather, with input and indices broadcast outside
    `dim`); dim=None works on the flattened tensors."""
    x = _as(input)
    idx = _index_array(indices, "take_along_dim").astype(np.int64)
    if dim is None:
        return gather(reshape(x, (-1,)), 0, idx.reshape(-1))
    d = _dim(x, dim, "take_along_dim")
    if idx.ndim != x._data.ndim:
        raise RuntimeError(f"take_along_dim: input ({x.shape}) and indices ({idx.shape}) must "
                           f"have the same number of dims")
    shape_x = list(np.broadcast_shapes(tuple(1 if i == d else s for i, s in enumerate(x.shape)),
                                       tuple(1 if i == d else s for i, s in enumerate(idx.shape))))
    want_x = tuple(x._data.shape[d] if i == d else s for i, s in enumerate(shape_x))
    want_i = tuple(idx.shape[d] if i == d else s for i, s in enumerate(shape_x))
    return gather(expand(x, want_x), d, np.broadcast_to(idx, want_i))


def masked_select(input, mask):
    """1-D tensor of the elements where `mask` (broadcast with input) is true."""
    x = _as(input)
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: mask must be bool, got {m.dtype}")
    shape = np.broadcast_shapes(x.shape, m.shape)
    return apply(P.INDEX, (expand(x, shape),), (np.broadcast_to(m, shape),), shape)


def masked_scatter(input, mask, source):
    """input with the positions where `mask` (broadcast to input) is true filled, in order,
    by source's first elements."""
    x = _as(input)
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter: mask must be bool, got {m.dtype}")
    m = np.broadcast_to(m, x.shape)
    count = int(m.sum())
    src = to(_tensor(source, x), x._data.dtype)
    if src._data.size < count:
        raise RuntimeError(f"masked_scatter: source has {src._data.size} elements but mask "
                           f"selects {count}")
    values = getitem(reshape(src, (-1,)), slice(0, count))
    return apply(P.INDEX_PUT, (x, values), (m,), values._data.shape)


def nonzero(input, *, as_tuple=False):
    """Indices of the non-zero elements: an (N, ndim) int64 tensor, or with as_tuple=True a
    tuple of ndim 1-D tensors (one per dim)."""
    a = _as(input)._data
    if as_tuple:
        if a.ndim == 0:
            return (_wrap(np.flatnonzero(a.reshape(1)).astype(np.int64)),)
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(a))
    return _wrap(np.argwhere(a).astype(np.int64))


def argwhere(input):
    """nonzero(input): (N, ndim) indices of the non-zero elements."""
    return nonzero(input)


# ----- stacking -----------------------------------------------------------------------------


def _tensors(args, op):
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = args[0]
    return [_as(t) for t in args]


def _atleast(args, nd, op):
    ts = _tensors(args, op)
    out = []
    for t in ts:
        s = t._data.shape
        if len(s) < nd:
            if nd == 3:
                s = {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)]
            else:
                s = (1,) * (nd - len(s)) + s
            t = reshape(t, s)
        out.append(t)
    single = len(args) == 1 and isinstance(args[0], Tensor)
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    """Each tensor viewed with at least 1 dim (one tensor in, one out; else a tuple)."""
    return _atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    """Each tensor viewed with at least 2 dims (a 1-D (n,) becomes (1, n))."""
    return _atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    """Each tensor viewed with at least 3 dims ((n,) becomes (1, n, 1), (m, n) (m, n, 1))."""
    return _atleast(tensors, 3, "atleast_3d")


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def hstack(tensors):
    """Concatenate horizontally: along dim 0 for 1-D tensors, else dim 1."""
    ts = _as_tuple(atleast_1d(*tensors))
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


def vstack(tensors):
    """Concatenate vertically (dim 0) after atleast_2d."""
    return cat(_as_tuple(atleast_2d(*tensors)), 0)


row_stack = vstack


def dstack(tensors):
    """Concatenate along dim 2 after atleast_3d."""
    return cat(_as_tuple(atleast_3d(*tensors)), 2)


def column_stack(tensors):
    """Stack as columns: 0-d and 1-D tensors become (n, 1) columns; concatenated along dim 1."""
    ts = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t
          for t in _tensors((tensors,), "column_stack")]
    return cat(ts, 1)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-D (or 0-d) tensors, as expanded views. indexing='ij' (the
    default) gives shape (len(t0), len(t1), ...); 'xy' swaps the first two dims."""
    ts = _tensors(tensors, "meshgrid")
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in ts:
        if t._data.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0-d or 1-D tensors, got shape {t.shape}")
    sizes = [t._data.size for t in ts]
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(ts):
        pos = {0: 1, 1: 0}.get(i, i) if swap else i
        shape = [1] * len(ts)
        shape[pos] = t._data.size
        out.append(expand(reshape(t, tuple(shape)), tuple(sizes)))
    return tuple(out)


# ----- splits --------------------------------------------------------------------------------


def tensor_split(input, indices_or_sections, dim=0):
    """Split into `sections` nearly equal pieces (the first n % sections one longer), or at
    the given indices; views."""
    x = _as(input)
    d = _dim(x, dim, "tensor_split")
    n = x._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = int(ios.item()) if ios._data.ndim == 0 else ios.tolist()
    if isinstance(ios, (int, np.integer)):
        if ios <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be positive, got {ios}")
        q, r = divmod(n, int(ios))
        bounds = np.cumsum([0] + [q + (i < r) for i in range(int(ios))])
    else:
        bounds = [0] + [builtins.min(builtins.max(int(i) if i >= 0 else int(i) + n, 0), n)
                        for i in ios] + [n]
    head = (slice(None),) * d
    out, prev = [], 0
    for b in list(bounds[1:]):
        start = builtins.min(prev, n)
        out.append(getitem(x, head + (slice(start, builtins.max(int(b), start)),)))
        prev = builtins.max(int(b), start)
    return tuple(out)


def chunk(input, chunks, dim=0):
    """Split into at most `chunks` pieces of size ceil(n / chunks) (the last smaller; fewer
    pieces when n is small), as torch.chunk; views."""
    x = _as(input)
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
    d = _dim(x, dim, "chunk")
    n = x._data.shape[d]
    if n == 0:
        return tuple(getitem(x, (slice(None),) * d + (slice(0, 0),)) for _ in range(chunks))
    return split(x, -(-n // chunks), d)


# ----- in-place variants -----------------------------------------------------------------


def _inplace_op(name, fn):
    def method(self, *args, **kwargs):
        return _inplace(self, name, lambda s: fn(s, *args, **kwargs))
    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}: writes the result into self (see {fn.__name__})."
    return method


# PyTorch's axis= / keepdims= aliases on every public function taking a dim
alias_module(globals(), [name for name, value in list(globals().items())
                         if callable(value) and getattr(value, "__module__", None) == __name__
                         and not name.startswith("_") and not isinstance(value, type)])


def _attach():
    methods = dict(tril=tril, triu=triu, flip=flip, fliplr=fliplr, flipud=flipud, roll=roll,
                   repeat=repeat, tile=tile, repeat_interleave=repeat_interleave,
                   movedim=movedim, moveaxis=movedim, swapdims=swapdims, unflatten=unflatten,
                   narrow=narrow, select=select, unbind=unbind, diagonal=diagonal, diag=diag,
                   diag_embed=diag_embed, trace=trace, index_select=index_select,
                   index_add=index_add, index_copy=index_copy, index_fill=index_fill,
                   index_put=index_put, scatter=scatter, scatter_add=scatter_add,
                   scatter_reduce=scatter_reduce, take=take, take_along_dim=take_along_dim,
                   masked_select=masked_select, masked_scatter=masked_scatter,
                   nonzero=nonzero, argwhere=argwhere, tensor_split=tensor_split, chunk=chunk)
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
    for fn in (tril, triu, index_add, index_copy, index_fill, index_put, scatter, scatter_add,
               scatter_reduce, masked_scatter):
        setattr(Tensor, fn.__name__ + "_", _inplace_op(fn.__name__ + "_", fn))


_attach()
