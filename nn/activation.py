"""Activation layers (each a thin Module over its nn.functional form)."""
from glassgrad import autograd as ag

from . import functional as F
from .module import Module
from .parameter import Parameter


class ReLU(Module):
    """Rectified linear unit, elementwise: ``max(0, x)``.

    Parameters
    ----------
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """Leaky ReLU, elementwise: ``x`` for ``x > 0``, ``negative_slope * x`` otherwise.

    Parameters
    ----------
    negative_slope : float, optional
        The slope for negative inputs. Default 0.01.
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class PReLU(Module):
    """Leaky ReLU with a learned slope: ``x`` for ``x > 0``, ``weight * x`` otherwise.

    One slope shared by every element (``num_parameters=1``) or one per channel (dim 1 of the
    input).

    Parameters
    ----------
    num_parameters : int, optional
        1 (one shared slope) or the number of channels C. Default 1.
    init : float, optional
        The initial value of every slope. Default 0.25.
    dtype : glassgrad dtype, optional
        Floating dtype of the weight (the default dtype if omitted).

    Shape
    -----
    - Input: (*), or ``(N, C, *)`` with ``C == num_parameters`` when ``num_parameters > 1``.
    - Output: same shape as the input.

    Attributes
    ----------
    weight : Parameter of shape (num_parameters,)
        The slopes, initialized to `init`.

    Raises
    ------
    ValueError
        At call time, ``num_parameters > 1`` and the input's dim 1 is not ``num_parameters``.

    Notes
    -----
    There is no ``device`` argument (everything runs on the CPU).
    """

    def __init__(self, num_parameters=1, init=0.25, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(ag.full((num_parameters,), init,
                                        dtype=dtype or ag.get_default_dtype()))

    def forward(self, input):
        if self.num_parameters > 1 and (input.ndim < 2 or input.shape[1] != self.num_parameters):
            raise self._input_error(f"(N, {self.num_parameters}, ...)", input)
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """Exponential linear unit, elementwise.

    ``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise.

    Parameters
    ----------
    alpha : float, optional
        The value the negative side tends to is ``-alpha``. Default 1.0.
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class SELU(Module):
    """Scaled ELU, elementwise: ``scale * ELU(x, alpha)`` with ``alpha ~ 1.6733`` and
    ``scale ~ 1.0507`` (self-normalizing: keeps activations near zero mean and unit variance).

    Parameters
    ----------
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.selu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """Gaussian error linear unit, elementwise: ``x * Phi(x)``, with Phi the standard normal
    distribution function.

    Exact (``approximate='none'``, through erf) or with the tanh approximation.

    Parameters
    ----------
    approximate : {'none', 'tanh'}, optional
        ``'tanh'`` uses ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.
        Default ``'none'``.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Raises
    ------
    ValueError
        `approximate` is neither ``'none'`` nor ``'tanh'``.
    """

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """Sigmoid linear unit (swish), elementwise: ``x * sigmoid(x)``.

    Parameters
    ----------
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """Logistic sigmoid, elementwise: ``1 / (1 + exp(-x))``.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.
    """

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """Hyperbolic tangent, elementwise: ``tanh(x)``.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.
    """

    def forward(self, input):
        return F.tanh(input)


class Softplus(Module):
    """Smooth ReLU, elementwise: ``log(1 + exp(beta * x)) / beta``.

    Where ``beta * x > threshold`` the result is ``x`` itself; stable for any x.

    Parameters
    ----------
    beta : float, optional
        The sharpness. Default 1.0.
    threshold : float, optional
        Above ``beta * x > threshold`` the layer is the identity. Default 20.0.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """Softmax along `dim`: ``exp(x) / sum(exp(x))``, so the entries along `dim` are positive and
    sum to one.

    Parameters
    ----------
    dim : int, optional
        The dimension to normalize. If None, PyTorch's legacy choice: 0 for 0-, 1- and
        3-dimensional inputs, 1 otherwise (pass it explicitly). Default None.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch warns when `dim` is None; glassgrad makes the same choice without a warning.
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """Logarithm of the softmax along `dim`: ``x - logsumexp(x)``, computed stably.

    Parameters
    ----------
    dim : int, optional
        The dimension to normalize. If None, the same legacy choice as ``Softmax``.
        Default None.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch warns when `dim` is None; glassgrad makes the same choice without a warning.
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


# ----- more activations (functional forms in nn.functional_act) -----------------------------


class _Inplace(Module):
    """An activation taking only `inplace` (accepted for PyTorch compatibility; the result is
    computed out of place)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Hardtanh(Module):
    """Clamp, elementwise: ``clamp(x, min_val, max_val)``.

    The gradient is 1 strictly inside ``(min_val, max_val)`` and 0 elsewhere.

    Parameters
    ----------
    min_val : float, optional
        The lower bound. Default -1.0.
    max_val : float, optional
        The upper bound. Default 1.0.
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Raises
    ------
    ValueError
        ``min_val > max_val``.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val {min_val} must not exceed max_val {max_val}")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + \
            (", inplace=True" if self.inplace else "")


class ReLU6(Hardtanh):
    """ReLU capped at 6, elementwise: ``min(max(0, x), 6)``.

    Parameters
    ----------
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Hardsigmoid(_Inplace):
    """Piecewise-linear sigmoid, elementwise: ``relu6(x + 3) / 6``.

    Parameters
    ----------
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def forward(self, input):
        return F.hardsigmoid(input)


class Hardswish(_Inplace):
    """Piecewise-linear swish, elementwise: ``x * relu6(x + 3) / 6``.

    Parameters
    ----------
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def forward(self, input):
        return F.hardswish(input)


class Mish(_Inplace):
    """Mish, elementwise: ``x * tanh(softplus(x))``.

    Parameters
    ----------
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def forward(self, input):
        return F.mish(input)


class LogSigmoid(Module):
    """Logarithm of the sigmoid, elementwise: ``log(sigmoid(x))``, stable for any x.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.
    """

    def forward(self, input):
        return F.logsigmoid(input)


class Softsign(Module):
    """Softsign, elementwise: ``x / (1 + abs(x))``.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.
    """

    def forward(self, input):
        return F.softsign(input)


class Tanhshrink(Module):
    """Tanhshrink, elementwise: ``x - tanh(x)``.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.
    """

    def forward(self, input):
        return F.tanhshrink(input)


class CELU(Module):
    """Continuously differentiable ELU, elementwise.

    ``x`` for ``x > 0``, ``alpha * (exp(x / alpha) - 1)`` otherwise.

    Parameters
    ----------
    alpha : float, optional
        The scale of the negative side. Default 1.0.
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.celu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """Gated linear unit: split the input in halves ``a``, ``b`` along `dim`; return
    ``a * sigmoid(b)``.

    Parameters
    ----------
    dim : int, optional
        The dimension to split; its size must be even. Default -1.

    Shape
    -----
    - Input: ``(*, 2M, *)``, the size along `dim` even.
    - Output: ``(*, M, *)``, half the size along `dim`.
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmin(Module):
    """Softmin along `dim`: ``softmax(-x)``, entries positive and summing to one, largest for
    the smallest inputs.

    Parameters
    ----------
    dim : int, optional
        The dimension to normalize. If None, the same legacy choice as ``Softmax``.
        Default None.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmin(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Threshold(Module):
    """Threshold, elementwise: ``x`` where ``x > threshold``, else `value`.

    Parameters
    ----------
    threshold : float
        The threshold.
    value : float
        The value that replaces the inputs not above `threshold`.
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}" + \
            (", inplace=True" if self.inplace else "")


