"""Identity, Linear and Maxout."""
import math

from glassgrad import autograd as ag

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Return its input unchanged (a placeholder, e.g. to remove a layer).

    Parameters
    ----------
    *args
        Any arguments; ignored (as in PyTorch).
    **kwargs
        Any keyword arguments; ignored.

    Shape
    -----
    - Input: (*), any shape.
    - Output: (*), the input itself.

    Examples
    --------
    >>> from glassgrad import nn
    >>> x = gg.ones(2, 3)
    >>> nn.Identity(54, unused="argument")(x) is x
    True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        """Return `input` unchanged.

        Parameters
        ----------
        input : object
            Anything (usually a Tensor).

        Returns
        -------
        object
            `input` itself.
        """
        return input


def _reset_linear(weight, bias):
    """PyTorch's default: kaiming_uniform_(a=sqrt(5)) weights, i.e. U(-1/sqrt(fan_in),
    1/sqrt(fan_in)), and the bias from the same interval."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


def _weight_and_bias(module, weight_shape, bias, dtype):
    """Register `weight` (weight_shape) and `bias` (weight_shape[0],) or None, initialized as
    PyTorch initializes Linear and Conv2d."""
    module.weight = Parameter(ag.empty(*weight_shape, dtype=dtype))
    module.register_parameter("bias", Parameter(ag.empty(weight_shape[0], dtype=dtype))
                              if bias else None)
    module.reset_parameters()


class Linear(Module):
    """Apply an affine map to the last dimension: ``y = x @ weight.T + bias``.

    Parameters
    ----------
    in_features : int
        Size of each input's last dimension.
    out_features : int
        Size of each output's last dimension.
    bias : bool, optional
        Learn an additive bias; without it the layer is linear, ``y = x @ weight.T``.
        Default True.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype, float32, if omitted).

    Shape
    -----
    - Input: (..., in_features), any number of leading dimensions.
    - Output: (..., out_features), same leading dimensions.

    Attributes
    ----------
    weight : Parameter of shape (out_features, in_features)
        Initialized from U(-1/sqrt(in_features), 1/sqrt(in_features)), as in PyTorch.
    bias : Parameter of shape (out_features,) or None
        Initialized from the same interval.

    Raises
    ------
    TypeError
        The input is not a Tensor.
    ValueError
        The input's last dimension is not ``in_features``.

    Notes
    -----
    There is no ``device`` argument (everything runs on the CPU).

    Examples
    --------
    >>> from glassgrad import nn
    >>> layer = nn.Linear(3, 2)
    >>> layer
    Linear(in_features=3, out_features=2, bias=True)
    >>> layer.weight.shape, layer.bias.shape
    ((2, 3), (2,))
    >>> with gg.no_grad():
    ...     _ = layer.weight.copy_(gg.tensor([[1., 0., 0.], [0., 1., 1.]]))
    ...     _ = layer.bias.zero_()
    >>> layer(gg.tensor([[1., 2., 3.]]))
    tensor([[1., 5.]], grad_fn=<LinearBackward0>)
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        _weight_and_bias(self, (out_features, in_features), bias, dtype)

    def reset_parameters(self):
        """Re-initialize the weight and bias as the constructor does (in place)."""
        _reset_linear(self.weight, self.bias)

    def forward(self, input):
        """Apply the layer to `input` of shape (..., in_features).

        Parameters
        ----------
        input : Tensor of shape (..., in_features)
            Floating, the parameters' dtype.

        Returns
        -------
        Tensor of shape (..., out_features)
            ``input @ weight.T + bias``.

        Raises
        ------
        TypeError
            `input` is not a Tensor.
        ValueError
            The last dimension of `input` is not ``in_features``.
        """
        self._check_tensor(input)
        if input.ndim < 1 or input.shape[-1] != self.in_features:
            raise self._input_error(f"(..., {self.in_features})", input)
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Maxout(Module):
    """Maxout (Goodfellow et al.): a Linear layer to ``out_features * pieces``, then the max over
    each unit's pieces: (..., in_features) -> (..., out_features).

    Not in PyTorch.

    Parameters
    ----------
    in_features : int
        Size of each input's last dimension.
    out_features : int
        Size of each output's last dimension (the number of units).
    pieces : int, optional
        The number of affine pieces each unit takes the max of; at least 1. Default 2.
    bias : bool, optional
        Learn an additive bias. Default True.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input: (..., in_features).
    - Output: (..., out_features).

    Attributes
    ----------
    weight : Parameter of shape (out_features * pieces, in_features)
        Unit j owns rows ``j * pieces`` to ``j * pieces + pieces - 1``. Initialized like a
        Linear's weight, ``U(-1/sqrt(in_features), 1/sqrt(in_features))``.
    bias : Parameter of shape (out_features * pieces,) or None
        Initialized from the same interval.

    Raises
    ------
    ValueError
        `pieces` is smaller than 1.
    """

    def __init__(self, in_features, out_features, pieces=2, bias=True, dtype=None):
        super().__init__()
        if pieces < 1:
            raise ValueError(f"Maxout: pieces must be at least 1, got {pieces}")
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        _weight_and_bias(self, (out_features * pieces, in_features), bias, dtype)

    def reset_parameters(self):
        """Re-initialize the weight and bias as the constructor does (in place)."""
        _reset_linear(self.weight, self.bias)

    def forward(self, input):
        """Apply the layer to `input` of shape (..., in_features).

        Parameters
        ----------
        input : Tensor of shape (..., in_features)
            Floating, the parameters' dtype.

        Returns
        -------
        Tensor of shape (..., out_features)
            The max over each unit's pieces.

        Raises
        ------
        TypeError
            `input` is not a Tensor.
        ValueError
            The last dimension of `input` is not ``in_features``.
        """
        self._check_tensor(input)
        if input.ndim < 1 or input.shape[-1] != self.in_features:
            raise self._input_error(f"(..., {self.in_features})", input)
        return F.maxout(input, self.weight, self.bias, self.pieces)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"pieces={self.pieces}, bias={self.bias is not None}")


