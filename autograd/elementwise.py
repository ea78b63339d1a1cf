"""Elementwise math beyond the basics of ops.py: rounding, inverse trigonometric and
hyperbolic functions, special functions, modulo and division variants, logical and bitwise
ops, and their in-place (`_`) forms, as functions (`gg.atan2(a, b)`) and Tensor methods.

dtype rules follow PyTorch: float functions turn integer and bool inputs into the default
float dtype; rounding, modulo and bitwise ops keep integers; Python scalars never widen a
tensor. Derivative rules live in primitives.py ("elementwise math" section); everything else
here is composed from existing ops.
"""
import numpy as np

from . import primitives as P
from .dtypes import get_default_dtype
from .engine import apply
from .ops import (_Scalar, _float_pair, _inplace, _pair, add, clamp, div, ge, gt, le,
                  logical_not, lt, mul, ne, neg, pow, sign, sub, to, where)
from .ops import abs as absolute
from .tensor import Tensor, _wrap
from .compile import data_op as _data_op, note_op as _note_op
from . import engine as _engine


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _floating(x):
    """`x` as a tensor of a floating dtype (integers and bools take the default float)."""
    x = _as_tensor(x)
    return x if x._data.dtype.kind == "f" else to(x, get_default_dtype())


def _not_implemented(op, dtype):
    return NotImplementedError(f"{op}: not implemented for dtype {dtype}")


def _doc(summary, rule=None):
    text = f"""{summary}

    Parameters
    ----------
    input : Tensor (or number)
        Integer and bool inputs are converted to the default float dtype.

    Returns
    -------
    Tensor
        Same shape; the input's floating dtype.
    """
    if rule:
        text += f"\n    Notes\n    -----\n    Derivative: ``{rule}``.\n"
    return text


def _float_unary(prim, name, summary):
    def op(input):
        return apply(prim, (_floating(input),))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = _doc(summary, prim.rule)
    return op


log2 = _float_unary(P.LOG2, "log2", "Base-2 logarithm, elementwise.")
log10 = _float_unary(P.LOG10, "log10", "Base-10 logarithm, elementwise.")
exp2 = _float_unary(P.EXP2, "exp2", "2 to the power x, elementwise.")
tan = _float_unary(P.TAN, "tan", "Tangent, elementwise.")
asin = _float_unary(P.ASIN, "asin", "Inverse sine (nan outside [-1, 1]), elementwise.")
acos = _float_unary(P.ACOS, "acos", "Inverse cosine (nan outside [-1, 1]), elementwise.")
atan = _float_unary(P.ATAN, "atan", "Inverse tangent, elementwise.")
sinh = _float_unary(P.SINH, "sinh", "Hyperbolic sine, elementwise.")
cosh = _float_unary(P.COSH, "cosh", "Hyperbolic cosine, elementwise.")
asinh = _float_unary(P.ASINH, "asinh", "Inverse hyperbolic sine, elementwise.")
acosh = _float_unary(P.ACOSH, "acosh", "Inverse hyperbolic cosine (nan below 1), elementwise.")
atanh = _float_unary(P.ATANH, "atanh", "Inverse hyperbolic tangent (+-inf at +-1, nan "
                                       "outside), elementwise.")
erfc = _float_unary(P.ERFC, "erfc", "Complementary error function 1 - erf(x), elementwise "
                                    "(accurate where erf(x) is close to 1).")
erfinv = _float_unary(P.ERFINV, "erfinv", "Inverse error function on [-1, 1], elementwise.")
lgamma = _float_unary(P.LGAMMA, "lgamma", "ln|Gamma(x)|, elementwise (inf at 0 and the "
                                          "negative integers).")
digamma = _float_unary(P.DIGAMMA, "digamma", "The digamma function d/dx ln Gamma(x), "
                                             "elementwise (-inf at 0, as PyTorch).")
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def polygamma(n, input):
    """The n-th derivative of the digamma function, elementwise (n = 0 is digamma).

    Parameters
    ----------
    n : int >= 0
    input : Tensor

    Returns
    -------
    Tensor of input's floating dtype. Differentiable to any order (polygamma(n + 1)).
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return apply(P.POLYGAMMA, (_floating(input),), int(n))


# ----- rounding (zero gradient; integers are returned unchanged) -------------------------------


def _rounding(prim, name, summary):
    def op(input):
        x = _as_tensor(input)
        kind = x._data.dtype.kind
        if kind == "b":
            raise _not_implemented(name, x._data.dtype)
        if kind != "f":
            return _wrap(x._data.copy())
        return apply(prim, (x,))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""{summary}

    Parameters
    ----------
    input : Tensor
        Floating or integer (integers come back unchanged, as a copy).

    Returns
    -------
    Tensor of input's dtype. Its gradient is zero, but it requires grad when the input does
    (as in PyTorch), so it can take part in a differentiable expression.
    """
    return op


