"""A training loop helper for when the explicit loop has been written once already.

The explicit loop stays the primary way to train (it is five lines, and every line is
visible); `fit` wraps that same loop with what a longer run needs: validation each epoch, a
progress bar (tqdm when installed, plain lines otherwise), a learning-rate scheduler, early
stopping on the validation loss, a checkpoint of the best model written atomically as
safetensors, and resuming from that checkpoint.

    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), 3e-4),
                  train_loader, val_loader, epochs=50, patience=5,
                  checkpoint_path="best.safetensors")
    print(history)
"""
import math
import os
import sys
from dataclasses import dataclass, field

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor

_SERIES = ("train_loss", "train_acc", "val_loss", "val_acc", "lr")


def accuracy(scores, targets):
    """Fraction of rows whose highest score is the target class.

    Parameters
    ----------
    scores : Tensor of shape (N, C)
        One score per class and row (logits or probabilities).
    targets : Tensor of shape (N,), integer
        The true class of each row.

    Returns
    -------
    float or None
        The fraction of rows where the argmax of `scores` equals the target; None unless
        scores are (N, C) and targets (N,) class indices.

    Examples
    --------
    >>> from glassgrad.training import accuracy
    >>> accuracy(gg.tensor([[0.1, 0.9], [0.8, 0.2]]), gg.tensor([1, 1]))
    0.5
    """
    s, t = scores.numpy(), targets.numpy()
    if s.ndim != 2 or t.ndim != 1 or t.dtype.kind not in "iu":
        return None
    return float((s.argmax(axis=1) == t).mean())


def evaluate(model, loss_fn, loader):
    """Mean loss and accuracy of `model` over `loader`.

    Runs in eval mode without recording a graph; the model's mode is restored afterwards.
    The mean is over examples (each batch's loss is weighted by its size).

    Parameters
    ----------
    model : nn.Module
        Called as ``model(inputs)`` on each batch.
    loss_fn : callable
        ``loss_fn(output, target)`` returning a one-element Tensor (a mean over the batch).
    loader : iterable of (inputs, target)
        E.g. a ``glassgrad.utils.data.DataLoader``.

    Returns
    -------
    loss : float
        The mean loss per example.
    accuracy : float or None
        The fraction of correct predictions; None when not classification (outputs are not
        (N, C) scores with class-index targets).

    Raises
    ------
    ValueError
        If the loader yields no examples.
    """
    was_training = model.training
    model.eval()
    total, correct, n, classify = 0.0, 0, 0, True
    try:
        with ag.no_grad():
            for xb, yb in loader:
                out = model(xb)
                k = len(yb)
                total += float(loss_fn(out, yb).item()) * k
                acc = accuracy(out, yb)
                classify = classify and acc is not None
                correct += (acc or 0.0) * k
                n += k
    finally:
        model.train(was_training)
    if n == 0:
        raise ValueError("evaluate: the loader yielded no examples")
    return total / n, (correct / n if classify else None)


@dataclass
class History:
    """Per-epoch curves of a `fit` run and how it ended.

    Every list has one entry per epoch; ``str(history)`` prints them as a table with the
    best epoch marked by ``*``.

    Parameters
    ----------
    epochs : list of int
        The epoch numbers (1-based).
    train_loss, train_acc : list of float
        Means over the epoch's batches (accuracy None when not classification).
    val_loss, val_acc : list of float or None
        On the validation loader (None without one).
    lr : list of float
        The first parameter group's learning rate during the epoch.
    best_epoch : int or None
        The epoch with the lowest monitored loss (validation loss, or training loss without
        a validation loader).
    best_loss : float
        That loss (``inf`` before any epoch).
    stopped_early : bool
        True when early stopping ended the run.
    resumed_from : int or None
        The epoch of the checkpoint the run resumed from.
    """
    epochs: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    best_epoch: int = None
    best_loss: float = math.inf
    stopped_early: bool = False
    resumed_from: int = None

    def append(self, epoch, **values):
        """Record one epoch: its number and the values of the curves.

        Parameters
        ----------
        epoch : int
            The epoch's number.
        **values : float
            Values of ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc`` and ``lr``;
            missing ones are recorded as None, other names are ignored.
        """
        self.epochs.append(epoch)
        for name in _SERIES:
            getattr(self, name).append(values.get(name))

    def as_dict(self):
        """A plain dict of lists and numbers (JSON-serializable), the inverse of ``from_dict``.

        Returns
        -------
        dict
            The series and the end state under the attribute names.
        """
        return {"epochs": list(self.epochs), **{n: list(getattr(self, n)) for n in _SERIES},
                "best_epoch": self.best_epoch, "best_loss": self.best_loss,
                "stopped_early": self.stopped_early, "resumed_from": self.resumed_from}

    @classmethod
    def from_dict(cls, d):
        """Rebuild a History from the dict that ``as_dict`` made.

        Parameters
        ----------
        d : dict
            The dict (lists and tuples become lists).

        Returns
        -------
        History
            The rebuilt history.
        """
        h = cls()
        for key, value in d.items():
            setattr(h, key, list(value) if isinstance(value, (list, tuple)) else value)
        return h

    def __len__(self):
        return len(self.epochs)

    def __str__(self):
        head = f"{'epoch':>5} {'train loss':>11} {'train acc':>10} {'val loss':>10} " \
               f"{'val acc':>8} {'lr':>9}"
        lines = [head]
        for i, e in enumerate(self.epochs):
            mark = " *" if e == self.best_epoch else ""
            lines.append(f"{e:>5} {_f(self.train_loss[i], '.4f'):>11} "
                         f"{_f(self.train_acc[i], '.1%'):>10} {_f(self.val_loss[i], '.4f'):>10} "
                         f"{_f(self.val_acc[i], '.1%'):>8} {_f(self.lr[i], '.2e'):>9}{mark}")
        end = "stopped early" if self.stopped_early else "ran all epochs"
        lines.append(f"best epoch {self.best_epoch} (loss {self.best_loss:.4f}), {end}"
                     + (f", resumed after epoch {self.resumed_from}"
                        if self.resumed_from is not None else ""))
        return "\n".join(lines)


