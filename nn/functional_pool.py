"""Pooling for nn.functional beyond max_pool2d/avg_pool2d: the 1-D poolings, adaptive
average and max pooling, power-average (LP) pooling and max unpooling.

Adaptive average pooling is one matmul per spatial dim with an averaging matrix (output i
averages input cells floor(i in/out) .. ceil((i+1) in/out) - 1, PyTorch's windows); adaptive
max pooling finds each window's winner in numpy and gathers it, so its gradient is a
scatter into the winners; max unpooling writes the pooled values into zeros (index_put).
"""
import numpy as np

from glassgrad import autograd as ag

from . import _functional_core as F
from .functional_conv import _tuple


def _along(x, dim, matrix):
    """Apply the (n_out, n_in) matrix along `dim` of x."""
    m = ag.tensor(matrix.astype(x.dtype))
    moved = x.transpose(dim, -1)
    return ag.matmul(moved, m.transpose(0, 1)).transpose(dim, -1)


def _squeeze_1d(out):
    if isinstance(out, tuple):
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def _check_1d(input, fn):
    if input.ndim not in (2, 3):
        raise ValueError(f"{fn}: expected a (N, C, L) or (C, L) input, got shape "
                         f"{tuple(input.shape)}")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over sliding windows of a 1-D signal, PyTorch's ``F.max_pool1d``.

    Computed as :func:`max_pool2d` on a height-1 image.

    Parameters
    ----------
    input : Tensor of shape (N, C, L) or (C, L)
        Floating point or integer.
    kernel_size : int or tuple of 1 int
    stride : int or tuple of 1 int, optional
        Default None: `kernel_size`.
    padding : int or tuple of 1 int, optional
        Implicit -inf padding on both sides (it never wins); at most half the kernel.
        Default 0.
    dilation : int or tuple of 1 int, optional
        Default 1.
    ceil_mode : bool, optional
        Round the output length up (the last window may overhang). Default False.
    return_indices : bool, optional
        Also return the int64 position in L of each window's pick. Default False.

    Returns
    -------
    output : Tensor of shape (N, C, OL) or (C, OL)
        Same dtype as `input`. ``OL = (L + 2 padding - dilation (k - 1) - 1) // stride + 1``
        (rounded up with `ceil_mode`).
    indices : Tensor of the shape of `output`, int64
        Only with ``return_indices=True``.

    Raises
    ------
    ValueError
        For a wrong input rank, padding above half the kernel, a non-positive kernel, stride or
        dilation, or a kernel larger than the padded input.

    Notes
    -----
    The gradient goes to the first maximum of each window; a window holding NaN gives NaN,
    its gradient going to the last NaN (as :func:`max_pool2d`).
    """
    _check_1d(input, "max_pool1d")
    k, = _tuple(kernel_size, 1, "max_pool1d kernel_size")
    s = k if stride is None or stride == () else _tuple(stride, 1, "max_pool1d stride")[0]
    p, = _tuple(padding, 1, "max_pool1d padding")
    d, = _tuple(dilation, 1, "max_pool1d dilation")
    return _squeeze_1d(F.max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d),
                                    ceil_mode, return_indices))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over sliding windows of a 1-D signal, PyTorch's ``F.avg_pool1d``.

    Computed as :func:`avg_pool2d` on a height-1 image.

    Parameters
    ----------
    input : Tensor of shape (N, C, L) or (C, L), floating point
    kernel_size : int or tuple of 1 int
    stride : int or tuple of 1 int, optional
        Default None: `kernel_size`.
    padding : int or tuple of 1 int, optional
        Implicit zero padding on both sides; at most half the kernel. Default 0.
    ceil_mode : bool, optional
        Round the output length up. Default False.
    count_include_pad : bool, optional
        Count the zero padding in the divisor. Default True.

    Returns
    -------
    Tensor of shape (N, C, OL) or (C, OL)
        ``OL = (L + 2 padding - kernel_size) // stride + 1`` (rounded up with `ceil_mode`).

    Raises
    ------
    ValueError
        For a wrong input rank, padding above half the kernel, or a kernel larger than the
        padded input.
    """
    _check_1d(input, "avg_pool1d")
    k, = _tuple(kernel_size, 1, "avg_pool1d kernel_size")
    s = k if stride is None or stride == () else _tuple(stride, 1, "avg_pool1d stride")[0]
    p, = _tuple(padding, 1, "avg_pool1d padding")
    return F.avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode,
                        count_include_pad).squeeze(-2)


