"""Pooling for nn.functional beyond max_pool2d/avg_pool2d: the 1-D poolings, adaptive
average and max pooling, power-average (LP) pooling and max unpooling.

Adaptive average pooling is one matmul per spatial dim with an averaging matrix (output i
averages input cells floor(i in/out) .. ceil((i+1) in/out) - 1, PyTorch's windows); adaptive
max pooling finds each window's winner in numpy and gathers it, so its gradient is a
scatter into the winners; max unpooling writes the pooled values into zeros (index_put).
"""
import numpy as np

from glassgrad import autograd as ag

from . import functional as F
from .functional_conv import _tuple
from .functional_pad import _along


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
    """Max over windows of (N, C, L) or (C, L), PyTorch's F.max_pool1d (stride defaults to
    the kernel size; padding never wins). With return_indices, also the int64 position in L
    of each window's first maximum."""
    _check_1d(input, "max_pool1d")
    k, = _tuple(kernel_size, 1, "max_pool1d kernel_size")
    s = k if stride is None or stride == () else _tuple(stride, 1, "max_pool1d stride")[0]
    p, = _tuple(padding, 1, "max_pool1d padding")
    d, = _tuple(dilation, 1, "max_pool1d dilation")
    return _squeeze_1d(F.max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d),
                                    ceil_mode, return_indices))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """Mean over windows of (N, C, L) or (C, L), PyTorch's F.avg_pool1d."""
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
    """Average pooling of (N, C, L) or (C, L) to `output_size` positions whatever L is,
    PyTorch's F.adaptive_avg_pool1d (windows of uneven size when L is not a multiple)."""
    return _adaptive_avg(input, _adaptive_sizes(input, output_size, 1, "adaptive_avg_pool1d"))


def adaptive_avg_pool2d(input, output_size):
    """Average pooling of (N, C, H, W) or (C, H, W) to output_size (int, pair, None entries
    keep the input size), PyTorch's F.adaptive_avg_pool2d."""
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
    """Max pooling of (N, C, H, W) or (C, H, W) to output_size, PyTorch's
    F.adaptive_max_pool2d. The gradient goes to each window's first maximum (a NaN window
    gives NaN). return_indices also returns the int64 flat position h * W + w of each pick."""
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
    """Max pooling of (N, C, L) or (C, L) to output_size positions, PyTorch's
    F.adaptive_max_pool1d (indices: positions in L)."""
    _check_1d(input, "adaptive_max_pool1d")
    size, = _tuple(output_size, 1, "adaptive_max_pool1d output_size")
    return _squeeze_1d(adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices))


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling (sum over the window of x^p)^(1/p), PyTorch's F.lp_pool2d
    (computed as PyTorch does: the window mean of x^p times the window size, then the p-th
    root; p = inf is max pooling)."""
    kh, kw = F._pair(kernel_size, "lp_pool2d kernel_size")
    if norm_type == float("inf"):
        return F.max_pool2d(input, (kh, kw), stride, 0, 1, ceil_mode)
    out = F.avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (ag.sign(out) * ag.relu(ag.abs(out)) * float(kh * kw)) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling over windows of (N, C, L) or (C, L), PyTorch's F.lp_pool1d."""
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
    """Partial inverse of max_pool2d, PyTorch's F.max_unpool2d: each value of input
    (N, C, H, W) (or (C, H, W)) goes to its position `indices` (max_pool2d's return_indices)
    in a zero (N, C, OH, OW) output, OH = (H - 1) stride - 2 padding + kernel unless
    output_size says otherwise. If two values share a position, the later one wins."""
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
    """Partial inverse of max_pool1d, PyTorch's F.max_unpool1d: (N, C, L) -> (N, C, OL),
    OL = (L - 1) stride - 2 padding + kernel unless output_size says otherwise."""
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
