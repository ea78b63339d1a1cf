"""Learning-rate schedules: they rewrite `group['lr']` of an optimizer's groups once per
`step()` (call it after `optimizer.step()`, usually once per epoch).

The sequences equal PyTorch's, float for float: each schedule uses PyTorch's recursive
("chainable") update, which multiplies the current lr rather than recomputing it from the
base lr, so two schedules can act on the same optimizer. `step(epoch)` jumps to an epoch
with the closed form where one exists.
"""
import math
import types
from bisect import bisect_right
from collections import Counter

from .optimizer import Optimizer
from glassgrad.autograd.compile import replayable


def _group_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


class LRScheduler:
    """Base class of the learning-rate schedules.

    Holds `optimizer`, `base_lrs` (each group's ``'initial_lr'``, set from its ``lr`` when
    starting afresh), `last_epoch` (index of the last epoch stepped; -1 before the first) and
    the last learning rates set. Constructing a scheduler performs its first step (epoch 0),
    which may already change the learning rates (e.g. LinearLR's warm-up start). Call
    ``step()`` after ``optimizer.step()``, usually once per epoch.

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer; every parameter group's ``lr`` is scheduled.
    last_epoch : int, optional
        The index of the last epoch when resuming (the groups must then hold
        ``'initial_lr'``, e.g. from a loaded optimizer state dict); -1 starts afresh.
        Default -1.

    Attributes
    ----------
    optimizer : Optimizer
        The wrapped optimizer.
    base_lrs : list of float
        Each group's initial learning rate.
    last_epoch : int
        The index of the last epoch stepped.

    Raises
    ------
    TypeError
        If `optimizer` is not an Optimizer.
    KeyError
        If resuming (``last_epoch != -1``) and a group has no ``'initial_lr'``.

    Notes
    -----
    Subclasses implement ``get_lr()`` (the recursive form, called with `last_epoch` already
    advanced) and may add a closed form used by ``step(epoch)``.
    """

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param_groups[{i}] has no "
                                   f"'initial_lr' although last_epoch={last_epoch} asks to "
                                   f"resume; load the optimizer's state dict first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self):
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self):
        """The learning rates for epoch `last_epoch`, one per group (implemented by subclasses).

        Returns
        -------
        list of float
            One learning rate per parameter group.
        """
        raise NotImplementedError

    def get_last_lr(self):
        """The learning rates set by the most recent step, one per parameter group.

        Returns
        -------
        list of float
            A new list, in group order.
        """
        return list(self._last_lr)

    @replayable("step")
    def step(self, epoch=None):
        """Advance one epoch and set the groups' learning rates, or jump to `epoch`.

        Parameters
        ----------
        epoch : int, optional
            Jump to this epoch, with the closed form of the schedule where one exists (PyTorch
            deprecates this argument). Default None: the next epoch.
        """
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = _group_lrs(self.optimizer)

    def state_dict(self):
        """The scheduler's state: every attribute except the optimizer (PyTorch's layout).

        Returns
        -------
        dict
            Attribute name to value; callables given as plain functions are left out (recreate
            them when restoring).
        """
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore the scheduler's state from `state_dict`, as returned by :meth:`state_dict`.

        Parameters
        ----------
        state_dict : dict
            The saved state.
        """
        self.__dict__.update(state_dict)


class LambdaLR(LRScheduler):
    """Set ``lr = base_lr * lr_lambda(epoch)``, one function for all groups or one per group.

    The textbook 1/t decay, ``alpha = alpha0 / (1 + decay_rate * epoch)``::

        sched = LambdaLR(opt, lambda epoch: 1.0 / (1.0 + 0.5 * epoch))

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer; every parameter group's ``lr`` is scheduled.
    lr_lambda : callable or list of callable
        ``epoch -> factor``; a list gives one function per group.
    last_epoch : int, optional
        The index of the last epoch when resuming (the groups must then hold
        ``'initial_lr'``, e.g. from a loaded optimizer state dict); -1 starts afresh.
        Default -1.

    Raises
    ------
    ValueError
        If a list of `lr_lambda` does not have one entry per group.

    Notes
    -----
    ``state_dict()`` keeps the attributes of callable objects but not plain functions, as in
    PyTorch (recreate the lambdas when restoring).
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"LambdaLR: expected {len(optimizer.param_groups)} "
                                 f"lr_lambdas (one per group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(vars(fn))
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        lambdas = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                vars(fn).update(saved)


