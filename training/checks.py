"""The sanity checks to run before a long training run (as recommended, e.g.,
in the "Learning" notes of Stanford's CS231n course).

Each check returns a result object: `.passed` (also its truth value), the numbers it measured,
and a readable `str()`:

    check_initial_loss(model, nn.CrossEntropyLoss(), X, y)   # loss at chance: ln C?
    check_regularization(model, loss_fn, X, y)                # more regularization, more loss?
    check_overfit(model, loss_fn, X, y)                       # can it memorise 20 examples?
    check_gradients(model, loss_fn, X[:4], y[:4])             # backprop vs finite differences

`loss_fn(output, target)` is the data loss alone (regularization off), e.g. an nn loss module.
The checks leave the model's parameters and training mode as they found them (the overfit
and gradient checks work on copies), and glassgrad's global random state too.
"""
import copy
import math
from dataclasses import dataclass, field

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd import random as _random
from glassgrad.autograd.tensor import Tensor


# ----- helpers ---------------------------------------------------------------------------


def _inputs(X):
    return X if isinstance(X, Tensor) else ag.tensor(np.asarray(X))


def _targets(y):
    if isinstance(y, Tensor):
        return y
    y = np.asarray(y)
    return ag.tensor(y.astype(np.int64) if y.dtype.kind in "iu" else y)


class _Mode:
    """Context manager: put a module in train/eval mode and restore every submodule's mode."""

    def __init__(self, model, training):
        self.model, self.training = model, training

    def __enter__(self):
        self.saved = [(m, m.training) for m in self.model.modules()] \
            if hasattr(self.model, "modules") else []
        if hasattr(self.model, "train"):
            self.model.train(self.training)
        return self.model

    def __exit__(self, *exc):
        for m, mode in self.saved:
            m.training = mode
        return False


def _private_copy(model):
    """A deep copy without the original's forward hooks: observers such as a Monitor watch
    the user's model, not the checks' copies."""
    net = copy.deepcopy(model)
    for m in net.modules():
        for hooks in ("_forward_hooks", "_forward_pre_hooks"):
            if isinstance(getattr(m, hooks, None), dict):
                getattr(m, hooks).clear()
    return net


class _KeepRandomState:
    """Context manager: glassgrad's global generator is restored on exit."""

    def __enter__(self):
        self.state = _random.get_rng_state()

    def __exit__(self, *exc):
        _random.set_rng_state(self.state)
        return False


def _is_classification(out, y):
    return out.ndim == 2 and y.ndim == 1 and y.dtype.kind in "iu"


def _accuracy(out, y):
    return float((out.numpy().argmax(axis=1) == y.numpy()).mean())


def _verdict(passed):
    return "PASSED" if passed else "FAILED"


# ----- initial loss ----------------------------------------------------------------------


def expected_initial_loss(loss_fn, num_classes):
    """The loss of a classifier whose scores are all (near) zero, i.e. at chance.

    A freshly initialized classifier should not prefer any class, so its loss is known in
    advance: with C classes and equal probabilities 1/C, the softmax cross-entropy is
    ln C. A very different initial loss points to a bad initialization or a wrong loss.

    Parameters
    ----------
    loss_fn : nn.Module or str
        A loss module (CrossEntropyLoss / NLLLoss: ln C; MultiMarginLoss: PyTorch's
        (C - 1) * margin**p / C, since it divides by C; BCEWithLogitsLoss: ln 2) or one of
        the strings "softmax" (or "cross_entropy": ln C), "svm" (the multiclass SVM loss,
        summed over the C - 1 wrong classes with margin 1: C - 1) and "squared_svm" (also
        C - 1).
    num_classes : int
        The number of classes C.

    Returns
    -------
    loss : float
        The loss at chance.
    formula : str
        How it was computed, e.g. ``'ln(10)'``.

    Raises
    ------
    ValueError
        If there is no rule for `loss_fn`.

    Examples
    --------
    >>> from glassgrad import nn
    >>> from glassgrad.training import expected_initial_loss
    >>> loss, formula = expected_initial_loss(nn.CrossEntropyLoss(), 10)
    >>> round(loss, 4), formula
    (2.3026, 'ln(10)')
    """
    C = int(num_classes)
    name = loss_fn if isinstance(loss_fn, str) else type(loss_fn).__name__
    if name in ("softmax", "CrossEntropyLoss", "NLLLoss", "cross_entropy"):
        return math.log(C), f"ln({C})"
    if name in ("svm", "squared_svm"):
        return float(C - 1), f"C - 1 = {C - 1}"
    if name == "MultiMarginLoss":
        margin = float(getattr(loss_fn, "margin", 1.0))
        p = int(getattr(loss_fn, "p", 1))
        return (C - 1) * margin ** p / C, f"(C - 1) * margin^{p} / C with C = {C}"
    if name == "BCEWithLogitsLoss":
        return math.log(2), "ln(2)"
    raise ValueError(f"expected_initial_loss: no rule for the loss {name!r}; pass expected= "
                     f"(the loss at chance) or kind='softmax' / 'svm'")