def _adaptive_sizes(input, output_size, n, fn):
    if input.ndim not in (n + 1, n + 2):
        raise ValueError(f"{fn}: expected a (N, C, {n} spatial dims) or (C, {n} spatial dims) "
                         f"input, got shape {tuple(input.shape)}")
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * n
    sizes = tuple(input.shape[input.ndim - n + i] if o is None else int(o)
                  for i, o in enumerate(output_size))
    if len(sizes) != n or min(sizes) < 1:
        raise ValueError(f"{fn}: output_size {output_size} must be {n} positive sizes (or None)")
    if min(input.shape[input.ndim - n:]) < 1:
        raise ValueError(f"{fn}: input {tuple(input.shape)} has an empty spatial dim")
    return sizes


def _bounds(n_in, n_out):
    """Start and end of PyTorch's adaptive windows along one dim."""
    i = np.arange(n_out)
    return (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)


def _adaptive_avg(input, sizes):
    """Adaptive average pooling of the last len(sizes) dims to `sizes`."""
    out = input
    n = len(sizes)
    for i, n_out in enumerate(sizes):
        dim = input.ndim - n + i
        n_in = input.shape[dim]
        if n_in == n_out:
            continue
        start, end = _bounds(n_in, n_out)
        cells = np.arange(n_in)
        m = ((cells >= start[:, None]) & (cells < end[:, None])) / (end - start)[:, None]
        out = _along(out, dim, m)
    return out