class StepLR(LRScheduler):
    """Step decay: multiply the learning rate by `gamma` every `step_size` epochs.

    Parameters
    ----------
    optimizer : optim.Optimizer
        Every parameter group's ``lr`` is scheduled.
    step_size : int
        Epochs between two decays (positive).
    gamma : float, default 0.1
        The decay factor.
    last_epoch : int, default -1
        The index of the last epoch when resuming; -1 starts afresh.

    Raises
    ------
    ValueError
        `step_size` is not a positive int.

    Examples
    --------
    Call ``step()`` once per epoch, after the optimizer's steps:

    >>> from glassgrad import optim
    >>> w = gg.zeros(1, requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(sched.get_last_lr()[0])
    ...     _ = opt.step()                  # the epoch's training steps
    ...     sched.step()
    >>> lrs
    [0.1, 0.1, 0.05, 0.05, 0.025]
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _group_lrs(self.optimizer)
        return [lr * self.gamma for lr in _group_lrs(self.optimizer)]

    def _closed_form_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by `gamma` at each epoch listed in `milestones`.

    A repeated milestone multiplies by `gamma` once per repeat.

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer; every parameter group's ``lr`` is scheduled.
    milestones : iterable of int
        The epochs at which to decay.
    gamma : float, optional
        The decay factor. Default 0.1.
    last_epoch : int, optional
        The index of the last epoch when resuming (the groups must then hold
        ``'initial_lr'``, e.g. from a loaded optimizer state dict); -1 starts afresh.
        Default -1.
    """

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return _group_lrs(self.optimizer)
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in _group_lrs(self.optimizer)]

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        # after ag.save/ag.load the Counter comes back as a plain dict (keys may be strings)
        self.milestones = Counter({int(k): v for k, v in self.milestones.items()})

    def _closed_form_lr(self):
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Exponential decay: ``lr = base_lr * gamma ** epoch`` (e.g. ``0.95 ** epoch * alpha0``).

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer; every parameter group's ``lr`` is scheduled.
    gamma : float
        The decay factor per epoch.
    last_epoch : int, optional
        The index of the last epoch when resuming (the groups must then hold
        ``'initial_lr'``, e.g. from a loaded optimizer state dict); -1 starts afresh.
        Default -1.
    """

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _group_lrs(self.optimizer)
        return [lr * self.gamma for lr in _group_lrs(self.optimizer)]

    def _closed_form_lr(self):
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Linear warm-up (or decay) of the learning rate by a factor.

    The factor goes linearly from `start_factor` at epoch 0 to `end_factor` at epoch
    `total_iters` and stays there.

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer; every parameter group's ``lr`` is scheduled.
    start_factor : float, optional
        In (0, 1]. Default 1/3.
    end_factor : float, optional
        In [0, 1]. Default 1.0.
    total_iters : int, optional
        Number of epochs to reach `end_factor`. Default 5.
    last_epoch : int, optional
        The index of the last epoch when resuming (the groups must then hold
        ``'initial_lr'``, e.g. from a loaded optimizer state dict); -1 starts afresh.
        Default -1.

    Raises
    ------
    ValueError
        If `start_factor` is outside (0, 1] or `end_factor` outside [0, 1].

    Examples
    --------
    >>> from glassgrad import optim
    >>> w = gg.zeros(1, requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> sched = optim.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    ...     _ = opt.step()
    ...     sched.step()
    >>> lrs
    [0.025, 0.05, 0.075, 0.1, 0.1]
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lrs = _group_lrs(self.optimizer)
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in lrs]
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        span = self.end_factor - self.start_factor
        factor = 1.0 + span / (self.total_iters * self.start_factor
                               + (self.last_epoch - 1) * span)
        return [lr * factor for lr in lrs]

    def _closed_form_lr(self):
        span = self.end_factor - self.start_factor
        return [base * (self.start_factor
                        + span * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from the base learning rate down to `eta_min` over `T_max` epochs.

    ``lr_t = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``, computed, as in
    PyTorch, by the recursive form ``lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t /
    T)) / (1 + cos(pi (t - 1) / T))``, so the sequence matches PyTorch's float for float.
    After `T_max` the learning rate rises again (a cosine wave, not a restart).

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer; every parameter group's ``lr`` is scheduled.
    T_max : int
        Number of epochs of the half cosine.
    eta_min : float, optional
        The minimum learning rate. Default 0.0.
    last_epoch : int, optional
        The index of the last epoch when resuming (the groups must then hold
        ``'initial_lr'``, e.g. from a loaded optimizer state dict); -1 starts afresh.
        Default -1.

    Examples
    --------
    >>> from glassgrad import optim
    >>> w = gg.zeros(1, requires_grad=True)
    >>> opt = optim.SGD([w], lr=1.0)
    >>> sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> lrs = []
    >>> for epoch in range(5):
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    ...     _ = opt.step()
    ...     sched.step()
    >>> lrs
    [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lrs = _group_lrs(self.optimizer)
        t, T, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return lrs
        if self._step_count == 1 and t > 0:
            return [low + (base - low) * (1 + math.cos(t * math.pi / T)) / 2
                    for base in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:
            return [lr + (base - low) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, lrs)]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - low) + low for lr in lrs]

    def _closed_form_lr(self):
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run `schedulers` one after another, switching at the epochs in `milestones`.

    E.g. a LinearLR warm-up for 5 epochs, then CosineAnnealingLR. Each scheduler starts from
    its own epoch 0 when its turn comes.

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer; every parameter group's ``lr`` is scheduled.
    schedulers : list of LRScheduler
        At least one, all built on `optimizer`, no ReduceLROnPlateau.
    milestones : list of int
        ``len(schedulers) - 1`` increasing epochs at which the next scheduler takes over.
    last_epoch : int, optional
        Default -1.

    Raises
    ------
    TypeError
        If `optimizer` is not an Optimizer.
    ValueError
        If there is no scheduler, one is a ReduceLROnPlateau or belongs to another optimizer,
        or the number of milestones is not ``len(schedulers) - 1``.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"SequentialLR: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        if len(schedulers) < 1:
            raise ValueError("SequentialLR: expects at least one scheduler")
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR: scheduler {i} is a ReduceLROnPlateau, whose "
                                 f"step() needs a metric; it cannot be sequenced")
            if getattr(s, "optimizer", None) is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {i} ({type(s).__name__}) belongs to "
                                 f"a different optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expected {len(schedulers) - 1} milestones for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # The schedulers' constructors already took their first step: undo it, restore the
        # initial lrs and let the first scheduler start from epoch 0.
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        for s in self._schedulers:
            s.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    @replayable("step")
    def step(self):
        """Advance one epoch: step the scheduler whose milestone has been reached.

        At a milestone, the next scheduler restarts from its epoch 0.
        """
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        saved = state.pop("_schedulers")
        self.__dict__.update(state)
        for s, sd in zip(self._schedulers, saved):
            s.load_state_dict(sd)


class ReduceLROnPlateau(LRScheduler):
    """Multiply the learning rate by `factor` when a metric has stopped improving.

    The rule of thumb "halve it whenever the validation accuracy stops improving": call
    ``step(metric)`` once per epoch; when the metric has not improved for more than `patience`
    epochs, the learning rate of every group is reduced.

    Parameters
    ----------
    optimizer : Optimizer
        The wrapped optimizer.
    mode : {'min', 'max'}, optional
        ``'min'`` for a metric to lower (a loss), ``'max'`` for one to raise (an accuracy).
        Default ``'min'``.
    factor : float, optional
        The reduction factor; must be < 1. Default 0.1.
    patience : int, optional
        Number of epochs without improvement tolerated. Default 10.
    threshold : float, optional
        An epoch improves on the best so far if ``metric < best * (1 - threshold)``
        (``'rel'``) or ``metric < best - threshold`` (``'abs'``) in ``'min'`` mode (mirrored
        for ``'max'``). Default 1e-4.
    threshold_mode : {'rel', 'abs'}, optional
        Default ``'rel'``.
    cooldown : int, optional
        Epochs after a reduction before bad epochs are counted again. Default 0.
    min_lr : float or list of float, optional
        The learning rates never go below it (a number, or one per group). Default 0.
    eps : float, optional
        Changes of the learning rate smaller than `eps` are skipped. Default 1e-8.

    Raises
    ------
    TypeError
        If `optimizer` is not an Optimizer.
    ValueError
        If ``factor >= 1``, `mode` or `threshold_mode` is unknown, or a list of `min_lr`
        does not have one entry per group.

    Notes
    -----
    Unlike the other schedules, its constructor does not change the learning rates.

    Examples
    --------
    >>> from glassgrad import optim
    >>> w = gg.zeros(1, requires_grad=True)
    >>> opt = optim.SGD([w], lr=1.0)
    >>> sched = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> lrs = []
    >>> for val_loss in [1.0, 0.9, 0.9, 0.9, 0.9, 0.8]:
    ...     sched.step(val_loss)
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1.0, got {factor}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.factor = factor
        self.optimizer = optimizer
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"ReduceLROnPlateau: expected {len(optimizer.param_groups)} "
                                 f"min_lrs (one per group), got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _group_lrs(optimizer)
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf

    def _reset(self):
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self):
        """True while the cooldown after a reduction is running (no reduction then)."""
        return self.cooldown_counter > 0

    def is_better(self, a, best):
        """Whether the metric `a` improves on `best` by more than the threshold.

        Parameters
        ----------
        a : float
            The new metric value.
        best : float
            The best value so far.

        Returns
        -------
        bool
            True if `a` is better than `best` per `mode` and `threshold_mode`.
        """
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics, epoch=None):
        """Record this epoch's metric and reduce the learning rates if it has not improved for more
        than `patience` epochs.

        Parameters
        ----------
        metrics : float or Tensor
            The metric of this epoch: a number or a 0-d tensor.
        epoch : int, optional
            Set the epoch counter to this value instead of advancing it (PyTorch deprecates this
            argument). Default None.

        Raises
        ------
        RuntimeError
            If a per-group `min_lr` list was given and the optimizer has gained groups since.
        """
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _group_lrs(self.optimizer)

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer now has {len(groups)} "
                                   f"parameter groups but {len(self.min_lrs)} min_lrs were "
                                   f"given; update `min_lrs`")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)