@dataclass
class InitialLossResult:
    """Initial loss against the value expected at chance."""
    passed: bool
    loss: float
    expected: float
    formula: str
    rtol: float
    num_classes: int

    @property
    def rel_diff(self):
        return abs(self.loss - self.expected) / abs(self.expected)

    def __bool__(self):
        return self.passed

    def __str__(self):
        text = (f"initial loss check {_verdict(self.passed)}: loss {self.loss:.4f}, expected "
                f"{self.formula} = {self.expected:.4f} at chance ({self.num_classes} classes): "
                f"off by {100 * self.rel_diff:.1f}% (tolerance {100 * self.rtol:.0f}%)")
        if not self.passed:
            text += (". Scores are not diffuse at initialization: check the init scale "
                     "(weights too large?), the loss, and that regularization is off"
                     if self.loss > self.expected else
                     ". The loss is lower than chance allows: a bug in the loss or leaked "
                     "labels?")
        return text


def check_initial_loss(model, loss_fn, X, y, kind=None, expected=None, rtol=0.1):
    """Compare the untrained model's data loss with the loss at chance.

    The loss on (X, y) is computed in eval mode without a graph, with regularization off,
    and compared with the loss at chance: ln C for softmax cross-entropy, C - 1 for the
    multiclass SVM (see :func:`expected_initial_loss`; `kind` or `expected` override the
    rule picked from `loss_fn`). The number of classes C is the last dim of the output (2
    for a 1-d output).

    Parameters
    ----------
    model : nn.Module
        The model to check, mapping `X` to scores (e.g. (N, C) class scores).
    loss_fn : callable
        ``loss_fn(output, target)`` returning the data loss alone (regularization off) as a
        one-element Tensor, e.g. an nn loss module.
    X : Tensor or array_like
        The inputs, shape (N, ...).
    y : Tensor or array_like
        The targets, shape (N,) of class indices (integer arrays become int64) or whatever
        `loss_fn` expects.
    kind : str, optional
        A rule name for :func:`expected_initial_loss` (``"softmax"``, ``"svm"``,
        ``"squared_svm"``) used instead of `loss_fn`'s.
    expected : float, optional
        The loss at chance, given directly.
    rtol : float, optional
        The relative tolerance. Default 0.1.

    Returns
    -------
    InitialLossResult
        ``passed`` (also its truth value) when the loss is finite and within `rtol` of the
        expected one; ``loss``, ``expected``, ``formula``, ``num_classes``; ``str()``
        explains a failure.

    Raises
    ------
    ValueError
        If no rule fits `loss_fn` and neither `kind` nor `expected` is given.
    """
    X, y = _inputs(X), _targets(y)
    with _Mode(model, False), ag.no_grad():
        out = model(X)
        loss = float(loss_fn(out, y).item())
    C = out.shape[-1] if out.ndim > 1 else 2
    if expected is None:
        expected, formula = expected_initial_loss(kind or loss_fn, C)
    else:
        formula = "the given value"
    passed = bool(np.isfinite(loss) and abs(loss - expected) <= rtol * abs(expected))
    return InitialLossResult(passed, loss, float(expected), formula, rtol, C)


# ----- regularization ------------------------------------------------------------------------


def l2_penalty(model):
    """0.5 * sum of squared weights, biases and normalization parameters excluded (the
    usual L2 term: parameters with at least 2 dims).

    Parameters
    ----------
    model : nn.Module
        The model whose weight matrices and filters are penalized.

    Returns
    -------
    Tensor
        A 0-d tensor, part of the graph (differentiable w.r.t. the weights).

    Raises
    ------
    ValueError
        If the model has no parameter with at least 2 dims.
    """
    terms = [(p * p).sum() for p in model.parameters() if p.ndim >= 2]
    if not terms:
        raise ValueError("l2_penalty: the model has no weight matrices to regularize")
    total = terms[0]
    for t in terms[1:]:
        total = total + t
    return 0.5 * total


