"""Padding and resampling for nn.functional: pad (constant, reflect, replicate, circular;
negative widths crop), interpolate (nearest, nearest-exact, linear, bilinear, bicubic,
trilinear, area), pixel_shuffle and pixel_unshuffle.

Non-constant padding joins strided views of the edges to the input (one cat per padded
dim); nearest resampling is one integer-array index per dim (its gradient adds back into the
source positions); linear and cubic resampling is one
matmul per spatial dim with a sparse interpolation matrix, so gradients of any order come from the
engine.
"""
import math

import numpy as np

from glassgrad import autograd as ag

from .functional_pool import _adaptive_avg, _along

_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _source_index(n, before, after, mode):
    """Source position of every output position along one dim of size n."""
    i = np.arange(-before, n + after)
    if mode == "reflect":
        i = np.abs(i)
        return (n - 1) - np.abs((n - 1) - i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n                                                    # circular


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative widths, crop) the last ``len(pad) // 2`` dims, PyTorch's ``F.pad``.

    Parameters
    ----------
    input : Tensor
        Any shape and dtype.
    pad : sequence of int
        (before, after) pairs from the LAST dim backwards, e.g. (left, right, top, bottom)
        for the last two dims. Negative widths crop.
    mode : {'constant', 'reflect', 'replicate', 'circular'}, optional
        ``'constant'``: fill with `value`; ``'reflect'``: mirror without repeating the edge;
        ``'replicate'``: repeat the edge; ``'circular'``: wrap around. Default ``'constant'``.
    value : float, optional
        The fill value, for ``mode='constant'`` only. Default None (0).

    Returns
    -------
    Tensor
        Same dtype; each padded dim grown by ``before + after``.

    Raises
    ------
    ValueError
        For an odd-length `pad`, more pairs than dims, an unknown mode, a value with a
        non-constant mode, reflect widths not smaller than the dim, circular widths larger
        than the dim, replicate padding of an empty dim, or a size that would become negative.

    Notes
    -----
    Differences from PyTorch: the non-constant modes accept any number of padded dims and
    any input rank (PyTorch limits them to the trailing 1-3 dims of a batched input).
    """
    pad = tuple(int(p) for p in pad)
    nd = input.ndim
    if len(pad) % 2 or len(pad) // 2 > nd:
        raise ValueError(f"pad: {pad} must hold (before, after) pairs for at most {nd} dims "
                         f"(input {tuple(input.shape)})")
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    if mode != "constant" and value is not None and value != 0:
        raise ValueError(f"pad: padding value {value} can only be given for mode='constant'")
    pairs = [(nd - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]
    for dim, lo, hi in pairs:
        n = input.shape[dim]
        if n + lo + hi < 0:
            raise ValueError(f"pad: padding ({lo}, {hi}) of dim {dim} (size {n}) gives a "
                             f"negative size")
        if mode == "reflect" and (lo >= n or hi >= n):
            raise ValueError(f"pad: reflect padding ({lo}, {hi}) must be smaller than dim "
                             f"{dim}'s size {n} (input {tuple(input.shape)})")
        if mode == "circular" and (lo > n or hi > n):
            raise ValueError(f"pad: circular padding ({lo}, {hi}) must be at most dim {dim}'s "
                             f"size {n} (input {tuple(input.shape)})")
        if mode == "replicate" and n == 0 and (lo > 0 or hi > 0):
            raise ValueError(f"pad: cannot replicate-pad dim {dim} of size 0")
    if mode == "constant":
        fill = 0.0 if value is None else value
        grow = tuple(max(p, 0) for p in pad)
        out = ag.pad(input, grow, fill) if any(grow) else input
        if any(p < 0 for p in pad):
            index = [slice(None)] * nd
            for dim, lo, hi in pairs:
                index[dim] = slice(max(-lo, 0), out.shape[dim] - max(-hi, 0))
            out = out[tuple(index)]
        return out
    out = input
    for dim, lo, hi in pairs:
        if lo < 0 or hi < 0:        # cropping as well: one gather along the dim
            src = _source_index(out.shape[dim], lo, hi, mode)
            out = out[(slice(None),) * dim + (src,)]
        elif lo or hi:
            out = _pad_dim(out, dim, lo, hi, mode)
    return out


def _pad_dim(x, dim, lo, hi, mode):
    """x padded by lo, hi >= 0 along `dim` as [left part, x, right part]: strided views
    (reversed for reflect, broadcast edges for replicate) joined by one cat, whose gradient
    is slicing (no scatter-add)."""
    n = x.shape[dim]
    at = lambda sl: x[(slice(None),) * dim + (sl,)]
    if mode == "reflect":
        stop = n - 2 - hi           # -1 would mean "the last element" to a slice
        left, right = at(slice(lo, 0, -1)), at(slice(n - 2, stop if stop >= 0 else None, -1))
    elif mode == "circular":
        left, right = at(slice(n - lo, n)), at(slice(0, hi))
    else:                                                           # replicate
        edge = lambda sl, k: at(sl).expand(*x.shape[:dim], k, *x.shape[dim + 1:])
        left, right = edge(slice(0, 1), lo), edge(slice(n - 1, n), hi)
    parts = ([left] if lo else []) + [x] + ([right] if hi else [])
    return ag.cat(parts, dim)


# ----- interpolate ---------------------------------------------------------------------

_DIMS_OF_MODE = {"linear": 1, "bilinear": 2, "trilinear": 3, "bicubic": 2}


def _output_sizes(input, size, scale_factor, n, recompute_scale_factor):
    """Output sizes and the scales the source coordinates use (None: in/out)."""
    in_sizes = tuple(input.shape[2:])
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: exactly one of size and scale_factor must be given")
    if size is not None:
        sizes = (int(size),) * n if isinstance(size, (int, np.integer)) else \
            tuple(int(s) for s in size)
        if len(sizes) != n:
            raise ValueError(f"interpolate: size {size} must have {n} entries for input "
                             f"{tuple(input.shape)}")
        return sizes, (None,) * n
    factors = (float(scale_factor),) * n if isinstance(scale_factor, (int, float)) else \
        tuple(float(f) for f in scale_factor)
    if len(factors) != n:
        raise ValueError(f"interpolate: scale_factor {scale_factor} must have {n} entries for "
                         f"input {tuple(input.shape)}")
    sizes = tuple(int(math.floor(s * f)) for s, f in zip(in_sizes, factors))
    return sizes, (None,) * n if recompute_scale_factor else factors


def _nearest_index(n_in, n_out, scale, exact, dtype):
    """PyTorch's nearest source index, floor(dst * scale) (or floor((dst + 0.5) * scale) for
    nearest-exact), rounded as PyTorch's CPU kernel rounds it: for float64 inputs the
    product is computed in double and rounded to float before the floor; otherwise it is
    computed in float. (Matched against PyTorch over all sizes up to 30 -> 50.)"""
    offset = 0.5 if exact else 0.0
    if dtype == np.float64:
        s = n_in / n_out if scale is None else 1.0 / scale
        src = ((np.arange(n_out) + offset) * s).astype(np.float32)
    else:
        f = np.float32
        s = f(n_in) / f(n_out) if scale is None else f(1.0 / scale)
        src = (np.arange(n_out, dtype=f) + f(offset)) * s
    return np.minimum(np.floor(src).astype(np.int64), n_in - 1)


def _linear_matrix(n_in, n_out, scale, align_corners):
    """(n_out, n_in) matrix of linear interpolation weights (two per row)."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        s = n_in / n_out if scale is None else 1.0 / scale
        src = np.maximum((dst + 0.5) * s - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    lam = src - lo
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), lo), 1.0 - lam)
    np.add.at(m, (np.arange(n_out), hi), lam)
    return m


