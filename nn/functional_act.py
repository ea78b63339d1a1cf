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
    """clamp(x, min_val, max_val); the gradient is 1 strictly inside the bounds, else 0."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val {min_val} must not exceed max_val {max_val}")
    clipped = ag.clamp(input.detach(), min_val, max_val)
    return ag.where(_masks.between((input,), min_val, max_val), input, clipped)


def relu6(input, inplace=False):
    """min(max(0, x), 6) (hardtanh(x, 0, 6))."""
    return hardtanh(input, 0.0, 6.0)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return relu6(input + 3.0) / 6.0


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6 (MobileNetV3's swish approximation). The gradient is x/3 + 1/2
    strictly between -3 and 3, 0 at and below -3, 1 at and above 3 (PyTorch's convention)."""
    mid = _masks.between((input,), -3.0, 3.0)
    return ag.where(mid, input * (input + 3.0) / 6.0,
                    ag.where(_masks.at_least((input,), 3.0), input, input * 0.0))


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return input * ag.tanh(F._softplus(input))


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return -F._softplus(-input)


def softsign(input):
    """``x / (1 + abs(x))``, elementwise."""
    return input / (ag.abs(input) + 1.0)


def celu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha * (exp(x / alpha) - 1) otherwise."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be zero")
    negative = ag.expm1(ag.clamp(input, max=0.0) / alpha) * alpha
    return ag.where(_masks.greater((input,), 0), input, negative)


def glu(input, dim=-1):
    """Gated linear unit: split `dim` in halves a, b and return a * sigmoid(b)."""
    if input.ndim == 0 or input.shape[dim] % 2:
        raise ValueError(f"glu: dim {dim} of input {tuple(input.shape)} must have an even size")
    a, b = ag.chunk(input, 2, dim)
    return a * ag.sigmoid(b)


def softmin(input, dim=None):
    """softmax(-x) along `dim` (PyTorch's implicit dim when None)."""
    return F.softmax(-input, dim)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else `value`."""
    return ag.where(_masks.greater((input,), threshold), input,
                    ag.full_like(input, value).detach())


def tanhshrink(input):
    """x - tanh(x)."""
    return input - ag.tanh(input)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise ValueError(f"softshrink: lambd must be non-negative, got {lambd}")
    return ag.where(_masks.greater((input,), lambd), input - lambd,
                    ag.where(_masks.less((input,), -lambd), input + lambd, input * 0.0))


def hardshrink(input, lambd=0.5):
    """``x`` where ``abs(x) > lambd``, else 0 (elementwise)."""
    return ag.where(_masks.outside((input,), -lambd, lambd), input, input * 0.0)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU (Xu et al.): x for x > 0, a x otherwise, with a drawn from
    U(lower, upper) per element in training and a = (lower + upper) / 2 in evaluation.
    The slopes come from ag.get_rng() (ag.manual_seed fixes them), so they differ from
    PyTorch's draws."""
    if lower > upper:
        raise ValueError(f"rrelu: lower {lower} must not exceed upper {upper}")
    if not training:
        return F.leaky_relu(input, (lower + upper) / 2)
    slope = _masks.uniform_like((input,), lower, upper, tuple(input.shape))
    return ag.where(_masks.greater((input,), 0), input, input * slope)