def adaptive_avg_pool1d(input, output_size):
    """Average pooling to a fixed length, PyTorch's ``F.adaptive_avg_pool1d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, L) or (C, L), floating point
    output_size : int or tuple of 1 int
        Output i averages positions ``floor(i L / out)`` to ``ceil((i + 1) L / out) - 1``,
        so windows have uneven sizes when L is not a multiple.

    Returns
    -------
    Tensor of shape (N, C, output_size) or (C, output_size)

    Raises
    ------
    ValueError
        For a wrong input rank, a non-positive output size or an empty L.
    """
    return _adaptive_avg(input, _adaptive_sizes(input, output_size, 1, "adaptive_avg_pool1d"))


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed spatial size, PyTorch's ``F.adaptive_avg_pool2d``.

    Computed as one matmul per spatial dim with an averaging matrix.

    Parameters
    ----------
    input : Tensor of shape (N, C, H, W) or (C, H, W), floating point
    output_size : int or tuple of 2 (int or None)
        (OH, OW); a None entry keeps that input size. Windows as in
        :func:`adaptive_avg_pool1d`, per dim.

    Returns
    -------
    Tensor of shape (N, C, OH, OW) or (C, OH, OW)

    Raises
    ------
    ValueError
        For a wrong input rank, a non-positive output size or an empty spatial dim.
    """
    return _adaptive_avg(input, _adaptive_sizes(input, output_size, 2, "adaptive_avg_pool2d"))


def _window_winner(window):
    """Per row of (M, K): PyTorch's adaptive-max pick, the first maximum or the last NaN."""
    pick = np.argmax(window, axis=1)
    if window.dtype.kind == "f":
        nan = np.isnan(window)
        rows = nan.any(axis=1)
        if rows.any():
            last = window.shape[1] - 1 - np.argmax(nan[:, ::-1], axis=1)
            pick = np.where(rows, last, pick)
    return pick


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max pooling to a fixed spatial size, PyTorch's ``F.adaptive_max_pool2d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, H, W) or (C, H, W)
    output_size : int or tuple of 2 (int or None)
        (OH, OW); a None entry keeps that input size. Windows as in
        :func:`adaptive_avg_pool2d`.
    return_indices : bool, optional
        Also return the int64 flat position ``h * W + w`` of each pick. Default False.

    Returns
    -------
    output : Tensor of shape (N, C, OH, OW) or (C, OH, OW)
        Same dtype as `input`.
    indices : Tensor of the shape of `output`, int64
        Only with ``return_indices=True``.

    Raises
    ------
    ValueError
        For a wrong input rank, a non-positive output size or an empty spatial dim.

    Notes
    -----
    The gradient goes to each window's first maximum; a window holding NaN gives NaN (its
    last NaN is the pick, as in PyTorch).
    """
    oh, ow = _adaptive_sizes(input, output_size, 2, "adaptive_max_pool2d")
    h, w = input.shape[-2:]
    data = input._data.reshape(-1, h, w)
    hs, he = _bounds(h, oh)
    ws, we = _bounds(w, ow)
    index = np.empty((data.shape[0], oh, ow), dtype=np.int64)
    for i in range(oh):
        for j in range(ow):
            width = we[j] - ws[j]
            window = data[:, hs[i]:he[i], ws[j]:we[j]].reshape(data.shape[0],
                                                                (he[i] - hs[i]) * width)
            pick = _window_winner(window)
            index[:, i, j] = (hs[i] + pick // width) * w + ws[j] + pick % width
    flat = input.reshape(data.shape[0], h * w)
    out = ag.gather(flat, 1, index.reshape(data.shape[0], oh * ow))
    out = out.reshape(tuple(input.shape[:-2]) + (oh, ow))
    if return_indices:
        return out, ag.tensor(index.reshape(out.shape))
    return out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max pooling to a fixed length, PyTorch's ``F.adaptive_max_pool1d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, L) or (C, L)
    output_size : int or tuple of 1 int
    return_indices : bool, optional
        Also return the int64 position in L of each pick. Default False.

    Returns
    -------
    output : Tensor of shape (N, C, output_size) or (C, output_size)
    indices : Tensor of the shape of `output`, int64
        Only with ``return_indices=True``.

    Raises
    ------
    ValueError
        For a wrong input rank or output size.

    Notes
    -----
    Ties and NaN as :func:`adaptive_max_pool2d`: the first maximum wins, a window holding
    NaN picks its last NaN.
    """
    _check_1d(input, "adaptive_max_pool1d")
    size, = _tuple(output_size, 1, "adaptive_max_pool1d output_size")
    return _squeeze_1d(adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices))


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling ``(sum over each window of x^p)^(1/p)``, PyTorch's ``F.lp_pool2d``.

    Computed as PyTorch does: the window mean of ``x^p`` times the window size, then the
    p-th root (windows whose sum is <= 0 give 0).

    Parameters
    ----------
    input : Tensor of shape (N, C, H, W) or (C, H, W), floating point
    norm_type : float
        p; ``p = 1`` is sum pooling, ``p = inf`` max pooling.
    kernel_size : int or tuple of 2 ints
    stride : int or tuple of 2 ints, optional
        Default None: `kernel_size`.
    ceil_mode : bool, optional
        Round the output size up. Default False.

    Returns
    -------
    Tensor of shape (N, C, OH, OW) or (C, OH, OW)

    Raises
    ------
    ValueError
        For a wrong input rank or a kernel larger than the input.
    """
    kh, kw = F._pair(kernel_size, "lp_pool2d kernel_size")
    if norm_type == float("inf"):
        return F.max_pool2d(input, (kh, kw), stride, 0, 1, ceil_mode)
    out = F.avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (ag.sign(out) * ag.relu(ag.abs(out)) * float(kh * kw)) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling ``(sum over each window of x^p)^(1/p)`` of a 1-D signal, PyTorch's
    ``F.lp_pool1d``.

    Parameters
    ----------
    input : Tensor of shape (N, C, L) or (C, L), floating point
    norm_type : float
        p; ``p = 1`` is sum pooling, ``p = inf`` max pooling.
    kernel_size : int or tuple of 1 int
    stride : int or tuple of 1 int, optional
        Default None: `kernel_size`.
    ceil_mode : bool, optional
        Round the output length up. Default False.

    Returns
    -------
    Tensor of shape (N, C, OL) or (C, OL)

    Raises
    ------
    ValueError
        For a wrong input rank or a kernel larger than the input.

    See Also
    --------
    lp_pool2d : The computation, in 2-D.
    """
    k, = _tuple(kernel_size, 1, "lp_pool1d kernel_size")
    if norm_type == float("inf"):
        return max_pool1d(input, k, stride, 0, 1, ceil_mode)
    out = avg_pool1d(input ** norm_type, k, stride, 0, ceil_mode)
    return (ag.sign(out) * ag.relu(ag.abs(out)) * float(k)) ** (1.0 / norm_type)


def _unpool(input, indices, out_sizes, fn):
    """Place input (M, K) values at flat positions indices (M, K) of zero planes of
    prod(out_sizes) cells."""
    m, k = input.shape
    size = int(np.prod(out_sizes))
    idx = indices._data if isinstance(indices, ag.Tensor) else np.asarray(indices)
    idx = idx.reshape(m, k)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{fn}: indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        raise ValueError(f"{fn}: indices must lie in [0, {size}) for an output of spatial size "
                         f"{tuple(out_sizes)}, got min {idx.min()} and max {idx.max()}")
    # an index_put into zeros: a shared position keeps the later value, and every input
    # gets the output gradient at its position (PyTorch's backward)
    out = ag.zeros(m, size, dtype=input.dtype)
    out[np.arange(m)[:, None], idx] = input
    return out


