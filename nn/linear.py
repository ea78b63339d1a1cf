"""Identity, Linear and Maxout."""
import math

from glassgrad import autograd as ag

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. to remove a layer)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
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
    """y = x W^T + b: (..., in_features) -> (..., out_features).
    Parameters: weight (out_features, in_features), bias (out_features,)."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        _weight_and_bias(self, (out_features, in_features), bias, dtype)

    def reset_parameters(self):
        _reset_linear(self.weight, self.bias)

    def forward(self, input):
        self._check_tensor(input)
        if input.ndim < 1 or input.shape[-1] != self.in_features:
            raise self._input_error(f"(..., {self.in_features})", input)
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Maxout(Module):
    """Maxout (Goodfellow et al.): a Linear layer to out_features * pieces, then the max over
    each unit's pieces: (..., in_features) -> (..., out_features). Not in PyTorch.

    Parameters: weight (out_features * pieces, in_features) and bias (out_features * pieces,);
    unit j owns rows j*pieces ... j*pieces + pieces - 1. Initialized like a Linear."""

    def __init__(self, in_features, out_features, pieces=2, bias=True, dtype=None):
        super().__init__()
        if pieces < 1:
            raise ValueError(f"Maxout: pieces must be at least 1, got {pieces}")
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        _weight_and_bias(self, (out_features * pieces, in_features), bias, dtype)

    def reset_parameters(self):
        _reset_linear(self.weight, self.bias)

    def forward(self, input):
        self._check_tensor(input)
        if input.ndim < 1 or input.shape[-1] != self.in_features:
            raise self._input_error(f"(..., {self.in_features})", input)
        return F.maxout(input, self.weight, self.bias, self.pieces)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"pieces={self.pieces}, bias={self.bias is not None}")


class Bilinear(Module):
    """y = x1^T A x2 + b per output feature, PyTorch's nn.Bilinear: (..., in1_features) and
    (..., in2_features) -> (..., out_features). Parameters weight (out, in1, in2) and bias
    (out,), both U(-1/sqrt(in1), 1/sqrt(in1)) as in PyTorch."""

    def __init__(self, in1_features, in2_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(ag.empty(out_features, in1_features, in2_features, dtype=dtype))
        self.register_parameter("bias", Parameter(ag.empty(out_features, dtype=dtype))
                                if bias else None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