floor = _rounding(P.FLOOR, "floor", "Largest integer <= x, elementwise.")
ceil = _rounding(P.CEIL, "ceil", "Smallest integer >= x, elementwise.")
trunc = _rounding(P.TRUNC, "trunc", "x rounded toward zero, elementwise.")
fix = trunc


def round(input, *, decimals=0):
    """Round half to even (0.5 -> 0, 1.5 -> 2), elementwise, to `decimals` decimal digits
    (negative: to tens, hundreds, ...), computed as PyTorch does: round(x * 10^d) / 10^d.

    Parameters
    ----------
    input : Tensor
    decimals : int, default 0

    Returns
    -------
    Tensor of input's dtype; zero gradient (requires grad when the input does).

    Raises
    ------
    NotImplementedError
        For bool input, or integer input with decimals != 0 (as PyTorch).
    """
    x = _as_tensor(input)
    kind = x._data.dtype.kind
    if kind == "b" or (kind != "f" and decimals):
        raise _not_implemented("round", x._data.dtype)
    if kind != "f":
        return _wrap(x._data.copy())
    return apply(P.ROUND, (x,), int(decimals))


def frac(input):
    """The fractional part x - trunc(x), elementwise (sign of x; nan at +-inf).

    Parameters
    ----------
    input : Tensor, floating

    Returns
    -------
    Tensor; gradient 1 (that of x).

    Raises
    ------
    NotImplementedError
        For integer or bool input (as PyTorch).
    """
    x = _as_tensor(input)
    if x._data.dtype.kind != "f":
        raise _not_implemented("frac", x._data.dtype)
    return sub(x, apply(P.TRUNC, (x,)))


sgn = sign


def signbit(input):
    """True where the sign bit is set (negative numbers, -0.0, -inf), elementwise.

    Returns
    -------
    Tensor of bool (no gradient)."""
    d = _as_tensor(input)._data
    if d.dtype.kind == "f":
        return _wrap(np.signbit(d))
    return _wrap(d < 0 if d.dtype.kind == "i" else np.zeros(d.shape, bool))


def positive(input):
    """Returns `input` itself (unary plus).

    Raises
    ------
    RuntimeError
        For bool input (as PyTorch)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("positive: the `+` operator on a bool tensor is not supported")
    return input


# ----- other unary -----------------------------------------------------------------------------


def reciprocal(input):
    """Return ``1 / input``, elementwise (also ``x.reciprocal()``).

    Parameters
    ----------
    input : Tensor or number
        Integer and bool inputs are converted to the default float dtype.

    Returns
    -------
    Tensor
        Same shape; ``inf`` where the input is 0.

    Notes
    -----
    Derivative: ``-g / x**2``.
    """
    return div(1.0, _floating(input))


def logit(input, eps=None):
    """ln(p / (1 - p)), elementwise. With `eps`, p is first clamped to [eps, 1 - eps] (the
    gradient is then 0 outside that range, as PyTorch).

    Parameters
    ----------
    input : Tensor
    eps : float, optional

    Returns
    -------
    Tensor of input's floating dtype.
    """
    return apply(P.LOGIT, (_floating(input),), None if eps is None else float(eps))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replace nan with `nan`, +inf with `posinf` and -inf with `neginf` (by default the
    largest and lowest finite values of the dtype). Integer tensors come back as a copy.

    Returns
    -------
    Tensor of input's dtype; the gradient passes where the input is finite, 0 elsewhere.
    """
    x = _as_tensor(input)
    d = x._data
    if d.dtype.kind != "f":
        return _wrap(d.copy())
    finite = np.isfinite(d)
    if finite.all():
        return apply(P.CLONE, (x,))
    fill = np.nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf)
    return where(finite, x, _wrap(fill))