def _unpool_sizes(input, kernel, stride, padding, output_size, n, fn):
    default = tuple((input.shape[input.ndim - n + i] - 1) * stride[i] - 2 * padding[i]
                    + kernel[i] for i in range(n))
    if output_size is None:
        return default
    sizes = tuple(int(s) for s in output_size)[-n:]
    for i, (s, dflt) in enumerate(zip(sizes, default)):
        if not dflt - stride[i] < s < dflt + stride[i]:
            raise ValueError(f"{fn}: output_size {tuple(output_size)} must lie within a stride "
                             f"of the default size {default}")
    return sizes


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of :func:`max_pool2d`, PyTorch's ``F.max_unpool2d``.

    Zeros with each pooled value at its index.

    Parameters
    ----------
    input : Tensor of shape (N, C, H, W) or (C, H, W)
        The pooled values.
    indices : Tensor of the shape of `input`, integer dtype
        The indices of ``max_pool2d(..., return_indices=True)`` (flat positions in each output
        plane).
    kernel_size : int or tuple of 2 ints
        That of the pooling.
    stride : int or tuple of 2 ints, optional
        That of the pooling. Default None: `kernel_size`.
    padding : int or tuple of 2 ints, optional
        That of the pooling. Default 0.
    output_size : sequence of int, optional
        The output's (OH, OW) (optionally with the leading dims); within a stride of the
        default. Default None: ``OH = (H - 1) stride - 2 padding + kernel``, and likewise OW.

    Returns
    -------
    Tensor of shape (N, C, OH, OW) or (C, OH, OW)
        Same dtype as `input`.

    Raises
    ------
    ValueError
        For mismatched shapes, indices outside the output or an unreachable `output_size`.
    TypeError
        For non-integer indices.

    Notes
    -----
    If two values share a position the later one wins; every value receives the output
    gradient at its position (as PyTorch's backward).
    """
    if input.ndim not in (3, 4) or tuple(indices.shape) != tuple(input.shape):
        raise ValueError(f"max_unpool2d: expected a (N, C, H, W) or (C, H, W) input and indices "
                         f"of the same shape, got {tuple(input.shape)} and "
                         f"{tuple(indices.shape)}")
    k = F._pair(kernel_size, "max_unpool2d kernel_size")
    s = k if stride is None else F._pair(stride, "max_unpool2d stride")
    p = F._pair(padding, "max_unpool2d padding")
    oh, ow = _unpool_sizes(input, k, s, p, output_size, 2, "max_unpool2d")
    lead = tuple(input.shape[:-2])
    flat = input.reshape(-1, input.shape[-2] * input.shape[-1])
    return _unpool(flat, indices, (oh, ow), "max_unpool2d").reshape(lead + (oh, ow))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of :func:`max_pool1d`, PyTorch's ``F.max_unpool1d``.

    The values are placed at `indices` (positions in the output length) in zeros.

    Parameters
    ----------
    input : Tensor of shape (N, C, L) or (C, L)
        The pooled values.
    indices : Tensor of the shape of `input`, integer dtype
        The indices of ``max_pool1d(..., return_indices=True)``.
    kernel_size : int or tuple of 1 int
        That of the pooling.
    stride : int or tuple of 1 int, optional
        That of the pooling. Default None: `kernel_size`.
    padding : int or tuple of 1 int, optional
        That of the pooling. Default 0.
    output_size : sequence of int, optional
        The output length (optionally with the leading dims); within a stride of the default.
        Default None: ``OL = (L - 1) stride - 2 padding + kernel``.

    Returns
    -------
    Tensor of shape (N, C, OL) or (C, OL)
        Same dtype as `input`.

    Raises
    ------
    ValueError
        For mismatched shapes, indices outside the output or an unreachable `output_size`.
    TypeError
        For non-integer indices.

    Notes
    -----
    If two values share a position the later one wins, as in :func:`max_unpool2d`.
    """
    if input.ndim not in (2, 3) or tuple(indices.shape) != tuple(input.shape):
        raise ValueError(f"max_unpool1d: expected a (N, C, L) or (C, L) input and indices of "
                         f"the same shape, got {tuple(input.shape)} and {tuple(indices.shape)}")
    k = _tuple(kernel_size, 1, "max_unpool1d kernel_size")
    s = k if stride is None else _tuple(stride, 1, "max_unpool1d stride")
    p = _tuple(padding, 1, "max_unpool1d padding")
    ol, = _unpool_sizes(input, k, s, p, output_size, 1, "max_unpool1d")
    lead = tuple(input.shape[:-1])
    flat = input.reshape(-1, input.shape[-1])
    return _unpool(flat, indices, (ol,), "max_unpool1d").reshape(lead + (ol,))
