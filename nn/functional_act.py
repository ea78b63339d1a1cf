"""More activations for nn.functional: relu6, hardtanh, hardswish, hardsigmoid, mish,
logsigmoid, softsign, celu, glu, softmin, threshold, tanhshrink, softshrink, hardshrink,
rrelu.

Each is elementwise (except glu and softmin, which work along `dim`): it takes a floating
tensor of any shape and returns one of the same shape and dtype.

Piecewise functions use `where` with masks computed in numpy, so each piece's gradient is
exactly PyTorch's (e.g. hardtanh passes no gradient AT its bounds, as PyTorch's
hardtanh_backward). `inplace=True` is accepted for PyTorch compatibility and computes out of
place (the result is returned; the input is left unchanged).
"""
import numpy as np

from glassgrad import autograd as ag

from . import _functional_core as F
from . import _masks


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Hard tanh: ``clamp(x, min_val, max_val)``, elementwise.

    The gradient is 1 strictly inside the bounds and 0 elsewhere, including AT the bounds
    (as PyTorch's backward).

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    min_val : float, optional
        Lower bound. Default -1.0.
    max_val : float, optional
        Upper bound. Default 1.0.
    inplace : bool, optional
        Accepted for PyTorch compatibility; the result is always computed out of place
        (returned, `input` unchanged). Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If ``min_val > max_val``.

    Notes
    -----
    PyTorch's ``inplace=True`` overwrites `input`; here it is ignored.
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")
    clipped = ag.clamp(input.detach(), min_val, max_val)
    return ag.where(_masks.between((input,), min_val, max_val), input, clipped)


def relu6(input, inplace=False):
    """ReLU capped at 6: ``min(max(0, x), 6)``, i.e. ``hardtanh(x, 0, 6)``.

    The gradient is 0 at exactly 0 and at exactly 6, as in PyTorch.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    inplace : bool, optional
        Accepted for PyTorch compatibility; the result is always computed out of place
        (returned, `input` unchanged). Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    PyTorch's ``inplace=True`` overwrites `input`; here it is ignored.
    """
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input, inplace=False):
    """Hard sigmoid: ``relu6(x + 3) / 6``: 0 below -3, 1 above 3, linear between.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    inplace : bool, optional
        Accepted for PyTorch compatibility; the result is always computed out of place
        (returned, `input` unchanged). Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    PyTorch's ``inplace=True`` overwrites `input`; here it is ignored.
    """
    return relu6(input + 3.0) / 6.0


def hardswish(input, inplace=False):
    """Hard swish: ``x * relu6(x + 3) / 6`` (MobileNetV3's approximation of swish).

    The gradient is ``x / 3 + 1 / 2`` strictly between -3 and 3, 0 at and below -3, 1 at and
    above 3 (PyTorch's convention).

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    inplace : bool, optional
        Accepted for PyTorch compatibility; the result is always computed out of place
        (returned, `input` unchanged). Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    PyTorch's ``inplace=True`` overwrites `input`; here it is ignored.
    """
    mid = _masks.between((input,), -3.0, 3.0)
    return ag.where(mid, input * (input + 3.0) / 6.0,
                    ag.where(_masks.at_least((input,), 3.0), input, input * 0.0))


def mish(input, inplace=False):
    """Mish: ``x * tanh(softplus(x))``, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    inplace : bool, optional
        Accepted for PyTorch compatibility; the result is always computed out of place
        (returned, `input` unchanged). Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    PyTorch's ``inplace=True`` overwrites `input`; here it is ignored.
    """
    return input * ag.tanh(F._softplus(input))


def logsigmoid(input):
    """Log-sigmoid: ``log(sigmoid(x)) = -softplus(-x)``, finite for any finite x.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`, values <= 0.
    """
    return -F._softplus(-input)


def softsign(input):
    """Softsign: ``x / (1 + abs(x))``, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`, values in (-1, 1).
    """
    return input / (ag.abs(input) + 1.0)


def celu(input, alpha=1.0, inplace=False):
    """Continuously differentiable ELU: ``x`` for ``x > 0``, ``alpha * (exp(x / alpha) - 1)``
    otherwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    alpha : float, optional
        Scale of the negative branch; must not be 0. Default 1.0.
    inplace : bool, optional
        Accepted for PyTorch compatibility; the result is always computed out of place
        (returned, `input` unchanged). Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If `alpha` is 0.

    Notes
    -----
    PyTorch's ``inplace=True`` overwrites `input`; here it is ignored.
    """
    if alpha == 0:
        raise ValueError("celu: alpha must not be zero")
    negative = ag.expm1(ag.clamp(input, max=0.0) / alpha) * alpha
    return ag.where(_masks.greater((input,), 0), input, negative)


