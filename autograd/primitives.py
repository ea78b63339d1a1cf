"""The primitive table: every derivative rule of glassgrad lives in this file.

Each entry pairs a numpy forward with its vector-Jacobian product (VJP). A VJP receives the
node (saved inputs via `n.input(i)`, the output via `n.output()`, non-tensor arguments in
`n.ctx`) and the upstream gradient `g`, and returns one gradient per input, or None where
`n.next[i] is None` (that input needs none). VJPs are written in Tensor ops, so when the
engine runs them with create_graph=True they are recorded too and can be differentiated
again: gradients of any order come from this one table. They use the Tensor's methods and
operators (attached by ops.py), so this module imports nothing from ops.py: ops.py imports
the table, never the other way round.

Everything else (softmax, var, conv, losses, ...) is composed from these in ops.py and nn.
"""
import math

import numpy as np

from .engine import Primitive, apply
from .tensor import _wrap
from ._capture_hooks import capturing, data_op, uncapturable
from ._workspace import workspace


def _const(array):
    return _wrap(np.asarray(array))


def _need(n, i):
    return n.next[i] is not None


def _kept_shape(in_shape, axis):
    """The reduced shape with keepdims=True, for `axis` a tuple of non-negative ints or None."""
    if axis is None:
        return (1,) * len(in_shape)
    return tuple(1 if i in axis else s for i, s in enumerate(in_shape))


# ----- elementwise binary (inputs broadcast; the engine sums gradients back) ------------------

# add, sub and mul are quiet too: inf - inf and 0 * inf give nan without a warning, as in
# PyTorch (it costs a fifth of a microsecond per op).
ADD = Primitive("add", np.add, lambda n, g: (g, g), broadcasts=True, quiet=True,
                rule="out = a + b;  dL/da = g,  dL/db = g")

SUB = Primitive("sub", np.subtract,
                lambda n, g: (g, -g if _need(n, 1) else None), broadcasts=True, quiet=True,
                rule="out = a - b;  dL/da = g,  dL/db = -g")

MUL = Primitive("mul", np.multiply,
                lambda n, g: (g * n.input(1) if _need(n, 0) else None,
                              g * n.input(0) if _need(n, 1) else None),
                saves=("inputs",), broadcasts=True, quiet=True,
                rule="out = a * b;  dL/da = g * b,  dL/db = g * a")


def _div_vjp(n, g):
    b = n.input(1)
    ga = g / b if _need(n, 0) else None
    gb = -g * n.input(0) / (b * b) if _need(n, 1) else None
    return ga, gb


DIV = Primitive("div", np.true_divide, _div_vjp, saves=("inputs",), broadcasts=True,
                quiet=True, rule="out = a / b;  dL/da = g / b,  dL/db = -g * a / b^2")


def _pow_vjp(n, g):
    a, b = n.input(0), n.input(1)
    ga = gb = None
    if _need(n, 0):   # d(a^b)/da = b a^(b-1), taken as 0 where b == 0 (PyTorch)
        ga = (g * b * a ** (b - 1)).masked_fill(_is_zero((b,)), 0.0)
    if _need(n, 1):   # d(a^b)/db = a^b log a, taken as 0 where a == 0 and b >= 0
        gb = (g * n.output() * a.log()).masked_fill(_zero_base((a, b)), 0.0)
    return ga, gb


# masks of the rules, computed by (non-differentiable) primitives so that a captured step
# recomputes them from each call's data (compile.py)
_is_zero = data_op("is_zero", lambda x: x == 0, "x == 0 (a mask, no gradient)")
_zero_base = data_op("zero_base", lambda a, b: (a == 0) & (b >= 0),
                     "a == 0 and b >= 0 (a mask, no gradient)")


# (the cast: numpy raises bool to a bool power as int8; PyTorch keeps bool)
POW = Primitive("pow", lambda a, b: np.power(a, b).astype(a.dtype, copy=False), _pow_vjp,
                saves=("inputs", "output"), broadcasts=True, quiet=True,
                rule="out = a ** b;  dL/da = g * b * a^(b-1),  dL/db = g * out * ln a")


def _pow_scalar_vjp(n, g):
    c = n.ctx[0]
    if c == 0:
        return (g * 0.0,)
    return (g * c * n.input(0) ** (c - 1),)


def _pow_scalar_forward(x, c):
    if c == -0.5:       # PyTorch computes x ** -0.5 as rsqrt: -inf at -0.0, NaN at -inf
        return np.divide(1, np.sqrt(x), dtype=x.dtype)
    return np.power(x, c)


POW_SCALAR = Primitive("pow_scalar", _pow_scalar_forward, _pow_scalar_vjp, saves=("inputs",),
                       quiet=True,
                       rule="out = x ** c;  dL/dx = g * c * x^(c-1)")


def _minmax_weight(loses, tie, dtype):
    """Share of the gradient that goes to one input of maximum/minimum, as PyTorch: 0 where
    it loses, 0.5 on ties, 1 elsewhere (where it wins, and where either input is NaN: the
    NaN result sends the full gradient to both)."""
    return _const(np.where(tie, 0.5, np.subtract(1, loses, dtype=dtype)).astype(dtype,
                                                                          copy=False))


def _minmax_grad_forward(g, a, b, greater, second):
    """g times the share of maximum's (greater) or minimum's gradient that goes to input a
    (second False) or b (second True)."""
    tie, a_less, a_more = a == b, a < b, a > b
    lose_a, lose_b = (a_less, a_more) if greater else (a_more, a_less)
    return np.multiply(g, _minmax_weight(lose_b if second else lose_a, tie, a.dtype)._data)


# maximum/minimum's gradient as one op that finds the winners itself (from the inputs'
# arrays in its ctx): linear in g with a fixed weight, so its own gradient is the same op
MINMAX_GRAD = Primitive("minmax_grad", _minmax_grad_forward,
                        lambda n, gg: (apply(MINMAX_GRAD, (gg,), *n.ctx),),
                        rule="out = g * w, w = 1 where this input of max(a, b) (min) wins, "
                             "0.5 on ties, 0 where it loses;  dL/dg = gg * w")


def _maximum_vjp(n, g, greater=True):
    a, b = n.input(0)._data, n.input(1)._data
    return (apply(MINMAX_GRAD, (g,), a, b, greater, False) if _need(n, 0) else None,
            apply(MINMAX_GRAD, (g,), a, b, greater, True) if _need(n, 1) else None)


MAXIMUM = Primitive("maximum", np.maximum, _maximum_vjp, saves=("inputs",), broadcasts=True,
                    rule="out = max(a, b);  dL/da = g where a > b (g/2 on ties, g where a or b "
                         "is NaN), dL/db likewise")
MINIMUM = Primitive("minimum", np.minimum, lambda n, g: _maximum_vjp(n, g, greater=False),
                    saves=("inputs",), broadcasts=True,
                    rule="out = min(a, b);  dL/da = g where a < b (g/2 on ties, g where a or b "
                         "is NaN), dL/db likewise")


def _where_vjp(n, g):
    cond = n.ctx[0]
    return (apply(WHERE_GRAD, (g,), cond, True) if _need(n, 0) else None,
            apply(WHERE_GRAD, (g,), cond, False) if _need(n, 1) else None)


def _where_grad_forward(g, cond, keep_true):
    zero = np.zeros((), g.dtype)
    return np.where(cond, g, zero) if keep_true else np.where(cond, zero, g)


# where's gradient as one op reading the condition from its ctx (so that a captured step
# reads each call's condition): linear in g, its own gradient is the same op
WHERE_GRAD = Primitive("where_grad", _where_grad_forward,
                       lambda n, gg: (apply(WHERE_GRAD, (gg,), *n.ctx),),
                       rule="out = g where cond (for a; where not cond for b), else 0;  "
                            "dL/dg = gg where cond, else 0")


WHERE = Primitive("where", lambda a, b, cond: np.where(cond, a, b), _where_vjp,
                  broadcasts=True, rule="out = cond ? a : b;  dL/da = cond ? g : 0,  "
                                        "dL/db = cond ? 0 : g")

# ----- elementwise unary --------------------------------------------------------------------

NEG = Primitive("neg", np.negative, lambda n, g: (-g,), rule="out = -x;  dL/dx = -g")

EXP = Primitive("exp", np.exp, lambda n, g: (g * n.output(),), saves=("output",), quiet=True,
                rule="out = e^x;  dL/dx = g * out")

LOG = Primitive("log", np.log, lambda n, g: (g / n.input(0),), saves=("inputs",), quiet=True,
                rule="out = ln x;  dL/dx = g / x")

LOG1P = Primitive("log1p", np.log1p, lambda n, g: (g / (n.input(0) + 1.0),),
                  saves=("inputs",), quiet=True, rule="out = ln(1 + x);  dL/dx = g / (1 + x)")

