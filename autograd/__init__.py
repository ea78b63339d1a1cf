"""glassgrad's engine: reverse-mode automatic differentiation over numpy.

    from glassgrad import autograd as ag
    x = ag.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    y = (x @ x.T).relu().sum()
    y.backward()
    x.grad
"""
from . import _malloc
_malloc.tune_if_requested()
from ._malloc import tune as tune_malloc

from .dtypes import (bool_ as bool, float16, float32, float64, get_default_dtype, int8, int16,
                     int32, int64, set_default_dtype, uint8)
from .dtypes import float16 as half, float32 as float, float64 as double, int64 as long
from .tensor import Tensor
from .grad_mode import (detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled,
                        keep_values, no_grad, scope, set_grad_enabled)
from .random import get_rng, manual_seed, seed
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       linspace, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                       randperm, tensor, zeros, zeros_like)
from .ops import (abs, add, all, allclose, amax, amin, any, argmax, argmin, broadcast_to, cat,
                  chunk, clamp, clip, clone, conv2d, cos, div, divide, dot, eq, equal, erf, exp,
                  expand, expm1, flatten, gather, ge, getitem, gt, isfinite, isinf, isnan, le,
                  log, linear, log1p, log_softmax, logical_not, logsumexp, lt, masked_fill,
                  matmul, max, maximum, mean, min, minimum, mm, mul, multiply, ne, neg, negative,
                  norm, pad, permute, pow, relu, reshape, rsqrt, sigmoid, sign, sin, softmax,
                  split, sqrt, square, squeeze, stack, std, sub, subtract, sum, sum_to, swapaxes,
                  tanh, to, transpose, true_divide, unfold2d, unsqueeze, var, view, where)
from . import primitives
from .engine import backward, grad
from . import functional
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from .serialization import load, save

__version__ = "0.1.0"

# Every public name bound above except the submodules: what `from glassgrad.autograd import *`
# and the top-level `glassgrad` namespace export.
__all__ = sorted(_name for _name, _value in list(globals().items())
                 if not _name.startswith("_") and not isinstance(_value, type(_malloc)))


def __getattr__(name):
    # `ag.viz` is glassgrad.viz, imported on first use (it is not needed to compute)
    if name == "viz":
        import importlib
        return importlib.import_module("glassgrad.viz")
    raise AttributeError(f"module 'glassgrad.autograd' has no attribute {name!r}")
