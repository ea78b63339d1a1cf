"""Gradient clipping, parameter <-> vector conversion, and the max-norm constraint;
`nn.utils.rnn` holds the padding and packing of variable-length sequences."""
import math

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.compile import data_op as _data_op, uncapturable as _uncapturable
from glassgrad.autograd.grad_mode import no_grad
from glassgrad.autograd.tensor import Tensor

from ..module import Module
from . import rnn  # noqa: E402,F401  (nn.utils.rnn, as in PyTorch)


def _params(parameters):
    if isinstance(parameters, Module):
        return list(parameters.parameters())
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale all gradients together so that their joint norm is at most `max_norm`, in place.

    The joint norm is the norm of the vector of all gradient entries. The gradients are
    multiplied by ``min(max_norm / (total_norm + 1e-6), 1)``.

    Parameters
    ----------
    parameters : Module, Tensor or iterable of Tensor
        The parameters (a module stands for all its parameters); those without a gradient
        are skipped.
    max_norm : float
        The largest allowed joint norm.
    norm_type : float, optional
        The p of the norm: any p > 0, or ``inf`` (the largest absolute entry). Default 2.0.
    error_if_nonfinite : bool, optional
        Raise if the joint norm is NaN or infinite (otherwise the gradients are scaled by
        a non-finite factor). Default False.
    foreach : bool, optional
        Accepted for PyTorch compatibility; ignored. Default None.

    Returns
    -------
    Tensor
        0-d: the joint norm before clipping, in the gradients' dtype (0.0 when no parameter
        has a gradient).

    Raises
    ------
    RuntimeError
        If `error_if_nonfinite` and the joint norm is not finite.

    Examples
    --------
    >>> w = gg.tensor([1.0, 1.0], requires_grad=True)
    >>> (w * gg.tensor([3.0, 4.0])).sum().backward()
    >>> gg.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6, 0.8])
    """
    grads = [p.grad for p in _params(parameters) if p.grad is not None]
    if not grads:
        return ag.tensor(0.0)
    norm_type = float(norm_type)
    with no_grad():
        # the norm and the coefficient come from (non-differentiable) primitives, so that a
        # captured step (glassgrad.compile) computes them from each call's gradients
        total = _total_norm(grads, norm_type)
        if error_if_nonfinite:
            _uncapturable("clip_grad_norm_ with error_if_nonfinite (a check of the norm's "
                         "value in Python)")
            if not math.isfinite(float(total._data)):
                raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of "
                                   f"the gradients is non-finite ({float(total._data)}), so it "
                                   f"cannot be clipped")
        coef = _clip_coefficient((total,), max_norm, grads[0].dtype)
        for g in grads:
            g.mul_(coef)
    return ag.to(total, grads[0].dtype)


def _total_norm_forward(*args):
    *grads, norm_type = args
    if math.isinf(norm_type):
        total = max(float(np.abs(g).max()) if g.size else 0.0 for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type))
                    for g in grads) ** (1.0 / norm_type)
    return np.asarray(total, dtype=np.float64)


_total_norm_op = _data_op("total_norm", _total_norm_forward,
                         "the norm of order p of all the gradients together (float64)")


def _total_norm(grads, norm_type):
    return _total_norm_op(grads, norm_type)


_clip_coefficient = _data_op("clip_coefficient", lambda total, max_norm, dtype: np.asarray(
    min(max_norm / (float(total) + 1e-6), 1.0), dtype=dtype),
    "min(max_norm / (norm + 1e-6), 1) in the gradients' dtype")


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient entry into ``[-clip_value, clip_value]``, in place.

    Parameters
    ----------
    parameters : Module, Tensor or iterable of Tensor
        The parameters (a module stands for all its parameters); those without a gradient
        are skipped.
    clip_value : float
        The largest allowed absolute value.

    Notes
    -----
    PyTorch's ``foreach`` argument is not accepted.
    """
    clip_value = float(clip_value)
    with no_grad():
        for p in _params(parameters):
            if p.grad is not None:
                p.grad.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """Flatten all parameters and join them into one 1-D tensor (differentiable).

    Parameters
    ----------
    parameters : Module, Tensor or iterable of Tensor
        The parameters, in order.

    Returns
    -------
    Tensor of shape (total number of elements,)
        A new tensor; gradients flow back to the parameters.
    """
    return ag.cat([p.reshape(-1) for p in _params(parameters)])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D `vec` into the parameters, in place.

    The inverse of :func:`parameters_to_vector`; no gradient is recorded.

    Parameters
    ----------
    vec : Tensor of shape (total number of elements,)
        The values, parameter after parameter.
    parameters : Module, Tensor or iterable of Tensor
        The parameters to overwrite, in the same order.

    Raises
    ------
    ValueError
        If `vec` is not 1-D or its length differs from the total number of elements.
    """
    params = _params(parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(f"vector_to_parameters: expected a 1-D vector of {total} elements, "
                         f"got shape {tuple(vec.shape)}")
    start = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec.detach()[start:start + n].reshape(p.shape))
            start += n


def max_norm_(parameters, max_norm, dim=0, eps=0.0):
    """Max-norm constraint: cap the L2 norm of each unit's incoming weights, in place.

    A regularizer applied after the optimizer step: every output unit's incoming weight
    vector (a row of a Linear weight, a filter of a Conv2d: a slice along `dim`) whose L2
    norm exceeds `max_norm` is rescaled to norm ``max_norm`` (``max_norm / (norm + eps)``
    times). 1-D tensors (biases, norm scales) are skipped.

    Parameters
    ----------
    parameters : Module, Tensor or iterable of Tensor
        The parameters to constrain.
    max_norm : float
        The largest allowed norm; positive.
    dim : int, optional
        The dim that indexes the units. Default 0.
    eps : float, optional
        Added to the norm in the rescaling factor. Default 0.0.

    Returns
    -------
    int
        The number of rescaled vectors.

    Raises
    ------
    ValueError
        If `max_norm` is not positive.

    Notes
    -----
    PyTorch has no such function (its closest relative is ``torch.renorm``).
    """
    if max_norm <= 0:
        raise ValueError(f"max_norm_: max_norm must be positive, got {max_norm}")
    rescaled = 0
    with no_grad():
        for p in _params(parameters):
            if p.ndim < 2:
                continue
            w = np.moveaxis(p._data, dim, 0)
            norms = np.sqrt(np.sum(w.reshape(w.shape[0], -1).astype(np.float64) ** 2, axis=1))
            over = norms > max_norm
            if not over.any():
                continue
            scale = np.where(over, max_norm / (norms + eps), 1.0).astype(p.dtype)
            shape = [1] * p.ndim
            shape[dim] = -1
            p.mul_(ag.tensor(scale.reshape(shape)))
            rescaled += int(over.sum())
    return rescaled
