"""Model ensembles: average the predicted probabilities of several models.

The usual members (as listed, e.g., in Stanford's CS231n course notes): the same model from different initializations, the
top models of a hyperparameter search, different checkpoints of one run, and a running average
of the parameters during training (ParameterAverage).

    ens = Ensemble.from_checkpoints(make_model, ["a.safetensors", "b.safetensors"])
    probs = ens(x_test)                   # (N, C) averaged class probabilities
    ens.accuracy(x_test, y_test)
    ens = Ensemble.from_study(lambda params: make_model(params["hidden"]), result, k=5)

Two kinds of ensembles: kind="predictions" averages the members' probabilities; kind=
"parameters" averages the members' weights into one model (sensible for checkpoints of one
run, which lie in one basin; a ParameterAverage does it on the fly during training).
"""
import copy
import inspect
import os

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor

_OUTPUTS = ("logits", "probs", "sigmoid")


def _probabilities(out, output):
    if output == "logits":
        return ag.softmax(out, dim=-1)
    if output == "sigmoid":
        return ag.sigmoid(out)
    return out


class Ensemble:
    """Average the predictions of `models` (each called in eval mode, without a graph).

    Parameters
    ----------
    models : iterable of nn.Module
        At least one model; all take the same input.
    weights : sequence of float, optional
        One non-negative weight per model (normalized to sum 1; default equal).
    output : {"logits", "sigmoid", "probs"}, default "logits"
        What the models return: class scores, turned into probabilities by a softmax over
        the last dim; binary or multi-label logits, turned into probabilities by a sigmoid;
        or probabilities already.

    Raises
    ------
    ValueError
        No model, an unknown `output`, or weights of the wrong length, negative, or summing
        to zero.
    """

    def __init__(self, models, weights=None, output="logits"):
        self.models = list(models)
        if not self.models:
            raise ValueError("Ensemble needs at least one model")
        if output not in _OUTPUTS:
            raise ValueError(f"Ensemble: output must be one of {_OUTPUTS}, got {output!r}")
        self.output = output
        w = np.ones(len(self.models)) if weights is None else np.asarray(weights, np.float64)
        if w.shape != (len(self.models),) or (w < 0).any() or w.sum() <= 0:
            raise ValueError(f"Ensemble: need {len(self.models)} non-negative weights with a "
                             f"positive sum, got {weights!r}")
        self.weights = w / w.sum()

    @classmethod
    def from_checkpoints(cls, model_fn, paths, kind="predictions", **kwargs):
        """Build an ensemble with one model per checkpoint file.

        For each path, `model_fn()` makes a fresh model, then the state dict is loaded from
        the file (a state dict saved with ``glassgrad.save``, or a checkpoint written by
        :func:`fit`). ``kind="parameters"`` averages the loaded models' weights (with
        `weights`) into one model instead (see :func:`average_parameters`).

        Parameters
        ----------
        model_fn : callable
            ``model_fn()`` returns a fresh model of the checkpoints' architecture.
        paths : iterable of str or path-like
            The checkpoint files.
        kind : {"predictions", "parameters"}, optional
            Average the members' probabilities, or their weights into one model. Default
            ``"predictions"``.
        **kwargs
            ``weights`` and ``output``, as for :class:`Ensemble` (with
            ``kind="parameters"``, ``weights`` weighs the average of the parameters).

        Returns
        -------
        Ensemble
            The ensemble of the loaded models (one averaged model for
            ``kind="parameters"``).

        Raises
        ------
        ValueError
            For an unknown `kind`, and as :class:`Ensemble` and :func:`average_parameters`
            for bad weights or members.
        FileNotFoundError
            If a checkpoint file does not exist.
        RuntimeError
            If a checkpoint's entries do not match the model (from ``load_state_dict``).
        """
        models = []
        for path in paths:
            model = model_fn()
            model.load_state_dict(_state_dict(path))
            models.append(model)
        return cls._of_kind(models, kind, **kwargs)

    @classmethod
    def _of_kind(cls, models, kind, weights=None, **kwargs):
        if kind == "predictions":
            return cls(models, weights=weights, **kwargs)
        if kind == "parameters":
            return cls([average_parameters(models, weights)], **kwargs)
        raise ValueError(f"Ensemble: kind must be 'predictions' or 'parameters', got {kind!r}")

    @classmethod
    def from_study(cls, model_fn, study=None, k=5, *, storage=None, study_name=None,
                   kind="predictions", **kwargs):
        """An ensemble of the k best completed trials of a hyperparameter search that wrote
        checkpoints (training.random_search with a checkpoint folder, or its workers).

        Parameters
        ----------
        model_fn : callable
            `model_fn(params)` (the trial's hyperparameters, e.g. to size the layers) or
            `model_fn()` makes a fresh model; the trial's checkpoint is loaded into it.
        study : SearchResult or optuna.Study, optional
            The search; or give `storage` (journal path or database URL) and `study_name`.
        k : int, optional
            How many of the best trials (fewer if fewer completed trials have checkpoints).
            Default 5.
        storage : str, optional
            Where the study is stored (a journal file path or a database URL), when `study`
            is not given.
        study_name : str, optional
            The study's name in `storage`. Default: the name searches use by default.
        kind : {"predictions", "parameters"}, optional
            Average the members' probabilities, or their weights into one model. Default
            ``"predictions"``.
        **kwargs
            ``weights`` and ``output``, as for :class:`Ensemble`.

        Returns
        -------
        Ensemble
            The ensemble; its ``trials`` attribute lists the member trials, best first.

        Raises
        ------
        ValueError
            When no completed trial has a checkpoint on disk, or for an unknown `kind`.
        """
        from glassgrad.training.search.core import SearchResult, load_search
        from glassgrad.training.search.study import DEFAULT_STUDY
        if study is None:
            result = load_search(storage, study_name or DEFAULT_STUDY)
        elif isinstance(study, SearchResult):
            result = study
        else:
            result = load_search(study._storage, study.study_name)
        ranked = [t for t in result.top(len(result.trials))
                  if t.checkpoint is not None and os.path.exists(t.checkpoint)]
        if not ranked:
            raise ValueError(f"Ensemble.from_study: no completed trial of study "
                             f"{result.study_name!r} has a checkpoint on disk (give the search "
                             f"a checkpoint_dir and write trial.checkpoint_path, e.g. with "
                             f"fit(..., trial=trial))")
        members = ranked[:int(k)]
        takes_params = _takes_argument(model_fn)
        models = []
        for t in members:
            model = model_fn(t.params) if takes_params else model_fn()
            model.load_state_dict(_state_dict(t.checkpoint))
            models.append(model)
        ens = cls._of_kind(models, kind, **kwargs)
        ens.trials = members
        return ens

    def member_predictions(self, x):
        """Each model's probabilities for `x`.

        Each model is called in eval mode without recording a graph; its training mode is
        restored afterwards.

        Parameters
        ----------
        x : Tensor or array_like
            The input of every model, e.g. of shape (N, features).

        Returns
        -------
        list of Tensor
            One tensor per model, the model's output turned into probabilities (shape (N, C)
            for class scores).
        """
        x = x if isinstance(x, Tensor) else ag.tensor(np.asarray(x))
        preds = []
        with ag.no_grad():
            for m in self.models:
                was_training = getattr(m, "training", False)
                if hasattr(m, "eval"):
                    m.eval()
                try:
                    preds.append(_probabilities(m(x), self.output))
                finally:
                    if hasattr(m, "train"):
                        m.train(was_training)
        return preds

    def __call__(self, x):
        """The weighted mean of the members' probabilities, a Tensor like one member's."""
        preds = self.member_predictions(x)
        total = preds[0].numpy().astype(np.float64) * self.weights[0]
        for w, p in zip(self.weights[1:], preds[1:]):
            total = total + w * p.numpy()
        return ag.tensor(total.astype(preds[0].dtype))

    def predict(self, x):
        """Predicted class per row: argmax of the averaged probabilities (or probability >
        0.5 elementwise for ``output="sigmoid"``).

        Parameters
        ----------
        x : Tensor or array_like
            The input of every model.

        Returns
        -------
        Tensor of int64
            Shape (N,) with the class indices; for ``output="sigmoid"``, the shape of the
            probabilities with 0/1 entries.
        """
        probs = self(x).numpy()
        if self.output == "sigmoid":
            return ag.tensor((probs > 0.5).astype(np.int64))
        return ag.tensor(probs.argmax(axis=-1).astype(np.int64))

    def accuracy(self, x, y):
        """Fraction of correct predictions of the ensemble.

        Parameters
        ----------
        x : Tensor or array_like
            The input of every model.
        y : Tensor or array_like of int
            The true classes, shape (N,) (or 0/1 targets shaped like the probabilities for
            ``output="sigmoid"``).

        Returns
        -------
        float
            The fraction of predictions (see :meth:`predict`) equal to `y`.
        """
        y = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
        return float((self.predict(x).numpy() == y).mean())

    def member_accuracies(self, x, y):
        """Each member's own accuracy, to compare with the ensemble's.

        Parameters
        ----------
        x : Tensor or array_like
            The input of every model.
        y : Tensor or array_like of int
            The true classes, as for :meth:`accuracy`.

        Returns
        -------
        list of float
            One accuracy per model, in the order of ``models``.
        """
        y = y.numpy() if isinstance(y, Tensor) else np.asarray(y)
        out = []
        for p in self.member_predictions(x):
            p = p.numpy()
            pred = (p > 0.5).astype(np.int64) if self.output == "sigmoid" else p.argmax(-1)
            out.append(float((pred == y).mean()))
        return out

    def __len__(self):
        return len(self.models)


