"""Loss modules; `reduction` is 'mean' (default), 'sum' or 'none' everywhere."""
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class `weight`, kept as a buffer (as in PyTorch)."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error: ``(input - target) ** 2``, reduced.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.

    Shape
    -----
    - Input: any shape, floating.
    - Target: same shape as the input.
    - Output: a 0-d tensor, or the input's shape with ``reduction='none'``.

    Raises
    ------
    ValueError
        The input and target shapes differ (PyTorch broadcasts them with a warning).
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: ``abs(input - target)``, reduced.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.

    Shape
    -----
    - Input: (*), any shape, floating.
    - Target: (*), same shape as the input.
    - Output: a 0-d tensor, or (*) with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.
    """

    def forward(self, input, target):
        return F.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """Huber loss of ``d = input - target``: quadratic for ``abs(d) < delta``, linear (slope
    `delta`) beyond.

    Elementwise ``0.5 * d**2`` where ``abs(d) < delta``, ``delta * (abs(d) - 0.5 * delta)``
    otherwise; then reduced.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.
    delta : float, optional
        Where the loss turns from quadratic to linear; positive. Default 1.0.

    Shape
    -----
    - Input: (*), any shape, floating.
    - Target: (*), same shape as the input.
    - Output: a 0-d tensor, or (*) with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """Smooth L1 loss of ``d = input - target``: ``0.5 * d**2 / beta`` for ``abs(d) < beta``,
    ``abs(d) - 0.5 * beta`` beyond; then reduced.

    Parameters
    ----------
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.
    beta : float, optional
        Where the loss turns from quadratic to linear; non-negative (0 gives the L1 loss).
        Default 1.0.

    Shape
    -----
    - Input: (*), any shape, floating.
    - Target: (*), same shape as the input.
    - Output: a 0-d tensor, or (*) with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.
    """

    def __init__(self, reduction="mean", beta=1.0):
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, self.reduction, self.beta)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy between the softmax of class scores (logits) and the targets.

    For class-index targets, the loss of a sample is ``-log(softmax(input)[target])``,
    computed stably as ``logsumexp(input) - input[target]``; see ``F.cross_entropy``.

    Parameters
    ----------
    weight : Tensor of shape (C,), optional
        A rescaling weight per class (kept as a buffer).
    ignore_index : int, optional
        Class-index targets equal to it contribute nothing (nor to the mean's divisor).
        Default -100.
    reduction : {'mean', 'sum', 'none'}, optional
        'mean' averages over the samples (weighted by `weight`), 'sum' adds, 'none' returns
        one loss per sample. Default 'mean'.
    label_smoothing : float, optional
        In [0, 1]: mix the targets with the uniform distribution over the C classes. Default 0.

    Shape
    -----
    - Input: (N, C), (C,) or (N, C, d1, d2, ...): unnormalized scores, floating.
    - Target: class indices (N,), () or (N, d1, d2, ...), int64, each in [0, C); or class
      probabilities of the same shape as the input, floating.
    - Output: a 0-d tensor, or the target's shape (without C) with ``reduction='none'``.

    Examples
    --------
    >>> from glassgrad import nn
    >>> loss_fn = nn.CrossEntropyLoss()
    >>> logits = gg.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, 0.0]], requires_grad=True)
    >>> loss = loss_fn(logits, gg.tensor([0, 2]))
    >>> round(loss.item(), 4)                  # mean of -log(0.7870) and -log(1/3)
    0.6691
    >>> loss.backward()
    >>> logits.grad.shape
    (2, 3)
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                               self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of log-probabilities at class indices; see
    ``nn.functional.nll_loss``.

    The loss of a sample is ``-weight[target] * input[target]``; usually the input comes from
    ``LogSoftmax`` (``CrossEntropyLoss`` combines the two).

    Parameters
    ----------
    weight : Tensor of shape (C,), optional
        A rescaling weight per class (kept as a buffer). Default None (all ones).
    ignore_index : int, optional
        Targets equal to it contribute nothing (nor to the mean's divisor). Default -100.
    reduction : {'mean', 'sum', 'none'}, optional
        'mean' is the weighted mean over the samples (divided by the sum of the targets'
        weights), 'sum' adds, 'none' returns one loss per sample. Default 'mean'.

    Shape
    -----
    - Input: (N, C), (C,) or (N, C, d1, d2, ...): log-probabilities, floating.
    - Target: (N,), () or (N, d1, d2, ...): class indices, int64, each in [0, C).
    - Output: a 0-d tensor, or the target's shape with ``reduction='none'``.

    Attributes
    ----------
    weight : Tensor of shape (C,) or None
        The class weights (a buffer, saved in ``state_dict``).

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy of probabilities: ``-(target * log(input) + (1 - target) *
    log(1 - input))``, times `weight`, reduced.

    The logs are clamped at -100, as in PyTorch, so a probability of exactly 0 or 1 gives a
    finite loss. Prefer ``BCEWithLogitsLoss`` on logits (more stable).

    Parameters
    ----------
    weight : Tensor, optional
        A rescaling weight broadcast to the input's shape (kept as a buffer). Default None.
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.

    Shape
    -----
    - Input: (*), any shape, probabilities in [0, 1], floating.
    - Target: (*), same shape as the input.
    - Output: a 0-d tensor, or (*) with ``reduction='none'``.

    Attributes
    ----------
    weight : Tensor or None
        The rescaling weight (a buffer, saved in ``state_dict``).

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid followed by binary cross-entropy, computed stably from logits.

    The loss of an element is ``-(pos_weight * target * log(sigmoid(x)) + (1 - target) *
    log(1 - sigmoid(x)))`` times `weight`, with the logs computed through softplus so that
    large logits do not overflow; then reduced.

    Parameters
    ----------
    weight : Tensor, optional
        A rescaling weight broadcast to the input's shape (kept as a buffer). Default None.
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.
    pos_weight : Tensor, optional
        Scales the positive term; broadcast against the target along the last (class)
        dimension, one entry per class (kept as a buffer). Default None.

    Shape
    -----
    - Input: (*), any shape, logits, floating.
    - Target: (*), same shape as the input, in [0, 1].
    - Output: a 0-d tensor, or (*) with ``reduction='none'``.

    Attributes
    ----------
    weight : Tensor or None
        The rescaling weight (a buffer).
    pos_weight : Tensor or None
        The positive-term weight (a buffer).

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                  self.pos_weight)