EXPM1 = Primitive("expm1", np.expm1, lambda n, g: (g * (n.output() + 1.0),),
                  saves=("output",), quiet=True, rule="out = e^x - 1;  dL/dx = g * (out + 1)")

SQRT = Primitive("sqrt", np.sqrt, lambda n, g: (g / (n.output() * 2.0),), saves=("output",),
                 quiet=True, rule="out = sqrt(x);  dL/dx = g / (2 out)")

SIN = Primitive("sin", np.sin, lambda n, g: (g * n.input(0).cos(),), saves=("inputs",),
                quiet=True, rule="out = sin x;  dL/dx = g * cos x")

COS = Primitive("cos", np.cos, lambda n, g: (-(g * n.input(0).sin()),), saves=("inputs",),
                quiet=True, rule="out = cos x;  dL/dx = -g * sin x")

TANH = Primitive("tanh", np.tanh, lambda n, g: (g * (1.0 - n.output() ** 2),),
                 saves=("output",), rule="out = tanh x;  dL/dx = g * (1 - out^2)")


def _sigmoid(x):
    # 1 / (1 + e^-x) is exact in floating point at both tails: e^-x overflows to inf
    # (giving 0) for very negative x and underflows to 0 (giving 1) for large x.
    return 1.0 / (1.0 + np.exp(-x))


SIGMOID = Primitive("sigmoid", lambda x: _sigmoid(x).astype(x.dtype, copy=False),
                    lambda n, g: (g * n.output() * (1.0 - n.output()),),
                    saves=("output",), quiet=True,
                    rule="out = 1 / (1 + e^-x);  dL/dx = g * out * (1 - out)")

_ZEROS_CHUNK = 1 << 16
_ZEROS_MIN = 8192           # below this size the scalar form's lower call overhead wins
_zeros_chunks = {}          # dtype -> a read-only array of _ZEROS_CHUNK zeros


def _relu_forward(x, out=None):
    """max(x, 0), into `out` if given. Against an array of zeros rather than the scalar 0
    (chunk by chunk, so the zeros stay small): numpy runs its vectorised loop only when both
    operands are arrays (measured 4.5x faster on (64, 16, 8, 8) float32, slower below ~6000
    elements); same bits, NaN and -0.0 included."""
    if x.size < _ZEROS_MIN or x.dtype.kind != "f" or not x.flags.c_contiguous \
            or (out is not None and not out.flags.c_contiguous):
        return np.maximum(x, 0, dtype=x.dtype, out=out)
    zeros = _zeros_chunks.get(x.dtype)
    if zeros is None:
        zeros = np.zeros(_ZEROS_CHUNK, x.dtype)
        zeros.flags.writeable = False
        _zeros_chunks[x.dtype] = zeros
    if out is None:                 # large: reuse memory (see _workspace.py)
        out = workspace.lasting(x.shape, x.dtype)
    n, flat, dest = x.size, x.reshape(-1), out.reshape(-1)
    for i in range(0, n, _ZEROS_CHUNK):
        j = min(i + _ZEROS_CHUNK, n)
        np.maximum(flat[i:j], zeros[:j - i], out=dest[i:j])
    return out


RELU = Primitive("relu", _relu_forward,
                 lambda n, g: (apply(RELU_GRAD, (g,), n.output()._data),),
                 saves=("output",),
                 rule="out = max(x, 0);  dL/dx = g where out > 0 or NaN, else 0")


# relu's gradient as one op (one node, not a graph of several); it is linear in g with a fixed
# mask, so its own gradient is the same op on the incoming gradient.
def _relu_grad_forward(g, y):
    # not (y <= 0) rather than y > 0: a NaN passes its gradient, as in PyTorch's
    # threshold_backward (a multiply by the mask: several times faster than np.where)
    if g.size < _ZEROS_MIN or g.shape != y.shape or g.dtype.kind != "f":
        return np.multiply(g, ~np.less_equal(y, 0), dtype=g.dtype)
    # large: the mask in scratch memory, the result reused (see _workspace.py)
    mask = np.less_equal(y, 0, out=workspace.array("relu_mask", y.shape, np.dtype(bool)))
    np.logical_not(mask, out=mask)
    return np.multiply(g, mask, dtype=g.dtype, out=workspace.lasting(g.shape, g.dtype))


RELU_GRAD = Primitive("relu_grad", _relu_grad_forward,
                      lambda n, gg: (apply(RELU_GRAD, (gg,), *n.ctx),),
                      rule="out = g where y > 0 or NaN, else 0 (y: relu's output);  "
                           "dL/dg = gg where y > 0 or NaN, else 0")


def _sign(x):
    """np.sign with 0 at NaN (PyTorch's sign and sgn)."""
    s = np.asarray(np.sign(x))
    if s.dtype.kind == "f":
        np.copyto(s, 0, where=np.isnan(s))
    return s


ABS = Primitive("abs", np.abs, lambda n, g: (apply(ABS_GRAD, (g,), n.input(0)._data),),
                saves=("inputs",), rule="out = |x|;  dL/dx = g * sign(x)  (0 at x = 0 and NaN)")
# abs's gradient as one op that reads x's array (its ctx): linear in g, as relu_grad
ABS_GRAD = Primitive("abs_grad", lambda g, x: np.multiply(g, _sign(x)),
                     lambda n, gg: (apply(ABS_GRAD, (gg,), *n.ctx),),
                     rule="out = g * sign(x) (x: abs's input);  dL/dg = gg * sign(x)")


def _clamp_forward(x, lo, hi):
    return np.clip(x, lo, hi).astype(x.dtype, copy=False)


def _clamp_grad_forward(g, x, lo, hi):
    keep = np.ones(x.shape, dtype=bool)
    if lo is not None:
        keep &= x >= lo
    if hi is not None:
        keep &= x <= hi
    return np.multiply(g, keep.astype(g.dtype))


# clamp's gradient as one op that reads x's array (its ctx): linear in g, as relu_grad
CLAMP_GRAD = Primitive("clamp_grad", _clamp_grad_forward,
                       lambda n, gg: (apply(CLAMP_GRAD, (gg,), *n.ctx),),
                       rule="out = g where lo <= x <= hi, else 0 (x: clamp's input);  "
                            "dL/dg = gg where lo <= x <= hi, else 0")


def _clamp_vjp(n, g):
    return (apply(CLAMP_GRAD, (g,), n.input(0)._data, *n.ctx),)


CLAMP = Primitive("clamp", _clamp_forward, _clamp_vjp, saves=("inputs",),
                  rule="out = clamp(x, lo, hi);  dL/dx = g where lo <= x <= hi, else 0")

try:  # scipy's erf when present; otherwise math.erf per element (exact, slower)
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover - depends on the environment
    _erf_scalar = np.frompyfunc(math.erf, 1, 1)

    def _erf(x):
        return _erf_scalar(x).astype(x.dtype)

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

ERF = Primitive("erf", lambda x: np.asarray(_erf(x), dtype=x.dtype),
                lambda n, g: (g * _TWO_OVER_SQRT_PI * (-(n.input(0) ** 2)).exp(),),
                saves=("inputs",), rule="out = erf x;  dL/dx = g * 2/sqrt(pi) * e^(-x^2)")

CAST = Primitive("cast", lambda x, dtype, in_dtype: x.astype(dtype),
                 lambda n, g: (g.to(n.ctx[1]),),
                 rule="out = x converted to another dtype;  dL/dx = g converted back")

CLONE = Primitive("clone", lambda x: np.array(x, copy=True), lambda n, g: (g,),
                  rule="out = copy of x;  dL/dx = g")

# ----- elementwise math: rounding, inverse trig/hyperbolic, special functions, binary math ----

try:  # scipy.special supplies erfc, erfinv, lgamma, digamma and polygamma
    from scipy import special as _scipy_special
except ImportError:  # pragma: no cover - depends on the environment
    _scipy_special = None


def _special(name):
    if _scipy_special is None:  # pragma: no cover - depends on the environment
        raise RuntimeError(f"{name} needs scipy (pip install scipy)")
    return getattr(_scipy_special, name)


def _zero_grads(n, g):
    """Zero gradients for piecewise-constant ops (floor, sign, ...): exact zeros even where g
    is nan or inf, as PyTorch's zeros_like(grad)."""
    zero = g.masked_fill(np.True_, 0.0)
    return tuple(zero if _need(n, i) else None for i in range(len(n.next)))


def _same_dtype(fn):
    return lambda x, *ctx: np.asarray(fn(x, *ctx)).astype(x.dtype, copy=False)