class Bilinear(Module):
    """Bilinear map, PyTorch's ``nn.Bilinear``: ``y = x1^T A x2 + b`` per output feature.

    (..., in1_features) and (..., in2_features) -> (..., out_features).

    Parameters
    ----------
    in1_features : int
        Size of the first input's last dimension.
    in2_features : int
        Size of the second input's last dimension.
    out_features : int
        Size of the output's last dimension.
    bias : bool, optional
        Learn an additive bias. Default True.
    dtype : glassgrad dtype, optional
        Floating dtype of the parameters (the default dtype if omitted).

    Shape
    -----
    - Input1: (..., in1_features).
    - Input2: (..., in2_features), the same leading dimensions.
    - Output: (..., out_features).

    Attributes
    ----------
    weight : Parameter of shape (out_features, in1_features, in2_features)
        Initialized from ``U(-1/sqrt(in1_features), 1/sqrt(in1_features))``, as in PyTorch.
    bias : Parameter of shape (out_features,) or None
        Initialized from the same interval.
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(ag.empty(out_features, in1_features, in2_features, dtype=dtype))
        self.register_parameter("bias", Parameter(ag.empty(out_features, dtype=dtype))
                                if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-initialize the weight and bias as the constructor does (in place)."""
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        """Apply the layer to `input1` (..., in1_features) and `input2` (..., in2_features).

        Parameters
        ----------
        input1 : Tensor of shape (..., in1_features)
            The first input.
        input2 : Tensor of shape (..., in2_features)
            The second input, with the same leading dimensions.

        Returns
        -------
        Tensor of shape (..., out_features)
            ``input1^T weight[k] input2 + bias[k]`` for each output feature k.
        """
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
