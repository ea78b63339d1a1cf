"""Every op as a function (`ag.exp(t)`) and as a Tensor method (`t.exp()`).

Functions here check arguments, promote dtypes and then either apply one primitive from
`primitives.py` or compose several (softmax, var, logsumexp, ...). Nothing here defines a
derivative: composites get theirs from the primitives they are built of.
"""
import builtins
import math
import textwrap
from collections import namedtuple

import numpy as np

from . import primitives as P
from ._dim_aliases import with_dim_aliases
from .dtypes import get_default_dtype, promote, promote_operands, scalar_result_dtype
from . import engine as _engine
from .engine import View, apply
from .grad_mode import _State, no_grad
from .naming import composite     # composite ops drawn as one box (ag.viz)
from ._quiet import quiet
from .random import get_rng
from .tensor import Tensor, _as_array, _wrap
from ._capture_hooks import _no_gradient, data_op as _data_op, note_op as _note_op, \
    uncapturable as _uncapturable, capturing as _capturing

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
        dt = promote_operands(a._data, b._data)
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
    def op(input, other):
        input, other = _pair(input, other)
        try:
            return apply(prim, (input, other))
        except ValueError as e:
            raise ValueError(f"{name}: shapes {input.shape} and {other.shape} do not "
                             f"broadcast") from e
    op.__name__ = name
    op.__doc__ = f"""Return the {dict(mul="product").get(name, name)} of ``input`` and ``other``, elementwise, with broadcasting.

    Also available as ``x.{name}(other)``{" and ``x * other``; ``gg.multiply`` is an alias"
                                          if name == "mul" else ""}.

    Parameters
    ----------
    input, other : Tensor or number
        Operands of broadcastable shapes (PyTorch's type promotion).

    Returns
    -------
    Tensor
        The broadcast shape; each input's gradient is summed back to its shape.

    Raises
    ------
    ValueError
        If the shapes do not broadcast (PyTorch: ``RuntimeError``).
    """
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
    """Return ``input + alpha * other``, elementwise, with broadcasting (also ``x.add(other)``, ``x + other``).

    Parameters
    ----------
    input, other : Tensor or number
        Operands of broadcastable shapes; the result dtype follows PyTorch's type promotion
        (a Python float with an integer tensor gives the default float dtype).
    alpha : number, optional
        Multiplier of ``other`` (keyword only). Default 1.

    Returns
    -------
    Tensor
        The broadcast shape; each input's gradient is summed back to its shape.

    Raises
    ------
    ValueError
        If the shapes do not broadcast.

    Notes
    -----
    PyTorch raises ``RuntimeError`` for shapes that do not broadcast.
    """
    if alpha != 1:
        _alpha_check(input, other, alpha, "add")
        other = mul(other, alpha)
    return _add(input, other)


def sub(input, other, *, alpha=1):
    """Return ``input - alpha * other``, elementwise, with broadcasting (also ``x.sub(other)``, ``x - other``; ``gg.subtract`` is an alias).

    Parameters
    ----------
    input, other : Tensor or number
        Operands of broadcastable shapes (PyTorch's type promotion).
    alpha : number, optional
        Multiplier of ``other`` (keyword only). Default 1.

    Returns
    -------
    Tensor
        The broadcast shape.

    Raises
    ------
    RuntimeError
        For two bool tensors (use :func:`logical_xor`, as PyTorch says).
    ValueError
        If the shapes do not broadcast.
    """
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
maximum.__doc__ += """
    Notes
    -----
    On ties the gradient is split evenly between the two inputs, as in PyTorch.
    """
minimum.__doc__ += """
    Notes
    -----
    On ties the gradient is split evenly between the two inputs, as in PyTorch.
    """
subtract, multiply = sub, mul


def div(input, other, *, rounding_mode=None):
    """Return ``input / other``, elementwise, with broadcasting (also ``x.div(other)``, ``x / other``; ``gg.divide`` and ``gg.true_divide`` are aliases).

    Parameters
    ----------
    input, other : Tensor or number
        Operands of broadcastable shapes.
    rounding_mode : {None, 'trunc', 'floor'}, optional
        None (default): true division; integer inputs give the default float dtype.
        ``'trunc'``: the quotient rounded toward zero; ``'floor'``: rounded down. With a
        rounding mode integer inputs stay integer, and the gradient is zero (as in PyTorch).

    Returns
    -------
    Tensor
        The broadcast shape. Division of a float by zero gives ``inf`` or NaN, as in PyTorch.

    Raises
    ------
    RuntimeError
        For an integer division by zero with a rounding mode (as PyTorch).
    """
    if rounding_mode is not None:
        return _rounded_div(input, other, rounding_mode)
    input, other = _float_pair(input, other)
    try:
        return apply(P.DIV, (input, other))
    except ValueError as e:
        raise ValueError(f"div: shapes {input.shape} and {other.shape} do not broadcast") from e


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


def pow(input, exponent):
    """Return ``input ** exponent``, elementwise, with broadcasting (also ``x.pow(e)``, ``x ** e``).

    Parameters
    ----------
    input : Tensor or number
        The base.
    exponent : Tensor or number
        The exponent; a Python number uses a cheaper derivative rule than a tensor exponent
        (which also gets the gradient ``out * ln(input)``).

    Returns
    -------
    Tensor
        The broadcast shape and promoted dtype.
    """
    if isinstance(input, Tensor) and isinstance(exponent, _Scalar) \
            and not isinstance(exponent, bool):
        if isinstance(exponent, np.generic):
            exponent = exponent.item()  # a numpy scalar would make np.power widen float32
        if input._data.dtype.kind != "f" and isinstance(exponent, float):
            input = to(input, get_default_dtype())
        return apply(P.POW_SCALAR, (input,), exponent)
    input, exponent = _pair(input, exponent)
    return apply(P.POW, (input, exponent))


def neg(input):
    """Return ``-input``, elementwise (``gg.negative`` is an alias).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape and numeric dtype.

    Returns
    -------
    Tensor
        A tensor of the same shape and dtype. Also available as ``x.neg()``, ``x.negative()``
        and ``-x``.
    """
    return apply(P.NEG, (input,))


negative = neg


def _unary(prim, name, summary, domain="", floating=True, note=""):
    """The op `name` of one input; with `floating`, integers and bools are converted first."""
    def op(input):
        if not isinstance(input, Tensor):
            input = Tensor(input)
        if floating and input._data.dtype.kind != "f":
            input = to(input, get_default_dtype())
        return apply(prim, (input,))
    op.__name__ = name
    dtype_rule = ("Integer and bool inputs are converted to the default float dtype\n"
                  "        (:func:`get_default_dtype`) first, as in PyTorch." if floating else
                  "Integer tensors stay integer.")
    returns = textwrap.fill(
        f"``input``'s shape and {'floating dtype' if floating else 'dtype'}. {domain}".strip(),
        84, subsequent_indent=" " * 8, break_on_hyphens=False)
    notes = textwrap.fill(
        (note + " PyTorch's function requires a tensor; here a Python number is accepted too "
                "(it becomes a 0-d tensor).").strip(),
        88, subsequent_indent=" " * 4, break_on_hyphens=False)
    op.__doc__ = f"""{summary}

    Also available as the method ``x.{name}()`` and in place as ``x.{name}_()``.

    Parameters
    ----------
    input : Tensor or number
        A tensor of any shape. {dtype_rule}

    Returns
    -------
    Tensor
        {returns}

    Notes
    -----
    Derivative: ``{prim.rule}``.

    {notes}
    """
    return op


exp = _unary(P.EXP, "exp", "Return ``e ** input``, elementwise.",
             "``inf`` on overflow, 0 at ``-inf``.")
log = _unary(P.LOG, "log", "Return the natural logarithm of ``input``, elementwise.",
             "``-inf`` at 0, NaN for negative values.")
log1p = _unary(P.LOG1P, "log1p", "Return ``ln(1 + input)``, elementwise, accurate for small "
                                 "``input``.",
               "``-inf`` at -1, NaN below -1.")
expm1 = _unary(P.EXPM1, "expm1", "Return ``e ** input - 1``, elementwise, accurate for small "
                                 "``input``.")
sqrt = _unary(P.SQRT, "sqrt", "Return the square root of ``input``, elementwise.",
              "NaN for negative values; the gradient at 0 is ``inf``.")
sin = _unary(P.SIN, "sin", "Return the sine of ``input`` (in radians), elementwise.")
cos = _unary(P.COS, "cos", "Return the cosine of ``input`` (in radians), elementwise.")
tanh = _unary(P.TANH, "tanh", "Return the hyperbolic tangent of ``input``, elementwise.",
              "In [-1, 1].")
sigmoid = _unary(P.SIGMOID, "sigmoid", "Return the logistic sigmoid ``1 / (1 + e ** -input)``, "
                                       "elementwise.",
                 "In [0, 1]; computed without overflow for large negative inputs.")
erf = _unary(P.ERF, "erf", "Return the error function of ``input``, elementwise.",
             "In [-1, 1].")
relu = _unary(P.RELU, "relu", "Return ``max(input, 0)``, the rectified linear unit, "
                              "elementwise.",
              "The gradient is 0 at ``input == 0`` (PyTorch's convention).", floating=False,
              note="A bool tensor raises ``TypeError`` (PyTorch: ``RuntimeError``); "
                   "``relu(-0.0)`` is ``+0.0`` here (PyTorch: ``-0.0``).")
abs = _unary(P.ABS, "abs", "Return the absolute value of ``input``, elementwise (``gg.absolute`` "
                           "is an alias).",
             "The gradient is 0 at 0 (the sign of 0).", floating=False,
             note="A bool tensor gives a copy of its values (PyTorch raises).")


def square(input):
    """Return ``input * input``, elementwise (also ``x.square()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.

    Returns
    -------
    Tensor
        A tensor of the same shape and dtype.
    """
    return mul(input, input)


def rsqrt(input):
    """Return ``1 / sqrt(input)``, elementwise (also ``x.rsqrt()``).

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.

    Returns
    -------
    Tensor
        A tensor of the same shape: ``inf`` where the input is 0, NaN where it is negative.
    """
    return div(1.0, sqrt(input))


def sign(input):
    """Return the sign of each element: -1, 0 or 1 (also ``x.sign()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape; 0 and NaN give 0. A bool tensor is returned as a copy.

    Returns
    -------
    Tensor
        Same shape and dtype. Its gradient is zero, but it requires grad when ``input``
        does, as in PyTorch.
    """
    input = _tensor(input)
    if input._data.dtype.kind == "b":
        return _wrap(input._data.copy())
    return apply(P.SIGN, (input,))