def _round_forward(x, decimals):
    if decimals == 0:
        return np.round(x)
    if decimals > 0:        # PyTorch's formula: round(x * 10^d) / 10^d
        scale = x.dtype.type(10.0 ** decimals)
        return np.round(x * scale) / scale
    scale = x.dtype.type(10.0 ** -decimals)
    return np.round(x / scale) * scale


FLOOR = Primitive("floor", np.floor, _zero_grads, rule="out = floor x;  dL/dx = 0")
CEIL = Primitive("ceil", np.ceil, _zero_grads, rule="out = ceil x;  dL/dx = 0")
TRUNC = Primitive("trunc", np.trunc, _zero_grads, rule="out = trunc x;  dL/dx = 0")
ROUND = Primitive("round", _round_forward, _zero_grads,
                  rule="out = x rounded half to even (to `decimals` digits);  dL/dx = 0")
SIGN = Primitive("sign", lambda x: np.subtract(x > 0, x < 0, dtype=x.dtype), _zero_grads,
                 rule="out = sign x (0 at 0 and nan);  dL/dx = 0")


def _int_trunc_divide(a, b):
    return (a - np.fmod(a, b)) // b


DIV_FLOOR = Primitive("div_floor", np.floor_divide, _zero_grads, broadcasts=True, quiet=True,
                      rule="out = floor(a / b);  dL/da = 0,  dL/db = 0")
DIV_TRUNC = Primitive("div_trunc", lambda a, b: np.trunc(np.true_divide(a, b)) if a.dtype.kind
                      == "f" else _int_trunc_divide(a, b), _zero_grads, broadcasts=True,
                      quiet=True, rule="out = trunc(a / b);  dL/da = 0,  dL/db = 0")

_LN2, _LN10 = math.log(2.0), math.log(10.0)

LOG2 = Primitive("log2", np.log2, lambda n, g: (g / (n.input(0) * _LN2),), saves=("inputs",),
                 quiet=True, rule="out = log2 x;  dL/dx = g / (x ln 2)")
LOG10 = Primitive("log10", np.log10, lambda n, g: (g / (n.input(0) * _LN10),),
                  saves=("inputs",), quiet=True, rule="out = log10 x;  dL/dx = g / (x ln 10)")
EXP2 = Primitive("exp2", np.exp2, lambda n, g: (g * n.output() * _LN2,), saves=("output",),
                 quiet=True, rule="out = 2^x;  dL/dx = g * out * ln 2")
TAN = Primitive("tan", np.tan, lambda n, g: (g * (n.output() * n.output() + 1.0),),
                saves=("output",), quiet=True, rule="out = tan x;  dL/dx = g * (1 + out^2)")
ASIN = Primitive("asin", np.arcsin, lambda n, g: (g * (1.0 - n.input(0) ** 2).rsqrt(),),
                 saves=("inputs",), quiet=True, rule="out = asin x;  dL/dx = g / sqrt(1 - x^2)")
ACOS = Primitive("acos", np.arccos, lambda n, g: (-(g * (1.0 - n.input(0) ** 2).rsqrt()),),
                 saves=("inputs",), quiet=True,
                 rule="out = acos x;  dL/dx = -g / sqrt(1 - x^2)")
ATAN = Primitive("atan", np.arctan, lambda n, g: (g / (n.input(0) ** 2 + 1.0),),
                 saves=("inputs",), rule="out = atan x;  dL/dx = g / (1 + x^2)")
SINH = Primitive("sinh", np.sinh, lambda n, g: (g * n.input(0).cosh(),), saves=("inputs",),
                 quiet=True, rule="out = sinh x;  dL/dx = g * cosh x")
COSH = Primitive("cosh", np.cosh, lambda n, g: (g * n.input(0).sinh(),), saves=("inputs",),
                 quiet=True, rule="out = cosh x;  dL/dx = g * sinh x")
ASINH = Primitive("asinh", np.arcsinh, lambda n, g: (g * (n.input(0) ** 2 + 1.0).rsqrt(),),
                  saves=("inputs",), quiet=True,
                  rule="out = asinh x;  dL/dx = g / sqrt(x^2 + 1)")
ACOSH = Primitive("acosh", np.arccosh, lambda n, g: (g * (n.input(0) ** 2 - 1.0).rsqrt(),),
                  saves=("inputs",), quiet=True,
                  rule="out = acosh x;  dL/dx = g / sqrt(x^2 - 1)")
ATANH = Primitive("atanh", np.arctanh, lambda n, g: (g / (1.0 - n.input(0) ** 2),),
                  saves=("inputs",), quiet=True, rule="out = atanh x;  dL/dx = g / (1 - x^2)")
ERFC = Primitive("erfc", _same_dtype(lambda x: _special("erfc")(x)),
                 lambda n, g: (g * -_TWO_OVER_SQRT_PI * (-(n.input(0) ** 2)).exp(),),
                 saves=("inputs",), rule="out = erfc x;  dL/dx = -g * 2/sqrt(pi) * e^(-x^2)")
ERFINV = Primitive("erfinv", _same_dtype(lambda x: _special("erfinv")(x)),
                   lambda n, g: (g * (math.sqrt(math.pi) / 2) * (n.output() ** 2).exp(),),
                   saves=("output",), quiet=True,
                   rule="out = erfinv x;  dL/dx = g * sqrt(pi)/2 * e^(out^2)")
def _lgamma_forward(x):
    out = np.asarray(_special("gammaln")(x)).astype(x.dtype, copy=False)
    return np.where(np.isneginf(x), np.inf, out).astype(x.dtype, copy=False)  # PyTorch: +inf


LGAMMA = Primitive("lgamma", _lgamma_forward,
                   lambda n, g: (g * n.input(0).digamma(),), saves=("inputs",), quiet=True,
                   rule="out = ln|Gamma(x)|;  dL/dx = g * digamma(x)")


def _digamma_forward(x):
    out = np.asarray(_special("psi")(x)).astype(x.dtype, copy=False)
    # PyTorch (and the limit from the right) gives -inf at 0 (inf at -0); scipy gives nan
    zero = x == 0
    if zero.any():
        out = np.where(zero, np.copysign(np.inf, -np.copysign(1.0, x)).astype(x.dtype), out)
    return out


DIGAMMA = Primitive("digamma", _digamma_forward,
                    lambda n, g: (g * apply(POLYGAMMA, (n.input(0),), 1),),
                    saves=("inputs",), quiet=True,
                    rule="out = digamma x = d ln Gamma(x)/dx;  dL/dx = g * polygamma(1, x)")
POLYGAMMA = Primitive("polygamma", lambda x, k: (_digamma_forward(x) if k == 0 else np.asarray(
                          _special("polygamma")(k, x)).astype(x.dtype, copy=False)),
                      lambda n, g: (g * apply(POLYGAMMA, (n.input(0),), n.ctx[0] + 1),),
                      saves=("inputs",), quiet=True,
                      rule="out = polygamma(k, x), the k-th derivative of digamma;  "
                           "dL/dx = g * polygamma(k + 1, x)")


def _hypot_vjp(n, g):
    scale = g / n.output()
    return (scale * n.input(0) if _need(n, 0) else None,
            scale * n.input(1) if _need(n, 1) else None)


HYPOT = Primitive("hypot", np.hypot, _hypot_vjp, saves=("inputs", "output"), broadcasts=True,
                  quiet=True, rule="out = sqrt(a^2 + b^2);  dL/da = g a / out,  dL/db = g b / out")


def _atan2_vjp(n, g):
    a, b = n.input(0), n.input(1)
    denom = a * a + b * b
    origin = denom._data == 0
    if capturing() or origin.any():     # at (0, 0) the gradient is taken as 0, as PyTorch
        denom = denom.masked_fill(_is_zero((denom,)), 1.0)
    scale = g / denom
    return (scale * b if _need(n, 0) else None, -(scale * a) if _need(n, 1) else None)


ATAN2 = Primitive("atan2", np.arctan2, _atan2_vjp, saves=("inputs",), broadcasts=True,
                  quiet=True, rule="out = atan2(a, b);  dL/da = g b / (a^2 + b^2),  "
                                   "dL/db = -g a / (a^2 + b^2)")


def _modulo_vjp(quotient):
    def vjp(n, g):
        return (g if _need(n, 0) else None,
                -(g * apply(quotient, (n.input(0), n.input(1)))) if _need(n, 1) else None)
    return vjp


FMOD = Primitive("fmod", np.fmod, _modulo_vjp(DIV_TRUNC), saves=("inputs",), broadcasts=True,
                 quiet=True, rule="out = a - b trunc(a / b) (sign of a);  dL/da = g,  "
                                  "dL/db = -g trunc(a / b)")
REMAINDER = Primitive("remainder", np.remainder, _modulo_vjp(DIV_FLOOR), saves=("inputs",),
                      broadcasts=True, quiet=True,
                      rule="out = a - b floor(a / b) (sign of b);  dL/da = g,  "
                           "dL/db = -g floor(a / b)")


