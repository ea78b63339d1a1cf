"""The core of nn.functional: activations, linear, pooling, normalization, dropout and the
classic losses, plus the helpers (reductions, argument checks) that the other
nn/functional_*.py modules share. Import it as `glassgrad.nn.functional`, which
re-exports everything here and in those modules."""
import math

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.autograd.ops import binary_cross_entropy as _bce
from glassgrad.autograd.ops import nll as _nll_rows
from glassgrad.autograd.compile import data_op, guard_value, uncapturable
from glassgrad.autograd.naming import composite
from glassgrad.autograd.tensor import Tensor
from glassgrad.autograd.engine import apply as _apply
from glassgrad.autograd._workspace import workspace
from glassgrad.autograd.primitives import NLL_TARGETS as _NLL_TARGETS
from glassgrad.autograd.primitives import POOL_GATHER as _POOL_GATHER

from . import _masks

# ----- helpers ---------------------------------------------------------------------------


def _pair(v, what="argument"):
    if isinstance(v, (int, np.integer)):
        return int(v), int(v)
    v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{what} must be an int or a pair of ints, got {v}")
    return v


def _const(arr, like):
    """An ndarray as a constant tensor of `like`'s dtype."""
    return ag.tensor(np.asarray(arr, dtype=like.dtype))


def _reduce(loss, reduction, fn):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{fn}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _same_shape(input, target, fn):
    if input.shape != target.shape:
        raise ValueError(f"{fn}: target shape {tuple(target.shape)} must equal input shape "
                         f"{tuple(input.shape)}")


def _as_tensor(x):
    return x if isinstance(x, Tensor) else ag.tensor(x)


# ----- linear, convolution, pooling --------------------------------------------------------


def linear(input, weight, bias=None):
    """Apply an affine map: ``input @ weight.T + bias``.

    Recorded as one engine node (a single backward step).

    Parameters
    ----------
    input : Tensor of shape (..., in_features), floating point
        Any number of leading dims.
    weight : Tensor of shape (out_features, in_features)
        Same dtype as `input`.
    bias : Tensor of shape (out_features,), optional
        Added to every output row. Default None (no bias).

    Returns
    -------
    Tensor of shape (..., out_features)
        Same dtype as `input`.

    Raises
    ------
    ValueError
        If the last dim of `input` differs from ``weight.shape[1]``, or `bias` is not of shape
        (out_features,).
    """
    return ag.linear(input, weight, bias)