def _f(v, fmt):
    return "-" if v is None else format(v, fmt)


def _progress(iterable, total, desc, enabled):
    """A tqdm bar when tqdm is installed, progress is on and stderr is a terminal (in a log
    file a bar is noise: the per-epoch lines carry the progress), else the plain iterable."""
    if not enabled:
        return iterable, None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable, None
    bar = tqdm(iterable, total=total, desc=desc, leave=False, file=sys.stderr, disable=None)
    return bar, bar


def _checkpoint(model, optimizer, scheduler, epoch, history, bad_epochs):
    ckpt = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
            "epoch": epoch, "bad_epochs": bad_epochs, "history": history.as_dict()}
    if scheduler is not None:
        ckpt["scheduler"] = scheduler.state_dict()
    return ckpt


def load_checkpoint(path, model, optimizer=None, scheduler=None):
    """Load a checkpoint written by `fit` into model (and optimizer / scheduler).

    Parameters
    ----------
    path : str or path-like
        The checkpoint file, written by :func:`fit` with ``checkpoint_path``.
    model : nn.Module
        Receives the saved weights.
    optimizer : optim.Optimizer, optional
        Receives the saved optimizer state (when the checkpoint has one).
    scheduler : learning-rate scheduler, optional
        Receives the saved scheduler state (when the checkpoint has one).

    Returns
    -------
    dict
        The checkpoint: ``"model"``, ``"optimizer"``, ``"epoch"``, ``"bad_epochs"`` (epochs
        without improvement so far), ``"history"`` (a :meth:`History.as_dict`) and
        ``"scheduler"`` when one was saved.

    Raises
    ------
    ValueError
        If the file is not a checkpoint written by fit (no ``'model'`` entry); load a plain
        state dict with ``glassgrad.load``.
    FileNotFoundError
        If the file does not exist.
    """
    ckpt = ag.load(path)
    if not isinstance(ckpt, dict) or "model" not in ckpt:
        raise ValueError(f"load_checkpoint: {path} is not a checkpoint written by fit (no "
                         f"'model' entry); load a plain state dict with ag.load")
    model.load_state_dict(ckpt["model"])
    if optimizer is not None and "optimizer" in ckpt:
        optimizer.load_state_dict(ckpt["optimizer"])
    if scheduler is not None and "scheduler" in ckpt:
        scheduler.load_state_dict(ckpt["scheduler"])
    return ckpt