def _logaddexp_vjp(n, g, power=lambda t: t.exp()):
    """d/da log_B(B^a + B^b) = 1 / (1 + B^(b - a)), `power` being t -> B^t (exp, or exp2 for
    logaddexp2); written so that a = inf gives 1, not inf - inf (PyTorch's form)."""
    a, b = n.input(0), n.input(1)
    return (g / (power(b - a) + 1.0) if _need(n, 0) else None,
            g / (power(a - b) + 1.0) if _need(n, 1) else None)


LOGADDEXP = Primitive("logaddexp", np.logaddexp, _logaddexp_vjp, saves=("inputs",),
                      broadcasts=True, quiet=True,
                      rule="out = ln(e^a + e^b);  dL/da = g / (1 + e^(b - a)),  "
                           "dL/db = g / (1 + e^(a - b))")
LOGADDEXP2 = Primitive("logaddexp2", np.logaddexp2,
                       lambda n, g: _logaddexp_vjp(n, g, lambda t: t.exp2()), saves=("inputs",),
                       broadcasts=True, quiet=True,
                       rule="out = log2(2^a + 2^b);  dL/da = g / (1 + 2^(b - a)),  "
                            "dL/db = g / (1 + 2^(a - b))")


def _xlogy_forward(x, y):
    return np.where((x == 0) & ~np.isnan(y), 0, x * np.log(y)).astype(x.dtype, copy=False)


def _xlogy_vjp(n, g):
    x, y = n.input(0), n.input(1)
    gx = gy = None
    if _need(n, 0):         # d/dx = ln y (taken as 0 where x = 0 and y <= 0, as PyTorch)
        gx = (g * y.log()).masked_fill(_zero_x_nonpositive_y((x, y)), 0.0)
    if _need(n, 1):
        gy = g * x / y
    return gx, gy


_zero_x_nonpositive_y = data_op("xlogy_mask", lambda x, y: (x == 0) & (y <= 0),
                                "x == 0 and y <= 0 (a mask, no gradient)")
XLOGY = Primitive("xlogy", _xlogy_forward, _xlogy_vjp, saves=("inputs",), broadcasts=True,
                  quiet=True, rule="out = x ln y (0 where x = 0 and y is not nan);  "
                                   "dL/dx = g ln y,  dL/dy = g x / y")


def _logit_forward(x, eps):
    if eps is not None:
        x = np.clip(x, eps, 1.0 - eps).astype(x.dtype, copy=False)
    return np.log(x / (1.0 - x))


def _logit_vjp(n, g):
    x, eps = n.input(0), n.ctx[0]
    grad = g / (x * (1.0 - x))
    if eps is None:         # outside [0, 1] the gradient is nan, as PyTorch
        outside = _outside_interval((x,), 0, 1)
        return (grad.masked_fill(outside, math.nan)
                if capturing() or outside._data.any() else grad,)
    clamped = _outside_interval((x,), eps, 1.0 - eps)
    return (grad.masked_fill(clamped, 0.0) if capturing() or clamped._data.any() else grad,)


_outside_interval = data_op("outside_interval", lambda x, lo, hi: (x < lo) | (x > hi),
                            "x < lo or x > hi (a mask, no gradient)")


LOGIT = Primitive("logit", _logit_forward, _logit_vjp, saves=("inputs",), quiet=True,
                  rule="out = ln(p / (1 - p)), p = x clamped to [eps, 1 - eps] if eps given;  "
                       "dL/dx = g / (x (1 - x)) (0 where clamped)")


def _copysign_ratio(a, out, dtype):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(a == 0, 0, out / np.where(a == 0, 1, a)).astype(dtype)


_copysign_weight = data_op("copysign_weight", _copysign_ratio,
                           "out / a, 0 where a == 0 (a weight, no gradient)")


def _copysign_vjp(n, g):
    ratio = _copysign_weight((n.input(0), n.output()), g.dtype) if _need(n, 0) else None
    return (g * ratio if _need(n, 0) else None,
            g.masked_fill(np.True_, 0.0) if _need(n, 1) else None)


COPYSIGN = Primitive("copysign", np.copysign, _copysign_vjp, saves=("inputs", "output"),
                     broadcasts=True, rule="out = |a| with the sign of b;  "
                                           "dL/da = g sign(a) sign(out) (0 at a = 0),  dL/db = 0")

CONTIGUOUS = Primitive("contiguous", np.ascontiguousarray, lambda n, g: (g,),
                       rule="out = x copied into row-major (C-contiguous) memory;  dL/dx = g")

# ----- reductions ------------------------------------------------------------------------------


def _broadcast_view(x, shape):
    """np.broadcast_to(x, shape), a read-only view; built directly when x is contiguous,
    which costs a fraction of np.broadcast_to's argument handling."""
    lead = len(shape) - x.ndim
    if lead < 0 or not x.flags.c_contiguous or not x.size:
        return np.broadcast_to(x, shape)
    strides = [0] * lead
    for have, want, stride in zip(x.shape, shape[lead:], x.strides):
        if have == want:
            strides.append(stride)
        elif have == 1:
            strides.append(0)
        else:
            return np.broadcast_to(x, shape)      # raises numpy's own error
    out = np.ndarray(shape, x.dtype, x, 0, tuple(strides))
    out.flags.writeable = False
    return out


def _sum_grad_forward(g, axis, keepdims, in_shape):
    if not keepdims:
        g = g.reshape(_kept_shape(in_shape, axis))
    return _broadcast_view(g, in_shape)


SUM = Primitive("sum", lambda x, axis, keepdims, in_shape: np.add.reduce(x, axis=axis,
                                                                      keepdims=keepdims),
                lambda n, g: (apply(SUM_GRAD, (g,), *n.ctx),), quiet=True,
                rule="out = sum of x over axes;  dL/dx = g broadcast back to x's shape")
# sum's gradient as one op (a reshape to the kept dims and a broadcast, without copying);
# it is linear in g, and its own gradient is the sum again.
SUM_GRAD = Primitive("sum_grad", _sum_grad_forward, lambda n, gg: (apply(SUM, (gg,), *n.ctx),),
                     view=True, rule="out = g broadcast back over the summed axes;  "
                                     "dL/dg = gg summed over those axes")


def _extreme_vjp(n, g):
    """amax/amin: the gradient is shared evenly among the elements that attain the extreme.
    A NaN extreme matches no element: NaN gradients over its slice (PyTorch's amax/amin),
    unless ctx[3] (max()/min() of all elements) sends the gradient to the NaNs."""
    axis, keepdims, in_shape = n.ctx[:3]
    kept = _kept_shape(in_shape, axis)
    weight = _extreme_weight((n.input(0), n.output()), axis, kept, len(n.ctx) > 3, g.dtype)
    return (g.reshape(kept).expand(in_shape) * weight,)


def _extreme_weight_forward(x, out, axis, kept, nan_wins, dtype):
    """1 / (number of elements that attain the extreme) at those elements, 0 elsewhere."""
    out = out.reshape(kept)
    hit = x == out
    if nan_wins and x.dtype.kind == "f":
        hit |= np.isnan(x) & np.isnan(out)
    return (hit / np.sum(hit, axis=axis, keepdims=True)).astype(dtype)


_extreme_weight = data_op("extreme_weight", _extreme_weight_forward,
                          "1/k at the k elements that attain the max (min), else 0 "
                          "(a weight, no gradient)")


AMAX = Primitive("amax", lambda x, axis, keepdims, in_shape, *_: np.amax(x, axis=axis, keepdims=keepdims),
                 _extreme_vjp, saves=("inputs", "output"),
                 rule="out = max of x over axes;  dL/dx = g shared evenly among the maxima "
                      "(NaN if the max is NaN; max() of all: among the NaNs)")
AMIN = Primitive("amin", lambda x, axis, keepdims, in_shape, *_: np.amin(x, axis=axis, keepdims=keepdims),
                 _extreme_vjp, saves=("inputs", "output"),
                 rule="out = min of x over axes;  dL/dx = g shared evenly among the minima "
                      "(NaN if the min is NaN; min() of all: among the NaNs)")



def _var_forward(x, axis, keepdims, denom):
    centered = x - np.mean(x, axis=axis, keepdims=True)
    return np.divide(np.add.reduce(centered * centered, axis=axis, keepdims=keepdims), denom,
                     dtype=x.dtype)


def _var_vjp(n, g):
    axis, keepdims, denom = n.ctx
    x = n.input(0)
    if not keepdims:
        g = g.reshape(_kept_shape(x._data.shape, axis))
    dims = None if axis is None else axis
    return (g * (x - x.mean(dims, keepdim=True)) * (2.0 / denom if denom else math.inf),)