def clamp_min(input, min):
    """max(x, min) elementwise: `clamp(input, min=min)`."""
    return clamp(input, min=min)


def clamp_max(input, max):
    """min(x, max) elementwise: `clamp(input, max=max)`."""
    return clamp(input, max=max)


# ----- binary ----------------------------------------------------------------------------------


def _broadcast_error(op, a, b, error):
    return RuntimeError(f"{op}: shapes {tuple(a.shape)} and {tuple(b.shape)} do not "
                        f"broadcast") if isinstance(error, ValueError) else error


def _apply2(prim, name, a, b):
    try:
        return apply(prim, (a, b))
    except ValueError as e:
        raise _broadcast_error(name, a, b, e) from None


def hypot(input, other):
    """sqrt(a^2 + b^2) without overflow, elementwise, broadcast. Floating inputs only.

    Raises
    ------
    NotImplementedError
        For integer or bool inputs (as PyTorch)."""
    a, b = _pair(input, other)
    if a._data.dtype.kind != "f":
        raise _not_implemented("hypot", a._data.dtype)
    return _apply2(P.HYPOT, "hypot", a, b)


def atan2(input, other):
    """The angle of the point (other, input), i.e. atan(input / other) in the right quadrant,
    elementwise, broadcast; integers give the default float dtype."""
    a, b = _float_pair(input, other)
    return _apply2(P.ATAN2, "atan2", a, b)


arctan2 = atan2


def _check_int_divisor(op, a, b):
    if a._data.dtype.kind == "b":
        raise _not_implemented(op, a._data.dtype)
    if a._data.dtype.kind in "iu" and (b._data == 0).any():
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")


def fmod(input, other):
    """C-style remainder a - b * trunc(a / b) (sign of the dividend), elementwise, broadcast.
    Integers stay integers.

    Derivative: dL/da = g, dL/db = -g * trunc(a / b).

    Raises
    ------
    RuntimeError
        For an integer division by zero (as PyTorch)."""
    a, b = _pair(input, other)
    _check_int_divisor("fmod", a, b)
    return _apply2(P.FMOD, "fmod", a, b)


def remainder(input, other):
    """Python-style modulus a - b * floor(a / b) (sign of the divisor), elementwise, broadcast;
    the `%` operator. Integers stay integers.

    Derivative: dL/da = g, dL/db = -g * floor(a / b).

    Raises
    ------
    RuntimeError
        For an integer division by zero (as PyTorch)."""
    a, b = _pair(input, other)
    _check_int_divisor("remainder", a, b)
    return _apply2(P.REMAINDER, "remainder", a, b)


def floor_divide(input, other):
    """floor(a / b), elementwise, broadcast; the `//` operator. Integers stay integers.

    Differs from PyTorch: the gradient is zero (PyTorch raises at backward)."""
    return div(input, other, rounding_mode="floor")


def lerp(input, end, weight):
    """Linear interpolation input + weight * (end - input), elementwise, broadcast; `weight` a
    number or a tensor. Computed as PyTorch (from `end` when weight >= 0.5).

    Raises
    ------
    NotImplementedError
        For integer inputs.
    RuntimeError
        If input and end have different dtypes (as PyTorch)."""
    start, end = _as_tensor(input), _as_tensor(end)
    if start._data.dtype.kind != "f":
        raise _not_implemented("lerp", start._data.dtype)
    if start._data.dtype != end._data.dtype:
        raise RuntimeError(f"lerp: expected dtype {start._data.dtype} for `end` but got dtype "
                           f"{end._data.dtype}")
    diff = sub(end, start)
    if not isinstance(weight, Tensor):
        weight = float(weight)
        return add(start, mul(diff, weight)) if -0.5 < weight < 0.5 else \
            sub(end, mul(diff, 1.0 - weight))
    small = np.abs(weight._data) < 0.5
    return where(small, add(start, mul(diff, weight)), sub(end, mul(diff, sub(1.0, weight))))


def _scaled(t, value, like):
    if value == 1:
        return t
    if like._data.dtype.kind != "f" and isinstance(value, float):
        value = int(value)      # PyTorch truncates a float value for integer tensors
    return mul(t, value)


