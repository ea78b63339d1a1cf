"""Reductions and scans beyond ops.py: prod, cumulative ops, sorting and selection, order
statistics, NaN-aware reductions, counting.

Selection ops (sort, topk, kthvalue, median, mode, cummax, ...) compute their indices with
numpy, outside the graph, and take their values with `gather`: the gradient flows to exactly
the elements whose indices are returned, as in PyTorch. Among tied values the indices are
PyTorch's: those of a stable sort (sort, argsort, median, mode, ...) or, for topk and
kthvalue, those of PyTorch's own selection algorithm, replayed.
"""
import builtins
from collections import namedtuple

import numpy as np

from . import primitives as P
from .engine import apply
from .ops import (_axes, _reduce_count, _root, _tensor, amax, amin, div, gather, masked_fill,
                  mean, mul, reshape, sub, sum, to)
from .naming import composite
from .tensor import Tensor, _wrap
from ._capture_hooks import capturing, data_op, uncapturable
from ._dim_aliases import alias_module
from ._stl_order import topk_order

_RESULTS = {}


def _result(name):
    """The named tuple (values, indices) that PyTorch returns from `name`
    (torch.return_types.sort, ...)."""
    cls = _RESULTS.get(name)
    if cls is None:
        cls = _RESULTS[name] = namedtuple(name, ["values", "indices"])
    return cls


sort_result, topk_result, kthvalue_result = _result("sort"), _result("topk"), _result("kthvalue")
median_result, nanmedian_result, mode_result = (_result("median"), _result("nanmedian"),
                                                _result("mode"))
cummax_result, cummin_result = _result("cummax"), _result("cummin")
aminmax_result = namedtuple("aminmax", ["min", "max"])


def _dim(x, dim, op):
    """One dim normalized to [0, ndim) (0 for a 0-d tensor, as PyTorch allows -1 and 0)."""
    return _axes(dim, x._data.ndim, op)[0] if x._data.ndim else 0


def _as_tensor(x):
    return x if isinstance(x, Tensor) else _tensor(x)


def _floating(x, op):
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: input dtype should be floating point, got {x._data.dtype}")


def _index_tensor(index):
    return _wrap(np.asarray(index, dtype=np.int64))


# ----- prod and scans ----------------------------------------------------------------------