class Softshrink(Module):
    """Soft shrinkage, elementwise: ``x - lambd`` above `lambd`, ``x + lambd`` below ``-lambd``,
    0 between.

    Parameters
    ----------
    lambd : float, optional
        The half-width of the zero band. Default 0.5.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Hardshrink(Softshrink):
    """Hard shrinkage, elementwise: ``x`` where ``abs(x) > lambd``, else 0.

    Parameters
    ----------
    lambd : float, optional
        The half-width of the zero band. Default 0.5.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.
    """

    def forward(self, input):
        return F.hardshrink(input, self.lambd)


class RReLU(Module):
    """Randomized leaky ReLU: ``x`` for ``x >= 0``, ``a * x`` otherwise.

    In training mode the slope ``a`` is drawn from ``U(lower, upper)`` per element (from
    glassgrad's random generator, so ``glassgrad.manual_seed`` fixes it); in evaluation mode it
    is ``(lower + upper) / 2``.

    Parameters
    ----------
    lower : float, optional
        The lower bound of the slope. Default 1/8.
    upper : float, optional
        The upper bound of the slope. Default 1/3.
    inplace : bool, optional
        Accepted for compatibility with PyTorch; the result is computed out of place.
        Default False.

    Shape
    -----
    - Input: (*), any number of dimensions.
    - Output: (*), same shape as the input.

    Notes
    -----
    PyTorch overwrites the input with ``inplace=True``; glassgrad accepts the argument and
    always returns a new tensor (the input is unchanged).
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + \
            (", inplace=True" if self.inplace else "")


class Softmax2d(Module):
    """Softmax over the channels at every spatial position (dim -3 of (N, C, H, W) or
    (C, H, W)).

    Shape
    -----
    - Input: (N, C, H, W) or (C, H, W).
    - Output: same shape as the input.

    Raises
    ------
    ValueError
        At call time, the input is not 3- or 4-dimensional.
    """

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise self._input_error("(N, C, H, W) or (C, H, W)", input)
        return F.softmax(input, -3)