def maxout(input, weight, bias=None, pieces=2):
    """Maxout: a linear map to ``out * pieces`` features, then the max over each unit's `pieces`.

    Unit ``j`` uses rows ``j*pieces ... j*pieces + pieces - 1`` of `weight`, i.e. the linear
    output is viewed as (..., out, pieces) and reduced over its last dim. The gradient goes
    to the first maximal piece.

    Parameters
    ----------
    input : Tensor of shape (..., in_features), floating point
    weight : Tensor of shape (out * pieces, in_features)
    bias : Tensor of shape (out * pieces,), optional
        Default None.
    pieces : int, optional
        Number of linear pieces per output unit. Default 2.

    Returns
    -------
    Tensor of shape (..., out)
        Same dtype as `input`.

    Raises
    ------
    ValueError
        If the number of linear outputs (``weight.shape[0]``) is not a multiple of `pieces`,
        or if `input` and `weight` do not match (as in :func:`linear`).

    Notes
    -----
    PyTorch has no maxout function; this one follows Goodfellow et al., "Maxout Networks"
    (2013).
    """
    z = linear(input, weight, bias)
    n = z.shape[-1]
    if n % pieces:
        raise ValueError(f"maxout: {n} linear outputs are not a multiple of pieces={pieces}")
    z = z.reshape(z.shape[:-1] + (n // pieces, pieces))
    return z.max(dim=-1).values


def _pool_geometry(h, k, s, p, d, ceil_mode):
    """Output size and the extra padding at the end that ceil_mode needs (PyTorch's rule:
    the last window must start inside the input or the left padding)."""
    span = d * (k - 1) + 1
    if ceil_mode:
        out = -(-(h + 2 * p - span) // s) + 1
        if (out - 1) * s >= h + p:
            out -= 1
    else:
        out = (h + 2 * p - span) // s + 1
    if out < 1:
        raise ValueError(f"pooling: kernel {k} (dilation {d}, padding {p}) is larger than "
                         f"the input size {h}")
    extra = max(0, (out - 1) * s + span - (h + 2 * p))
    return out, extra


def _pool_args(kernel_size, stride, padding, dilation, fn):
    k = _pair(kernel_size, f"{fn} kernel_size")
    s = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _pair(stride, f"{fn} stride")
    p, d = _pair(padding, f"{fn} padding"), _pair(dilation, f"{fn} dilation")
    for what, v in (("kernel_size", k), ("stride", s), ("dilation", d)):
        if min(v) < 1:
            raise ValueError(f"{fn}: {what} must be positive, got {v}")
    for pi, ki in zip(p, k):
        if pi > ki // 2:
            raise ValueError(f"{fn}: padding {p} should be at most half of kernel size {k}")
    return k, s, p, d


def _pool_extent(input, k, s, p, d, ceil_mode, fn):
    """Input size (H, W), output size (OH, OW) and the extra end padding (eh, ew) that
    ceil_mode needs, for a (N, C, H, W) or (C, H, W) input."""
    if input.ndim not in (3, 4):
        raise ValueError(f"{fn}: expected a (N, C, H, W) or (C, H, W) input, got shape "
                         f"{tuple(input.shape)}")
    h, w = input.shape[-2:]
    oh, eh = _pool_geometry(h, k[0], s[0], p[0], d[0], ceil_mode)
    ow, ew = _pool_geometry(w, k[1], s[1], p[1], d[1], ceil_mode)
    return h, w, oh, ow, eh, ew


def _windows(input, k, s, p, d, ceil_mode, value, fn):
    """Pad (with `value`) and cut into windows (N, C, kh*kw, OH, OW)."""
    h, w, oh, ow, eh, ew = _pool_extent(input, k, s, p, d, ceil_mode, fn)
    x = input if input.ndim == 4 else input.unsqueeze(0)
    widths = (p[1], p[1] + ew, p[0], p[0] + eh)
    if any(widths):
        x = ag.pad(x, widths, value)
    cols = ag.unfold2d(x, k, s, d)
    n, c = cols.shape[:2]
    return cols.reshape(n, c, k[0] * k[1], oh, ow), (h, w, eh, ew)


def _tap_columns(data, k, s, p, d, extra, fill):
    """Windows of data (M, H, W) as a (kh*kw, OH*OW, M) copy, padded with `fill` (p on both
    sides plus `extra` at the end, per dim): one row per kernel tap, the M images innermost so
    that the copy runs along long strides. Also returns the (kh*kw, OH*OW, 1) mask of the
    taps that fall inside the input, or None without padding."""
    m, h, w = data.shape
    hp, wp = h + 2 * p[0] + extra[0], w + 2 * p[1] + extra[1]
    oh, ow = (hp - d[0] * (k[0] - 1) - 1) // s[0] + 1, (wp - d[1] * (k[1] - 1) - 1) // s[1] + 1

    def taps(a):
        st = a.strides
        view = np.lib.stride_tricks.as_strided(
            a, (k[0], k[1], oh, ow, a.shape[0]),
            (st[1] * d[0], st[2] * d[1], st[1] * s[0], st[2] * s[1], st[0]), writeable=False)
        return view.reshape(k[0] * k[1], oh * ow, a.shape[0])

    if (hp, wp) == (h, w):
        return taps(data), None
    padded = np.full((m, hp, wp), fill, dtype=data.dtype)
    padded[:, p[0]:p[0] + h, p[1]:p[1] + w] = data
    inside = np.zeros((1, hp, wp), dtype=bool)
    inside[:, p[0]:p[0] + h, p[1]:p[1] + w] = True
    return taps(padded), taps(inside)


def _first_max_tap(cols, inside):
    """Per window (cols[:, i, j]), the tap PyTorch's max_pool picks: the first maximum among
    the taps inside the input, or the last NaN if the window holds NaNs."""
    top = cols.max(axis=0)                          # nan wherever a window holds a nan
    hit = cols == top
    if inside is not None:
        hit &= inside
    taps = cols.shape[0]
    rank = np.arange(taps, 0, -1, dtype=np.min_scalar_type(taps))[:, None, None]
    first = taps - (hit * rank).max(axis=0)         # vectorized "first True along axis 0"
    if cols.dtype.kind == "f":
        nan = np.isnan(top)
        if nan.any():
            last_nan = (np.isnan(cols) * rank[::-1]).max(axis=0) - 1
            first = np.where(nan, last_nan, first)
    return first


class _QuadCorners:
    """The flat index of every 2x2 tile's top-left cell, per planes shape (a few entries: a
    CNN pools a few shapes every step, alternately, so one entry would be rebuilt on every
    call). Entries are added whole and never written to, so threads may share them."""
    entries = {}
    limit = 16

    @classmethod
    def get(cls, m, h, w, oh, ow):
        key = (m, h, w, oh, ow)
        corners = cls.entries.get(key)
        if corners is None:
            corners = ((np.arange(m) * (h * w))[:, None, None]
                       + (np.arange(oh) * (2 * w))[:, None] + np.arange(ow) * 2).reshape(-1)
            corners.flags.writeable = False
            if len(cls.entries) >= cls.limit:
                cls.entries = {}
            cls.entries[key] = corners
        return corners


def _quad_max_pool_index(data, oh, ow):
    """_max_pool_index for 2x2 windows with stride 2 (no padding, dilation or overhang), or
    None if the planes hold a NaN. Small planes make numpy's inner loops a few elements long,
    so this works on whole flat arrays (shifted by one cell or one row: long contiguous
    loops) and keeps only the tiles' top-left cells p at the end: `right` = the cell right
    of p is strictly greater (it wins its row pair), `down` = the bottom row pair's maximum
    is strictly greater than the top one's (ties go to the earlier cell, as PyTorch); the
    winner is then p + down * W + (the right flag of the winning row). Measured (one thread,
    (64, 16, 8, 8) float32): ~35 us against ~85 us for the previous flat formulation."""
    m, h, w = data.shape
    flat = data.reshape(-1)
    left, right_cell = flat[:-1], flat[1:]
    pair = np.maximum(left, right_cell, out=workspace.array("pool_pair", left.shape, left.dtype))
    if pair.dtype.kind == "f" and np.isnan(pair.max()):
        return None
    right = right_cell > left
    down = pair[w:] > pair[:-w]
    top_right, bottom_right = right[:-w], right[w:]
    col = bottom_right ^ top_right
    col &= down
    col ^= top_right                                # the winning row's right flag
    if w < 255:     # bool as uint8: far faster than converting to int64 cell by cell
        offset = col.view(np.uint8)
        offset += down.view(np.uint8) * np.uint8(w)
    else:
        offset = col.astype(np.intp) + down.astype(np.intp) * w
    corners = _QuadCorners.get(m, h, w, oh, ow)
    # a gather by index: ~2x faster than copying a strided view whose rows are OW long
    index = workspace.lasting(corners.shape, np.dtype(np.intp))
    return np.add(corners, np.take(offset, corners, mode="clip"), out=index)


def _tiled_max_pool_index(data, k, oh, ow):
    """_max_pool_index for windows that tile the planes (kernel == stride, no padding or
    dilation, no ceil_mode overhang), or None if a window holds a NaN (the general path then
    applies the NaN rule). One copy puts the taps tap-major with the planes innermost, then a
    running comparison keeps the first maximum: a later tap wins only if strictly greater.
    Measured (one thread, (64, 16, 8, 8) float32, 2x2): ~80 us against ~110 us."""
    m, h, w = data.shape
    (kh, kw), st = k, data.strides
    view = np.lib.stride_tricks.as_strided(
        data, (kh, kw, oh, ow, m), (st[1], st[2], st[1] * kh, st[2] * kw, st[0]),
        writeable=False)
    cols = np.ascontiguousarray(view).reshape(kh * kw, oh * ow, m)
    top = cols[0].copy()
    tap = np.zeros(top.shape, np.min_scalar_type(kh * kw))
    for t in range(1, kh * kw):
        better = np.greater(cols[t], top)
        np.maximum(top, cols[t], out=top)
        tap += better * (tap.dtype.type(t) - tap)          # tap = t where better
    if top.dtype.kind == "f" and np.isnan(top).any():
        return None
    offsets = (np.arange(kh)[:, None] * w + np.arange(kw)).ravel()
    index = np.take(offsets, tap.T)                         # (M, OH*OW)
    index += (np.arange(m) * (h * w))[:, None]
    index += ((np.arange(oh) * (kh * w))[:, None] + np.arange(ow) * kw).ravel()
    return index.reshape(-1)


def _max_pool_index(x, k, s, p, d, extent):
    """(M * OH*OW,) int64: the flat index into x (M = N*C planes of H x W) of each window's
    first maximum, plane by plane."""
    h, w, oh, ow, eh, ew = extent
    data = x.reshape(-1, h, w)
    if k == s and p == (0, 0) and d == (1, 1) and eh == ew == 0 and data.size:
        index = _quad_max_pool_index(data, oh, ow) if k == (2, 2) and h > 1 and w > 1 \
            else _tiled_max_pool_index(data, k, oh, ow)
        if index is not None:
            return index
    return _windowed_max_pool_index(data, k, s, p, d, extent)


def _windowed_max_pool_index(data, k, s, p, d, extent):
    """_max_pool_index for any windows (overlapping, padded, dilated, ceil_mode) of the
    planes data (M, H, W)."""
    h, w, oh, ow, eh, ew = extent
    fill = -np.inf if data.dtype.kind == "f" else np.iinfo(data.dtype).min
    cols, inside = _tap_columns(data, k, s, p, d, (eh, ew), fill)
    tap = _first_max_tap(cols, inside).T            # (M, OH*OW)
    # flat index into the input: image start + window start + the tap's offset in the window
    offsets = (np.arange(k[0])[:, None] * (d[0] * w) + np.arange(k[1]) * d[1]).ravel()
    index = offsets[tap]
    index += ((np.arange(oh) * s[0] - p[0])[:, None] * w + np.arange(ow) * s[1] - p[1]).ravel()
    index += (np.arange(data.shape[0]) * (h * w))[:, None]
    return index.reshape(-1)


# the taps are found by a (non-differentiable) primitive so that a captured step finds them
# again on every replay
_max_pool_taps = data_op("max_pool2d_taps", _max_pool_index,
                         "the flat index of each window's first maximum (no gradient)")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over kh x kw windows, PyTorch's ``F.max_pool2d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, H, W) or (C, H, W)
        Floating point or integer.
    kernel_size : int or tuple of 2 ints
    stride : int or tuple of 2 ints, optional
        Default None (or ``()``): `kernel_size`.
    padding : int or tuple of 2 ints, optional
        Implicit padding on both sides that never wins (-inf); at most half the kernel.
        Default 0.
    dilation : int or tuple of 2 ints, optional
        Spacing between window taps. Default 1.
    ceil_mode : bool, optional
        Round the output size up; as in PyTorch, the last window must start inside the input
        or the left padding. Default False.
    return_indices : bool, optional
        Also return, as PyTorch, the int64 flat position ``h * W + w`` of each window's pick
        within its (H, W) plane (the input of :func:`max_unpool2d`). Default False.

    Returns
    -------
    output : Tensor of shape (N, C, OH, OW) or (C, OH, OW)
        Same dtype as `input`. ``OH = (H + 2 ph - dh (kh - 1) - 1) // sh + 1`` (rounded up
        with `ceil_mode`), and likewise OW.
    indices : Tensor of the shape of `output`, int64
        Only with ``return_indices=True``.

    Raises
    ------
    ValueError
        For a wrong input rank, an argument that is not an int or a pair, a non-positive
        kernel, stride or dilation, padding above half the kernel, or a kernel larger than the
        padded input.

    Notes
    -----
    As in PyTorch, the gradient goes to the first maximum of each window (row-major order),
    and a window holding NaNs gives NaN, its gradient going to the last NaN. The winning taps
    are found in numpy; the output is then one gather from the flattened input, so the
    backward is one scatter.
    """
    k, s, p, d = _pool_args(kernel_size, stride, padding, dilation, "max_pool2d")
    h, w, oh, ow, eh, ew = _pool_extent(input, k, s, p, d, ceil_mode, "max_pool2d")
    index = _max_pool_taps((input,), k, s, p, d, (h, w, oh, ow, eh, ew))._data
    # a 1-D index: the backward's np.add.at is several times faster with one than with 4-D
    out = _apply(_POOL_GATHER, (input,), index, tuple(input.shape[:-2]) + (oh, ow),
                 tuple(input.shape))
    if return_indices:     # PyTorch's indices: flat positions within each (H, W) plane
        # (a new array: the gather above keeps `index` for its backward)
        planes = input._data.size // (h * w)
        plane = index.reshape(planes, -1) - (np.arange(planes) * (h * w))[:, None]
        return out, ag.tensor(plane.reshape(out.shape).astype(np.int64))
    return out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over kh x kw windows, PyTorch's ``F.avg_pool2d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, H, W) or (C, H, W), floating point
    kernel_size : int or tuple of 2 ints
    stride : int or tuple of 2 ints, optional
        Default None (or ``()``): `kernel_size`.
    padding : int or tuple of 2 ints, optional
        Implicit zero padding on both sides; at most half the kernel. Default 0.
    ceil_mode : bool, optional
        Round the output size up. Default False.
    count_include_pad : bool, optional
        Count the zero padding in the divisor. Default True.
    divisor_override : int, optional
        If given (and nonzero), divide every window sum by it instead of the window size.
        Default None.

    Returns
    -------
    Tensor of shape (N, C, OH, OW) or (C, OH, OW)
        ``OH = (H + 2 ph - kh) // sh + 1`` (rounded up with `ceil_mode`), and likewise OW.

    Raises
    ------
    ValueError
        For a wrong input rank, an argument that is not an int or a pair, a non-positive
        kernel or stride, padding above half the kernel, a kernel larger than the padded
        input, or a zero ``divisor_override``.

    Notes
    -----
    Zero padding counts in the divisor unless ``count_include_pad=False``; the extra border
    that `ceil_mode` adds never counts (PyTorch's convention).
    """
    k, s, p, _ = _pool_args(kernel_size, stride, padding, 1, "avg_pool2d")
    cols, (h, w, eh, ew) = _windows(input, k, s, p, (1, 1), ceil_mode, 0.0, "avg_pool2d")
    oh, ow = cols.shape[-2:]
    total = cols.sum(dim=2)
    if divisor_override is not None and divisor_override == 0:
        raise ValueError("avg_pool2d: divisor_override must not be zero")
    if divisor_override:
        out = total / float(divisor_override)
    else:
        # the divisor of each window: how many of its cells are counted
        mask = np.zeros((1, h + 2 * p[0] + eh, w + 2 * p[1] + ew), dtype=cols.dtype)
        if count_include_pad:
            mask[:, :h + 2 * p[0], :w + 2 * p[1]] = 1
        else:
            mask[:, p[0]:p[0] + h, p[1]:p[1] + w] = 1
        taps, _ = _tap_columns(mask, k, s, (0, 0), (1, 1), (0, 0), 0)
        out = total / _const(taps.sum(axis=0).reshape(1, 1, oh, ow), total)
    return out.squeeze(0) if input.ndim == 3 else out


def flatten(input, start_dim=1, end_dim=-1):
    """Merge the dims from `start_dim` to `end_dim` (inclusive) into one.

    Parameters
    ----------
    input : Tensor
        Any shape and dtype.
    start_dim : int, optional
        First dim to merge; negative values count from the end. Default 1, which keeps the
        batch dim (as ``nn.Flatten``).
    end_dim : int, optional
        Last dim to merge; negative values count from the end. Default -1.

    Returns
    -------
    Tensor
        Same data and dtype; shape ``input.shape[:start_dim] + (prod of the merged sizes,) +
        input.shape[end_dim + 1:]``. A view when possible.

    Notes
    -----
    PyTorch has ``torch.flatten`` (default ``start_dim=0``) but no ``torch.nn.functional.flatten``;
    this function has ``nn.Flatten``'s default instead.
    """
    return ag.flatten(input, start_dim, end_dim)


def one_hot(tensor, num_classes=-1):
    """One-hot encode integer class values.

    Parameters
    ----------
    tensor : Tensor or array_like of shape (...), integer dtype
        Class values in ``[0, num_classes)``.
    num_classes : int, optional
        Length of the new last dim. Default -1: ``tensor.max() + 1`` (0 for an empty input).

    Returns
    -------
    Tensor of shape (..., num_classes), int64
        1 at each value's position, 0 elsewhere.

    Raises
    ------
    TypeError
        If `tensor` does not hold integers.
    ValueError
        If a value is negative or not below `num_classes`.
    """
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer tensor, got dtype {idx.dtype}")
    if num_classes < 0:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise ValueError(f"one_hot: class values must lie in [0, {num_classes}), got min "
                         f"{idx.min()} and max {idx.max()}")
    return ag.tensor((idx[..., None] == np.arange(num_classes)).astype(np.int64))


# ----- dropout ---------------------------------------------------------------------------


def _check_p(p, fn):
    if not isinstance(p, (int, float, np.floating)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{fn}: dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability `p`, scale the survivors.

    The survivors are multiplied by ``1 / (1 - p)`` so that the expected value is unchanged
    and nothing needs to change at test time.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    p : float, optional
        The probability of DROPPING an element, as in PyTorch (some textbooks' p is the KEEP
        probability, ``1 - p`` here). Must lie in [0, 1]. Default 0.5.
    training : bool, optional
        If False, `input` is returned unchanged. Default True.
    inplace : bool, optional
        Accepted for PyTorch compatibility and ignored: the result is always a new tensor.
        Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`. `input` itself when not training or ``p == 0``;
        zeros when ``p == 1``.

    Raises
    ------
    ValueError
        If `p` is not a number in [0, 1].

    Notes
    -----
    The mask is drawn from the global generator (``gg.manual_seed`` makes it reproducible),
    and a captured training step replayed with ``gg.compile`` draws a fresh mask each time.
    PyTorch's ``inplace=True`` overwrites `input`; here it is ignored.
    """
    _check_p(p, "dropout")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    return input * _dropout_mask((input,), 1.0 - p)


def _dropout_mask_forward(x, keep):
    return (ag.get_rng().random(x.shape) < keep).astype(x.dtype) / x.dtype.type(keep)


# drawn by a (non-differentiable) primitive so that a replayed step draws a fresh mask
_dropout_mask = data_op("dropout_mask", _dropout_mask_forward,
                        "1/keep where a uniform draw < keep, else 0 (no gradient)")


# ----- normalization ---------------------------------------------------------------------


def _update_running(running, batch_value, momentum):
    with no_grad():
        if isinstance(batch_value, Tensor):     # computed in the engine (a replay redoes it)
            batch_value = batch_value.to(running.dtype)
        else:
            batch_value = _const(batch_value, running)
        running.mul_(1.0 - momentum).add_(batch_value * momentum)


def _affine(normalized, weight, bias, shape=None):
    """The learned scale and shift every norm layer ends with; weight/bias (either may be
    None) are reshaped to `shape` to broadcast against the normalized input."""
    if weight is not None:
        normalized = normalized * (weight if shape is None else weight.reshape(shape))
    if bias is not None:
        normalized = normalized + (bias if shape is None else bias.reshape(shape))
    return normalized


@composite("batch_norm")
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization: normalize over every dim but the channels (dim 1).

    Training uses the batch mean and biased variance and, when running buffers are given,
    updates them in place: ``running = (1 - momentum) * running + momentum * batch``, with the
    unbiased batch variance for `running_var`. Evaluation uses the running statistics. The
    result is then scaled by `weight` and shifted by `bias` per channel.

    Parameters
    ----------
    input : Tensor of shape (N, C) or (N, C, ...), floating point
    running_mean : Tensor of shape (C,) or None
        Running mean, updated in place when training; required when not training.
    running_var : Tensor of shape (C,) or None
        Running (unbiased) variance, updated in place when training; required when not
        training.
    weight : Tensor of shape (C,), optional
        Per-channel scale. Default None (no scale).
    bias : Tensor of shape (C,), optional
        Per-channel shift. Default None (no shift).
    training : bool, optional
        Use batch statistics (True) or the running ones (False). Default False.
    momentum : float, optional
        Weight of the new batch statistic in the running update. Default 0.1.
    eps : float, optional
        Added to the variance before the square root. Default 1e-5.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If `input` has fewer than 2 dims; if training with only one value per channel
        (``N * prod(*) == 1``); if not training and a running buffer is None.

    Notes
    -----
    As in PyTorch, an empty batch in training gives an empty output, zero gradients for
    `weight` and `bias`, and leaves the running statistics untouched.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input with at least 2 dims (N, C, ...), got "
                         f"shape {tuple(input.shape)}")
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if training and input.numel() == 0:
        # an empty batch (as PyTorch): an empty output, zero gradients for weight and bias,
        # the running statistics untouched
        return _affine(input * 1.0, weight, bias, shape)
    if training:
        n = input.numel() // input.shape[1]
        if n <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input size {tuple(input.shape)}")
        mean = input.mean(dim=dims, keepdim=True)
        var = input.var(dim=dims, keepdim=True, correction=0)
        if running_mean is not None:
            _update_running(running_mean, mean.detach().reshape(-1), momentum)
        if running_var is not None:
            with no_grad():
                unbiased = var.detach().reshape(-1) * (n / (n - 1))
            _update_running(running_var, unbiased, momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation needs running_mean and running_var")
        mean = running_mean.reshape(shape)
        var = running_var.reshape(shape)
    return _affine((input - mean) / ag.sqrt(var + eps), weight, bias, shape)


# the batch average of per-instance statistics (times a correction), by a primitive, so that
# a captured step updates the running buffers from each call's statistics
_instance_mean = data_op("instance_statistic_mean", lambda s, factor: (
    (s * factor) if factor != 1.0 else s).mean(axis=0).reshape(-1),
    "the batch mean of per-instance statistics times a correction (no gradient)")


@composite("instance_norm")
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance normalization: normalize each (sample, channel) over its spatial dims.

    With running buffers and ``use_input_stats=True``, the buffers move towards the batch
    average of the per-instance mean and unbiased variance; ``use_input_stats=False`` uses
    the buffers instead of the input's statistics.

    Parameters
    ----------
    input : Tensor of shape (N, C, ...), floating point
        At least one spatial dim.
    running_mean : Tensor of shape (C,), optional
        Updated in place when `use_input_stats`; used when not. Default None.
    running_var : Tensor of shape (C,), optional
        Updated in place when `use_input_stats`; used when not. Default None.
    weight : Tensor of shape (C,), optional
        Per-channel scale. Default None.
    bias : Tensor of shape (C,), optional
        Per-channel shift. Default None.
    use_input_stats : bool, optional
        Normalize with each instance's own mean and biased variance. Default True.
    momentum : float, optional
        Weight of the new statistic in the running update. Default 0.1.
    eps : float, optional
        Added to the variance before the square root. Default 1e-5.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If `input` has fewer than 3 dims.
    """
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected (N, C, ...) with spatial dims, got shape "
                         f"{tuple(input.shape)}")
    dims = tuple(range(2, input.ndim))
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    if use_input_stats:
        n = int(np.prod(input.shape[2:]))
        mean = input.mean(dim=dims, keepdim=True)
        var = input.var(dim=dims, keepdim=True, correction=0)
        if running_mean is not None:
            _update_running(running_mean, _instance_mean((mean,), 1.0), momentum)
        if running_var is not None:
            _update_running(running_var, _instance_mean((var,), n / max(n - 1, 1)), momentum)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    return _affine((input - mean) / ag.sqrt(var + eps), weight, bias, shape)


@composite("layer_norm")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the last ``len(normalized_shape)`` dims.

    Each slice is normalized with its mean and biased variance, then scaled by `weight` and
    shifted by `bias`.

    Parameters
    ----------
    input : Tensor, floating point
        Its trailing dims must equal `normalized_shape`.
    normalized_shape : int or tuple of int
        The trailing shape to normalize over.
    weight : Tensor of shape normalized_shape, optional
        Elementwise scale. Default None.
    bias : Tensor of shape normalized_shape, optional
        Elementwise shift. Default None.
    eps : float, optional
        Added to the variance before the square root. Default 1e-5.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If the trailing dims of `input` are not `normalized_shape`.
    """
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) \
        else tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape:
        raise ValueError(f"layer_norm: expected input (..., {', '.join(map(str, normalized_shape))})"
                         f", got {tuple(input.shape)}")
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dim=dims, keepdim=True)
    var = input.var(dim=dims, keepdim=True, correction=0)
    return _affine((input - mean) / ag.sqrt(var + eps), weight, bias)


@composite("group_norm")
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization: normalize groups of channels per sample.

    The C channels are split into `num_groups` consecutive groups; each (sample, group) is
    normalized over its channels and spatial positions (biased variance), then a per-channel
    scale and shift are applied.

    Parameters
    ----------
    input : Tensor of shape (N, C, ...), floating point
    num_groups : int
        Number of groups; must divide C.
    weight : Tensor of shape (C,), optional
        Per-channel scale. Default None.
    bias : Tensor of shape (C,), optional
        Per-channel shift. Default None.
    eps : float, optional
        Added to the variance before the square root. Default 1e-5.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If C is not divisible by `num_groups`.
    """
    n, c = input.shape[:2]
    if c % num_groups:
        raise ValueError(f"group_norm: {c} channels are not divisible into {num_groups} groups")
    # the group size spelled out: -1 cannot be inferred for an empty batch
    x = input.reshape(n, num_groups, (c // num_groups) * math.prod(input.shape[2:]))
    mean = x.mean(dim=2, keepdim=True)
    var = x.var(dim=2, keepdim=True, correction=0)
    return _affine(((x - mean) / ag.sqrt(var + eps)).reshape(input.shape), weight, bias,
                   (1, c) + (1,) * (input.ndim - 2))


# ----- activations -----------------------------------------------------------------------


def relu(input):
    """Rectified linear unit, ``max(x, 0)``, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating dtype.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    The gradient at exactly 0 is 0, as in PyTorch. PyTorch's ``inplace`` argument is not
    accepted (use ``Tensor.relu_``).
    """
    return ag.relu(input)


def leaky_relu(input, negative_slope=0.01):
    """Leaky ReLU: ``x`` for ``x > 0``, ``negative_slope * x`` otherwise, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    negative_slope : float, optional
        Slope for the non-positive inputs. Default 0.01.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    The gradient at exactly 0 is `negative_slope`, as in PyTorch. PyTorch's ``inplace``
    argument is not accepted.
    """
    return ag.where(_masks.greater((input,), 0), input, input * negative_slope)


def prelu(input, weight):
    """Parametric ReLU: :func:`leaky_relu` with a learned slope per channel, or one shared slope.

    Parameters
    ----------
    input : Tensor of shape (N, C, ...) (or any shape with a single slope), floating point
    weight : Tensor of shape (C,) or (1,)
        The slopes for the non-positive inputs; one per channel (dim 1) or one shared.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If `weight` has more than one element and `input` has no dim 1 of that size.
    """
    w = weight
    if weight.numel() > 1:
        if input.ndim < 2 or input.shape[1] != weight.numel():
            raise ValueError(f"prelu: {weight.numel()} slopes need an input (N, "
                             f"{weight.numel()}, ...), got {tuple(input.shape)}")
        w = weight.reshape((1, weight.numel()) + (1,) * (input.ndim - 2))
    return ag.where(_masks.greater((input,), 0), input, input * w)


@composite("elu")
def elu(input, alpha=1.0):
    """Exponential linear unit: ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    alpha : float, optional
        Scale of the negative branch. Default 1.0.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    A NaN input takes the identity branch and its gradient passes through, as in PyTorch's
    backward; the exponential branch only sees the inputs <= 0, so large inputs do not
    overflow. PyTorch's ``inplace`` argument is not accepted.
    """
    # NaN takes the identity branch, its gradient passing as in PyTorch's elu_backward; the
    # exp branch sees only the inputs <= 0 (no overflow, no 0 * NaN in its gradient)
    positive = _masks.not_at_most((input,), 0)
    negative = ag.expm1(ag.where(positive, 0.0, input))
    return ag.where(positive, input, negative * alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@composite("selu")
def selu(input):
    """Scaled exponential linear unit: ``scale * elu(x, alpha)``.

    Uses the self-normalizing constants of Klambauer et al. (2017),
    ``alpha = 1.6732632423543772...`` and ``scale = 1.0507009873554804...``.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    PyTorch's ``inplace`` argument is not accepted.
    """
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


@composite("gelu")
def gelu(input, approximate="none"):
    """Gaussian error linear unit, ``x * Phi(x)`` (Phi is the standard normal CDF).

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    approximate : {'none', 'tanh'}, optional
        ``'none'``: exact, with erf. ``'tanh'``: ``0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715
        x^3)))``. Default ``'none'``.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If `approximate` is neither ``'none'`` nor ``'tanh'``.
    """
    if approximate == "none":
        return input * 0.5 * (1.0 + ag.erf(input * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2.0 / math.pi)
        return input * 0.5 * (1.0 + ag.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


@composite("silu")
def silu(input):
    """Sigmoid linear unit (also called swish): ``x * sigmoid(x)``, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    PyTorch's ``inplace`` argument is not accepted.
    """
    return input * ag.sigmoid(input)


def sigmoid(input):
    """Logistic sigmoid, ``1 / (1 + exp(-x))``, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating dtype.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`, values in (0, 1).
    """
    return ag.sigmoid(input)


def tanh(input):
    """Hyperbolic tangent, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating dtype.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`, values in (-1, 1).
    """
    return ag.tanh(input)


def _softplus(z):
    """log(1 + exp(z)), finite with finite gradients for any z: each branch of the `where`
    sees only the inputs it is used for (z + log1p(exp(-z)) for z > 0, log1p(exp(z)) else)."""
    pos = _masks.greater((z,), 0)
    zp = ag.where(pos, z, 0.0)
    zn = ag.where(pos, 0.0, z)
    return ag.where(pos, zp + ag.log1p(ag.exp(-zp)), ag.log1p(ag.exp(zn)))


@composite("softplus")
def softplus(input, beta=1.0, threshold=20.0):
    """Softplus: ``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x > threshold``.

    Computed stably: finite, with finite gradients, for any finite input (as PyTorch).

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    beta : float, optional
        Sharpness. Default 1.0.
    threshold : float, optional
        Above ``beta * x > threshold`` the function is the identity. Default 20.0.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`, positive.
    """
    z = input * beta if beta != 1 else input
    soft = _softplus(z)
    if beta != 1:
        soft = soft / beta
    return ag.where(_masks.greater((z,), threshold), input, soft)


def _softmax_dim(ndim):
    return 0 if ndim in (0, 1, 3) else 1


@composite("softmax")
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along `dim`: ``exp(x) / exp(x).sum(dim, keepdim=True)``, computed stably.

    Parameters
    ----------
    input : Tensor
        Any shape, floating dtype.
    dim : int, optional
        The dimension whose entries sum to one. If omitted, PyTorch's legacy choice: 0 for
        0-, 1- and 3-dimensional inputs, 1 otherwise (pass it explicitly).
    _stacklevel : int, optional
        Accepted for PyTorch compatibility (it sets the level of PyTorch's warning about an
        omitted `dim`); ignored. Default 3.
    dtype : glassgrad dtype, optional
        Cast `input` to this dtype first.

    Returns
    -------
    Tensor
        Same shape as `input`.
    """
    return ag.softmax(input, _softmax_dim(input.ndim) if dim is None else dim, dtype=dtype)


@composite("log_softmax")
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Logarithm of the softmax along `dim`, computed stably (``x - logsumexp(x, dim)``).

    Parameters
    ----------
    input : Tensor
        Any shape, floating dtype.
    dim : int, optional
        The dimension to normalize over; if omitted, the same legacy choice as ``softmax``.
    _stacklevel : int, optional
        Accepted for PyTorch compatibility; ignored. Default 3.
    dtype : glassgrad dtype, optional
        Cast `input` to this dtype first.

    Returns
    -------
    Tensor
        Same shape as `input`.
    """
    return ag.log_softmax(input, _softmax_dim(input.ndim) if dim is None else dim, dtype=dtype)


# ----- losses ------------------------------------------------------------------------------


@composite("mse_loss")
def mse_loss(input, target, reduction="mean"):
    """Mean squared error: ``(input - target)^2`` elementwise, then reduced.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    target : Tensor
        Same shape as `input`.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the elementwise losses; ``'sum'``: their sum; ``'none'``: no
        reduction. Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d (same dtype as `input`) for ``'mean'`` and ``'sum'``; the shape of `input` for
        ``'none'``.

    Raises
    ------
    ValueError
        If `target`'s shape differs from `input`'s, or `reduction` is unknown.

    Notes
    -----
    PyTorch broadcasts `input` and `target` (with a warning); glassgrad requires equal
    shapes. PyTorch's deprecated ``size_average`` and ``reduce`` arguments and its
    per-element ``weight`` argument are not accepted.
    """
    _same_shape(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


@composite("l1_loss")
def l1_loss(input, target, reduction="mean"):
    """Mean absolute error: ``abs(input - target)`` elementwise, then reduced.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    target : Tensor
        Same shape as `input`.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the elementwise losses; ``'sum'``: their sum; ``'none'``: no
        reduction. Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d (same dtype as `input`) for ``'mean'`` and ``'sum'``; the shape of `input` for
        ``'none'``.

    Raises
    ------
    ValueError
        If `target`'s shape differs from `input`'s, or `reduction` is unknown.

    Notes
    -----
    PyTorch broadcasts `input` and `target` (with a warning); glassgrad requires equal
    shapes. PyTorch's deprecated ``size_average`` and ``reduce`` arguments and its
    per-element ``weight`` argument are not accepted.
    """
    _same_shape(input, target, "l1_loss")
    return _reduce(ag.abs(input - target), reduction, "l1_loss")


@composite("huber_loss")
def huber_loss(input, target, reduction="mean", delta=1.0):
    """Huber loss: quadratic for small errors, linear for large ones.

    With ``d = input - target``: ``0.5 d^2`` where ``abs(d) <= delta``, ``delta (abs(d) - 0.5
    delta)`` elsewhere; then reduced.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    target : Tensor
        Same shape as `input`.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the elementwise losses; ``'sum'``: their sum; ``'none'``: no
        reduction. Default ``'mean'``.
    delta : float, optional
        Where the loss turns from quadratic to linear; must be positive. Default 1.0.

    Returns
    -------
    Tensor
        0-d (same dtype as `input`) for ``'mean'`` and ``'sum'``; the shape of `input` for
        ``'none'``.

    Raises
    ------
    ValueError
        If the shapes differ, `delta` is not positive, or `reduction` is unknown.

    Notes
    -----
    Each branch only sees the errors it is used for, so an infinite error in the linear
    branch gives no NaN through the quadratic one; a NaN error goes to the quadratic branch,
    as in PyTorch's backward. PyTorch's per-element ``weight`` argument is not accepted.
    """
    _same_shape(input, target, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = input - target
    quad, lin = _split_at(d, delta)
    loss = ag.where(_masks.abs_greater((d,), delta), (ag.abs(lin) - 0.5 * delta) * delta,
                    quad * quad * 0.5)
    return _reduce(loss, reduction, "huber_loss")


def _split_at(d, edge):
    """(d where abs(d) <= edge else 0, d where abs(d) > edge else 0): each branch of a
    piecewise loss sees only its own inputs, so an infinite d in the linear branch cannot make NaN
    through the quadratic one (0 * inf). NaN goes to the quadratic branch, as in PyTorch's
    backward (x < -edge, x > edge, else)."""
    outer = _masks.abs_greater((d,), edge)
    return ag.where(outer, 0.0, d), ag.where(outer, d, 0.0)


@composite("smooth_l1_loss")
def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """Smooth L1 loss: ``huber_loss / beta``.

    With ``d = input - target``: ``0.5 d^2 / beta`` where ``abs(d) <= beta``, ``abs(d) - 0.5
    beta`` elsewhere; then reduced. ``beta = 0`` is the L1 loss.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    target : Tensor
        Same shape as `input`.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the elementwise losses; ``'sum'``: their sum; ``'none'``: no
        reduction. Default ``'mean'``.
    beta : float, optional
        Where the loss turns from quadratic to linear; must be non-negative. Default 1.0.

    Returns
    -------
    Tensor
        0-d (same dtype as `input`) for ``'mean'`` and ``'sum'``; the shape of `input` for
        ``'none'``.

    Raises
    ------
    ValueError
        If the shapes differ, `beta` is negative, or `reduction` is unknown.

    Notes
    -----
    NaN and infinite errors are handled as in :func:`huber_loss`. PyTorch's deprecated
    ``size_average`` and ``reduce`` arguments are not accepted.
    """
    _same_shape(input, target, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = input - target
    if beta == 0:
        return _reduce(ag.abs(d), reduction, "smooth_l1_loss")
    quad, lin = _split_at(d, beta)
    loss = ag.where(_masks.abs_greater((d,), beta), ag.abs(lin) - 0.5 * beta,
                    quad * quad * (0.5 / beta))
    return _reduce(loss, reduction, "smooth_l1_loss")


def _check_targets(target, n_classes, ignore_index, fn):
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{fn}: class-index targets must be integers, got dtype {t.dtype}")
    if not t.size or (t.min() >= 0 and t.max() < n_classes):
        return t
    valid = t[t != ignore_index]
    if valid.size and (valid.min() < 0 or valid.max() >= n_classes):
        bad = valid.min() if valid.min() < 0 else valid.max()
        raise IndexError(f"{fn}: target {bad} is out of bounds for {n_classes} classes "
                         f"(valid class indices are 0 .. {n_classes - 1})")
    return t


def _check_class_weight(weight, n_classes, fn):
    if weight is not None and tuple(np.shape(weight._data if isinstance(weight, Tensor)
                                            else weight)) != (n_classes,):
        got = tuple(np.shape(weight._data if isinstance(weight, Tensor) else weight))
        raise ValueError(f"{fn}: weight must hold one entry per class, shape ({n_classes},), "
                         f"got shape {got}")


def _class_layout(input, fn):
    """Class dim and expected target shape for (C,), (N, C) or (N, C, d1, ...) inputs."""
    if input.ndim == 0:
        raise ValueError(f"{fn}: input needs a class dim: (C,), (N, C) or (N, C, d1, ...) "
                         f"logits, got a 0-d tensor")
    if input.ndim == 1:
        return 0, ()
    return 1, (input.shape[0],) + tuple(input.shape[2:])


@composite("nll_loss")
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood loss of log-probabilities at class indices.

    The loss of one target is ``-weight[t] * input[..., t, ...]`` (class dim 1); entries
    equal to `ignore_index` contribute nothing.

    Parameters
    ----------
    input : Tensor of shape (C,), (N, C) or (N, C, d1, ...), floating point
        Log-probabilities (e.g. the output of :func:`log_softmax`).
    target : Tensor of shape (), (N,) or (N, d1, ...), integer dtype
        Class indices in ``[0, C)`` or `ignore_index`.
    weight : Tensor of shape (C,), optional
        A weight per class. Default None (all 1).
    ignore_index : int, optional
        Target value that is skipped (no loss, no gradient, not counted in the mean).
        Default -100.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'`` divides the sum by the summed weights of the non-ignored targets (PyTorch's
        weighted mean; NaN when every target is ignored); ``'sum'``; ``'none'`` gives one loss
        per target. Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d for ``'mean'`` and ``'sum'``; the shape of `target` for ``'none'``. Same dtype
        as `input`.

    Raises
    ------
    ValueError
        If `input` is 0-d, `target`'s shape does not match, `reduction` is unknown, or
        `weight` is not of shape (C,).
    TypeError
        If `target` is not an integer tensor.
    IndexError
        If a (non-ignored) target is outside ``[0, C)``.

    Notes
    -----
    PyTorch's deprecated ``size_average`` and ``reduce`` arguments are not accepted.
    """
    cdim, expected = _class_layout(input, "nll_loss")
    if tuple(target.shape) != expected:
        raise ValueError(f"nll_loss: expected target shape {expected} for input "
                         f"{tuple(input.shape)}, got {tuple(target.shape)}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"nll_loss: reduction must be 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    n_classes = input.shape[cdim]
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"nll_loss: class-index targets must be integers, got dtype {t.dtype}; "
                        f"use target.long()")
    t = t.reshape(-1)
    rows = input                    # (rows, C): one row per target
    if input.ndim == 1:
        rows = input.reshape(1, n_classes)
    elif input.ndim > 2:
        rows = input.permute(0, *range(2, input.ndim), 1).reshape(-1, n_classes)
    keep = t != ignore_index
    kept_all = bool(keep.all())
    general = not kept_all or weight is not None
    if isinstance(target, Tensor) and not general:
        # the shortcut for 'no target ignored' holds in a captured step only if a replay can
        # check it on each call's targets (an argument); else take the general path
        general = not guard_value(target._data, lambda a: bool((a != ignore_index).all()),
                                  kept_all, "nll_loss's ignore_index check")
    if general and not isinstance(target, Tensor):
        uncapturable("nll_loss with ignored targets or class weights given as an array, not "
                     "a tensor")
    index = t if kept_all else np.where(keep, t, 0)
    try:    # a class index out of range raises here (the ignored ones are 0 by now)
        if weight is None:
            w = None if kept_all else keep.astype(input.dtype)
            total = float(t.size if kept_all else np.count_nonzero(keep))
        else:
            w = np.asarray(weight._data if isinstance(weight, Tensor) else weight,
                           dtype=input.dtype)
            if w.shape != (n_classes,):
                raise ValueError(f"nll_loss: weight must have shape ({n_classes},), one entry "
                                 f"per class, got {w.shape}")
            w = w[index]
            if not kept_all:
                w *= keep
            total = float(w.sum())
        if general and isinstance(target, Tensor):
            # the same values from a primitive that reads the targets (a captured step
            # then computes the weights from each call's targets); `index` checked the range
            if index.size and (index.min() < 0 or index.max() >= n_classes):
                raise IndexError(f"nll_loss: target out of range for {n_classes} classes")
            loss = _apply(_NLL_TARGETS, (rows,), target._data,
                            None if weight is None else (weight._data if isinstance(
                                weight, Tensor) else np.asarray(weight)),
                            ignore_index, reduction == "none", reduction == "mean", n_classes)
        else:
            loss = _nll_rows(rows, index, w, total if reduction == "mean" else 1.0,
                             reduction == "none")
    except IndexError:
        _check_targets(target, n_classes, ignore_index, "nll_loss")   # names the bad target
        raise
    return loss.reshape(expected) if reduction == "none" else loss


def _smoothing_denominator_forward(t, ignore_index, weight, dtype):
    keep = t != ignore_index
    if weight is None:
        return np.asarray(keep.sum(), dtype=dtype)
    return np.asarray(weight[np.where(keep, t, 0)][keep].sum(), dtype=dtype)


# label smoothing's mask of kept targets and its 'mean' denominator, from the targets by
# (non-differentiable) primitives, so that a captured step computes them for each call
_smoothing_keep = data_op("kept_targets", lambda t, ignore_index, dtype: np.asarray(
    t != ignore_index, dtype=dtype), "1 where the target is not ignore_index, else 0")
_smoothing_denominator = data_op("smoothing_denominator", _smoothing_denominator_forward,
                                 "the number (or summed class weight) of the kept targets")


@composite("cross_entropy")
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross-entropy of logits: :func:`log_softmax` over the class dim, then :func:`nll_loss`.

    Stable for any finite logits. `target` holds either class indices or class
    probabilities.

    Parameters
    ----------
    input : Tensor of shape (C,), (N, C) or (N, C, d1, ...), floating point
        Unnormalized logits; the class dim is 1 (0 for a 1-d input).
    target : Tensor
        Class indices: shape (), (N,) or (N, d1, ...), integer dtype, values in ``[0, C)``
        or `ignore_index`. Or class probabilities: the shape of `input`, floating point.
    weight : Tensor of shape (C,), optional
        A weight per class. Default None.
    ignore_index : int, optional
        Class-index target value that contributes nothing. Default -100.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: for class indices, divided by the summed weights of the non-ignored
        targets; for probabilities, divided by the number of samples (N * d1 * ...).
        ``'sum'``; ``'none'``: one loss per sample, shape (N, d1, ...). Default ``'mean'``.
    label_smoothing : float, optional
        ``eps`` in [0, 1]: the target is mixed with the uniform distribution,
        ``(1 - eps) * target + eps / C``. Default 0.0.

    Returns
    -------
    Tensor
        0-d for ``'mean'`` and ``'sum'``; shape (N, d1, ...) (or () for a 1-d input) for
        ``'none'``. Same dtype as `input`.

    Raises
    ------
    ValueError
        If `label_smoothing` is outside [0, 1], `input` is 0-d, `weight` is not of shape (C,),
        the target shape does not match, or `reduction` is unknown.
    TypeError
        If floating-point targets do not have the shape of `input` (class indices must be
        integers).
    IndexError
        If a class index is out of range.

    Notes
    -----
    PyTorch's deprecated ``size_average`` and ``reduce`` arguments are not accepted.
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got "
                         f"{label_smoothing}")
    cdim, _ = _class_layout(input, "cross_entropy")
    n_classes = input.shape[cdim]
    _check_class_weight(weight, n_classes, "cross_entropy")
    logp = ag.log_softmax(input, cdim)
    wshape = [1] * input.ndim
    wshape[cdim] = n_classes
    wt = None if weight is None else _const(
        weight._data if isinstance(weight, Tensor) else weight, input).reshape(wshape)
    t_data = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t_data.dtype.kind == "f" and t_data.shape != tuple(input.shape):
        raise TypeError(f"cross_entropy: class-index targets must be integers, got dtype "
                        f"{t_data.dtype} with shape {t_data.shape}; use target.long(). "
                        f"(Float targets are class probabilities and need the input's shape "
                        f"{tuple(input.shape)}.)")
    if t_data.dtype.kind == "f":
        _same_shape(input, target, "cross_entropy (class probabilities)")
        probs = _as_tensor(target)
        if label_smoothing > 0:
            probs = probs * (1 - label_smoothing) + label_smoothing / n_classes
        prod = logp * probs if wt is None else logp * probs * wt
        loss = -prod.sum(dim=cdim)
        if reduction == "mean":
            return loss.sum() / float(max(input.numel() // n_classes, 1))
        return _reduce(loss, reduction, "cross_entropy")
    nll = nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    t = _check_targets(target, n_classes, ignore_index, "cross_entropy")
    target = target if isinstance(target, Tensor) else ag.tensor(t)
    smooth = -(logp if wt is None else logp * wt).sum(dim=cdim)
    smooth = smooth * _smoothing_keep((target,), ignore_index, input.dtype)
    if reduction == "mean":
        w = None if weight is None else np.asarray(
            weight._data if isinstance(weight, Tensor) else weight)
        smooth = smooth.sum() / _smoothing_denominator((target,), ignore_index, w, input.dtype)
    else:
        smooth = _reduce(smooth, reduction, "cross_entropy")
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


@composite("binary_cross_entropy")
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy of probabilities: ``-(t log p + (1 - t) log(1 - p))``.

    Each log is clamped at -100, as in PyTorch, so ``p = 0`` or ``p = 1`` gives a finite
    loss.

    Parameters
    ----------
    input : Tensor
        Probabilities in [0, 1], any shape, floating point.
    target : Tensor
        Same shape as `input`; values in [0, 1].
    weight : Tensor, optional
        Rescales each element's loss; broadcastable to `input`. Default None.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the elementwise losses; ``'sum'``: their sum; ``'none'``: no
        reduction. Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d (same dtype as `input`) for ``'mean'`` and ``'sum'``; the shape of `input` for
        ``'none'``.

    Raises
    ------
    ValueError
        If the shapes differ or `reduction` is unknown.
    RuntimeError
        If an element of `input` is outside [0, 1] or NaN (as in PyTorch).

    Notes
    -----
    PyTorch's deprecated ``size_average`` and ``reduce`` arguments are not accepted.
    """
    _same_shape(input, target, "binary_cross_entropy")
    p = input._data
    if p.size and not ((p >= 0) & (p <= 1)).all():      # NaN fails both comparisons
        bad = p[~((p >= 0) & (p <= 1))].ravel()[0]
        raise RuntimeError(f"binary_cross_entropy: all elements of input should be "
                           f"probabilities in [0, 1], got {bad} (shape {tuple(input.shape)}); "
                           f"apply sigmoid first or use binary_cross_entropy_with_logits")
    loss = _bce(input, _as_tensor(target))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy")


@composite("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Sigmoid followed by binary cross-entropy, in one stable formula.

    ``(1 - t) x + (1 + (pos_weight - 1) t) softplus(-x)``, finite for any finite logits.

    Parameters
    ----------
    input : Tensor
        Logits, any shape, floating point.
    target : Tensor
        Same shape as `input`; values in [0, 1].
    weight : Tensor, optional
        Rescales each element's loss; broadcastable to `input`. Default None.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the elementwise losses; ``'sum'``: their sum; ``'none'``: no
        reduction. Default ``'mean'``.
    pos_weight : Tensor, optional
        Weight of the positive term, broadcastable to `input` (typically shape (C,) for the
        last dim). Default None (1).

    Returns
    -------
    Tensor
        0-d (same dtype as `input`) for ``'mean'`` and ``'sum'``; the shape of `input` for
        ``'none'``.

    Raises
    ------
    ValueError
        If the shapes differ or `reduction` is unknown.

    Notes
    -----
    PyTorch's deprecated ``size_average`` and ``reduce`` arguments are not accepted.
    """
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    target = _as_tensor(target)
    sp = _softplus(-input)
    if pos_weight is not None:
        sp = sp * ((pos_weight - 1.0) * target + 1.0)
    loss = (1.0 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """Multiclass hinge loss.

    For each sample with target ``y``: the sum over classes ``i != y`` of
    ``max(0, margin - x[y] + x[i])^p`` (times ``weight[y]``), divided by C as PyTorch does.
    ``p=1`` is the multiclass SVM loss of Weston and Watkins (usually written without the
    division by C); ``p=2`` the squared hinge.

    Parameters
    ----------
    input : Tensor of shape (N, C) or (C,), floating point
        Class scores.
    target : Tensor of shape (N,) or (), integer dtype
        Class indices in ``[0, C)``.
    p : {1, 2}, optional
        Exponent of the hinge. Default 1.
    margin : float, optional
        Default 1.0.
    weight : Tensor of shape (C,), optional
        A weight per class, applied by the target's class. Default None.
    reduction : {'mean', 'sum', 'none'}, optional
        Mean or sum over the samples, or one loss per sample. Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d for ``'mean'`` and ``'sum'``; shape (N,) (or () for a 1-d input) for ``'none'``.

    Raises
    ------
    ValueError
        If `p` is not 1 or 2, `input` is not 1- or 2-d, `target` has the wrong shape, or
        `reduction` is unknown.
    TypeError
        If `target` is not an integer tensor.
    IndexError
        If a target is out of range.

    Notes
    -----
    PyTorch's deprecated ``size_average`` and ``reduce`` arguments are not accepted.
    """
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p=1 and p=2 are supported, got {p}")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    if input.ndim not in (1, 2):
        raise ValueError(f"multi_margin_loss: expected input (N, C) or (C,), got "
                         f"{tuple(input.shape)}")
    n, c = x.shape
    t = _check_targets(target, c, None, "multi_margin_loss").reshape(-1)
    if t.shape != (n,):
        raise ValueError(f"multi_margin_loss: expected target ({n},) for input "
                         f"{tuple(input.shape)}, got {tuple(target.shape)}")
    target = target if isinstance(target, Tensor) else ag.tensor(t)
    xy = ag.gather(x, 1, _masks.target_column((target,)))
    h = ag.relu(x - xy + margin)
    if p == 2:
        h = h * h
    others = _masks.not_target((target,), c)
    if weight is not None:
        w = np.asarray(weight._data if isinstance(weight, Tensor) else weight, dtype=x.dtype)
        h = h * _masks.target_weight((target,), w, x.dtype)
    # where, not a multiply by the mask: the target's own term (inf - inf at an infinite
    # score) must not turn the loss into NaN
    loss = ag.where(others, h, 0.0).sum(dim=1) / float(c)
    if input.ndim == 1:
        loss = loss.reshape(())
    return _reduce(loss, reduction, "multi_margin_loss")
