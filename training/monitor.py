"""Watching a training run: the statistics that tell whether a network trains well (loss,
activations, gradients, update sizes), recorded without touching the training loop::

    mon = Monitor(model, optimizer, criterion=loss_fn)
    for x, y in loader:                      # the user's loop, unchanged
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    val_loss, val_acc = evaluate(model, loss_fn, val_loader)     # training.evaluate
    mon.record(val_loss=val_loss, val_acc=val_acc)               # extra metrics, any time
    print(mon)                               # compact tables
    mon.plot_curves("curves.png")            # figures: see training/plots.py
    mon.detach()

How it attaches: a forward hook on every leaf layer records its output (mean, std, the
fraction of saturated tanh/sigmoid units, the fraction of ReLU units never active over the
batch) and registers a tensor hook on that output to record the gradient flowing back into
it; a forward hook on `criterion` records the loss (and the batch accuracy for class-index
targets); `optimizer.step` is wrapped to snapshot the parameters around the update and record
each parameter's gradient norm and update:weight ratio ``norm(update) / norm(weight)`` (about
1e-3 is healthy). A step ends at `optimizer.step()` (or `mon.step()` without an optimizer).
Only training passes are recorded (grad mode on, module in training mode).

Symptoms raise a MonitorWarning once per symptom and layer and are kept in `mon.warnings`:
update:weight ratio far from 1e-3, dead ReLUs, saturated tanh/sigmoid, exploding or vanishing
gradients, a loss that is not decreasing (or not finite), and a validation accuracy far below
the training accuracy.

How the update:weight ratio is judged, as an experienced person would:

- one step that changes a weight matrix by more than `spike` (half) of its norm is a learning
  rate far too high, whenever it happens;
- otherwise nothing is judged during the first `burn_in` steps: adaptive optimizers such as
  Adam move every weight by about the learning rate at first, so ratios of 0.01-0.03 then are
  normal;
- after that the ratio is smoothed (median of the last `window` measurements) and scaled by
  the largest learning rate seen so far over the current one, so that a schedule that lowers
  the learning rate (cosine, step decay) does not read as "too low";
- "too high": the smoothed ratio stays above `ratio_range[1]` without falling;
  "too low": it stays below `ratio_range[0]` without rising (a warm-up raises it) and was never
  healthy before; a ratio that decays from healthy values as the loss converges is not
  flagged.
"""
import math
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor


class MonitorWarning(UserWarning):
    """A training symptom spotted by Monitor."""


@dataclass
class Symptom:
    """One warning: the step it was first seen at, its kind, the layer/parameter, the text."""
    step: int
    kind: str
    where: str
    message: str

    def __str__(self):
        return f"step {self.step}: {self.message}"


@dataclass
class LayerStats:
    """Statistics of one layer's output over one batch. `saturated` is the fraction of
    tanh/sigmoid outputs within 0.01 of their limits; `dead` the fraction of ReLU units (the
    non-batch positions of the output) that are zero for every example of the batch."""
    kind: str
    mean: float
    std: float
    saturated: float = None
    dead: float = None
    grad_norm: float = None       # norm of d loss / d output (set by the tensor hook)


@dataclass
class StepRecord:
    """Everything recorded for one optimizer step."""
    step: int
    loss: float = None
    metrics: dict = field(default_factory=dict)
    layers: dict = field(default_factory=dict)       # layer name -> LayerStats
    grad_norms: dict = field(default_factory=dict)   # parameter name -> ||grad||
    ratios: dict = field(default_factory=dict)       # parameter name -> ||update|| / ||w||
    lr: float = None

    def empty(self):
        return self.loss is None and not self.layers and not self.metrics


_SKIPPED = ("Dropout", "Flatten", "Identity")


def _sample(arr, size):
    """Up to `size` values of arr, evenly strided (no random draws: the global generator
    must not move because we watched)."""
    flat = np.asarray(arr, dtype=np.float64).reshape(-1)
    if flat.size <= size:
        return flat.copy()
    return flat[np.linspace(0, flat.size - 1, size).astype(np.int64)]