class MultiMarginLoss(_WeightedLoss):
    """Multiclass hinge loss: per sample ``sum over i != y of max(0, margin - x[y] + x[i])**p / C``,
    reduced; see ``nn.functional.multi_margin_loss``.

    p=1 is the multiclass SVM loss (divided by C, as in PyTorch), p=2 the squared hinge.

    Parameters
    ----------
    p : {1, 2}, optional
        The exponent of the hinge. Default 1.
    margin : float, optional
        The margin. Default 1.0.
    weight : Tensor of shape (C,), optional
        A weight per class, applied to each sample's hinge terms by its target class (kept as a
        buffer). Default None.
    reduction : {'mean', 'sum', 'none'}, optional
        Average over the samples, add them up, or return one loss per sample. Default 'mean'.

    Shape
    -----
    - Input: (N, C) or (C,): scores, floating.
    - Target: (N,) or (): class indices, int64, each in [0, C).
    - Output: a 0-d tensor, or (N,) or () with ``reduction='none'``.

    Attributes
    ----------
    weight : Tensor of shape (C,) or None
        The class weights (a buffer).

    Raises
    ------
    ValueError
        `p` is neither 1 nor 2, or `reduction` is not one of the allowed values.
    """

    def __init__(self, p=1, margin=1.0, weight=None, reduction="mean"):
        super().__init__(weight, reduction)
        if p not in (1, 2):
            raise ValueError(f"MultiMarginLoss: only p=1 and p=2 are supported, got {p}")
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, self.p, self.margin, self.weight,
                                   self.reduction)


