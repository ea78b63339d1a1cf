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
    """Return the lower triangle of the last two dims of ``input``; elements above diagonal ``diagonal`` become 0 (also ``x.tril()``).

    Parameters
    ----------
    input : Tensor
        Shape (\\*, m, n).
    diagonal : int, optional
        0 (default) keeps the main diagonal; positive values keep that many diagonals
        above it, negative values remove diagonals below it.

    Returns
    -------
    Tensor
        Same shape.
    """
    return _triangle(input, diagonal, True, "tril")


def triu(input, diagonal=0):
    """Return the upper triangle of the last two dims of ``input``; elements below diagonal ``diagonal`` become 0 (also ``x.triu()``).

    Parameters
    ----------
    input : Tensor
        Shape (\\*, m, n).
    diagonal : int, optional
        0 (default) keeps the main diagonal; positive values also remove diagonals above
        it, negative values keep that many diagonals below it.

    Returns
    -------
    Tensor
        Same shape.
    """
    return _triangle(input, diagonal, False, "triu")


def flip(input, dims):
    """Reverse the order of the elements of ``input`` along ``dims`` (also ``x.flip(dims)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dims : int or sequence of int
        The dims to reverse.

    Returns
    -------
    Tensor
        A copy (as in PyTorch), same shape.
    """
    x = _as(input)
    axes = _axes(dims, x._data.ndim, "flip") if x._data.ndim else None
    if not axes:
        return apply(P.CLONE, (x,))
    index = tuple(slice(None, None, -1) if i in axes else slice(None)
                  for i in range(x._data.ndim))
    return apply(P.CLONE, (getitem(x, index),))


def fliplr(input):
    """Reverse ``input`` left to right, ``flip(input, [1])`` (also ``x.fliplr()``).

    Parameters
    ----------
    input : Tensor
        A tensor with at least 2 dims.

    Returns
    -------
    Tensor
        A copy (as in PyTorch), same shape, with dim 1 reversed.

    Raises
    ------
    RuntimeError
        If ``input`` has fewer than 2 dims.
    """
    if _as(input)._data.ndim < 2:
        raise RuntimeError(f"fliplr: input must have at least 2 dims, got shape {input.shape}")
    return flip(input, [1])


def flipud(input):
    """Reverse ``input`` upside down, ``flip(input, [0])`` (also ``x.flipud()``).

    Parameters
    ----------
    input : Tensor
        A tensor with at least 1 dim.

    Returns
    -------
    Tensor
        A copy (as in PyTorch), same shape, with dim 0 reversed.

    Raises
    ------
    RuntimeError
        If ``input`` is 0-d.
    """
    if _as(input)._data.ndim < 1:
        raise RuntimeError(f"flipud: input must have at least 1 dim, got shape {input.shape}")
    return flip(input, [0])


def roll(input, shifts, dims=None):
    """Shift the elements of ``input`` cyclically along ``dims`` (also ``x.roll(shifts, dims)``).

    Elements shifted past the end come back at the start.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    shifts : int or sequence of int
        The number of places to shift (negative shifts go the other way), one per dim of
        ``dims``.
    dims : int or sequence of int, optional
        The dims to roll (negative counts from the end). None (the default) rolls the
        flattened tensor by one shift and restores the shape.

    Returns
    -------
    Tensor
        A copy, same shape.

    Raises
    ------
    RuntimeError
        If ``shifts`` and ``dims`` have different lengths, or ``dims`` is None and ``shifts``
        holds more than one number.
    IndexError
        If a dim is out of range.
    """
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