def _state_dict(path):
    state = ag.load(path)
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    return state


def _takes_argument(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
               and p.default is p.empty for p in params)


def average_parameters(models, weights=None):
    """One model whose parameters and floating-point buffers are the (weighted) mean of those
    of `models` (same architecture); integer buffers (counters) are taken from the first.

    Averaging weights makes sense for models that lie close together, such as checkpoints of
    one training run; for independently trained models, average their predictions instead
    (:class:`Ensemble`).

    Parameters
    ----------
    models : iterable of nn.Module
        At least one model, all with the same state dict names and shapes.
    weights : sequence of float, optional
        One non-negative weight per model, normalized to sum 1. Default equal weights.

    Returns
    -------
    nn.Module
        A copy of the first model holding the averages (floating entries keep their dtype);
        the members are not changed.

    Raises
    ------
    ValueError
        When there is no model, the weights have the wrong length, are negative or sum to
        zero, or the models' state dicts differ in names or shapes.
    """
    models = list(models)
    if not models:
        raise ValueError("average_parameters needs at least one model")
    w = np.ones(len(models)) if weights is None else np.asarray(weights, np.float64)
    if w.shape != (len(models),) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"average_parameters: need {len(models)} non-negative weights with a "
                         f"positive sum, got {weights!r}")
    w = w / w.sum()
    states = [m.state_dict() for m in models]
    names = list(states[0])
    for i, st in enumerate(states[1:], 1):
        if list(st) != names:
            raise ValueError(f"average_parameters: model {i} has entries {sorted(st)}, model 0 "
                             f"has {sorted(names)}")
    averaged = {}
    for name in names:
        arrays = [st[name].numpy() for st in states]
        for i, a in enumerate(arrays[1:], 1):
            if a.shape != arrays[0].shape:
                raise ValueError(f"average_parameters: {name!r} has shape {a.shape} in model "
                                 f"{i} but {arrays[0].shape} in model 0")
        if arrays[0].dtype.kind == "f":
            mean = sum(wi * a.astype(np.float64) for wi, a in zip(w, arrays))
            averaged[name] = ag.tensor(mean.astype(arrays[0].dtype))
        else:
            averaged[name] = ag.tensor(arrays[0].copy())
    out = copy.deepcopy(models[0])
    out.load_state_dict(averaged)
    return out