class Monitor:
    """Record per-step training statistics of `model` and warn about unhealthy training.

    Creating a Monitor attaches it (hooks on the model, the loss module and the optimizer);
    the training loop stays unchanged. Each optimizer step records the loss, per layer the
    output's mean and std, the fraction of saturated tanh/sigmoid units and of ReLU units
    that are zero for the whole batch, the gradient flowing into each layer's output, and per
    parameter its gradient norm and update:weight ratio (the norm of the step's change over
    the norm of the weights, about 1e-3 when healthy). Symptoms raise a MonitorWarning once
    per symptom and layer and are kept in ``warnings`` (see the module documentation for how
    each is judged).

    Parameters
    ----------
    model : nn.Module
        The model to watch; its leaf layers (except Dropout, Flatten, Identity) get forward
        hooks.
    optimizer : optim.Optimizer, optional
        Its ``step`` is wrapped to measure the updates and end each step. Without it, call
        ``step()`` yourself at the end of each step.
    criterion : nn.Module, optional
        The loss module; its forward hook records the loss (and the batch accuracy for
        class-index targets). Without it, call ``record(loss=...)``.
    every : int, default 1
        Measure activations, gradients and ratios every `every` steps (the loss always).
    sample : int, default 4096
        Values kept per layer (of the latest measured step) for the histograms.
    ratio_range : (float, float), default (1e-4, 1e-2)
        Update:weight ratios outside this range (for `persist` measured steps in a row) warn.
    dead_fraction, saturated_fraction : float, default 0.5
        Warn when more than this fraction of a layer's ReLU units are dead, or of its
        tanh/sigmoid units saturated, `persist` steps in a row.
    explode : float, default 1e3
        A gradient norm above it (or not finite) warns.
    vanish : float, default 1e-4
        A weight's gradient norm below `vanish` times the largest one warns.
    patience : int, default 100
        The loss must fall between two windows of ``patience / 2`` steps (a loss that has
        already fallen below 30% of its first values has converged and is not flagged).
    gap : float, default 0.15
        Training accuracy minus validation accuracy above it, at `persist` validations in a
        row, warns (overfitting).
    persist : int, default 3
        How many measurements in a row a symptom must last.
    print_every : int, optional
        Print a table row every that many steps.
    warn : bool, default True
        Issue MonitorWarnings (False: only collect them in ``warnings``).
    burn_in : int, default 50
        No verdict on the update:weight ratio during the first `burn_in` steps.
    window : int, default 5
        The ratio is judged on the median of the last `window` measurements.
    spike : float, default 0.5
        A single update larger than `spike` times the weight's norm is "too high" at any
        time.

    Attributes
    ----------
    history : list of StepRecord
        One record per finished step.
    warnings : list of Symptom
        The symptoms found so far.
    activation_samples, gradient_samples : dict of str to ndarray
        Per layer, sampled values of its latest measured output and of the gradient flowing
        into it (for histograms).

    Notes
    -----
    Only training passes are recorded (grad mode on, module in training mode). Call
    ``detach()`` (or use the Monitor as a context manager) to remove the hooks. There is no
    PyTorch counterpart.

    Examples
    --------
    >>> from glassgrad import nn, optim
    >>> from glassgrad.training import Monitor
    >>> _ = gg.manual_seed(0)
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    >>> opt = optim.SGD(model.parameters(), lr=0.1)
    >>> loss_fn = nn.CrossEntropyLoss()
    >>> mon = Monitor(model, opt, criterion=loss_fn)
    >>> X, y = gg.randn(16, 4), gg.randint(0, 3, (16,))
    >>> for _ in range(3):                  # an ordinary training loop
    ...     opt.zero_grad()
    ...     loss_fn(model(X), y).backward()
    ...     _ = opt.step()
    >>> mon.step_count, mon.layer_names()
    (3, ['0', '1', '2'])
    >>> steps, losses = mon.losses()
    >>> losses.round(3)
    array([1.081, 1.069, 1.058])
    >>> mon.ratios("0.weight")[1].round(4)    # update:weight ratios of the first layer
    array([0.0111, 0.0108, 0.0105])
    >>> _ = mon.detach()
    """

    def __init__(self, model, optimizer=None, criterion=None, every=1, sample=4096,
                 ratio_range=(1e-4, 1e-2), dead_fraction=0.5, saturated_fraction=0.5,
                 explode=1e3, vanish=1e-4, patience=100, gap=0.15, persist=3,
                 print_every=None, warn=True, burn_in=50, window=5, spike=0.5):
        self.model = model
        self.optimizer = optimizer
        self.criterion = criterion
        self.every = max(1, int(every))
        self.sample = int(sample)
        self.ratio_range = ratio_range
        self.dead_fraction = dead_fraction
        self.saturated_fraction = saturated_fraction
        self.explode = explode
        self.vanish = vanish
        self.patience = max(2, int(patience))
        self.gap = gap
        self.persist = max(1, int(persist))
        self.print_every = print_every
        self.warn = warn
        self.burn_in = int(burn_in)
        self.window = max(1, int(window))
        self.spike = spike
        self._scaled_ratios = defaultdict(list)   # weight -> ratios scaled for the schedule
        self._peak_ratio = defaultdict(float)     # weight -> largest smoothed ratio so far
        self._peak_lr = 0.0
        self.history = []                 # finished StepRecords
        self.warnings = []                # Symptoms
        self.activation_samples = {}      # layer -> values of its latest measured output
        self.gradient_samples = {}        # layer -> values of d loss / d output
        self._pending = StepRecord(0)
        self._seen = set()
        self._streaks = defaultdict(int)
        self._handles = []
        self._attached = False
        self._forward_seen = False        # the model ran a training forward in this step
        self._step_wrapper = None         # (our optimizer.step wrapper, what it replaced)
        self._param_names = {id(p): n for n, p in model.named_parameters()}
        self._layers = self._pick_layers(model)
        self.attach()

    # ----- attaching ----------------------------------------------------------------------
    @staticmethod
    def _kind(module):
        from glassgrad import nn
        if isinstance(module, nn.ReLU):
            return "relu"
        if isinstance(module, nn.Tanh):
            return "tanh"
        if isinstance(module, nn.Sigmoid):
            return "sigmoid"
        return type(module).__name__.lower()

    def _pick_layers(self, model):
        layers = []
        for name, module in model.named_modules():
            if module is self.criterion or any(True for _ in module.children()):
                continue
            if type(module).__name__ in _SKIPPED:
                continue
            layers.append((name or type(module).__name__, module))
        return layers

    def attach(self):
        """Register the hooks on the model, the loss module and the optimizer.

        The constructor already calls it; call it again after :meth:`detach` to resume
        watching. Calling it while attached does nothing.

        Returns
        -------
        Monitor
            This monitor (so calls can be chained).
        """
        if self._attached:
            return self
        for name, module in self._layers:
            self._handles.append(module.register_forward_hook(self._layer_hook(name)))
        self._handles.append(self.model.register_forward_hook(self._model_hook))
        if self.criterion is not None and hasattr(self.criterion, "register_forward_hook"):
            self._handles.append(self.criterion.register_forward_hook(self._loss_hook))
        if self.optimizer is not None:
            had_own = "step" in vars(self.optimizer)   # e.g. another monitor's wrapper
            original = self.optimizer.step

            def step(*args, **kwargs):
                return self._optimizer_step(original, *args, **kwargs)

            step.__wrapped__ = original
            self.optimizer.step = step
            self._step_wrapper = (step, original if had_own else None)
        self._attached = True
        return self

    def detach(self):
        """Remove every hook and restore ``optimizer.step``; the records stay.

        Leaving a ``with Monitor(...)`` block calls it too.

        Returns
        -------
        Monitor
            This monitor (so calls can be chained).
        """
        for h in self._handles:
            h.remove()
        self._handles = []
        if self.optimizer is not None and self._step_wrapper is not None:
            wrapper, previous = self._step_wrapper
            if vars(self.optimizer).get("step") is wrapper:
                if previous is None:
                    del self.optimizer.step           # back to the class's method
                else:
                    self.optimizer.step = previous
            self._step_wrapper = None
        self._attached = False
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()
        return False

    # ----- recording ------------------------------------------------------------------------
    @property
    def step_count(self):
        """Number of finished steps."""
        return len(self.history)

    def _measuring(self):
        return self._attached and self.step_count % self.every == 0

    def _layer_hook(self, name):
        def hook(module, args, out):
            if not (isinstance(out, Tensor) and module.training and ag.is_grad_enabled()
                    and self._measuring()):
                return None
            stats = self._activation_stats(self._kind(module), out.numpy())
            self._pending.layers[name] = stats
            self.activation_samples[name] = _sample(out.numpy(), self.sample)
            if out.requires_grad:
                out.register_hook(self._grad_hook(name, stats))
            return None
        return hook

    def _grad_hook(self, name, stats):
        def hook(grad):
            if self._attached:
                g = grad.numpy()
                stats.grad_norm = float(np.linalg.norm(g))
                self.gradient_samples[name] = _sample(g, self.sample)
            return None
        return hook

    @staticmethod
    def _activation_stats(kind, a):
        a64 = a.astype(np.float64, copy=False)
        stats = LayerStats(kind, float(a64.mean()), float(a64.std()))
        if kind == "tanh":
            stats.saturated = float(np.mean(np.abs(a64) > 0.99))
        elif kind == "sigmoid":
            stats.saturated = float(np.mean((a64 < 0.01) | (a64 > 0.99)))
        elif kind == "relu" and a64.ndim >= 1 and a64.shape[0] > 0:
            units = a64.reshape(a64.shape[0], -1)
            stats.dead = float(np.mean(~(units > 0).any(axis=0)))
        return stats

    def _model_hook(self, module, args, out):
        if self._attached and module.training and ag.is_grad_enabled():
            self._forward_seen = True
        return None

    def _loss_hook(self, module, args, out):
        # Only a loss computed on a training forward of the watched model counts: not a
        # validation loss, nor the loss of another model (a copy in a sanity check).
        if not (self._attached and self._forward_seen and isinstance(out, Tensor)
                and out.numel() == 1 and ag.is_grad_enabled()):
            return None
        self._pending.loss = float(out.item())
        if len(args) >= 2 and isinstance(args[0], Tensor) and isinstance(args[1], Tensor):
            scores, target = args[0], args[1]
            if scores.ndim == 2 and target.ndim == 1 and target.dtype.kind in "iu":
                acc = float((scores.numpy().argmax(1) == target.numpy()).mean())
                self._pending.metrics["train_acc"] = acc
        return None

    def _named_params(self):
        for gi, group in enumerate(self.optimizer.param_groups):
            for pi, p in enumerate(group["params"]):
                yield self._param_names.get(id(p), f"group{gi}.param{pi}"), p, group

    def _optimizer_step(self, original, *args, **kwargs):
        if not self._attached:          # detached while another wrapper still calls us
            return original(*args, **kwargs)
        measuring = self._measuring()
        before = {}
        if measuring:
            for name, p, group in self._named_params():
                if p.grad is not None:
                    before[name] = p.numpy().copy()
                    self._pending.grad_norms[name] = float(np.linalg.norm(p.grad.numpy()))
        result = original(*args, **kwargs)
        if measuring:
            for name, p, group in self._named_params():
                if name in before:
                    w = np.linalg.norm(before[name])
                    u = np.linalg.norm(p.numpy() - before[name])
                    self._pending.ratios[name] = float(u / w) if w > 0 else math.inf
        self._pending.lr = float(self.optimizer.param_groups[0].get("lr", math.nan))
        self.step()
        return result

    def step(self):
        """End the current step.

        The wrapped ``optimizer.step`` calls it; call it yourself at the end of each step
        when the Monitor has no optimizer. The step's record is appended to ``history``,
        checked for symptoms, and printed as a table row every ``print_every`` steps.
        """
        record = self._pending
        record.step = self.step_count
        self._forward_seen = False
        self.history.append(record)
        self._pending = StepRecord(self.step_count)
        self._diagnose(record)
        if self.print_every and record.step % self.print_every == 0:
            print(self._row(record, header=record.step == 0))

    def record(self, **metrics):
        """Attach metrics to the step in progress if it has begun, else to the last finished
        step.

        Parameters
        ----------
        **metrics : float
            Named numbers: ``loss=``, ``train_acc=``, ``val_acc=``, ``val_loss=`` or any
            other name. ``loss`` becomes the step's loss; the others are kept in the step's
            ``metrics`` and read back with :meth:`metric`. A ``val_acc`` far below the
            training accuracy (by more than ``gap``, ``persist`` times in a row) warns of
            overfitting.

        Raises
        ------
        TypeError, ValueError
            If a value cannot be converted with ``float``.
        """
        target = self._pending if (not self._pending.empty() or not self.history) \
            else self.history[-1]
        if "loss" in metrics:
            target.loss = float(metrics.pop("loss"))
        target.metrics.update({k: float(v) for k, v in metrics.items()})
        if target is not self._pending:
            self._diagnose_metrics(target)
            self._diagnose_loss(target)

    # ----- series ---------------------------------------------------------------------------
    def losses(self):
        """The recorded training losses.

        Returns
        -------
        steps : ndarray of int64, shape (n,)
            The steps with a recorded loss.
        losses : ndarray of float64, shape (n,)
            Their losses.
        """
        pts = [(r.step, r.loss) for r in self.history if r.loss is not None]
        return np.array([s for s, _ in pts], dtype=np.int64), np.array([v for _, v in pts])

    def metric(self, name):
        """The values of a recorded metric such as ``'val_acc'``.

        Parameters
        ----------
        name : str
            The metric's name, as given to :meth:`record` (``'train_acc'`` is recorded
            automatically for class-index targets when a criterion is watched).

        Returns
        -------
        steps : ndarray of int64, shape (n,)
            The steps where the metric was recorded (empty if never).
        values : ndarray of float64, shape (n,)
            Its values.
        """
        pts = [(r.step, r.metrics[name]) for r in self.history if name in r.metrics]
        return np.array([s for s, _ in pts], dtype=np.int64), np.array([v for _, v in pts])

    def ratios(self, name):
        """The update:weight ratios of one parameter.

        The ratio of a step is ``norm(update) / norm(weight)``: how much the optimizer step
        changed the parameter relative to its size (about 1e-3 is healthy; ``inf`` for a
        parameter whose norm was 0).

        Parameters
        ----------
        name : str
            The parameter's name in ``model.named_parameters()``, e.g. ``'0.weight'``.

        Returns
        -------
        steps : ndarray of int64, shape (n,)
            The measured steps where the parameter had a gradient.
        ratios : ndarray of float64, shape (n,)
            The ratios.
        """
        pts = [(r.step, r.ratios[name]) for r in self.history if name in r.ratios]
        return np.array([s for s, _ in pts], dtype=np.int64), np.array([v for _, v in pts])

    def layer_series(self, layer, stat):
        """The values of one statistic of a layer's output over the steps.

        Parameters
        ----------
        layer : str
            The layer's name, one of :meth:`layer_names`.
        stat : str
            A field of the layer statistics: ``'mean'``, ``'std'``, ``'saturated'``
            (tanh/sigmoid layers: the fraction of outputs within 0.01 of their limits),
            ``'dead'`` (ReLU layers: the fraction of units that are zero for every example
            of the batch) or ``'grad_norm'`` (the norm of the gradient flowing into the
            output).

        Returns
        -------
        steps : ndarray of int64, shape (n,)
            The measured steps where the statistic has a value.
        values : ndarray of float64, shape (n,)
            Its values.

        Raises
        ------
        AttributeError
            If `stat` is not a field of the statistics.
        """
        pts = [(r.step, getattr(r.layers[layer], stat)) for r in self.history
               if layer in r.layers and getattr(r.layers[layer], stat) is not None]
        return np.array([s for s, _ in pts], dtype=np.int64), np.array([v for _, v in pts])

    def layer_names(self):
        """Names of the watched layers, in model order.

        Returns
        -------
        list of str
            The names in ``model.named_modules()`` of the leaf layers that are watched
            (every leaf except Dropout, Flatten and Identity); a model that is itself a leaf
            is named by its class.
        """
        return [name for name, _ in self._layers]

    def last_measured(self):
        """The latest finished step record with layer statistics.

        Returns
        -------
        StepRecord or None
            The record (its ``layers`` maps each layer name to its statistics), or None
            before any measured step.
        """
        return next((r for r in reversed(self.history) if r.layers), None)

    def weight_names(self):
        """Names of the weight matrices and filters (parameters with 2 or more dims).

        These are the parameters whose update:weight ratio and gradient norm are judged.

        Returns
        -------
        list of str
            Their names in ``model.named_parameters()``.
        """
        return [n for n, p in self.model.named_parameters() if p.ndim >= 2]

    # ----- diagnosis ------------------------------------------------------------------------
    def _flag(self, step, kind, where, message):
        key = (kind, where)
        if key in self._seen:
            return
        self._seen.add(key)
        symptom = Symptom(step, kind, where, message)
        self.warnings.append(symptom)
        if self.warn:
            warnings.warn(f"Monitor, step {step}: {message}", MonitorWarning,
                          stacklevel=_caller_level())

    def _streak(self, key, bad):
        self._streaks[key] = self._streaks[key] + 1 if bad else 0
        return self._streaks[key] >= self.persist

    def _diagnose(self, r):
        weights = set(self.weight_names())
        self._diagnose_ratios(r, weights)
        for layer, s in r.layers.items():
            if s.dead is not None and self._streak(("dead", layer),
                                                   s.dead > self.dead_fraction):
                self._flag(r.step, "dead_relu", layer,
                           f"{100 * s.dead:.0f}% of the ReLU units of {layer} are dead (never "
                           f"active over the batch): check the init, biases, learning rate")
            if s.saturated is not None and self._streak(("sat", layer),
                                                        s.saturated > self.saturated_fraction):
                self._flag(r.step, "saturated", layer,
                           f"{100 * s.saturated:.0f}% of the {s.kind} outputs of {layer} are "
                           f"saturated (near their limits, so gradients vanish): weights or "
                           f"inputs too large")
        norms = {n: g for n, g in r.grad_norms.items() if n in weights}
        for name, g in norms.items():
            if not math.isfinite(g) or g > self.explode:
                self._flag(r.step, "exploding", name,
                           f"gradient norm of {name} is {g:.3g}: exploding gradients (lower "
                           f"the learning rate, clip gradients, normalize inputs)")
        finite = [g for g in norms.values() if math.isfinite(g)]
        if finite and len(norms) > 1 and max(finite) > 0:
            top = max(finite)
            for name, g in norms.items():
                if math.isfinite(g) and g < self.vanish * top:
                    self._flag(r.step, "vanishing", name,
                               f"gradient norm of {name} is {g:.3g}, {g / top:.1g} of the "
                               f"largest layer's: vanishing gradients (saturated units, too "
                               f"small weights, too deep without normalization)")
        self._diagnose_loss(r)
        self._diagnose_metrics(r)

    def _diagnose_ratios(self, r, weights):
        lo, hi = self.ratio_range
        lr = r.lr if r.lr is not None and math.isfinite(r.lr) and r.lr > 0 else None
        if lr is not None:
            self._peak_lr = max(self._peak_lr, lr)
        for name, ratio in r.ratios.items():
            if name not in weights:
                continue
            if not ratio <= self.spike:
                self._flag(r.step, "ratio_high", name,
                           f"one update changed {name} by {ratio:.2g} of its norm: the "
                           f"learning rate is far too high")
                continue
            if r.step < self.burn_in:
                continue
            scaled = self._scaled_ratios[name]
            scaled.append(ratio * (self._peak_lr / lr) if lr is not None else ratio)
            if len(scaled) < self.window:
                continue
            now = float(np.median(scaled[-self.window:]))
            before = float(np.median(scaled[-2 * self.window:-self.window])) \
                if len(scaled) >= 2 * self.window else now
            healthy_before = self._peak_ratio[name] >= 3 * lo
            self._peak_ratio[name] = max(self._peak_ratio[name], now)
            if self._streak(("ratio_high", name), now > hi and not now < 0.8 * before):
                self._flag(r.step, "ratio_high", name,
                           f"update:weight ratio of {name} stays at {now:.2g} (median of the "
                           f"last {self.window} measurements), far above ~1e-3 and not "
                           f"falling: the learning rate is probably too high")
            # a zero update from a zero gradient is the dead/vanishing symptom, not the lr
            moved = r.grad_norms.get(name, 1.0) > 0
            if self._streak(("ratio_low", name), moved and now < lo and not healthy_before
                            and not now > 1.2 * before):
                self._flag(r.step, "ratio_low", name,
                           f"update:weight ratio of {name} stays at {now:.2g} (median of the "
                           f"last {self.window} measurements), far below ~1e-3: the learning "
                           f"rate is probably too low")

    def _diagnose_loss(self, r):
        if r.loss is not None and not math.isfinite(r.loss):
            self._flag(r.step, "loss_not_finite", "loss",
                       f"the loss is {r.loss}: training diverged (learning rate too high?)")
            return
        _, losses = self.losses()
        if len(losses) < self.patience or ("loss_flat", "loss") in self._seen:
            return
        window = losses[-self.patience:]
        half = self.patience // 2
        older, recent = window[:half].mean(), window[half:].mean()
        first = losses[:half].mean()
        converged = recent < 0.3 * first        # a plateau far below the start: converged
        if recent >= older and recent > 1e-4 and not converged:
            self._flag(r.step, "loss_flat", "loss",
                       f"the loss is not decreasing (mean {recent:.4g} over the last {half} "
                       f"steps vs {older:.4g} before): learning rate too low or too high, or "
                       f"a bug")

    def _diagnose_metrics(self, r):
        if "val_acc" not in r.metrics:
            return
        if "train_acc" in r.metrics:
            train_acc = r.metrics["train_acc"]
        else:       # per-batch accuracies are noisy: average the latest ones
            _, train = self.metric("train_acc")
            if not len(train):
                return
            train_acc = float(np.mean(train[-10:]))
        gap = train_acc - r.metrics["val_acc"]
        if self._streak(("overfitting", "accuracy"), gap > self.gap):
            self._flag(r.step, "overfitting", "accuracy",
                       f"training accuracy {100 * train_acc:.1f}% vs validation "
                       f"{100 * r.metrics['val_acc']:.1f}%: a gap of {100 * gap:.1f} points "
                       f"means overfitting (more regularization or data)")

    # ----- text -----------------------------------------------------------------------------
    def _row(self, r, header=False):
        weights = self.weight_names()
        ratio = max((r.ratios[n] for n in weights if n in r.ratios), default=None)
        cols = [("step", f"{r.step}"), ("loss", _num(r.loss)),
                ("train_acc", _num(r.metrics.get("train_acc"))),
                ("val_acc", _num(r.metrics.get("val_acc"))),
                ("max ratio", _num(ratio, ".1e")), ("lr", _num(r.lr, ".1e"))]
        line = "  ".join(v.rjust(max(9, len(k))) for k, v in cols)
        if header:
            line = "  ".join(k.rjust(max(9, len(k))) for k, _ in cols) + "\n" + line
        return line

    def table(self, last=10):
        """A text table of the latest steps.

        One row per step: the loss, the training and validation accuracies, the largest
        update:weight ratio among the weights and the learning rate.

        Parameters
        ----------
        last : int or None, optional
            How many of the latest steps to show; 0 or None shows every step. Default 10.

        Returns
        -------
        str
            The table, or ``'(no steps recorded yet)'``.
        """
        rows = self.history[-last:] if last else self.history
        if not rows:
            return "(no steps recorded yet)"
        return "\n".join(self._row(r, header=i == 0) for i, r in enumerate(rows))

    def layer_table(self):
        """A text table of the layers at the latest measured step.

        Per layer: the output's mean and std, its saturated or dead fraction and the norm of
        the gradient flowing into it; per parameter: its gradient norm and update:weight
        ratio.

        Returns
        -------
        str
            The table, or ``'(no layer statistics recorded yet)'``.
        """
        r = self.last_measured()
        if r is None:
            return "(no layer statistics recorded yet)"
        lines = [f"layers at step {r.step}:",
                 f"{'layer':<16}{'kind':>9}{'mean':>10}{'std':>10}{'sat/dead':>10}"
                 f"{'|dL/dout|':>11}"]
        for name, s in r.layers.items():
            frac = s.saturated if s.saturated is not None else s.dead
            lines.append(f"{name:<16}{s.kind[:9]:>9}{s.mean:>10.3g}{s.std:>10.3g}"
                         f"{_num(frac, '.0%'):>10}{_num(s.grad_norm, '.3g'):>11}")
        lines.append(f"{'parameter':<16}{'|grad|':>10}{'|update|/|w|':>14}")
        for name in r.grad_norms:
            lines.append(f"{name:<16}{r.grad_norms[name]:>10.3g}"
                         f"{_num(r.ratios.get(name), '.2e'):>14}")
        return "\n".join(lines)

    def summary(self):
        """The report as text: the step count, the statistics table, the per-layer table and
        the warnings raised so far.

        ``str(monitor)`` and ``print(monitor)`` give the same text.

        Returns
        -------
        str
            The report.
        """
        text = [f"Monitor: {self.step_count} steps", self.table(), self.layer_table()]
        if self.warnings:
            text.append("warnings:")
            text += [f"  {w}" for w in self.warnings]
        return "\n".join(text)

    __str__ = summary

    def __repr__(self):
        return (f"<Monitor of {type(self.model).__name__}: {self.step_count} steps, "
                f"{len(self._layers)} layers, {len(self.warnings)} warnings"
                f"{'' if self._attached else ', detached'}>")

    # ----- plots (drawn by training.plots; matplotlib is imported only here) ---------------
    def plot_loss(self, path=None, smooth=None):
        """Plot the training loss per step, its moving average and the validation loss if
        recorded.

        Parameters
        ----------
        path : str or path-like, optional
            Save the figure there as a PNG and close it. Default None (not saved).
        smooth : int, optional
            Width in steps of the moving average. Default None (a twentieth of the run).

        Returns
        -------
        matplotlib.figure.Figure
            The figure (closed after saving when `path` is given).

        Raises
        ------
        ImportError
            If matplotlib is not installed.
        """
        from . import plots
        return plots.loss_curve(self, path, smooth)

    def plot_curves(self, path=None):
        """Plot three panels: the loss, the training and validation accuracy, and the
        update:weight ratio of every weight.

        The ratios are drawn on a log scale with the 1e-3 rule of thumb as a dashed line.

        Parameters
        ----------
        path : str or path-like, optional
            Save the figure there as a PNG and close it. Default None (not saved).

        Returns
        -------
        matplotlib.figure.Figure
            The figure (closed after saving when `path` is given).

        Raises
        ------
        ImportError
            If matplotlib is not installed.
        """
        from . import plots
        return plots.curves(self, path)

    def plot_activations(self, path=None):
        """Plot a histogram of each layer's output at the latest measured step.

        Each panel's title gives the layer's mean, std and saturated or dead fraction.

        Parameters
        ----------
        path : str or path-like, optional
            Save the figure there as a PNG and close it. Default None (not saved).

        Returns
        -------
        matplotlib.figure.Figure
            The figure (closed after saving when `path` is given).

        Raises
        ------
        RuntimeError
            If no activations were recorded yet (no training step with the monitor attached).
        ImportError
            If matplotlib is not installed.
        """
        from . import plots
        return plots.histograms(self, self.activation_samples, "activations", path, "value")

    def plot_gradients(self, path=None):
        """Plot a histogram of each layer's output gradient d loss / d output at the latest
        measured step.

        Parameters
        ----------
        path : str or path-like, optional
            Save the figure there as a PNG and close it. Default None (not saved).

        Returns
        -------
        matplotlib.figure.Figure
            The figure (closed after saving when `path` is given).

        Raises
        ------
        RuntimeError
            If no gradients were recorded yet (no training step with the monitor attached).
        ImportError
            If matplotlib is not installed.
        """
        from . import plots
        return plots.histograms(self, self.gradient_samples, "gradients", path,
                                "d loss / d output")

    def plot_first_layer(self, path=None, image_shape=None, max_units=64):
        """Show the first layer's weights as images.

        What a first layer has learned is often visible: each unit of a Linear layer on
        images, or each Conv2d filter, becomes a small picture of the input pattern it
        responds to. Each row of the first Linear weight is reshaped to `image_shape`; each
        Conv2d filter is shown in gray for 1 input channel, as RGB for 3, and by its first
        channel otherwise. Each image is scaled to its own min..max.

        Parameters
        ----------
        path : str or path-like, optional
            Save the figure there as a PNG and close it. Default None (not saved).
        image_shape : tuple of int, optional
            ``(height, width)`` of a Linear unit's image. Default None: a square when
            in_features is a perfect square.
        max_units : int, optional
            Show at most this many units or filters. Default 64.

        Returns
        -------
        matplotlib.figure.Figure
            The figure (closed after saving when `path` is given).

        Raises
        ------
        RuntimeError
            If the model has no Linear or Conv2d weight (no parameter with 2 or 4 dims).
        ValueError
            If a Linear layer's in_features is not a perfect square and `image_shape` is
            not given.
        ImportError
            If matplotlib is not installed.
        """
        from . import plots
        return plots.first_layer(self.model, path, image_shape, max_units)


def _caller_level():
    """The stacklevel of the first frame outside this file (the user's step() call)."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        level += 1
        frame = frame.f_back
    return level


def _num(v, fmt=".4g"):
    if v is None:
        return "-"
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return format(v, fmt)
