"""glassgrad's engine: reverse-mode automatic differentiation over numpy.

As ``torch.autograd``: :func:`backward` and :func:`grad`, custom ops (:class:`Function`),
gradient checking (:func:`gradcheck`, :func:`gradgradcheck`) and
:mod:`glassgrad.autograd.functional`. It also holds everything the ``glassgrad`` namespace
re-exports (tensors, ops, creation functions, grad mode). ::

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
                  clamp, clip, clone, conv2d, cos, div, divide, dot, eq, equal, erf, exp,
                  expand, expm1, flatten, gather, ge, getitem, gt, isfinite, isinf, isnan, le,
                  log, linear, log1p, log_softmax, logical_not, logsumexp, lt, masked_fill,
                  matmul, max, maximum, mean, min, minimum, mm, mul, multiply, ne, neg, negative,
                  pad, permute, pow, relu, reshape, rsqrt, sigmoid, sign, sin, softmax,
                  split, sqrt, square, squeeze, stack, sub, subtract, sum, sum_to, swapaxes,
                  tanh, to, transpose, true_divide, unfold2d, unsqueeze, view, where)
from . import primitives
# reductions, scans and selection (reductions.py); var/std/norm here replace ops.py's
from .reductions import (aminmax, argsort, bincount, count_nonzero, cummax, cummin, cumprod,
                         cumsum, histc, kthvalue, logcumsumexp, median, mode, msort, nanmean,
                         nanmedian, nanquantile, nansum, prod, quantile, sort, std, std_mean,
                         topk, unique, var, var_mean)
# shape, views and indexing (shape_ops.py)
from .shape_ops import broadcast_shapes, broadcast_tensors
from .shape_ops import (argwhere, atleast_1d, atleast_2d, atleast_3d, chunk, column_stack, diag,
                        diag_embed, diagonal, dstack, flip, fliplr, flipud, hstack, index_add,
                        index_copy, index_fill, index_put, index_select, masked_scatter,
                        masked_select, meshgrid, movedim, moveaxis, narrow, nonzero, repeat,
                        repeat_interleave, roll, row_stack, scatter, scatter_add,
                        scatter_reduce, select, swapdims, take, take_along_dim, tensor_split,
                        tile, trace, tril, triu, unbind, unflatten, vstack)
# linear algebra (linalg.py; the torch.linalg namespace is glassgrad.linalg)
from .linalg import (addbmm, addmm, addmv, addr, baddbmm, bmm, cdist, chain_matmul, cross, det,
                     einsum, ger, inner, inverse, kron, logdet, matrix_power, mv, norm, outer,
                     pinverse, slogdet, tensordot, vdot)
from .engine import backward, grad
from .function import Function, FunctionCtx, once_differentiable
from . import functional
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from .serialization import load, save
from .serialization import CheckpointError

# ----- tensor API, elementwise math, random generators and samplers, type info (issue 12) -----
from .device import device
from .accelerators import backends, cuda
from .random import (Generator, default_generator, get_rng_state, initial_seed,
                     set_rng_state)
from .creation import randint_like
from .sampling import bernoulli, multinomial, normal, poisson
from .grad_mode import inference_mode, is_inference_mode_enabled
from .typeinfo import finfo, iinfo
from .tensor_api import get_default_device, is_floating_point, is_tensor, numel, result_type
from .elementwise import (acos, acosh, addcdiv, addcmul, arccos, arccosh, arcsin, arcsinh,
                          arctan, arctan2, arctanh, asin, asinh, atan, atan2, atanh,
                          bitwise_and, bitwise_not, bitwise_or, bitwise_xor, ceil, clamp_min,
                          clamp_max, copysign, cosh, digamma, erfc, erfinv, exp2, fix, float_power,
                          floor, floor_divide, fmod, frac, hypot, isclose, isneginf, isposinf,
                          lerp, lgamma, log10, log2, logaddexp, logaddexp2, logical_and,
                          logical_or, logical_xor, logit, nan_to_num, polygamma, positive,
                          reciprocal, remainder, round, rsub, sgn, signbit, sinh, tan, trunc,
                          xlogy)
from .elementwise import (absolute, deg2rad, greater, greater_equal, less, less_equal, not_equal,
                          rad2deg, sinc)

# capture and replay of a training step
from .compile import CompiledStep, compile

# BLAS threads (PyTorch's set_num_threads)
from ._threads import get_num_threads, set_num_threads

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

# ----- drawings: composite ops drawn as one box, tensor names on intermediates (issue 17) -----
from .naming import composite