# ----- schedules added with LBFGS and SWA: PyTorch's MultiplicativeLR, ConstantLR, PolynomialLR,
# ChainedScheduler, CyclicLR and OneCycleLR -------------------------------------------------------

def _format_param(name, optimizer, param):
    """One value per parameter group: a list/tuple of that length, or a value for all."""
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(param)} values, param_groups has "
                             f"{len(optimizer.param_groups)}.")
        return list(param)
    return [param] * len(optimizer.param_groups)


class MultiplicativeLR(LRScheduler):
    """Multiply each group's lr by ``lr_lambda(epoch)`` at every step after the first.

    Parameters
    ----------
    optimizer : Optimizer
    lr_lambda : callable or list of callables
        ``epoch -> factor``, one for all groups or one per group.
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        A list of lr_lambdas whose length is not the number of groups.
    TypeError
        An lr_lambda that is not callable.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        self.optimizer = optimizer
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got "
                                 f"{len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return _group_lrs(self.optimizer)
        return [group["lr"] * fn(self.last_epoch)
                for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)]

    state_dict = LambdaLR.state_dict
    load_state_dict = LambdaLR.load_state_dict


class ConstantLR(LRScheduler):
    """Multiply the lr by `factor` for the first `total_iters` epochs, then restore it.

    Parameters
    ----------
    optimizer : Optimizer
    factor : float in [0, 1], default 1/3
    total_iters : int, default 5
    last_epoch : int, default -1

    Raises
    ------
    ValueError
        `factor` outside [0, 1].
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lrs = _group_lrs(self.optimizer)
        if self.last_epoch == 0:
            return [lr * self.factor for lr in lrs]
        if self.last_epoch != self.total_iters:
            return lrs
        return [lr * (1.0 / self.factor) for lr in lrs]

    def _closed_form_lr(self):
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the lr polynomially to zero over `total_iters` epochs:
    ``lr = base_lr * (1 - min(epoch, total_iters) / total_iters) ** power``.

    Parameters
    ----------
    optimizer : Optimizer
    total_iters : int, default 5
    power : float, default 1.0
    last_epoch : int, default -1
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        lrs = _group_lrs(self.optimizer)
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        factor = ((1.0 - self.last_epoch / self.total_iters)
                  / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [lr * factor for lr in lrs]

    def _closed_form_lr(self):
        return [base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters)
                ** self.power for base in self.base_lrs]