def _int_promoted(x, dtype):
    if dtype is not None:
        return to(x, dtype)
    if x._data.dtype.kind in "bi" and x._data.dtype != np.int64:
        return to(x, np.int64)
    return x


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Return the product of the elements of ``input`` over ``dim`` (also ``x.prod(...)``).

    With ``dim=None`` every element is multiplied into a 0-d tensor. The product of an empty
    tensor (or over an empty dim) is 1.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape and dtype.
    dim : int, optional
        The one dim to reduce (negative counts from the end); all elements when None, the
        default. PyTorch's prod takes one dim, not a tuple.
    keepdim : bool, optional
        Keep the reduced dim with size 1. Default False.
    dtype : numpy.dtype, optional
        Cast ``input`` to this dtype first (keyword only). Without it, bool and integer
        inputs give int64.

    Returns
    -------
    Tensor
        The products; 0-d when ``dim`` is None. The gradient is ``prod_{j != i} x_j``, exact
        also where ``input`` holds zeros. For a 0-d ``input`` with a ``dim``, ``input`` itself
        is returned (converted first if needed).

    Raises
    ------
    IndexError
        If ``dim`` is out of range.
    """
    x = _int_promoted(_as_tensor(input), dtype)
    if dim is None:
        return apply(P.PROD, (x,), None, False, x._data.shape)
    d = _dim(x, dim, "prod")
    if x._data.ndim == 0:
        return x
    return apply(P.PROD, (x,), d, bool(keepdim), x._data.shape)


def cumsum(input, dim, *, dtype=None):
    """Return the cumulative sum of ``input`` along ``dim`` (also ``x.cumsum(dim)``).

    Along ``dim``, ``out[i] = x[0] + x[1] + ... + x[i]``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int
        The dim to accumulate along.
    dtype : numpy.dtype, optional
        Convert ``input`` to this dtype first (keyword only); bool and integer inputs give
        int64 otherwise.

    Returns
    -------
    Tensor
        Same shape as ``input``.
    """
    x = _int_promoted(_as_tensor(input), dtype)
    if x._data.ndim == 0:
        return apply(P.CLONE, (x,))
    return apply(P.CUMSUM, (x,), _dim(x, dim, "cumsum"), False)


def cumprod(input, dim, *, dtype=None):
    """Return the cumulative product of ``input`` along ``dim`` (also ``x.cumprod(dim)``).

    Along ``dim``, ``out[i] = x[0] * x[1] * ... * x[i]``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape; a 0-d tensor gives a copy of itself.
    dim : int
        The dim to accumulate along (negative counts from the end).
    dtype : numpy.dtype, optional
        Convert ``input`` to this dtype first (keyword only); bool and integer inputs give
        int64 otherwise.

    Returns
    -------
    Tensor
        Same shape as ``input``. The gradient is exact also where ``input`` holds zeros.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.

    Notes
    -----
    A first-order backward costs O(n) per slice; differentiating that backward again when
    zeros are present costs n**3 memory per slice of length n.
    """
    x = _int_promoted(_as_tensor(input), dtype)
    if x._data.ndim == 0:
        return apply(P.CLONE, (x,))
    return apply(P.CUMPROD, (x,), _dim(x, dim, "cumprod"))


def logcumsumexp(input, dim):
    """Return ``log(cumsum(exp(x)))`` along ``dim``, computed without overflow (also ``x.logcumsumexp(dim)``).

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape; a 0-d tensor gives a copy of itself.
    dim : int
        The dim to accumulate along (negative counts from the end).

    Returns
    -------
    Tensor
        Same shape and dtype as ``input``.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point.
    IndexError
        If ``dim`` is out of range.
    """
    x = _as_tensor(input)
    _floating(x, "logcumsumexp")
    if x._data.ndim == 0:
        return apply(P.CLONE, (x,))
    return apply(P.LOGCUMSUMEXP, (x,), _dim(x, dim, "logcumsumexp"))


def _cum_extreme(x, dim, largest, op):
    x = _as_tensor(x)
    result = cummax_result if largest else cummin_result
    if x._data.ndim == 0:
        return result(apply(P.CLONE, (x,)), _index_tensor(0))
    d = _dim(x, dim, op)
    indices = _indices_of((x,), _cum_extreme_indices, d, largest)
    return result(gather(x, d, indices), indices)


def _cum_extreme_indices(a, d, largest):
    running = (np.maximum if largest else np.minimum).accumulate(a, axis=d) if a.size else a
    # a position holding its running extreme starts a new record (ties included: the later
    # index wins, as in PyTorch); the index is that of the latest record so far
    record = a == running
    if a.dtype.kind == "f":     # NaN propagates: the first NaN is the last record
        nan = np.isnan(a)
        record |= nan & (np.cumsum(nan, axis=d) == 1)
    shape = [1] * a.ndim
    shape[d] = a.shape[d]
    positions = np.where(record, np.arange(a.shape[d]).reshape(shape), 0)
    return np.maximum.accumulate(positions, axis=d) if a.size else positions


def cummax(input, dim):
    """Return the running maximum of ``input`` along ``dim`` and its indices (also ``x.cummax(dim)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape. A 0-d tensor gives a copy of itself and index 0.
    dim : int
        The dim to scan (negative counts from the end).

    Returns
    -------
    values : Tensor
        ``values[i] = max(x[0], ..., x[i])`` along ``dim``; same shape and dtype as ``input``.
    indices : Tensor
        int64, same shape: the index along ``dim`` of each running maximum. On ties the later
        index wins, as in PyTorch. The two come as a named tuple ``(values, indices)``; the
        gradient goes to the indexed elements.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.

    Notes
    -----
    NaN propagates: from the first NaN on, the values are NaN and the index is that first
    NaN's. PyTorch moves the index on to each later NaN.
    """
    return _cum_extreme(input, dim, True, "cummax")


def cummin(input, dim):
    """Return the running minimum of ``input`` along ``dim`` and its indices (also ``x.cummin(dim)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape. A 0-d tensor gives a copy of itself and index 0.
    dim : int
        The dim to scan (negative counts from the end).

    Returns
    -------
    values : Tensor
        ``values[i] = min(x[0], ..., x[i])`` along ``dim``; same shape and dtype as ``input``.
    indices : Tensor
        int64, same shape: the index along ``dim`` of each running minimum. On ties the later
        index wins, as in PyTorch. The two come as a named tuple ``(values, indices)``; the
        gradient goes to the indexed elements.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.

    See Also
    --------
    cummax : The running maximum; NaN is handled the same way.

    Notes
    -----
    NaN propagates: from the first NaN on, the values are NaN and the index is that first
    NaN's. PyTorch moves the index on to each later NaN.
    """
    return _cum_extreme(input, dim, False, "cummin")


# ----- sorting and selection ------------------------------------------------------------------


def _stable_argsort(a, axis, descending):
    """Stable argsort; descending keeps equal elements in their original order and puts
    NaN first (PyTorch treats NaN as the largest value)."""
    if not descending:
        return np.argsort(a, axis=axis, kind="stable")
    n = a.shape[axis]
    rev = np.argsort(np.flip(a, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - rev, axis)


# the indices that sort, select or pick elements are computed from the values by a
# (non-differentiable) primitive, so that a captured step (compile.py) computes them for each
# call: _indices_of((x,), fn, *args) is fn(x's array, *args) as a contiguous int64 tensor
_indices_of = data_op("indices", lambda a, fn, *args: np.ascontiguousarray(fn(a, *args),
                                                                           dtype=np.int64),
                      "the int64 indices fn(x) that sort or select x's elements (no gradient)")
_squeezed = data_op("squeeze", lambda i, d: i.squeeze(d), "i without its dim d (no gradient)")


def _select(x, d, indices, keepdim=True):
    """(values, indices) of the elements at `indices` (an int64 tensor, kept dim d)."""
    values = gather(x, d, indices)
    if not keepdim:
        values = values.squeeze(d)
        indices = _squeezed((indices,), d)
    return values, indices


def sort(input, dim=-1, descending=False, stable=False):
    """Sort ``input`` along ``dim``: a named tuple ``(values, indices)`` (also ``x.sort(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int, optional
        The dim to sort along. Default -1.
    descending : bool, optional
        Sort from largest to smallest. Default False.
    stable : bool, optional
        Accepted for compatibility: the sort is always stable.

    Returns
    -------
    (Tensor, Tensor)
        The sorted values and the int64 indices of each value in ``input``. The gradient
        flows back to each value's original position.

    Notes
    -----
    The sort is always stable (equal elements keep their order, also when descending), which
    is what PyTorch's CPU sort returns; NaN counts as the largest value.
    """
    x = _as_tensor(input)
    if x._data.ndim == 0:
        return sort_result(apply(P.CLONE, (x,)), _index_tensor(0))
    d = _dim(x, dim, "sort")
    return sort_result(*_select(x, d, _indices_of((x,), _stable_argsort, d, descending)))


def argsort(input, dim=-1, descending=False, stable=False):
    """Return the indices that sort ``input`` along ``dim`` (also ``x.argsort(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape; a 0-d tensor gives the 0-d index 0.
    dim : int, optional
        The dim to sort along (negative counts from the end). Default -1.
    descending : bool, optional
        Sort from largest to smallest. Default False.
    stable : bool, optional
        Accepted for compatibility: the sort is always stable. Default False.

    Returns
    -------
    Tensor
        int64, same shape as ``input``: ``sort(input, dim, descending).indices``. Not
        differentiable.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.

    See Also
    --------
    sort : The sorted values with these indices.

    Notes
    -----
    The sort is always stable (equal elements keep their order, also when descending), which
    is what PyTorch's CPU sort returns; NaN counts as the largest value.
    """
    x = _as_tensor(input)
    if x._data.ndim == 0:
        return _index_tensor(0)
    d = _dim(x, dim, "argsort")
    return _indices_of((x,), _stable_argsort, d, descending)


def msort(input):
    """Return ``input`` sorted along its first dim, ``sort(input, dim=0).values`` (also ``x.msort()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.

    Returns
    -------
    Tensor
        Same shape and dtype as ``input``; ascending along dim 0, NaN last. The gradient
        flows back to each value's original position.

    See Also
    --------
    sort : Sorting along any dim, with the indices.
    """
    return sort(input, 0).values


def _positions(mask):
    """Index tuples of the true entries of `mask` (which may be 0-d)."""
    if mask.ndim == 0:
        return [()] if mask else []
    return list(zip(*np.nonzero(mask)))


# Replaying PyTorch's selection runs in Python (a few microseconds per element): beyond this
# many elements in total the stable order is kept instead.
_REPLAY_LIMIT = 1 << 18


def _replayed(mask, n):
    """Rows (index tuples) to replay PyTorch's selection on: the true entries of `mask`,
    or none when that would mean more than _REPLAY_LIMIT elements."""
    count = int(np.count_nonzero(mask))
    return _positions(mask) if count * n <= _REPLAY_LIMIT else []


def topk(input, k, dim=-1, largest=True, sorted=True):
    """Return the ``k`` largest (or smallest) elements of ``input`` along ``dim``: a named tuple ``(values, indices)`` (also ``x.topk(k)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    k : int
        How many elements to return, at most the size of ``dim``.
    dim : int, optional
        The dim to select along. Default -1.
    largest : bool, optional
        The largest (True, default) or the smallest elements.
    sorted : bool, optional
        Return them in sorted order. Default True.

    Returns
    -------
    (Tensor, Tensor)
        The values and their int64 indices, with ``k`` entries along ``dim``; the gradient
        reaches the selected elements.

    Notes
    -----
    Indices among tied values (and the order with ``sorted=False``) are PyTorch's: its CPU
    selection algorithm is replayed for rows where it matters, so the gradient reaches the
    same elements. NaN counts as the largest value. Beyond 2**18 replayed elements (e.g. a
    huge tensor full of ties) tied elements come in index order, and ``sorted=False``
    returns sorted values.
    """
    x = _as_tensor(input)
    n = x._data.shape[_dim(x, dim, "topk")] if x._data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension of size {n} "
                           f"(input shape {x.shape})")
    if x._data.ndim == 0:
        return topk_result(apply(P.CLONE, (x,)), _index_tensor(0))
    d = _dim(x, dim, "topk")
    return topk_result(*_select(x, d, _indices_of((x,), _topk_indices, d, k, largest, sorted)))


def _topk_indices(a, d, k, largest, sorted):
    n = a.shape[d]
    rows = np.moveaxis(a, d, -1)
    order = np.moveaxis(_stable_argsort(a, d, largest), d, -1)
    idx = order[..., :k].copy()
    if k:
        if not sorted and k * 64 > n and a.size <= _REPLAY_LIMIT:
            replay = np.ones(rows.shape[:-1], dtype=bool)     # nth_element's own order
        else:
            head = np.take_along_axis(rows, order[..., :min(k + 1, n)], -1)
            replay = np.any(head[..., 1:] == head[..., :-1], -1)
            if rows.dtype.kind == "f":
                replay |= np.isnan(rows).any(-1)
        for pos in _replayed(replay, n):
            idx[pos] = topk_order(rows[pos].tolist(), k, largest, sorted)
    return np.moveaxis(idx, -1, d)


def _greater_or_nan(a, b):
    return (a != a and b == b) or a > b


def _quickselect_index(row, k):
    """Index of the element PyTorch's CPU kthvalue returns for the k-th smallest (k from 0)
    of `row`: its median-of-three quickselect (Sedgewick's partition), replayed, so that
    among tied elements the same one is picked."""
    v, idx = row.tolist(), list(range(len(row)))

    def swap(a, b):
        v[a], v[b] = v[b], v[a]
        idx[a], idx[b] = idx[b], idx[a]
    gt = _greater_or_nan
    lo, hi = 0, len(v) - 1
    while hi > lo:
        if hi == lo + 1:
            if gt(v[lo], v[hi]):
                swap(lo, hi)
            break
        swap((lo + hi) >> 1, lo + 1)
        if gt(v[lo + 1], v[hi]):
            swap(lo + 1, hi)
        if gt(v[lo], v[hi]):
            swap(lo, hi)
        if gt(v[lo + 1], v[lo]):
            swap(lo + 1, lo)
        i, j, pivot = lo + 1, hi, v[lo]
        while True:
            i += 1
            while gt(pivot, v[i]):
                i += 1
            j -= 1
            while gt(v[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return idx[k]


def kthvalue(input, k, dim=-1, keepdim=False):
    """Return the ``k``-th smallest element of ``input`` along ``dim`` and its index (also ``x.kthvalue(k)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape. A 0-d tensor (with ``k=1``) gives a copy of itself and index 0.
    k : int
        Which element, counting from 1 (the smallest).
    dim : int, optional
        The dim to select along (negative counts from the end). Default -1.
    keepdim : bool, optional
        Keep ``dim`` with size 1. Default False.

    Returns
    -------
    values : Tensor
        The k-th smallest values, with ``dim`` removed (or of size 1 with ``keepdim``).
    indices : Tensor
        int64, same shape: their indices along ``dim``. The two come as a named tuple
        ``(values, indices)``; the gradient goes to the indexed elements.

    Raises
    ------
    RuntimeError
        If ``k`` is not in ``[1, input.shape[dim]]``.
    IndexError
        If ``dim`` is out of range.

    Notes
    -----
    Among tied elements the index is the one PyTorch's CPU selection returns: its
    quickselect is replayed for rows holding ties or NaN, up to 2**18 replayed elements in
    all; beyond, the index is a stable sort's. NaN counts as the largest value.
    """
    x = _as_tensor(input)
    n = x._data.shape[_dim(x, dim, "kthvalue")] if x._data.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue: k ({k}) is out of range for dimension of size {n} "
                           f"(input shape {x.shape})")
    if x._data.ndim == 0:
        return kthvalue_result(apply(P.CLONE, (x,)), _index_tensor(0))
    d = _dim(x, dim, "kthvalue")
    return kthvalue_result(*_select(x, d, _indices_of((x,), _kth_indices, d, k), keepdim))


def _kth_indices(a, d, k):
    n = a.shape[d]
    order = np.moveaxis(_stable_argsort(a, d, False), d, -1)
    rows = np.moveaxis(a, d, -1)
    idx = order[..., k - 1].copy()
    ordered = np.take_along_axis(rows, order, -1)
    tied = np.any(ordered[..., 1:] == ordered[..., :-1], -1)
    if rows.dtype.kind == "f":
        tied |= np.isnan(rows).any(-1)
    for pos in _replayed(tied, n):
        idx[pos] = _quickselect_index(rows[pos], k - 1)
    return np.expand_dims(idx, d)


def _lower_median_index(a, d, ignore_nan):
    """Index (kept dim) of the lower median along axis d; for rows with NaN (when not
    ignored) the first NaN."""
    order = _stable_argsort(a, d, False)
    n = a.shape[d]
    if ignore_nan:
        count = np.sum(~np.isnan(a), axis=d, keepdims=True) if a.dtype.kind == "f" else \
            np.full(a.shape[:d] + (1,) + a.shape[d + 1:], n)
        pos = np.maximum((count - 1) // 2, 0)
        # an all-NaN row gives index 0 (PyTorch's choice)
        idx = np.take_along_axis(order, pos, d)
        return np.where(count == 0, 0, idx)
    idx = np.take(order, [(n - 1) // 2], axis=d)
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        has_nan = nan.any(axis=d, keepdims=True)
        idx = np.where(has_nan, np.argmax(nan, axis=d, keepdims=True), idx)
    return idx


def _median_all_forward(x, ignore_nan, weight):
    """The median of all of x (0-d) or, with `weight`, the weights that share its gradient
    evenly among the elements equal to it (a NaN median: the NaN picked)."""
    a = x.reshape(-1)
    i = _lower_median_index(a, 0, ignore_nan)[0]
    value = a[i]
    if not weight:
        return np.asarray(value, dtype=x.dtype)
    if np.isnan(value):
        hit = np.isnan(x) & (np.arange(a.size) == i).reshape(x.shape)
    else:
        hit = x == value
    return (hit / builtins.max(hit.sum(), 1)).astype(x.dtype)


_median_all_value = data_op("median_all", lambda x, ignore_nan: _median_all_forward(
    x, ignore_nan, False), "the lower median of all elements (its gradient: see median)")
_median_all_weight = data_op("median_all_weight", lambda x, ignore_nan: _median_all_forward(
    x, ignore_nan, True), "1/k at the k elements equal to the median (no gradient)")


def _median(input, dim, keepdim, ignore_nan, op, result):
    x = _as_tensor(input)
    if dim is None:
        if x._data.size == 0:
            raise IndexError(f"{op}: cannot compute the median of an empty tensor")
        out = _median_all_value((x,), ignore_nan)
        if not x._requires_grad:
            return out
        w = _median_all_weight((x,), ignore_nan)
        return out + sum(mul(sub(x, x.detach()), w))
    if x._data.ndim == 0:
        return result(apply(P.CLONE, (x,)), _index_tensor(0))
    d = _dim(x, dim, op)
    if x._data.shape[d] == 0:
        raise IndexError(f"{op}: dim {dim} of input shape {x.shape} is empty")
    return result(*_select(x, d, _indices_of((x,), _lower_median_index, d, ignore_nan),
                           keepdim))


def median(input, dim=None, keepdim=False):
    """Return the median of ``input``, the lower of the two middle values for an even count (also ``x.median(...)``).

    Two forms, as in PyTorch: ``median(x)`` reduces every element to a 0-d tensor;
    ``median(x, dim)`` returns a named tuple ``(values, indices)``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int, optional
        The dim to reduce (negative counts from the end). None (the default) takes the median
        of all elements.
    keepdim : bool, optional
        Keep ``dim`` with size 1 (only with a ``dim``). Default False.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        Without ``dim``: a 0-d tensor whose gradient is shared evenly among the elements equal
        to the median (as in PyTorch); a NaN anywhere gives NaN. With ``dim``: the named tuple
        ``(values, indices)``, ``indices`` int64 along ``dim``, the gradient going to the
        indexed elements. Among tied elements the index is the one a stable sort puts at the
        median (PyTorch breaks ties by index the same way); a row holding NaN gives NaN and the
        index of its first NaN. A 0-d ``input`` with a ``dim`` gives a copy and index 0.

    Raises
    ------
    IndexError
        If ``input`` is empty (without ``dim``), if ``dim`` is empty or out of range.

    See Also
    --------
    nanmedian : The median ignoring NaN.
    quantile : Any quantile, with interpolation.
    """
    return _median(input, dim, keepdim, False, "median", median_result)


def nanmedian(input, dim=None, keepdim=False):
    """Return the median of ``input`` ignoring NaN (also ``x.nanmedian(...)``).

    As :func:`median`, on the non-NaN elements only: the result is NaN only where every
    element is NaN.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int, optional
        The dim to reduce (negative counts from the end). None (the default) takes the median
        of all elements.
    keepdim : bool, optional
        Keep ``dim`` with size 1 (only with a ``dim``). Default False.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        Without ``dim``: a 0-d tensor (the lower middle value of the non-NaN elements), its
        gradient shared evenly among the elements equal to it. With ``dim``: a named tuple
        ``(values, indices)``, ``indices`` int64; a row of NaN only gives NaN and index 0
        (PyTorch's choice).

    Raises
    ------
    IndexError
        If ``input`` is empty (without ``dim``), if ``dim`` is empty or out of range.

    See Also
    --------
    median : The median with NaN propagating.
    """
    return _median(input, dim, keepdim, True, "nanmedian", nanmedian_result)


def mode(input, dim=-1, keepdim=False):
    """Return the most frequent value of ``input`` along ``dim`` and the index of its last occurrence (also ``x.mode(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape. A 0-d tensor gives a copy of itself and index 0.
    dim : int, optional
        The dim to reduce (negative counts from the end). Default -1.
    keepdim : bool, optional
        Keep ``dim`` with size 1. Default False.

    Returns
    -------
    values : Tensor
        The most frequent value of each slice; on a tie of counts, the smallest of the tied
        values. All NaNs of a slice count as one value (larger than every number).
    indices : Tensor
        int64: the index of the last occurrence of that value along ``dim``, as PyTorch
        returns. The two come as a named tuple ``(values, indices)``; the gradient goes to the
        indexed elements.

    Raises
    ------
    IndexError
        If ``dim`` is empty or out of range.
    """
    x = _as_tensor(input)
    if x._data.ndim == 0:
        return mode_result(apply(P.CLONE, (x,)), _index_tensor(0))
    d = _dim(x, dim, "mode")
    if x._data.shape[d] == 0:
        raise IndexError(f"mode: dim {dim} of input shape {x.shape} is empty")
    return mode_result(*_select(x, d, _indices_of((x,), _mode_indices, d), keepdim))


def _mode_indices(x, d):
    a = np.moveaxis(x, d, -1)
    rows = a.reshape(-1, a.shape[-1])
    idx = np.empty(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)     # NaNs counted as one value
        best = values[np.argmax(counts)]
        same = np.isnan(row) if row.dtype.kind == "f" and np.isnan(best) else row == best
        idx[r] = len(row) - 1 - np.argmax(same[::-1])
    return np.moveaxis(idx.reshape(a.shape[:-1] + (1,)), -1, d)


_nan_rows = data_op("nan_rows", lambda v, shape: np.broadcast_to(
    np.isnan(v).any(-1, keepdims=True), shape), "True on rows holding a NaN (no gradient)")

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, op):
    x = _as_tensor(input)
    _floating(x, op)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {_INTERPOLATIONS}, got "
                         f"{interpolation!r}")
    scalar_q = not isinstance(q, (Tensor, list, tuple, np.ndarray))
    qs = np.atleast_1d(np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64))
    if qs.ndim > 1:
        raise RuntimeError(f"{op}: q must be a scalar or a 1-D tensor, got shape {qs.shape}")
    if isinstance(q, Tensor) and q.dtype != x.dtype:
        raise RuntimeError(f"{op}: q ({q.dtype}) and input ({x.dtype}) must have the same "
                           f"dtype")
    if np.any((qs < 0) | (qs > 1)) or np.any(np.isnan(qs)):
        raise RuntimeError(f"{op}: q values must be in the range [0, 1], got {qs.tolist()}")
    if dim is None:
        work, d = reshape(x, (-1,)), 0
    else:
        work, d = x, _dim(x, dim, op)
        if x._data.ndim == 0:
            work = reshape(x, (1,))
    if work._data.shape[d] == 0:
        raise IndexError(f"{op}: cannot compute a quantile over an empty dim (input shape "
                         f"{x.shape})")
    values = sort(work, d).values.movedim(d, -1)          # (..., n), NaN last
    if ignore_nan:
        uncapturable(f"{op}, whose positions depend on how many values are NaN")
    a = values._data
    n = a.shape[-1]
    nan = np.isnan(a)
    count = (n - nan.sum(-1, keepdims=True)) if ignore_nan else np.full(a.shape[:-1] + (1,), n)
    pos = qs * np.maximum(count - 1, 0)                    # (..., nq)
    lo = np.floor(pos).astype(np.int64)
    hi = np.ceil(pos).astype(np.int64)
    if interpolation == "nearest":
        lo = hi = np.round(pos).astype(np.int64)           # half to even, as torch.round
    elif interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    v_lo = gather(values, -1, _wrap(lo))
    if interpolation == "midpoint":
        out = (v_lo + gather(values, -1, _wrap(hi))) * 0.5
    elif interpolation == "linear":
        frac = _wrap((pos - lo).astype(a.dtype))
        out = v_lo + (gather(values, -1, _wrap(hi)) - v_lo) * frac
    else:
        out = v_lo
    bad = nan.any(-1, keepdims=True) if not ignore_nan else (count == 0)
    if not ignore_nan and capturing():
        out = out.masked_fill(_nan_rows((values,), out.shape), float("nan"))
    elif bad.any():
        out = out.masked_fill(np.broadcast_to(bad, out.shape), float("nan"))
    out = out.movedim(-1, 0)                               # (nq, ...)
    if keepdim:
        if dim is None:
            out = reshape(out, (len(qs),) + (1,) * x._data.ndim)
        elif x._data.ndim:
            out = out.unsqueeze(d + 1)
    return out.squeeze(0) if scalar_q else out


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """Return the ``q``-th quantiles of ``input`` along ``dim``, of all elements when None, as ``torch.quantile`` (also ``x.quantile(q)``).

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.
    q : float or 1-D Tensor of values in [0, 1]
        The quantile(s). With a tensor (or list) ``q`` the result gets a leading dim of
        ``len(q)``; a tensor ``q`` must have ``input``'s dtype.
    dim : int, optional
        The dim to reduce (negative counts from the end); None (the default) flattens
        ``input`` first.
    keepdim : bool, optional
        Keep the reduced dim(s) with size 1. Default False.
    interpolation : {'linear', 'lower', 'higher', 'midpoint', 'nearest'}, optional
        How to pick between the two closest sorted values (keyword only; default
        ``'linear'``). ``'nearest'`` rounds half to even, as ``torch.round``.

    Returns
    -------
    Tensor
        The quantiles, of ``input``'s dtype: shape ``input.shape`` without ``dim`` (all dims
        when ``dim`` is None), preceded by ``len(q)`` for a tensor ``q``. A NaN in a reduced
        slice gives NaN. Differentiable through the selected values.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating, ``q`` has more than one dim, is a tensor of another dtype,
        or holds a value outside [0, 1] or NaN.
    ValueError
        If ``interpolation`` is not one of the five names.
    IndexError
        If the reduced dim is empty, or ``dim`` is out of range.

    See Also
    --------
    nanquantile : The same, ignoring NaN.
    """
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    """Return the ``q``-th quantiles of ``input`` along ``dim`` ignoring NaN (also ``x.nanquantile(q)``).

    As :func:`quantile`, computed on the non-NaN elements of each slice: the result is NaN
    only where a slice holds nothing else.

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.
    q : float or 1-D Tensor of values in [0, 1]
        The quantile(s). With a tensor (or list) ``q`` the result gets a leading dim of
        ``len(q)``; a tensor ``q`` must have ``input``'s dtype.
    dim : int, optional
        The dim to reduce (negative counts from the end); None (the default) flattens
        ``input`` first.
    keepdim : bool, optional
        Keep the reduced dim(s) with size 1. Default False.
    interpolation : {'linear', 'lower', 'higher', 'midpoint', 'nearest'}, optional
        How to pick between the two closest sorted values (keyword only; default
        ``'linear'``). ``'nearest'`` rounds half to even.

    Returns
    -------
    Tensor
        The quantiles, shaped as :func:`quantile`'s. Differentiable through the selected
        values.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating, ``q`` has more than one dim, is a tensor of another dtype,
        or holds a value outside [0, 1] or NaN.
    ValueError
        If ``interpolation`` is not one of the five names.
    IndexError
        If the reduced dim is empty, or ``dim`` is out of range.
    """
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


# ----- moments -------------------------------------------------------------------------------


def _var_args(x, dim, unbiased, correction, op):
    if isinstance(dim, bool):        # var(x, unbiased): the positional bool is not a dim
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}: pass either unbiased or correction, not both")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    _floating(x, op)
    return dim, correction


@composite("var")
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Return the variance of ``input`` over ``dim`` (all elements when None), with Bessel's correction (also ``x.var(...)``).

    Computes ``sum((x - mean)**2) / max(N - correction, 0)`` where N is the number of
    elements reduced. Accepts PyTorch's three forms: ``var(x, dim, unbiased, keepdim)``,
    ``var(x, unbiased)`` (a positional bool is ``unbiased``, not a dim) and
    ``var(x, dim, correction=..., keepdim=...)``.

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.
    dim : int or tuple of int, optional
        The dim(s) to reduce; all of them when None.
    unbiased : bool, optional
        True: divide by N - 1; False: by N (same as ``correction=0``).
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    correction : int, optional
        Subtracted from N in the divisor (keyword only). Default 1.

    Returns
    -------
    Tensor
        The variances (``inf`` or NaN when ``N <= correction``, as in PyTorch).

    Examples
    --------
    >>> x = gg.tensor([1.0, 2.0, 3.0, 4.0])
    >>> x.var()
    tensor(1.6667)
    >>> gg.var(x, correction=0)
    tensor(1.25)
    """
    x = _as_tensor(input)
    dim, correction = _var_args(x, dim, unbiased, correction, "var")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"var: input dtype should be floating point, got {x._data.dtype}; "
                           f"call .float() first")
    axis = _axes(dim, x._data.ndim, "var") if x._data.ndim else None
    n = _reduce_count(x._data.shape, axis)
    # one node (primitives.VAR), with PyTorch's gradient where x holds an inf
    return apply(P.VAR, (x,), axis, bool(keepdim), float(builtins.max(n - correction, 0)))


@composite("std")
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Return the standard deviation ``sqrt(var(...))`` over ``dim``, with :func:`var`'s arguments (also ``x.std(...)``).

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.
    dim : int or tuple of int, optional
        The dim(s) to reduce; all of them when None.
    unbiased : bool, optional
        True: divide by N - 1; False: by N.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    correction : int, optional
        Subtracted from N in the divisor (keyword only). Default 1.

    Returns
    -------
    Tensor
        The standard deviations. The gradient is 0 where the deviation is 0, as in PyTorch.
    """
    return _root(var(input, dim, unbiased, keepdim, correction=correction), 2)


var_mean_result = namedtuple("var_mean", ["var", "mean"])


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Return the variance and the mean of ``input`` over ``dim``, with :func:`var`'s arguments.

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.
    dim : int or tuple of int, optional
        The dim(s) to reduce; all of them when None. A positional bool here is ``unbiased``,
        as in :func:`var`.
    unbiased : bool, optional
        True: divide by N - 1; False: by N (same as ``correction=0``).
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    correction : int, optional
        Subtracted from N in the variance's divisor (keyword only). Default 1.

    Returns
    -------
    var : Tensor
        The variances, as :func:`var`.
    mean : Tensor
        The means, as :func:`mean`. The two come as a plain tuple ``(var, mean)``, as in
        PyTorch.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point.
    TypeError
        If both ``unbiased`` and ``correction`` are given.
    IndexError
        If a dim is out of range.
    """
    return (var(input, dim, unbiased, keepdim, correction=correction),
            mean(_as_tensor(input), dim if not isinstance(dim, bool) else None, keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Return the standard deviation and the mean of ``input`` over ``dim``, with :func:`std`'s arguments.

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.
    dim : int or tuple of int, optional
        The dim(s) to reduce; all of them when None. A positional bool here is ``unbiased``,
        as in :func:`var`.
    unbiased : bool, optional
        True: divide by N - 1; False: by N (same as ``correction=0``).
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    correction : int, optional
        Subtracted from N in the variance's divisor (keyword only). Default 1.

    Returns
    -------
    std : Tensor
        The standard deviations, as :func:`std`.
    mean : Tensor
        The means, as :func:`mean`. The two come as a plain tuple ``(std, mean)``, as in
        PyTorch.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point.
    TypeError
        If both ``unbiased`` and ``correction`` are given.
    IndexError
        If a dim is out of range.
    """
    return (std(input, dim, unbiased, keepdim, correction=correction),
            mean(_as_tensor(input), dim if not isinstance(dim, bool) else None, keepdim))


def aminmax(input, *, dim=None, keepdim=False):
    """Return the minimum and the maximum of ``input`` over ``dim``, all elements when None (also ``x.aminmax()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int, optional
        The dim to reduce (keyword only; negative counts from the end); all dims when None,
        the default.
    keepdim : bool, optional
        Keep the reduced dim with size 1 (keyword only). Default False.

    Returns
    -------
    min : Tensor
        The minima, as :func:`amin`.
    max : Tensor
        The maxima, as :func:`amax`. The two come as a named tuple ``(min, max)``. The
        gradients are shared evenly among tied extremes, as for ``amin``/``amax``.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.
    """
    x = _as_tensor(input)
    return aminmax_result(amin(x, dim, keepdim), amax(x, dim, keepdim))


# ----- NaN-aware and counting ------------------------------------------------------------------


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """Return the sum of ``input`` over ``dim`` treating NaN as zero (also ``x.nansum(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int or tuple of int, optional
        The dim(s) to reduce (negative counts from the end); all of them when None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    dtype : numpy.dtype, optional
        Convert to this dtype before summing (keyword only).

    Returns
    -------
    Tensor
        The sums, as :func:`sum` (bool and integer inputs give int64). NaN elements get a
        zero gradient.

    Raises
    ------
    IndexError
        If a dim is out of range.
    """
    x = _as_tensor(input)
    if x._data.dtype.kind == "f":
        x = masked_fill(x, np.isnan(x._data), 0.0)
    return sum(x, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """Return the mean of the non-NaN elements of ``input`` over ``dim`` (also ``x.nanmean(...)``).

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape (or any tensor with a floating ``dtype``).
    dim : int or tuple of int, optional
        The dim(s) to reduce (negative counts from the end); all of them when None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    dtype : numpy.dtype, optional
        Convert ``input`` to this dtype first (keyword only).

    Returns
    -------
    Tensor
        The means of the non-NaN elements: NaN where a slice has none. NaN elements get a
        zero gradient.

    Raises
    ------
    RuntimeError
        If ``input`` (after ``dtype``) is not floating point.
    IndexError
        If a dim is out of range.
    """
    x = _as_tensor(input)
    if dtype is not None:
        x = to(x, dtype)
    _floating(x, "nanmean")
    count = np.sum(~np.isnan(x._data), axis=_axes(dim, x._data.ndim, "nanmean")
                   if x._data.ndim else None, keepdims=keepdim).astype(x._data.dtype)
    return div(nansum(x, dim, keepdim), _wrap(count))


def count_nonzero(input, dim=None):
    """Return the number of non-zero elements of ``input`` over ``dim`` (also ``x.count_nonzero()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape and dtype; NaN counts as non-zero.
    dim : int or tuple of int, optional
        The dim(s) to reduce (negative counts from the end); all of them when None.

    Returns
    -------
    Tensor
        int64 counts, with the reduced dims removed. Not differentiable.

    Raises
    ------
    IndexError
        If a dim is out of range.
    """
    x = _as_tensor(input)
    axis = _axes(dim, x._data.ndim, "count_nonzero") if x._data.ndim else None
    return _wrap(np.asarray(np.count_nonzero(x._data, axis=axis), dtype=np.int64))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """Return the unique elements of ``input`` (or its unique slices along ``dim``), sorted (also ``x.unique()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    sorted : bool, optional
        Accepted for compatibility: the output is always sorted (PyTorch's CPU unique also
        sorts when ``sorted=False``). Default True.
    return_inverse : bool, optional
        Also return the position in the output of each input element (or slice). Default
        False.
    return_counts : bool, optional
        Also return how often each unique element (or slice) occurs. Default False.
    dim : int, optional
        Find unique slices along this dim (negative counts from the end); None (the default)
        works on the flattened tensor.

    Returns
    -------
    output : Tensor
        The unique elements, 1-D (or ``input`` with ``dim`` holding the unique slices), in
        ascending order. Every NaN is distinct from the others, as in PyTorch.
    inverse_indices : Tensor, optional
        int64, shape of ``input`` (``(input.shape[dim],)`` with ``dim``); only with
        ``return_inverse``.
    counts : Tensor, optional
        int64, one per unique element; only with ``return_counts``. With either flag, the
        values come as a plain tuple in this order; otherwise ``output`` alone.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.

    Notes
    -----
    Not differentiable: the output never requires grad, as in PyTorch.
    """
    x = _as_tensor(input)
    a = x._data
    if dim is not None:
        dim = _dim(x, dim, "unique")
    values, inverse, counts = np.unique(a.reshape(-1) if dim is None else a, return_inverse=True,
                                        return_counts=True, axis=dim, equal_nan=False)
    out = [_wrap(values)]
    if return_inverse:
        inverse = inverse.reshape(a.shape if dim is None else (a.shape[dim],))
        out.append(_wrap(inverse.astype(np.int64)))
    if return_counts:
        out.append(_wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):
    """Return the number of occurrences of each value of a 1-D non-negative integer tensor, or the sum of ``weights`` per value (also ``x.bincount()``).

    Parameters
    ----------
    input : Tensor
        A 1-D tensor of non-negative integers (bool included).
    weights : Tensor, optional
        Same shape as ``input``: ``out[v]`` becomes the sum of the weights where
        ``input == v`` instead of a count.
    minlength : int, optional
        The minimum length of the result. Default 0.

    Returns
    -------
    Tensor
        Length ``max(input) + 1`` (0 for an empty input), at least ``minlength``. int64
        counts; with ``weights``, their dtype if floating, else float64. Not differentiable.

    Raises
    ------
    RuntimeError
        If ``input`` is not a 1-D tensor of non-negative integers, ``minlength`` is negative,
        or ``weights`` has another shape.
    """
    x = _as_tensor(input)
    a = x._data
    if a.ndim != 1 or a.dtype.kind not in "iub" or (a.size and a.min() < 0):
        raise RuntimeError(f"bincount: input must be a 1-D tensor of non-negative integers, got "
                           f"shape {x.shape} and dtype {a.dtype}")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength must be non-negative, got {minlength}")
    if weights is None:
        return _wrap(np.bincount(a, minlength=minlength).astype(np.int64))
    w = _as_tensor(weights)._data
    if w.shape != a.shape:
        raise RuntimeError(f"bincount: weights shape {w.shape} must equal input shape {a.shape}")
    dt = w.dtype if w.dtype.kind == "f" else np.float64
    return _wrap(np.bincount(a, weights=w, minlength=minlength).astype(dt))


def histc(input, bins=100, min=0, max=0):
    """Return a histogram of ``input`` with ``bins`` equal-width bins over ``[min, max]`` (also ``x.histc()``).

    Elements outside ``[min, max]``, and NaN and infinities, are ignored. When ``min == max``
    the range of the data is used (widened by 1 on each side if every element is equal).

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape (it is flattened).
    bins : int, optional
        The number of bins. Default 100.
    min : float, optional
        The lower end of the range. Default 0.
    max : float, optional
        The upper end of the range. Default 0.

    Returns
    -------
    Tensor
        Shape ``(bins,)``, the counts in ``input``'s dtype. Not differentiable.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point, ``bins`` is not positive, or ``min > max``.
    """
    x = _as_tensor(input)
    a = x._data
    _floating(x, "histc")
    if bins <= 0:
        raise RuntimeError(f"histc: bins must be positive, got {bins}")
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"histc: max ({max}) must be larger than min ({min})")
    counts, _ = np.histogram(a[np.isfinite(a)], bins=bins, range=(lo, hi))
    return _wrap(counts.astype(a.dtype))


# ----- methods ---------------------------------------------------------------------------


# PyTorch's axis= / keepdims= aliases on every public function taking a dim
alias_module(globals(), [name for name, value in list(globals().items())
                         if callable(value) and getattr(value, "__module__", None) == __name__
                         and not name.startswith("_") and not isinstance(value, type)])


def _attach():
    methods = dict(prod=prod, cumsum=cumsum, cumprod=cumprod, logcumsumexp=logcumsumexp,
                   cummax=cummax, cummin=cummin, sort=sort, argsort=argsort, msort=msort,
                   topk=topk, kthvalue=kthvalue, median=median, nanmedian=nanmedian,
                   mode=mode, quantile=quantile, nanquantile=nanquantile, var=var, std=std,
                   aminmax=aminmax, nansum=nansum, nanmean=nanmean,
                   count_nonzero=count_nonzero, unique=unique, bincount=bincount, histc=histc)
    for name, fn in methods.items():
        setattr(Tensor, name, fn)

    def cumsum_(self, dim, *, dtype=None):
        """Write the cumulative sum of this tensor along ``dim`` into it, in place (see :func:`glassgrad.cumsum`).

        Parameters
        ----------
        dim : int
            The dim to accumulate along (negative counts from the end).
        dtype : numpy.dtype, optional
            Compute in this dtype (keyword only); the result is cast back to this tensor's dtype
            when written.

        Returns
        -------
        Tensor
            This tensor, modified.
        """
        return self.copy_(cumsum(self, dim, dtype=dtype))

    def cumprod_(self, dim, *, dtype=None):
        """Write the cumulative product of this tensor along ``dim`` into it, in place (see :func:`glassgrad.cumprod`).

        Parameters
        ----------
        dim : int
            The dim to accumulate along (negative counts from the end).
        dtype : numpy.dtype, optional
            Compute in this dtype (keyword only); the result is cast back to this tensor's dtype
            when written.

        Returns
        -------
        Tensor
            This tensor, modified.
        """
        return self.copy_(cumprod(self, dim, dtype=dtype))
    Tensor.cumsum_ = cumsum_
    Tensor.cumprod_ = cumprod_


_attach()