@dataclass
class RegularizationResult:
    """Total loss (data + strength * penalty) for increasing regularization strengths."""
    passed: bool
    strengths: list
    losses: list

    def __bool__(self):
        return self.passed

    def __str__(self):
        pairs = ", ".join(f"{s:g}: {l:.4g}" for s, l in zip(self.strengths, self.losses))
        text = (f"regularization check {_verdict(self.passed)}: loss by strength {{{pairs}}}")
        if not self.passed:
            text += (": raising the strength did not raise the loss; the penalty is not "
                     "added, is zero at these weights, or has the wrong sign")
        return text


def check_regularization(model, loss_fn, X, y, reg_fn=l2_penalty,
                         strengths=(0.0, 1e-3, 1e-2, 1e-1, 1.0)):
    """Check that a stronger regularization gives a larger loss.

    Evaluates ``loss_fn(model(X), y) + s * reg_fn(model)`` for each strength s (eval mode,
    no graph) and passes when the loss strictly increases with s. A loss that does not grow
    means the penalty is not added, is zero at these weights, or has the wrong sign.

    Parameters
    ----------
    model : nn.Module
        The model to check, mapping `X` to scores (e.g. (N, C) class scores).
    loss_fn : callable
        ``loss_fn(output, target)`` returning the data loss alone (regularization off) as a
        one-element Tensor, e.g. an nn loss module.
    X : Tensor or array_like
        The inputs, shape (N, ...).
    y : Tensor or array_like
        The targets, shape (N,) of class indices (integer arrays become int64) or whatever
        `loss_fn` expects.
    reg_fn : callable, optional
        ``reg_fn(model)`` returning the penalty as a one-element Tensor. Default
        :func:`l2_penalty`.
    strengths : sequence of float, optional
        At least two strengths (sorted before use). Default (0, 1e-3, 1e-2, 1e-1, 1).

    Returns
    -------
    RegularizationResult
        ``passed`` (also its truth value), the sorted ``strengths`` and the ``losses``.

    Raises
    ------
    ValueError
        If fewer than two strengths are given.
    """
    X, y = _inputs(X), _targets(y)
    strengths = sorted(float(s) for s in strengths)
    if len(strengths) < 2:
        raise ValueError("check_regularization: give at least two strengths")
    losses = []
    with _Mode(model, False), ag.no_grad():
        data_loss = loss_fn(model(X), y)
        penalty = reg_fn(model)
        for s in strengths:
            losses.append(float((data_loss + s * penalty).item()))
    diffs = np.diff(losses)
    passed = bool(np.all(np.isfinite(losses)) and np.all(diffs > 0))
    return RegularizationResult(passed, strengths, losses)


# ----- overfit a tiny subset -----------------------------------------------------------------


@dataclass
class OverfitResult:
    """Training a copy of the model on a few examples until the loss is near zero."""
    passed: bool
    n_examples: int
    steps: int
    initial_loss: float
    final_loss: float
    target_loss: float
    accuracy: float = None
    losses: list = field(default_factory=list, repr=False)
    no_grad_params: list = field(default_factory=list)

    def __bool__(self):
        return self.passed

    def __str__(self):
        acc = "" if self.accuracy is None else f", training accuracy {100 * self.accuracy:.0f}%"
        text = (f"overfit check {_verdict(self.passed)}: {self.n_examples} examples, "
                f"{self.steps} steps, loss {self.initial_loss:.4g} -> {self.final_loss:.4g} "
                f"(target <= {self.target_loss:g}){acc}")
        if self.no_grad_params:
            text += ("; parameters that never received a gradient: "
                     + ", ".join(self.no_grad_params))
        if not self.passed:
            text += (". A model that cannot memorise a handful of examples has a bug (frozen "
                     "or disconnected layers, a zero learning rate, a broken loss) or too "
                     "little capacity")
        return text


def _default_optimizer(params):
    from glassgrad import optim
    return optim.Adam(params, lr=1e-2)