# One node, and PyTorch's gradient where x holds an inf (the composite's mean term would
# turn the whole slice into NaN: inf - inf).
VAR = Primitive("var", _var_forward, _var_vjp, saves=("inputs",), quiet=True,
                rule="out = sum((x - mean x)^2) / denom over axes;  "
                     "dL/dx = g * 2 (x - mean x) / denom")

# ----- shape and indexing ---------------------------------------------------------------------

RESHAPE = Primitive("reshape", lambda x, shape, in_shape: x.reshape(shape),
                    lambda n, g: (apply(RESHAPE, (g,), n.ctx[1], n.ctx[0]),), view=True,
                    rule="out = x reshaped;  dL/dx = g reshaped back")


def _inverse_permutation(axes):
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):
        inverse[a] = i
    return tuple(inverse)


PERMUTE = Primitive("permute", lambda x, axes: x.transpose(axes),
                    lambda n, g: (apply(PERMUTE, (g,), _inverse_permutation(n.ctx[0])),),
                    view=True,
                    rule="out = x with axes permuted;  dL/dx = g with the inverse permutation")

EXPAND = Primitive("expand", lambda x, shape, in_shape: _broadcast_view(x, shape),
                   lambda n, g: (g.sum_to_size(n.ctx[1]),), view=True,
                   rule="out = x broadcast to a larger shape;  dL/dx = g summed back to x's shape")


def _slice_backward_forward(g, index, in_shape):
    out = np.zeros(in_shape, dtype=g.dtype)
    out[index] = g
    return out


SLICE = Primitive("slice", lambda x, index, in_shape: x[index],
                  lambda n, g: (apply(SLICE_BACKWARD, (g,), *n.ctx),), view=True,
                  rule="out = x[index] (a view);  dL/dx = zeros with g written at index")
SLICE_BACKWARD = Primitive("slice_backward", _slice_backward_forward,
                           lambda n, g: (apply(SLICE, (g,), *n.ctx),),
                           rule="out = zeros with x written at index;  dL/dx = g[index]")


def _index_backward_forward(g, index, in_shape):
    out = np.zeros(in_shape, dtype=g.dtype)
    np.add.at(out, index, g)
    return out


INDEX = Primitive("index", lambda x, index, in_shape: x[index],
                  lambda n, g: (apply(INDEX_BACKWARD, (g,), *n.ctx),),
                  rule="out = x[index] (gathered);  dL/dx = zeros with g added at index "
                       "(repeated indices accumulate)")
INDEX_BACKWARD = Primitive("index_backward", _index_backward_forward,
                           lambda n, g: (apply(INDEX, (g,), *n.ctx),),
                           rule="out = zeros with x added at index;  dL/dx = g[index]")


def _index_put_forward(x, v, index, v_shape):
    out = np.array(x, copy=True)
    out[index] = v
    return out


def _index_put_vjp(n, g):
    index, v_shape = n.ctx
    gx = apply(INDEX_PUT, (g, _const(np.zeros((), g.dtype))), index, ()) if _need(n, 0) else None
    gv = g[index].sum_to_size(v_shape) if _need(n, 1) else None
    return gx, gv


INDEX_PUT = Primitive("index_put", _index_put_forward, _index_put_vjp,
                      rule="out = x with out[index] = v;  dL/dx = g with g[index] = 0,  "
                           "dL/dv = g[index]")


def _cat_forward(*args):
    *arrays, axis, sizes = args
    return np.concatenate(arrays, axis=axis)


def _cat_vjp(n, g):
    axis, sizes = n.ctx
    grads, start = [], 0
    for i, size in enumerate(sizes):
        index = (slice(None),) * axis + (slice(start, start + size),)
        grads.append(g[index] if _need(n, i) else None)
        start += size
    return tuple(grads)


CAT = Primitive("cat", _cat_forward, _cat_vjp,
                rule="out = inputs joined along an axis;  dL/dinput_i = the slice of g for input i")


def _pad_vjp(n, g):
    widths, _ = n.ctx
    index = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(widths))
    return (g[index],)


PAD = Primitive("pad", lambda x, widths, value: np.pad(x, widths, constant_values=value),
                _pad_vjp, rule="out = x padded with a constant;  dL/dx = g with the padding cut off")


def _full_index(index, axis):
    """Index tuple that places `index` (an integer array) along `axis`, with broadcast
    aranges along every other dim."""
    grids = []
    for d, size in enumerate(index.shape):
        if d == axis:
            grids.append(index)
        else:
            shape = [1] * index.ndim
            shape[d] = size
            grids.append(np.arange(size).reshape(shape))
    return tuple(grids)


def _scatter_add_forward(g, axis, index, out_shape):
    out = np.zeros(out_shape, dtype=g.dtype)
    where = _full_index(index, axis)
    if index.shape[axis] == 1:      # one index per position: no two terms can collide
        out[where] = g
    else:
        np.add.at(out, where, g)
    return out


GATHER = Primitive("gather", lambda x, axis, index, in_shape: np.take_along_axis(x, index, axis),
                   lambda n, g: (apply(SCATTER_ADD, (g,), *n.ctx),),
                   rule="out[..i..] = x[..index[..i..]..] along an axis;  "
                        "dL/dx = zeros with g added at index")
SCATTER_ADD = Primitive("scatter_add", _scatter_add_forward,
                        lambda n, g: (apply(GATHER, (g,), *n.ctx),),
                        rule="out = zeros with x added at index along an axis;  "
                             "dL/dx = g gathered at index")


def _matmul_vjp(n, g):
    a, b = n.input(0), n.input(1)
    ga = (g @ b.transpose(-1, -2)).sum_to_size(a.shape) if _need(n, 0) else None
    gb = (a.transpose(-1, -2) @ g).sum_to_size(b.shape) if _need(n, 1) else None
    return ga, gb


def _matmul_forward(a, b):
    if a.ndim >= 2 and b.ndim >= 2 and a.shape[-1] == 1 == b.shape[-2]:
        # An outer product (contracted dim of length 1, e.g. a weight gradient at batch 1):
        # numpy runs its own loop instead of BLAS here, ~4x slower than this broadcast multiply,
        # which forms exactly the same products.
        return np.multiply(a, b)
    return np.matmul(a, b)


MATMUL = Primitive("matmul", _matmul_forward, _matmul_vjp, saves=("inputs",), quiet=True,
                   rule="out = a @ b;  dL/da = g @ b^T,  dL/db = a^T @ g")

# ----- convolution windows (im2col) and stride-1 convolution: see _conv_kernels.py ------------

from ._conv_kernels import (CONV2D, CONV2D_INPUT_GRAD, CONV2D_WEIGHT_GRAD,  # noqa: E402
                            FOLD2D, UNFOLD2D)
from ._conv_kernels import CONV2D_COLUMNS, conv2d_columns  # noqa: E402,F401
from ._conv_kernels import POOL_GATHER, POOL_SCATTER  # noqa: E402,F401

# ----- fused primitives: one node where a composite would cost several ------------------------


def _linear_forward(x, w, b=None):
    out = np.matmul(x, w.T)
    if b is not None:
        out += b
    return out


def _linear_vjp(n, g):
    x, w = n.input(0), n.input(1)
    g2, x2 = g, x
    if g._data.ndim != 2:       # every leading (batch) dim is summed over: flatten them
        g2 = apply(RESHAPE, (g,), (-1, w._data.shape[0]), g._data.shape)
        x2 = apply(RESHAPE, (x,), (-1, w._data.shape[1]), x._data.shape)
    gx = None
    if _need(n, 0):
        gx = apply(MATMUL, (g2, w))
        if x2 is not x:
            gx = apply(RESHAPE, (gx,), x._data.shape, gx._data.shape)
    gw = apply(MATMUL, (apply(PERMUTE, (g2,), (1, 0)), x2)) if _need(n, 1) else None
    gb = apply(SUM, (g2,), (0,), False, g2._data.shape) \
        if len(n.next) == 3 and _need(n, 2) else None
    return gx, gw, gb


LINEAR = Primitive("linear", _linear_forward, _linear_vjp, saves=("inputs",), quiet=True,
                   rule="out = x @ W^T + b;  dL/dx = g @ W,  dL/dW = g^T @ x,  "
                        "dL/db = g summed over the batch")


def _log_softmax_forward(x, axis):
    if not x.size:
        return np.array(x, copy=True)
    if x.ndim == 2 and axis == 1 and x.shape[1] <= 64 and x.shape[0] > 1:
        # Few classes, many rows (a classifier's logits): numpy reduces short rows slowly,
        # so work on the (C, N) transpose, where each reduction is C-1 elementwise ops.
        shifted = x.T.copy()
        shifted -= np.maximum.reduce(shifted, axis=0)
        shifted -= np.log(np.add.reduce(np.exp(shifted), axis=0))
        return np.ascontiguousarray(shifted.T)
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