def repeat(input, *repeats):
    """Tile ``input`` ``repeats[i]`` times along each dim ``i`` (``x.repeat(*repeats)``, as ``torch.Tensor.repeat``).

    Parameters
    ----------
    input : Tensor
        A tensor with n dims.
    *repeats : int, or one sequence of int
        At least n counts, given as separate ints or one tuple/list (or 1-D tensor); extra
        leading counts add leading dims.

    Returns
    -------
    Tensor
        A copy of shape ``(repeats[i] * shape[i], ...)`` (the shape padded with leading 1s);
        the gradient sums over the copies.

    Raises
    ------
    RuntimeError
        If fewer counts than dims are given.

    Notes
    -----
    This is numpy's ``tile``, not numpy's ``repeat`` (which is :func:`repeat_interleave`).
    """
    x = _as(input)
    sizes = _sizes(repeats)
    if len(sizes) < x._data.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(sizes)}) can not be smaller "
                           f"than the number of dims of the tensor ({x._data.ndim})")
    shape = (1,) * (len(sizes) - x._data.ndim) + x._data.shape
    x = reshape(x, tuple(v for s in shape for v in (1, s)))
    x = expand(x, tuple(v for r, s in zip(sizes, shape) for v in (r, s)))
    return apply(P.CLONE, (reshape(x, tuple(r * s for r, s in zip(sizes, shape))),))


