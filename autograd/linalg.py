"""Linear algebra: matrix products (bmm, addmm, einsum, tensordot, kron, ...), norms, and
the `glassgrad.linalg` namespace (inv, det, slogdet, solve, cholesky, qr, svd, eigh, pinv,
lstsq, norms), as torch.linalg.

Decompositions are primitives with the standard derivative rules, written in Tensor ops so
that they differentiate again. As in PyTorch, some gradients are undefined: eigh's
eigenvectors' where eigenvalues repeat, svd's singular vectors' where singular values repeat
(or are 0 with m != n), inv's at singular matrices, qr's Q of mode='complete' with m > n;
there they come out inf/nan or raise. (Eigenvalues and singular values alone keep their
gradient at repeats; det's gradient at a singular matrix is its cofactor matrix.) Batched
inputs (..., m, n) work everywhere.
"""
import builtins
import string
from collections import namedtuple

import numpy as np

from . import primitives as P
from .dtypes import promote
from .engine import apply
from .ops import (_axes, _pair, _root, _tensor, abs, add, amax, amin, cat, div, expand, matmul,
                  mul, pow, reshape, squeeze, sub, sum, to, unsqueeze, where)
from .naming import composite
from .tensor import Tensor, _wrap
from ._capture_hooks import capturing, data_op
from ._dim_aliases import alias_module

slogdet_result = namedtuple("slogdet", ["sign", "logabsdet"])
eigh_result = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
qr_result = namedtuple("qr", ["Q", "R"])
svd_result = namedtuple("svd", ["U", "S", "Vh"])
lstsq_result = namedtuple("lstsq", ["solution", "residuals", "rank", "singular_values"])


def _as(x):
    return x if isinstance(x, Tensor) else _tensor(x)


def _floating(*ts, op):
    ts = [_as(t) for t in ts]
    dt = ts[0]._data.dtype
    for t in ts[1:]:
        dt = promote(dt, t._data.dtype)
    if dt.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point tensor, got {dt}")
    return [to(t, dt) for t in ts]


def _check_dims(t, op, nd, what="input"):
    if t._data.ndim != nd:
        raise RuntimeError(f"{op}: expected {what} to be {nd}-D, got shape {t.shape}")


# ----- products ------------------------------------------------------------------------------


def bmm(input, mat2):
    """Return the batched matrix product of ``input`` (b, n, m) and ``mat2`` (b, m, p) (also ``x.bmm(mat2)``).

    Parameters
    ----------
    input : Tensor
        Shape (b, n, m).
    mat2 : Tensor
        Shape (b, m, p).

    Returns
    -------
    Tensor
        Shape (b, n, p): ``out[i] = input[i] @ mat2[i]``.

    Raises
    ------
    RuntimeError
        If either tensor is not 3-D, or the batch sizes or inner sizes differ (there is no
        broadcasting, as in PyTorch; see :func:`matmul` for that).
    """
    a, b = _pair(input, mat2)
    _check_dims(a, "bmm", 3)
    _check_dims(b, "bmm", 3, "mat2")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"bmm: shapes {a.shape} and {b.shape} cannot be multiplied")
    return matmul(a, b)


def mv(input, vec):
    """Return the product of the matrix ``input`` (n, m) and the vector ``vec`` (m,) (also ``x.mv(vec)``).

    Parameters
    ----------
    input : Tensor
        Shape (n, m).
    vec : Tensor
        Shape (m,).

    Returns
    -------
    Tensor
        Shape (n,).

    Raises
    ------
    RuntimeError
        If ``input`` is not 2-D, ``vec`` not 1-D, or the sizes do not match.
    """
    a, v = _pair(input, vec)
    _check_dims(a, "mv", 2)
    _check_dims(v, "mv", 1, "vec")
    return matmul(a, v)


def _scaled(x, factor):
    return x if factor == 1 else mul(x, factor)