def _log_softmax_vjp(n, g):
    axis = n.ctx[0]
    return (g - n.output().exp() * g.sum(axis, keepdim=True),)


LOG_SOFTMAX = Primitive("log_softmax", _log_softmax_forward, _log_softmax_vjp,
                        saves=("output",), quiet=True,
                        rule="out = x - logsumexp(x);  dL/dx = g - softmax(x) * sum(g)")


def _bce_forward(p, t):
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100.0)
        log_q = np.maximum(np.log1p(-p), -100.0)
    return np.asarray(-(t * log_p + (1.0 - t) * log_q), dtype=p.dtype)


def _bce_vjp(n, g):
    p, t = n.input(0), n.input(1)
    gp = g * (p - t) / (p * (1.0 - p)).clamp(min=1e-12) if _need(n, 0) else None
    gt = g * ((1.0 - p).log() - p.log()) if _need(n, 1) else None
    return gp, gt


# PyTorch's binary_cross_entropy: the logs clamped at -100 in the value, the gradient
# (p - t) / max(p (1 - p), 1e-12) (large, not 0, where p sits at 0 or 1 against its target).
BCE = Primitive("binary_cross_entropy", _bce_forward, _bce_vjp, saves=("inputs",),
                broadcasts=True, quiet=True,
                rule="out = -(t max(ln p, -100) + (1 - t) max(ln(1 - p), -100));  "
                     "dL/dp = g (p - t) / max(p (1 - p), 1e-12),  dL/dt = g ln((1 - p) / p)")


def _nll_forward(logp, index, weight, denom, per_sample, n_classes):
    picked = logp[np.arange(len(index)), index]
    if weight is not None:
        picked *= weight
    if per_sample:
        picked /= -denom
        return picked
    return np.asarray(-np.add.reduce(picked) / denom, dtype=logp.dtype)


def _nll_vjp(n, g):
    # the coefficients come from the targets inside a primitive, so that a captured step
    # (compile.py) recomputes them from each call's targets instead of freezing them
    return (apply(NLL_GRAD, (g,), *n.ctx),)


def _nll_grad_forward(g, index, weight, denom, per_sample, n_classes):
    coef = np.zeros((len(index), n_classes), dtype=g.dtype)
    coef[np.arange(len(index)), index] = np.divide(-1.0 if weight is None else -weight, denom)
    return np.multiply(g.reshape(-1, 1) if per_sample else g, coef)


NLL = Primitive("nll", _nll_forward, _nll_vjp, quiet=True,
                rule="out = -sum_i w_i logp[i, t_i] / denom (per row: -w_i logp[i, t_i] / denom);"
                     "  dL/dlogp = -g w_i / denom at (i, t_i), 0 elsewhere")
NLL_GRAD = Primitive("nll_grad", _nll_grad_forward, lambda n, gg: (apply(NLL, (gg,), *n.ctx),),
                     quiet=True,
                     rule="out = g * c with c = -w_i / denom at (i, t_i), 0 elsewhere (the "
                          "gradient of nll);  dL/dg = nll(gg) = sum_i -w_i gg[i, t_i] / denom")

def nll_terms(t, weight, ignore_index, dtype, mean):
    """What nll_loss picks from the targets t (any shape) with class weights `weight` ((C,)
    or None): (index (N,), per-row weight (N,) or None, denominator). Ignored rows point at
    class 0 with weight 0; the denominator is the summed weight of the kept rows ('mean') or
    1."""
    t = t.reshape(-1)
    keep = t != ignore_index
    kept_all = bool(keep.all())
    index = t if kept_all else np.where(keep, t, 0)
    if weight is None:
        w = None if kept_all else keep.astype(dtype)
        total = float(t.size if kept_all else np.count_nonzero(keep))
    else:
        w = np.asarray(weight, dtype=dtype)[index]
        if not kept_all:
            w *= keep
        total = float(w.sum())
    return index, w, total if mean else 1.0


def _nll_targets_forward(logp, t, weight, ignore_index, per_sample, mean, n_classes):
    index, w, denom = nll_terms(t, weight, ignore_index, logp.dtype, mean)
    return _nll_forward(logp, index, w, denom, per_sample, n_classes)


def _nll_targets_grad_forward(g, t, weight, ignore_index, per_sample, mean, n_classes):
    index, w, denom = nll_terms(t, weight, ignore_index, g.dtype, mean)
    return _nll_grad_forward(g, index, w, denom, per_sample, n_classes)


# nll with ignored targets or class weights: the per-row weights and the denominator are
# computed from the targets (ctx[0]) inside the forward and the gradient, so that a captured
# step (compile.py) computes them from each call's targets
NLL_TARGETS = Primitive("nll_targets", _nll_targets_forward,
                        lambda n, g: (apply(NLL_TARGETS_GRAD, (g,), *n.ctx),), quiet=True,
                        rule="out = -sum_i w_i logp[i, t_i] / sum_i w_i, w_i = weight[t_i] "
                             "(0 where t_i is ignored);  dL/dlogp = -g w_i / sum w at (i, t_i)")
NLL_TARGETS_GRAD = Primitive("nll_targets_grad", _nll_targets_grad_forward,
                             lambda n, gg: (apply(NLL_TARGETS, (gg,), *n.ctx),), quiet=True,
                             rule="out = g * c, c = -w_i / sum w at (i, t_i) (the gradient of "
                                  "nll_targets);  dL/dg = nll_targets(gg)")

# ===== reductions and scans (prod, cumulative ops) ===========================================

from .grad_mode import _State   # noqa: E402  (here, to keep this section self-contained)


def _cumsum_forward(x, axis, reverse):
    if reverse:
        return np.flip(np.cumsum(np.flip(x, axis), axis), axis).copy()
    return np.cumsum(x, axis)


CUMSUM = Primitive("cumsum", _cumsum_forward,
                   lambda n, g: (apply(CUMSUM, (g,), n.ctx[0], not n.ctx[1]),),
                   rule="out_i = sum_{j<=i} x_j along an axis;  dL/dx_j = sum_{i>=j} g_i "
                        "(a reversed cumsum)")


def _others_product(x, axis):
    """prod_{j != i} x_j along `axis` for every i, in Tensor ops (so it differentiates
    again): the product of an (n, n) stack whose diagonal is replaced by ones. Costs n times
    the memory of x; used only where x holds zeros (otherwise out / x is exact)."""
    n = x.shape[axis]
    eye = np.eye(n, dtype=bool)
    moved = x.movedim(axis, -1).unsqueeze(-2)                    # (..., 1, n)
    stack = moved.expand(moved.shape[:-2] + (n, n)).masked_fill(eye, 1.0)
    return apply(PROD, (stack,), stack.ndim - 1, False, stack.shape).movedim(-1, axis)


def _prod_vjp(n, g):
    axis, keepdims, in_shape = n.ctx
    x = n.input(0)
    if not keepdims and axis is not None:
        g = g.unsqueeze(axis)
    if axis is None:
        g = g.reshape((1,) * len(in_shape))
    uncapturable("prod's gradient, which branches on whether an element is zero")
    if not np.any(x._data == 0):
        out = n.output()
        if not keepdims and axis is not None:
            out = out.unsqueeze(axis)
        elif axis is None:
            out = out.reshape((1,) * len(in_shape))
        return (g * out / x,)
    if not _State.grad_enabled:
        # a first-order backward: the exact products in O(n), as numpy constants
        return (g * _const(_others_product_array(x._data, axis)),)
    if axis is None:
        flat = x.reshape(-1)
        return ((g.reshape(-1) * _others_product(flat, 0)).reshape(in_shape),)
    return (g * _others_product(x, axis),)


def _others_product_array(x, axis):
    """prod_{j != i} x_j along `axis` (all elements when None) as the product of the
    exclusive cumulative products from the left and from the right."""
    a = np.moveaxis(x, axis, -1) if axis is not None else x.reshape(-1)
    ones = np.ones(a.shape[:-1] + (1,), dtype=a.dtype)
    left = np.concatenate([ones, np.cumprod(a[..., :-1], -1)], -1)
    right = np.flip(np.concatenate([ones, np.cumprod(np.flip(a, -1)[..., :-1], -1)], -1), -1)
    out = left * right
    return np.moveaxis(out, -1, axis) if axis is not None else out.reshape(x.shape)


PROD = Primitive("prod", lambda x, axis, keepdims, in_shape: np.prod(x, axis=axis,
                                                                      keepdims=keepdims),
                 _prod_vjp, saves=("inputs", "output"), quiet=True,
                 rule="out = product of x over an axis (or all);  dL/dx_i = g * prod_{j != i} "
                      "x_j (g * out / x_i when no x_j is 0)")