def clamp(input, min=None, max=None):
    """Clamp every element of ``input`` into ``[min, max]`` (also ``x.clamp(min, max)``; ``gg.clip`` is an alias).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    min, max : number or Tensor, optional
        The lower and upper bounds (tensors broadcast); None leaves that side unbounded.

    Returns
    -------
    Tensor
        Same shape. The gradient passes where ``min <= input <= max``, boundaries included
        (PyTorch's convention), and is 0 elsewhere. A NaN in ``input`` or in a tensor bound
        gives NaN, with no gradient to either.

    Raises
    ------
    ValueError
        If both ``min`` and ``max`` are None (PyTorch: ``RuntimeError``).
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        # where(), not maximum/minimum (which split ties): x keeps the gradient on the
        # boundaries and a bound gets it where it was applied, as in PyTorch. A NaN in x or
        # in a bound gives NaN with no gradient to either (PyTorch's clamp_backward).
        out = input
        for bound, inside, outside in ((min, np.greater_equal, np.less),
                                       (max, np.less_equal, np.greater)):
            if bound is None:
                continue
            b = _tensor(bound, input)
            keep, clipped = _clamp_side((out, b), inside), _clamp_side((out, b), outside)
            nan = ~(keep._data | clipped._data)     # input or the bound is NaN
            clipped_or_nan = where(clipped, b, float("nan")) \
                if nan.any() or _capturing() else b
            out = where(keep, out, clipped_or_nan)
        return out
    if input._data.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        input = to(input, get_default_dtype())      # an integer tensor clamped to float bounds
    return apply(P.CLAMP, (input,), min, max)


clip = clamp

_clamp_side = _data_op("clamp_side", lambda x, b, ufunc: ufunc(x, b),
                       "out = x compared with a clamp bound (a mask, no gradient)")


_as_bool = _data_op("to_bool", lambda c: c.astype(bool), "out = c != 0 (no gradient)")


def where(condition, input, other):
    """Return elements of ``input`` where ``condition`` is True, else of ``other`` (as ``torch.where``).

    Also available as ``x.where(condition, other)``.

    Parameters
    ----------
    condition : Tensor
        A bool tensor (other dtypes are read as nonzero = True).
    input, other : Tensor or number
        The values; all three broadcast together.

    Returns
    -------
    Tensor
        The broadcast shape and the promoted dtype of ``input`` and ``other``. Gradients
        flow to ``input`` and ``other`` only; the condition is a constant.

    Notes
    -----
    The one-argument form ``torch.where(condition)`` is :func:`nonzero` with
    ``as_tuple=True``; use that function.
    """
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        cond = _as_bool((condition,))._data if isinstance(condition, Tensor) \
            else cond.astype(bool)
    input, other = _pair(input, other)
    try:
        return apply(P.WHERE, (input, other), cond)
    except ValueError as e:
        raise ValueError(f"where: condition {cond.shape}, input {input.shape} and other "
                         f"{other.shape} do not broadcast") from e


def to(input, dtype):
    """Return ``input`` converted to ``dtype`` (``x.to(dtype)``); ``input`` itself when it already has it.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dtype : numpy.dtype
        The target dtype (``gg.float64``, ``np.int32``...).

    Returns
    -------
    Tensor
        A new tensor of the same shape; differentiable between floating dtypes (the
        gradient is converted back).

    Notes
    -----
    The method ``x.to(...)`` also accepts a device (only the CPU) and ``other`` tensors, as in
    PyTorch; there is no ``non_blocking`` or ``copy`` behaviour to speak of.
    """
    dtype = np.dtype(dtype)
    if input._data.dtype == dtype:
        return input
    if dtype.kind != "f" or input._data.dtype.kind != "f":
        return _cast_op((input,), dtype)
    return apply(P.CAST, (input,), dtype, input._data.dtype)


_cast_op = _data_op("cast", lambda x, dtype: x.astype(dtype),
                    "out = x converted to another dtype (not between floats: no gradient)")


def clone(input):
    """Return a copy of ``input`` with its own memory, recorded in the graph (also ``x.clone()``).

    Gradients flow through the copy to ``input``, unlike :meth:`Tensor.detach`.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.

    Returns
    -------
    Tensor
        A new tensor of the same shape and dtype.
    """
    return apply(P.CLONE, (input,))


# ----- comparisons (boolean results, outside the graph) ----------------------------------


def _comparable(a, b):
    """The operands' arrays in the dtype PyTorch compares them in (torch.result_type): numpy
    would compare a float32 tensor with a 0-d float64 one (or a numpy float64 scalar) in
    float64, where 0.1 in float32 != 0.1."""
    if not isinstance(a, Tensor):
        if not isinstance(b, Tensor):
            return _tensor(a)._data, _tensor(b)._data
        b_arr, a_arr = _comparable(b, a)
        return a_arr, b_arr
    x = a._data
    if isinstance(b, Tensor) or isinstance(b, (np.ndarray, list, tuple)):
        y = b._data if isinstance(b, Tensor) else _as_array(b)
        if x.dtype == y.dtype:
            return x, y
        dt = promote_operands(x, y)
        return x.astype(dt, copy=False), y.astype(dt, copy=False)
    if isinstance(b, _Scalar):
        if isinstance(b, np.generic):
            b = b.item()        # a numpy scalar compares like a Python number (torch)
        dt = scalar_result_dtype(x.dtype, b)
        return x.astype(dt, copy=False), np.asarray(b, dtype=dt)
    return x, b


def _compare(ufunc, name):
    # the primitives a capture (compile.py) records the comparison as: tensor-tensor,
    # tensor-other and other-tensor (the non-tensor operand in the ctx)
    rule = f"out = {name}(a, b), bool (no gradient)"
    both = P.Primitive(name, lambda x, y: np.asarray(ufunc(*_comparable(_wrap(x), _wrap(y)))),
                       _no_gradient, rule=rule)
    left = P.Primitive(name, lambda x, b: np.asarray(ufunc(*_comparable(_wrap(x), b))),
                       _no_gradient, rule=rule)
    right = P.Primitive(name, lambda y, a: np.asarray(ufunc(*_comparable(a, _wrap(y)))),
                        _no_gradient, rule=rule)

    def op(input, other):
        a_data, b_data = _comparable(input, other)
        data = np.asarray(ufunc(a_data, b_data))
        if _engine._recorder is not None:
            if isinstance(input, Tensor):
                if isinstance(other, Tensor):
                    _note_op(both, (input, other), (), data)
                else:
                    _note_op(left, (input,), (other,), data)
            elif isinstance(other, Tensor):
                _note_op(right, (other,), (input,), data)
        return _wrap(data)
    op.__name__ = name
    op.__doc__ = f"""Compare ``input`` and ``other`` elementwise ({name}), with broadcasting.

    Also available as ``x.{name}(other)`` and as the operator.

    Parameters
    ----------
    input, other : Tensor or number
        Operands of broadcastable shapes, promoted as in PyTorch before comparing.

    Returns
    -------
    Tensor
        A bool tensor of the broadcast shape (not differentiable).
    """
    return op


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")


_isnan_op = _data_op("isnan", np.isnan, "out = isnan(x), bool (no gradient)")


def isnan(input):
    """Return a bool tensor, True where ``input`` is NaN (also ``x.isnan()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.

    Returns
    -------
    Tensor
        A bool tensor of the same shape (not differentiable).
    """
    return _isnan_op((input,))


_isinf_op = _data_op("isinf", np.isinf, "out = isinf(x), bool (no gradient)")


def isinf(input):
    """Return a bool tensor, True where ``input`` is ``+inf`` or ``-inf`` (also ``x.isinf()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.

    Returns
    -------
    Tensor
        A bool tensor of the same shape (not differentiable).
    """
    return _isinf_op((input,))


_isfinite_op = _data_op("isfinite", np.isfinite, "out = isfinite(x), bool (no gradient)")


def isfinite(input):
    """Return a bool tensor, True where ``input`` is neither infinite nor NaN (also ``x.isfinite()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.

    Returns
    -------
    Tensor
        A bool tensor of the same shape (not differentiable).
    """
    return _isfinite_op((input,))


_logical_not_op = _data_op("logical_not", np.logical_not, "out = logical_not(x), bool (no gradient)")


def logical_not(input):
    """Return a bool tensor, True where ``input`` is zero (or False) (also ``x.logical_not()``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape and dtype.

    Returns
    -------
    Tensor
        A bool tensor of the same shape.
    """
    return _logical_not_op((input,))


def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Return True if ``abs(input - other) <= atol + rtol * abs(other)`` holds everywhere.

    Parameters
    ----------
    input, other : Tensor or array_like
        Tensors of broadcastable shapes.
    rtol, atol : float, optional
        Relative and absolute tolerances (defaults 1e-5 and 1e-8, as in PyTorch).
    equal_nan : bool, optional
        Count two NaNs as equal. Default False.

    Returns
    -------
    bool
        A Python bool.
    """
    return bool(np.allclose(_tensor(input)._data, _tensor(other)._data, rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def equal(input, other):
    """Return True if ``input`` and ``other`` have the same shape and the same values.

    Parameters
    ----------
    input, other : Tensor
        Tensors of any shapes.

    Returns
    -------
    bool
        A Python bool (False when the shapes differ; NaN never equals NaN).
    """
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


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


def sum(input, dim=None, keepdim=False, dtype=None):
    """Return the sum of ``input``'s elements over ``dim`` (all elements when None).

    Also available as ``x.sum(dim, keepdim, dtype)``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int or tuple of int, optional
        The dim(s) to reduce (negative counts from the end); all of them when None.
    keepdim : bool, optional
        Keep the reduced dims with size 1, so the result broadcasts against ``input``.
        Default False.
    dtype : numpy.dtype, optional
        Convert ``input`` to this dtype first.

    Returns
    -------
    Tensor
        The sums; bool and signed integer tensors sum to int64 (as in PyTorch). The
        gradient is the incoming gradient broadcast back to ``input``'s shape.

    Raises
    ------
    IndexError
        If a dim is out of range.
    ValueError
        If ``dim`` repeats a dim.

    Notes
    -----
    Unsigned integer tensors (uint8) sum to uint64 here; PyTorch gives int64.

    Examples
    --------
    >>> x = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.sum()
    tensor(10.)
    >>> gg.sum(x, dim=0)
    tensor([4., 6.])
    >>> x.sum(1, keepdim=True)
    tensor([[3.],
            [7.]])
    """
    if dtype is not None:
        input = to(input, dtype)
    elif input._data.dtype.kind in "bi" and input._data.dtype != np.int64:
        input = to(input, np.int64)
    axis = _axes(dim, input._data.ndim, "sum")
    if input._data.ndim == 0:
        axis = None
    return apply(P.SUM, (input,), axis, keepdim, input._data.shape)


@composite("mean")
def mean(input, dim=None, keepdim=False, dtype=None):
    """Return the arithmetic mean of ``input`` over ``dim`` (all elements when None).

    Also available as ``x.mean(dim, keepdim, dtype)``.

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.
    dim : int or tuple of int, optional
        The dim(s) to reduce; all of them when None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.
    dtype : numpy.dtype, optional
        Convert ``input`` to this dtype first.

    Returns
    -------
    Tensor
        The means, of ``input``'s dtype (NaN over an empty dim).

    Raises
    ------
    RuntimeError
        If ``input`` is not floating (convert it with ``.float()`` first).
    """
    if dtype is not None:
        input = to(input, dtype)
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"mean: input dtype should be floating point, got {input._data.dtype}; "
                           f"call .float() first")
    axis = _axes(dim, input._data.ndim, "mean")
    n = _reduce_count(input._data.shape, axis if input._data.ndim else None)
    return div(sum(input, dim, keepdim), n) if n != 1 else sum(input, dim, keepdim)


def _root(s, p):
    """s ** (1/p) for norms and std, whose gradient where s == 0 is 0 (PyTorch's subgradient)
    rather than inf * 0 = nan."""
    zero = s._data == 0
    if not zero.any():
        return sqrt(s) if p == 2 else pow(s, 1.0 / p)
    safe = where(zero, 1.0, s)
    return where(zero, 0.0, sqrt(safe) if p == 2 else pow(safe, 1.0 / p))


def _check_empty_reduction(x, axis, name):
    """max/min of a tensor with no elements: allowed over dims of non-zero size (the result
    is empty too), an error over all dims or a dim of size 0 (there is no extreme)."""
    if axis is None:
        raise RuntimeError(f"{name}: expected a non-empty tensor, got shape {x.shape} (pass "
                           f"dim= to reduce over a dim of non-zero size)")
    for a in axis:
        if x._data.shape[a] == 0:
            raise IndexError(f"{name}: expected reduction dim {a} to have non-zero size, got "
                             f"shape {x.shape}")


def _extreme(prim, name):
    def op(input, dim=None, keepdim=False):
        axis = _axes(dim, input._data.ndim, name)
        if input._data.size == 0:
            _check_empty_reduction(input, axis, name)
        if input._data.ndim == 0:
            axis = None
        return apply(prim, (input,), axis, keepdim, input._data.shape)
    op.__name__ = name
    extreme = "maximum" if name == "amax" else "minimum"
    op.__doc__ = f"""Return the {extreme} of ``input`` over ``dim`` (also ``x.{name}(dim)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int or tuple of int, optional
        The dim(s) to reduce; all of them when None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.

    Returns
    -------
    Tensor
        The reduced tensor. The gradient is shared evenly among tied elements, as in
        PyTorch.

    Raises
    ------
    RuntimeError
        For a tensor with no elements and ``dim=None`` (there is no extreme).
    IndexError
        If a dim is out of range, or a reduced dim has size 0.
    ValueError
        If ``dim`` repeats a dim.
    """
    return op


amax = _extreme(P.AMAX, "amax")
amin = _extreme(P.AMIN, "amin")

MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


_argmax_op = _data_op("argmax", lambda x, axis, keepdims: np.asarray(
    np.argmax(x, axis=axis, keepdims=keepdims) if axis is not None else np.argmax(x),
    dtype=np.int64), "out = index of the first maximum (int64, no gradient)")
_argmin_op = _data_op("argmin", lambda x, axis, keepdims: np.asarray(
    np.argmin(x, axis=axis, keepdims=keepdims) if axis is not None else np.argmin(x),
    dtype=np.int64), "out = index of the first minimum (int64, no gradient)")


def argmax(input, dim=None, keepdim=False):
    """Return the index of the first maximum of ``input`` (also ``x.argmax(dim)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int, optional
        The dim to reduce; when None, the index into the flattened tensor.
    keepdim : bool, optional
        Keep the reduced dim with size 1. Default False.

    Returns
    -------
    Tensor
        An int64 tensor (not differentiable).
    """
    if dim is None:
        return _argmax_op((input,), None, False)
    d = _axes(dim, input._data.ndim, "argmax")[0] if input._data.ndim else None
    return _argmax_op((input,), d, keepdim)


def argmin(input, dim=None, keepdim=False):
    """Return the index of the first minimum of ``input`` (also ``x.argmin(dim)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int, optional
        The dim to reduce; when None, the index into the flattened tensor.
    keepdim : bool, optional
        Keep the reduced dim with size 1. Default False.

    Returns
    -------
    Tensor
        An int64 tensor (not differentiable).
    """
    if dim is None:
        return _argmin_op((input,), None, False)
    d = _axes(dim, input._data.ndim, "argmin")[0] if input._data.ndim else None
    return _argmin_op((input,), d, keepdim)


_squeeze_index = _data_op("squeeze", lambda i, d: i.squeeze(d), "out = i without dim d")


def _max_or_min(x, dim, keepdim, other, largest):
    if isinstance(dim, Tensor) and other is None:
        dim, other = None, dim
    if other is not None:
        return maximum(x, other) if largest else minimum(x, other)
    if dim is None:     # all elements: a NaN maximum sends the gradient to the NaNs
        if x._data.size == 0:
            _check_empty_reduction(x, None, "max" if largest else "min")
        return apply(P.AMAX if largest else P.AMIN, (x,), None, False, x._data.shape, True)
    d = _axes(dim, x._data.ndim, "max" if largest else "min")[0] if x._data.ndim else 0
    if x._data.size == 0:
        _check_empty_reduction(x, (d,), "max" if largest else "min")
    if x._data.ndim == 0:
        return (MaxResult if largest else MinResult)(x, _wrap(np.array(0)))
    idx = (argmax if largest else argmin)(x, d, keepdim=True)
    values = gather(x, d, idx)
    if not keepdim:
        values = squeeze(values, d)
        idx = _squeeze_index((idx,), d)
    return (MaxResult if largest else MinResult)(values, idx)


def max(input, dim=None, keepdim=False, other=None):
    """Return the largest elements of ``input``, in one of three forms (also ``x.max(...)``).

    ``max(input)``: the largest element, a 0-d tensor (the gradient is shared evenly among
    ties). ``max(input, dim, keepdim=False)``: a named tuple ``(values, indices)`` along
    ``dim``, whose gradient goes to the index returned (the first maximum).
    ``max(input, other)`` for a tensor ``other``: the elementwise :func:`maximum`.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int or Tensor, optional
        The dim to reduce, or a tensor (the ``other`` form).
    keepdim : bool, optional
        Keep the reduced dim with size 1. Default False.
    other : Tensor, optional
        Compare elementwise with this tensor.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        See above; ``indices`` are int64.

    Raises
    ------
    RuntimeError
        For an empty tensor without ``dim`` (no maximum), as in PyTorch.
    IndexError
        If ``dim`` is out of range or has size 0.
    """
    return _max_or_min(input, dim, keepdim, other, True)


def min(input, dim=None, keepdim=False, other=None):
    """Return the smallest elements of ``input``: ``min(input)``, ``min(input, dim)`` or ``min(input, other)``.

    The same three forms as :func:`max` (also ``x.min(...)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int or Tensor, optional
        The dim to reduce, or a tensor (the ``other`` form).
    keepdim : bool, optional
        Keep the reduced dim with size 1. Default False.
    other : Tensor, optional
        Compare elementwise with this tensor.

    Returns
    -------
    Tensor or (Tensor, Tensor)
        The smallest element, a named tuple ``(values, indices)``, or the elementwise
        :func:`minimum`.

    Raises
    ------
    RuntimeError
        For an empty tensor without ``dim`` (no minimum), as in PyTorch.
    IndexError
        If ``dim`` is out of range or has size 0.
    """
    return _max_or_min(input, dim, keepdim, other, False)


def _max_shift(x, axis, keep_pos_inf=False):
    """max(x) over `axis` (dims kept) as a constant, for exp-normalizing ops. A non-finite max
    is replaced by 0: a row of -inf (fully masked) or holding +inf is left unshifted, so the
    result is PyTorch's (-inf, nan, ...) without an inf - inf warning from numpy. With
    `keep_pos_inf` a +inf max stays (softmax: exp(x - inf) makes the row NaN, as PyTorch)."""
    if not x._data.size:
        return _wrap(np.zeros((), x._data.dtype))
    return _max_shift_op((x,), axis if x._data.ndim else None, keep_pos_inf)


def _max_shift_forward(x, axis, keep_pos_inf):
    shift = np.amax(x, axis=axis, keepdims=True)
    usable = np.isfinite(shift)
    if keep_pos_inf:
        usable |= np.isposinf(shift)
    return np.where(usable, shift, 0).astype(x.dtype, copy=False)


# a primitive (no gradient), so that a captured step takes each call's maximum
_max_shift_op = _data_op("max_shift", _max_shift_forward,
                         "out = max(x) over the axes, 0 where not finite (no gradient)")


@composite("logsumexp")
def logsumexp(input, dim=None, keepdim=False):
    """Return ``log(sum(exp(input)))`` over ``dim``, computed stably (also ``x.logsumexp(dim)``).

    The input is shifted by its (constant) maximum before exponentiating, so large values
    do not overflow.

    Parameters
    ----------
    input : Tensor
        A floating tensor of any shape.
    dim : int or tuple of int, optional
        The dim(s) to reduce; all of them when None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.

    Returns
    -------
    Tensor
        The reduced tensor; its gradient is ``softmax(input)`` along ``dim``.

    Notes
    -----
    ``dim`` is required in PyTorch; here it defaults to every dim.
    """
    axis = _axes(dim, input._data.ndim, "logsumexp")
    shift_t = _max_shift(input, axis)
    out = add(log(sum(exp(sub(input, shift_t)), dim, keepdim=True)), shift_t)
    if not keepdim:
        out = reshape(out, tuple(s for i, s in enumerate(out.shape)
                                 if not (axis is None or i in axis)))
    return out


@composite("softmax")
def softmax(input, dim=-1, dtype=None):
    """Return ``exp(x) / sum(exp(x))`` along ``dim``: each slice becomes a probability vector.

    Also available as ``x.softmax(dim)``. The input is shifted by its (constant) max
    along ``dim`` before exponentiating, so large inputs do not overflow.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape; integer inputs are converted to the default float dtype.
    dim : int, optional
        The dim along which the result sums to 1. Default -1 (PyTorch warns when ``dim`` is
        omitted and picks a dim by the number of dims; glassgrad uses the last one).
    dtype : numpy.dtype, optional
        Convert ``input`` to this dtype first.

    Returns
    -------
    Tensor
        Same shape as ``input``. A slice holding ``+inf`` gives NaN throughout, as in
        PyTorch.

    Examples
    --------
    >>> gg.softmax(gg.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([0.09  , 0.2447, 0.6652])
    """
    if dtype is not None:
        input = to(input, dtype)
    elif input._data.dtype.kind != "f":
        input = to(input, get_default_dtype())
    shift = _max_shift(input, _axes(dim, input._data.ndim, "softmax"), keep_pos_inf=True)
    e = exp(sub(input, shift))
    return div(e, sum(e, dim, keepdim=True))


def log_softmax(input, dim=-1, dtype=None):
    """Return ``input - logsumexp(input)`` along ``dim``: the log of :func:`softmax`, computed stably (also ``x.log_softmax(dim)``).

    One recorded op instead of the six of ``log(softmax(x))``, and exact where the softmax
    underflows to 0.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape; integer inputs are converted to the default float dtype.
    dim : int, optional
        The dim that is normalized. Default -1.
    dtype : numpy.dtype, optional
        Convert ``input`` to this dtype first (as PyTorch).

    Returns
    -------
    Tensor
        Same shape as ``input``.
    """
    if dtype is not None:
        input = to(input, dtype)
    if input._data.dtype.kind != "f":
        input = to(input, get_default_dtype())
    if input._data.ndim == 0:
        return sub(input, input)
    return apply(P.LOG_SOFTMAX, (input,), _axes(dim, input._data.ndim, "log_softmax")[0])


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


def binary_cross_entropy(p, t):
    """Elementwise -(t ln p + (1 - t) ln(1 - p)), each log clamped at -100, with PyTorch's
    gradient (p - t) / max(p (1 - p), 1e-12) for p (see primitives.BCE). p and t broadcast;
    integer inputs become the default float dtype. Unreduced: nn.functional reduces."""
    p, t = _float_pair(p, t)
    try:
        return apply(P.BCE, (p, t))
    except ValueError as e:
        raise ValueError(f"binary_cross_entropy: shapes {p.shape} and {t.shape} do not "
                         f"broadcast") from e



_all_op = _data_op("all", lambda x, axis, keepdims: np.asarray(
    np.all(x, axis=axis, keepdims=keepdims)), "out = every element is nonzero (no gradient)")
_any_op = _data_op("any", lambda x, axis, keepdims: np.asarray(
    np.any(x, axis=axis, keepdims=keepdims)), "out = some element is nonzero (no gradient)")


def all(input, dim=None, keepdim=False):
    """Test whether every element of ``input`` is nonzero, over all elements or along ``dim``.

    Also available as ``x.all(dim, keepdim)``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape and dtype.
    dim : int or tuple of int, optional
        The dim(s) to reduce; all of them when None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.

    Returns
    -------
    Tensor
        A bool tensor.
    """
    return _all_op((input,), dim, keepdim)


def any(input, dim=None, keepdim=False):
    """Test whether any element of ``input`` is nonzero, over all elements or along ``dim``.

    Also available as ``x.any(dim, keepdim)``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape and dtype.
    dim : int or tuple of int, optional
        The dim(s) to reduce; all of them when None.
    keepdim : bool, optional
        Keep the reduced dims with size 1. Default False.

    Returns
    -------
    Tensor
        A bool tensor.
    """
    return _any_op((input,), dim, keepdim)


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


def reshape(input, *shape):
    """Return a tensor with ``input``'s elements in a new shape (also ``x.reshape(*shape)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    *shape : int or tuple of int
        The new shape, as separate ints or one tuple, with the same number of elements; one
        entry may be -1 (inferred).

    Returns
    -------
    Tensor
        A view when the memory layout allows it, otherwise a copy (as in PyTorch).

    Raises
    ------
    RuntimeError
        If the number of elements does not match.

    Notes
    -----
    PyTorch's function ``torch.reshape(input, shape)`` also accepts ``shape=`` by keyword;
    here the shape is passed by position only.
    """
    shape = _size_args(shape)
    if shape != input._data.shape:
        shape = _resolve_shape(input, shape, "reshape")
        if shape != input._data.shape:
            return apply(P.RESHAPE, (input,), shape, input._data.shape)
    return input


def view(input, *shape):
    """Return a view of ``input`` with a new shape, always sharing its memory (also ``x.view(*shape)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    *shape : int or tuple of int
        The new shape, as separate ints or one tuple; one entry may be -1.

    Returns
    -------
    Tensor
        A view: in-place changes to it show in ``input`` and the other way round.

    Raises
    ------
    RuntimeError
        If the shape needs a copy given ``input``'s strides (use :func:`reshape`), or if the
        number of elements does not match.
    """
    shape = _resolve_shape(input, _size_args(shape), "view")
    try:
        np.reshape(input._data, shape, copy=False)
    except ValueError:
        raise RuntimeError(f"view: shape {shape} is not compatible with the strides of the "
                           f"input (shape {input.shape}); use reshape(), which copies") from None
    return apply(P.RESHAPE, (input,), shape, input._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim`` to ``end_dim`` (inclusive) of ``input`` into one.

    Also available as ``x.flatten(start_dim, end_dim)``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape (a 0-d tensor becomes shape ``(1,)``).
    start_dim, end_dim : int, optional
        The first and last dims to merge (negative counts from the end). Defaults 0 and -1.

    Returns
    -------
    Tensor
        A reshaped tensor (a view when the memory layout allows, as :func:`reshape`).

    Raises
    ------
    IndexError
        If ``start_dim`` or ``end_dim`` is out of range for ``input``'s dims.
    ValueError
        If ``start_dim`` comes after ``end_dim``.

    Notes
    -----
    PyTorch raises ``RuntimeError`` for ``start_dim > end_dim``.
    """
    nd = input._data.ndim
    s, e = _axes(start_dim, nd, "flatten")[0], _axes(end_dim, nd, "flatten")[0]
    if nd == 0:
        return reshape(input, (1,))
    if s > e:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = input._data.shape
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def squeeze(input, dim=None):
    """Remove size-1 dims of ``input``: all of them, or only those in ``dim`` (also ``x.squeeze(dim)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim : int or tuple of int, optional
        The dims to remove; a listed dim whose size is not 1 is kept (as in PyTorch).

    Returns
    -------
    Tensor
        A view of ``input``.

    Raises
    ------
    IndexError
        If a dim is out of range.
    """
    shape = input._data.shape
    if dim is None:
        new = tuple(s for s in shape if s != 1)
    else:
        axes = _axes(dim, input._data.ndim, "squeeze") or ()
        new = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return reshape(input, new)


def unsqueeze(input, dim):
    """Insert a size-1 dim into ``input`` at position ``dim`` (also ``x.unsqueeze(dim)``).

    Parameters
    ----------
    input : Tensor
        A tensor with n dims.
    dim : int
        Position of the new dim in the result, in ``[-n - 1, n]`` (negative counts from the
        end of the result).

    Returns
    -------
    Tensor
        A view of ``input`` with n + 1 dims.

    Raises
    ------
    IndexError
        If ``dim`` is out of range.
    """
    nd = input._data.ndim + 1
    if not -nd <= dim < nd:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a result with {nd} dims")
    d = dim % nd
    shape = input._data.shape
    return reshape(input, shape[:d] + (1,) + shape[d:])


def permute(input, *dims):
    """Return a view of ``input`` with its dims reordered.

    ``gg.permute(x, (2, 0, 1))``; the method takes the dims as a tuple or as separate
    arguments: ``x.permute(2, 0, 1)``.

    Parameters
    ----------
    input : Tensor
        A tensor with n dims.
    *dims : int or tuple of int
        A permutation of ``range(n)`` (negative dims count from the end), as one tuple or
        as separate ints.

    Returns
    -------
    Tensor
        A view sharing ``input``'s memory, with dim ``i`` of the result being dim ``dims[i]``
        of ``input``.

    Raises
    ------
    ValueError
        If ``dims`` is not a permutation of the dims.

    Notes
    -----
    PyTorch raises ``RuntimeError`` for a wrong permutation. PyTorch's function
    ``torch.permute(input, dims)`` also accepts ``dims=`` by keyword; here the dims are
    passed by position only.
    """
    dims = _size_args(dims)
    nd = input._data.ndim
    if len(dims) != nd or sorted(d % builtins.max(nd, 1) for d in dims) \
            != list(range(nd)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {nd} "
                         f"dims of shape {input.shape}")
    dims = tuple(d % input._data.ndim for d in dims)
    if dims == tuple(range(input._data.ndim)):
        return input
    return apply(P.PERMUTE, (input,), dims)


def transpose(input, dim0, dim1):
    """Return a view of ``input`` with dims ``dim0`` and ``dim1`` swapped.

    Also available as ``x.transpose(dim0, dim1)``; ``gg.swapdims`` is an alias and
    :func:`swapaxes` the same with numpy's argument names. A tensor with fewer than 2 dims
    is returned unchanged.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    dim0, dim1 : int
        The dims to swap (negative counts from the end).

    Returns
    -------
    Tensor
        A view sharing ``input``'s memory.

    Raises
    ------
    IndexError
        If a dim is out of range.
    """
    nd = input._data.ndim
    if nd < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    axes = list(range(nd))
    d0, d1 = _axes(dim0, nd, "transpose")[0], _axes(dim1, nd, "transpose")[0]
    axes[d0], axes[d1] = axes[d1], axes[d0]
    return permute(input, tuple(axes))


def swapaxes(input, axis0, axis1):
    """Return a view of ``input`` with dims ``axis0`` and ``axis1`` swapped (numpy's names).

    The same as :func:`transpose` with PyTorch's argument names for ``torch.swapaxes``;
    also ``x.swapaxes(axis0, axis1)``.

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    axis0, axis1 : int
        The dims to swap (negative counts from the end).

    Returns
    -------
    Tensor
        A view sharing ``input``'s memory.

    Raises
    ------
    IndexError
        If a dim is out of range.
    """
    return transpose(input, axis0, axis1)


def expand(input, *sizes):
    """Return a view of ``input`` broadcast to ``sizes``, without copying (also ``x.expand(*sizes)``).

    Parameters
    ----------
    input : Tensor
        The tensor to expand; only its size-1 dims can grow, and new dims can be added in
        front.
    *sizes : int or tuple of int
        The new shape, as separate ints or one tuple; -1 keeps a dim's size.

    Returns
    -------
    Tensor
        A read-only view sharing ``input``'s memory; the gradient is summed back to
        ``input``'s shape.

    Raises
    ------
    RuntimeError
        If ``input``'s shape cannot be expanded to ``sizes``.
    """
    sizes = _size_args(sizes)
    nd = len(sizes)
    shape = (1,) * (nd - input._data.ndim) + input._data.shape
    target = tuple(s if t == -1 else t for s, t in zip(shape, sizes))
    if target == input._data.shape:
        return input
    for s, t in zip(shape, target):
        if s != t and s != 1:
            raise RuntimeError(f"expand: shape {input.shape} cannot be expanded to {sizes}")
    return apply(P.EXPAND, (input,), target, input._data.shape)


def broadcast_to(input, shape):
    """Return ``input`` broadcast to ``shape`` (a view; as :func:`expand`).

    Also available as ``x.broadcast_to(shape)``.

    Parameters
    ----------
    input : Tensor
        The tensor to broadcast.
    shape : tuple of int
        The target shape (``-1`` keeps a dim's size).

    Returns
    -------
    Tensor
        A view of ``input`` with the given shape; the gradient is summed back to
        ``input``'s shape.

    Raises
    ------
    RuntimeError
        If ``input``'s shape cannot be broadcast to ``shape``.
    """
    return expand(input, tuple(shape))


def expand_as(input, other):
    """Return ``input`` broadcast to the shape of ``other`` (a view; see :func:`expand`).

    Parameters
    ----------
    input : Tensor
        The tensor to expand.
    other : Tensor
        The tensor whose shape to take.

    Returns
    -------
    Tensor
        A view of ``input`` of shape ``other.shape``.

    Raises
    ------
    RuntimeError
        If ``input``'s shape cannot be broadcast to ``other``'s.
    """
    return expand(input, other.shape)


def sum_to(g, shape):
    """Sum ``g`` over the dims that broadcasting added or stretched, back to ``shape``.

    The reverse of broadcasting: used to reduce a gradient to the shape of an input that
    was broadcast.

    Parameters
    ----------
    g : Tensor
        A tensor whose shape is ``shape`` broadcast to something larger.
    shape : tuple of int
        The target shape.

    Returns
    -------
    Tensor
        Of shape ``shape``.
    """
    if g._data.shape == shape:
        return g
    lead = g._data.ndim - len(shape)
    stretched = tuple(lead + i for i, s in enumerate(shape)
                      if s == 1 and g._data.shape[lead + i] != 1)
    if not stretched:       # only added leading dims: one sum gives the shape
        return apply(P.SUM, (g,), tuple(range(lead)), False, g._data.shape)
    out = apply(P.SUM, (g,), tuple(range(lead)) + stretched, True, g._data.shape)
    return reshape(out, shape)


def sum_to_size(input, *size):
    """Return ``input`` summed over the dims that broadcasting from ``size`` would stretch.

    The reverse of :meth:`Tensor.expand`: ``x.sum_to_size(s)`` has shape ``s`` when ``x``'s
    shape is ``s`` broadcast to something larger (also ``x.sum_to_size(*size)``).

    Parameters
    ----------
    input : Tensor
        A tensor whose shape can be expanded from ``size``.
    *size : int or tuple of int
        The target shape, as separate ints or one tuple.

    Returns
    -------
    Tensor
        Of shape ``size`` and ``input``'s dtype; ``input`` itself when it already has that
        shape.
    """
    return sum_to(input, _size_args(size))


def _normalize_index(index):
    """(numpy index, is_basic): tensors and lists become arrays; basic means a view. is_basic
    is None for an index mixing ints or an Ellipsis with index arrays (PyTorch orders the
    result's dims unlike numpy there)."""
    if not isinstance(index, tuple):
        index = (index,)
    out, basic, ints = [], True, False
    for i in index:
        if i.__class__ is int:
            ints = True
            out.append(i)
            continue
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
        if i is Ellipsis or isinstance(i, np.integer):
            ints = True     # an Ellipsis too: numpy counts even an empty one as a separator
        out.append(i)
    return tuple(out), (None if ints and not basic else basic)


def getitem(input, index):
    """Return ``input[index]`` (the function behind ``x[index]``).

    Parameters
    ----------
    input : Tensor
        The tensor to index.
    index : int, slice, None, Ellipsis, list, ndarray, Tensor or tuple of them
        Basic indexing (ints, slices, None, Ellipsis) or advanced indexing (integer arrays
        or tensors, boolean masks), with numpy's and PyTorch's rules.

    Returns
    -------
    Tensor
        A view for basic indexing; a copy for advanced indexing, whose gradient accumulates
        over repeated indices.

    Raises
    ------
    IndexError
        If the index is out of range or invalid for the shape.
    """
    idx, basic = _normalize_index(index)
    if basic is None:
        return _select_then_index(input, idx, index)
    try:
        input._data[idx]
        # numpy validates the index here; the primitive repeats the (cheap) lookup.
    except IndexError as e:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {input.shape}: {e}") \
            from None
    if basic and not builtins.any(i is Ellipsis for i in idx):
        idx = idx + (Ellipsis,)     # an int index down to 0-d gives a 0-d view, not a copy
    elif not basic and _engine._recorder is not None and builtins.any(
            isinstance(i, np.ndarray) and i.dtype == np.bool_ and i.ndim for i in idx):
        _uncapturable("indexing with a boolean mask (the result's shape depends on the data)")
    return apply(P.SLICE if basic else P.INDEX, (input,), idx, input._data.shape)


def _split_int_index(ndim, idx):
    """Split an index mixing ints (or an Ellipsis) with index arrays into (basic, advanced):
    PyTorch applies the ints first (as selects), so the arrays left are adjacent or not as in
    that smaller tensor, which decides where their dims go (numpy treats the ints as arrays,
    and an Ellipsis, even an empty one, as a separator). The Ellipsis is spelled out."""
    used = builtins.sum(1 if not isinstance(i, np.ndarray) else builtins.max(i.ndim, 1)
                        if i.dtype == np.bool_ else 1
                        for i in idx if i is not None and i is not Ellipsis)
    full = []
    for i in idx:
        if i is Ellipsis:
            full.extend([slice(None)] * builtins.max(ndim - used, 0))
        else:
            full.append(i)
    basic, advanced = [], []
    for i in full:
        if i.__class__ is int or isinstance(i, np.integer):
            basic.append(i)
        elif i is None:
            basic.append(None)
            advanced.append(slice(None))
        elif isinstance(i, np.ndarray):
            width = i.ndim if i.dtype == np.bool_ and i.ndim else 1
            basic.extend([slice(None)] * width)
            advanced.append(i)
        else:
            basic.append(i)
            advanced.append(slice(None))
    return tuple(basic), tuple(advanced)


def _select_then_index(x, idx, index):
    try:
        x._data[idx]
    except IndexError as e:
        raise IndexError(f"index {index!r} is invalid for a tensor of shape {x.shape}: {e}") \
            from None
    basic, advanced = _split_int_index(x._data.ndim, idx)
    return getitem(getitem(x, basic), advanced)


def setitem(x, index, value):
    """x[index] = value, in place (bumps x's version)."""
    idx, basic = _normalize_index(index)
    if basic is None:
        # PyTorch's dim order (ints applied first): address the same elements by position
        x._data[idx]    # numpy's own IndexError for a bad index
        first, advanced = _split_int_index(x._data.ndim, idx)
        positions = np.arange(x._data.size).reshape(x._data.shape)[first][advanced]
        idx = np.unravel_index(positions, x._data.shape)
    if _tracked(x, value):
        value = to(_tensor(value, x), x._data.dtype)
        return _inplace(x, "setitem", lambda s, v: apply(P.INDEX_PUT, (s, v), idx, v.shape),
                        value)
    x._data[idx] = value._data if isinstance(value, Tensor) else value
    x._vbox[0] += 1
    return x


def gather(input, dim, index):
    """Pick values of ``input`` along ``dim`` at the positions in ``index`` (also ``x.gather(dim, index)``).

    For ``dim=0``: ``out[i][j][k] = input[index[i][j][k]][j][k]`` (as ``torch.gather``).

    Parameters
    ----------
    input : Tensor
        The source, with n dims.
    dim : int
        The dim to index along.
    index : Tensor
        An int64 tensor with n dims, no larger than ``input`` outside ``dim``.

    Returns
    -------
    Tensor
        Of ``index``'s shape. The gradient is scattered back (added over repeated indices).

    Raises
    ------
    TypeError
        If ``index`` is not an integer tensor.
    RuntimeError
        If ``index`` has a different number of dims than ``input``, or is larger than
        ``input`` outside ``dim``.
    IndexError
        If an index value is out of range for ``dim``, or ``dim`` is out of range.
    """
    ind = index._data if isinstance(index, Tensor) else np.asarray(index)
    nd = input._data.ndim
    d = _axes(dim, nd, "gather")[0] if nd else 0
    if ind.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got {ind.dtype}")
    if nd == 0 and ind.ndim == 0:       # a 0-d input gathers like a 1-element vector
        return reshape(gather(reshape(input, (1,)), 0, ind.reshape(1)), ())
    if ind.ndim != nd:
        raise RuntimeError(f"gather: index has {ind.ndim} dims but input has {nd} "
                           f"(input {input.shape}, index {ind.shape})")
    for i, (s, t) in enumerate(zip(input._data.shape, ind.shape)):
        if i != d and t > s:
            raise RuntimeError(f"gather: index shape {ind.shape} exceeds input shape "
                               f"{input.shape} in dim {i}")
    if ind.size and (ind.min() < 0 or ind.max() >= input._data.shape[d]):
        raise IndexError(f"gather: index values must lie in [0, {input._data.shape[d]}) for dim "
                         f"{dim} of input shape {input.shape}; got min {ind.min()}, max "
                         f"{ind.max()}")
    if builtins.any(t < s for i, (s, t) in enumerate(zip(input._data.shape, ind.shape)) if i != d):
        input = getitem(input, tuple(slice(None) if i == d else slice(0, t)
                             for i, t in enumerate(ind.shape)))
    return apply(P.GATHER, (input,), d, ind, input._data.shape)


def masked_fill(input, mask, value):
    """Return ``input`` with ``value`` wherever ``mask`` is True (also ``x.masked_fill(mask, value)``).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    mask : Tensor
        A bool tensor broadcastable to ``input``'s shape.
    value : number or 0-d Tensor
        The value to write.

    Returns
    -------
    Tensor
        A new tensor of ``input``'s shape; no gradient flows to the masked positions.

    Raises
    ------
    TypeError
        If ``mask`` is not a bool tensor.
    """
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be bool, got {m.dtype}")
    if isinstance(value, Tensor):
        value = to(value, input._data.dtype)
    else:
        value = _wrap(np.array(value, dtype=input._data.dtype))
    return where(m, value, input)


def cat(tensors, dim=0):
    """Join ``tensors`` along an existing dim ``dim`` (as ``torch.cat``).

    Parameters
    ----------
    tensors : sequence of Tensor
        Tensors with the same number of dims and the same sizes except along ``dim``.
    dim : int, optional
        The dim to join along (negative counts from the end). Default 0.

    Returns
    -------
    Tensor
        The joined tensor (the promoted dtype); each input gets its slice of the gradient.

    Raises
    ------
    ValueError
        For an empty sequence, 0-d tensors, or sizes that do not match.

    Notes
    -----
    PyTorch raises ``RuntimeError`` for these errors.
    """
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
    """Join same-shape ``tensors`` along a new dim ``dim`` (as ``torch.stack``).

    Parameters
    ----------
    tensors : sequence of Tensor
        Tensors of one shape (*S*).
    dim : int, optional
        Where the new dim goes, in ``[-len(S) - 1, len(S)]``. Default 0.

    Returns
    -------
    Tensor
        Shape *S* with ``len(tensors)`` inserted at ``dim``.

    Raises
    ------
    ValueError
        For an empty sequence or tensors of different shapes (PyTorch: ``RuntimeError``).
    """
    tensors = [_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {sorted(shapes)}")
    return cat([unsqueeze(t, dim) for t in tensors], dim)


def split(tensor, split_size_or_sections, dim=0):
    """Split ``tensor`` along ``dim`` into pieces (also ``x.split(split_size, dim)``).

    Parameters
    ----------
    tensor : Tensor
        The tensor to split (PyTorch's name for this argument of ``torch.split``).
    split_size_or_sections : int or sequence of int
        An int: the size of every piece (the last may be smaller). A sequence: the size of
        each piece (they must add up to the size of ``dim``).
    dim : int, optional
        The dim to split. Default 0.

    Returns
    -------
    tuple of Tensor
        Views of ``tensor``.

    Raises
    ------
    ValueError
        If the split size is not positive, or the sizes do not add up to the size of ``dim``
        (PyTorch: ``RuntimeError``).
    IndexError
        If ``dim`` is out of range.
    """
    d = _axes(dim, tensor._data.ndim, "split")[0]
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        if step <= 0:
            raise ValueError(f"split: split_size must be positive, got {step}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n} (dim {dim} of "
                             f"{tensor.shape})")
    out, start = [], 0
    for s in sizes:
        out.append(getitem(tensor, (slice(None),) * d + (slice(start, start + s),)))
        start += s
    return tuple(out)



def pad(input, pad, value=0.0):
    """Pad ``input`` with a constant value (``torch.nn.functional.pad`` in ``'constant'`` mode).

    Parameters
    ----------
    input : Tensor
        A tensor of any shape.
    pad : sequence of int
        ``(before, after)`` pairs starting from the last dim and going backwards:
        ``(left, right)`` pads the last dim, ``(left, right, top, bottom)`` the last two.
        Non-negative.
    value : float, optional
        The fill value. Default 0.

    Returns
    -------
    Tensor
        The padded tensor.

    Raises
    ------
    ValueError
        For negative padding (PyTorch crops instead).
    """
    if len(pad) % 2 or len(pad) // 2 > input._data.ndim:
        raise ValueError(f"pad: {pad} must hold (before, after) pairs for at most "
                         f"{input._data.ndim} dims")
    if builtins.any(p < 0 for p in pad):
        raise ValueError(f"pad: negative padding {pad} is not supported")
    widths = [(0, 0)] * input._data.ndim
    for i in range(len(pad) // 2):
        widths[input._data.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if builtins.all(w == (0, 0) for w in widths):
        return input
    return apply(P.PAD, (input,), tuple(widths), value)


def matmul(input, other):
    """Return the matrix product of two tensors (also ``a @ b``, ``a.matmul(b)``, ``gg.mm``).

    As in numpy and PyTorch: a 1-D left operand is treated as a row vector and a 1-D right
    operand as a column vector (the added dim is removed from the result); two 1-D operands
    give their dot product; dims before the last two are batch dims and broadcast.

    Parameters
    ----------
    input : Tensor
        Shape (\\*, n, k) or (k,).
    other : Tensor
        Shape (\\*, k, m) or (k,).

    Returns
    -------
    Tensor
        Shape (\\*, n, m) with the batch dims broadcast (without n or m for 1-D operands);
        the promoted dtype.

    Raises
    ------
    RuntimeError
        If an operand is 0-d or the inner sizes ``k`` differ.

    Notes
    -----
    ``gg.mm`` is the same function, so unlike PyTorch it also accepts batched and 1-D
    operands.

    Examples
    --------
    >>> a = gg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> b = gg.tensor([1.0, -1.0])
    >>> a @ b
    tensor([-1., -1.], grad_fn=<ReshapeBackward0>)
    >>> gg.matmul(a, a).sum().backward()
    >>> a.grad
    tensor([[ 7., 11.],
            [ 9., 13.]])
    """
    input, other = _pair(input, other)
    if input._data.ndim == 0 or other._data.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dim, got shapes {input.shape} "
                           f"and {other.shape}")
    ka = input._data.shape[-1]
    kb = other._data.shape[-2] if other._data.ndim > 1 else other._data.shape[0]
    if ka != kb:
        raise RuntimeError(f"matmul: shapes {input.shape} and {other.shape} cannot be multiplied "
                           f"({ka} != {kb})")
    if input._data.ndim >= 2 and other._data.ndim >= 2:
        try:
            return apply(P.MATMUL, (input, other))
        except ValueError as e:
            raise RuntimeError(f"matmul: batch dims of {input.shape} and {other.shape} do not "
                               f"broadcast") from e
    a2 = unsqueeze(input, 0) if input._data.ndim == 1 else input
    b2 = unsqueeze(other, -1) if other._data.ndim == 1 else other
    out = apply(P.MATMUL, (a2, b2))
    if other._data.ndim == 1:
        out = squeeze(out, -1)
    if input._data.ndim == 1:
        out = squeeze(out, -2 if other._data.ndim > 1 else -1)
    return out


mm = matmul


def linear(input, weight, bias=None):
    """Return ``input @ weight.T + bias``, as one recorded op (``torch.nn.functional.linear``).

    Parameters
    ----------
    input : Tensor
        Shape (\\*, in_features).
    weight : Tensor
        Shape (out_features, in_features).
    bias : Tensor, optional
        Shape (out_features,).

    Returns
    -------
    Tensor
        Shape (\\*, out_features).

    Raises
    ------
    ValueError
        If ``weight`` is not 2-D, ``input``'s last dim does not match ``weight``'s
        ``in_features``, or ``bias`` does not have shape (out_features,) (PyTorch:
        ``RuntimeError``).
    """
    input = _tensor(input)
    if weight._data.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out, in), got shape {weight.shape}")
    if input._data.ndim == 0 or input._data.shape[-1] != weight._data.shape[1]:
        raise ValueError(f"linear: input of shape {input.shape} does not match weight of shape "
                         f"{weight.shape} (expected input (..., {weight.shape[1]}))")
    if bias is not None and bias._data.shape != (weight._data.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    tensors = (input, weight) if bias is None else (input, weight, bias)
    dt = input._data.dtype
    if weight._data.dtype == dt and (bias is None or bias._data.dtype == dt):
        return apply(P.LINEAR, tensors)
    for t in tensors[1:]:
        dt = promote(dt, t._data.dtype)
    return apply(P.LINEAR, tuple(to(t, dt) for t in tensors))


def dot(input, tensor):
    """Return the dot product of two 1-D tensors (also ``x.dot(tensor)``).

    Parameters
    ----------
    input, tensor : Tensor
        1-D tensors of the same length (``tensor`` is PyTorch's name for the second one).

    Returns
    -------
    Tensor
        A 0-d tensor, ``sum(input * tensor)``.

    Raises
    ------
    RuntimeError
        If the lengths differ, or an operand is 0-d.

    Notes
    -----
    Implemented as :func:`matmul`, so unlike PyTorch it also accepts 2-D operands (and then
    returns their matrix product) instead of raising. PyTorch documents the method's argument
    as ``other`` but accepts only ``tensor=`` by keyword, as here.
    """
    return matmul(input, tensor)


def unfold2d(input, kernel_size, stride=1, dilation=1):
    """Return the sliding windows of a batch of images (im2col).

    Parameters
    ----------
    input : Tensor
        Shape (N, C, H, W).
    kernel_size : int or (int, int)
        Window size (kh, kw).
    stride, dilation : int or (int, int), optional
        Step between windows and between the taps of a window. Default 1.

    Returns
    -------
    Tensor
        Shape (N, C, kh, kw, OH, OW), a view where the layout allows.

    Raises
    ------
    ValueError
        If ``input`` is not 4-D, a kernel size, stride or dilation is not positive, or the
        (dilated) kernel is larger than the image.

    Notes
    -----
    glassgrad's own building block of :func:`conv2d`; PyTorch's ``nn.functional.unfold``
    returns the windows flattened to (N, C * kh * kw, OH * OW).
    """
    pair = lambda v: (int(v), int(v)) if isinstance(v, (int, np.integer)) else tuple(v)
    kernel, stride, dilation = pair(kernel_size), pair(stride), pair(dilation)
    if input._data.ndim != 4:
        raise ValueError(f"unfold2d: expected a (N, C, H, W) input, got shape {input.shape}")
    if builtins.min(kernel + stride + dilation) < 1:
        raise ValueError(f"unfold2d: kernel {kernel}, stride {stride} and dilation {dilation} "
                         f"must be positive")
    h, w = input._data.shape[2:]
    if h < dilation[0] * (kernel[0] - 1) + 1 or w < dilation[1] * (kernel[1] - 1) + 1:
        raise ValueError(f"unfold2d: kernel {kernel} (dilation {dilation}) is larger than the "
                         f"padded input {h}x{w}")
    return apply(P.UNFOLD2D, (input,), kernel, stride, dilation, input._data.shape)


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


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1):
    """Return the 2-D cross-correlation of a batch of images with a bank of filters, plus a bias.

    ``out[n, o] = bias[o] + sum_c input[n, c] (*) weight[o, c]``, where ``(*)`` slides the
    ``kh x kw`` kernel over the zero-padded image (no kernel flip, as in PyTorch).

    Parameters
    ----------
    input : Tensor
        Shape (N, C, H, W), floating point.
    weight : Tensor
        Shape (O, C, kh, kw): O filters over the C input channels.
    bias : Tensor, optional
        Shape (O,). Default None (no bias).
    stride : int or (int, int), optional
        Step between windows (sh, sw). Default 1.
    padding : int or (int, int) or (int, int, int, int), optional
        Zero padding: an int, a pair (ph, pw) for both sides of each dim, or
        (left, right, top, bottom) as in :func:`pad`. Default 0.
    dilation : int or (int, int), optional
        Spacing (dh, dw) between the kernel taps. Default 1.

    Returns
    -------
    Tensor
        Shape (N, O, OH, OW) with ``OH = (H + pad_top + pad_bottom - dh * (kh - 1) - 1) // sh
        + 1`` (OW likewise); the promoted dtype of the operands.

    Raises
    ------
    ValueError
        If ``input`` or ``weight`` is not 4-D, the channel counts differ, ``bias`` has the
        wrong shape, the kernel is empty, stride or dilation is not positive, the padding is
        negative or malformed, or the (dilated) kernel is larger than the padded input.

    Notes
    -----
    Stride 1 is one recorded op: the image is unrolled into windows and multiplied by the
    kernel in one matrix product, in the memory layout measured fastest for the channel
    count and image size (see ``autograd/_conv_kernels.py``). When the weight requires a
    gradient, the unrolled windows are made by a recorded op of their own and kept until
    the backward, which reuses them for the weight gradient (up to 8 MB of them; larger ones
    are made again there). Larger strides compose
    :func:`pad`, :func:`unfold2d` and :func:`matmul`.

    PyTorch's ``torch.nn.functional.conv2d`` also takes ``groups`` and the padding strings
    ``'same'`` and ``'valid'``, and raises ``RuntimeError``; it has no four-value padding.
    """
    pair = lambda v: (int(v), int(v)) if isinstance(v, (int, np.integer)) else tuple(v)
    stride, dilation = pair(stride), pair(dilation)
    input = _tensor(input)
    if input._data.ndim != 4 or weight._data.ndim != 4:
        raise ValueError(f"conv2d: expected input (N, C, H, W) and weight (O, C, kh, kw), got "
                         f"shapes {input.shape} and {weight.shape}")
    o, c, kh, kw = weight._data.shape
    if kh < 1 or kw < 1:
        raise ValueError(f"conv2d: kernel size must be positive, got weight of shape "
                         f"{weight.shape}")
    if input._data.shape[1] != c:
        raise ValueError(f"conv2d: input {input.shape} has {input._data.shape[1]} channels but "
                         f"weight {weight.shape} expects {c}")
    if bias is not None and bias._data.shape != (o,):
        raise ValueError(f"conv2d: bias must have shape ({o},), got {bias.shape}")
    if builtins.min(stride + dilation) < 1:
        raise ValueError(f"conv2d: stride {stride} and dilation {dilation} must be positive")
    pads = _conv_padding(padding)
    if builtins.min(pads) < 0:
        raise ValueError(f"conv2d: negative padding {padding} is not supported")
    hp = input._data.shape[2] + pads[0] + pads[1]
    wp = input._data.shape[3] + pads[2] + pads[3]
    if hp < dilation[0] * (kh - 1) + 1 or wp < dilation[1] * (kw - 1) + 1:
        raise ValueError(f"conv2d: kernel ({kh}, {kw}) (dilation {dilation}) is larger than the "
                         f"padded input {hp}x{wp}")
    tensors = (input, weight) if bias is None else (input, weight, bias)
    dt = input._data.dtype
    for t in tensors[1:]:
        dt = promote(dt, t._data.dtype)
    tensors = tuple(to(t, dt) for t in tensors)
    if stride == (1, 1):
        if _State.grad_enabled and tensors[1]._requires_grad:
            # im2col once: the weight gradient reuses the forward's columns
            cols = P.conv2d_columns(tensors[0], (kh, kw), pads, dilation)
            if cols is not None:
                return apply(P.CONV2D, tensors, pads, dilation, cols)
        return apply(P.CONV2D, tensors, pads, dilation)
    input, weight = tensors[0], tensors[1]
    if builtins.any(pads):
        input = pad(input, (pads[2], pads[3], pads[0], pads[1]))
    cols = unfold2d(input, (kh, kw), stride, dilation)              # (N, C, kh, kw, OH, OW)
    n, _, _, _, oh, ow = cols._data.shape
    out = matmul(reshape(weight, (o, c * kh * kw)), reshape(cols, (n, c * kh * kw, oh * ow)))
    out = reshape(out, (n, o, oh, ow))
    return out if bias is None else out + reshape(tensors[2], (1, o, 1, 1))


def fold2d(cols, output_shape, kernel_size, stride=1, dilation=1):
    """col2im, the adjoint of unfold2d: windows cols (N, C, kh, kw, OH, OW) summed back into
    a zero (N, C, H, W) image of `output_shape`, each window where unfold2d would cut it
    (overlaps add up). OH, OW must be the window counts unfold2d gives for (H, W)."""
    pair = lambda v: (int(v), int(v)) if isinstance(v, (int, np.integer)) else tuple(v)
    kernel, stride, dilation = pair(kernel_size), pair(stride), pair(dilation)
    output_shape = tuple(int(s) for s in output_shape)
    if cols._data.ndim != 6 or len(output_shape) != 4:
        raise ValueError(f"fold2d: expected windows (N, C, kh, kw, OH, OW) and an output shape "
                         f"(N, C, H, W), got {cols.shape} and {output_shape}")
    h, w = output_shape[2:]
    oh = (h - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (w - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    if cols._data.shape != output_shape[:2] + kernel + (oh, ow):
        raise ValueError(f"fold2d: windows {cols.shape} do not match kernel {kernel}, stride "
                         f"{stride}, dilation {dilation} on an output {output_shape} (expected "
                         f"{output_shape[:2] + kernel + (oh, ow)})")
    return apply(P.FOLD2D, (cols,), kernel, stride, dilation, output_shape)


# ----- in-place ops ----------------------------------------------------------------------


def _tracked(x, *others):
    return _State.grad_enabled and (
        x._requires_grad or builtins.any(isinstance(o, Tensor) and o._requires_grad
                                         for o in others)
        or (x.__class__ is View and x._base._requires_grad))


def _inplace(x, name, compute, *args):
    """Write `compute(x, *args)` into x's memory and bump its version. When the graph is
    being recorded, x's history is rebased: x takes the new node, whose input is a copy of
    x's old value carrying the old history. On a view, the view's base is rebased instead
    (`_inplace_on_view`); the base's other views then take their history from it."""
    if not x._data.flags.writeable:
        raise RuntimeError(f"{name}: the tensor (shape {x.shape}) is a read-only view, e.g. "
                           f"from expand(); clone() it first")
    if not _tracked(x, *args):
        with no_grad():
            result = compute(x, *args)
        _write(x, name, result)
        x._vbox[0] += 1
        if _engine._recorder is not None:
            _engine._recorder.inplace(x, None, result._data, 1)
        return x
    if _engine._recorder is not None:
        _engine._recorder.fail(f"{name} rewrites a tensor that is part of the graph")
    if x.__class__ is View:
        return _inplace_on_view(x, name, compute, args)
    if x.grad_fn is None and x._requires_grad:
        raise RuntimeError(f"{name}: a leaf tensor that requires grad (shape {x.shape}) is "
                           f"being used in an in-place operation; wrap it in "
                           f"ag.no_grad() (as optimizers and init do) or use the "
                           f"out-of-place op")
    result = _in_graph(compute(_snapshot(x), *args))
    _write(x, name, result)
    x.grad_fn, x._requires_grad = result.grad_fn, result._requires_grad
    x._vbox[0] += 1
    return x


def _snapshot(x):
    """A copy of x's current value carrying x's current history."""
    old = _wrap(np.array(x._data, copy=True))
    old.grad_fn, old._requires_grad = x.grad_fn, x._requires_grad
    return old


def _in_graph(result):
    """`result` as the output of a node: a leaf that requires grad (copy_(w) returns w
    itself) goes through a clone, so that gradient flows into it."""
    if result.grad_fn is None and result._requires_grad:
        return clone(result)
    return result


def _write(x, name, result):
    if result._data.shape != x._data.shape:
        raise RuntimeError(f"{name}: output with shape {x.shape} doesn't match the broadcast "
                           f"shape {result.shape}")
    if not np.can_cast(result._data.dtype, x._data.dtype, "same_kind"):
        raise RuntimeError(f"{name}: result type {result._data.dtype} can't be cast to the "
                           f"desired output type {x._data.dtype}")
    np.copyto(x._data, result._data, casting="same_kind")


def _view_positions(view, base):
    """For each element of `view`, its flat (C-order) position in `base`: the view's chain
    of view ops applied to an array of positions."""
    chain = []
    t = view
    while t is not base:
        chain.append(t._view_op)
        t = t._view_of
    positions = np.arange(base._data.size).reshape(base._data.shape)
    for prim, ctx in reversed(chain):
        positions = prim.forward(positions, *ctx)
    return positions


def _inplace_on_view(v, name, compute, args):
    """In-place op on a view while the graph is recorded, as PyTorch's CopySlices: the new
    value of the view is computed from its current history; the base's new history is
    "old base with the view's elements replaced by that value" (gradient: g with the view's
    elements zeroed to the old base, g at the view's elements to the new value); the view and
    every other view of the base then take their history from the base's."""
    if not v._view_in_graph:
        raise RuntimeError(f"{name}: a view (shape {v.shape}) was created in no_grad mode and "
                           f"is being modified in place with grad mode enabled; take the view "
                           f"with grad mode on, or do the in-place op under no_grad too")
    base = v._base
    if base.grad_fn is None and base._requires_grad:
        raise RuntimeError(f"{name}: a view of a leaf tensor that requires grad (base shape "
                           f"{base.shape}, view shape {v.shape}) is being used in an in-place "
                           f"operation; wrap it in ag.no_grad() or work on a clone()")
    result = compute(_snapshot(v), *args)
    if result._data.shape != v._data.shape:
        raise RuntimeError(f"{name}: output with shape {v.shape} doesn't match the broadcast "
                           f"shape {result.shape}")
    if not np.can_cast(result._data.dtype, v._data.dtype, "same_kind"):
        raise RuntimeError(f"{name}: result type {result._data.dtype} can't be cast to the "
                           f"desired output type {v._data.dtype}")
    result = to(_in_graph(result), base._data.dtype)
    positions = _view_positions(v, base)
    old_base = _wrap(base._data)        # INDEX_PUT saves nothing and copies in its forward
    old_base.grad_fn, old_base._requires_grad = base.grad_fn, base._requires_grad
    flat = apply(P.RESHAPE, (old_base,), (base._data.size,), base._data.shape)
    new_base = apply(P.INDEX_PUT, (flat, result), (positions,), result._data.shape)
    new_base = reshape(new_base, base._data.shape)
    np.copyto(base._data, new_base._data)
    base.grad_fn, base._requires_grad = new_base.grad_fn, new_base._requires_grad
    v._vbox[0] += 1                     # the views of base take their history anew
    return v


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
            if _engine._recorder is not None:
                _engine._recorder.inplace(x, ufunc, o, alpha)
            return x
    return _inplace(x, name, compute, other)


def add_(input, other, alpha=1):
    """Add ``alpha * other`` to ``input`` in place and return ``input`` (also ``x.add_(...)`` and ``x += other``).

    Parameters
    ----------
    input : Tensor
        The tensor to modify.
    other : Tensor or number
        Broadcastable to ``input``'s shape (the result keeps ``input``'s shape and dtype).
    alpha : number, optional
        The multiplier of ``other``. Default 1.

    Returns
    -------
    Tensor
        ``input``, modified; its version counter is bumped.

    Raises
    ------
    RuntimeError
        On a leaf that requires grad (outside :class:`no_grad`), or when the result's dtype
        or shape cannot be stored in ``input``.
    """
    return _arith_(input, "add_", np.add, lambda s, o: add(s, mul(o, alpha) if alpha != 1 else o),
                   other, alpha)


def sub_(input, other, alpha=1):
    """Subtract ``alpha * other`` from ``input`` in place and return ``input`` (also ``x.sub_(...)`` and ``x -= other``).

    Parameters
    ----------
    input : Tensor
        The tensor to modify.
    other : Tensor or number
        Broadcastable to ``input``'s shape.
    alpha : number, optional
        The multiplier of ``other``. Default 1.

    Returns
    -------
    Tensor
        ``input``, modified; its version counter is bumped.

    Raises
    ------
    RuntimeError
        On a leaf that requires grad (outside :class:`no_grad`), or when the result's dtype
        or shape cannot be stored in ``input``.
    """
    return _arith_(input, "sub_", np.subtract,
                   lambda s, o: sub(s, mul(o, alpha) if alpha != 1 else o), other, alpha)


def mul_(input, other):
    """Multiply ``input`` by ``other`` in place and return ``input`` (also ``x.mul_(other)`` and ``x *= other``).

    Parameters
    ----------
    input : Tensor
        The tensor to modify.
    other : Tensor or number
        Broadcastable to ``input``'s shape.

    Returns
    -------
    Tensor
        ``input``, modified; its version counter is bumped.

    Raises
    ------
    RuntimeError
        On a leaf that requires grad (outside :class:`no_grad`), or when the result's dtype
        or shape cannot be stored in ``input``.
    """
    return _arith_(input, "mul_", np.multiply, mul, other)


def div_(input, other):
    """Divide ``input`` by ``other`` in place and return ``input`` (also ``x.div_(other)`` and ``x /= other``).

    Parameters
    ----------
    input : Tensor
        The tensor to modify (floating: true division of an integer tensor cannot be stored
        in place).
    other : Tensor or number
        Broadcastable to ``input``'s shape.

    Returns
    -------
    Tensor
        ``input``, modified; its version counter is bumped.

    Raises
    ------
    RuntimeError
        On a leaf that requires grad (outside :class:`no_grad`), or when the result's dtype
        or shape cannot be stored in ``input``.
    """
    return _arith_(input, "div_", np.true_divide, div, other)


def clamp_(input, min=None, max=None):
    """Clamp ``input`` into ``[min, max]`` in place and return it (also ``x.clamp_(min, max)``; see :func:`clamp`).

    Parameters
    ----------
    input : Tensor
        The tensor to modify.
    min, max : number or Tensor, optional
        The bounds; None leaves that side open.

    Returns
    -------
    Tensor
        ``input``, modified.

    Raises
    ------
    ValueError
        If both ``min`` and ``max`` are None.
    RuntimeError
        On a leaf that requires grad (outside :class:`no_grad`), or a read-only view.
    """
    return _inplace(input, "clamp_", lambda s: clamp(s, min, max))


def masked_fill_(input, mask, value):
    """Write ``value`` into ``input`` where ``mask`` is True, in place (also ``x.masked_fill_(mask, value)``).

    Parameters
    ----------
    input : Tensor
        The tensor to modify.
    mask : Tensor
        A bool tensor broadcastable to ``input``'s shape.
    value : number or 0-d Tensor
        The value to write.

    Returns
    -------
    Tensor
        ``input``, modified (see :func:`masked_fill` for the out-of-place form).

    Raises
    ------
    TypeError
        If ``mask`` is not a bool tensor.
    RuntimeError
        On a leaf that requires grad (outside :class:`no_grad`), or a read-only view.
    """
    return _inplace(input, "masked_fill_", lambda s: masked_fill(s, mask, value))


def _replace(old, new):
    """`new` (broadcast to old's shape, cast to its dtype) as the value that replaces `old` in
    an in-place op: old's history stays connected with a zero gradient (as PyTorch's
    FillBackward / CopyBackwards), and gradient flows into `new` if it requires grad."""
    new = to(_tensor(new, old), old._data.dtype)
    if not (old._requires_grad or new._requires_grad):
        return _wrap(np.array(np.broadcast_to(new._data, old._data.shape)))
    return apply(P.WHERE, (new, old), np.True_)


def copy_(input, src):
    """Copy the values of ``src`` into ``input``, in place (also ``x.copy_(src)``).

    Parameters
    ----------
    input : Tensor
        The tensor to modify.
    src : Tensor or number or array_like
        The values, broadcast to ``input``'s shape and converted to its dtype.

    Returns
    -------
    Tensor
        ``input``, modified; its version counter is bumped. The gradient flows to ``src``
        (summed over broadcast dims); none flows to ``input``'s old value.

    Raises
    ------
    RuntimeError
        If ``src``'s shape does not broadcast to ``input``'s, if ``input`` is a read-only
        view (from :func:`expand`), or on a leaf that requires grad (outside
        :class:`no_grad`).

    Notes
    -----
    PyTorch's ``Tensor.copy_`` also takes ``non_blocking``, which has no meaning on the CPU.
    """
    if isinstance(src, Tensor):
        try:
            np.broadcast_shapes(src._data.shape, input._data.shape)
        except ValueError:
            raise RuntimeError(f"copy_: the source of shape {src.shape} cannot be broadcast to "
                               f"the destination shape {input.shape}") from None
    return _inplace(input, "copy_", _replace, src)


def _fill_with(x, name, values):
    return _inplace(x, name, lambda s: _replace(s, np.asarray(values, dtype=x._data.dtype)))


def fill_(input, value):
    """Set every element of ``input`` to ``value``, in place (also ``x.fill_(value)``).

    Parameters
    ----------
    input : Tensor
        The tensor to modify.
    value : number or 0-d Tensor
        The value to write.

    Returns
    -------
    Tensor
        ``input``, modified; gradients through it to the old values are zero.

    Raises
    ------
    RuntimeError
        On a leaf that requires grad (outside :class:`no_grad`), or a read-only view.
    """
    return _fill_with(input, "fill_", value._data if isinstance(value, Tensor) else value)


def zero_(input):
    """Set every element of ``input`` to zero, in place (also ``x.zero_()``).

    Parameters
    ----------
    input : Tensor
        The tensor to modify.

    Returns
    -------
    Tensor
        ``input``, modified.

    Raises
    ------
    RuntimeError
        On a leaf that requires grad (outside :class:`no_grad`), or a read-only view.
    """
    return _fill_with(input, "zero_", 0)


def uniform_(input, a=0.0, b=1.0, *, generator=None):
    """Fill ``input`` in place with samples from the uniform distribution on ``[a, b)``.

    Parameters
    ----------
    input : Tensor
        A floating tensor, modified in place.
    a, b : float, optional
        The bounds (PyTorch's ``from`` and ``to``). Defaults 0 and 1.
    generator : Generator, optional
        The random number generator (keyword only); the global one when None.

    Returns
    -------
    Tensor
        ``input``, modified; no gradient flows to its old values.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point, or ``a > b``.

    Notes
    -----
    PyTorch names the bounds ``from`` and ``to`` (``from`` is a Python keyword, so they can
    only be passed by position in both libraries).
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"uniform_: expected a floating point tensor, got {input._data.dtype}")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={a} > to={b}")
    return _fill_with(input, "uniform_", get_rng(generator).uniform(a, b, input._data.shape))


def normal_(input, mean=0.0, std=1.0, *, generator=None):
    """Fill ``input`` in place with samples from the normal distribution N(mean, std²).

    Parameters
    ----------
    input : Tensor
        A floating tensor, modified in place.
    mean : float, optional
        The mean. Default 0.
    std : float, optional
        The standard deviation, >= 0. Default 1.
    generator : Generator, optional
        The random number generator (keyword only); the global one when None.

    Returns
    -------
    Tensor
        ``input``, modified; no gradient flows to its old values.

    Raises
    ------
    RuntimeError
        If ``input`` is not floating point, or ``std < 0``.
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"normal_: expected a floating point tensor, got {input._data.dtype}")
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _fill_with(input, "normal_", get_rng(generator).normal(mean, std, input._data.shape))


# ----- numpy's axis= / keepdims= as aliases of dim= / keepdim= (PyTorch accepts both) ---------


(sum, mean, amax, amin, max, min, argmax, argmin, logsumexp, softmax, log_softmax,
 all, any, cat, squeeze, unsqueeze) = map(with_dim_aliases, (
    sum, mean, amax, amin, max, min, argmax, argmin, logsumexp, softmax, log_softmax,
    all, any, cat, squeeze, unsqueeze))


# ----- attach as Tensor methods and operators ------------------------------------------------


def _converter(name, dtype):
    """The method ``x.float()``, ``x.long()``...: ``to(x, dtype)``."""
    def convert(self):
        return to(self, dtype)
    convert.__name__ = convert.__qualname__ = name
    dtype_name = np.dtype(dtype).name
    convert.__doc__ = f"""Return this tensor converted to {dtype_name} (``self.to(gg.{dtype_name})``).

    Returns
    -------
    Tensor
        A {dtype_name} tensor of the same shape; the tensor itself when it already has that
        dtype. Differentiable between floating dtypes (the gradient is converted back).

    Notes
    -----
    PyTorch's ``Tensor.{name}()`` also takes ``memory_format``; glassgrad tensors have one
    memory layout.
    """
    return convert


def _attach():
    T = Tensor
    methods = dict(
        add=add, sub=sub, mul=mul, div=div, pow=pow, neg=neg, matmul=matmul, mm=matmul,
        maximum=maximum, minimum=minimum, exp=exp, log=log, log1p=log1p, expm1=expm1,
        sqrt=sqrt, rsqrt=rsqrt, sin=sin, cos=cos, tanh=tanh, sigmoid=sigmoid, relu=relu,
        abs=abs, erf=erf, square=square, sign=sign, clamp=clamp, clip=clamp, to=to,
        clone=clone, eq=eq, ne=ne, lt=lt, le=le, gt=gt, ge=ge, isnan=isnan, isinf=isinf,
        isfinite=isfinite, sum=sum, mean=mean, amax=amax, amin=amin,
        max=max, min=min, argmax=argmax, argmin=argmin, logsumexp=logsumexp, softmax=softmax,
        log_softmax=log_softmax, all=all, any=any, reshape=reshape, view=view,
        flatten=flatten, squeeze=squeeze, unsqueeze=unsqueeze, permute=permute,
        transpose=transpose, swapaxes=swapaxes, expand=expand, expand_as=expand_as,
        broadcast_to=broadcast_to, sum_to_size=sum_to_size, gather=gather, masked_fill=masked_fill, split=split,
        add_=add_, sub_=sub_, mul_=mul_, div_=div_, clamp_=clamp_,
        masked_fill_=masked_fill_, copy_=copy_, fill_=fill_, zero_=zero_, uniform_=uniform_,
        normal_=normal_, dot=dot,
    )
    for name, fn in methods.items():
        setattr(T, name, fn)

    def where_method(self, condition, other):
        """Return this tensor's elements where ``condition`` is True, else ``other``'s.

        ``x.where(condition, other)`` is ``gg.where(condition, x, other)``.

        Parameters
        ----------
        condition : Tensor
            A bool tensor (other dtypes are read as nonzero = True), broadcastable with
            this tensor and ``other``.
        other : Tensor or number
            The values taken where ``condition`` is False.

        Returns
        -------
        Tensor
            The broadcast shape and the promoted dtype; gradients flow to this tensor and
            ``other``, not to the condition.

        Raises
        ------
        ValueError
            If the shapes do not broadcast (PyTorch: ``RuntimeError``).
        """
        return where(condition, self, other)
    T.where = where_method
    def dims_reversed(self):
        """The tensor with its dims reversed (a view): ``x.T`` of shape (3, 4) is (4, 3).

        Notes
        -----
        PyTorch deprecates ``.T`` on tensors with other than 2 dims; here it reverses every
        dim, as numpy's ``.T`` does.
        """
        return permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    def last_two_dims_swapped(self):
        """The tensor with its last two dims swapped (a view): a batch of transposed matrices."""
        return transpose(self, -2, -1)
    T.T = property(dims_reversed)
    T.mT = property(last_two_dims_swapped)
    for method_name, dtype in (("float", np.float32), ("double", np.float64),
                               ("half", np.float16), ("long", np.int64), ("int", np.int32),
                               ("bool", np.bool_)):
        setattr(T, method_name, _converter(method_name, dtype))

    def type_as(self, other):
        """Return this tensor converted to ``other``'s dtype (``self.to(other.dtype)``).

        Parameters
        ----------
        other : Tensor
            The tensor whose dtype to take.

        Returns
        -------
        Tensor
            Of this tensor's shape and ``other``'s dtype; the tensor itself when the dtype
            already matches. Differentiable between floating dtypes.
        """
        return to(self, other.dtype)
    T.type_as = type_as
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