class ChainedScheduler(LRScheduler):
    """Step several schedulers of one optimizer together: each ``step()`` calls every
    scheduler's ``step()`` in order, so their (multiplicative) effects compose.

    Parameters
    ----------
    schedulers : sequence of LRScheduler
        At least one, all of the same optimizer, no ReduceLROnPlateau.
    optimizer : Optimizer, optional
        Default: the first scheduler's.

    Raises
    ------
    ValueError
        No scheduler, a ReduceLROnPlateau, or schedulers of different optimizers.
    TypeError
        A scheduler without an `optimizer` attribute.
    """

    def __init__(self, schedulers, optimizer=None):
        name = type(self).__name__
        if len(schedulers) < 1:
            raise ValueError(f"{name} expects at least one scheduler to be chained, but got no "
                             f"scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        for i, s in enumerate(schedulers):
            if not hasattr(s, "optimizer"):
                raise TypeError(f"{name} at index {i} should have `optimizer` as its "
                                f"attribute.")
            if isinstance(s, ReduceLROnPlateau):
                raise ValueError(f"{name} does not support `ReduceLROnPlateau` scheduler as it "
                                 f"requires additional kwargs to be specified when calling "
                                 f"`step`, but got one at index {i} in the given schedulers "
                                 f"sequence.")
            if optimizer is not s.optimizer:
                raise ValueError(f"{name} expects all schedulers to belong to the same "
                                 f"optimizer, but got scheduler {type(s).__name__} at index "
                                 f"{i} has {s.optimizer}, which is different from "
                                 f"{type(optimizer).__name__}.")
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = _group_lrs(self._schedulers[-1].optimizer)

    def step(self):
        """Step every chained scheduler once."""
        for s in self._schedulers:
            s.step()
        self._last_lr = _group_lrs(self._schedulers[-1].optimizer)

    state_dict = SequentialLR.state_dict
    load_state_dict = SequentialLR.load_state_dict


def _set_momentums(optimizer, use_beta1, values, extra=None):
    for i, (group, m) in enumerate(zip(optimizer.param_groups, values)):
        if use_beta1:
            group["betas"] = (m, *group["betas"][1:])
        else:
            group["momentum"] = m
        if extra is not None:
            for key, per_group in extra.items():
                group[key] = per_group[i]


def _momentum_kind(optimizer):
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                         "option enabled")
    return "betas" in optimizer.defaults


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith 2017): the lr goes back and forth between `base_lr` and
    `max_lr`, one step per batch; with `cycle_momentum` the momentum (or Adam's beta1) moves
    the opposite way between `max_momentum` and `base_momentum`.

    Parameters
    ----------
    optimizer : Optimizer
    base_lr, max_lr : float or list of float (one per group)
    step_size_up : int, default 2000
        Steps from base_lr up to max_lr.
    step_size_down : int, optional
        Steps back down; default `step_size_up`.
    mode : {'triangular', 'triangular2', 'exp_range'}
        Amplitude per cycle: constant, halved each cycle, or ``gamma ** step``.
    gamma : float, default 1.0
        For 'exp_range'.
    scale_fn : callable, optional
        A custom amplitude ``x -> scale`` (overrides `mode`), of the cycle number or the step
        (`scale_mode` 'cycle' or 'iterations').
    scale_mode : {'cycle', 'iterations'}
    cycle_momentum : bool, default True
        Needs an optimizer with `momentum` or `betas`.
    base_momentum, max_momentum : float or list of float
    last_epoch : int, default -1

    Raises
    ------
    TypeError
        `optimizer` is not an Optimizer.
    ValueError
        Unknown mode without scale_fn, a list of the wrong length, or cycle_momentum with an
        optimizer that has neither momentum nor betas.
    """

    def __init__(self, optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
                 mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle",
                 cycle_momentum=True, base_momentum=0.8, max_momentum=0.9, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        base_lrs = _format_param("base_lr", optimizer, base_lr)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _format_param("max_lr", optimizer, max_lr)
        step_size_up = float(step_size_up)
        step_size_down = float(step_size_down) if step_size_down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError("mode is invalid and scale_fn is None")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode
        self._init_scale_fn()
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_kind(optimizer)
            self.base_momentums = _format_param("base_momentum", optimizer, base_momentum)
            self.max_momentums = _format_param("max_momentum", optimizer, max_momentum)
            if last_epoch == -1:
                _set_momentums(optimizer, self.use_beta1, self.max_momentums,
                               {"max_momentum": self.max_momentums,
                                "base_momentum": self.base_momentums})
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _init_scale_fn(self):
        if self._scale_fn_custom is not None:
            return
        if self.mode == "triangular":
            self.scale_mode = "cycle"
        elif self.mode == "triangular2":
            self.scale_mode = "cycle"
        elif self.mode == "exp_range":
            self.scale_mode = "iterations"

    def scale_fn(self, x):
        """The amplitude factor at cycle (or step) `x`.

        Parameters
        ----------
        x : int or float
            The cycle number (``scale_mode='cycle'``) or the step (``'iterations'``).

        Returns
        -------
        float
            The custom `scale_fn` of the constructor if one was given; else 1 (``'triangular'``),
            ``1 / 2 ** (x - 1)`` (``'triangular2'``) or ``gamma ** x`` (``'exp_range'``).
        """
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self):
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        lrs = [base + (top - base) * scale_factor * self.scale_fn(at)
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            momentums = [top - (top - base) * scale_factor * self.scale_fn(at)
                         for base, top in zip(self.base_momentums, self.max_momentums)]
            _set_momentums(self.optimizer, self.use_beta1, momentums)
        return lrs

    def state_dict(self):
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, types.FunctionType):
            state["_scale_fn_custom"] = dict(vars(fn))
        return state

    def load_state_dict(self, state_dict):
        state = dict(state_dict)
        fn = state.pop("_scale_fn_custom")
        custom = self._scale_fn_custom
        super().load_state_dict(state)
        self._scale_fn_custom = custom
        if fn is not None:
            vars(self._scale_fn_custom).update(fn)
        self._init_scale_fn()


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin 2018): the lr rises from ``max_lr / div_factor`` to
    `max_lr` over the first `pct_start` of the run, then anneals to
    ``initial_lr / final_div_factor``; momentum moves the opposite way. Step once per batch,
    `total_steps` times in all.

    Parameters
    ----------
    optimizer : Optimizer
    max_lr : float or list of float (one per group)
    total_steps : int, optional
        Or give `epochs` and `steps_per_epoch`.
    epochs, steps_per_epoch : int, optional
    pct_start : float in [0, 1], default 0.3
    anneal_strategy : {'cos', 'linear'}
    cycle_momentum : bool, default True
    base_momentum, max_momentum : float or list of float, defaults 0.85 and 0.95
    div_factor : float, default 25
    final_div_factor : float, default 1e4
    three_phase : bool, default False
        Rise, fall back to the initial lr symmetrically, then anneal to the minimum.
    last_epoch : int, default -1

    Raises
    ------
    TypeError
        `optimizer` is not an Optimizer.
    ValueError
        Missing or non-positive step counts, `pct_start` not a float in [0, 1], an unknown
        `anneal_strategy`, cycle_momentum without momentum or betas, or stepping more than
        `total_steps` times.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got "
                                 f"{steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND "
                             "steps_per_epoch)")
        up = float(pct_start * self.total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=float(2 * pct_start * self.total_steps) - 2, start_lr="max_lr",
                     end_lr="initial_lr", start_momentum="base_momentum",
                     end_momentum="max_momentum"),
                dict(end_step=self.total_steps - 1, start_lr="initial_lr", end_lr="min_lr",
                     start_momentum="max_momentum", end_momentum="max_momentum")]
        else:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=self.total_steps - 1, start_lr="max_lr", end_lr="min_lr",
                     start_momentum="base_momentum", end_momentum="max_momentum")]
        if pct_start < 0 or pct_start > 1 or not isinstance(pct_start, float):
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._anneal_func_type = anneal_strategy
        max_lrs = _format_param("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for top, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_kind(optimizer)
            max_momentums = _format_param("max_momentum", optimizer, max_momentum)
            base_momentums = _format_param("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                _set_momentums(optimizer, self.use_beta1, max_momentums,
                               {"max_momentum": max_momentums, "base_momentum": base_momentums})
        super().__init__(optimizer, last_epoch)

    def _anneal_func(self, start, end, pct):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(f"Tried to step {step_num} times. The specified number of total "
                             f"steps is {self.total_steps}")
        lrs, momentums = [], []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lrs.append(self._anneal_func(group[phase["start_lr"]],
                                                 group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        momentums.append(self._anneal_func(group[phase["start_momentum"]],
                                                           group[phase["end_momentum"]], pct))
                    break
                start_step = phase["end_step"]
        if self.cycle_momentum:
            _set_momentums(self.optimizer, self.use_beta1, momentums)
        return lrs