def _cumprod_vjp(n, g):
    axis = n.ctx[0]
    x = n.input(0)
    uncapturable("cumprod's gradient, which branches on whether an element is zero")
    if not np.any(x._data == 0):
        return (apply(CUMSUM, (g * n.output(),), axis, True) / x,)
    if not _State.grad_enabled:
        return (_const(_cumprod_grad_array(x._data, g._data, axis)),)
    # differentiable again (create_graph) with zeros in x: dL/dx_j = sum_{i>=j} g_i P_ij,
    # P_ij = prod_{k<=i, k!=j} x_k, as a product over an (n, n, n) stack
    size = x.shape[axis]
    i, j, k = np.ogrid[:size, :size, :size]
    keep = (k <= i) & (k != j)
    xm, gm = x.movedim(axis, -1), g.movedim(axis, -1)
    stack = xm.unsqueeze(-2).unsqueeze(-2).expand(xm.shape[:-1] + (size,) * 3)
    stack = stack.masked_fill(~keep, 1.0)
    others = apply(PROD, (stack,), stack.ndim - 1, False, stack.shape)        # (..., i, j)
    others = others.masked_fill(np.arange(size)[None, :] > np.arange(size)[:, None], 0.0)
    return ((gm.unsqueeze(-1) * others).sum(-2).movedim(-1, axis),)


def _cumprod_grad_array(x, g, axis):
    """cumprod's exact gradient in O(n) where x holds zeros: before a slice's first zero z
    the usual (reversed cumsum of g * out) / x; at z, out_{z-1} * sum_{i>=z} g_i
    prod_{z<k<=i} x_k; after z, 0."""
    a, ga = np.moveaxis(x, axis, -1), np.moveaxis(g, axis, -1)
    n = a.shape[-1]
    out = np.cumprod(a, -1)
    zero = a == 0
    has_zero = zero.any(-1, keepdims=True)
    z = np.argmax(zero, -1)[..., None]                                  # first zero
    pos = np.arange(n)
    before = (pos < z) | ~has_zero
    grad = np.flip(np.cumsum(np.flip(ga * out, -1), -1), -1) / np.where(before, a, 1)
    grad = np.where(before, grad, 0)
    after = np.where(pos > z, a, 1)                                    # x_k for k > z
    tail = np.where(pos >= z, ga * np.cumprod(after, -1), 0).sum(-1, keepdims=True)
    prefix = np.where(z > 0, np.take_along_axis(out, np.maximum(z - 1, 0), -1), 1)
    grad = np.where((pos == z) & has_zero, prefix * tail, grad)
    return np.moveaxis(grad, -1, axis).astype(x.dtype, copy=False)


CUMPROD = Primitive("cumprod", lambda x, axis: np.cumprod(x, axis), _cumprod_vjp,
                    saves=("inputs", "output"), quiet=True,
                    rule="out_i = prod_{j<=i} x_j;  dL/dx_j = sum_{i>=j} g_i prod_{k<=i, k!=j} "
                         "x_k (= (sum_{i>=j} g_i out_i) / x_j without zeros)")


def _logcumsumexp_vjp(n, g):
    axis = n.ctx[0]
    x, out = n.input(0), n.output()
    # dL/dx_j = sum_{i>=j} g_i e^(x_j - out_i); every term has x_j <= out_i, so e^(...) <= 1
    uncapturable("logcumsumexp's gradient, which shifts by a constant taken from the data")
    finite = out._data[np.isfinite(out._data)]
    spread = float(finite.max() - finite.min()) if finite.size else 0.0
    if spread < np.log(np.finfo(x._data.dtype).max) - 8:
        # one reversed cumsum, both exponentials shifted by the same constant (no overflow)
        shift = _const(np.asarray(finite.max() if finite.size else 0, dtype=x._data.dtype))
        return (apply(CUMSUM, (g * (shift - out).exp(),), axis, True) * (x - shift).exp(),)
    # outputs too far apart for one shift: the (n, n) weights e^(x_j - out_i), j <= i
    size = x.shape[axis]
    later = ~np.tril(np.ones((size, size), dtype=bool))          # j > i
    xm, om, gm = x.movedim(axis, -1), out.movedim(axis, -1), g.movedim(axis, -1)
    weights = (xm.unsqueeze(-2) - om.unsqueeze(-1)).masked_fill(later, float("-inf")).exp()
    return ((gm.unsqueeze(-1) * weights).sum(-2).movedim(-1, axis),)


LOGCUMSUMEXP = Primitive("logcumsumexp", lambda x, axis: np.logaddexp.accumulate(x, axis),
                         _logcumsumexp_vjp, saves=("inputs", "output"), quiet=True,
                         rule="out_i = log sum_{j<=i} e^{x_j};  dL/dx_j = sum_{i>=j} g_i "
                              "e^{x_j - out_i}")

# ===== shape, views and indexing ==============================================================


def _diagonal_view(x, offset, d1, d2):
    """np.diagonal as a writable view (numpy's is read-only), diagonal last as in torch."""
    n1, n2 = x.shape[d1], x.shape[d2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    rest = [i for i in range(x.ndim) if i not in (d1, d2)]
    shape = tuple(x.shape[i] for i in rest) + (length,)
    strides = tuple(x.strides[i] for i in rest) + (x.strides[d1] + x.strides[d2],)
    origin = x[_diag_corner(x.ndim, d1, d2, offset)] if length else x
    return np.lib.stride_tricks.as_strided(origin, shape, strides,
                                           writeable=x.flags.writeable)


def _diag_corner(ndim, d1, d2, offset):
    """An index moving x's origin to the diagonal's first element (a view)."""
    index = [slice(None)] * ndim
    if offset >= 0:
        index[d2] = slice(offset, None)
    else:
        index[d1] = slice(-offset, None)
    return tuple(index)


def _diagonal_backward_forward(g, offset, d1, d2, in_shape):
    out = np.zeros(in_shape, dtype=g.dtype)
    if g.size:
        _diagonal_view(out, offset, d1, d2)[...] = g
    return out


DIAGONAL = Primitive("diagonal", lambda x, offset, d1, d2, in_shape:
                     _diagonal_view(x, offset, d1, d2),
                     lambda n, g: (apply(DIAGONAL_BACKWARD, (g,), *n.ctx),), view=True,
                     rule="out = a diagonal of x (a view);  dL/dx = zeros with g on that diagonal")
DIAGONAL_BACKWARD = Primitive("diagonal_backward", _diagonal_backward_forward,
                              lambda n, g: (apply(DIAGONAL, (g,), *n.ctx),),
                              rule="out = zeros with x on a diagonal;  dL/dx = g's diagonal")


def _scatter_forward(x, src, axis, index):
    out = np.array(x, copy=True)
    out[_full_index(index, axis)] = src
    return out


def _scatter_vjp(n, g):
    axis, index = n.ctx
    where = _full_index(index, axis)
    gx = gsrc = None
    if _need(n, 0):
        hit = np.zeros(g.shape, dtype=bool)
        hit[where] = True
        gx = g.masked_fill(hit, 0.0)
    if _need(n, 1):
        gsrc = apply(INDEX, (g,), where, g.shape)
    return gx, gsrc


SCATTER = Primitive("scatter", _scatter_forward, _scatter_vjp,
                    rule="out = x with src written at index along an axis;  dL/dx = g with 0 at "
                         "the written places,  dL/dsrc = g gathered at index")

# ===== linear algebra ==========================================================================


def _einsum_vjp(n, g):
    inputs, output = n.ctx
    grads = []
    for i, subs in enumerate(inputs):
        if not _need(n, i):
            grads.append(None)
            continue
        others = [n.input(j) for j in range(len(inputs)) if j != i]
        other_subs = [s for j, s in enumerate(inputs) if j != i]
        known = set(output).union(*other_subs)
        kept = "".join(c for c in subs if c in known)
        grad = apply(EINSUM, (g, *others), (output, *other_subs), kept)
        shape = n.input(i).shape
        if kept != subs:        # letters summed only within this operand: broadcast back
            grad = grad.reshape(tuple(shape[k] if c in known else 1
                                      for k, c in enumerate(subs))).expand(shape)
        grads.append(grad)
    return tuple(grads)


EINSUM = Primitive("einsum", lambda *args: np.einsum(
    ",".join(args[-2]) + "->" + args[-1], *args[:-2], optimize=len(args) > 4),
    _einsum_vjp, saves=("inputs",), quiet=True,
    rule="out = einsum over the operands;  dL/d(operand i) = einsum of g with the other "
         "operands, giving operand i's subscripts")


def _inv_vjp(n, g):
    inv_t = n.output().mT
    return (-(inv_t @ g @ inv_t),)


INV = Primitive("inv", np.linalg.inv, _inv_vjp, saves=("output",),
                rule="out = A^-1;  dL/dA = -A^-T g A^-T")


def _cofactors(a):
    """Cofactor matrices of (..., n, n) a, by minors (for singular matrices, where
    det(A) A^-T is undefined but the cofactors are the gradient)."""
    n = a.shape[-1]
    out = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, -2), j, -1)
            out[..., i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if n > 1 else 1.0)
    return out


