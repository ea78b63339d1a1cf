"""More losses and distances for nn.functional: kl_div, cosine_similarity,
pairwise_distance, cosine_embedding_loss, triplet_margin_loss (and with a distance
function), margin_ranking_loss, soft_margin_loss, multilabel_margin_loss,
multilabel_soft_margin_loss, poisson_nll_loss, gaussian_nll_loss, hinge_embedding_loss.

Shapes: unless a docstring says otherwise, input and target have the same shape, the
loss is computed elementwise (or per sample where stated), and reduction='none' returns it
unreduced, 'mean' its mean and 'sum' its sum as a 0-d tensor. Targets are constants unless
they require grad. A bad reduction raises ValueError.

Formulas follow PyTorch's implementations term by term (including where they clamp and
which constants they add), so values and gradients agree to rounding. `reduction` is
'mean' (default), 'sum' or 'none' everywhere.
"""
import math

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.compile import capturing, data_op
from glassgrad.autograd.tensor import Tensor

from . import _functional_core as F
from . import _masks


def _t(x, like=None):
    if isinstance(x, Tensor):
        return x
    return ag.tensor(np.asarray(x, dtype=None if like is None else like.dtype))


def _data(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _xlogy(x, y):
    """x * log(y), 0 where x == 0 (the gradient w.r.t. y there is 0 too)."""
    zero = _masks.of(x, _masks.equal, 0)
    safe_y = ag.where(zero, ag.ones_like(y), y)
    return ag.where(zero, ag.zeros_like(y), x * ag.log(safe_y))


def _no_legacy(size_average, reduce, fn):
    if size_average is not None or reduce is not None:
        raise NotImplementedError(f"{fn}: the deprecated size_average/reduce arguments are not "
                                  f"supported; use reduction=")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Kullback-Leibler divergence, PyTorch's ``F.kl_div``.

    Elementwise ``target * (log(target) - input)`` with `input` holding log-probabilities
    (``0 log 0 = 0``). ``log_target=True`` reads `target` as log-probabilities too:
    ``exp(target) * (target - input)``.

    Parameters
    ----------
    input : Tensor
        Log-probabilities, any shape, floating point.
    target : Tensor or array_like
        Probabilities (or log-probabilities with `log_target`), same shape as `input`.
    size_average : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduce : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduction : {'mean', 'batchmean', 'sum', 'none'}, optional
        ``'batchmean'`` divides the sum by the batch size ``input.shape[0]`` (the
        mathematically correct KL); ``'mean'`` divides by the number of elements, as PyTorch
        does; ``'sum'``; ``'none'`` keeps the shape of `input`. Default ``'mean'``.
    log_target : bool, optional
        Whether `target` holds log-probabilities. Default False.

    Returns
    -------
    Tensor
        0-d, or the shape of `input` for ``'none'``.

    Raises
    ------
    NotImplementedError
        If `size_average` or `reduce` is not None.
    ValueError
        If `reduction` is unknown.

    Notes
    -----
    At a zero target the target gradient leaves out the (infinite) derivative of ``0 log 0``,
    where PyTorch gives NaN.
    """
    _no_legacy(size_average, reduce, "kl_div")
    target = _t(target, input)
    if log_target:
        loss = ag.exp(target) * (target - input)
    else:
        loss = _xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / float(input.shape[0] if input.ndim else 1)
    return F._reduce(loss, reduction, "kl_div")


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between `x1` and `x2` along `dim`, PyTorch's ``F.cosine_similarity``.

    ``sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps))`` along `dim`, with broadcasting.

    Parameters
    ----------
    x1 : Tensor
        Floating point.
    x2 : Tensor
        Broadcastable with `x1`.
    dim : int, optional
        The dim holding the vectors. Default 1.
    eps : float, optional
        Lower bound of each norm (avoids a division by zero). Default 1e-8.

    Returns
    -------
    Tensor
        The broadcast shape without `dim`; values in [-1, 1].
    """
    if tuple(x1.shape) != tuple(x2.shape):     # broadcast first: `dim` is a dim of the result
        try:
            shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
        except ValueError:
            raise ValueError(f"cosine_similarity: shapes {tuple(x1.shape)} and "
                             f"{tuple(x2.shape)} do not broadcast") from None
        x1, x2 = ag.broadcast_to(x1, shape), ag.broadcast_to(x2, shape)
    n1 = ag.clamp(ag.norm(x1, 2, dim, keepdim=True), min=eps)
    n2 = ag.clamp(ag.norm(x2, 2, dim, keepdim=True), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim=dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """p-norm distance ``||x1 - x2 + eps||_p`` along the last dim, PyTorch's
    ``F.pairwise_distance``.

    Parameters
    ----------
    x1 : Tensor of shape (N, D) or (D,), floating point
    x2 : Tensor
        Broadcastable with `x1`.
    p : float, optional
        Order of the norm. Default 2.0.
    eps : float, optional
        Added to the difference, which keeps the norm's gradient finite for equal vectors.
        Default 1e-6.
    keepdim : bool, optional
        Keep the last dim with size 1. Default False.

    Returns
    -------
    Tensor
        The broadcast shape without (or, with `keepdim`, with size 1 in) the last dim.

    Raises
    ------
    ValueError
        If both inputs are 0-d.
    """
    nd = max(x1.ndim, x2.ndim)
    if nd == 0:
        raise ValueError("pairwise_distance: inputs must have at least 1 dim")
    return ag.norm(x1 - x2 + eps, p, -1, keepdim=keepdim)


def _check_reduction(reduction, fn):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{fn}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """Cosine embedding loss, PyTorch's ``F.cosine_embedding_loss``.

    Per sample: ``1 - cos(x1, x2)`` where target = 1 (pull together), ``max(0, cos(x1, x2) -
    margin)`` where target = -1 (push apart).

    Parameters
    ----------
    input1 : Tensor of shape (N, D) or (D,), floating point
    input2 : Tensor
        Same shape as `input1`.
    target : Tensor or array_like of shape (N,) or ()
        1 or -1 per sample.
    margin : float, optional
        Default 0.0.
    size_average : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduce : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d, or per sample (N,) or () for ``'none'``.

    Raises
    ------
    ValueError
        If the inputs differ in shape or are not 1- or 2-d, or `reduction` is unknown.
    NotImplementedError
        If `size_average` or `reduce` is not None.
    """
    _no_legacy(size_average, reduce, "cosine_embedding_loss")
    _check_reduction(reduction, "cosine_embedding_loss")
    if input1.ndim not in (1, 2) or input1.shape != input2.shape:
        raise ValueError(f"cosine_embedding_loss: expected inputs of equal shape (N, D) or (D,), "
                         f"got {tuple(input1.shape)} and {tuple(input2.shape)}")
    d = input1.ndim - 1
    eps = 1e-12
    prod = (input1 * input2).sum(dim=d)
    mag1 = (input1 * input1).sum(dim=d) + eps
    mag2 = (input2 * input2).sum(dim=d) + eps
    cos = prod / ag.sqrt(mag1 * mag2)
    loss = ag.where(_masks.of(target, _masks.equal, 1), 1.0 - cos, 0.0) + \
        ag.where(_masks.of(target, _masks.equal, -1), ag.clamp(cos - margin, min=0.0), 0.0)
    return F._reduce(loss, reduction, "cosine_embedding_loss")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """Triplet margin loss, PyTorch's ``F.triplet_margin_loss``.

    ``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` = :func:`pairwise_distance` (p-norm,
    `eps`), per triplet.

    Parameters
    ----------
    anchor : Tensor of shape (N, D) or (D,), floating point
    positive : Tensor
        Same shape as `anchor`.
    negative : Tensor
        Same shape as `anchor`.
    margin : float, optional
        Must be positive. Default 1.0.
    p : float, optional
        Order of the norm. Default 2.
    eps : float, optional
        See :func:`pairwise_distance`. Default 1e-6.
    swap : bool, optional
        Use ``min(d(a, n), d(p, n))`` as the negative distance (the distance swap of Balntas
        et al.). Default False.
    size_average : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduce : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d, or per triplet (N,) or () for ``'none'``.

    Raises
    ------
    ValueError
        If `margin` is not positive or `reduction` is unknown.
    NotImplementedError
        If `size_average` or `reduce` is not None.
    """
    _no_legacy(size_average, reduce, "triplet_margin_loss")
    dist = lambda x, y: pairwise_distance(x, y, p, eps)
    return triplet_margin_with_distance_loss(anchor, positive, negative, distance_function=dist,
                                             margin=margin, swap=swap, reduction=reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """Triplet margin loss with any distance function, PyTorch's
    ``F.triplet_margin_with_distance_loss``.

    ``max(d(a, p) - d(a, n) + margin, 0)`` per triplet.

    Parameters
    ----------
    anchor : Tensor of shape (N, D) or (D,), floating point
    positive : Tensor
        Same shape as `anchor`.
    negative : Tensor
        Same shape as `anchor`.
    distance_function : callable, optional
        ``d(x, y)`` returning one non-negative distance per sample. Default None:
        :func:`pairwise_distance`. Keyword only.
    margin : float, optional
        Must be positive. Default 1.0. Keyword only.
    swap : bool, optional
        Use ``min(d(a, n), d(p, n))`` as the negative distance. Default False. Keyword only.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.
        Keyword only.

    Returns
    -------
    Tensor
        0-d, or per triplet for ``'none'``.

    Raises
    ------
    ValueError
        If `margin` is not positive or `reduction` is unknown.
    """
    _check_reduction(reduction, "triplet_margin_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_loss: margin must be positive, got {margin}")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = ag.minimum(d_neg, dist(positive, negative))
    loss = ag.clamp(d_pos - d_neg + margin, min=0.0)
    return F._reduce(loss, reduction, "triplet_margin_loss")


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    """Margin ranking loss, PyTorch's ``F.margin_ranking_loss``.

    ``max(0, -target * (x1 - x2) + margin)`` elementwise: target = 1 means `input1` should
    rank higher, -1 that `input2` should.

    Parameters
    ----------
    input1 : Tensor
        Scores, any shape, floating point.
    input2 : Tensor
        Broadcastable with `input1`.
    target : Tensor or array_like
        1 or -1, broadcastable with the inputs.
    margin : float, optional
        Default 0.0.
    size_average : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduce : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d, or the broadcast shape for ``'none'``.

    Raises
    ------
    ValueError
        If `reduction` is unknown.
    NotImplementedError
        If `size_average` or `reduce` is not None.
    """
    _no_legacy(size_average, reduce, "margin_ranking_loss")
    _check_reduction(reduction, "margin_ranking_loss")
    loss = ag.clamp(-_t(target, input1) * (input1 - input2) + margin, min=0.0)
    return F._reduce(loss, reduction, "margin_ranking_loss")


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Soft margin (logistic) loss for targets +-1, PyTorch's ``F.soft_margin_loss``.

    ``log(1 + exp(-target * input))`` elementwise, computed stably as a softplus.

    Parameters
    ----------
    input : Tensor
        Any shape, floating point.
    target : Tensor
        Same shape as `input`; 1 or -1.
    size_average : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduce : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d, or the shape of `input` for ``'none'``.

    Raises
    ------
    ValueError
        If the shapes differ or `reduction` is unknown.
    NotImplementedError
        If `size_average` or `reduce` is not None.
    """
    _no_legacy(size_average, reduce, "soft_margin_loss")
    _check_reduction(reduction, "soft_margin_loss")
    F._same_shape(input, target, "soft_margin_loss")
    return F._reduce(F._softplus(-_t(target, input) * input), reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Multi-label one-versus-all logistic loss, PyTorch's ``F.multilabel_soft_margin_loss``.

    Per sample, the mean over the classes of ``-(y log sigmoid(x) + (1 - y) log
    sigmoid(-x))`` (times `weight` per class).

    Parameters
    ----------
    input : Tensor of shape (N, C), floating point
        Logits.
    target : Tensor of shape (N, C)
        0 or 1 per class.
    weight : Tensor of shape (C,), optional
        A weight per class. Default None.
    size_average : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduce : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d, or per sample (N,) for ``'none'``.

    Raises
    ------
    ValueError
        If the shapes differ or `reduction` is unknown.
    NotImplementedError
        If `size_average` or `reduce` is not None.
    """
    _no_legacy(size_average, reduce, "multilabel_soft_margin_loss")
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    F._same_shape(input, target, "multilabel_soft_margin_loss")
    y = _t(target, input)
    loss = -(y * -F._softplus(-input) + (1.0 - y) * -F._softplus(input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(dim=-1) / float(input.shape[-1]) if input.ndim else loss
    return F._reduce(loss, reduction, "multilabel_soft_margin_loss")


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss, PyTorch's ``F.multilabel_margin_loss``.

    Per sample, the sum over listed classes ``j`` and unlisted classes ``i`` of ``max(0, 1 -
    (x[j] - x[i]))``, divided by C.

    Parameters
    ----------
    input : Tensor of shape (N, C) or (C,), floating point
        Scores.
    target : Tensor of the shape of `input`, integer dtype
        Each row lists the sample's classes, ended by the first -1 (entries after it are
        ignored).
    size_average : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduce : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d, or per sample (N,) or () for ``'none'``.

    Raises
    ------
    ValueError
        If the shapes do not match or `reduction` is unknown.
    TypeError
        If `target` is not an integer tensor.
    IndexError
        If a listed class is out of range.
    NotImplementedError
        If `size_average` or `reduce` is not None.
    """
    _no_legacy(size_average, reduce, "multilabel_margin_loss")
    _check_reduction(reduction, "multilabel_margin_loss")
    if input.ndim not in (1, 2) or tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"multilabel_margin_loss: expected input (N, C) or (C,) and a target of "
                         f"the same shape, got {tuple(input.shape)} and {tuple(target.shape)}")
    x = input if input.ndim == 2 else input.reshape(1, -1)
    t = _data(target).reshape(x.shape)
    if t.dtype.kind not in "iu":
        raise TypeError(f"multilabel_margin_loss: target must hold integer class indices, got "
                        f"{t.dtype}")
    n, c = x.shape
    listed = np.zeros((n, c), dtype=bool)
    for r in range(n):
        for j in t[r]:
            if j < 0:
                break
            if j >= c:
                raise IndexError(f"multilabel_margin_loss: target class {j} is out of range "
                                 f"for {c} classes")
            listed[r, j] = True
    # pairs (j listed, i unlisted): hinge on x[j] - x[i]
    target = target if isinstance(target, Tensor) else ag.tensor(t)
    pairs = _listed_pairs((target,), (n, c), x.dtype)                        # (N, j, i)
    h = ag.clamp(1.0 - (x.unsqueeze(2) - x.unsqueeze(1)), min=0.0)
    loss = (h * pairs).sum(dim=(1, 2)) / float(c)
    if input.ndim == 1:
        loss = loss.reshape(())
    return F._reduce(loss, reduction, "multilabel_margin_loss")


def _listed_pairs_forward(t, shape, dtype):
    """(N, C, C): 1 at (r, j, i) where class j is listed in row r's targets (up to the first
    negative entry) and class i is not."""
    t = t.reshape(shape)
    n, c = shape
    listed = np.zeros((n, c), dtype=bool)
    for r in range(n):
        for j in t[r]:
            if j < 0:
                break
            listed[r, j] = True
    return (listed[:, :, None] & ~listed[:, None, :]).astype(dtype)


# from the targets by a (non-differentiable) primitive: a captured step computes the pairs
# of each call's targets
_listed_pairs = data_op("multilabel_pairs", _listed_pairs_forward,
                        "1 at (row, listed class, unlisted class), else 0 (no gradient)")


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Negative log-likelihood of `target` under a Poisson distribution, PyTorch's
    ``F.poisson_nll_loss``.

    ``exp(input) - target * input`` with `log_input` (`input` is the log rate), else
    ``input - target * log(input + eps)``.

    Parameters
    ----------
    input : Tensor
        Log rates (or rates), any shape, floating point.
    target : Tensor or array_like
        Counts, same shape as `input`.
    log_input : bool, optional
        Whether `input` holds log rates. Default True.
    full : bool, optional
        Add Stirling's approximation of ``log(target!)``, ``target log target - target +
        log(2 pi target) / 2``, where target > 1. Default False.
    size_average : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    eps : float, optional
        Added to the rate inside the log when `log_input` is False. Default 1e-8.
    reduce : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d, or the shape of `input` for ``'none'``.

    Raises
    ------
    ValueError
        If `reduction` is unknown.
    NotImplementedError
        If `size_average` or `reduce` is not None.

    Notes
    -----
    The target gradient is finite everywhere (PyTorch's is NaN at target = 0 with `full`).
    """
    _no_legacy(size_average, reduce, "poisson_nll_loss")
    _check_reduction(reduction, "poisson_nll_loss")
    target = _t(target, input)
    if log_input:
        loss = ag.exp(input) - target * input
    else:
        loss = input - target * ag.log(input + eps)
    if full:
        big = _masks.greater((target,), 1)
        safe = ag.where(big, target, 1.0)
        stirling = safe * ag.log(safe) - safe + 0.5 * ag.log(safe * (2 * math.pi))
        loss = loss + ag.where(big, stirling, 0.0)
    return F._reduce(loss, reduction, "poisson_nll_loss")


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood, PyTorch's ``F.gaussian_nll_loss``.

    ``(log(var) + (input - target)^2 / var) / 2`` elementwise.

    Parameters
    ----------
    input : Tensor of shape (N, ...), floating point
        Predicted means.
    target : Tensor or array_like
        The shape of `input`.
    var : Tensor or array_like
        Positive variances: the shape of `input`, or with one dim less, or with a last dim of
        1 (one variance per sample).
    full : bool, optional
        Add the constant ``log(2 pi) / 2``. Default False.
    eps : float, optional
        Variances are clamped at `eps` WITHOUT changing their gradient (PyTorch clamps them
        under no_grad). Default 1e-6.
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d, or the shape of `input` for ``'none'``.

    Raises
    ------
    ValueError
        If `var` has negative entries or a shape that does not fit, or `reduction` is unknown.
    """
    _check_reduction(reduction, "gaussian_nll_loss")
    target = _t(target, input)
    var = _t(var, input)
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError(f"gaussian_nll_loss: var of shape {tuple(var.shape)} does not fit "
                             f"input {tuple(input.shape)}")
    if np.any(var._data < 0):
        raise ValueError("gaussian_nll_loss: var has negative entries")
    shift = _masks.clamp_shift((var,), eps)
    var = var + shift if capturing() or shift._data.any() else var
    loss = 0.5 * (ag.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return F._reduce(loss, reduction, "gaussian_nll_loss")


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """Hinge embedding loss, PyTorch's ``F.hinge_embedding_loss``.

    ``x`` where target = 1, ``max(0, margin - x)`` where target = -1, elementwise (other
    targets add both terms, as PyTorch's formula does).

    Parameters
    ----------
    input : Tensor
        Typically distances, any shape, floating point.
    target : Tensor or array_like
        1 or -1, same shape as `input`.
    margin : float, optional
        Default 1.0.
    size_average : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduce : None, optional
        PyTorch's deprecated argument; only None is accepted (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        ``'mean'``: the mean of the losses; ``'sum'``: their sum; ``'none'``: unreduced.
        Default ``'mean'``.

    Returns
    -------
    Tensor
        0-d, or the shape of `input` for ``'none'``.

    Raises
    ------
    ValueError
        If `reduction` is unknown.
    NotImplementedError
        If `size_average` or `reduce` is not None.
    """
    _no_legacy(size_average, reduce, "hinge_embedding_loss")
    _check_reduction(reduction, "hinge_embedding_loss")
    loss = ag.where(_masks.of(target, _masks.not_equal, 1), ag.clamp(margin - input, min=0.0),
                    0.0) + ag.where(_masks.of(target, _masks.not_equal, -1), input, 0.0)
    return F._reduce(loss, reduction, "hinge_embedding_loss")
