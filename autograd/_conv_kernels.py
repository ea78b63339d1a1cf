"""The convolution and pooling kernels of the rule table (imported by primitives.py, which
re-exports the primitives): sliding windows (unfold2d / fold2d) and stride-1 conv2d with its
two gradient primitives. Same conventions as primitives.py: numpy forwards, VJPs in Tensor
ops, so gradients of any order come from these rules."""
import math

import numpy as np

from ._capture_hooks import note_op
from ._workspace import workspace    # per-thread scratch and result arrays
from .engine import Primitive, apply


def _need(n, i):
    return n.next[i] is not None


# ----- convolution windows (im2col) --------------------------------------------------------


def _unfold2d_forward(x, kernel, stride, dilation, in_shape):
    """(N, C, H, W) -> (N, C, kh, kw, OH, OW): every kernel offset's strided view, copied."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    s = x.strides
    view = np.lib.stride_tricks.as_strided(
        x, (n, c, kh, kw, oh, ow), (s[0], s[1], s[2] * dh, s[3] * dw, s[2] * sh, s[3] * sw),
        writeable=False)
    return np.ascontiguousarray(view)


def _fold2d_forward(g, kernel, stride, dilation, in_shape):
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    n, c, _, _, oh, ow = g.shape
    out = np.zeros(in_shape, dtype=g.dtype)
    if (sh, sw) == (kh, kw) and (dh, dw) == (1, 1):
        # the windows tile the image without overlap: col2im is one permuting copy, no sums
        s = out.strides
        tiles = np.lib.stride_tricks.as_strided(
            out, (n, c, oh, kh, ow, kw), (s[0], s[1], s[2] * kh, s[2], s[3] * kw, s[3]))
        tiles[...] = g.transpose(0, 1, 4, 2, 5, 3)
        return out
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                j * dw:j * dw + sw * (ow - 1) + 1:sw] += g[:, :, i, j]
    return out


UNFOLD2D = Primitive("unfold2d", _unfold2d_forward,
                     lambda n, g: (apply(FOLD2D, (g,), *n.ctx),),
                     rule="out = sliding kernel windows of x (im2col);  "
                          "dL/dx = each window's g added back where it came from (col2im)")
FOLD2D = Primitive("fold2d", _fold2d_forward,
                   lambda n, g: (apply(UNFOLD2D, (g,), *n.ctx),),
                   rule="out = windows summed back into an image (col2im);  "
                        "dL/dx = sliding windows of g (im2col)")

# ----- stride-1 convolution: im2col in a "wide" layout, one GEMM -----------------------------
#
# Lay the input out channel-major, each channel one flat row holding the batch's images row
# after row, every image row followed by zeros and every image by zero rows: the padding,
# shared between neighbours (row r's right padding is row r+1's left padding). Count output
# positions q in that same grid (row stride Ws, image stride Hs*Ws). The input that kernel tap
# (i, j) reads at q is then q + i*dh*Ws + j*dw, for every image of the batch at once: each
# tap's windows are ONE contiguous slice of the row. Stacking the kh*kw shifted slices gives
# the im2col matrix (C*kh*kw, N*Hs*Ws) with long copies (instead of one short copy per
# output row), and one GEMM yields the output at every q; the q outside the OH x OW outputs
# of an image are garbage and dropped. The input gradient is the transpose: one GEMM into the
# same layout, then kh*kw shifted contiguous adds (col2im). The garbage positions of an
# output gradient are zeros, so they add nothing (unless weights or inputs hold infinities:
# 0 * inf = nan).


def _wide_geometry(x_shape, kernel, padding, dilation):
    """Strides (Hs, Ws) of the wide grid, output size (OH, OW), flat offset of each tap, and
    where (N*Hs*Ws positions, channel row length, first pixel) the images sit in a row."""
    n, _, h, w = x_shape
    (kh, kw), (top, bottom, left, right), (dh, dw) = kernel, padding, dilation
    oh, ow = h + top + bottom - dh * (kh - 1), w + left + right - dw * (kw - 1)
    hs, ws = max(h + max(top, bottom), oh), max(w + max(left, right), ow)
    offsets = [i * dh * ws + j * dw for i in range(kh) for j in range(kw)]
    size, first = n * hs * ws, top * ws + left
    return (hs, ws), (oh, ow), offsets, (size, max(size + offsets[-1], first + size), first)


def _wide_columns(x, kernel, padding, dilation, keep=False):
    """(N, C, H, W) -> (C*kh*kw, N*Hs*Ws) workspace array (if `keep`, one from
    Workspace.lasting): row (c, i, j) is channel c's wide row shifted left by tap (i, j)'s
    offset."""
    n, c, h, w = x.shape
    (hs, ws), _, offsets, (size, length, first) = _wide_geometry(x.shape, kernel, padding,
                                                                 dilation)
    rows = workspace.array("rows", (c, length), x.dtype, zero=True)
    rows[:, first:first + size].reshape(c, n, hs, ws)[:, :, :h, :w] = x.transpose(1, 0, 2, 3)
    s = rows.itemsize
    shifted = np.lib.stride_tricks.as_strided(
        rows, (c, kernel[0], kernel[1], size),
        (length * s, dilation[0] * ws * s, dilation[1] * s, s), writeable=False)
    shape = (c * kernel[0] * kernel[1], size)
    cols = workspace.lasting(shape, x.dtype) if keep else \
        workspace.array("cols", shape, x.dtype)
    np.copyto(cols.reshape(shifted.shape), shifted)
    return cols


def _wide_grad(g, strides, length):
    """(N, O, OH, OW) output gradient -> (O, length) workspace array in the wide layout,
    zero at every garbage position and past N*Hs*Ws."""
    n, o, oh, ow = g.shape
    wide = workspace.array("grad", (o, length), g.dtype, zero=True)
    grid = wide[:, :n * strides[0] * strides[1]].reshape((o, n) + strides)
    np.copyto(grid.transpose(1, 0, 2, 3)[:, :, :oh, :ow], g)
    return wide


def _wide_conv2d_forward(x, w, bias, padding, dilation, cols=None):
    n, o = x.shape[0], w.shape[0]
    strides, (oh, ow), _, (size, _, _) = _wide_geometry(x.shape, w.shape[2:], padding,
                                                        dilation)
    if cols is None:
        cols = _wide_columns(x, w.shape[2:], padding, dilation)
    wide = workspace.array("wide", (o, size), x.dtype)
    np.matmul(w.reshape(o, -1), cols, out=wide)
    if bias is not None:
        wide += bias[:, None]
    out = workspace.lasting((n, o, oh, ow), x.dtype)
    np.copyto(out.transpose(1, 0, 2, 3), wide.reshape((o, n) + strides)[:, :, :oh, :ow])
    return out


def _padded(x, padding):
    top, bottom, left, right = padding
    if not any(padding):
        return x
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def _conv2d_input_grad_direct(g, w, padding, dilation, x_shape):
    """The input gradient without the wide layout, whose garbage positions would put
    0 * inf = NaN into real ones when w holds an infinity: col2im of w^T g."""
    top, bottom, left, right = padding
    n, c, h, width = x_shape
    padded = (n, c, h + top + bottom, width + left + right)
    cols = np.einsum("ocij,nohw->ncijhw", w, g)
    out = _fold2d_forward(cols, w.shape[2:], (1, 1), dilation, padded)
    return np.ascontiguousarray(out[:, :, top:top + h, left:left + width])


def _conv2d_weight_grad_direct(g, x, padding, dilation, w_shape):
    """The weight gradient without the wide layout (see _conv2d_input_grad_direct), for an
    x holding an infinity: g contracted with the im2col windows of the padded x."""
    xp = _padded(x, padding)
    cols = _unfold2d_forward(xp, w_shape[2:], (1, 1), dilation, xp.shape)
    return np.einsum("nohw,ncijhw->ocij", g, cols).astype(g.dtype, copy=False)


def _wide_input_grad(g, w, padding, dilation, x_shape):
    n, c, h, width = x_shape
    o, _, kh, kw = w.shape
    (hs, ws), _, _, (size, length, first) = _wide_geometry(x_shape, (kh, kw), padding,
                                                           dilation)
    # rows (tap, channel) of the wide input gradient, each tap's block not yet shifted
    taps = workspace.array("cols", (kh * kw * c, length), g.dtype)
    np.matmul(w.transpose(2, 3, 1, 0).reshape(kh * kw * c, o), _wide_grad(g, (hs, ws), length),
              out=taps)
    # col2im: sum the blocks, tap (i, j)'s shifted right by its offset, as one reduction over
    # a view. Reading before a block's start lands in the previous block's tail, past
    # N*Hs*Ws, where the gradient is zero.
    block, s = c * length, taps.itemsize
    step_i, step_j = kw * block - dilation[0] * ws, block - dilation[1]
    shifted = np.lib.stride_tricks.as_strided(
        taps, (kh, kw, block), (step_i * s, step_j * s, s), writeable=False)
    rows = workspace.array("rows", (block,), g.dtype)
    np.sum(shifted, axis=(0, 1), out=rows)
    images = rows.reshape(c, length)[:, first:first + size].reshape(c, n, hs, ws)
    out = workspace.lasting(tuple(x_shape), g.dtype)
    np.copyto(out.transpose(1, 0, 2, 3), images[:, :, :h, :width])
    return out


def _wide_weight_grad(g, x, padding, dilation, w_shape, cols=None):
    strides, _, _, (size, _, _) = _wide_geometry(x.shape, w_shape[2:], padding, dilation)
    if cols is None:
        cols = _wide_columns(x, w_shape[2:], padding, dilation)
    # (cols @ g^T)^T: BLAS runs this orientation faster than g @ cols^T
    grad = np.matmul(cols, _wide_grad(g, strides, size).T)
    return np.ascontiguousarray(grad.T).reshape(w_shape)


# ----- stride-1 convolution: channels-last and narrow im2col, path choice --------------------
#
# Two more layouts for the same three primitives, without the wide layout's garbage positions:
# - "nhwc" (many channels): output positions are the GEMM rows. The padded input is copied
#   channels-last (N, Hp, Wp, C), so a window holds kw*C contiguous values per kernel row and
#   im2col copies long runs; (N*OH*OW, kh*kw*C) columns @ W^T give the output channels-last,
#   one transposing copy back to (N, O, OH, OW).
# - "narrow" (one or few channels, where a channels-last run would be C values long): the
#   columns are tap-major (C*kh*kw, N*OH*OW), each row one strided view of the (C, N, Hp, Wp)
#   padded input; W (O, C*kh*kw) @ columns.
# When the weight gets a gradient, conv2d makes the columns once, as the output of their own
# recorded primitive (conv2d_columns: a captured step makes them again from each call's
# input), and keeps them in the node's ctx: the weight gradient contracts those same columns
# with g (one im2col per convolution instead of two). Columns above the workspace limit are
# not kept (their memory is kh*kw times the input's) and the weight gradient makes them
# again inside its primitive, as it does for gradients of gradients. The input gradient
# is the convolution of g with the kernel flipped and its channel axes swapped, g padded by
# d (k - 1) - p (cropped where that is negative): im2col + GEMM instead of GEMM + col2im's
# kh*kw scattered adds.


def _out_size(x_shape, kernel, padding, dilation):
    """(N, OH, OW) of a stride-1 convolution."""
    top, bottom, left, right = padding
    return (x_shape[0], x_shape[2] + top + bottom - dilation[0] * (kernel[0] - 1),
            x_shape[3] + left + right - dilation[1] * (kernel[1] - 1))


def _spans(size, before, after):
    """One spatial dim padded by (before, after), negative values cropping: (source slice,
    destination slice, padded size)."""
    src = slice(max(-before, 0), size - max(-after, 0))
    start = max(before, 0)
    return src, slice(start, start + src.stop - src.start), size + before + after


def _padded_copy(x, padding, order):
    """Workspace copy of x (N, C, H, W) zero padded by (top, bottom, left, right), with its
    axes in `order` (e.g. (0, 2, 3, 1): channels last)."""
    n, c, h, w = x.shape
    top, bottom, left, right = padding
    (src_h, dst_h, hp), (src_w, dst_w, wp) = _spans(h, top, bottom), _spans(w, left, right)
    shape = (n, c, hp, wp)
    out = workspace.array("rows", tuple(shape[a] for a in order), x.dtype,
                           zero=max(padding) > 0)
    inverse = tuple(order.index(a) for a in range(4))
    np.copyto(out.transpose(inverse)[:, :, dst_h, dst_w], x[:, :, src_h, src_w])
    return out, inverse


def _window_copy(dest, src, shape, strides):
    """Fill the C-contiguous `dest` with the strided view (shape, strides) of the
    C-contiguous `src`. The trailing axes that are contiguous in the view (a window row: OW
    output positions, or kw*C channels-last values) are copied as one opaque element of
    that many bytes: numpy then moves each run with one memcpy instead of running an inner
    loop a few elements long (measured 1.5-2x faster for the small CNN's columns)."""
    item = src.itemsize
    run, k = item, len(shape)
    while k and strides[k - 1] == run:
        run *= shape[k - 1]
        k -= 1
    if k == len(shape) or run == 0 or not src.flags.c_contiguous:
        view = np.lib.stride_tricks.as_strided(src, shape, strides, writeable=False)
        np.copyto(dest.reshape(shape), view)
        return
    runs = np.dtype((np.void, run))
    view = np.ndarray(shape[:k], runs, buffer=src, strides=strides[:k])
    np.copyto(np.ndarray(shape[:k], runs, buffer=dest), view)


def _nhwc_columns(x, kernel, padding, dilation, keep=False):
    """(N*OH*OW, kh*kw*C) workspace columns (if `keep`, from Workspace.lasting), row =
    output position, column = (i, j, c)."""
    xp, _ = _padded_copy(x, padding, (0, 2, 3, 1))
    n, hp, wp, c = xp.shape
    (kh, kw), (dh, dw) = kernel, dilation
    oh, ow = hp - dh * (kh - 1), wp - dw * (kw - 1)
    s = xp.strides
    shape = (n * oh * ow, kh * kw * c)
    cols = workspace.lasting(shape, x.dtype) if keep else \
        workspace.array("cols", shape, x.dtype)
    _window_copy(cols, xp, (n, oh, ow, kh, kw, c),
                 (s[0], s[1], s[2], s[1] * dh, s[2] * dw, s[3]))
    return cols, (n, oh, ow)


def _narrow_columns(x, kernel, padding, dilation, keep=False):
    """(C*kh*kw, N*OH*OW) workspace columns (if `keep`, from Workspace.lasting), row =
    (c, i, j), column = output position."""
    xp, _ = _padded_copy(x, padding, (1, 0, 2, 3))
    c, n, hp, wp = xp.shape
    (kh, kw), (dh, dw) = kernel, dilation
    oh, ow = hp - dh * (kh - 1), wp - dw * (kw - 1)
    s = xp.strides
    shape = (c * kh * kw, n * oh * ow)
    cols = workspace.lasting(shape, x.dtype) if keep else \
        workspace.array("cols", shape, x.dtype)
    _window_copy(cols, xp, (c, kh, kw, n, oh, ow),
                 (s[0], s[2] * dh, s[3] * dw, s[1], s[2], s[3]))
    return cols, (n, oh, ow)


def _nhwc_conv2d(x, w, bias, padding, dilation, cols=None):
    o, c, kh, kw = w.shape
    if cols is None:
        cols, (n, oh, ow) = _nhwc_columns(x, (kh, kw), padding, dilation)
    else:
        n, oh, ow = _out_size(x.shape, (kh, kw), padding, dilation)
    res = workspace.array("wide", (n * oh * ow, o), x.dtype)
    np.matmul(cols, w.transpose(0, 2, 3, 1).reshape(o, kh * kw * c).T, out=res)
    out = workspace.lasting((n, o, oh, ow), x.dtype)
    if bias is None:
        np.copyto(out.transpose(0, 2, 3, 1), res.reshape(n, oh, ow, o))
    else:       # the bias added in the transposing copy: one pass less
        np.add(res.reshape(n, oh, ow, o), bias, out=out.transpose(0, 2, 3, 1))
    return out


def _narrow_conv2d(x, w, bias, padding, dilation, cols=None):
    o = w.shape[0]
    if cols is None:
        cols, (n, oh, ow) = _narrow_columns(x, w.shape[2:], padding, dilation)
    else:
        n, oh, ow = _out_size(x.shape, w.shape[2:], padding, dilation)
    res = workspace.array("wide", (o, n * oh * ow), x.dtype)
    np.matmul(w.reshape(o, -1), cols, out=res)
    out = workspace.lasting((n, o, oh, ow), x.dtype)
    if bias is None:
        np.copyto(out.transpose(1, 0, 2, 3), res.reshape(o, n, oh, ow))
    else:
        np.add(res.reshape(o, n, oh, ow), bias[:, None, None, None],
               out=out.transpose(1, 0, 2, 3))
    return out


def _nhwc_weight_grad(g, x, padding, dilation, w_shape, cols=None):
    o, c, kh, kw = w_shape
    n, oh, ow = g.shape[0], g.shape[2], g.shape[3]
    if cols is None:
        cols, _ = _nhwc_columns(x, (kh, kw), padding, dilation)
    rows = workspace.array("grad", (n * oh * ow, o), g.dtype)
    np.copyto(rows.reshape(n, oh, ow, o), g.transpose(0, 2, 3, 1))
    grad = np.matmul(rows.T, cols)                                   # (O, kh*kw*C)
    return np.ascontiguousarray(grad.reshape(o, kh, kw, c).transpose(0, 3, 1, 2))


def _narrow_weight_grad(g, x, padding, dilation, w_shape, cols=None):
    o = w_shape[0]
    n, oh, ow = g.shape[0], g.shape[2], g.shape[3]
    if cols is None:
        cols, _ = _narrow_columns(x, w_shape[2:], padding, dilation)
    rows = workspace.array("grad", (o, n * oh * ow), g.dtype)
    np.copyto(rows.reshape(o, n, oh, ow), g.transpose(1, 0, 2, 3))
    return np.matmul(rows, cols.T).reshape(w_shape)


def _flipped_input_grad(g, w, padding, dilation, x_shape):
    """The input gradient as the convolution of g with the flipped, channel-swapped kernel."""
    _, _, kh, kw = w.shape
    top, bottom, left, right = padding
    eh, ew = dilation[0] * (kh - 1), dilation[1] * (kw - 1)
    flipped = np.ascontiguousarray(w.transpose(1, 0, 2, 3)[:, :, ::-1, ::-1])
    # the padding is negative (a crop) where p > d (k - 1): the channels-last and narrow
    # layouts handle that, the wide one does not
    conv = _narrow_conv2d if _path(g.shape[1], g.shape[2] * g.shape[3]) == "narrow" \
        else _nhwc_conv2d
    return conv(g, flipped, None, (eh - top, eh - bottom, ew - left, ew - right), dilation)


def _path(c, plane):
    """The layout for a stride-1 convolution of a C-channel input with `plane` = H*W pixels
    per image, by measurement (one BLAS thread; the table is benchmarks/conv_paths.md):
    channels-last wins for many channels on small images (16 channels at 4x4: forward 150
    vs 230 us wide), loses on large ones (16 channels at 16x16: 600 vs 540 us), where the
    wide layout's long copies win; with one or two channels the narrow columns win or tie."""
    if c >= _NHWC_MIN_CHANNELS and plane <= _NHWC_MAX_PLANE:
        return "nhwc"
    return "narrow" if c <= _NARROW_MAX_CHANNELS else "wide"


def _input_grad_path(c, o, plane):
    """"flipped" (the flipped-kernel convolution of g) or "col2im" (GEMM + col2im in the wide
    layout) for the input gradient of a C -> O channel convolution on H*W = `plane` images.
    A flipped convolution with few output channels is a thin GEMM: it measured slower unless
    both channel counts are large (16 -> 32 channels at 4x4: 180 vs 245 us; 8 -> 16 at 8x8:
    275 vs 257 us)."""
    if min(c, o) >= _FLIPPED_MIN_CHANNELS and plane <= _NHWC_MAX_PLANE:
        return "flipped"
    return "col2im"


_NHWC_MIN_CHANNELS, _NHWC_MAX_PLANE, _NARROW_MAX_CHANNELS = 8, 100, 2
_FLIPPED_MIN_CHANNELS = 16


_CONVS = {"nhwc": _nhwc_conv2d, "narrow": _narrow_conv2d, "wide": _wide_conv2d_forward}
_COLUMNS = {"nhwc": _nhwc_columns, "narrow": _narrow_columns, "wide": _wide_columns}


def _conv2d_forward(x, w, *rest):
    """conv2d's forward; ctx = ([bias,] padding, dilation[, columns]): `columns` are x's
    im2col columns made by CONV2D_COLUMNS for the layout _path picks, then kept (in the
    node's ctx) for the weight gradient."""
    if isinstance(rest[-1], np.ndarray):             # dilation is a tuple, never an array
        *bias, padding, dilation, cols = rest
    else:
        *bias, padding, dilation = rest
        cols = None
    bias = bias[0] if bias else None
    path = _path(x.shape[1], x.shape[2] * x.shape[3])
    return _CONVS[path](x, w, bias, padding, dilation, cols)


def _conv2d_columns_forward(x, kernel, padding, dilation):
    cols = _COLUMNS[_path(x.shape[1], x.shape[2] * x.shape[3])](x, kernel, padding, dilation,
                                                                keep=True)
    return cols[0] if isinstance(cols, tuple) else cols


# The im2col columns of a convolution's input as their own (non-differentiable) recorded
# primitive: conv2d makes them once, its forward multiplies them by the kernel and its weight
# gradient by the output gradient. Being a recorded primitive's output, they are made again
# from the current input on every replay of a captured step. (The gradients themselves are
# written in terms of the input x, so that gradients of gradients flow to x.)
CONV2D_COLUMNS = Primitive(
    "conv2d_columns", _conv2d_columns_forward, lambda n, g: (None,),
    rule="out = the im2col columns of x in the layout conv2d picks (no gradient: conv2d's "
         "own rules differentiate through x)")


def conv2d_columns(x, kernel, padding, dilation):
    """x's im2col columns (ndarray) for a stride-1 conv2d, made by the CONV2D_COLUMNS
    primitive (reported to a capture in progress, so that a replay makes them again); None
    when they would be larger than the workspace keeps (8 MB): large columns are made again
    by the weight gradient rather than held from the forward to the backward (kh*kw times
    the input's memory, for a GEMM that then dominates anyway)."""
    n, c, _, _ = x._data.shape
    _, oh, ow = _out_size(x._data.shape, kernel, padding, dilation)
    if n * oh * ow * c * kernel[0] * kernel[1] * x._data.itemsize > workspace.limit:
        return None
    data = _conv2d_columns_forward(x._data, kernel, padding, dilation)
    note_op(CONV2D_COLUMNS, (x,), (kernel, padding, dilation), data)
    return data


def _conv2d_input_grad_forward(g, w, padding, dilation, x_shape):
    if not np.isfinite(w).all():
        # the flipped convolution multiplies w by the zeros padding g (0 * inf = nan), and
        # the wide layout by its garbage positions: add only real products
        return _conv2d_input_grad_direct(g, w, padding, dilation, x_shape)
    if _input_grad_path(x_shape[1], g.shape[1], x_shape[2] * x_shape[3]) == "flipped":
        return _flipped_input_grad(g, w, padding, dilation, x_shape)
    return _wide_input_grad(g, w, padding, dilation, x_shape)


def _conv2d_weight_grad_forward(g, x, padding, dilation, w_shape, cols=None):
    """ctx = (padding, dilation, w_shape[, columns]): `columns` are x's im2col columns made
    by the forward (CONV2D_COLUMNS), then not made again here."""
    path = _path(x.shape[1], x.shape[2] * x.shape[3])
    if path == "nhwc":
        return _nhwc_weight_grad(g, x, padding, dilation, w_shape, cols)
    if path == "narrow":
        return _narrow_weight_grad(g, x, padding, dilation, w_shape, cols)
    if not np.isfinite(x).all():    # the wide layout's garbage positions: 0 * inf = nan
        return _conv2d_weight_grad_direct(g, x, padding, dilation, w_shape)
    return _wide_weight_grad(g, x, padding, dilation, w_shape, cols)


def _conv2d_vjp(n, g):
    padding, dilation, *cols = n.ctx
    x, w = n.input(0), n.input(1)
    gx = apply(CONV2D_INPUT_GRAD, (g, w), padding, dilation, x.shape) if _need(n, 0) else None
    gw = apply(CONV2D_WEIGHT_GRAD, (g, x), padding, dilation, w.shape, *cols) \
        if _need(n, 1) else None
    # batch first, then positions: two contiguous reductions beat one over (0, 2, 3)
    gb = g.sum(0).sum((1, 2)) if len(n.next) == 3 and _need(n, 2) else None
    return gx, gw, gb


def _conv2d_input_grad_vjp(n, gg):      # gx = A(w)^T g is linear in g and in w
    padding, dilation, _ = n.ctx
    g, w = n.input(0), n.input(1)
    return (apply(CONV2D, (gg, w), padding, dilation) if _need(n, 0) else None,
            apply(CONV2D_WEIGHT_GRAD, (g, gg), padding, dilation, w.shape) if _need(n, 1)
            else None)


def _conv2d_weight_grad_vjp(n, gg):     # gw = g (*) x is linear in g and in x
    padding, dilation = n.ctx[:2]
    g, x = n.input(0), n.input(1)
    return (apply(CONV2D, (x, gg), padding, dilation) if _need(n, 0) else None,
            apply(CONV2D_INPUT_GRAD, (g, gg), padding, dilation, x.shape) if _need(n, 1)
            else None)


CONV2D = Primitive("conv2d", _conv2d_forward, _conv2d_vjp, saves=("inputs",), quiet=True,
                   rule="out = x (*) W + b, stride 1 (cross-correlation);  "
                        "dL/dx = g (*)^T W (transposed conv),  dL/dW = g (*) x per tap,  "
                        "dL/db = g summed over batch and positions")
CONV2D_INPUT_GRAD = Primitive(
    "conv2d_input_grad", _conv2d_input_grad_forward, _conv2d_input_grad_vjp,
    saves=("inputs",), quiet=True,
    rule="out = g (*)^T W (the input gradient of conv2d);  "
         "dL/dg = gg (*) W,  dL/dW = conv2d weight gradient of g and gg")
CONV2D_WEIGHT_GRAD = Primitive(
    "conv2d_weight_grad", _conv2d_weight_grad_forward, _conv2d_weight_grad_vjp,
    saves=("inputs",), quiet=True,
    rule="out = g (*) x per tap (the weight gradient of conv2d);  "
         "dL/dg = x (*) gg,  dL/dx = g (*)^T gg")


# ----- pooling: a gather by flat index and its adjoint ---------------------------------------
#
# max-pool finds each window's winning cell (nn's max_pool2d, through a recorded primitive);
# the output is then one gather from the flat input, and the gradient one scatter: a node
# each, instead of flattening, indexing and reshaping (three nodes each way).


def _pool_gather_forward(x, index, out_shape, in_shape):
    out = workspace.lasting((index.size,), x.dtype)
    # mode="clip": the index is always in range, and the default ("raise") would copy
    # through a buffer of its own
    return np.take(x.reshape(-1), index, out=out, mode="clip").reshape(out_shape)


def _pool_scatter_forward(g, index, out_shape, in_shape):
    out = workspace.lasting((math.prod(out_shape),), g.dtype, zero=True)
    np.add.at(out, index, g.reshape(-1))        # overlapping windows: repeated cells add up
    return out.reshape(out_shape)


POOL_GATHER = Primitive(
    "pool_gather", _pool_gather_forward,
    lambda n, g: (apply(POOL_SCATTER, (g,), n.ctx[0], n.ctx[2], n.ctx[1]),),
    rule="out = x.flat[index] (each window's chosen cell);  "
         "dL/dx = zeros with g added at index")
POOL_SCATTER = Primitive(
    "pool_scatter", _pool_scatter_forward,
    lambda n, gg: (apply(POOL_GATHER, (gg,), n.ctx[0], n.ctx[2], n.ctx[1]),),
    rule="out = zeros of the input's shape with g added at index (the gradient of "
         "pool_gather);  dL/dg = gg.flat[index]")
