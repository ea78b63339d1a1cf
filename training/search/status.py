"""Watching a study from outside: the leaderboard and the plots (PNG, matplotlib)."""
import math
import os
import warnings

from . import study as _study


def _load(study, storage, study_name):
    if study is not None:
        return study
    return _study.load_study(storage, study_name or _study.DEFAULT_STUDY)


def leaderboard(study=None, *, storage=None, study_name=None, top=None):
    """The study's trials as text: a count per state, then the completed trials best first
    (rank, number, value, stage, parameters, worker, checkpoint path), then the others.

    Parameters
    ----------
    study : optuna.Study, optional
        The study; or give `storage` (path or URL) and `study_name`.
    top : int, optional
        Show only this many completed trials.
    """
    from optuna.study import StudyDirection
    from optuna.trial import TrialState
    study = _load(study, storage, study_name)
    trials = study.get_trials(deepcopy=False)
    counts = {s: sum(t.state == s for t in trials) for s in TrialState}
    summary = (f"study {study.study_name!r}: {len(trials)} trials, "
               + ", ".join(f"{counts[s]} {s.name.lower()}" for s in
                           (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL,
                            TrialState.RUNNING, TrialState.WAITING)))
    sign = -1 if study.direction == StudyDirection.MAXIMIZE else 1
    done = sorted((t for t in trials if t.state == TrialState.COMPLETE),
                  key=lambda t: (sign * t.value, t.number))[:top]
    rest = [t for t in trials if t.state != TrialState.COMPLETE]
    names = []
    for t in done + rest:
        names += [n for n in t.params if n not in names]
    head = ["rank", "trial", "state", "value", "stage"] + names + ["worker", "checkpoint"]
    rows = []
    for rank, t in enumerate(done + rest):
        value = "-" if t.value is None or (isinstance(t.value, float) and math.isnan(t.value)) \
            else f"{t.value:.6g}"
        rows.append([str(rank + 1) if t.state == TrialState.COMPLETE else "-", str(t.number),
                     t.state.name.lower(), value, str(t.user_attrs.get("stage", "-"))]
                    + [_study._fmt(t.params[n]) if n in t.params else "-" for n in names]
                    + [str(t.user_attrs.get("worker", "-")),
                       str(t.user_attrs.get("checkpoint", "-"))])
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(head)]
    lines = [summary, "  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def plot_study(study=None, directory=".", *, storage=None, study_name=None):
    """Write the study's plots as PNG files into `directory` and return their paths:
    optimization_history.png, param_importances.png (parameter importance, or the slice plot
    when importances cannot be computed, e.g. with too few trials) and
    parallel_coordinate.png. Uses optuna.visualization.matplotlib (needs matplotlib)."""
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optuna.trial import TrialState
    from optuna.visualization import matplotlib as ovm
    study = _load(study, storage, study_name)
    os.makedirs(directory, exist_ok=True)
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise ValueError(f"plot_study: study {study.study_name!r} has no completed trial")
    paths = []

    def save(ax, name):
        fig = ax.figure if hasattr(ax, "figure") else ax.flat[0].figure
        fig.set_size_inches(8, 5) if name != "slices.png" else None
        fig.tight_layout()
        path = os.path.join(directory, name)
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        save(ovm.plot_optimization_history(study), "optimization_history.png")
        try:
            from optuna.importance import PedAnovaImportanceEvaluator
            evaluator = PedAnovaImportanceEvaluator()
        except ImportError:
            evaluator = None
        try:
            if len(complete) < 4 or len(complete[0].params) < 2:
                raise ValueError("too few trials or parameters for importances")
            save(ovm.plot_param_importances(study, evaluator=evaluator),
                 "param_importances.png")
        except (ValueError, RuntimeError, ImportError, ZeroDivisionError):
            save(ovm.plot_slice(study), "slices.png")
        save(ovm.plot_parallel_coordinate(study), "parallel_coordinate.png")
    return paths