def tile(input, dims):
    """Tile ``input`` like :func:`repeat`, padding ``dims`` with ones in front when it is shorter than the number of dims (also ``x.tile(dims)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dims : sequence of int
        The number of copies along each dim.

    Returns
    -------
    Tensor
        A copy.
    """
    x = _as(input)
    dims = tuple(dims)
    if len(dims) < x._data.ndim:
        dims = (1,) * (x._data.ndim - len(dims)) + dims
    return repeat(x, dims)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element of ``input`` ``repeats`` times along ``dim`` (also ``x.repeat_interleave(repeats)``).

    ``repeats`` is one count for every element or one count per element along ``dim``.
    With a single integer tensor argument, ``repeat_interleave(repeats)`` returns
    ``arange(len(repeats))`` with each index ``i`` repeated ``repeats[i]`` times (PyTorch's
    one-argument form).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape; in the one-argument form, a 1-D integer tensor of counts.
    repeats : int or Tensor, optional
        A non-negative int (or 0-d tensor), or a 1-D integer tensor with one count per entry
        of ``dim``.
    dim : int, optional
        The dim to repeat along (negative counts from the end). None (the default) works on
        the flattened tensor and returns a 1-D tensor.
    output_size : int, optional
        Accepted for compatibility and ignored (keyword only).

    Returns
    -------
    Tensor
        A copy, with ``dim`` (or the flattened length) multiplied by the counts; the
        gradient sums over the copies. The one-argument form gives int64.

    Raises
    ------
    RuntimeError
        If a count is negative, or a tensor of counts does not have one count per entry of
        ``dim``.
    IndexError
        If ``repeats`` is not an integer tensor, or ``dim`` is out of range.
    """
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
    """Move the dims ``source`` of ``input`` to the positions ``destination`` (also ``x.movedim(...)`` and ``moveaxis``).

    The other dims keep their order.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    source : int or sequence of int
        The dims to move (negative counts from the end).
    destination : int or sequence of int
        Their new positions, as many as ``source``.

    Returns
    -------
    Tensor
        A view of ``input`` (a 0-d ``input`` is returned as is).

    Raises
    ------
    RuntimeError
        If ``source`` and ``destination`` have different lengths or repeat a dim.
    IndexError
        If a dim is out of range.
    """
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
    """Exchange the dims ``dim0`` and ``dim1`` of ``input``, as ``transpose`` (also ``x.swapdims(dim0, dim1)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim0 : int
        The first dim (negative counts from the end).
    dim1 : int
        The second dim.

    Returns
    -------
    Tensor
        A view of ``input``.

    Raises
    ------
    IndexError
        If a dim is out of range.
    """
    return _as(input).transpose(dim0, dim1)


def unflatten(input, dim, sizes):
    """Expand the dim ``dim`` of ``input`` into several dims of sizes ``sizes`` (also ``x.unflatten(dim, sizes)``).

    Parameters
    ----------
    input : Tensor
        A tensor with at least one dim.
    dim : int
        The dim to expand (negative counts from the end).
    sizes : sequence of int
        The new dims' sizes; their product must be ``input.shape[dim]``. One entry may be -1,
        inferred from the others.

    Returns
    -------
    Tensor
        A view of ``input``.

    Raises
    ------
    RuntimeError
        If the sizes do not multiply up to the size of ``dim``.
    IndexError
        If ``dim`` is out of range.
    """
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
    """Return the slice ``[start, start + length)`` of ``input`` along ``dim`` (also ``x.narrow(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int
        The dim to slice.
    start : int
        The first index (negative counts from the end).
    length : int
        The number of entries.

    Returns
    -------
    Tensor
        A view of ``input``.
    """
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
    """Return the slice of ``input`` at ``index`` along ``dim``, without that dim (also ``x.select(dim, index)``).

    ``select(x, 1, 2)`` is ``x[:, 2]``.

    Parameters
    ----------
    input : Tensor
        A tensor with at least one dim.
    dim : int
        The dim to slice (negative counts from the end).
    index : int
        The position along ``dim`` (negative counts from the end).

    Returns
    -------
    Tensor
        A view of ``input`` with one dim less: in-place changes to it change ``input``.

    Raises
    ------
    IndexError
        If ``dim`` or ``index`` is out of range.
    """
    x = _as(input)
    d = _dim(x, dim, "select")
    n = x._data.shape[d]
    if not -n <= int(index) < n:
        raise IndexError(f"select: index {index} is out of range for dim {dim} of size {n}")
    return getitem(x, (slice(None),) * d + (int(index),))


def unbind(input, dim=0):
    """Return every slice of ``input`` along ``dim``, each without that dim (also ``x.unbind(dim)``).

    Parameters
    ----------
    input : Tensor
        A tensor with at least one dim.
    dim : int, optional
        The dim to remove. Default 0.

    Returns
    -------
    tuple of Tensor
        Views of ``input``.
    """
    x = _as(input)
    d = _dim(x, dim, "unbind")
    return tuple(select(x, d, i) for i in range(x._data.shape[d]))


def diagonal(input, offset=0, dim1=0, dim2=1):
    """Return the diagonal of dims ``(dim1, dim2)`` of ``input``, shifted by ``offset``, as its last dim (also ``x.diagonal(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor with at least 2 dims.
    offset : int, optional
        0 (default) the main diagonal; positive above it, negative below it.
    dim1, dim2 : int, optional
        The two dims that hold the matrices. Defaults 0 and 1.

    Returns
    -------
    Tensor
        A view, as in PyTorch: in-place changes to it change ``input``.
    """
    x = _as(input)
    nd = x._data.ndim
    if nd < 2:
        raise IndexError(f"diagonal: input must have at least 2 dims, got shape {x.shape}")
    d1, d2 = _dim(x, dim1, "diagonal"), _dim(x, dim2, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dim ({dim1}, {dim2})")
    return apply(P.DIAGONAL, (x,), int(offset), d1, d2, x._data.shape)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Return a tensor whose diagonals over dims ``(dim1, dim2)`` hold the last dim of ``input``; every other element is 0.

    Parameters
    ----------
    input : Tensor
        Shape (..., n).
    offset : int, optional
        Which diagonal: 0 (default) the main one, positive above it, negative below it.
    dim1 : int, optional
        The first of the two dims of the result that hold the matrices (negative counts from
        the end of the result's dims). Default -2.
    dim2 : int, optional
        The second. Default -1.

    Returns
    -------
    Tensor
        A new tensor with one dim more than ``input``: the dims ``dim1`` and ``dim2`` have size
        ``n + abs(offset)``, the others are ``input``'s leading dims in order.

    Raises
    ------
    RuntimeError
        If ``dim1`` and ``dim2`` are the same dim.
    IndexError
        If a dim is out of range.
    """
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
    """Return a square matrix with a 1-D ``input`` on a diagonal, or a diagonal of a 2-D ``input`` (also ``x.diag()``).

    Parameters
    ----------
    input : Tensor
        A 1-D or 2-D tensor.
    diagonal : int, optional
        Which diagonal: 0 (default) the main one, positive above it, negative below it.

    Returns
    -------
    Tensor
        For a 1-D ``input`` of length n, an ``(n + abs(diagonal), n + abs(diagonal))``
        matrix; for a 2-D ``input``, that diagonal as a 1-D copy (not a view: see
        :func:`diagonal` for a view).

    Raises
    ------
    RuntimeError
        If ``input`` is neither 1-D nor 2-D.
    """
    x = _as(input)
    if x._data.ndim == 1:
        return diag_embed(x, diagonal, 0, 1)
    if x._data.ndim == 2:
        return apply(P.CLONE, (globals()["diagonal"](x, diagonal),))
    raise RuntimeError(f"diag: input must be 1-D or 2-D, got shape {x.shape}")


def trace(input):
    """Return the sum of the main diagonal of a 2-D tensor (also ``x.trace()``).

    Parameters
    ----------
    input : Tensor
        A 2-D tensor.

    Returns
    -------
    Tensor
        A 0-d tensor.
    """
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
    """Return the entries of ``input`` at the positions ``index`` along ``dim`` (also ``x.index_select(dim, index)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int
        The dim to index.
    index : Tensor
        A 1-D integer tensor of positions (repeats allowed).

    Returns
    -------
    Tensor
        A copy with ``len(index)`` entries along ``dim``; the gradient accumulates over
        repeated positions.
    """
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
    """Return ``input`` with ``alpha * source`` added at the positions ``index`` along ``dim`` (also ``x.index_add(...)``).

    For ``dim=0``: ``out[index[i]] += alpha * source[i]``; repeated indices accumulate.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int
        The dim to index (negative counts from the end).
    index : Tensor
        A 1-D integer tensor of positions along ``dim`` (negative ones count from the end).
    source : Tensor
        ``input``'s shape with ``len(index)`` entries along ``dim``; converted to ``input``'s
        dtype.
    alpha : number, optional
        Multiplies ``source`` (keyword only). Default 1.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape and dtype (``x.index_add_`` writes into ``x``).

    Raises
    ------
    IndexError
        If ``index`` is not an integer tensor, holds a position out of range, or ``dim`` is
        out of range.
    RuntimeError
        If ``source`` has the wrong shape.
    """
    x = _as(input)
    d = _dim(x, dim, "index_add")
    idx = _check_index_1d(x, d, index, "index_add")
    src = _source_for(x, d, idx, source, "index_add")
    if alpha != 1:
        src = mul(src, alpha)
    return add(x, apply(P.INDEX_BACKWARD, (src,), _along(d, idx), x._data.shape))


def index_copy(input, dim, index, source):
    """Return ``input`` with the slices of ``source`` written at the positions ``index`` along ``dim`` (also ``x.index_copy(...)``).

    For ``dim=0``: ``out[index[i]] = source[i]``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int
        The dim to index (negative counts from the end).
    index : Tensor
        A 1-D integer tensor of positions along ``dim`` (negative ones count from the end).
    source : Tensor
        ``input``'s shape with ``len(index)`` entries along ``dim``; converted to ``input``'s
        dtype.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape and dtype (``x.index_copy_`` writes into ``x``).
        Where ``index`` repeats a position, one of the slices wins, as in PyTorch.

    Raises
    ------
    IndexError
        If ``index`` is not an integer tensor, holds a position out of range, or ``dim`` is
        out of range.
    RuntimeError
        If ``source`` has the wrong shape.
    """
    x = _as(input)
    d = _dim(x, dim, "index_copy")
    idx = _check_index_1d(x, d, index, "index_copy")
    src = _source_for(x, d, idx, source, "index_copy")
    return apply(P.INDEX_PUT, (x, src), _along(d, idx), src._data.shape)


def index_fill(input, dim, index, value):
    """Return ``input`` with ``value`` written at the positions ``index`` along ``dim`` (also ``x.index_fill(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int
        The dim to index (negative counts from the end).
    index : Tensor
        A 1-D integer tensor of positions along ``dim`` (negative ones count from the end).
    value : number or 0-d Tensor
        The value to write.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape and dtype (``x.index_fill_`` writes into ``x``);
        the filled positions get no gradient.

    Raises
    ------
    IndexError
        If ``index`` is not an integer tensor, holds a position out of range, or ``dim`` is
        out of range.
    """
    x = _as(input)
    d = _dim(x, dim, "index_fill")
    idx = _check_index_1d(x, d, index, "index_fill")
    mask = np.zeros(x._data.shape, dtype=bool)
    mask[_along(d, idx) if x._data.ndim else ()] = True
    return masked_fill(x, mask, value)


def index_put(input, indices, values, accumulate=False):
    """Return ``input`` with ``input[indices] = values``, or ``+=`` with ``accumulate`` (also ``x.index_put(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    indices : tuple of Tensor
        One index tensor (integer or bool) per indexed dim, as ``torch.index_put``: the
        positions are those of ``input[indices]``.
    values : Tensor or number
        Broadcast to the shape of ``input[indices]``; converted to ``input``'s dtype.
    accumulate : bool, optional
        Add ``values`` instead of writing them; repeated positions then sum. Default False.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape and dtype (``x.index_put_`` writes into ``x``).
        Without ``accumulate``, where a position repeats one of the values wins.

    Raises
    ------
    IndexError
        If ``indices`` are invalid for ``input``'s shape.
    ValueError
        If ``values`` does not broadcast to the indexed shape.
    """
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
    """Return ``input`` with ``src`` (or the number ``value``) written at the positions ``index`` along ``dim`` (also ``x.scatter(...)``).

    For ``dim=0``: ``out[index[i][j]][j] = src[i][j]``. Only the part of ``src`` of
    ``index``'s shape is read.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int
        The dim to index (negative counts from the end).
    index : Tensor
        An integer tensor with as many dims as ``input``, no larger than ``input`` (or ``src``)
        in any dim but ``dim``; values in ``[0, input.shape[dim])``.
    src : Tensor or number, optional
        The values to write, converted to ``input``'s dtype. A number here is taken as
        ``value``.
    value : number, optional
        Write this number everywhere instead of ``src``.
    reduce : {'add', 'multiply'}, optional
        Combine the values with ``input``'s instead of overwriting (keyword only); see
        :func:`scatter_reduce`.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape and dtype (``x.scatter_`` writes into ``x``). Where
        ``index`` repeats a position without ``reduce``, one of the values wins (which one is
        unspecified, as in PyTorch).

    Raises
    ------
    TypeError
        If neither ``src`` nor ``value`` is given.
    RuntimeError
        If ``index`` has the wrong number of dims, is too large, holds values out of range,
        or ``reduce`` is not 'add' or 'multiply'.
    IndexError
        If ``index`` is not an integer tensor, or ``dim`` is out of range.
    """
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
    """Return ``input`` with ``src`` added at the positions ``index`` along ``dim`` (also ``x.scatter_add(...)``).

    For ``dim=0``: ``out[index[i][j]][j] += src[i][j]``; repeated positions accumulate.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int
        The dim to index (negative counts from the end).
    index : Tensor
        An integer tensor with as many dims as ``input``, no larger than ``input`` or ``src``
        in any dim but ``dim``; values in ``[0, input.shape[dim])``.
    src : Tensor or number
        The values to add, converted to ``input``'s dtype; only the part of ``index``'s shape
        is read.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape and dtype (``x.scatter_add_`` writes into ``x``).

    Raises
    ------
    RuntimeError
        If ``index`` has the wrong number of dims, is too large, or holds values out of range.
    IndexError
        If ``index`` is not an integer tensor, or ``dim`` is out of range.
    """
    x = _as(input)
    src = to(_tensor(src, x), x._data.dtype)
    d, idx = _scatter_args(x, dim, index, "scatter_add", src)
    if x._data.ndim == 0:
        return reshape(scatter_add(reshape(x, (1,)), 0, idx, reshape(src, (-1,))), ())
    return add(x, apply(P.SCATTER_ADD, (_src_part(src, idx),), d, idx, x._data.shape))


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Return ``input`` with the values of ``src`` reduced into it at the positions ``index`` along ``dim`` (also ``x.scatter_reduce(...)``).

    Each position that ``index`` points at becomes the ``reduce`` of the ``src`` values sent
    there, together with ``input``'s own value when ``include_self``; positions no index points
    at keep ``input``'s value.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int
        The dim to index (negative counts from the end).
    index : Tensor
        An integer tensor with as many dims as ``input``, no larger than ``input`` or ``src``
        in any dim but ``dim``; values in ``[0, input.shape[dim])``.
    src : Tensor or number
        The values to reduce, converted to ``input``'s dtype; only the part of ``index``'s
        shape is read.
    reduce : {'sum', 'prod', 'mean', 'amax', 'amin'}
        The reduction. ``'mean'`` on integer tensors rounds down (floor division).
    include_self : bool, optional
        Include ``input``'s value at each written position in the reduction (keyword only).
        Default True.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape and dtype (``x.scatter_reduce_`` writes into ``x``).

    Raises
    ------
    RuntimeError
        If ``reduce`` is not one of the five names, or ``index`` has the wrong number of dims,
        is too large, or holds values out of range.
    IndexError
        If ``index`` is not an integer tensor, or ``dim`` is out of range.

    Notes
    -----
    Each written position's values are laid out as one row of a (positions, k) matrix (padded
    with the reduction's identity) and reduced along the row, so the gradients are those of
    sum/prod/mean/amax/amin: amax and amin share the gradient evenly among tied values, as in
    PyTorch. One difference: with ``include_self=False``, PyTorch 2.13 still counts an input
    value equal to the result among the ties (so src's shares add up to less than the
    gradient); here only the reduced values share it.
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
    """Return the elements of the flattened ``input`` at ``index`` (also ``x.take(index)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape, read in row-major order.
    index : Tensor
        An integer tensor of any shape; negative positions count from the end.

    Returns
    -------
    Tensor
        A copy with ``index``'s shape and ``input``'s dtype; the gradient accumulates over
        repeated positions.

    Raises
    ------
    IndexError
        If ``index`` is not an integer tensor or holds a position out of range.
    """
    x = _as(input)
    idx = _index_array(index, "take")
    n = x._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"take: index out of range for a tensor of {n} elements")
    return apply(P.INDEX, (reshape(x, (-1,)),), (idx,), (n,))


def take_along_dim(input, indices, dim=None):
    """Return the values of ``input`` at ``indices`` along ``dim`` (also ``x.take_along_dim(...)``).

    This is :func:`gather` with ``input`` and ``indices`` broadcast against each other in
    every dim but ``dim``, as ``numpy.take_along_axis``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    indices : Tensor
        An integer tensor with as many dims as ``input`` (any shape when ``dim`` is None).
    dim : int, optional
        The dim to index (negative counts from the end). None (the default) works on the
        flattened tensors.

    Returns
    -------
    Tensor
        The selected values: the broadcast shape, with ``indices``' size along ``dim`` (1-D
        when ``dim`` is None).

    Raises
    ------
    RuntimeError
        If ``input`` and ``indices`` have different numbers of dims.
    IndexError
        If ``indices`` is not an integer tensor, or ``dim`` is out of range.
    ValueError
        If ``input`` and ``indices`` do not broadcast outside ``dim``.
    """
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
    """Return the elements of ``input`` where ``mask`` is True, as a 1-D tensor (also ``x.masked_select(mask)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    mask : Tensor
        A bool tensor, broadcast with ``input``.

    Returns
    -------
    Tensor
        A 1-D copy, in row-major order.
    """
    x = _as(input)
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: mask must be bool, got {m.dtype}")
    shape = np.broadcast_shapes(x.shape, m.shape)
    return apply(P.INDEX, (expand(x, shape),), (np.broadcast_to(m, shape),), shape)


def masked_scatter(input, mask, source):
    """Return ``input`` with the positions where ``mask`` is True filled, in row-major order, by the first elements of ``source`` (also ``x.masked_scatter(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    mask : Tensor
        A bool tensor, broadcast to ``input``'s shape.
    source : Tensor
        At least as many elements as ``mask`` selects; converted to ``input``'s dtype.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape and dtype (``x.masked_scatter_`` writes into ``x``).

    Raises
    ------
    RuntimeError
        If ``mask`` is not bool, or ``source`` has too few elements.
    ValueError
        If ``mask`` does not broadcast to ``input``'s shape.
    """
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
    """Return the indices of the nonzero elements of ``input`` (also ``x.nonzero()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    as_tuple : bool, optional
        Return one 1-D index tensor per dim instead of one 2-D tensor (keyword only).
        Default False.

    Returns
    -------
    Tensor or tuple of Tensor
        An (N, ndim) int64 tensor, N the number of nonzero elements in row-major order; or,
        with ``as_tuple=True``, ``ndim`` int64 tensors of shape (N,), usable as an index:
        ``x[x.nonzero(as_tuple=True)]``.
    """
    a = _as(input)._data
    if as_tuple:
        if a.ndim == 0:
            return (_wrap(np.flatnonzero(a.reshape(1)).astype(np.int64)),)
        return tuple(_wrap(i.astype(np.int64)) for i in np.nonzero(a))
    return _wrap(np.argwhere(a).astype(np.int64))


def argwhere(input):
    """Return the indices of the non-zero elements of ``input``, as ``nonzero(input)`` (also ``x.argwhere()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.

    Returns
    -------
    Tensor
        int64, shape (N, input.ndim): one row per non-zero element, in row-major order.
    """
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
    """Return each tensor viewed with at least 1 dim; a 0-d tensor becomes shape (1,).

    Parameters
    ----------
    *tensors : Tensor, or one sequence of Tensor
        The tensors.

    Returns
    -------
    Tensor or tuple of Tensor
        One tensor for one tensor given, else a tuple; views of the inputs (tensors that
        already have enough dims are returned as they are).
    """
    return _atleast(tensors, 1, "atleast_1d")


def atleast_2d(*tensors):
    """Return each tensor viewed with at least 2 dims; a 1-D (n,) becomes (1, n), a 0-d (1, 1).

    Parameters
    ----------
    *tensors : Tensor, or one sequence of Tensor
        The tensors.

    Returns
    -------
    Tensor or tuple of Tensor
        One tensor for one tensor given, else a tuple; views of the inputs (tensors that
        already have enough dims are returned as they are).
    """
    return _atleast(tensors, 2, "atleast_2d")


def atleast_3d(*tensors):
    """Return each tensor viewed with at least 3 dims; (n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1).

    A 0-d tensor becomes (1, 1, 1).

    Parameters
    ----------
    *tensors : Tensor, or one sequence of Tensor
        The tensors.

    Returns
    -------
    Tensor or tuple of Tensor
        One tensor for one tensor given, else a tuple; views of the inputs (tensors that
        already have enough dims are returned as they are).
    """
    return _atleast(tensors, 3, "atleast_3d")


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def hstack(tensors):
    """Concatenate tensors horizontally: along dim 0 for 1-D tensors, else along dim 1.

    0-d tensors are first viewed as (1,).

    Parameters
    ----------
    tensors : sequence of Tensor
        Tensors of matching shapes outside the concatenated dim.

    Returns
    -------
    Tensor
        A new tensor.

    Raises
    ------
    ValueError
        If the shapes do not match.
    """
    ts = _as_tuple(atleast_1d(*tensors))
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1)


def vstack(tensors):
    """Concatenate tensors vertically (along dim 0) after :func:`atleast_2d` (also ``row_stack``).

    Parameters
    ----------
    tensors : sequence of Tensor
        Tensors of matching shapes outside dim 0; a 1-D (n,) becomes a row (1, n).

    Returns
    -------
    Tensor
        A new tensor.

    Raises
    ------
    ValueError
        If the shapes do not match.
    """
    return cat(_as_tuple(atleast_2d(*tensors)), 0)


row_stack = vstack


def dstack(tensors):
    """Concatenate tensors depthwise (along dim 2) after :func:`atleast_3d`.

    Parameters
    ----------
    tensors : sequence of Tensor
        Tensors of matching shapes outside dim 2.

    Returns
    -------
    Tensor
        A new tensor.

    Raises
    ------
    ValueError
        If the shapes do not match.
    """
    return cat(_as_tuple(atleast_3d(*tensors)), 2)


def column_stack(tensors):
    """Stack tensors as columns: 0-d and 1-D tensors become (n, 1) columns, then all are concatenated along dim 1.

    Parameters
    ----------
    tensors : sequence of Tensor
        0-d, 1-D or 2-D (or higher) tensors with matching leading dims.

    Returns
    -------
    Tensor
        A new tensor.

    Raises
    ------
    ValueError
        If the shapes do not match.
    """
    ts = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t
          for t in _tensors((tensors,), "column_stack")]
    return cat(ts, 1)


def broadcast_shapes(*shapes):
    """Return the shape that tensors of the given shapes broadcast to.

    Parameters
    ----------
    *shapes : int or sequence of int
        The shapes (an int stands for a 1-D shape of that length).

    Returns
    -------
    tuple of int
        The broadcast shape (PyTorch returns a ``torch.Size``, a tuple subclass).

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> gg.broadcast_shapes((2, 1), (3,), 1)
    (2, 3)
    """
    shapes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]
    try:
        return tuple(int(n) for n in np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"broadcast_shapes: shapes {', '.join(map(str, shapes))} do not "
                         f"broadcast") from None


def broadcast_tensors(*tensors):
    """Return the tensors expanded to their common broadcast shape, as views.

    Parameters
    ----------
    *tensors : Tensor
        Tensors of broadcastable shapes.

    Returns
    -------
    tuple of Tensor
        One view per input, all of the broadcast shape; each one's gradient is summed back to
        its input's shape. The views are read-only (clone one before writing into it).

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    Examples
    --------
    >>> a, b = gg.broadcast_tensors(gg.tensor([[1.], [2.]]), gg.tensor([10., 20., 30.]))
    >>> a.shape, b.shape
    ((2, 3), (2, 3))
    """
    ts = [_as(t) for t in tensors]
    shape = broadcast_shapes(*(t._data.shape for t in ts))
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in ts)