def check_overfit(model, loss_fn, X, y, n=20, optimizer=None, steps=1000, target_loss=0.01,
                  seed=0, copy_model=True):
    """Check that the model can memorise a few examples.

    Trains on `n` examples of (X, y) (a random subset drawn with `seed`), full batch,
    regularization off, and passes when the loss reaches `target_loss` (and, for
    classification, 100% training accuracy). A model that cannot memorise a handful of
    examples has a bug (frozen or disconnected layers, a zero learning rate, a broken loss)
    or too little capacity.

    `optimizer` is a function params -> optimizer (default Adam, lr 1e-2) applied to a deep
    copy of the model, so the model is untouched; or an optimizer instance, which then trains
    `model` itself in place.

    Training runs in eval mode (dropout off: it is regularization) with the global random
    state seeded by `seed` and restored afterwards, and stops once the target is reached.
    `no_grad_params` in the result names the parameters that never got a nonzero gradient
    (frozen or disconnected layers).

    Parameters
    ----------
    model : nn.Module
        The model to check, mapping `X` to scores (e.g. (N, C) class scores).
    loss_fn : callable
        ``loss_fn(output, target)`` returning the data loss alone (regularization off) as a
        one-element Tensor, e.g. an nn loss module.
    X : Tensor or array_like
        The inputs, shape (N, ...).
    y : Tensor or array_like
        The targets, shape (N,) of class indices (integer arrays become int64) or whatever
        `loss_fn` expects.
    n : int, optional
        How many examples to train on (all of them if there are fewer). Default 20.
    optimizer : callable or optim.Optimizer, optional
        A function ``params -> optimizer`` (default Adam with lr 1e-2), or an optimizer
        instance, which trains `model` itself in place.
    steps : int, optional
        The largest number of optimizer steps. Default 1000.
    target_loss : float, optional
        The loss to reach. Default 0.01.
    seed : int, optional
        Seeds the choice of the subset and the global random state during training.
        Default 0.
    copy_model : bool, optional
        Train a deep copy (without the model's forward hooks), leaving the model untouched.
        False trains `model` itself. Default True.

    Returns
    -------
    OverfitResult
        ``passed`` (also its truth value), ``n_examples``, ``steps`` taken,
        ``initial_loss``, ``final_loss``, ``target_loss``, the training ``accuracy`` (None
        when not a classification), the ``losses`` per step and ``no_grad_params``.
    """
    X, y = _inputs(X), _targets(y)
    if n < len(y):
        picks = np.sort(np.random.default_rng(seed).choice(len(y), n, replace=False))
        X, y = X[picks], y[picks]
    in_place = hasattr(optimizer, "param_groups")
    net = model if (in_place or not copy_model) else _private_copy(model)
    if in_place:
        opt = optimizer
    else:
        trainable = [p for p in net.parameters() if p.requires_grad]
        opt = (optimizer or _default_optimizer)(trainable)
    losses, got_grad = [], set()
    named = list(net.named_parameters())
    with _KeepRandomState(), _Mode(net, False):
        ag.manual_seed(seed)
        for step in range(steps + 1):
            opt.zero_grad()
            out = net(X)
            loss = loss_fn(out, y)
            value = float(loss.item())
            losses.append(value)
            if not np.isfinite(value) or value <= target_loss or step == steps:
                break
            loss.backward()
            for name, p in named:
                if p.grad is not None and np.any(p.grad.numpy() != 0):
                    got_grad.add(name)
            opt.step()
        accuracy = _accuracy(out, y) if _is_classification(out, y) else None
    final = losses[-1]
    passed = bool(np.isfinite(final) and final <= target_loss
                  and (accuracy is None or accuracy == 1.0))
    no_grad = [name for name, _ in named if name not in got_grad] if len(losses) > 1 else []
    return OverfitResult(passed, len(y), len(losses) - 1, losses[0], final, target_loss,
                         accuracy, losses, no_grad)


# ----- gradient check ------------------------------------------------------------------------


GRADCHECK_THRESHOLDS = ((1e-7, "happy"), (1e-4, "okay for objectives with kinks, too high "
                                                  "without"),
                        (1e-2, "uncomfortable"), (math.inf, "probably wrong"))


def describe_relative_error(rel):
    """Put a relative error between analytic and numeric gradients into words (e.g. "above
    1e-2: the gradient is probably wrong"), on the usual scale of gradient checking."""
    for bound, words in GRADCHECK_THRESHOLDS:
        if rel < bound:
            return words
    return "probably wrong"


@dataclass
class GradientEntry:
    """One checked entry of one parameter."""
    param: str
    index: tuple
    analytic: float
    numeric: float
    rel_error: float
    kink: bool = False


