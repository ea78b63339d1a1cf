"""Elementwise math beyond the basics of ops.py: rounding, inverse trigonometric and
hyperbolic functions, special functions, modulo and division variants, logical and bitwise
ops, and their in-place (`_`) forms, as functions (`gg.atan2(a, b)`) and Tensor methods.

dtype rules follow PyTorch: float functions turn integer and bool inputs into the default
float dtype; rounding, modulo and bitwise ops keep integers; Python scalars never widen a
tensor. Derivative rules live in primitives.py ("elementwise math" section); everything else
here is composed from existing ops.
"""
import inspect
import textwrap

import numpy as np

from . import primitives as P
from .dtypes import get_default_dtype
from .engine import apply
from .ops import (_Scalar, _float_pair, _inplace, _pair, add, clamp, div, ge, gt, le,
                  logical_not, lt, mul, ne, neg, pow, sign, sub, to, where)
from .ops import abs as absolute
from .tensor import Tensor, _wrap
from ._capture_hooks import data_op as _data_op, note_op as _note_op
from . import engine as _engine


def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _floating(x):
    """`x` as a tensor of a floating dtype (integers and bools take the default float)."""
    x = _as_tensor(x)
    return x if x._data.dtype.kind == "f" else to(x, get_default_dtype())


def _not_implemented(op, dtype):
    return NotImplementedError(f"{op}: not implemented for dtype {dtype}")


_NUMBER_NOTE = ("PyTorch's function requires a tensor; here a Python number is accepted too "
                "(it becomes a 0-d tensor of the default float dtype).")


def _fill(text, indent):
    """`text` wrapped to the docstrings' width, continuation lines indented by `indent`."""
    return textwrap.fill(text.strip(), 92 - indent, subsequent_indent=" " * indent,
                         break_on_hyphens=False)