def meshgrid(*tensors, indexing="ij"):
    """Return coordinate grids built from 1-D (or 0-d) tensors, as expanded views.

    Parameters
    ----------
    *tensors : Tensor, or one sequence of Tensor
        k tensors of n_0, n_1, ... elements.
    indexing : {'ij', 'xy'}, optional
        ``'ij'`` (the default) gives grids of shape ``(n_0, n_1, ...)``; ``'xy'`` swaps the
        first two dims (``(n_1, n_0, ...)``), as numpy's default.

    Returns
    -------
    tuple of Tensor
        k grids; grid ``i`` holds ``tensors[i]`` along its own dim. They are expanded views of
        the inputs: read-only (clone one before writing into it).

    Raises
    ------
    ValueError
        If ``indexing`` is not ``'ij'`` or ``'xy'``.
    RuntimeError
        If a tensor has more than 1 dim.

    Notes
    -----
    PyTorch warns when ``indexing`` is not given (a future default may change); glassgrad
    uses ``'ij'`` silently.
    """
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
    """Split ``input`` along ``dim`` into nearly equal pieces or at given indices (also ``x.tensor_split(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor with at least one dim.
    indices_or_sections : int or sequence of int or Tensor
        An int n: n pieces, the first ``size % n`` of them one longer than the others. A
        sequence (or 1-D tensor) of indices: split before each (negative ones count from the
        end; out-of-range ones give empty pieces).
    dim : int, optional
        The dim to split (negative counts from the end). Default 0.

    Returns
    -------
    tuple of Tensor
        Views of ``input``.

    Raises
    ------
    RuntimeError
        If the number of sections is not positive.
    IndexError
        If ``dim`` is out of range.
    """
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
    """Split ``input`` along ``dim`` into at most ``chunks`` pieces (also ``x.chunk(chunks, dim)``, as ``torch.chunk``).

    Parameters
    ----------
    input : Tensor
        The tensor to split.
    chunks : int
        The number of pieces wanted.
    dim : int, optional
        The dim to split. Default 0.

    Returns
    -------
    tuple of Tensor
        Views of size ``ceil(n / chunks)`` along ``dim`` (the last smaller), where n is the
        size of ``dim``; fewer pieces when n is small.
    """
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
    method.__doc__ = (f"See :func:`glassgrad.{fn.__name__}`: this in-place form writes the "
                      f"result into this tensor and returns it.")
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