# ----- more losses (functional forms in nn.functional_loss) ---------------------------------


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of the target distribution from log-probability inputs.

    Elementwise ``target * (log(target) - input)``, or with ``log_target=True`` (the target
    holds log-probabilities too) ``exp(target) * (target - input)``; then reduced; see
    ``nn.functional.kl_div``. A zero target contributes 0 (the convention 0 log 0 = 0).

    Parameters
    ----------
    size_average : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduce : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduction : {'mean', 'sum', 'none', 'batchmean'}, optional
        'batchmean' divides the sum by the batch size ``input.shape[0]`` (the mathematically
        correct KL divergence); 'mean' divides by the number of elements, as PyTorch does.
        Default 'mean'.
    log_target : bool, optional
        Read the target as log-probabilities. Default False.

    Shape
    -----
    - Input: (*), any shape, log-probabilities, floating.
    - Target: (*), same shape as the input.
    - Output: a 0-d tensor, or (*) with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.

    Notes
    -----
    PyTorch lets the deprecated `size_average` and `reduce` override `reduction`; glassgrad
    accepts them in the signature and ignores them.

    At a zero target the target gradient leaves out the (infinite) derivative of 0 log 0,
    where PyTorch gives NaN.
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        Module.__init__(self)
        if reduction not in ("mean", "sum", "none", "batchmean"):
            raise ValueError(f"KLDivLoss: reduction must be 'mean', 'sum', 'none' or "
                             f"'batchmean', got {reduction!r}")
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """Cosine embedding loss: ``1 - cos(x1, x2)`` where the target is 1 (pull together),
    ``max(0, cos(x1, x2) - margin)`` where it is -1 (push apart); then reduced.

    Parameters
    ----------
    margin : float, optional
        In [-1, 1]; 0 to 0.5 is typical. Default 0.0.
    size_average : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduce : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        Average over the samples, add them up, or return one loss per sample. Default 'mean'.

    Shape
    -----
    - Input1: (N, D) or (D,), floating.
    - Input2: same shape as Input1.
    - Target: (N,) or (), entries 1 or -1.
    - Output: a 0-d tensor, or (N,) or () with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values; at call time, inputs of different shapes
        or of more than 2 dimensions.

    Notes
    -----
    PyTorch lets the deprecated `size_average` and `reduce` override `reduction`; glassgrad
    accepts them in the signature and ignores them.
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, self.margin,
                                       reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet margin loss: ``max(d(a, p) - d(a, n) + margin, 0)`` with the p-norm distance
    ``d`` (``nn.functional.pairwise_distance``), reduced.

    Parameters
    ----------
    margin : float, optional
        The margin. Default 1.0.
    p : float, optional
        The norm's degree. Default 2.0.
    eps : float, optional
        Added to the differences to keep the norm's gradient finite. Default 1e-6.
    swap : bool, optional
        Use ``min(d(a, n), d(p, n))`` as the negative distance (the distance swap). Default
        False.
    size_average : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduce : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        Average over the samples, add them up, or return one loss per sample. Default 'mean'.

    Shape
    -----
    - Anchor, positive, negative: (N, D) or (D,), floating.
    - Output: a 0-d tensor, or (N,) with ``reduction='none'`` and 2-d inputs.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.

    Notes
    -----
    PyTorch lets the deprecated `size_average` and `reduce` override `reduction`; glassgrad
    accepts them in the signature and ignores them.
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None, reduce=None,
                 reduction="mean"):
        super().__init__(reduction)
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                     self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet margin loss with any distance: ``max(d(a, p) - d(a, n) + margin, 0)``, reduced.

    Parameters
    ----------
    distance_function : callable, optional
        ``d(x1, x2)`` returning one distance per sample; None means
        ``nn.functional.pairwise_distance``. Default None.
    margin : float, optional
        The margin; positive. Default 1.0.
    swap : bool, optional
        Use ``min(d(a, n), d(p, n))`` as the negative distance. Default False.
    reduction : {'mean', 'sum', 'none'}, optional
        Average over the samples, add them up, or return one loss per sample. Default 'mean'.

    Shape
    -----
    - Anchor, positive, negative: ``(N, *)``, any shape the distance function accepts.
    - Output: a 0-d tensor, or (N,) with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values; at call time, a non-positive `margin`.
    """

    def __init__(self, *, distance_function=None, margin=1.0, swap=False, reduction="mean"):
        super().__init__(reduction)
        self.distance_function, self.margin, self.swap = distance_function, margin, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """Margin ranking loss: ``max(0, -target * (x1 - x2) + margin)``, reduced (target 1: x1
    should rank higher; -1: x2 should).

    Parameters
    ----------
    margin : float, optional
        The margin. Default 0.0.
    size_average : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduce : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        Average over the samples, add them up, or return one loss per sample. Default 'mean'.

    Shape
    -----
    - Input1: (N,) or (), floating.
    - Input2: same shape as Input1.
    - Target: same shape as the inputs, entries 1 or -1.
    - Output: a 0-d tensor, or the inputs' shape with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.

    Notes
    -----
    PyTorch lets the deprecated `size_average` and `reduce` override `reduction`; glassgrad
    accepts them in the signature and ignores them.
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class SoftMarginLoss(_Loss):
    """Logistic loss for targets +1 and -1: ``log(1 + exp(-target * input))``, computed stably
    (as softplus), reduced.

    Parameters
    ----------
    size_average : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduce : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.

    Shape
    -----
    - Input: (*), any shape, floating.
    - Target: (*), same shape as the input, entries 1 or -1.
    - Output: a 0-d tensor, or (*) with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.

    Notes
    -----
    PyTorch lets the deprecated `size_average` and `reduce` override `reduction`; glassgrad
    accepts them in the signature and ignores them.
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__(reduction)

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-label hinge loss over class-index targets ended by -1.

    Per sample, the sum over the listed classes j and the unlisted classes i of
    ``max(0, 1 - (x[j] - x[i]))``, divided by C; then reduced.

    Parameters
    ----------
    size_average : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduce : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        Average over the samples, add them up, or return one loss per sample. Default 'mean'.

    Shape
    -----
    - Input: (N, C) or (C,): scores, floating.
    - Target: same shape as the input, integer: each row lists the sample's classes, ended
      by the first -1 (entries after it are ignored).
    - Output: a 0-d tensor, or (N,) or () with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values; at call time, mismatched shapes.
    TypeError
        At call time, a non-integer target.
    IndexError
        At call time, a target class out of range.

    Notes
    -----
    PyTorch lets the deprecated `size_average` and `reduce` override `reduction`; glassgrad
    accepts them in the signature and ignores them.
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__(reduction)

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Per-class logistic loss averaged over the classes, for 0/1 multi-label targets.

    Per sample, the class mean of ``-(y * log(sigmoid(x)) + (1 - y) * log(sigmoid(-x)))``
    (times `weight` per class); then reduced.

    Parameters
    ----------
    weight : Tensor of shape (C,), optional
        A weight per class (kept as a buffer). Default None.
    size_average : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduce : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        Average over the samples, add them up, or return one loss per sample. Default 'mean'.

    Shape
    -----
    - Input: (N, C): scores, floating.
    - Target: (N, C): 0 or 1.
    - Output: a 0-d tensor, or (N,) with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.

    Notes
    -----
    PyTorch lets the deprecated `size_average` and `reduce` override `reduction`; glassgrad
    accepts them in the signature and ignores them.
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(weight, reduction)

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, self.weight,
                                             reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Negative log-likelihood of the target under a Poisson distribution.

    With ``log_input=True`` the input is the log rate and the loss is
    ``exp(input) - target * input``; otherwise the input is the rate and the loss is
    ``input - target * log(input + eps)``; then reduced.

    Parameters
    ----------
    log_input : bool, optional
        The input is the log of the rate. Default True.
    full : bool, optional
        Add Stirling's approximation of ``log(target!)``, ``target * log(target) - target +
        log(2 * pi * target) / 2``, where the target is above 1. Default False.
    size_average : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    eps : float, optional
        Keeps the log finite when ``log_input=False``. Default 1e-8.
    reduce : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.

    Shape
    -----
    - Input: (*), any shape, floating.
    - Target: (*), same shape as the input, counts.
    - Output: a 0-d tensor, or (*) with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.

    Notes
    -----
    PyTorch lets the deprecated `size_average` and `reduce` override `reduction`; glassgrad
    accepts them in the signature and ignores them.

    The target gradient is finite everywhere (PyTorch's is NaN at target 0 with
    ``full=True``).
    """

    def __init__(self, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                 reduction="mean"):
        super().__init__(reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, self.log_input, self.full, eps=self.eps,
                                  reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood: ``(log(var) + (input - target)**2 / var) / 2``, reduced.

    Called as ``loss(input, target, var)`` with predicted means `input` and positive variances
    `var`.

    Parameters
    ----------
    full : bool, optional
        Add the constant ``log(2 * pi) / 2``. Default False.
    eps : float, optional
        The variances are clamped at `eps` for stability. Default 1e-6.
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.

    Shape
    -----
    - Input: ``(N, *)``: the predicted means, floating.
    - Target: same shape as the input.
    - Var: the input's shape, or with one dimension less, or with a last dimension of 1 (one
      variance per sample); positive.
    - Output: a 0-d tensor, or the input's shape with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values; at call time, negative variances or a
        `var` shape that does not fit.

    Notes
    -----
    The clamp at `eps` leaves the variances' gradient unchanged (PyTorch clamps them
    without recording the clamp, with the same effect).
    """

    def __init__(self, *, full=False, eps=1e-6, reduction="mean"):
        super().__init__(reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class HingeEmbeddingLoss(_Loss):
    """Hinge embedding loss: ``x`` where the target is 1, ``max(0, margin - x)`` where it is
    -1 (other targets add both terms, as PyTorch's formula does); then reduced.

    Parameters
    ----------
    margin : float, optional
        The margin. Default 1.0.
    size_average : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduce : None
        PyTorch's deprecated argument; accepted and ignored (use `reduction`).
    reduction : {'mean', 'sum', 'none'}, optional
        Average over all elements, add them up, or return them elementwise. Default 'mean'.

    Shape
    -----
    - Input: (*), any shape, floating.
    - Target: (*), same shape as the input, entries 1 or -1.
    - Output: a 0-d tensor, or (*) with ``reduction='none'``.

    Raises
    ------
    ValueError
        `reduction` is not one of the allowed values.

    Notes
    -----
    PyTorch lets the deprecated `size_average` and `reduce` override `reduction`; glassgrad
    accepts them in the signature and ignores them.
    """

    def __init__(self, margin=1.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, self.margin, reduction=self.reduction)