def _float_unary(prim, name, summary, domain="", note=""):
    """The op `name` of one float input: integers and bools are converted first."""
    def op(input):
        return apply(prim, (_floating(input),))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""{summary}

    Also available as the method ``x.{name}()`` and in place as ``x.{name}_()``.

    Parameters
    ----------
    input : Tensor or number
        A tensor of any shape. Integer and bool inputs are converted to the default float
        dtype (:func:`get_default_dtype`) first, as in PyTorch.

    Returns
    -------
    Tensor
        {_fill("``input``'s shape and floating dtype. " + domain, 8)}

    Notes
    -----
    Derivative: ``{prim.rule}``.

    {_fill(note + " " + _NUMBER_NOTE, 4)}
    """
    return op


log2 = _float_unary(P.LOG2, "log2", "Return the base-2 logarithm of ``input``, elementwise.",
                    "``-inf`` at 0, NaN for negative values.")
log10 = _float_unary(P.LOG10, "log10",
                     "Return the base-10 logarithm of ``input``, elementwise.",
                     "``-inf`` at 0, NaN for negative values.")
exp2 = _float_unary(P.EXP2, "exp2", "Return ``2 ** input``, elementwise.")
tan = _float_unary(P.TAN, "tan", "Return the tangent of ``input`` (in radians), elementwise.")
asin = _float_unary(P.ASIN, "asin", "Return the inverse sine of ``input``, elementwise "
                                    "(``gg.arcsin`` is an alias).",
                    "In radians, in [-pi/2, pi/2]; NaN outside [-1, 1].")
acos = _float_unary(P.ACOS, "acos", "Return the inverse cosine of ``input``, elementwise "
                                    "(``gg.arccos`` is an alias).",
                    "In radians, in [0, pi]; NaN outside [-1, 1].")
atan = _float_unary(P.ATAN, "atan", "Return the inverse tangent of ``input``, elementwise "
                                    "(``gg.arctan`` is an alias).",
                    "In radians, in [-pi/2, pi/2].")
sinh = _float_unary(P.SINH, "sinh", "Return the hyperbolic sine of ``input``, elementwise.")
cosh = _float_unary(P.COSH, "cosh", "Return the hyperbolic cosine of ``input``, elementwise.")
asinh = _float_unary(P.ASINH, "asinh", "Return the inverse hyperbolic sine of ``input``, "
                                       "elementwise (``gg.arcsinh`` is an alias).")
acosh = _float_unary(P.ACOSH, "acosh", "Return the inverse hyperbolic cosine of ``input``, "
                                       "elementwise (``gg.arccosh`` is an alias).",
                     "NaN below 1.")
atanh = _float_unary(P.ATANH, "atanh", "Return the inverse hyperbolic tangent of ``input``, "
                                       "elementwise (``gg.arctanh`` is an alias).",
                     "``+inf`` and ``-inf`` at 1 and -1, NaN outside [-1, 1].")
erfc = _float_unary(P.ERFC, "erfc", "Return the complementary error function "
                                    "``1 - erf(input)``, elementwise.",
                    "Accurate where ``erf(input)`` is close to 1 (the subtraction would lose "
                    "every digit there).")
erfinv = _float_unary(P.ERFINV, "erfinv", "Return the inverse error function of ``input``, "
                                          "elementwise.",
                      "``+inf`` and ``-inf`` at 1 and -1, NaN outside [-1, 1].",
                      "``erfinv(-0.0)`` is ``+0.0`` here (PyTorch: ``-0.0``).")
lgamma = _float_unary(P.LGAMMA, "lgamma", "Return ``ln|Gamma(input)|``, the log of the "
                                          "absolute value of the gamma function, elementwise.",
                      "``inf`` at 0 and at the negative integers (the poles of Gamma).")
digamma = _float_unary(P.DIGAMMA, "digamma", "Return the digamma function "
                                             "``d/dx ln Gamma(x)`` at ``input``, elementwise.",
                       "``-inf`` at +0 and ``+inf`` at -0, NaN at the negative integers "
                       "(as PyTorch).")
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def polygamma(n, input):
    """Return the ``n``-th derivative of the digamma function at ``input``, elementwise.

    ``n = 0`` is :func:`digamma`. Also available as ``x.polygamma(n)``.

    Parameters
    ----------
    n : int
        The order of the derivative, >= 0.
    input : Tensor or number
        A tensor of any shape; integer and bool inputs are converted to the default float
        dtype.

    Returns
    -------
    Tensor
        ``input``'s shape and floating dtype. Differentiable to any order (the derivative
        is ``polygamma(n + 1, input)``).

    Raises
    ------
    RuntimeError
        If ``n`` is not a non-negative integer.

    Notes
    -----
    PyTorch's ``Tensor.polygamma_(n)`` has no counterpart here (there is no in-place form).
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return apply(P.POLYGAMMA, (_floating(input),), int(n))


# ----- rounding (zero gradient; integers are returned unchanged) -------------------------------