def glu(input, dim=-1):
    """Gated linear unit: split `dim` into halves ``a``, ``b`` and return ``a * sigmoid(b)``.

    Parameters
    ----------
    input : Tensor
        Floating point; ``input.shape[dim]`` must be even.
    dim : int, optional
        The dim to split; negative counts from the end. Default -1.

    Returns
    -------
    Tensor
        The shape of `input` with ``shape[dim]`` halved; same dtype.

    Raises
    ------
    ValueError
        If `input` is 0-d or ``input.shape[dim]`` is odd.
    """
    if input.ndim == 0 or input.shape[dim] % 2:
        raise ValueError(f"glu: dim {dim} of input {tuple(input.shape)} must have an even size")
    a, b = ag.chunk(input, 2, dim)
    return a * ag.sigmoid(b)


def softmin(input, dim=None):
    """Softmin along `dim`: ``softmax(-x, dim)``; the entries along `dim` sum to one.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    dim : int, optional
        The dim to normalize over. Default None: PyTorch's implicit choice (0 for 0-, 1- and
        3-d inputs, 1 otherwise, see :func:`softmax`).

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    PyTorch's ``_stacklevel`` and ``dtype`` arguments are not accepted.
    """
    return F.softmax(-input, dim)


def threshold(input, threshold, value, inplace=False):
    """Threshold: ``x`` where ``x > threshold``, else `value`, elementwise.

    The replaced entries get no gradient.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    threshold : float
        Entries not above it are replaced.
    value : float
        The replacement.
    inplace : bool, optional
        Accepted for PyTorch compatibility; the result is always computed out of place
        (returned, `input` unchanged). Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Notes
    -----
    PyTorch's ``inplace=True`` overwrites `input`; here it is ignored.
    """
    return ag.where(_masks.greater((input,), threshold), input,
                    ag.full_like(input, value).detach())


def tanhshrink(input):
    """Tanh shrink: ``x - tanh(x)``, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.
    """
    return input - ag.tanh(input)


def softshrink(input, lambd=0.5):
    """Soft shrinkage: ``x - lambd`` above `lambd`, ``x + lambd`` below ``-lambd``, 0 between.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    lambd : float, optional
        Half-width of the zero band; must be non-negative. Default 0.5.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If `lambd` is negative.
    """
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be non-negative, got {lambd}")
    return ag.where(_masks.greater((input,), lambd), input - lambd,
                    ag.where(_masks.less((input,), -lambd), input + lambd, input * 0.0))


def hardshrink(input, lambd=0.5):
    """Hard shrinkage: ``x`` where ``abs(x) > lambd``, else 0, elementwise.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    lambd : float, optional
        Half-width of the zero band. Default 0.5.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.
    """
    return ag.where(_masks.outside((input,), -lambd, lambd), input, input * 0.0)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU (Xu et al., 2015): ``x`` for ``x > 0``, ``a * x`` otherwise.

    In training the slope ``a`` is drawn from U(lower, upper) for each element; in evaluation
    ``a = (lower + upper) / 2``.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    lower : float, optional
        Lower bound of the slope. Default 1/8.
    upper : float, optional
        Upper bound of the slope. Default 1/3.
    training : bool, optional
        Draw random slopes (True) or use the mean slope (False). Default False.
    inplace : bool, optional
        Accepted for PyTorch compatibility; the result is always computed out of place
        (returned, `input` unchanged). Default False.

    Returns
    -------
    Tensor
        Same shape and dtype as `input`.

    Raises
    ------
    ValueError
        If ``lower > upper``.

    Notes
    -----
    The slopes come from glassgrad's global generator (``gg.manual_seed`` fixes them), so
    they differ from PyTorch's draws. PyTorch's ``inplace=True`` overwrites `input`; here it
    is ignored.
    """
    if lower > upper:
        raise ValueError(f"rrelu: lower {lower} must not exceed upper {upper}")
    if not training:
        return F.leaky_relu(input, (lower + upper) / 2)
    slope = _masks.uniform_like((input,), lower, upper, tuple(input.shape))
    return ag.where(_masks.greater((input,), 0), input, input * slope)