def _add_scaled(input, product, beta, alpha):
    x = _as(input)
    if beta == 0:       # PyTorch ignores input (NaN included) when beta is 0
        shape = np.broadcast_shapes(x.shape, product.shape)
        return expand(_scaled(product, alpha), shape)
    return add(_scaled(x, beta), _scaled(product, alpha))


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """Return ``beta * input + alpha * (mat1 @ mat2)`` for 2-D ``mat1`` and ``mat2`` (also ``x.addmm(mat1, mat2)``).

    Parameters
    ----------
    input : Tensor
        Broadcastable to (n, p).
    mat1 : Tensor
        Shape (n, m).
    mat2 : Tensor
        Shape (m, p).
    beta : number, optional
        Multiplies ``input`` (keyword only). Default 1.
    alpha : number, optional
        Multiplies the product (keyword only). Default 1.

    Returns
    -------
    Tensor
        Shape (n, p).

    Raises
    ------
    RuntimeError
        If ``mat1`` or ``mat2`` is not 2-D, or their sizes do not match.
    ValueError
        If ``input`` does not broadcast to the product's shape.

    Notes
    -----
    As in PyTorch, ``beta=0`` ignores ``input`` entirely (a NaN or inf in it does not reach
    the result), and ``input`` gets no gradient then.
    """
    _check_dims(_as(mat1), "addmm", 2, "mat1")
    _check_dims(_as(mat2), "addmm", 2, "mat2")
    return _add_scaled(input, matmul(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """Return ``beta * input + alpha * (mat @ vec)`` (also ``x.addmv(mat, vec)``).

    Parameters
    ----------
    input : Tensor
        Broadcastable to (n,).
    mat : Tensor
        Shape (n, m).
    vec : Tensor
        Shape (m,).
    beta : number, optional
        Multiplies ``input`` (keyword only). Default 1.
    alpha : number, optional
        Multiplies the product (keyword only). Default 1.

    Returns
    -------
    Tensor
        Shape (n,).

    Raises
    ------
    RuntimeError
        If ``mat`` is not 2-D, ``vec`` not 1-D, or their sizes do not match.
    ValueError
        If ``input`` does not broadcast to the product's shape.

    Notes
    -----
    As in PyTorch, ``beta=0`` ignores ``input`` entirely (a NaN or inf in it does not reach
    the result), and ``input`` gets no gradient then.
    """
    return _add_scaled(input, mv(mat, vec), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """Return ``beta * input + alpha * bmm(batch1, batch2)`` (also ``x.baddbmm(batch1, batch2)``).

    Parameters
    ----------
    input : Tensor
        Broadcastable to (b, n, p).
    batch1 : Tensor
        Shape (b, n, m).
    batch2 : Tensor
        Shape (b, m, p).
    beta : number, optional
        Multiplies ``input`` (keyword only). Default 1.
    alpha : number, optional
        Multiplies the products (keyword only). Default 1.

    Returns
    -------
    Tensor
        Shape (b, n, p).

    Raises
    ------
    RuntimeError
        If ``batch1`` or ``batch2`` is not 3-D, or their sizes do not match.
    ValueError
        If ``input`` does not broadcast to the product's shape.

    Notes
    -----
    As in PyTorch, ``beta=0`` ignores ``input`` entirely (a NaN or inf in it does not reach
    the result), and ``input`` gets no gradient then.
    """
    return _add_scaled(input, bmm(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """Return ``beta * input + alpha * sum_b batch1[b] @ batch2[b]`` (also ``x.addbmm(batch1, batch2)``).

    Parameters
    ----------
    input : Tensor
        Broadcastable to (n, p).
    batch1 : Tensor
        Shape (b, n, m).
    batch2 : Tensor
        Shape (b, m, p).
    beta : number, optional
        Multiplies ``input`` (keyword only). Default 1.
    alpha : number, optional
        Multiplies the summed products (keyword only). Default 1.

    Returns
    -------
    Tensor
        Shape (n, p).

    Raises
    ------
    RuntimeError
        If ``batch1`` or ``batch2`` is not 3-D, or their sizes do not match.
    ValueError
        If ``input`` does not broadcast to the product's shape.

    Notes
    -----
    As in PyTorch, ``beta=0`` ignores ``input`` entirely (a NaN or inf in it does not reach
    the result), and ``input`` gets no gradient then.
    """
    return _add_scaled(input, sum(bmm(batch1, batch2), 0), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """Return ``beta * input + alpha * outer(vec1, vec2)`` (also ``x.addr(vec1, vec2)``).

    Parameters
    ----------
    input : Tensor
        Broadcastable to (n, m).
    vec1 : Tensor
        Shape (n,).
    vec2 : Tensor
        Shape (m,).
    beta : number, optional
        Multiplies ``input`` (keyword only). Default 1.
    alpha : number, optional
        Multiplies the outer product (keyword only). Default 1.

    Returns
    -------
    Tensor
        Shape (n, m).

    Raises
    ------
    RuntimeError
        If ``vec1`` or ``vec2`` is not 1-D.
    ValueError
        If ``input`` does not broadcast to the product's shape.

    Notes
    -----
    As in PyTorch, ``beta=0`` ignores ``input`` entirely (a NaN or inf in it does not reach
    the result), and ``input`` gets no gradient then.
    """
    return _add_scaled(input, outer(vec1, vec2), beta, alpha)


def outer(input, vec2):
    """Return the outer product of two 1-D tensors, (n,) and (m,) to (n, m) (also ``ger`` and ``x.outer(vec2)``).

    Parameters
    ----------
    input : Tensor
        Shape (n,).
    vec2 : Tensor
        Shape (m,).

    Returns
    -------
    Tensor
        Shape (n, m): ``out[i, j] = input[i] * vec2[j]``.

    Raises
    ------
    RuntimeError
        If either tensor is not 1-D.
    """
    a, b = _pair(input, vec2)
    _check_dims(a, "outer", 1)
    _check_dims(b, "outer", 1, "vec2")
    return mul(unsqueeze(a, 1), unsqueeze(b, 0))


ger = outer


def inner(input, other):
    """Return the sum of products of ``input`` and ``other`` over their last dims (also ``x.inner(other)``).

    Parameters
    ----------
    input : Tensor
        Shape (..., n), or 0-d.
    other : Tensor
        Shape (..., n), or 0-d.

    Returns
    -------
    Tensor
        Shape ``input.shape[:-1] + other.shape[:-1]``: 0-d for two 1-D tensors. When either
        is 0-d (a number), their elementwise product instead.

    Raises
    ------
    RuntimeError
        If the last dims differ.
    """
    a, b = _pair(input, other)
    if a._data.ndim == 0 or b._data.ndim == 0:
        return mul(a, b)
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner: last dims of {a.shape} and {b.shape} must match")
    return tensordot(a, b, ([a._data.ndim - 1], [b._data.ndim - 1]))


def vdot(input, other):
    """Return the dot product of two 1-D tensors (also ``x.vdot(other)``).

    Parameters
    ----------
    input : Tensor
        Shape (n,).
    other : Tensor
        Shape (n,).

    Returns
    -------
    Tensor
        0-d: ``sum(input * other)``.

    Raises
    ------
    RuntimeError
        If the sizes differ.

    Notes
    -----
    This is :func:`inner`: tensors with more dims are accepted (PyTorch requires 1-D
    tensors), and there is no complex conjugation (glassgrad has no complex dtypes).
    """
    return inner(input, other)


_LETTERS = string.ascii_letters


def _parse_einsum(equation, shapes):
    """(input subscripts, output subscripts) with '...' spelled out as letters."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(f"einsum: equation {equation!r} names {len(terms)} operands, got "
                           f"{len(shapes)}")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in _LETTERS if c not in used]
    ell_nd = 0
    for t, s in zip(terms, shapes):
        if "..." in t:
            ell_nd = builtins.max(ell_nd, len(s) - (len(t) - 3))
    ell = "".join(free[:ell_nd])
    out_terms = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            k = len(s) - (len(t) - 3)
            t = t.replace("...", ell[ell_nd - k:] if k else "")
        if len(t) != len(s):
            raise RuntimeError(f"einsum: subscripts {t!r} do not match operand shape {s}")
        out_terms.append(t)
    if arrow:
        out = rhs.replace("...", ell)
    else:
        counts = {}
        for t in out_terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1 and c not in ell))
    for c in out:
        if not builtins.any(c in t for t in out_terms):
            raise RuntimeError(f"einsum: output subscript {c!r} does not appear in the inputs")
    return out_terms, out


def einsum(equation, *operands):
    """Return the Einstein summation of ``operands`` described by ``equation``, as ``numpy.einsum`` / ``torch.einsum``.

    Each operand gets one letter per dim; letters shared by operands are multiplied together,
    letters missing from the output (after ``->``) are summed over. ``'...'`` stands for the
    remaining (broadcast) dims; without ``->`` the output holds ``'...'`` followed by the
    letters that appear once, in alphabetical order. Size-1 dims broadcast, as in PyTorch.

    Parameters
    ----------
    equation : str
        Subscripts such as ``'ij,jk->ik'``; spaces are ignored.
    *operands : Tensor, or one sequence of Tensor
        One tensor per term of ``equation``. If any is floating, all are converted to their
        common floating dtype; otherwise integer tensors give an integer result.

    Returns
    -------
    Tensor
        Shape given by the output subscripts.

    Raises
    ------
    RuntimeError
        If the number of operands or of a term's letters does not match the equation, a
        letter has two sizes (neither 1), or an output letter appears in no input.

    Notes
    -----
    It is one operation in the graph: its gradient for each operand is the einsum of the
    output gradient with the other operands. A letter repeated within one operand
    (``'ii->i'``) takes that operand's diagonal first.

    Examples
    --------
    >>> a = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> gg.einsum('ij,j->i', a, gg.tensor([1.0, 1.0]))
    tensor([3., 7.])
    >>> gg.einsum('ii', a)
    tensor(5.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    ts = _floating(*operands, op="einsum") if builtins.any(
        _as(o)._data.dtype.kind == "f" for o in operands) else [_as(o) for o in operands]
    terms, out = _parse_einsum(equation, [t.shape for t in ts])
    for i, (t, term) in enumerate(zip(ts, terms)):
        while len(set(term)) != len(term):        # repeated letter: take the diagonal
            c = next(c for c in term if term.count(c) > 1)
            a, b = term.index(c), term.index(c, term.index(c) + 1)
            if t.shape[a] != t.shape[b]:
                raise RuntimeError(f"einsum: subscript {c!r} has sizes {t.shape[a]} and "
                                   f"{t.shape[b]} in operand {i}")
            t = t.diagonal(0, a, b)
            term = "".join(x for k, x in enumerate(term) if k not in (a, b)) + c
        ts[i], terms[i] = t, term
    sizes = {}
    for t, term in zip(ts, terms):
        for c, s in zip(term, t.shape):
            have = sizes.setdefault(c, s)
            if have != s and 1 not in (have, s):
                raise RuntimeError(f"einsum: subscript {c!r} has sizes {have} and {s}")
            sizes[c] = builtins.max(have, s) if 1 in (have, s) else s
    for i, (t, term) in enumerate(zip(ts, terms)):      # size-1 dims broadcast, as in torch
        full = tuple(sizes[c] for c in term)
        if full != t.shape:
            ts[i] = expand(t, full)
    return apply(P.EINSUM, tuple(ts), tuple(terms), out)


def tensordot(a, b, dims=2):
    """Return the sum of products of ``a`` and ``b`` over the given dims.

    Parameters
    ----------
    a : Tensor
        A tensor of any shape.
    b : Tensor
        A tensor of any shape.
    dims : int or (sequence of int, sequence of int), optional
        An int k contracts the last k dims of ``a`` with the first k of ``b``; a pair of lists
        (or ints) names the dims of ``a`` and of ``b`` to contract, pairwise (negative counts
        from the end). Default 2.

    Returns
    -------
    Tensor
        The dims of ``a`` not contracted, followed by those of ``b``.

    Raises
    ------
    RuntimeError
        If ``dims`` is a negative int, or the contracted dims differ in number or size.
    """
    a, b = _pair(a, b)
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot: dims must be non-negative, got {dims}")
        da = list(range(a._data.ndim - dims, a._data.ndim))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, (int, np.integer)) else list(da)
        db = [db] if isinstance(db, (int, np.integer)) else list(db)
    da = [d % a._data.ndim for d in da]
    db = [d % b._data.ndim for d in db]
    if len(da) != len(db) or builtins.any(a.shape[i] != b.shape[j] for i, j in zip(da, db)):
        raise RuntimeError(f"tensordot: contracted dims {da} of {a.shape} and {db} of "
                           f"{b.shape} do not match")
    sa = _LETTERS[:a._data.ndim]
    sb = list(_LETTERS[a._data.ndim:a._data.ndim + b._data.ndim])
    for i, j in zip(da, db):
        sb[j] = sa[i]
    sb = "".join(sb)
    out = "".join(c for k, c in enumerate(sa) if k not in da) + \
        "".join(c for k, c in enumerate(sb) if k not in db)
    return einsum(f"{sa},{sb}->{out}", a, b)


def kron(input, other):
    """Return the Kronecker product of ``input`` and ``other``: blocks ``input[i, j] * other`` (also ``x.kron(other)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    other : Tensor
        A tensor of any shape; the one with fewer dims gets leading 1s.

    Returns
    -------
    Tensor
        Shape ``(input.shape[i] * other.shape[i], ...)``.
    """
    a, b = _pair(input, other)
    nd = builtins.max(a._data.ndim, b._data.ndim)
    a = reshape(a, (1,) * (nd - a._data.ndim) + a.shape)
    b = reshape(b, (1,) * (nd - b._data.ndim) + b.shape)
    pa = tuple(v for s in a.shape for v in (s, 1))
    pb = tuple(v for s in b.shape for v in (1, s))
    return reshape(mul(reshape(a, pa), reshape(b, pb)),
                   tuple(x * y for x, y in zip(a.shape, b.shape)))


def cross(input, other, dim=None):
    """Return the cross product of 3-vectors along ``dim`` (also ``x.cross(other)``).

    Parameters
    ----------
    input : Tensor
        A tensor with a dim of size 3.
    other : Tensor
        Broadcastable with ``input``.
    dim : int, optional
        The dim holding the vectors (negative counts from the end). None (the default) takes
        the first dim of size 3 of the broadcast shape, as ``torch.cross`` (whereas
        :func:`glassgrad.linalg.cross` defaults to -1).

    Returns
    -------
    Tensor
        The broadcast shape.

    Raises
    ------
    RuntimeError
        If there is no dim of size 3 (``dim`` None), or ``dim`` does not have size 3.
    IndexError
        If ``dim`` is out of range.
    ValueError
        If the shapes do not broadcast.

    Notes
    -----
    PyTorch warns that ``dim=None`` is deprecated; glassgrad does not.
    """
    a, b = _pair(input, other)
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = expand(a, shape), expand(b, shape)
    if dim is None:
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dim of size 3 in shape {tuple(shape)}")
    d = _axes(dim, len(shape), "cross")[0]
    if shape[d] != 3:
        raise RuntimeError(f"cross: dim {dim} must have size 3, got shape {tuple(shape)}")
    head = (slice(None),) * d
    comp = lambda t, i: t[head + (slice(i, i + 1),)]
    parts = [sub(mul(comp(a, (i + 1) % 3), comp(b, (i + 2) % 3)),
                 mul(comp(a, (i + 2) % 3), comp(b, (i + 1) % 3))) for i in range(3)]
    return cat(parts, d)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Return the p-norm distances between each row of ``x1`` and each row of ``x2``.

    Parameters
    ----------
    x1 : Tensor
        Shape (..., P, M), floating.
    x2 : Tensor
        Shape (..., R, M), floating; batch dims broadcast with ``x1``'s.
    p : float, optional
        The norm's order, ``p >= 0`` (``inf`` allowed). Default 2.
    compute_mode : str, optional
        Accepted for compatibility and ignored: distances are always computed directly from
        the differences (PyTorch may use a matrix product for p = 2).

    Returns
    -------
    Tensor
        Shape (..., P, R): ``out[..., i, j] = vector_norm(x1[..., i, :] - x2[..., j, :], p)``.

    Raises
    ------
    RuntimeError
        If the inputs are not floating, not at least 2-D, have different last dims, or ``p``
        is negative.

    Notes
    -----
    The gradient at coincident points is 0, as in PyTorch. With ``p=inf`` every coordinate
    attaining the maximum gets the full gradient (it is not shared among ties), which is
    PyTorch's rule.
    """
    a, b = _floating(x1, x2, op="cdist")
    if a._data.ndim < 2 or b._data.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"cdist: expected (..., P, M) and (..., R, M), got {a.shape} and "
                           f"{b.shape}")
    if p < 0:
        raise RuntimeError(f"cdist: p must be non-negative, got {p}")
    diff = sub(unsqueeze(a, -2), unsqueeze(b, -3))
    if p == _INF:
        # PyTorch's rule: every coordinate attaining the max gets the full gradient (no
        # sharing among ties): max plus a zero-valued term with those coordinates' slopes
        ad = abs(diff)
        return add(_cdist_top((ad,)), sum(mul(sub(ad, ad.detach()), _cdist_hit((ad,))), -1))
    return vector_norm(diff, p, -1)


def _last_max(ad):
    return np.amax(ad, -1, keepdims=True) if ad.size else ad[..., :1]


# cdist's inf-norm value and tie mask from the data by (non-differentiable) primitives, so
# that a captured step (compile.py) computes them for each call
_cdist_top = data_op("last_dim_max", lambda ad: np.array(_last_max(ad)[..., 0]),
                     "the max over the last dim (no gradient)")
_cdist_hit = data_op("last_dim_argmax_mask", lambda ad: (ad == _last_max(ad)).astype(ad.dtype),
                     "1 where an element attains its row's max, else 0 (no gradient)")


def matrix_power(input, n):
    """Return ``input`` multiplied by itself ``n`` times, for square matrices (also ``x.matrix_power(n)``).

    Computed by repeated squaring.

    Parameters
    ----------
    input : Tensor
        Square matrices, shape (..., k, k).
    n : int
        The power. 0 gives identity matrices; a negative ``n`` gives powers of the inverse.

    Returns
    -------
    Tensor
        Shape (..., k, k). For ``n = 0`` a new identity tensor (no gradient); for ``n = 1``
        ``input`` itself.

    Raises
    ------
    RuntimeError
        If ``input`` is not a batch of square matrices, or (negative ``n``) a matrix is
        singular.
    """
    a = _as(input)
    if a._data.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"matrix_power: expected square matrices (..., n, n), got {a.shape}")
    if n == 0:
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a._data.dtype), a.shape)
        return _wrap(np.array(eye))
    if n < 0:
        a, n = inv(a), -n
    result, base = None, a
    while n:        # binary powering
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return result


def chain_matmul(*matrices):
    """Return the product of 2-D matrices, multiplied left to right.

    Parameters
    ----------
    *matrices : Tensor
        At least one 2-D tensor, each with as many rows as the previous one has columns.

    Returns
    -------
    Tensor
        Shape (rows of the first, columns of the last). With one matrix, that matrix itself.

    Raises
    ------
    RuntimeError
        If neighbouring sizes do not match.
    IndexError
        If no matrix is given.

    Notes
    -----
    PyTorch orders the multiplications to minimize their cost (and deprecates the function
    in favour of ``torch.linalg.multi_dot``); glassgrad multiplies left to right.
    """
    out = matrices[0]
    for m in matrices[1:]:
        out = matmul(out, m)
    return out


# ----- decompositions and solvers --------------------------------------------------------


def _square(a, op):
    a = _floating(a, op=op)[0]
    if a._data.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{op}: A must be batches of square matrices (..., n, n), "
                           f"but they are {a.shape}")
    return a


def inv(A):
    """Return the inverse of square matrices (``torch.linalg.inv``; also ``gg.inverse`` and ``A.inverse()``).

    Parameters
    ----------
    A : Tensor
        A floating tensor of shape (\\*, n, n): a matrix or a batch of matrices.

    Returns
    -------
    Tensor
        Shape (\\*, n, n). Gradient: ``-A^-T g A^-T``.

    Raises
    ------
    RuntimeError
        If a matrix is singular, or ``A`` is not a batch of square matrices.

    Examples
    --------
    >>> A = gg.tensor([[2.0, 0.0], [0.0, 4.0]])
    >>> gg.linalg.inv(A)
    tensor([[0.5 , 0.  ],
            [0.  , 0.25]])
    """
    a = _square(A, "inv")
    try:
        return apply(P.INV, (a,))
    except np.linalg.LinAlgError as e:
        raise RuntimeError(f"linalg.inv: the input (shape {a.shape}) is not invertible: {e}") \
            from None


def det(A):
    """Return the determinant of square matrices (``torch.linalg.det``; also ``gg.det`` and ``A.det()``).

    Parameters
    ----------
    A : Tensor
        A floating tensor of shape (\\*, n, n).

    Returns
    -------
    Tensor
        Shape (\\*). Gradient: ``g det(A) A^-T``; at singular matrices ``g`` times the
        cofactor matrix (first order only there: its own gradient is not recorded).

    Raises
    ------
    RuntimeError
        If ``A`` is not a batch of square matrices.
    """
    a = _square(A, "det")
    return apply(P.DET, (a,))


def slogdet(A):
    """Return the sign and the log of the absolute value of the determinant of square matrices (``torch.linalg.slogdet``; also ``A.slogdet()``).

    Parameters
    ----------
    A : Tensor
        Shape (..., n, n), floating.

    Returns
    -------
    sign : Tensor
        Shape (...): 1, -1, or 0 for a singular matrix; a constant (no gradient).
    logabsdet : Tensor
        Shape (...): ``log(abs(det(A)))`` (``-inf`` for a singular matrix); the gradient
        flows through it (``A^-T g``). The two come as a named tuple ``(sign, logabsdet)``.

    Raises
    ------
    RuntimeError
        If ``A`` is not floating or not a batch of square matrices.

    Notes
    -----
    ``glassgrad.slogdet`` is this function, whose parameter is named ``A`` as in
    ``torch.linalg.slogdet``; ``torch.slogdet`` names it ``input``.
    """
    a = _square(A, "slogdet")
    sign = _wrap(np.linalg.slogdet(a._data)[0].astype(a._data.dtype))
    return slogdet_result(sign, apply(P.LOGABSDET, (a,)))


def solve(A, B, *, left=True):
    """Return the solution ``X`` of ``A X = B`` (``left=True``) or ``X A = B`` (``torch.linalg.solve``).

    Parameters
    ----------
    A : Tensor
        Invertible matrices, shape (\\*, n, n).
    B : Tensor
        Right-hand sides, shape (\\*, n, k), or vectors (\\*, n) when its shape is ``A``'s
        without the last dim or it is 1-D. Batch dims broadcast.
    left : bool, optional
        Solve ``A X = B`` (True, the default) or ``X A = B``.

    Returns
    -------
    Tensor
        ``X``, of ``B``'s shape (with the batch dims broadcast). Cheaper and more accurate
        than ``inv(A) @ B``.

    Raises
    ------
    RuntimeError
        If a matrix ``A`` is singular or the shapes do not match.
    """
    a, b = _floating(A, B, op="solve")
    a = _square(a, "solve")
    if not left:
        return solve(a.mT, b.mT).mT
    vector = b._data.ndim == 1 or (b.shape == a.shape[:-1])
    if vector:
        b = unsqueeze(b, -1)
    if b.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: incompatible shapes of A {a.shape} and B {B.shape}")
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a2 = expand(a, batch + a.shape[-2:])
    b2 = expand(b, batch + b.shape[-2:])
    try:
        x = apply(P.SOLVE, (a2, b2))
    except np.linalg.LinAlgError as e:
        raise RuntimeError(f"linalg.solve: the matrix A (shape {a.shape}) is singular: {e}") \
            from None
    return squeeze(x, -1) if vector else x


def cholesky(A, *, upper=False):
    """Return the Cholesky factor of symmetric positive-definite matrices (``torch.linalg.cholesky``).

    Parameters
    ----------
    A : Tensor
        Shape (\\*, n, n), symmetric positive-definite; only its lower triangle is read.
    upper : bool, optional
        Return the upper factor ``U = L^T`` instead of ``L``. Default False.

    Returns
    -------
    Tensor
        The lower-triangular ``L`` with ``A = L L^T`` (or ``U``), shape (\\*, n, n). The
        gradient is symmetrized, as PyTorch's.

    Raises
    ------
    RuntimeError
        If a matrix is not positive-definite.
    """
    a = _square(A, "cholesky")
    try:
        low = apply(P.CHOLESKY, (a,))
    except np.linalg.LinAlgError:
        raise RuntimeError(f"linalg.cholesky: the input (shape {a.shape}) is not positive-"
                           f"definite") from None
    return low.mT if upper else low


def qr(A, mode="reduced"):
    """Return the QR decomposition ``A = Q R`` (``torch.linalg.qr``), a named tuple ``(Q, R)``.

    Parameters
    ----------
    A : Tensor
        Shape (\\*, m, n).
    mode : {'reduced', 'complete', 'r'}, optional
        ``'reduced'`` (default): Q (\\*, m, k) and R (\\*, k, n) with ``k = min(m, n)``;
        ``'complete'``: Q (\\*, m, m), not differentiable for m > n (as in PyTorch);
        ``'r'``: only R (Q is empty).

    Returns
    -------
    (Tensor, Tensor)
        ``Q`` with orthonormal columns and upper-triangular ``R``.

    Notes
    -----
    A wide ``A = [X, Y]`` (m < n) is factored as ``QR(X)``, with ``R = [R_X, Q^T Y]``, which
    makes the gradient defined there too.
    """
    a = _floating(A, op="qr")[0]
    if a._data.ndim < 2:
        raise RuntimeError(f"linalg.qr: expected a tensor with 2 or more dims, got {a.shape}")
    if mode not in ("reduced", "r", "complete"):
        raise RuntimeError(f"linalg.qr: mode must be 'reduced', 'r' or 'complete', got {mode!r}")
    m, n = a.shape[-2:]
    if mode == "complete" and m > n:
        q, r = np.linalg.qr(a._data, mode="complete")
        if a._requires_grad:
            raise RuntimeError("linalg.qr: the gradient of mode='complete' with m > n is not "
                               "implemented")
        return qr_result(_wrap(q), _wrap(r))
    if m < n:
        # A = [X | Y] with X square: Q R_X = X, and R = [R_X | Q^T Y] (Householder QR of A
        # reflects by the first m columns only), so the gradient composes
        q, r_x = qr(a[..., :m])
        r = cat([r_x, matmul(q.mT, a[..., m:])], -1)
        return qr_result(_wrap(np.zeros((0,), a._data.dtype)) if mode == "r" else q, r)
    k = builtins.min(m, n)
    packed = apply(P.QR, (a,), (m, n))
    q = reshape(packed[..., :m * k], a.shape[:-2] + (m, k))
    r = reshape(packed[..., m * k:], a.shape[:-2] + (k, n))
    if mode == "r":
        return qr_result(_wrap(np.zeros((0,), a._data.dtype)), r)
    return qr_result(q, r)


def _svd_packed(a, full=False):
    m, n = a.shape[-2:]
    k = builtins.min(m, n)
    mu, nv = (m, n) if full else (k, k)
    packed = apply(P.SVD, (a,), (m, n, full))
    lead = a.shape[:-2]
    return (reshape(packed[..., :m * mu], lead + (m, mu)), packed[..., m * mu:m * mu + k],
            reshape(packed[..., m * mu + k:], lead + (nv, n)))


def svd(A, full_matrices=True, *, driver=None):
    """Return the singular value decomposition ``A = U diag(S) Vh`` (``torch.linalg.svd``), a named tuple ``(U, S, Vh)``.

    Parameters
    ----------
    A : Tensor
        Shape (\\*, m, n).
    full_matrices : bool, optional
        True (default): U is (\\*, m, m) and Vh (\\*, n, n); False: U (\\*, m, k) and Vh
        (\\*, k, n) with ``k = min(m, n)``.
    driver : None
        Accepted for compatibility and ignored.

    Returns
    -------
    (Tensor, Tensor, Tensor)
        ``U``, the singular values ``S`` (\\*, k) in descending order, and ``Vh``.

    Notes
    -----
    With ``full_matrices=True`` the gradient ignores the columns of U (rows of Vh) beyond
    ``min(m, n)``, which are arbitrary, as PyTorch does. The gradient is undefined (inf or
    NaN) where singular values repeat, as in PyTorch: differentiate quantities that do not
    depend on the choice of singular vectors (``S``, ``U diag(S) Vh``...).
    """
    a = _floating(A, op="svd")[0]
    if a._data.ndim < 2:
        raise RuntimeError(f"linalg.svd: expected a tensor with 2 or more dims, got {a.shape}")
    m, n = a.shape[-2:]
    return svd_result(*_svd_packed(a, bool(full_matrices) and m != n))


def svdvals(A, *, driver=None):
    """Return the singular values of ``A`` in descending order (``torch.linalg.svdvals``).

    Parameters
    ----------
    A : Tensor
        Shape (\\*, m, n).
    driver : None
        Accepted for compatibility and ignored.

    Returns
    -------
    Tensor
        Shape (\\*, min(m, n)). Gradient: ``U diag(g) Vh``.
    """
    a = _floating(A, op="svdvals")[0]
    if a._data.ndim < 2:
        raise RuntimeError(f"linalg.svdvals: expected a tensor with 2 or more dims, got "
                           f"{a.shape}")
    return _svd_packed(a)[1]


def eigh(A, UPLO="L"):
    """Return the eigenvalues and eigenvectors of symmetric matrices (``torch.linalg.eigh``), a named tuple ``(eigenvalues, eigenvectors)``.

    Parameters
    ----------
    A : Tensor
        Symmetric matrices, shape (\\*, n, n).
    UPLO : {'L', 'U'}, optional
        Read the lower (default) or the upper triangle of ``A``.

    Returns
    -------
    (Tensor, Tensor)
        The eigenvalues (\\*, n) in ascending order, and the eigenvectors as the columns of
        (\\*, n, n).

    Notes
    -----
    The gradient is undefined (inf or NaN) where eigenvalues repeat, as in PyTorch.

    Examples
    --------
    >>> A = gg.tensor([[2.0, 0.0], [0.0, 1.0]])
    >>> gg.linalg.eigh(A).eigenvalues
    tensor([1., 2.])
    """
    a = _square(A, "eigh")
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    if UPLO == "U":
        a = a.mT
    n = a.shape[-1]
    packed = apply(P.EIGH, (a,))
    return eigh_result(packed[..., n, :], packed[..., :n, :])


def eigvalsh(A, UPLO="L"):
    """Return the eigenvalues of symmetric matrices, in ascending order (``torch.linalg.eigvalsh``).

    Parameters
    ----------
    A : Tensor
        Symmetric matrices, shape (..., n, n), floating.
    UPLO : {'L', 'U'}, optional
        Read the lower (default) or the upper triangle of ``A``.

    Returns
    -------
    Tensor
        Shape (..., n). The gradient stays defined where eigenvalues repeat.

    Raises
    ------
    RuntimeError
        If ``A`` is not floating or not a batch of square matrices, or ``UPLO`` is not 'L' or
        'U'.

    See Also
    --------
    eigh : The eigenvalues with the eigenvectors.
    """
    return eigh(A, UPLO).eigenvalues


def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """Return the Moore-Penrose pseudoinverse of matrices, computed from the SVD (``torch.linalg.pinv``; also ``gg.pinverse`` and ``A.pinverse()``).

    Singular values at most ``max(atol, rtol * s_max)`` are treated as zero.

    Parameters
    ----------
    A : Tensor
        Shape (..., m, n), floating.
    atol : float, optional
        Absolute tolerance (keyword only). Default None (0).
    rtol : float, optional
        Tolerance relative to the largest singular value (keyword only). Default None: 0 when
        ``atol`` is positive, else ``eps * max(m, n)`` for ``A``'s dtype.
    hermitian : bool, optional
        Accepted for compatibility and ignored (keyword only): the general SVD is always used.

    Returns
    -------
    Tensor
        Shape (..., n, m); zeros when m or n is 0. The gradient is that of the SVD
        composition: defined where the kept singular values are distinct.

    Raises
    ------
    RuntimeError
        If ``A`` is not floating or has fewer than 2 dims.

    Notes
    -----
    ``gg.pinverse`` and ``Tensor.pinverse`` are this function, with ``torch.linalg.pinv``'s
    arguments; PyTorch's ``torch.pinverse(input, rcond=1e-15)`` takes ``rcond`` instead
    (pass it as ``rtol=``).
    """
    a = _floating(A, op="pinv")[0]
    if a._data.ndim < 2:
        raise RuntimeError(f"linalg.pinv: expected a tensor with 2 or more dims, got {a.shape}")
    m, n = a.shape[-2:]
    if builtins.min(m, n) == 0:
        return _wrap(np.zeros(a.shape[:-2] + (n, m), a._data.dtype))
    u, s, vh = _svd_packed(a)
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else np.finfo(a._data.dtype).eps * \
            builtins.max(m, n)
    smax = s._data[..., :1]
    cut = np.maximum(atol or 0.0, rtol * smax)
    keep = s._data > cut
    s_inv = where(keep, div(1.0, where(keep, s, 1.0)), 0.0)
    return matmul(mul(vh.mT, unsqueeze(s_inv, -2)), u.mT)


def lstsq(A, B, rcond=None, *, driver=None):
    """Return the least-squares solution of ``A X = B`` (``torch.linalg.lstsq``).

    Parameters
    ----------
    A : Tensor
        Shape (..., m, n), floating.
    B : Tensor
        Shape (..., m, k), or (..., m) (one vector per matrix, when it has one dim less than
        ``A``).
    rcond : float, optional
        Singular values below ``rcond`` times the largest are treated as zero. Default None
        (``eps * max(m, n)``).
    driver : str, optional
        Accepted for compatibility and ignored (keyword only).

    Returns
    -------
    solution : Tensor
        ``pinv(A) @ B``: shape (..., n, k) (or (..., n)); differentiable.
    residuals : Tensor
        Empty, as with PyTorch's default CPU driver ('gelsy').
    rank : Tensor
        int64, shape (...): the numerical rank of ``A``.
    singular_values : Tensor
        Empty, as with the 'gelsy' driver. The four come as a named tuple ``(solution,
        residuals, rank, singular_values)``.

    Raises
    ------
    RuntimeError
        If the inputs are not floating or have different numbers of rows.
    """
    a, b = _floating(A, B, op="lstsq")
    vector = b._data.ndim == a._data.ndim - 1
    if vector:
        b = unsqueeze(b, -1)
    if a.shape[-2] != b.shape[-2]:
        raise RuntimeError(f"linalg.lstsq: A {a.shape} and B {B.shape} have different numbers "
                           f"of rows")
    x = matmul(pinv(a, rtol=rcond), b)
    if vector:
        x = squeeze(x, -1)
    rank = _wrap(np.asarray(np.linalg.matrix_rank(a._data), dtype=np.int64))
    empty = _wrap(np.zeros((0,), a._data.dtype))
    return lstsq_result(x, empty, rank, empty)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    """Return the numerical rank of matrices: the number of singular values above the tolerance (``torch.linalg.matrix_rank``).

    Parameters
    ----------
    A : Tensor
        Shape (..., m, n).
    atol : float, optional
        Absolute tolerance (keyword only). Default None (0).
    rtol : float, optional
        Tolerance relative to the largest singular value (keyword only). Default None: 0 when
        ``atol`` is positive, else ``eps * max(m, n)``.
    hermitian : bool, optional
        Accepted for compatibility and ignored (keyword only).

    Returns
    -------
    Tensor
        int64, shape (...). Not differentiable.
    """
    a = _as(A)._data
    s = np.linalg.svd(a, compute_uv=False)
    if rtol is None:
        rtol = 0.0 if (atol is not None and atol > 0) else np.finfo(s.dtype).eps * builtins.max(
            a.shape[-2:])
    tol = np.maximum(atol or 0.0, rtol * (s[..., :1] if s.shape[-1] else 0))
    return _wrap(np.asarray(np.sum(s > tol, axis=-1), dtype=np.int64))


# ----- norms ---------------------------------------------------------------------------------

_INF = float("inf")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """Return the vector ``ord``-norm of ``x`` over ``dim``, every element when None (``torch.linalg.vector_norm``).

    ``sum(abs(x)**ord)**(1/ord)`` for any real ``ord``; ``inf`` gives the maximum of
    ``abs(x)``, ``-inf`` the minimum, 0 the number of non-zero elements.

    Parameters
    ----------
    x : Tensor
        A floating tensor of any shape (or any tensor with a floating ``dtype``).
    ord : float, optional
        The order. Default 2.
    dim : int or tuple of int, optional
        The dim(s) to reduce (negative counts from the end); all of them when None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    dtype : numpy.dtype, optional
        Convert ``x`` to this dtype first (keyword only).

    Returns
    -------
    Tensor
        The norms, of ``x``'s (floating) dtype.

    Raises
    ------
    RuntimeError
        If ``x`` is not floating or ``ord`` is a string.
    IndexError
        If a dim is out of range.

    Notes
    -----
    Gradients follow PyTorch's subgradients: 0 where the norm is 0 (for ``ord > 0``), 0 for
    ``ord=0``, and, for ``ord < 0``, a zero element makes the norm 0 with gradient 0. With
    ``ord=inf`` or ``-inf`` a NaN makes its slice's norm NaN with a zero gradient.
    """
    x = _as(x)
    if dtype is not None:
        x = to(x, dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: expected a floating point input, got "
                           f"{x._data.dtype}")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    if isinstance(dim, (int, np.integer)):
        dim = (dim,)
    ax = abs(x)
    if ord in (_INF, -_INF):
        extreme = amax if ord == _INF else amin
        nan = np.isnan(x._data)
        if not (nan.any() or capturing()):
            return extreme(ax, dim, keepdim)
        nan = _isnan((x,))
        # a NaN makes its slice's norm NaN with a zero gradient (PyTorch), where amax/amin
        # would give every element of the slice a NaN gradient
        top = extreme(abs(where(nan, 0.0, x)), dim, keepdim)
        axis = _axes(dim, x._data.ndim, "vector_norm") if x._data.ndim else None
        has_nan = _any_along((nan,), axis, keepdim)
        return where(has_nan, float("nan"), top)
    if ord == 0:
        return to(sum(to(x != 0, x._data.dtype), dim, keepdim), x._data.dtype)
    if ord == 1:
        return sum(ax, dim, keepdim)
    if ord == 2:
        return _root(sum(mul(x, x), dim, keepdim), 2)
    zero = x._data == 0
    if not (zero.any() or capturing()):
        powered = pow(ax, float(ord))
    else:               # |0|^ord without a nan gradient (0 * inf) at the zeros
        zero = _is_zero((x,))
        powered = pow(where(zero, 1.0, ax), float(ord)).masked_fill(zero, 0.0 if ord > 0
                                                                    else float("inf"))
    if ord > 0:
        return _root(sum(powered, dim, keepdim), ord)
    # ord < 0: a zero element makes the norm 0, with gradient 0
    total = sum(powered, dim, keepdim)
    inf = np.isinf(total._data)
    if not (inf.any() or capturing()):
        return pow(total, 1.0 / ord)
    inf = _isinf((total,))
    return where(inf, 0.0, pow(where(inf, 1.0, total), 1.0 / ord))


# vector_norm's masks, by (non-differentiable) primitives (a captured step takes the masked
# path and computes them for each call)
_isnan = data_op("isnan", np.isnan, "x is NaN (no gradient)")
_isinf = data_op("isinf", np.isinf, "x is infinite (no gradient)")
_is_zero = data_op("is_zero", lambda x: x == 0, "x == 0 (no gradient)")
_any_along = data_op("any", lambda m, axis, keepdims: np.any(m, axis=axis, keepdims=keepdims),
                     "some element is True along the axes (no gradient)")


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """Return the matrix norm of ``A`` over the two dims ``dim`` (``torch.linalg.matrix_norm``).

    Parameters
    ----------
    A : Tensor
        A floating tensor with at least 2 dims.
    ord : {'fro', 'nuc', 2, -2, 1, -1, inf, -inf}, optional
        ``'fro'`` (default) the Frobenius norm; ``'nuc'`` the sum of the singular values;
        2 / -2 the largest / smallest singular value; 1 / -1 the max / min column sum of
        ``abs(A)``; inf / -inf the max / min row sum.
    dim : (int, int), optional
        The two dims holding the matrices (negative counts from the end). Default (-2, -1).
    keepdim : bool, optional
        Keep the two dims with size 1. Default False.
    dtype : numpy.dtype, optional
        Convert ``A`` to this dtype first (keyword only).

    Returns
    -------
    Tensor
        The norms: ``A``'s shape without the two dims.

    Raises
    ------
    RuntimeError
        If ``A`` has fewer than 2 dims, the two dims are the same, or ``ord`` is not supported.
    IndexError
        If a dim is out of range.
    """
    a = _as(A)
    if dtype is not None:
        a = to(a, dtype)
    if a._data.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: expected a tensor with 2 or more dims, got "
                           f"{a.shape}")
    d0, d1 = (_axes(d, a._data.ndim, "matrix_norm")[0] for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims {dim} must be different")
    if ord == "fro":
        return vector_norm(a, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        moved = a.movedim((d0, d1), (-2, -1))
        s = svdvals(moved)
        out = sum(s, -1) if ord == "nuc" else (amax(s, -1) if ord == 2 else amin(s, -1))
    elif ord in (1, -1, _INF, -_INF):
        reduce_first, then = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = sum(abs(a), reduce_first, keepdim=True)
        out = (amax if ord > 0 else amin)(sums, then, keepdim=True)
        return out if keepdim else squeeze(out, (d0, d1))
    else:
        raise RuntimeError(f"linalg.matrix_norm: order {ord!r} is not supported (use 'fro', "
                           f"'nuc', 1, -1, 2, -2, inf, -inf)")
    if keepdim:
        out = unsqueeze(unsqueeze(out, builtins.min(d0, d1)), builtins.max(d0, d1))
    return out


def linalg_norm(input, ord=None, dim=None, keepdim=False, *, dtype=None):
    """Return a vector or matrix norm of ``input`` (``torch.linalg.norm``).

    With ``ord`` None: the 2-norm of the flattened input (or over ``dim``). Otherwise a
    vector norm for a 1-D input or an int ``dim``, a matrix norm for a 2-D input or a pair
    ``dim``.

    Parameters
    ----------
    input : Tensor
        A floating tensor; 1-D or 2-D when ``ord`` is given and ``dim`` is None.
    ord : float or str, optional
        The order, as :func:`vector_norm` or :func:`matrix_norm` takes. Default None.
    dim : int or (int, int), optional
        The dim(s) to reduce (negative counts from the end). Default None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    dtype : numpy.dtype, optional
        Convert ``input`` to this dtype first (keyword only).

    Returns
    -------
    Tensor
        The norms.

    Raises
    ------
    RuntimeError
        If ``ord`` is given with ``dim`` None and ``input`` is not 1-D or 2-D, ``dim`` has more
        than two dims, or the underlying norm rejects the arguments.
    """
    a = _as(input)
    if dim is not None and not isinstance(dim, (int, np.integer)):
        dim = tuple(dim)
    if ord is None:
        return vector_norm(a, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if a._data.ndim == 1:
            return vector_norm(a, ord, None, keepdim, dtype=dtype)
        if a._data.ndim == 2:
            return matrix_norm(a, ord, (-2, -1), keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: input must be 1-D or 2-D when ord is given and dim is "
                           f"None, got shape {a.shape}")
    if isinstance(dim, (int, np.integer)) or len(dim) == 1:
        return vector_norm(a, ord, dim, keepdim, dtype=dtype)
    if len(dim) == 2:
        return matrix_norm(a, ord, dim, keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: dim must be an int or a pair, got {dim}")


@composite("norm")
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Return a vector or matrix norm of ``input``, as ``torch.norm`` (also ``x.norm(...)``).

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.
    p : {'fro', 'nuc'} or float, optional
        ``'fro'`` (default) or None: the 2-norm over ``dim`` (all elements when None);
        ``'nuc'``: the nuclear norm of matrices (``dim`` a pair, default the last two); a
        number: the vector p-norm over ``dim``, including 0, negative, inf and -inf.
    dim : int or tuple of int, optional
        The dim(s) to reduce (negative counts from the end). Default None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    dtype : numpy.dtype, optional
        Convert ``input`` to this dtype first.

    Returns
    -------
    Tensor
        The norms; gradients as :func:`glassgrad.linalg.vector_norm`'s.

    Raises
    ------
    RuntimeError
        If ``p`` is another string, or ``input`` is not floating.
    IndexError
        If a dim is out of range.
    """
    x = _as(input)
    if p == "nuc":
        return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm: p must be 'fro', 'nuc' or a number, got {p!r}")
    return vector_norm(x, p, dim, keepdim, dtype=dtype)


# PyTorch's axis= / keepdims= aliases on every public function taking a dim
alias_module(globals(), [name for name, value in list(globals().items())
                         if callable(value) and getattr(value, "__module__", None) == __name__
                         and not name.startswith("_") and not isinstance(value, type)])


def _attach():
    methods = dict(bmm=bmm, mv=mv, addmm=addmm, addmv=addmv, baddbmm=baddbmm, addbmm=addbmm,
                   addr=addr, outer=outer, ger=outer, inner=inner, kron=kron, cross=cross,
                   matrix_power=matrix_power, norm=norm, det=det, logdet=None, slogdet=slogdet,
                   inverse=inv, cholesky=cholesky, pinverse=pinv)
    methods["logdet"] = _logdet
    for name, fn in methods.items():
        setattr(Tensor, name, fn)


def _logdet(input):
    """Return ``log(det(input))`` of square matrices (also ``x.logdet()``).

    Parameters
    ----------
    input : Tensor
        A floating tensor of shape (\\*, n, n).

    Returns
    -------
    Tensor
        Shape (\\*): NaN where the determinant is negative, ``-inf`` where it is 0. The
        gradient flows through ``log(abs(det))`` (``input^-T g``) where the determinant is
        positive.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating or not a batch of square matrices.
    """
    sign, logabs = slogdet(input)
    return where(sign._data < 0, float("nan"), where(sign._data == 0, -_INF, logabs))


logdet = _logdet
inverse = inv
pinverse = pinv

_attach()


def linalg_cross(input, other, *, dim=-1):
    """Return the cross product of 3-vectors along ``dim``, the last dim by default (``torch.linalg.cross``).

    Parameters
    ----------
    input : Tensor
        A tensor whose ``dim`` has size 3.
    other : Tensor
        Broadcastable with ``input``.
    dim : int, optional
        The dim holding the vectors (keyword only; negative counts from the end). Default -1.

    Returns
    -------
    Tensor
        The broadcast shape.

    Raises
    ------
    RuntimeError
        If ``dim`` does not have size 3.
    IndexError
        If ``dim`` is out of range.
    ValueError
        If the shapes do not broadcast.
    """
    return cross(input, other, dim)


def vecdot(x, y, *, dim=-1):
    """Return the dot product of the vectors of ``x`` and ``y`` along ``dim`` (``torch.linalg.vecdot``).

    Parameters
    ----------
    x : Tensor
        A tensor of any shape.
    y : Tensor
        Broadcastable with ``x``.
    dim : int, optional
        The dim to sum over (keyword only; negative counts from the end). Default -1.

    Returns
    -------
    Tensor
        ``sum(x * y, dim)``: the broadcast shape without ``dim``.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.
    ValueError
        If the shapes do not broadcast.

    Notes
    -----
    No complex conjugation: glassgrad has no complex dtypes.
    """
    return sum(mul(x, y), dim)