def _rounding(prim, name, summary):
    """The rounding op `name`: zero gradient; integers come back unchanged."""
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

    Also available as the method ``x.{name}()`` and in place as ``x.{name}_()``.

    Parameters
    ----------
    input : Tensor or number
        A floating or integer tensor of any shape (integers come back unchanged, as a copy).

    Returns
    -------
    Tensor
        ``input``'s shape and dtype. Its gradient is zero, but it requires grad when
        ``input`` does (as in PyTorch), so it can take part in a differentiable expression.
        ``inf``, ``-inf`` and NaN are returned unchanged.

    Raises
    ------
    NotImplementedError
        For a bool input (as PyTorch).
    """
    return op


floor = _rounding(P.FLOOR, "floor", "Return the largest integer <= ``input``, elementwise.")
ceil = _rounding(P.CEIL, "ceil", "Return the smallest integer >= ``input``, elementwise.")
trunc = _rounding(P.TRUNC, "trunc", "Return ``input`` rounded toward zero, elementwise "
                                    "(``gg.fix`` is an alias).")
fix = trunc


def round(input, *, decimals=0):
    """Round ``input`` to ``decimals`` decimal digits, half to even, elementwise.

    Ties go to the even neighbour (0.5 -> 0, 1.5 -> 2, as in PyTorch and numpy). A negative
    ``decimals`` rounds to tens, hundreds, ...; the value is computed as PyTorch does,
    ``round(x * 10**d) / 10**d``. Also available as ``x.round()`` and ``x.round_()``.

    Parameters
    ----------
    input : Tensor or number
        A floating or integer tensor of any shape (integers come back unchanged, as a copy).
    decimals : int, optional
        The number of decimal digits to keep (keyword only). Default 0.

    Returns
    -------
    Tensor
        ``input``'s shape and dtype. Its gradient is zero, but it requires grad when
        ``input`` does (as in PyTorch), so it can take part in a differentiable expression.

    Raises
    ------
    NotImplementedError
        For a bool input, or an integer input with ``decimals != 0`` (as PyTorch).
    """
    x = _as_tensor(input)
    kind = x._data.dtype.kind
    if kind == "b" or (kind != "f" and decimals):
        raise _not_implemented("round", x._data.dtype)
    if kind != "f":
        return _wrap(x._data.copy())
    return apply(P.ROUND, (x,), int(decimals))


def frac(input):
    """Return the fractional part ``input - trunc(input)``, elementwise.

    The result has the sign of ``input``; it is NaN at ``+inf`` and ``-inf``. Also
    available as ``x.frac()`` and ``x.frac_()``.

    Parameters
    ----------
    input : Tensor or number
        A floating tensor of any shape.

    Returns
    -------
    Tensor
        ``input``'s shape and dtype. Its gradient is 1 (that of ``input``).

    Raises
    ------
    NotImplementedError
        For an integer or bool input (as PyTorch).
    """
    x = _as_tensor(input)
    if x._data.dtype.kind != "f":
        raise _not_implemented("frac", x._data.dtype)
    return sub(x, apply(P.TRUNC, (x,)))


sgn = sign


def signbit(input):
    """Test whether the sign bit of each element is set, elementwise (also ``x.signbit()``).

    True for negative numbers, ``-0.0`` and ``-inf``.

    Parameters
    ----------
    input : Tensor or number
        A tensor of any shape and dtype (unsigned integers and bools give False).

    Returns
    -------
    Tensor
        A bool tensor of ``input``'s shape (not differentiable).
    """
    d = _as_tensor(input)._data
    if d.dtype.kind == "f":
        return _wrap(np.signbit(d))
    return _wrap(d < 0 if d.dtype.kind == "i" else np.zeros(d.shape, bool))


def positive(input):
    """Return ``input`` itself, the unary plus (also ``x.positive()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape and a numeric dtype.

    Returns
    -------
    Tensor
        ``input`` itself (not a copy), as in PyTorch.

    Raises
    ------
    RuntimeError
        For a bool tensor (as PyTorch).
    """
    if input._data.dtype.kind == "b":
        raise RuntimeError("positive: the `+` operator on a bool tensor is not supported")
    return input


# ----- other unary -----------------------------------------------------------------------------


def reciprocal(input):
    """Return ``1 / input``, elementwise (also ``x.reciprocal()`` and ``x.reciprocal_()``).

    Parameters
    ----------
    input : Tensor or number
        A tensor of any shape. Integer and bool inputs are converted to the default float
        dtype.

    Returns
    -------
    Tensor
        ``input``'s shape and floating dtype; ``inf`` where ``input`` is 0.

    Notes
    -----
    Derivative: ``-g / x**2``.
    """
    return div(1.0, _floating(input))


def logit(input, eps=None):
    """Return the log-odds ``ln(p / (1 - p))`` of the probabilities ``input``, elementwise.

    The inverse of :func:`sigmoid`. Also available as ``x.logit(eps)`` and
    ``x.logit_(eps)``.

    Parameters
    ----------
    input : Tensor or number
        Probabilities, a tensor of any shape. Integer and bool inputs are converted to the
        default float dtype.
    eps : float, optional
        When given, ``input`` is first clamped to ``[eps, 1 - eps]``, and the gradient is
        then 0 outside that range (as PyTorch). Default None (no clamping: ``-inf`` at 0,
        ``+inf`` at 1, NaN outside [0, 1]).

    Returns
    -------
    Tensor
        ``input``'s shape and floating dtype.
    """
    return apply(P.LOGIT, (_floating(input),), None if eps is None else float(eps))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replace NaN, ``+inf`` and ``-inf`` in ``input`` by finite numbers, elementwise.

    Also available as ``x.nan_to_num(...)`` and ``x.nan_to_num_(...)``.

    Parameters
    ----------
    input : Tensor or number
        A tensor of any shape. Integer and bool tensors come back unchanged, as a copy.
    nan : float, optional
        The value that replaces NaN. Default 0.
    posinf : float, optional
        The value that replaces ``+inf``. Default None: the largest finite value of the dtype.
    neginf : float, optional
        The value that replaces ``-inf``. Default None: the lowest finite value of the dtype.

    Returns
    -------
    Tensor
        ``input``'s shape and dtype. The gradient passes where ``input`` is finite and is 0
        at the replaced elements.
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
    """Return ``max(input, min)``, elementwise: :func:`clamp` with only a lower bound.

    Also available as ``x.clamp_min(min)`` and ``x.clamp_min_(min)``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    min : number or Tensor
        The lower bound (a tensor broadcasts against ``input``).

    Returns
    -------
    Tensor
        The clamped tensor, as :func:`clamp` gives it (the gradient passes where
        ``input >= min``).
    """
    return clamp(input, min=min)


def clamp_max(input, max):
    """Return ``min(input, max)``, elementwise: :func:`clamp` with only an upper bound.

    Also available as ``x.clamp_max(max)`` and ``x.clamp_max_(max)``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    max : number or Tensor
        The upper bound (a tensor broadcasts against ``input``).

    Returns
    -------
    Tensor
        The clamped tensor, as :func:`clamp` gives it (the gradient passes where
        ``input <= max``).
    """
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
    """Return ``sqrt(input**2 + other**2)``, elementwise, with broadcasting, without overflow.

    Also available as ``x.hypot(other)`` and ``x.hypot_(other)``.

    Parameters
    ----------
    input, other : Tensor or number
        Floating operands of broadcastable shapes.

    Returns
    -------
    Tensor
        The broadcast shape and the promoted floating dtype.

    Raises
    ------
    NotImplementedError
        For integer or bool inputs (as PyTorch).
    RuntimeError
        If the shapes do not broadcast.
    """
    a, b = _pair(input, other)
    if a._data.dtype.kind != "f":
        raise _not_implemented("hypot", a._data.dtype)
    return _apply2(P.HYPOT, "hypot", a, b)


def atan2(input, other):
    """Return the angle of the point ``(other, input)``, elementwise, with broadcasting.

    That is ``atan(input / other)`` in the right quadrant, in radians in ``[-pi, pi]``
    (``gg.arctan2`` is an alias; also ``x.atan2(other)`` and ``x.atan2_(other)``).

    Parameters
    ----------
    input : Tensor or number
        The y coordinates.
    other : Tensor or number
        The x coordinates, broadcastable with ``input``.

    Returns
    -------
    Tensor
        The broadcast shape and the promoted floating dtype (integers give the default float
        dtype).

    Raises
    ------
    RuntimeError
        If the shapes do not broadcast.
    """
    a, b = _float_pair(input, other)
    return _apply2(P.ATAN2, "atan2", a, b)


arctan2 = atan2


def _check_int_divisor(op, a, b):
    if a._data.dtype.kind == "b":
        raise _not_implemented(op, a._data.dtype)
    if a._data.dtype.kind in "iu" and (b._data == 0).any():
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")


def fmod(input, other):
    """Return the C-style remainder ``input - other * trunc(input / other)``, elementwise.

    The result has the sign of the dividend ``input`` (:func:`remainder` has the sign of the
    divisor). Broadcasts; integers stay integers. Also ``x.fmod(other)`` and
    ``x.fmod_(other)``.

    Parameters
    ----------
    input : Tensor or number
        The dividend.
    other : Tensor or number
        The divisor, broadcastable with ``input``.

    Returns
    -------
    Tensor
        The broadcast shape and the promoted dtype.

    Raises
    ------
    RuntimeError
        For an integer division by zero (as PyTorch), or shapes that do not broadcast.
    NotImplementedError
        For bool inputs.

    Notes
    -----
    Derivative: ``dL/dinput = g``, ``dL/dother = -g * trunc(input / other)``.
    """
    a, b = _pair(input, other)
    _check_int_divisor("fmod", a, b)
    return _apply2(P.FMOD, "fmod", a, b)


def remainder(input, other):
    """Return the Python-style modulus ``input - other * floor(input / other)``, elementwise.

    The result has the sign of the divisor ``other`` (:func:`fmod` has the sign of the
    dividend); this is the ``%`` operator. Broadcasts; integers stay integers. Also
    ``x.remainder(other)`` and ``x.remainder_(other)``.

    Parameters
    ----------
    input : Tensor or number
        The dividend.
    other : Tensor or number
        The divisor, broadcastable with ``input``.

    Returns
    -------
    Tensor
        The broadcast shape and the promoted dtype.

    Raises
    ------
    RuntimeError
        For an integer division by zero (as PyTorch), or shapes that do not broadcast.
    NotImplementedError
        For bool inputs.

    Notes
    -----
    Derivative: ``dL/dinput = g``, ``dL/dother = -g * floor(input / other)``.
    """
    a, b = _pair(input, other)
    _check_int_divisor("remainder", a, b)
    return _apply2(P.REMAINDER, "remainder", a, b)


def floor_divide(input, other):
    """Return ``floor(input / other)``, elementwise, with broadcasting: the ``//`` operator.

    Integers stay integers. Also ``x.floor_divide(other)`` and ``x.floor_divide_(other)``;
    the same as ``gg.div(input, other, rounding_mode='floor')``.

    Parameters
    ----------
    input : Tensor or number
        The dividend.
    other : Tensor or number
        The divisor, broadcastable with ``input``.

    Returns
    -------
    Tensor
        The broadcast shape and the promoted dtype.

    Raises
    ------
    RuntimeError
        For an integer division by zero (as PyTorch).
    NotImplementedError
        For bool inputs.
    ValueError
        If the shapes do not broadcast.

    Notes
    -----
    The gradient is zero; PyTorch raises at backward instead ("derivative for floor_divide
    is not implemented").
    """
    return div(input, other, rounding_mode="floor")


def lerp(input, end, weight):
    """Return the linear interpolation ``input + weight * (end - input)``, elementwise.

    Computed as PyTorch does, from ``end`` when ``weight >= 0.5`` (``end - (1 - weight) *
    (end - input)``), which is exact at ``weight = 1``. Broadcasts. Also
    ``x.lerp(end, weight)`` and ``x.lerp_(end, weight)``.

    Parameters
    ----------
    input : Tensor
        The start points, floating.
    end : Tensor
        The end points, of ``input``'s dtype and a broadcastable shape.
    weight : float or Tensor
        The interpolation weight, a number or a tensor broadcastable with the others.

    Returns
    -------
    Tensor
        The broadcast shape, ``input``'s dtype; differentiable in all three arguments.

    Raises
    ------
    NotImplementedError
        For an integer or bool ``input`` (as PyTorch).
    RuntimeError
        If ``input`` and ``end`` have different dtypes (as PyTorch).
    """
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
    """Return ``input + value * tensor1 * tensor2``, elementwise, with broadcasting.

    Also available as ``x.addcmul(tensor1, tensor2, value=...)`` and ``x.addcmul_(...)``.

    Parameters
    ----------
    input, tensor1, tensor2 : Tensor or number
        Tensors of broadcastable shapes.
    value : number, optional
        The multiplier of the product (keyword only). Default 1. For an integer ``input`` a
        float value is truncated to an integer, as PyTorch does.

    Returns
    -------
    Tensor
        The broadcast shape and promoted dtype.
    """
    return add(input, _scaled(mul(tensor1, tensor2), value, _as_tensor(input)))


def addcdiv(input, tensor1, tensor2, *, value=1):
    """Return ``input + value * tensor1 / tensor2``, elementwise, with broadcasting.

    Also available as ``x.addcdiv(tensor1, tensor2, value=...)`` and ``x.addcdiv_(...)``.

    Parameters
    ----------
    input : Tensor or number
        The tensor to add to.
    tensor1, tensor2 : Tensor or number
        The numerator and denominator, broadcastable with ``input``; not both integer.
    value : number, optional
        The multiplier of the quotient (keyword only). Default 1.

    Returns
    -------
    Tensor
        The broadcast shape and promoted dtype.

    Raises
    ------
    RuntimeError
        If ``tensor1`` and ``tensor2`` are both integer (or bool) tensors (as PyTorch).
    """
    t1, t2 = _as_tensor(tensor1), _as_tensor(tensor2)
    if t1._data.dtype.kind in "iub" and t2._data.dtype.kind in "iub":
        raise RuntimeError("addcdiv: integer division with addcdiv is not supported; use "
                           "input + value * tensor1 / tensor2 with float tensors")
    return add(input, _scaled(div(t1, t2), value, t1))


def _float_binary(prim, name, summary):
    """The op `name` of two floating operands (integers raise, as in PyTorch)."""
    def op(input, other):
        a, b = _pair(input, other)
        if a._data.dtype.kind != "f":
            raise _not_implemented(name, a._data.dtype)
        return _apply2(prim, name, a, b)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"""{summary}

    Computed without overflow for large inputs, with broadcasting. Also available as
    ``x.{name}(other)``.

    Parameters
    ----------
    input, other : Tensor or number
        Floating operands of broadcastable shapes.

    Returns
    -------
    Tensor
        The broadcast shape and the promoted floating dtype.

    Raises
    ------
    NotImplementedError
        For integer or bool inputs (as PyTorch).
    RuntimeError
        If the shapes do not broadcast.

    Notes
    -----
    Derivative: ``{prim.rule}``.
    """
    return op


logaddexp = _float_binary(P.LOGADDEXP, "logaddexp", "Return ``ln(exp(input) + exp(other))``, "
                                                    "elementwise.")
logaddexp2 = _float_binary(P.LOGADDEXP2, "logaddexp2", "Return ``log2(2**input + 2**other)``, "
                                                       "elementwise.")


def copysign(input, other):
    """Return ``abs(input)`` with the sign of ``other``, elementwise, with broadcasting.

    The sign of ``-0.0`` counts as negative. Also ``x.copysign(other)`` and
    ``x.copysign_(other)``.

    Parameters
    ----------
    input : Tensor or number
        The magnitudes.
    other : Tensor or number
        The signs, broadcastable with ``input``.

    Returns
    -------
    Tensor
        The broadcast shape and the promoted floating dtype (integers give the default float
        dtype, as in PyTorch).

    Raises
    ------
    RuntimeError
        If the shapes do not broadcast.

    Notes
    -----
    Derivative: ``g * sign`` with respect to ``input`` where it is nonzero, 0 where it is 0;
    no gradient flows to ``other``.
    """
    a, b = _float_pair(input, other)
    return _apply2(P.COPYSIGN, "copysign", a, b)


def xlogy(input, other):
    """Return ``input * ln(other)``, elementwise, with broadcasting, and 0 where ``input == 0``.

    The zero holds even where ``other`` is 0 (so ``0 * ln 0 = 0``), but not where ``other``
    is NaN (the result is NaN there, as in PyTorch). Also ``x.xlogy(other)`` and
    ``x.xlogy_(other)``.

    Parameters
    ----------
    input : Tensor or number
        The factors.
    other : Tensor or number
        The arguments of the logarithm, broadcastable with ``input``.

    Returns
    -------
    Tensor
        The broadcast shape and the promoted floating dtype (integers give the default float
        dtype).

    Raises
    ------
    RuntimeError
        If the shapes do not broadcast.

    Notes
    -----
    Derivative: ``dL/dinput = g * ln(other)``, ``dL/dother = g * input / other``.
    """
    x, y = _float_pair(input, other)
    return _apply2(P.XLOGY, "xlogy", x, y)


def float_power(input, exponent):
    """Return ``input ** exponent`` computed in float64, elementwise, with broadcasting.

    Both operands are converted to float64 first. Also ``x.float_power(exponent)`` and
    ``x.float_power_(exponent)``.

    Parameters
    ----------
    input : Tensor or number
        The base.
    exponent : Tensor or number
        The exponent, broadcastable with ``input``.

    Returns
    -------
    Tensor
        A float64 tensor of the broadcast shape.
    """
    x = to(_as_tensor(input), np.float64)
    if isinstance(exponent, _Scalar) and not isinstance(exponent, bool):
        return pow(x, float(exponent))
    return pow(x, to(_as_tensor(exponent), np.float64))


def rsub(input, other, *, alpha=1):
    """Return ``other - alpha * input``, the reflected subtraction, with broadcasting.

    Parameters
    ----------
    input : Tensor or number
        The subtrahend (multiplied by ``alpha``).
    other : Tensor or number
        The minuend, broadcastable with ``input``.
    alpha : number, optional
        The multiplier of ``input`` (keyword only). Default 1.

    Returns
    -------
    Tensor
        The broadcast shape and promoted dtype.

    Raises
    ------
    RuntimeError
        For two bool tensors, or an integer tensor with a float ``alpha``.
    ValueError
        If the shapes do not broadcast.
    """
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
    """Return the bitwise NOT of an integer tensor (logical NOT for bool), elementwise.

    The ``~`` operator; also ``x.bitwise_not()`` and ``x.bitwise_not_()``.

    Parameters
    ----------
    input : Tensor or int or bool
        An integer or bool tensor of any shape.

    Returns
    -------
    Tensor
        ``input``'s shape and dtype (not differentiable).

    Raises
    ------
    NotImplementedError
        For a floating input (as PyTorch).
    """
    d = _as_tensor(input)._data
    if d.dtype.kind not in "iub":
        raise _not_implemented("bitwise_not", d.dtype)
    return _wrap(np.invert(d))


# ----- small compositions and PyTorch's alias names ---------------------------------------------


def deg2rad(input):
    """Convert angles from degrees to radians, ``input * pi / 180``, elementwise.

    Also ``x.deg2rad()`` and ``x.deg2rad_()``.

    Parameters
    ----------
    input : Tensor or number
        Angles in degrees, a tensor of any shape. Integer and bool inputs are converted to
        the default float dtype.

    Returns
    -------
    Tensor
        ``input``'s shape and floating dtype.
    """
    return mul(_floating(input), np.pi / 180.0)


def rad2deg(input):
    """Convert angles from radians to degrees, ``input * 180 / pi``, elementwise.

    Also ``x.rad2deg()`` and ``x.rad2deg_()``.

    Parameters
    ----------
    input : Tensor or number
        Angles in radians, a tensor of any shape. Integer and bool inputs are converted to
        the default float dtype.

    Returns
    -------
    Tensor
        ``input``'s shape and floating dtype.
    """
    return mul(_floating(input), 180.0 / np.pi)


def sinc(input):
    """Return the normalized sinc function ``sin(pi * input) / (pi * input)``, elementwise.

    Its value at 0 is 1 (the limit), with gradient 0 there. Also ``x.sinc()`` and
    ``x.sinc_()``.

    Parameters
    ----------
    input : Tensor or number
        A tensor of any shape. Integer and bool inputs are converted to the default float
        dtype.

    Returns
    -------
    Tensor
        ``input``'s shape and floating dtype.
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
    _document_inplace(method, name, getattr(Tensor, name))
    return method


def _sections(doc):
    """{section title: its lines} of a NumPy-style docstring (the summary under '')."""
    lines = inspect.cleandoc(doc or "").split("\n")
    out, title = {"": []}, ""
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and line.strip() and set(lines[i + 1].strip()) == {"-"} \
                and len(lines[i + 1].strip()) == len(line.strip()):
            title = line.strip()
            out[title] = []
        elif not (title in out and line and set(line.strip()) == {"-"} and not out[title]):
            out[title].append(line)
    return out


def _entries(lines):
    """The entries [(names, header line, description lines)] of a Parameters/Raises section."""
    entries = []
    for line in lines:
        if line and not line.startswith(" "):
            names = [n.strip() for n in line.split(" : ")[0].split(",")]
            entries.append((names, line, []))
        elif entries and line.strip():
            entries[-1][2].append(line)
    return entries


def _document_inplace(method, name, fn):
    """Give the in-place method `name_` the signature of `fn` (without its first parameter)
    and a docstring built from `fn`'s: the parameters after ``input``, the same Raises plus
    the in-place errors, and a pointer to `fn` for the computation."""
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())[1:]
    method.__signature__ = signature.replace(parameters=[
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + params)
    sections = _sections(fn.__doc__)
    documented = _entries(sections.get("Parameters", []))
    lines = []
    for p in params:
        star = "*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else ""
        for names, header, description in documented:
            if p.name in names or star + p.name in names:
                lines.append(star + p.name + " :" + header.split(" :", 1)[1]
                             if " :" in header else star + p.name)
                lines += [line for line in description]
                break
        else:
            lines += [star + p.name, f"    As in :meth:`Tensor.{name}`."]
    call = ", ".join(("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD
                      else "") + p.name for p in params)
    parts = [f"""Compute ``self.{name}({call})`` and write the result into this tensor.

    The in-place form of :meth:`Tensor.{name}` (see it for the computation, the dtype rules
    and the derivative; its ``input`` is this tensor). It returns this tensor, with its
    shape and dtype unchanged.
"""]
    if params:
        parts.append("    Parameters\n    ----------\n" + "".join(
            f"    {line}\n" for line in lines))
    raises = "".join(f"    {line}\n" for line in sections.get("Raises", []) if line.strip())
    parts.append(f"""    Returns
    -------
    Tensor
        This tensor, modified; its version counter is bumped.

    Raises
    ------
    RuntimeError
        If the result's dtype cannot be stored in this tensor's dtype (e.g. ``{name}_`` of
        an integer tensor when ``{name}`` gives floats), if broadcasting with the other
        operands makes the result larger than this tensor, if this tensor is a read-only
        view (from :meth:`Tensor.expand`), or if it is a leaf that requires grad while grad
        mode is on (as in PyTorch).
{raises}
    Notes
    -----
    When autograd records the graph, this tensor's history continues from the new value
    (on a view, the history of the view's base, as in PyTorch).
    """)
    method.__doc__ = "\n".join(parts)


def _polygamma_method(self, n):
    """Return the ``n``-th derivative of the digamma function at this tensor's elements.

    ``x.polygamma(n)`` is ``gg.polygamma(n, x)`` (see :func:`polygamma`).

    Parameters
    ----------
    n : int
        The order of the derivative, >= 0.

    Returns
    -------
    Tensor
        This tensor's shape and floating dtype.

    Raises
    ------
    RuntimeError
        If ``n`` is not a non-negative integer.
    """
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