def _det_vjp(n, g):
    a = n.input(0)
    scale = g.unsqueeze(-1).unsqueeze(-1)
    uncapturable("det's gradient, which branches on whether the determinant is zero")
    if np.all(n.output()._data != 0):
        return ((g * n.output()).unsqueeze(-1).unsqueeze(-1) * apply(INV, (a,)).mT,)
    # a singular matrix in the batch: the cofactors, as constants (first order only)
    return (scale * _const(_cofactors(a._data)),)


DET = Primitive("det", np.linalg.det, _det_vjp, saves=("inputs", "output"),
                rule="out = det A;  dL/dA = g det(A) A^-T = g cofactor(A)")

LOGABSDET = Primitive("logabsdet", lambda a: np.linalg.slogdet(a)[1],
                      lambda n, g: (g.unsqueeze(-1).unsqueeze(-1) * apply(INV, (n.input(0),)).mT,),
                      saves=("inputs",), quiet=True,
                      rule="out = log|det A|;  dL/dA = g A^-T")


def _solve_vjp(n, g):
    a = n.input(0)
    gb = apply(SOLVE, (a.mT, g))
    ga = -(gb @ n.output().mT) if _need(n, 0) else None
    return (ga.sum_to_size(a.shape) if ga is not None else None,
            gb.sum_to_size(n.input(1).shape) if _need(n, 1) else None)


SOLVE = Primitive("solve", np.linalg.solve, _solve_vjp, saves=("inputs", "output"),
                  rule="X = A^-1 B;  dL/dB = A^-T g,  dL/dA = -(A^-T g) X^T")


def _phi(x):
    """Lower triangle of x with its diagonal halved."""
    n = x.shape[-1]
    mask = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
    return x * _const(mask.astype(x.dtype))


def _cholesky_vjp(n, g):
    low = n.output()
    low_inv = apply(INV, (low,))
    ga = low_inv.mT @ _phi(low.mT @ g) @ low_inv
    return ((ga + ga.mT) * 0.5,)


CHOLESKY = Primitive("cholesky", np.linalg.cholesky, _cholesky_vjp, saves=("output",),
                     rule="A = L L^T;  dL/dA = sym(L^-T Phi(L^T g) L^-1), Phi: lower triangle, "
                          "diagonal halved")


def _eigh_forward(a):
    w, v = np.linalg.eigh(a)
    return np.concatenate([v, w[..., None, :]], axis=-2)     # (..., n + 1, n)


def _gap_inverse(s):
    """1 / (s_j - s_i) off the diagonal, 0 on it, in Tensor ops; inf where values repeat
    (the gradient is undefined there, as in PyTorch)."""
    n = s.shape[-1]
    eye = np.eye(n, dtype=bool)
    gap = s.unsqueeze(-2) - s.unsqueeze(-1)
    return (1.0 / (gap + _const(eye.astype(s.dtype)))).masked_fill(eye, 0.0)


def _eigh_vjp(n, g):
    packed = n.output()
    v, w = packed[..., :-1, :], packed[..., -1, :]
    gv, gw = g[..., :-1, :], g[..., -1, :]
    inner = apply(DIAGONAL_BACKWARD, (gw,), 0, gw.ndim - 1, gw.ndim, gw.shape + gw.shape[-1:])
    uncapturable("an eigendecomposition's gradient, which branches on the gradients' values")
    if np.any(gv._data):    # eigenvalues alone have a gradient even where they repeat
        vhgv = v.mT @ gv    # projected onto the skew-symmetric matrices, as PyTorch does
        inner = inner + (vhgv - vhgv.mT) * 0.5 * _gap_inverse(w)
    return (v @ inner @ v.mT,)


EIGH = Primitive("eigh", _eigh_forward, _eigh_vjp, saves=("output",),
                 rule="A = V diag(w) V^T;  dL/dA = V (diag(gw) + F * skew(V^T gV)) V^T, "
                      "F_ij = 1 / (w_j - w_i), skew(M) = (M - M^T) / 2")


def _svd_forward(a, full):
    u, s, vh = np.linalg.svd(a, full_matrices=full)
    lead = a.shape[:-2]
    return np.concatenate([u.reshape(lead + (-1,)), s, vh.reshape(lead + (-1,))], axis=-1)


def _svd_unpack(packed, m, n, full=False):
    """(U, S, Vh) from the packed output: U (m, m or k), S (k,), Vh (n or k, n)."""
    k = min(m, n)
    mu, nv = (m, n) if full else (k, k)
    lead = packed.shape[:-1]
    u = packed[..., :m * mu].reshape(lead + (m, mu))
    s = packed[..., m * mu:m * mu + k]
    vh = packed[..., m * mu + k:].reshape(lead + (nv, n))
    return u, s, vh


def _svd_vjp(n, g):
    m, cols, full = n.ctx[0]
    u, s, vh = _svd_unpack(n.output(), m, cols, full)
    gu, gs, gvh = _svd_unpack(g, m, cols, full)
    if full:    # the extra columns of U and rows of Vh are arbitrary: drop them (as PyTorch)
        k = min(m, cols)
        u, gu, vh, gvh = u[..., :k], gu[..., :k], vh[..., :k, :], gvh[..., :k, :]
    uncapturable("svd's gradient, which branches on the gradients' values")
    has_u, has_v = bool(np.any(gu._data)), bool(np.any(gvh._data))
    inner = apply(DIAGONAL_BACKWARD, (gs,), 0, gs.ndim - 1, gs.ndim, gs.shape + gs.shape[-1:])
    # singular values alone have a gradient even where they repeat: add the singular-vector
    # terms (inf/nan at repeated values, as in PyTorch) only when they carry a gradient
    if has_u or has_v:
        f = _gap_inverse(s * s)                           # 1 / (s_j^2 - s_i^2)
        term = 0.0
        if has_u:
            uhgu = u.mT @ gu
            term = (uhgu - uhgu.mT) * s.unsqueeze(-2)
        if has_v:
            vhgv = vh @ gvh.mT
            term = term + s.unsqueeze(-1) * (vhgv - vhgv.mT)
        inner = inner + term * f
    ga = u @ inner @ vh
    if m > cols and has_u:
        gus = gu / s.unsqueeze(-2)
        ga = ga + (gus - u @ (u.mT @ gus)) @ vh
    elif m < cols and has_v:
        sgv = gvh / s.unsqueeze(-1)
        ga = ga + u @ (sgv - (sgv @ vh.mT) @ vh)
    return (ga,)


SVD = Primitive("svd", lambda a, shape: _svd_forward(a, shape[2]), _svd_vjp, saves=("output",),
                rule="A = U diag(S) V^T (reduced);  dL/dA = U[(F*(U^T gU - gU^T U)) S + "
                     "S (F*(V^T gV - gV^T V)) + diag(gS)]V^T + projections of gU, gV "
                     "off the spans of U, V; F_ij = 1 / (S_j^2 - S_i^2)")


def _qr_forward(a, shape):
    q, r = np.linalg.qr(a, mode="reduced")
    lead = a.shape[:-2]
    return np.concatenate([q.reshape(lead + (-1,)), r.reshape(lead + (-1,))], axis=-1)


def _qr_unpack(packed, m, cols):
    k = min(m, cols)
    lead = packed.shape[:-1]
    return (packed[..., :m * k].reshape(lead + (m, k)),
            packed[..., m * k:].reshape(lead + (k, cols)))


def _copyltu(x):
    """The symmetric matrix with x's lower triangle (diagonal included)."""
    n = x.shape[-1]
    low = _const(np.tril(np.ones((n, n)), -1).astype(x.dtype))
    return x * low + (x * low).mT + x * _const(np.eye(n, dtype=x.dtype))


def _qr_vjp(n, g):
    m, cols = n.ctx[0]
    q, r = _qr_unpack(n.output(), m, cols)
    gq, gr = _qr_unpack(g, m, cols)
    mm = r @ gr.mT - gq.mT @ q
    b = gq + q @ _copyltu(mm)
    return (apply(SOLVE, (r, b.mT)).mT,)       # b R^-T


QR = Primitive("qr", _qr_forward, _qr_vjp, saves=("output",),
               rule="A = Q R (reduced, m >= n);  M = R gR^T - gQ^T Q,  "
                    "dL/dA = (gQ + Q copyltu(M)) R^-T")