def average_predictions(models, x, output="logits", weights=None):
    """Averaged probabilities of `models` on x: ``Ensemble(models, weights, output)(x)``.

    Parameters
    ----------
    models : iterable of nn.Module
        At least one model; all take the same input.
    x : Tensor or array_like
        The input of every model.
    output : {"logits", "sigmoid", "probs"}, optional
        What the models return, as for :class:`Ensemble`. Default ``"logits"``.
    weights : sequence of float, optional
        One non-negative weight per model (normalized to sum 1). Default equal weights.

    Returns
    -------
    Tensor
        The weighted mean of the probabilities, shaped like one model's output (e.g. (N, C))
        and of its dtype.

    Raises
    ------
    ValueError
        As :class:`Ensemble`: no model, an unknown `output`, or bad weights.
    """
    return Ensemble(models, weights=weights, output=output)(x)


class ParameterAverage:
    """An exponential running average of a model's parameters (and a copy of its buffers),
    kept in a separate model.

    Call :meth:`update` after each optimizer step, and evaluate ``averaged`` (often better
    than the last iterate: the average smooths out the noise of the last steps).
    ``decay=None`` keeps the plain mean of all updates so far (stochastic weight averaging).

    Parameters
    ----------
    model : nn.Module
        The model being trained; a deep copy becomes the average.
    decay : float or None, optional
        How much of the old average each update keeps: the average moves toward the
        parameters by ``max(1 - decay, 1 / count)``. None keeps the plain mean of all updates.
        Default 0.999.

    Attributes
    ----------
    averaged : nn.Module
        The averaged model; calling the ParameterAverage calls it.
    count : int
        How many updates have been averaged.

    Notes
    -----
    With ``decay=None`` this is like PyTorch's ``torch.optim.swa_utils.AveragedModel`` with
    its default; ``update_parameters(model)``, ``n_averaged``, ``module`` and calling the
    average work as there.
    """

    def __init__(self, model, decay=0.999):
        self.model = model
        self.decay = decay
        self.averaged = copy.deepcopy(model)
        self.count = 0

    def update(self):
        """Fold the model's current parameters into the average and copy its buffers.

        The average moves toward the parameters by ``max(1 - decay, 1 / count)`` (the plain mean
        of all updates when ``decay`` is None). Call it after each optimizer step.

        Returns
        -------
        nn.Module
            The averaged model.
        """
        self.count += 1
        rate = 1.0 / self.count if self.decay is None else \
            max(1.0 - self.decay, 1.0 / self.count)
        with ag.no_grad():
            for (_, avg), (_, p) in zip(self.averaged.named_parameters(),
                                        self.model.named_parameters()):
                avg.mul_(1.0 - rate).add_(p.detach() * rate)
            for (_, avg), (_, b) in zip(self.averaged.named_buffers(),
                                        self.model.named_buffers()):
                avg.copy_(b)
        return self.averaged

    def update_parameters(self, model=None):
        """PyTorch AveragedModel's name for :meth:`update`.

        Parameters
        ----------
        model : nn.Module, optional
            Must be the model this average was created with (or omitted).

        Returns
        -------
        nn.Module
            The averaged model.

        Raises
        ------
        ValueError
            If `model` is another model.
        """
        if model is not None and model is not self.model:
            raise ValueError("ParameterAverage.update_parameters: this average follows the "
                             "model it was created with; pass that model or nothing")
        return self.update()

    @property
    def n_averaged(self):
        """How many updates have been averaged."""
        return self.count

    @property
    def module(self):
        """The averaged model (AveragedModel.module)."""
        return self.averaged

    def __call__(self, *args, **kwargs):
        return self.averaged(*args, **kwargs)