@dataclass
class GradientCheckResult:
    """Analytic (backprop) against centered-difference gradients of the loss w.r.t. the
    parameters, on a float64 copy of the model."""
    passed: bool
    max_rel_error: float
    threshold: float
    n_checked: int
    per_param: dict
    worst: GradientEntry = None
    kinks: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    loss: float = None            # the loss at the point where the gradients were checked

    def __bool__(self):
        return self.passed

    def __str__(self):
        reading = describe_relative_error(self.max_rel_error)
        lines = [f"gradient check {_verdict(self.passed)}: {self.n_checked} entries, max "
                 f"relative error {self.max_rel_error:.2e} ({reading}; threshold "
                 f"{self.threshold:.0e}), {len(self.kinks)} kinks skipped"]
        for name, err in self.per_param.items():
            lines.append(f"  {name:<24} max relative error {err:.2e}")
        for e in self.failures[:5]:
            lines.append(f"  mismatch {e.param}{list(e.index)}: analytic {e.analytic:.8g}, "
                         f"numeric {e.numeric:.8g}, relative error {e.rel_error:.2e}")
        return "\n".join(lines)


def check_gradients(model, loss_fn, X, y, eps=1e-6, threshold=1e-4, max_per_param=20,
                    seed=0, train_mode=False, floor=1e-5, burn_in=0, burn_in_lr=1e-2):
    """Gradient check of a whole model on a few examples with centered finite differences.

    A float64 deep copy of the model computes loss_fn(model(X), y) (use 2-5 examples). For
    up to `max_per_param` entries of every trainable parameter (picked at random with
    `seed`; all entries of small parameters) the backprop gradient is compared with the
    centered difference (f(w + eps) - f(w - eps)) / 2 eps. The relative error is
    ``abs(a - n) / max(abs(a), abs(n), floor)`` (the floor keeps round-off on near-zero gradients from
    counting as errors). Entries where the one-sided slopes disagree by more than 10%
    straddle a kink (relu, max, hinge) and are reported, not judged. Passes when the largest
    remaining relative error is below `threshold` (1e-4 by default; see
    describe_relative_error for how to read the error).

    train_mode=False runs the copy in eval mode (dropout off); True keeps training mode and
    reseeds the global generator before every evaluation so dropout draws the same mask.
    burn_in: full-batch SGD steps (learning rate burn_in_lr) on the copy before checking,
    so that the check runs in a characteristic mode of operation rather than at the
    initialization, where pathological cases can hide a wrong gradient.

    Parameters
    ----------
    model : nn.Module
        The model to check, mapping `X` to scores (e.g. (N, C) class scores).
    loss_fn : callable
        ``loss_fn(output, target)`` returning the data loss alone (regularization off) as a
        one-element Tensor, e.g. an nn loss module.
    X : Tensor or array_like
        The inputs, shape (N, ...).
    y : Tensor or array_like
        The targets, shape (N,) of class indices (integer arrays become int64) or whatever
        `loss_fn` expects.
    eps : float, optional
        The finite-difference step. Default 1e-6.
    threshold : float, optional
        The largest relative error that passes. Default 1e-4.
    max_per_param : int, optional
        How many entries of each parameter to check at most. Default 20.
    seed : int, optional
        Seeds the choice of the entries (and the dropout masks with ``train_mode=True``).
        Default 0.
    train_mode : bool, optional
        Run the copy in training mode (see above). Default False.
    floor : float, optional
        The smallest denominator of the relative error. Default 1e-5.
    burn_in : int, optional
        Full-batch gradient descent steps on the copy before checking. Default 0.
    burn_in_lr : float, optional
        Their learning rate. Default 1e-2.

    Returns
    -------
    GradientCheckResult
        ``passed`` (also its truth value), ``max_rel_error``, ``threshold``,
        ``n_checked``, ``per_param`` (largest relative error per parameter), the ``worst``
        entry, the ``kinks`` and ``failures`` (entries), and the ``loss`` at the checked
        point.

    Raises
    ------
    ValueError
        If the model has no trainable parameters.
    """
    X = _inputs(X)
    y = _targets(y)
    if X.dtype.kind == "f":
        X = X.to(ag.float64)
    if y.dtype.kind == "f":
        y = y.to(ag.float64)
    net = _private_copy(model).double()
    named = [(n, p) for n, p in net.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError("check_gradients: the model has no trainable parameters")
    picker = np.random.default_rng(seed)

    def evaluate(grad):
        if train_mode:
            ag.manual_seed(seed)
        if grad:
            net.zero_grad()
            loss = loss_fn(net(X), y)
            loss.backward()
            return float(loss.item())
        with ag.no_grad():
            return float(loss_fn(net(X), y).item())

    per_param, entries = {}, []
    with _KeepRandomState(), _Mode(net, bool(train_mode)):
        for _ in range(burn_in):
            evaluate(grad=True)
            with ag.no_grad():
                for _, p in named:
                    if p.grad is not None:
                        p.sub_(burn_in_lr * p.grad)
        evaluate(grad=True)
        analytic = {n: (p.grad.numpy().copy() if p.grad is not None
                        else np.zeros(p.shape)) for n, p in named}
        f0 = evaluate(grad=False)
        for name, p in named:
            flat = p.numpy().reshape(-1)
            count = flat.size
            picks = (np.arange(count) if count <= max_per_param else
                     np.sort(picker.choice(count, max_per_param, replace=False)))
            for k in picks:
                orig = flat[k]
                flat[k] = orig + eps
                f_plus = evaluate(grad=False)
                flat[k] = orig - eps
                f_minus = evaluate(grad=False)
                flat[k] = orig
                a = float(analytic[name].reshape(-1)[k])
                n = (f_plus - f_minus) / (2 * eps)
                rel = abs(a - n) / max(abs(a), abs(n), floor)
                left, right = (f0 - f_minus) / eps, (f_plus - f0) / eps
                kink = rel >= threshold and abs(right - left) > 0.1 * max(abs(left),
                                                                          abs(right))
                index = tuple(int(i) for i in np.unravel_index(k, p.shape))
                entries.append(GradientEntry(name, index, a, n, rel, kink))
    judged = [e for e in entries if not e.kink]
    for name, _ in named:
        errs = [e.rel_error for e in judged if e.param == name]
        per_param[name] = max(errs) if errs else 0.0
    worst = max(judged, key=lambda e: e.rel_error) if judged else None
    max_rel = worst.rel_error if worst else 0.0
    failures = sorted((e for e in judged if e.rel_error >= threshold),
                      key=lambda e: -e.rel_error)
    passed = bool(np.isfinite(max_rel) and max_rel < threshold)
    return GradientCheckResult(passed, max_rel, threshold, len(entries), per_param, worst,
                               [e for e in entries if e.kink], failures, f0)


# ----- all at once ---------------------------------------------------------------------------


def sanity_checks(model, loss_fn, X, y, reg_fn=l2_penalty, n_overfit=20, n_gradcheck=4,
                  optimizer=None, verbose=True):
    """Run the four checks in the recommended order: initial loss, regularization raises
    the loss, gradient check, overfit a small subset.

    Each check runs with its defaults (see :func:`check_initial_loss`,
    :func:`check_regularization`, :func:`check_gradients`, :func:`check_overfit`).

    Parameters
    ----------
    model : nn.Module
        The model to check, mapping `X` to scores (e.g. (N, C) class scores).
    loss_fn : callable
        ``loss_fn(output, target)`` returning the data loss alone (regularization off) as a
        one-element Tensor, e.g. an nn loss module.
    X : Tensor or array_like
        The inputs, shape (N, ...).
    y : Tensor or array_like
        The targets, shape (N,) of class indices (integer arrays become int64) or whatever
        `loss_fn` expects.
    reg_fn : callable, optional
        The penalty for the regularization check. Default :func:`l2_penalty`.
    n_overfit : int, optional
        Examples for the overfit check. Default 20.
    n_gradcheck : int, optional
        The first `n_gradcheck` examples are used for the gradient check. Default 4.
    optimizer : callable or optim.Optimizer, optional
        For the overfit check (see :func:`check_overfit`).
    verbose : bool, optional
        Print each result. Default True.

    Returns
    -------
    dict
        The results under ``"initial_loss"``, ``"regularization"``, ``"gradients"`` and
        ``"overfit"``.

    Raises
    ------
    ValueError
        As the checks it runs.
    """
    results = {
        "initial_loss": check_initial_loss(model, loss_fn, X, y),
        "regularization": check_regularization(model, loss_fn, X, y, reg_fn=reg_fn),
        "gradients": check_gradients(model, loss_fn, _inputs(X)[:n_gradcheck],
                                     _targets(y)[:n_gradcheck]),
        "overfit": check_overfit(model, loss_fn, X, y, n=n_overfit, optimizer=optimizer),
    }
    if verbose:
        for r in results.values():
            print(r)
    return results