def fit(model, loss_fn, optimizer, train_loader, val_loader=None, epochs=10, scheduler=None,
        monitor=None, patience=None, min_delta=0.0, checkpoint_path=None, resume=False,
        restore_best=True, progress=True, trial=None, trial_metric=None):
    """Train `model` for up to `epochs` epochs and return a History.

    Each epoch: one pass over `train_loader` (per batch: ``zero_grad``, forward,
    ``loss_fn(output, target)``, backward, ``optimizer.step()``), then the loss and accuracy
    on `val_loader`, then ``scheduler.step()`` (a ReduceLROnPlateau gets the monitored loss).
    The monitored loss is the validation loss, or the training loss without a validation
    loader.

    Parameters
    ----------
    model : nn.Module
        Called as ``model(inputs)`` on each batch; switched to training mode for the
        training pass and to evaluation mode for validation.
    loss_fn : callable
        ``loss_fn(output, target)`` returning a 0-d Tensor, e.g. ``nn.CrossEntropyLoss()``.
    optimizer : optim.Optimizer
        Steps the model's parameters after each batch.
    train_loader : iterable of (inputs, target)
        E.g. a ``glassgrad.utils.data.DataLoader``; iterated once per epoch.
    val_loader : iterable of (inputs, target), optional
        Evaluated after each epoch without recording gradients. Accuracy is reported when
        the output has one score per class (shape (N, C)) and the target holds class
        indices.
    epochs : int, default 10
        The last epoch to run (counted from 1, also when resuming).
    scheduler : learning-rate scheduler, optional
        Stepped once per epoch.
    monitor : training.Monitor, optional
        ``fit`` records the losses and accuracies into it (the monitor's own hooks record
        the gradient and activation statistics).
    patience : int, optional
        Stop when the monitored loss has not improved by more than `min_delta` for that many
        epochs (None: never stop early).
    min_delta : float, default 0
        The smallest decrease that counts as an improvement.
    checkpoint_path : str, optional
        Whenever the monitored loss improves, save the model, optimizer, scheduler, epoch and
        history there (``glassgrad.save``: safetensors, written atomically).
    resume : bool, default False
        If `checkpoint_path` exists, load it and continue after its epoch (the best one so
        far; the epochs after it are run again) up to `epochs`.
    restore_best : bool, default True
        Load the best weights back into the model at the end.
    progress : bool, default True
        Show a tqdm bar per epoch and print one line per epoch (False: silent).
    trial : training.search.SearchTrial or optuna.Trial, optional
        A hyperparameter-search trial. After each epoch ``fit`` reports `trial_metric` with
        ``trial.report(value, epoch)``; when ``trial.should_prune()`` it restores the best
        weights, writes the history and raises ``optuna.TrialPruned``. A SearchTrial also
        gives the default `checkpoint_path` and receives the history
        (``trial.save_history``).
    trial_metric : str, optional
        The History series to report: default "val_acc" when the study maximizes, else
        "val_loss" (the training series without a validation loader).

    Returns
    -------
    History
        The per-epoch curves, the best epoch and loss, and whether training stopped early.

    Raises
    ------
    optuna.TrialPruned
        With a `trial`, when the search prunes it.
    ValueError
        If the training loader yields no batches; if `trial_metric` is not one of
        train_loss, train_acc, val_loss, val_acc, or is a validation series without
        `val_loader`; if the reported value is None (accuracy without class-index targets).

    Notes
    -----
    There is no PyTorch counterpart (PyTorch leaves the loop to the user).

    Examples
    --------
    >>> from glassgrad import nn, optim
    >>> from glassgrad.training import fit
    >>> from glassgrad.utils.data import DataLoader, TensorDataset
    >>> _ = gg.manual_seed(0)
    >>> X = gg.randn(64, 2)
    >>> y = (X[:, 0] > X[:, 1]).long()           # class 1 when x0 > x1
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True)
    >>> model = nn.Linear(2, 2)
    >>> history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
    ...               loader, val_loader=loader, epochs=5, progress=False)
    >>> len(history), history.best_epoch, history.val_acc[-1]
    (5, 5, 1.0)
    """
    metric = _trial_metric(trial, trial_metric, val_loader) if trial is not None else None
    if trial is not None and checkpoint_path is None:
        checkpoint_path = getattr(trial, "checkpoint_path", None)
    history, start, bad_epochs, best_state = History(), 1, 0, None
    if resume and checkpoint_path is not None and os.path.exists(checkpoint_path):
        ckpt = load_checkpoint(checkpoint_path, model, optimizer, scheduler)
        history = History.from_dict(ckpt["history"])
        start = int(ckpt["epoch"]) + 1
        bad_epochs = int(ckpt.get("bad_epochs", 0))
        history.resumed_from = start - 1
        best_state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
        if progress:
            print(f"resumed from {checkpoint_path} after epoch {start - 1}")
    for epoch in range(start, epochs + 1):
        lr = optimizer.param_groups[0].get("lr")
        train_loss, train_acc = _train_epoch(model, loss_fn, optimizer, train_loader, monitor,
                                             f"epoch {epoch}/{epochs}", progress)
        val_loss = val_acc = None
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, loss_fn, val_loader)
            if monitor is not None:
                monitor.record(val_loss=val_loss, **({} if val_acc is None
                                                     else {"val_acc": val_acc}))
        history.append(epoch, train_loss=train_loss, train_acc=train_acc, val_loss=val_loss,
                       val_acc=val_acc, lr=lr)
        watched = val_loss if val_loss is not None else train_loss
        if scheduler is not None:
            if type(scheduler).__name__ == "ReduceLROnPlateau":
                scheduler.step(watched)
            else:
                scheduler.step()
        improved = watched < history.best_loss - min_delta
        if improved:
            history.best_loss, history.best_epoch, bad_epochs = float(watched), epoch, 0
            best_state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
            if checkpoint_path is not None:
                ag.save(_checkpoint(model, optimizer, scheduler, epoch, history, bad_epochs),
                        checkpoint_path)
        else:
            bad_epochs += 1
        if progress:
            print(_epoch_line(epoch, epochs, train_loss, train_acc, val_loss, val_acc,
                              improved))
        if trial is not None and _report(trial, metric, history, epoch):
            if restore_best and best_state is not None:
                model.load_state_dict(best_state)
            _save_history(trial, history)
            import optuna
            raise optuna.TrialPruned(f"pruned after epoch {epoch} ({metric} "
                                     f"{getattr(history, metric)[-1]:.4g})")
        if patience is not None and bad_epochs >= patience:
            history.stopped_early = True
            if progress:
                print(f"early stopping: no improvement for {patience} epochs (best epoch "
                      f"{history.best_epoch})")
            break
    if restore_best and best_state is not None:
        model.load_state_dict(best_state)
    if trial is not None:
        _save_history(trial, history)
    return history