def _cubic_matrix(n_in, n_out, scale, align_corners, a=-0.75):
    """(n_out, n_in) matrix of PyTorch's bicubic weights (Keys' cubic convolution with
    a = -0.75, four taps per row, indices clamped at the borders)."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:
        s = n_in / n_out if scale is None else 1.0 / scale
        src = (dst + 0.5) * s - 0.5                     # not clamped at 0 for cubic
    base = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    t = np.clip(src - base, 0.0, 1.0)
    near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1           # |x| <= 1
    far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a      # 1 < |x| < 2
    weights = (far(t + 1.0), near(t), near(1.0 - t), far(2.0 - t))
    m = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    for k, wk in enumerate(weights):
        np.add.at(m, (rows, np.clip(base - 1 + k, 0, n_in - 1)), wk)
    return m


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, d1, ...) inputs, PyTorch's ``F.interpolate``.

    Parameters
    ----------
    input : Tensor of shape (N, C, L), (N, C, H, W) or (N, C, D, H, W), floating point
    size : int or tuple of int, optional
        The output spatial size. Exactly one of `size` and `scale_factor` must be given.
    scale_factor : float or tuple of float, optional
        Output size = ``floor(input size * scale_factor)``.
    mode : str, optional
        ``'nearest'`` (PyTorch's legacy rule, ``floor(dst * in / out)``), ``'nearest-exact'``,
        ``'linear'`` (3-D input), ``'bilinear'`` (4-D), ``'bicubic'`` (4-D; Keys' cubic with
        a = -0.75, like PyTorch, so values may overshoot the input range), ``'trilinear'``
        (5-D) or ``'area'`` (adaptive average pooling). Default ``'nearest'``.
    align_corners : bool, optional
        For the linear and cubic modes only (None means False): True maps the corner pixels'
        centres onto each other.
    recompute_scale_factor : bool, optional
        True computes the source coordinates from the sizes instead of the given
        `scale_factor`. Default None (False).
    antialias : bool, optional
        Must be False (anti-aliased downsampling is not supported). Default False.

    Returns
    -------
    Tensor of shape (N, C) + size
        Same dtype as `input`.

    Raises
    ------
    ValueError
        For an input with fewer than 3 dims, an unknown mode or one that does not fit the
        input rank, `align_corners` with a non-linear mode, neither or both of `size` and
        `scale_factor`, a size or factor of the wrong length, or an output size below 1.
    NotImplementedError
        For ``antialias=True``.
    """
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    n = input.ndim - 2
    if n < 1:
        raise ValueError(f"interpolate: expected (N, C, d1, ...) input, got shape "
                         f"{tuple(input.shape)}")
    if mode in _DIMS_OF_MODE and _DIMS_OF_MODE[mode] != n:
        raise ValueError(f"interpolate: mode {mode!r} needs a {_DIMS_OF_MODE[mode] + 2}-D "
                         f"input, got shape {tuple(input.shape)}")
    if mode not in ("nearest", "nearest-exact", "area") and mode not in _DIMS_OF_MODE:
        raise ValueError(f"interpolate: unknown mode {mode!r}")
    if align_corners is not None and mode not in _DIMS_OF_MODE:
        raise ValueError("interpolate: align_corners can only be set with the linear and cubic "
                         "modes (linear, bilinear, bicubic, trilinear)")
    sizes, scales = _output_sizes(input, size, scale_factor, n, recompute_scale_factor)
    if min(sizes) < 1:
        raise ValueError(f"interpolate: output size {sizes} must be positive")
    if mode == "area":
        return _adaptive_avg(input, sizes)
    out = input
    for i, (n_in, n_out, scale) in enumerate(zip(input.shape[2:], sizes, scales)):
        dim = 2 + i
        if mode in ("nearest", "nearest-exact"):
            idx = _nearest_index(n_in, n_out, scale, mode == "nearest-exact", input.dtype)
            k = n_out // n_in
            if n_out == k * n_in and np.array_equal(idx, np.repeat(np.arange(n_in), k)):
                if k > 1:   # each row repeated k times: a broadcast (its gradient is a sum)
                    shape = tuple(out.shape)
                    out = out.unsqueeze(dim + 1).expand(*shape[:dim + 1], k, *shape[dim + 1:])
                    out = out.reshape(shape[:dim] + (n_out,) + shape[dim + 1:])
            else:
                out = out[(slice(None),) * dim + (idx,)]
        elif mode == "bicubic":
            out = _along(out, dim, _cubic_matrix(n_in, n_out, scale, bool(align_corners)))
        else:
            out = _along(out, dim, _linear_matrix(n_in, n_out, scale, bool(align_corners)))
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """:func:`interpolate` under its old name (PyTorch's deprecated ``F.upsample``).

    Parameters
    ----------
    input : Tensor of shape (N, C, d1, ...), floating point
    size : int or tuple of int, optional
        The output spatial size (exactly one of `size` and `scale_factor`).
    scale_factor : float or tuple of float, optional
        Output size = ``floor(input size * scale_factor)``.
    mode : str, optional
        See :func:`interpolate`. Default ``'nearest'``.
    align_corners : bool, optional
        See :func:`interpolate`. Default None.

    Returns
    -------
    Tensor of shape (N, C) + size

    Raises
    ------
    ValueError
        As :func:`interpolate`.
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """``interpolate(mode='nearest')`` (PyTorch's deprecated ``F.upsample_nearest``).

    Parameters
    ----------
    input : Tensor of shape (N, C, d1, ...), floating point
    size : int or tuple of int, optional
        The output spatial size (exactly one of `size` and `scale_factor`).
    scale_factor : float or tuple of float, optional
        Output size = ``floor(input size * scale_factor)``.

    Returns
    -------
    Tensor of shape (N, C) + size

    Raises
    ------
    ValueError
        As :func:`interpolate`.
    """
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """``interpolate(mode='bilinear', align_corners=True)``, as PyTorch's ``UpsamplingBilinear2d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, H, W), floating point
    size : int or tuple of int, optional
        The output spatial size (exactly one of `size` and `scale_factor`).
    scale_factor : float or tuple of float, optional
        Output size = ``floor(input size * scale_factor)``.

    Returns
    -------
    Tensor of shape (N, C) + size

    Raises
    ------
    ValueError
        As :func:`interpolate` (e.g. for an input that is not 4-D).
    """
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)


# ----- pixel shuffle ---------------------------------------------------------------------


def pixel_shuffle(input, upscale_factor):
    """Rearrange (..., C r^2, H, W) into (..., C, H r, W r), PyTorch's ``F.pixel_shuffle``.

    Each group of ``r^2`` channels becomes an ``r x r`` block of pixels (sub-pixel
    convolution).

    Parameters
    ----------
    input : Tensor of shape (..., C * r^2, H, W)
        Any dtype.
    upscale_factor : int
        ``r``, positive.

    Returns
    -------
    Tensor of shape (..., C, H * r, W * r)

    Raises
    ------
    ValueError
        If `input` has fewer than 3 dims, r < 1, or the channels are not divisible by r^2.
    """
    r = int(upscale_factor)
    if input.ndim < 3 or r < 1 or input.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: expected (*, C*{r}^2, H, W) with a positive factor, "
                         f"got shape {tuple(input.shape)}")
    *lead, c, h, w = input.shape
    lead = tuple(lead)
    x = input.reshape(lead + (c // (r * r), r, r, h, w))
    k = len(lead)
    x = x.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.reshape(lead + (c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):
    """Rearrange (..., C, H r, W r) into (..., C r^2, H, W), the inverse of :func:`pixel_shuffle`.

    Parameters
    ----------
    input : Tensor of shape (..., C, H * r, W * r)
        Any dtype.
    downscale_factor : int
        ``r``, positive.

    Returns
    -------
    Tensor of shape (..., C * r^2, H, W)

    Raises
    ------
    ValueError
        If `input` has fewer than 3 dims, r < 1, or H or W is not divisible by r.
    """
    r = int(downscale_factor)
    if input.ndim < 3 or r < 1 or input.shape[-1] % r or input.shape[-2] % r:
        raise ValueError(f"pixel_unshuffle: expected (*, C, H*{r}, W*{r}) with a positive "
                         f"factor, got shape {tuple(input.shape)}")
    *lead, c, h, w = input.shape
    lead = tuple(lead)
    k = len(lead)
    x = input.reshape(lead + (c, h // r, r, w // r, r))
    x = x.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.reshape(lead + (c * r * r, h // r, w // r))


def channel_shuffle(input, groups):
    """Interleave the channels across groups (ShuffleNet), PyTorch's ``F.channel_shuffle``.

    Viewed as (N, groups, C / groups, ...), the two channel dims are swapped.

    Parameters
    ----------
    input : Tensor of shape (N, C, ...)
        Any dtype.
    groups : int
        Must divide C.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If `input` has fewer than 2 dims, or C is not divisible by `groups`.
    """
    g = int(groups)
    if input.ndim < 2 or g < 1 or input.shape[1] % g:
        raise ValueError(f"channel_shuffle: the {input.shape[1] if input.ndim > 1 else 0} "
                         f"channels of input {tuple(input.shape)} must be divisible by "
                         f"groups={groups}")
    n, c = input.shape[:2]
    rest = tuple(input.shape[2:])
    x = input.reshape((n, g, c // g) + rest).transpose(1, 2)
    return x.reshape((n, c) + rest)
