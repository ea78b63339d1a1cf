"""Every op as a function (`ag.exp(t)`) and as a Tensor method (`t.exp()`).

Functions here check arguments, promote dtypes and then either apply one primitive from
`primitives.py` or compose several (softmax, var, logsumexp, ...). Nothing here defines a
derivative: composites get theirs from the primitives they are built of.
"""
import builtins
import math
from collections import namedtuple

import numpy as np

from . import primitives as P
from .dtypes import get_default_dtype, promote, scalar_result_dtype
from .engine import apply
from .grad_mode import _State, no_grad
from .naming import composite     # composite ops drawn as one box (ag.viz)
from ._quiet import quiet
from .random import get_rng
from .tensor import Tensor, _wrap

_Scalar = (int, float, bool, np.number, np.bool_)


# ----- operands --------------------------------------------------------------------------


def _tensor(x, like=None):
    """`x` as a Tensor; Python scalars take `like`'s dtype rules."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return _wrap(x)
    if isinstance(x, _Scalar) and like is not None:
        return _wrap(np.array(x, dtype=scalar_result_dtype(like._data.dtype, x)))
    return Tensor(x)


_constants = {}


def _constant(value, dtype):
    """A 0-d tensor holding a Python scalar, cached: graphs reuse the same few constants
    (1.0, 0.5, ...) and the engine never writes into them."""
    # 0.0 == -0.0 would share a key, but the sign of a zero matters (1 / (x * -0.0))
    key = (value.__class__, value, dtype) if value else (value.__class__, str(value), dtype)
    t = _constants.get(key)
    if t is None:
        if len(_constants) > 4096:
            _constants.clear()
        t = _constants[key] = _wrap(np.array(value, dtype=dtype))
    return t


def _pair(a, b):
    """Both operands as tensors of one dtype, promoted as PyTorch does."""
    if b.__class__ is float and isinstance(a, Tensor):
        dt = a._data.dtype
        if dt.kind == "f":
            return a, _constant(b, dt)
    if not isinstance(a, Tensor):
        if isinstance(b, Tensor):
            b2, a2 = _pair(b, a)
            return a2, b2
        a = Tensor(a)
    if isinstance(b, Tensor):
        da, db = a._data.dtype, b._data.dtype
        if da == db:
            return a, b
        dt = promote(da, db)
        return (a if da == dt else to(a, dt)), (b if db == dt else to(b, dt))
    if isinstance(b, np.ndarray):
        return _pair(a, _wrap(b))
    if isinstance(b, _Scalar):
        dt = scalar_result_dtype(a._data.dtype, b)
        if dt != a._data.dtype:
            a = to(a, dt)
        return a, _constant(b, dt) if isinstance(b, (int, float, bool)) else \
            _wrap(np.array(b, dtype=dt))
    return _pair(a, Tensor(b))


def _float_pair(a, b):
    a, b = _pair(a, b)
    if a._data.dtype.kind != "f":
        dt = get_default_dtype()
        a, b = to(a, dt), to(b, dt)
    return a, b


def _binary(prim, name):
    def op(a, b):
        a, b = _pair(a, b)
        try:
            return apply(prim, (a, b))
        except ValueError as e:
            raise ValueError(f"{name}: shapes {a.shape} and {b.shape} do not broadcast") from e
    op.__name__ = name
    op.__doc__ = f"Elementwise {name} of two tensors (or a tensor and a scalar), broadcast."
    return op


_add = _binary(P.ADD, "add")
_sub = _binary(P.SUB, "sub")


def _alpha_check(a, b, alpha, name):
    if isinstance(alpha, float) and not (
            (isinstance(a, Tensor) and a._data.dtype.kind == "f")
            or (isinstance(b, Tensor) and b._data.dtype.kind == "f") or isinstance(b, float)):
        raise RuntimeError(f"{name}: for integral input tensors, argument alpha must not be a "
                           f"floating point number")


def add(input, other, *, alpha=1):
    """input + alpha * other, elementwise, broadcast (PyTorch's dtype promotion)."""
    if alpha != 1:
        _alpha_check(input, other, alpha, "add")
        other = mul(other, alpha)
    return _add(input, other)


def sub(input, other, *, alpha=1):
    """input - alpha * other, elementwise, broadcast (PyTorch's dtype promotion).

    Raises
    ------
    RuntimeError
        For two bool tensors (use logical_xor, as PyTorch says)."""
    if alpha != 1:
        _alpha_check(input, other, alpha, "sub")
        other = mul(other, alpha)
    if isinstance(input, Tensor) and isinstance(other, Tensor) \
            and input._data.dtype.kind == "b" == other._data.dtype.kind:
        raise RuntimeError("sub: subtraction, the `-` operator, with two bool tensors is not "
                           "supported; use the `^` or logical_xor() operator instead")
    return _sub(input, other)


mul = _binary(P.MUL, "mul")
maximum = _binary(P.MAXIMUM, "maximum")
minimum = _binary(P.MINIMUM, "minimum")
maximum.__doc__ += " On ties the gradient is split evenly between a and b, as in PyTorch."
minimum.__doc__ += " On ties the gradient is split evenly between a and b, as in PyTorch."
subtract, multiply = sub, mul


def div(a, b, *, rounding_mode=None):
    """Division a / b, broadcast. `rounding_mode=None`: true division (integer inputs give
    the default float dtype); 'trunc': rounded toward zero, 'floor': rounded down (integers
    stay integers; these two have zero gradient, as PyTorch).

    Raises
    ------
    RuntimeError
        For an integer division by zero with a rounding mode (as PyTorch)."""
    if rounding_mode is not None:
        return _rounded_div(a, b, rounding_mode)
    a, b = _float_pair(a, b)
    try:
        return apply(P.DIV, (a, b))
    except ValueError as e:
        raise ValueError(f"div: shapes {a.shape} and {b.shape} do not broadcast") from e


true_divide = divide = div


def _rounded_div(a, b, rounding_mode):
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found {rounding_mode!r}")
    a, b = _pair(a, b)
    if a._data.dtype.kind == "b":
        raise NotImplementedError(f"div: rounding_mode={rounding_mode!r} is not implemented "
                                  f"for bool tensors")
    if a._data.dtype.kind in "iu" and (b._data == 0).any():
        raise RuntimeError("div: ZeroDivisionError (integer division by zero)")
    try:
        return apply(P.DIV_FLOOR if rounding_mode == "floor" else P.DIV_TRUNC, (a, b))
    except ValueError as e:
        raise ValueError(f"div: shapes {a.shape} and {b.shape} do not broadcast") from e


def pow(a, b):
    """a ** b. A Python-number exponent uses a cheaper rule than a tensor exponent."""
    if isinstance(a, Tensor) and isinstance(b, _Scalar) and not isinstance(b, bool):
        if isinstance(b, np.generic):
            b = b.item()        # a numpy scalar would make np.power widen float32 to float64
        if a._data.dtype.kind != "f" and isinstance(b, float):
            a = to(a, get_default_dtype())
        return apply(P.POW_SCALAR, (a,), b)
    a, b = _pair(a, b)
    return apply(P.POW, (a, b))


def neg(x):
    return apply(P.NEG, (x,))


negative = neg


def _unary(prim, name, floating=True):
    def op(x):
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if floating and x._data.dtype.kind != "f":
            x = to(x, get_default_dtype())
        return apply(prim, (x,))
    op.__name__ = name
    op.__doc__ = f"Elementwise {name}. {prim.rule}"
    return op


exp = _unary(P.EXP, "exp")
log = _unary(P.LOG, "log")
log1p = _unary(P.LOG1P, "log1p")
expm1 = _unary(P.EXPM1, "expm1")
sqrt = _unary(P.SQRT, "sqrt")
sin = _unary(P.SIN, "sin")
cos = _unary(P.COS, "cos")
tanh = _unary(P.TANH, "tanh")
sigmoid = _unary(P.SIGMOID, "sigmoid")
erf = _unary(P.ERF, "erf")
relu = _unary(P.RELU, "relu", floating=False)
abs = _unary(P.ABS, "abs", floating=False)


def square(x):
    return mul(x, x)


def rsqrt(x):
    return div(1.0, sqrt(x))


def sign(x):
    """Elementwise sign: -1, 0 or 1 (0 at 0 and nan); bool input is returned as a copy. Its
    gradient is zero, but the output requires grad when x does, as in PyTorch."""
    x = _tensor(x)
    if x._data.dtype.kind == "b":
        return _wrap(x._data.copy())
    return apply(P.SIGN, (x,))


def clamp(x, min=None, max=None):
    """Clamp into [min, max] (either may be None). The gradient passes where
    min <= x <= max, boundaries included (PyTorch's convention)."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # where(), not maximum/minimum (which split ties): x keeps the gradient on the
        # boundaries and a bound gets it where it was applied, as in PyTorch
        out = x
        if min is not None:
            lo = _tensor(min, x)
            out = where(out._data < lo._data, lo, out)
        if max is not None:
            hi = _tensor(max, x)
            out = where(out._data > hi._data, hi, out)
        return out
    if x._data.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = to(x, get_default_dtype())      # an integer tensor clamped to float bounds
    return apply(P.CLAMP, (x,), min, max)


clip = clamp


def where(condition, x, y):
    """Elements of x where `condition` is true, else of y (all three broadcast). Gradients
    flow to x and y only; the condition is a constant."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    x, y = _pair(x, y)
    try:
        return apply(P.WHERE, (x, y), cond)
    except ValueError as e:
        raise ValueError(f"where: condition {cond.shape}, x {x.shape} and y {y.shape} do not "
                         f"broadcast") from e


def to(x, dtype):
    """`x` converted to `dtype` (differentiable between float dtypes)."""
    dtype = np.dtype(dtype)
    if x._data.dtype == dtype:
        return x
    if dtype.kind != "f" or x._data.dtype.kind != "f":
        return _wrap(x._data.astype(dtype))
    return apply(P.CAST, (x,), dtype, x._data.dtype)


def clone(x):
    return apply(P.CLONE, (x,))


# ----- comparisons (boolean results, outside the graph) ----------------------------------


def _compare(ufunc, name):
    def op(a, b):
        a_data = a._data if isinstance(a, Tensor) else a
        b_data = b._data if isinstance(b, Tensor) else b
        return _wrap(np.asarray(ufunc(a_data, b_data)))
    op.__name__ = name
    return op


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")


def isnan(x):
    return _wrap(np.isnan(x._data))


def isinf(x):
    return _wrap(np.isinf(x._data))


def isfinite(x):
    return _wrap(np.isfinite(x._data))


def logical_not(x):
    return _wrap(np.logical_not(x._data))


def allclose(a, b, rtol=1e-5, atol=1e-8, equal_nan=False):
    return bool(np.allclose(_tensor(a)._data, _tensor(b)._data, rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def equal(a, b):
    return a.shape == b.shape and bool(np.array_equal(a._data, b._data))


# ----- reductions ----------------------------------------------------------------------------


def _axes(dim, ndim, op):
    """Normalize `dim` (None, int or sequence; negatives allowed) to a sorted tuple or None."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:        # dim=() reduces every dim, as in PyTorch (numpy would reduce none)
        return None
    out = []
    for d in dims:
        if not -builtins.max(ndim, 1) <= d < builtins.max(ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor with {ndim} dims")
        out.append(d % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim} repeats an axis")
    return tuple(sorted(out))


def _reduce_count(shape, axis):
    if axis is None:
        return math.prod(shape)
    return math.prod([shape[a] for a in axis])


def sum(x, dim=None, keepdim=False, dtype=None):
    """Sum over `dim` (all elements when None). Bool/int tensors sum to int64."""
    if dtype is not None:
        x = to(x, dtype)
    elif x._data.dtype.kind in "bi" and x._data.dtype != np.int64:
        x = to(x, np.int64)
    axis = _axes(dim, x._data.ndim, "sum")
    if x._data.ndim == 0:
        axis = None
    return apply(P.SUM, (x,), axis, keepdim, x._data.shape)


@composite("mean")
def mean(x, dim=None, keepdim=False, dtype=None):
    """Arithmetic mean over `dim` (all elements when None); floating tensors only."""
    if dtype is not None:
        x = to(x, dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"mean: input dtype should be floating point, got {x._data.dtype}; "
                           f"call .float() first")
    axis = _axes(dim, x._data.ndim, "mean")
    n = _reduce_count(x._data.shape, axis if x._data.ndim else None)
    return div(sum(x, dim, keepdim), n) if n != 1 else sum(x, dim, keepdim)


@composite("var")
def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over `dim` with Bessel's `correction` (default 1: unbiased, as PyTorch);
    `unbiased=False` is correction=0."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axis = _axes(dim, x._data.ndim, "var")
    n = _reduce_count(x._data.shape, axis if x._data.ndim else None)
    centered = sub(x, mean(x, dim, keepdim=True))
    return div(sum(mul(centered, centered), dim, keepdim), float(builtins.max(n - correction, 0)))


@composite("std")
def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: sqrt(var(...)) with the same arguments. Where the deviation is 0
    its gradient is 0, as in PyTorch."""
    return _root(var(x, dim, unbiased, keepdim, correction=correction), 2)


def _root(s, p):
    """s ** (1/p) for norms and std, whose gradient where s == 0 is 0 (PyTorch's subgradient)
    rather than inf * 0 = nan."""
    zero = s._data == 0
    if not zero.any():
        return sqrt(s) if p == 2 else pow(s, 1.0 / p)
    safe = where(zero, 1.0, s)
    return where(zero, 0.0, sqrt(safe) if p == 2 else pow(safe, 1.0 / p))


def _extreme(prim, name):
    def op(x, dim=None, keepdim=False):
        if x._data.size == 0:
            raise RuntimeError(f"{name}: expected a non-empty tensor, got shape {x.shape}")
        axis = _axes(dim, x._data.ndim, name)
        if x._data.ndim == 0:
            axis = None
        return apply(prim, (x,), axis, keepdim, x._data.shape)
    op.__name__ = name
    op.__doc__ = (f"{name} over `dim` (all elements when None). The gradient is shared evenly "
                  f"among tied extremes, as in PyTorch.")
    return op


amax = _extreme(P.AMAX, "amax")
amin = _extreme(P.AMIN, "amin")

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def argmax(x, dim=None, keepdim=False):
    """Index of the first maximum (over the flattened tensor when dim is None)."""
    if dim is None:
        return _wrap(np.asarray(np.argmax(x._data), dtype=np.int64))
    d = _axes(dim, x._data.ndim, "argmax")[0] if x._data.ndim else None
    return _wrap(np.asarray(np.argmax(x._data, axis=d, keepdims=keepdim), dtype=np.int64))


def argmin(x, dim=None, keepdim=False):
    """Index of the first minimum (over the flattened tensor when dim is None)."""
    if dim is None:
        return _wrap(np.asarray(np.argmin(x._data), dtype=np.int64))
    d = _axes(dim, x._data.ndim, "argmin")[0] if x._data.ndim else None
    return _wrap(np.asarray(np.argmin(x._data, axis=d, keepdims=keepdim), dtype=np.int64))


def _max_or_min(x, dim, keepdim, other, largest):
    if isinstance(dim, Tensor) and other is None:
        dim, other = None, dim
    if other is not None:
        return maximum(x, other) if largest else minimum(x, other)
    if dim is None:
        return amax(x) if largest else amin(x)
    d = _axes(dim, x._data.ndim, "max" if largest else "min")[0] if x._data.ndim else 0
    if x._data.ndim == 0:
        return (MaxResult if largest else MinResult)(x, _wrap(np.array(0)))
    idx = (argmax if largest else argmin)(x, d, keepdim=True)
    values = gather(x, d, idx)
    if not keepdim:
        values = squeeze(values, d)
        idx = _wrap(idx._data.squeeze(d))
    return (MaxResult if largest else MinResult)(values, idx)


def max(x, dim=None, keepdim=False, other=None):
    """`max(x)`: the largest element (gradient shared among ties). `max(x, dim)`: a named
    tuple (values, indices) whose gradient goes to the index returned (the first maximum).
    `max(x, y)` for a tensor y: elementwise maximum."""
    return _max_or_min(x, dim, keepdim, other, True)


def min(x, dim=None, keepdim=False, other=None):
    """Like max, for the smallest elements."""
    return _max_or_min(x, dim, keepdim, other, False)


def _max_shift(x, axis):
    """max(x) over `axis` (dims kept) as a constant, for exp-normalizing ops. A non-finite max
    is replaced by 0: a row of -inf (fully masked) or holding +inf is left unshifted, so the
    result is PyTorch's (-inf, nan, ...) without an inf - inf warning from numpy."""
    if not x._data.size:
        return _wrap(np.zeros((), x._data.dtype))
    shift = np.amax(x._data, axis=axis if x._data.ndim else None, keepdims=True)
    return _wrap(np.where(np.isfinite(shift), shift, 0).astype(x._data.dtype, copy=False))


@composite("logsumexp")
def logsumexp(x, dim=None, keepdim=False):
    """log(sum(exp(x))) over `dim`, computed stably by shifting by the (constant) maximum."""
    axis = _axes(dim, x._data.ndim, "logsumexp")
    shift_t = _max_shift(x, axis)
    out = add(log(sum(exp(sub(x, shift_t)), dim, keepdim=True)), shift_t)
    if not keepdim:
        out = reshape(out, tuple(s for i, s in enumerate(out.shape)
                                 if not (axis is None or i in axis)))
    return out


@composite("softmax")
def softmax(x, dim=-1, dtype=None):
    """exp(x) / sum(exp(x)) along `dim`, shifted by the (constant) max for stability.
    With `dtype`, x is converted to it first (as PyTorch)."""
    if dtype is not None:
        x = to(x, dtype)
    elif x._data.dtype.kind != "f":
        x = to(x, get_default_dtype())
    shift = _max_shift(x, _axes(dim, x._data.ndim, "softmax"))
    e = exp(sub(x, shift))
    return div(e, sum(e, dim, keepdim=True))


def log_softmax(x, dim=-1, dtype=None):
    """x - logsumexp(x) along `dim`, as one primitive (stable, and one node instead of six).
    With `dtype`, x is converted to it first (as PyTorch)."""
    if dtype is not None:
        x = to(x, dtype)
    if x._data.dtype.kind != "f":
        x = to(x, get_default_dtype())
    if x._data.ndim == 0:
        return sub(x, x)
    return apply(P.LOG_SOFTMAX, (x,), _axes(dim, x._data.ndim, "log_softmax")[0])


def nll(logp, index, weight=None, denom=1.0, per_sample=False):
    """Negative log-likelihood picked from rows: -sum_i w_i * logp[i, index[i]] / denom, or
    the (rows,) vector -w_i * logp[i, index[i]] / denom if `per_sample`. logp (rows, C) floats;
    index (rows,) integers in [0, C); weight (rows,) or None (all ones). One node: the loss
    functions build on it."""
    rows, ind = logp._data, np.asarray(index)
    if rows.ndim != 2 or ind.shape != rows.shape[:1] or ind.dtype.kind not in "iu":
        raise ValueError(f"nll: expected logp (rows, C) and integer index (rows,), got logp "
                         f"{rows.shape} and index {ind.shape} of dtype {ind.dtype}")
    if ind.size and (ind.min() < 0 or ind.max() >= rows.shape[1]):
        raise IndexError(f"nll: index values must be in [0, {rows.shape[1]}), got "
                         f"{ind.min()} .. {ind.max()}")
    if weight is not None:
        weight = np.asarray(weight, dtype=rows.dtype)
        if weight.shape != ind.shape:
            raise ValueError(f"nll: weight must have shape {ind.shape}, got {weight.shape}")
    return apply(P.NLL, (logp,), ind, weight, float(denom), bool(per_sample), rows.shape[1])


@composite("norm")
def norm(x, p=2, dim=None, keepdim=False):
    """Vector p-norm over `dim` (all elements when None): p = 1, 2 ('fro'), inf or any p > 0.
    At a zero vector the gradient is 0, as in PyTorch."""
    if p == "fro":
        p = 2
    if isinstance(p, str) or not p > 0:
        raise ValueError(f"norm: p must be a positive number, 'fro' or inf, got {p!r}")
    if p == 1:
        return sum(abs(x), dim, keepdim)
    if p == float("inf"):
        return amax(abs(x), dim, keepdim)
    return _root(sum(mul(x, x) if p == 2 else pow(abs(x), p), dim, keepdim), p)


def all(x, dim=None, keepdim=False):
    return _wrap(np.asarray(np.all(x._data, axis=dim, keepdims=keepdim)))


def any(x, dim=None, keepdim=False):
    return _wrap(np.asarray(np.any(x._data, axis=dim, keepdims=keepdim)))


# ----- shape -------------------------------------------------------------------------------


def _size_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _resolve_shape(x, shape, op):
    """`shape` with its -1 (at most one) filled in, checked against x's number of elements."""
    shape = tuple(int(s) for s in shape)
    size = x._data.size
    if -1 in shape:
        known = math.prod(s for s in shape if s != -1)
        if shape.count(-1) > 1 or known == 0 or size % known:
            raise RuntimeError(f"{op}: shape {shape} is invalid for input of shape {x.shape} "
                               f"({size} elements)")
        shape = tuple(size // known if s == -1 else s for s in shape)
    if math.prod(shape) != size or builtins.any(s < 0 for s in shape):
        raise RuntimeError(f"{op}: shape {shape} is invalid for input of shape {x.shape} "
                           f"({size} elements)")
    return shape


def reshape(x, *shape):
    """A tensor with the same elements in `shape` (one entry may be -1). A view when the
    memory layout allows it, else a copy."""
    shape = _size_args(shape)
    if shape != x._data.shape:
        shape = _resolve_shape(x, shape, "reshape")
        if shape != x._data.shape:
            return apply(P.RESHAPE, (x,), shape, x._data.shape)
    return x


def view(x, *shape):
    """Like reshape, but always shares memory: raises if the layout would need a copy."""
    shape = _resolve_shape(x, _size_args(shape), "view")
    try:
        np.reshape(x._data, shape, copy=False)
    except ValueError:
        raise RuntimeError(f"view: shape {shape} is not compatible with the strides of the "
                           f"input (shape {x.shape}); use reshape(), which copies") from None
    return apply(P.RESHAPE, (x,), shape, x._data.shape)


def flatten(x, start_dim=0, end_dim=-1):
    nd = x._data.ndim
    if nd == 0:
        return reshape(x, (1,))
    s, e = start_dim % nd, end_dim % nd
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x._data.shape
    return reshape(x, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def squeeze(x, dim=None):
    """Remove size-1 dims (all of them, or only `dim`, which may be a tuple)."""
    shape = x._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        axes = _axes(dim, x._data.ndim, "squeeze") or ()
        new = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return reshape(x, new)


def unsqueeze(x, dim):
    """Insert a size-1 dim at `dim` (negative counts from the end of the result)."""
    nd = x._data.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a result with {nd} dims")
    d = dim % nd
    shape = x._data.shape
    return reshape(x, shape[:d] + (1,) + shape[d:])


def permute(x, *dims):
    dims = _size_args(dims)
    if len(dims) != x._data.ndim or sorted(d % builtins.max(x._data.ndim, 1) for d in dims) \
            != list(range(x._data.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x._data.ndim} "
                         f"dims of shape {x.shape}")
    dims = tuple(d % x._data.ndim for d in dims)
    if dims == tuple(range(x._data.ndim)):
        return x
    return apply(P.PERMUTE, (x,), dims)


def transpose(x, dim0, dim1):
    nd = x._data.ndim
    if nd < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return x
    axes = list(range(nd))
    d0, d1 = _axes(dim0, nd, "transpose")[0], _axes(dim1, nd, "transpose")[0]
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return permute(x, tuple(axes))


swapaxes = transpose


def expand(x, *sizes):
    """Broadcast to `sizes` without copying (-1 keeps a dim). Read-only view."""
    sizes = _size_args(sizes)
    nd = len(sizes)
    shape = (1,) * (nd - x._data.ndim) + x._data.shape
    target = tuple(s if t == -1 else t for s, t in zip(shape, sizes))
    if target == x._data.shape:
        return x
    for s, t in zip(shape, target):
        if s != t and s != 1:
            raise RuntimeError(f"expand: shape {x.shape} cannot be expanded to {sizes}")
    return apply(P.EXPAND, (x,), target, x._data.shape)


def broadcast_to(x, shape):
    return expand(x, tuple(shape))


def expand_as(x, other):
    return expand(x, other.shape)


def sum_to(g, shape):
    """Sum `g` over the dims that broadcasting added or stretched, back to `shape`."""
    if g._data.shape == shape:
        return g
    lead = g._data.ndim - len(shape)
    stretched = tuple(lead + i for i, s in enumerate(shape)
                      if s == 1 and g._data.shape[lead + i] != 1)
    if not stretched:       # only added leading dims: one sum gives the shape
        return apply(P.SUM, (g,), tuple(range(lead)), False, g._data.shape)
    out = apply(P.SUM, (g,), tuple(range(lead)) + stretched, True, g._data.shape)
    return reshape(out, shape)


def sum_to_size(x, *size):
    """Tensor.sum_to_size: `x` summed over broadcast dims down to `size` (x must be
    expandable from `size`)."""
    return sum_to(x, _size_args(size))


def _normalize_index(index):
    """(numpy index, is_basic): tensors and lists become arrays; basic means a view."""
    if not isinstance(index, tuple):
        index = (index,)
    out, basic = [], True
    for i in index:
        if isinstance(i, Tensor):
            i = i._data
            basic = False
        elif isinstance(i, (list, np.ndarray)):
            i = np.asarray(i)
            if i.size == 0 and i.dtype.kind == "f":
                i = i.astype(np.intp)       # [] selects nothing (numpy reads it as float)
            basic = False
        elif isinstance(i, (bool, np.bool_)):
            basic = False
        elif not (i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))):
            raise TypeError(f"index: unsupported index element {i!r} of type {type(i).__name__}")
        if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
            raise IndexError(f"index: arrays used as indices must be integer or bool, got "
                             f"{i.dtype}")
        out.append(i)
    return tuple(out), basic


def getitem(x, index):
    """x[index] with ints, slices, None, Ellipsis, integer arrays and boolean masks.
    Basic indexing gives a view; advanced indexing a copy whose gradient accumulates over
    repeated indices."""
    idx, basic = _normalize_index(index)
    try:
        x._data[idx]
        # numpy validates the index here; the primitive repeats the (cheap) lookup.
    except IndexError as e:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {x.shape}: {e}") \
            from None
    return apply(P.SLICE if basic else P.INDEX, (x,), idx, x._data.shape)


def setitem(x, index, value):
    """x[index] = value, in place (bumps x's version)."""
    idx, _ = _normalize_index(index)
    if _tracked(x, value):
        value = to(_tensor(value, x), x._data.dtype)
        return _inplace(x, "setitem", lambda s, v: apply(P.INDEX_PUT, (s, v), idx, v.shape),
                        value)
    x._data[idx] = value._data if isinstance(value, Tensor) else value
    x._vbox[0] += 1
    return x


def gather(x, dim, index):
    """out[i][j][k] = x[index[i][j][k]][j][k] for dim=0 (PyTorch's gather): `index` has x's
    number of dims and sizes no larger than x's outside `dim`."""
    ind = index._data if isinstance(index, Tensor) else np.asarray(index)
    nd = x._data.ndim
    d = _axes(dim, nd, "gather")[0] if nd else 0
    if ind.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got {ind.dtype}")
    if nd == 0 and ind.ndim == 0:       # a 0-d input gathers like a 1-element vector
        return reshape(gather(reshape(x, (1,)), 0, ind.reshape(1)), ())
    if ind.ndim != nd:
        raise RuntimeError(f"gather: index has {ind.ndim} dims but input has {nd} "
                           f"(input {x.shape}, index {ind.shape})")
    for i, (s, t) in enumerate(zip(x._data.shape, ind.shape)):
        if i != d and t > s:
            raise RuntimeError(f"gather: index shape {ind.shape} exceeds input shape "
                               f"{x.shape} in dim {i}")
    if ind.size and (ind.min() < 0 or ind.max() >= x._data.shape[d]):
        raise IndexError(f"gather: index values must lie in [0, {x._data.shape[d]}) for dim "
                         f"{dim} of input shape {x.shape}; got min {ind.min()}, max {ind.max()}")
    if builtins.any(t < s for i, (s, t) in enumerate(zip(x._data.shape, ind.shape)) if i != d):
        x = getitem(x, tuple(slice(None) if i == d else slice(0, t)
                             for i, t in enumerate(ind.shape)))
    return apply(P.GATHER, (x,), d, ind, x._data.shape)


def masked_fill(x, mask, value):
    """x with `value` wherever `mask` (broadcast to x) is true."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be bool, got {m.dtype}")
    if isinstance(value, Tensor):
        value = to(value, x._data.dtype)
    else:
        value = _wrap(np.array(value, dtype=x._data.dtype))
    return where(m, value, x)


def cat(tensors, dim=0):
    """Join tensors along an existing dim; shapes must agree elsewhere."""
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        dt = promote(dt, t._data.dtype)
    tensors = [to(t, dt) for t in tensors]
    nd = tensors[0]._data.ndim
    if nd == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated")
    d = _axes(dim, nd, "cat")[0]
    ref = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        s = t._data.shape
        if len(s) != nd or builtins.any(a != b for j, (a, b) in enumerate(zip(s, ref)) if j != d):
            raise ValueError(f"cat: tensor {i} has shape {s}, which does not match {ref} "
                             f"outside dim {d}")
    sizes = tuple(t._data.shape[d] for t in tensors)
    return apply(P.CAT, tuple(tensors), d, sizes)


def stack(tensors, dim=0):
    """Join same-shape tensors along a new dim."""
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def split(x, split_size_or_sections, dim=0):
    """Split into pieces of `split_size` (the last may be smaller) or of the listed sizes."""
    d = _axes(dim, x._data.ndim, "split")[0]
    n = x._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n} (dim {dim} of {x.shape})")
    out, start = [], 0
    for s in sizes:
        out.append(getitem(x, (slice(None),) * d + (slice(start, start + s),)))
        start += s
    return tuple(out)


def chunk(x, chunks, dim=0):
    """Split into `chunks` pieces of size ceil(n / chunks) (fewer if n is small)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x._data.shape[_axes(dim, x._data.ndim, "chunk")[0]]
    return split(x, builtins.max(1, -(-n // chunks)), dim)


def pad(x, pad, value=0.0):
    """Constant padding; `pad` lists (before, after) pairs from the last dim backwards,
    as in torch.nn.functional.pad."""
    if len(pad) % 2 or len(pad) // 2 > x._data.ndim:
        raise ValueError(f"pad: {pad} must hold (before, after) pairs for at most "
                         f"{x._data.ndim} dims")
    if builtins.any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding {pad} is not supported")
    widths = [(0, 0)] * x._data.ndim
    for i in range(len(pad) // 2):
        widths[x._data.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if builtins.all(w == (0, 0) for w in widths):
        return x
    return apply(P.PAD, (x,), tuple(widths), value)


def matmul(a, b):
    """Matrix product with numpy/PyTorch semantics: 1-D operands are promoted to a row
    (left) or column (right) and the added dim removed; batch dims broadcast."""
    a, b = _pair(a, b)
    if a._data.ndim == 0 or b._data.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dim, got shapes {a.shape} "
                           f"and {b.shape}")
    ka = a._data.shape[-1]
    kb = b._data.shape[-2] if b._data.ndim > 1 else b._data.shape[0]
    if ka != kb:
        raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied "
                           f"({ka} != {kb})")
    if a._data.ndim >= 2 and b._data.ndim >= 2:
        try:
            return apply(P.MATMUL, (a, b))
        except ValueError as e:
            raise RuntimeError(f"matmul: batch dims of {a.shape} and {b.shape} do not "
                               f"broadcast") from e
    a2 = unsqueeze(a, 0) if a._data.ndim == 1 else a
    b2 = unsqueeze(b, -1) if b._data.ndim == 1 else b
    out = apply(P.MATMUL, (a2, b2))
    if b._data.ndim == 1:
        out = squeeze(out, -1)
    if a._data.ndim == 1:
        out = squeeze(out, -2 if b._data.ndim > 1 else -1)
    return out


mm = matmul


def linear(x, weight, bias=None):
    """x (..., in) @ weight.T (out, in) + bias (out,) -> (..., out), as one primitive."""
    x = _tensor(x)
    if weight._data.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out, in), got shape {weight.shape}")
    if x._data.ndim == 0 or x._data.shape[-1] != weight._data.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not match weight of shape "
                         f"{weight.shape} (expected input (..., {weight.shape[1]}))")
    if bias is not None and bias._data.shape != (weight._data.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    tensors = (x, weight) if bias is None else (x, weight, bias)
    dt = x._data.dtype
    if weight._data.dtype == dt and (bias is None or bias._data.dtype == dt):
        return apply(P.LINEAR, tensors)
    for t in tensors[1:]:
        dt = promote(dt, t._data.dtype)
    return apply(P.LINEAR, tuple(to(t, dt) for t in tensors))


def dot(a, b):
    return matmul(a, b)


def unfold2d(x, kernel_size, stride=1, dilation=1):
    """Sliding windows of a (N, C, H, W) tensor: (N, C, kh, kw, OH, OW) (im2col)."""
    pair = lambda v: (int(v), int(v)) if isinstance(v, (int, np.integer)) else tuple(v)
    kernel, stride, dilation = pair(kernel_size), pair(stride), pair(dilation)
    if x._data.ndim != 4:
        raise ValueError(f"unfold2d: expected a (N, C, H, W) input, got shape {x.shape}")
    h, w = x._data.shape[2:]
    if h < dilation[0] * (kernel[0] - 1) + 1 or w < dilation[1] * (kernel[1] - 1) + 1:
        raise ValueError(f"unfold2d: kernel {kernel} (dilation {dilation}) is larger than the "
                         f"padded input {h}x{w}")
    return apply(P.UNFOLD2D, (x,), kernel, stride, dilation, x._data.shape)


def _conv_padding(padding):
    """(top, bottom, left, right) from an int, a pair (ph, pw), or (left, right, top, bottom)
    in ag.pad's order."""
    if isinstance(padding, (int, np.integer)):
        padding = (int(padding),) * 2
    padding = tuple(int(p) for p in padding)
    if len(padding) == 2:
        return padding[0], padding[0], padding[1], padding[1]
    if len(padding) == 4:
        return padding[2], padding[3], padding[0], padding[1]
    raise ValueError(f"conv2d: padding must be an int, a pair (ph, pw) or (left, right, top, "
                     f"bottom), got {padding}")


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw), plus bias (O,):
    (N, O, OH, OW), OH = (H + pad_top + pad_bottom - dh (kh - 1) - 1) // sh + 1. Zero
    padding: an int, a pair (ph, pw), or (left, right, top, bottom) as in ag.pad.

    Stride 1 is one fused primitive (im2col in a layout where every kernel tap is a
    contiguous slice, one GEMM); larger strides compose pad, unfold2d and matmul."""
    pair = lambda v: (int(v), int(v)) if isinstance(v, (int, np.integer)) else tuple(v)
    stride, dilation = pair(stride), pair(dilation)
    x = _tensor(x)
    if x._data.ndim != 4 or weight._data.ndim != 4:
        raise ValueError(f"conv2d: expected input (N, C, H, W) and weight (O, C, kh, kw), got "
                         f"shapes {x.shape} and {weight.shape}")
    o, c, kh, kw = weight._data.shape
    if x._data.shape[1] != c:
        raise ValueError(f"conv2d: input {x.shape} has {x._data.shape[1]} channels but weight "
                         f"{weight.shape} expects {c}")
    if bias is not None and bias._data.shape != (o,):
        raise ValueError(f"conv2d: bias must have shape ({o},), got {bias.shape}")
    if builtins.min(stride + dilation) < 1:
        raise ValueError(f"conv2d: stride {stride} and dilation {dilation} must be positive")
    pads = _conv_padding(padding)
    if builtins.min(pads) < 0:
        raise ValueError(f"conv2d: negative padding {padding} is not supported")
    hp = x._data.shape[2] + pads[0] + pads[1]
    wp = x._data.shape[3] + pads[2] + pads[3]
    if hp < dilation[0] * (kh - 1) + 1 or wp < dilation[1] * (kw - 1) + 1:
        raise ValueError(f"conv2d: kernel ({kh}, {kw}) (dilation {dilation}) is larger than the "
                         f"padded input {hp}x{wp}")
    tensors = (x, weight) if bias is None else (x, weight, bias)
    dt = x._data.dtype
    for t in tensors[1:]:
        dt = promote(dt, t._data.dtype)
    tensors = tuple(to(t, dt) for t in tensors)
    if stride == (1, 1):
        return apply(P.CONV2D, tensors, pads, dilation)
    x, weight = tensors[0], tensors[1]
    if builtins.any(pads):
        x = pad(x, (pads[2], pads[3], pads[0], pads[1]))
    cols = unfold2d(x, (kh, kw), stride, dilation)              # (N, C, kh, kw, OH, OW)
    n, _, _, _, oh, ow = cols._data.shape
    out = matmul(reshape(weight, (o, c * kh * kw)), reshape(cols, (n, c * kh * kw, oh * ow)))
    out = reshape(out, (n, o, oh, ow))
    return out if bias is None else out + reshape(tensors[2], (1, o, 1, 1))


# ----- in-place ops ----------------------------------------------------------------------


def _tracked(x, *others):
    return _State.grad_enabled and (x._requires_grad or builtins.any(
        isinstance(o, Tensor) and o._requires_grad for o in others))


def _inplace(x, name, compute, *args):
    """Write `compute(x, *args)` into x's memory and bump its version. When the graph is
    being recorded, x's history is rebased: x takes the new node, whose input is a copy of
    x's old value carrying the old history."""
    if _tracked(x, *args):
        if x.grad_fn is None and x._requires_grad:
            raise RuntimeError(f"{name}: a leaf tensor that requires grad (shape {x.shape}) is "
                               f"being used in an in-place operation; wrap it in "
                               f"ag.no_grad() (as optimizers and init do) or use the "
                               f"out-of-place op")
        if x.grad_fn is not None and x.grad_fn.prim.view:
            raise RuntimeError(f"{name}: in-place ops on a view ({x.grad_fn.prim.name} output, "
                               f"shape {x.shape}) of a tensor that requires grad are not "
                               f"supported; use the out-of-place op")
        old = _wrap(np.array(x._data, copy=True))
        old.grad_fn, old._requires_grad = x.grad_fn, x._requires_grad
        result = compute(old, *args)
    else:
        with no_grad():
            result = compute(x, *args)
    if result._data.shape != x._data.shape:
        raise RuntimeError(f"{name}: output with shape {x.shape} doesn't match the broadcast "
                           f"shape {result.shape}")
    if not np.can_cast(result._data.dtype, x._data.dtype, "same_kind"):
        raise RuntimeError(f"{name}: result type {result._data.dtype} can't be cast to the "
                           f"desired output type {x._data.dtype}")
    if not x._data.flags.writeable:
        raise RuntimeError(f"{name}: the tensor (shape {x.shape}) is a read-only view, e.g. "
                           f"from expand(); clone() it first")
    np.copyto(x._data, result._data, casting="same_kind")
    if result.grad_fn is not None:
        x.grad_fn, x._requires_grad = result.grad_fn, True
    x._vbox[0] += 1
    return x


def _arith_(x, name, ufunc, compute, other, alpha=1):
    """In-place arithmetic. Outside the graph (optimizer updates, data preparation) numpy
    writes straight into x's memory; when the graph is recorded, `_inplace` rebases x's
    history. Whatever numpy refuses (casts, broadcasts, read-only views) goes the slow way,
    which raises the error that names it."""
    if not _tracked(x, other):
        o = other._data if isinstance(other, Tensor) else other
        try:
            with quiet():
                ufunc(x._data, o if alpha == 1 else np.multiply(o, alpha), out=x._data,
                      casting="same_kind")
        except (TypeError, ValueError):
            pass
        else:
            x._vbox[0] += 1
            return x
    return _inplace(x, name, compute, other)


def add_(x, other, alpha=1):
    return _arith_(x, "add_", np.add, lambda s, o: add(s, mul(o, alpha) if alpha != 1 else o),
                   other, alpha)


def sub_(x, other, alpha=1):
    return _arith_(x, "sub_", np.subtract,
                   lambda s, o: sub(s, mul(o, alpha) if alpha != 1 else o), other, alpha)


def mul_(x, other):
    return _arith_(x, "mul_", np.multiply, mul, other)


def div_(x, other):
    return _arith_(x, "div_", np.true_divide, div, other)


def clamp_(x, min=None, max=None):
    return _inplace(x, "clamp_", lambda s: clamp(s, min, max))


def masked_fill_(x, mask, value):
    return _inplace(x, "masked_fill_", lambda s: masked_fill(s, mask, value))


def copy_(x, src):
    """Copy `src` (broadcast to x's shape, cast to x's dtype) into x."""
    return _inplace(x, "copy_", lambda s, o: to(expand(_tensor(o, s), s.shape), s.dtype), src)


def _fill_with(x, name, values):
    return _inplace(x, name, lambda s: _wrap(np.broadcast_to(
        np.asarray(values, dtype=x._data.dtype), x._data.shape)))


def fill_(x, value):
    return _fill_with(x, "fill_", value._data if isinstance(value, Tensor) else value)


def zero_(x):
    return _fill_with(x, "zero_", 0)


def uniform_(x, a=0.0, b=1.0, *, generator=None):
    """Fill with samples from U(a, b) (PyTorch's `from`, `to`) drawn from `generator` (the
    global generator when None). Floating tensors only; raises if a > b."""
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"uniform_: expected a floating point tensor, got {x._data.dtype}")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={a} > to={b}")
    return _fill_with(x, "uniform_", get_rng(generator).uniform(a, b, x._data.shape))


def normal_(x, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std^2) drawn from `generator` (the global generator
    when None). Floating tensors only; raises if std < 0."""
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"normal_: expected a floating point tensor, got {x._data.dtype}")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill_with(x, "normal_", get_rng(generator).normal(mean, std, x._data.shape))


# ----- numpy's axis= / keepdims= as aliases of dim= / keepdim= (PyTorch accepts both) ---------


def _dim_aliases(fn):
    """`fn` also accepting `axis=` for `dim=` and `keepdims=` for `keepdim=`."""
    from functools import wraps

    @wraps(fn)
    def with_aliases(*args, **kwargs):
        if kwargs:
            for alias, name in (("axis", "dim"), ("keepdims", "keepdim")):
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() got both {name}= and its alias "
                                        f"{alias}=")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)
    return with_aliases


(sum, mean, var, std, amax, amin, max, min, argmax, argmin, logsumexp, softmax, log_softmax,
 all, any, cat, squeeze, unsqueeze) = map(_dim_aliases, (
    sum, mean, var, std, amax, amin, max, min, argmax, argmin, logsumexp, softmax, log_softmax,
    all, any, cat, squeeze, unsqueeze))


# ----- attach as Tensor methods and operators ------------------------------------------------


def _attach():
    T = Tensor
    methods = dict(
        add=add, sub=sub, mul=mul, div=div, pow=pow, neg=neg, matmul=matmul, mm=matmul,
        maximum=maximum, minimum=minimum, exp=exp, log=log, log1p=log1p, expm1=expm1,
        sqrt=sqrt, rsqrt=rsqrt, sin=sin, cos=cos, tanh=tanh, sigmoid=sigmoid, relu=relu,
        abs=abs, erf=erf, square=square, sign=sign, clamp=clamp, clip=clamp, to=to,
        clone=clone, eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, isnan=isnan, isinf=isinf,
        isfinite=isfinite, sum=sum, mean=mean, var=var, std=std, amax=amax, amin=amin,
        max=max, min=min, argmax=argmax, argmin=argmin, logsumexp=logsumexp, softmax=softmax,
        log_softmax=log_softmax, norm=norm, all=all, any=any, reshape=reshape, view=view,
        flatten=flatten, squeeze=squeeze, unsqueeze=unsqueeze, permute=permute,
        transpose=transpose, swapaxes=transpose, expand=expand, expand_as=expand_as,
        broadcast_to=broadcast_to, sum_to_size=sum_to_size, gather=gather, masked_fill=masked_fill, split=split,
        chunk=chunk, add_=add_, sub_=sub_, mul_=mul_, div_=div_, clamp_=clamp_,
        masked_fill_=masked_fill_, copy_=copy_, fill_=fill_, zero_=zero_, uniform_=uniform_,
        normal_=normal_, dot=dot,
    )
    for name, fn in methods.items():
        setattr(T, name, fn)
    T.where = lambda self, condition, other: where(condition, self, other)
    T.float = lambda self: to(self, np.float32)
    T.double = lambda self: to(self, np.float64)
    T.half = lambda self: to(self, np.float16)
    T.long = lambda self: to(self, np.int64)
    T.int = lambda self: to(self, np.int32)
    T.bool = lambda self: to(self, np.bool_)
    T.type_as = lambda self, other: to(self, other.dtype)
    T.__add__ = _add            # the operators skip add/sub's alpha= handling
    T.__radd__ = lambda self, o: _add(o, self)
    T.__sub__ = _sub
    T.__rsub__ = lambda self, o: _sub(o, self)
    T.__mul__ = mul
    T.__rmul__ = lambda self, o: mul(o, self)
    T.__truediv__ = div
    T.__rtruediv__ = lambda self, o: div(o, self)
    T.__pow__ = pow
    T.__rpow__ = lambda self, o: pow(_tensor(o, self) if isinstance(o, _Scalar) else o, self)
    T.__matmul__ = matmul
    T.__rmatmul__ = lambda self, o: matmul(o, self)
    T.__neg__ = neg
    T.__pos__ = lambda self: self
    T.__abs__ = abs
    T.__eq__ = eq
    T.__ne__ = ne
    T.__lt__ = lt
    T.__le__ = le
    T.__gt__ = gt
    T.__ge__ = ge
    T.__getitem__ = getitem
    T.__setitem__ = setitem
    T.__iadd__ = add_
    T.__isub__ = sub_
    T.__imul__ = mul_
    T.__itruediv__ = div_


_attach()