def _trial_metric(trial, metric, val_loader):
    """The History series fit reports to a search trial."""
    if metric is None:
        mode = getattr(trial, "mode", None)
        if mode is None:
            direction = getattr(getattr(trial, "study", None), "direction", None)
            mode = "max" if getattr(direction, "name", "") == "MAXIMIZE" else "min"
        metric = ("val_acc" if mode == "max" else "val_loss") if val_loader is not None \
            else ("train_acc" if mode == "max" else "train_loss")
    if metric not in _SERIES or metric == "lr":
        raise ValueError(f"fit: trial_metric must be one of train_loss, train_acc, val_loss, "
                         f"val_acc, got {metric!r}")
    if metric.startswith("val") and val_loader is None:
        raise ValueError(f"fit: trial_metric={metric!r} needs a val_loader")
    return metric


def _report(trial, metric, history, epoch):
    """Report this epoch's value to the trial; True when the trial should stop (pruned)."""
    value = getattr(history, metric)[-1]
    if value is None:
        raise ValueError(f"fit: cannot report {metric} to the trial: it is None (accuracy "
                         f"needs (N, C) scores and class-index targets); pass trial_metric")
    trial.report(float(value), epoch)
    return bool(trial.should_prune())


def _save_history(trial, history):
    if hasattr(trial, "save_history"):
        trial.save_history(history)


def _train_epoch(model, loss_fn, optimizer, loader, monitor, desc, progress):
    model.train()
    auto_loss = monitor is not None and monitor.criterion is loss_fn
    total, correct, n, classify = 0.0, 0.0, 0, True
    batches, bar = _progress(loader, len(loader) if hasattr(loader, "__len__") else None,
                             desc, progress)
    for xb, yb in batches:
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        optimizer.step()
        if monitor is not None and monitor.optimizer is None:
            monitor.step()
        value = float(loss.item())
        acc = accuracy(out, yb)
        if monitor is not None and not auto_loss:
            monitor.record(loss=value, **({} if acc is None else {"train_acc": acc}))
        k = len(yb) if isinstance(yb, Tensor) and yb.ndim else 1
        total += value * k
        n += k
        classify = classify and acc is not None
        correct += (acc or 0.0) * k
        if bar is not None:
            bar.set_postfix(loss=f"{total / n:.4f}")
    if bar is not None:
        bar.close()
    if n == 0:
        raise ValueError("fit: the training loader yielded no batches")
    return total / n, (correct / n if classify else None)


def _epoch_line(epoch, epochs, train_loss, train_acc, val_loss, val_acc, improved):
    parts = [f"epoch {epoch}/{epochs}", f"train loss {train_loss:.4f}"]
    if train_acc is not None:
        parts.append(f"acc {train_acc:.1%}")
    if val_loss is not None:
        parts.append(f"val loss {val_loss:.4f}")
    if val_acc is not None:
        parts.append(f"acc {val_acc:.1%}")
    return "  ".join(parts) + ("  *" if improved else "")