def addcmul(input, tensor1, tensor2, *, value=1):
    """Return ``input + value * tensor1 * tensor2``, elementwise, with broadcasting (also ``x.addcmul(...)``).

    Parameters
    ----------
    input, tensor1, tensor2 : Tensor
        Tensors of broadcastable shapes.
    value : number, optional
        The multiplier of the product (keyword only). Default 1.

    Returns
    -------
    Tensor
        The broadcast shape and promoted dtype.
    """
    return add(input, _scaled(mul(tensor1, tensor2), value, _as_tensor(input)))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2, elementwise, broadcast.

    Raises
    ------
    RuntimeError
        If tensor1 and tensor2 are both integer tensors (as PyTorch)."""
    t1, t2 = _as_tensor(tensor1), _as_tensor(tensor2)
    if t1._data.dtype.kind in "iub" and t2._data.dtype.kind in "iub":
        raise RuntimeError("addcdiv: integer division with addcdiv is not supported; use "
                           "input + value * tensor1 / tensor2 with float tensors")
    return add(input, _scaled(div(t1, t2), value, t1))


def _float_binary(prim, name, summary):
    def op(input, other):
        a, b = _pair(input, other)
        if a._data.dtype.kind != "f":
            raise _not_implemented(name, a._data.dtype)
        return _apply2(prim, name, a, b)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""{summary}

    Parameters
    ----------
    input, other : Tensor or number (broadcast); floating

    Returns
    -------
    Tensor of the promoted floating dtype.

    Raises
    ------
    NotImplementedError
        For integer or bool inputs (as PyTorch).

    Notes
    -----
    Derivative: ``{prim.rule}``.
    """
    return op


logaddexp = _float_binary(P.LOGADDEXP, "logaddexp", "ln(e^a + e^b), elementwise, without "
                                                    "overflow.")
logaddexp2 = _float_binary(P.LOGADDEXP2, "logaddexp2", "log2(2^a + 2^b), elementwise, without "
                                                       "overflow.")


def copysign(input, other):
    """Return ``abs(input)`` with the sign of ``other`` (also the sign of -0.0), elementwise.

    Parameters
    ----------
    input, other : Tensor or number
        Broadcastable tensors; integers give the default float dtype.

    Returns
    -------
    Tensor
        The broadcast shape, the promoted floating dtype.

    Notes
    -----
    Derivative: ``g * sign`` with respect to ``input`` where it is nonzero, 0 where it is 0;
    no gradient flows to ``other``.
    """
    a, b = _float_pair(input, other)
    return _apply2(P.COPYSIGN, "copysign", a, b)


def xlogy(input, other):
    """x * ln(y), elementwise, broadcast, with 0 wherever x == 0 (unless y is nan);
    integers give the default float dtype. Derivative: d/dx = ln y, d/dy = x / y."""
    x, y = _float_pair(input, other)
    return _apply2(P.XLOGY, "xlogy", x, y)


def float_power(input, exponent):
    """input ** exponent computed in float64 (both operands are converted first)."""
    x = to(_as_tensor(input), np.float64)
    if isinstance(exponent, _Scalar) and not isinstance(exponent, bool):
        return pow(x, float(exponent))
    return pow(x, to(_as_tensor(exponent), np.float64))


def rsub(input, other, *, alpha=1):
    """other - alpha * input (the reflected subtraction), broadcast."""
    return sub(other, input, alpha=alpha)


# ----- comparisons and predicates (bool results, no gradient) ----------------------------------


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Test ``abs(input - other) <= atol + rtol * abs(other)`` elementwise, with broadcasting.

    Parameters
    ----------
    input, other : Tensor or number
        Broadcastable tensors.
    rtol, atol : float, optional
        Relative and absolute tolerances. Defaults 1e-5 and 1e-8.
    equal_nan : bool, optional
        Count two NaNs as close. Default False.

    Returns
    -------
    Tensor
        A bool tensor of the broadcast shape (not differentiable).
    """
    a, b = _pair(input, other)
    return _wrap(np.asarray(np.isclose(a._data, b._data, rtol=rtol, atol=atol,
                                       equal_nan=equal_nan)))


def isposinf(input):
    """Return a bool tensor, True where ``input`` is ``+inf`` (also ``x.isposinf()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.

    Returns
    -------
    Tensor
        A bool tensor of the same shape.
    """
    return _isposinf((_as_tensor(input),))


def isneginf(input):
    """Return a bool tensor, True where ``input`` is ``-inf`` (also ``x.isneginf()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.

    Returns
    -------
    Tensor
        A bool tensor of the same shape.
    """
    return _isneginf((_as_tensor(input),))


def _recorded_pair_op(ufunc, name):
    """The primitive a capture (compile.py) records a non-differentiable two-operand op as."""
    return P.Primitive(name, lambda a, b: np.asarray(ufunc(a, b)),
                       lambda n, g: (None, None), rule=f"out = {name}(a, b) (no gradient)")


def _logical(ufunc, name):
    prim = _recorded_pair_op(ufunc, name)

    def op(input, other):
        ta, tb = _as_tensor(input), _as_tensor(other)
        a, b = ta._data, tb._data
        try:
            data = np.asarray(ufunc(a, b))
            if _engine._recorder is not None:
                _note_op(prim, (ta, tb), (), data)
            return _wrap(data)
        except ValueError:
            raise RuntimeError(f"{name}: shapes {a.shape} and {b.shape} do not broadcast") \
                from None
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""Return the logical {name[8:].upper()} of the truth values of ``input`` and ``other`` (nonzero is True), elementwise.

    Also available as ``x.{name}(other)``.

    Parameters
    ----------
    input, other : Tensor or number
        Operands of any dtype and broadcastable shapes.

    Returns
    -------
    Tensor
        A bool tensor of the broadcast shape (not differentiable).

    Raises
    ------
    RuntimeError
        If the shapes do not broadcast.
    """
    return op


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def _bitwise(ufunc, name):
    prim = _recorded_pair_op(ufunc, name)

    def op(input, other):
        a, b = _pair(input, other)
        if a._data.dtype.kind not in "iub":
            raise _not_implemented(name, a._data.dtype)
        try:
            data = np.asarray(ufunc(a._data, b._data))
            if _engine._recorder is not None:
                _note_op(prim, (a, b), (), data)
            return _wrap(data)
        except ValueError:
            raise RuntimeError(f"{name}: shapes {a.shape} and {b.shape} do not broadcast") \
                from None
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""Return the bitwise {name[8:].upper()} of integer or bool tensors, elementwise (logical for bool).

    Also available as ``x.{name}(other)`` and the ``{dict(
        bitwise_and='&', bitwise_or='|', bitwise_xor='^')[name]}`` operator.

    Parameters
    ----------
    input, other : Tensor or int or bool
        Integer or bool operands of broadcastable shapes.

    Returns
    -------
    Tensor
        The broadcast shape, with PyTorch's dtypes (an int32 tensor with a Python int
        stays int32). Not differentiable.

    Raises
    ------
    NotImplementedError
        For floating inputs.
    RuntimeError
        If the shapes do not broadcast.
    """
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input):
    """Elementwise bitwise NOT of an integer tensor (logical NOT for bool); the `~` operator.

    Raises
    ------
    NotImplementedError
        For floating inputs."""
    d = _as_tensor(input)._data
    if d.dtype.kind not in "iub":
        raise _not_implemented("bitwise_not", d.dtype)
    return _wrap(np.invert(d))


# ----- small compositions and PyTorch's alias names ---------------------------------------------


def deg2rad(input):
    """Degrees to radians, x * pi / 180, elementwise (integers give the default float)."""
    return mul(_floating(input), np.pi / 180.0)


def rad2deg(input):
    """Radians to degrees, x * 180 / pi, elementwise (integers give the default float)."""
    return mul(_floating(input), 180.0 / np.pi)


def sinc(input):
    """The normalized sinc, sin(pi x) / (pi x), with 1 at x = 0 (gradient 0 there), elementwise.
    """
    x = _floating(input)
    zero = x._data == 0
    if not zero.any():
        px = mul(x, np.pi)
        return div(px.sin(), px)
    px = mul(where(zero, 1.0, x), np.pi)
    return where(zero, 1.0, div(px.sin(), px))


greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


# ----- Tensor methods, in-place forms and operators --------------------------------------------

_METHODS = dict(
    log2=log2, log10=log10, exp2=exp2, tan=tan, asin=asin, acos=acos, atan=atan, sinh=sinh,
    cosh=cosh, asinh=asinh, acosh=acosh, atanh=atanh, arcsin=asin, arccos=acos, arctan=atan,
    arcsinh=asinh, arccosh=acosh, arctanh=atanh, erfc=erfc, erfinv=erfinv, lgamma=lgamma,
    digamma=digamma, floor=floor, ceil=ceil, trunc=trunc, fix=trunc, round=round, frac=frac,
    sign=sign, sgn=sign, signbit=signbit, positive=positive, reciprocal=reciprocal,
    logit=logit, nan_to_num=nan_to_num, clamp_min=clamp_min, clamp_max=clamp_max,
    hypot=hypot, atan2=atan2, arctan2=atan2, fmod=fmod, remainder=remainder,
    floor_divide=floor_divide, lerp=lerp, addcmul=addcmul, addcdiv=addcdiv,
    logaddexp=logaddexp, logaddexp2=logaddexp2, copysign=copysign, xlogy=xlogy,
    float_power=float_power, rsub=rsub, isclose=isclose, isposinf=isposinf, isneginf=isneginf,
    logical_and=logical_and, logical_or=logical_or, logical_xor=logical_xor,
    bitwise_and=bitwise_and, bitwise_or=bitwise_or, bitwise_xor=bitwise_xor,
    bitwise_not=bitwise_not, deg2rad=deg2rad, rad2deg=rad2deg, sinc=sinc, absolute=absolute,
    negative=neg, multiply=mul, subtract=sub, divide=div, true_divide=div,
    logical_not=logical_not, greater=gt, greater_equal=ge, less=lt, less_equal=le,
    not_equal=ne,
)

# methods with an in-place `name_` form (the result must keep the tensor's dtype)
_INPLACE = (
    "log2 log10 exp2 tan asin acos atan sinh cosh asinh acosh atanh arcsin arccos arctan "
    "arcsinh arccosh arctanh erfc erfinv lgamma digamma floor ceil trunc fix round frac sign "
    "sgn reciprocal logit nan_to_num clamp_min clamp_max hypot atan2 arctan2 fmod remainder "
    "floor_divide lerp addcmul addcdiv copysign xlogy float_power logical_and logical_or "
    "logical_xor bitwise_and bitwise_or bitwise_xor bitwise_not exp log log1p expm1 sqrt "
    "rsqrt sin cos tanh sigmoid relu abs neg erf square pow deg2rad rad2deg sinc absolute "
    "negative true_divide clip logical_not"
).split()


def _inplace_method(name):
    def method(self, *args, **kwargs):
        fn = getattr(Tensor, name)
        return _inplace(self, name + "_", lambda s, *a: fn(s, *a, **kwargs), *args)
    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"In-place form of `{name}`: writes the result into this tensor."
    return method


def _polygamma_method(self, n):
    """Return the ``n``-th derivative of the digamma function at this tensor's elements
    (``x.polygamma(n)`` is ``gg.polygamma(n, x)``)."""
    return polygamma(n, self)


def _attach():
    T = Tensor
    for name, fn in _METHODS.items():
        setattr(T, name, fn)
    T.polygamma = _polygamma_method
    for name in _INPLACE:
        setattr(T, name + "_", _inplace_method(name))
    T.__floordiv__ = floor_divide
    T.__rfloordiv__ = lambda self, o: floor_divide(o, self)
    T.__mod__ = remainder
    T.__rmod__ = lambda self, o: remainder(o, self)
    T.__and__ = bitwise_and
    T.__rand__ = lambda self, o: bitwise_and(o, self)
    T.__or__ = bitwise_or
    T.__ror__ = lambda self, o: bitwise_or(o, self)
    T.__xor__ = bitwise_xor
    T.__rxor__ = lambda self, o: bitwise_xor(o, self)
    T.__invert__ = _invert
    T.__ifloordiv__ = T.floor_divide_
    T.__imod__ = T.remainder_
    T.__iand__ = T.bitwise_and_
    T.__ior__ = T.bitwise_or_
    T.__ixor__ = T.bitwise_xor_
    T.__ipow__ = T.pow_


_isposinf = _data_op("isposinf", np.isposinf, "x == +inf (no gradient)")
_isneginf = _data_op("isneginf", np.isneginf, "x == -inf (no gradient)")
_inverted = _data_op("invert", np.invert, "~x, bitwise (logical for bool; no gradient)")


def _invert(self):
    if self._data.dtype.kind not in "iub":
        raise TypeError("~ (operator.invert) is only implemented on integer and bool tensors, "
                        f"got {self._data.dtype}")
    return _inverted((self,))


_attach()
