"""random_search: random hyperparameter search, staged from coarse to fine, on an Optuna study.

    space = {"lr": LogUniform(1e-5, 1e-1), "reg": LogUniform(1e-6, 1e-1),
             "hidden": Choice([32, 64, 128])}
    result = random_search(train_and_validate, space, n_trials=[20, 10], seed=0)
    print(result.table())          # trials sorted, best first
    result.best.params

`objective(params)` (or `objective(params, stage)`, e.g. to train longer in later stages; add a
`trial` parameter to get a SearchTrial: checkpoint path, `report` for pruning) returns a number
to minimise (a validation loss; pass mode="max" for an accuracy). Scales such as the learning
rate and regularization strength act multiplicatively, so sample them log-uniformly. After
each stage the ranges shrink around the best trials; at the end a SearchWarning flags any
best value that sits near the border of its original range, where a better value may lie
beyond it.

The trials live in an Optuna study: in memory by default, or in a journal file or a database
that worker processes on this machine (`n_jobs`) or on others (`python -m
glassgrad.training.search worker ...`) share.
"""
import math
import os
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field

from glassgrad import autograd as ag

from . import spaces, study as _study
from .spaces import Choice


class SearchWarning(UserWarning):
    """A search result that needs attention (a best value near a range border)."""


@dataclass
class Trial:
    """One evaluated configuration.

    index: Optuna's trial number; stage: the stage it belongs to; params: the hyperparameters;
    score: the objective's value (NaN when the trial failed or was pruned); state: "COMPLETE",
    "PRUNED" or "FAIL"; checkpoint / history: the files the trial wrote (None if none);
    worker: "host:pid" of the process that ran it."""
    index: int
    stage: int
    params: dict
    score: float
    state: str = "COMPLETE"
    checkpoint: str = None
    history: str = None
    worker: str = None


@dataclass
class SearchResult:
    """All trials of a search; `best` is the best trial, `ranges` the ranges of each stage,
    `study` the Optuna study (with `storage` and `study_name` when it is stored).

    Returned by :func:`random_search` and :func:`load_search`; ``str(result)`` gives a
    summary line, the ten best trials as a table and the border warnings.

    Parameters
    ----------
    trials : list of Trial
        Every finished trial (completed, pruned or failed), each with its ``index`` (Optuna's
        trial number), ``stage``, ``params``, ``score`` (NaN when the trial failed or was
        pruned), ``state``, ``checkpoint`` and ``history`` files and ``worker``.
    mode : {"min", "max"}
        Whether a lower or a higher score is better.
    space : dict
        The search space: name to distribution or fixed value.
    ranges : list of dict, optional
        The (narrowed) ranges of each stage.
    border_warnings : list of str, optional
        The messages about best values near the border of their range.
    study : optuna.Study, optional
        The Optuna study holding the trials.
    storage : str, path or Optuna storage, optional
        Where the study is stored (None in memory).
    study_name : str, optional
        The study's name in `storage`.
    """
    trials: list
    mode: str
    space: dict
    ranges: list = field(default_factory=list)
    border_warnings: list = field(default_factory=list)
    study: object = None
    storage: object = None
    study_name: str = None

    def sorted(self):
        """Trials best first (NaN scores, i.e. failed or pruned trials, last).

        Returns
        -------
        list of Trial
            Every trial, ranked.
        """
        sign = 1 if self.mode == "min" else -1
        return sorted(self.trials, key=lambda t: (math.isnan(t.score), sign * t.score
                                                  if not math.isnan(t.score) else 0))

    @property
    def best(self):
        """The best completed trial (a Trial).

        Raises
        ------
        ValueError
            When no trial completed.
        """
        ranked = self.sorted()
        if not ranked or math.isnan(ranked[0].score):
            raise ValueError(f"random_search: none of the {len(self.trials)} trials completed "
                             f"(states: {sorted({t.state for t in self.trials})})")
        return ranked[0]

    def top(self, k):
        """The k best completed trials.

        Parameters
        ----------
        k : int
            How many.

        Returns
        -------
        list of Trial
            Best first; fewer than `k` when fewer trials completed.
        """
        return [t for t in self.sorted() if not math.isnan(t.score)][:k]

    def table(self, top=None):
        """The trials as text, sorted best first.

        One row per trial: its rank, number, stage, score and hyperparameters (and state
        when some trial did not complete).

        Parameters
        ----------
        top : int, optional
            Show only the `top` best trials. Default None (all).

        Returns
        -------
        str
            The table.
        """
        names = list(self.space)
        rows = self.sorted()[:top]
        states = any(t.state != "COMPLETE" for t in rows)
        head = ["rank", "trial", "stage", "score"] + names + (["state"] if states else [])
        body = [[str(r + 1), str(t.index), str(t.stage), f"{t.score:.5g}"]
                + [_fmt(t.params.get(n)) for n in names]
                + ([t.state.lower()] if states else []) for r, t in enumerate(rows)]
        widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
                  for i, h in enumerate(head)]
        lines = ["  ".join(h.rjust(w) for h, w in zip(head, widths))]
        lines += ["  ".join(c.rjust(w) for c, w in zip(b, widths)) for b in body]
        return "\n".join(lines)

    def __str__(self):
        text = (f"random search: {len(self.trials)} trials in {len(self.ranges)} stage(s), "
                f"best score {self.best.score:.5g} ({self.mode})\n" + self.table(top=10))
        if self.border_warnings:
            text += "\n" + "\n".join("warning: " + w for w in self.border_warnings)
        return text


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def border_warnings(best_params, space, border=0.05):
    """Messages for each numeric hyperparameter whose best value lies within `border` (a
    fraction of the range, on its sampling scale) of the low or high end of its range."""
    messages = []
    for name, dist in space.items():
        if isinstance(dist, Choice) or not hasattr(dist, "position"):
            continue
        pos = dist.position(best_params[name])
        if pos <= border or pos >= 1 - border:
            side, edge = ("lower", dist.low) if pos <= border else ("upper", dist.high)
            messages.append(f"best {name}={_fmt(best_params[name])} sits at the {side} border "
                            f"of its range {dist!r} (edge {_fmt(edge)}): a better value may "
                            f"lie beyond it; widen the range and search again")
    return messages


def _ranges(space):
    """The entries of `space` that are sampled (not fixed values)."""
    return {k: v for k, v in space.items() if spaces.is_sampled(v)}


def _narrow(trials, ranges, space, mode, keep, margin):
    finite = [t for t in trials if math.isfinite(t.score)]
    if not finite:
        return ranges
    ordered = sorted(finite, key=lambda t: t.score if mode == "min" else -t.score)
    top = ordered[:max(2, int(math.ceil(keep * len(ordered))))]
    narrowed = {}
    for name, dist in ranges.items():
        values = [t.params[name] for t in top]
        # Numeric ranges are narrowed from the original one so that the margin stays a
        # fraction of the original span and later stages can still move.
        base = dist if isinstance(dist, Choice) else space[name]
        narrowed[name] = base.narrowed(values, margin)
    return narrowed


def _trials_of(study, space):
    """The study's finished trials as Trial records (hyperparameters in the space's terms)."""
    from optuna.trial import TrialState
    out = []
    for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED,
                                                      TrialState.FAIL)):
        params = {}
        for name, dist in space.items():
            if not spaces.is_sampled(dist):
                params[name] = dist
            elif name in t.params:
                params[name] = spaces.from_optuna_value(dist, t.params[name])
        score = t.value if t.state == TrialState.COMPLETE else math.nan
        out.append(Trial(t.number, int(t.user_attrs.get("stage", 0)), params, float(score),
                         t.state.name, t.user_attrs.get("checkpoint"),
                         t.user_attrs.get("history"), t.user_attrs.get("worker")))
    return out


def create_search(space, storage, study_name=_study.DEFAULT_STUDY, n_trials=20, seed=None,
                  mode="min", sampler="random", pruner=None, checkpoint_dir=None):
    """Create (or open, if it exists with the same space and mode) a search study on `storage`
    and queue its first stage, for workers to run (``python -m glassgrad.training.search
    worker ...`` on any machine that reaches the storage).

    A one-stage study is finished by the workers alone; later stages of a coarse-to-fine
    study are queued by :func:`random_search` (with ``n_jobs=0`` it only coordinates).

    Parameters
    ----------
    space : dict
        ``{name: LogUniform | Uniform | IntUniform | Choice | fixed value}``. To be rebuilt
        by workers in other processes, fixed values and options must be JSON values
        (str, int, float, bool, None).
    storage : str, path or Optuna storage
        A journal file path or a database URL that the workers reach (see
        :func:`random_search`).
    study_name : str, optional
        The study's name in the storage. Default ``"glassgrad-search"``.
    n_trials : int or list of int, optional
        Trials per stage; a list gives one stage per entry. Default 20.
    seed : int, optional
        Seeds the sampler (None: drawn from glassgrad's global generator).
    mode : {"min", "max"}, optional
        Minimise or maximise the score. Default ``"min"``.
    sampler : {"random", "tpe"} or Optuna sampler, optional
        How the workers draw the values. Default ``"random"``.
    pruner : {None, "median", "hyperband"} or Optuna pruner, optional
        Stops hopeless trials early. Default None (never).
    checkpoint_dir : path, optional
        Where trials write checkpoints and histories; default: a folder named after the
        study next to a journal file, none for a database.

    Returns
    -------
    optuna.Study
        The study, with its first stage queued.

    Raises
    ------
    ValueError
        Bad mode, sampler, pruner or n_trials; an existing study with another space or
        mode, or with trials that random_search did not create.
    """
    study, config = _open(space, storage, study_name, n_trials, seed, mode, sampler, pruner,
                          checkpoint_dir, 10, None)
    _queue_stage(study, config, 0, _ranges(space))
    return study


def _open(space, storage, study_name, n_trials, seed, mode, sampler, pruner, checkpoint_dir,
          heartbeat_interval, grace_period, default_checkpoints=True):
    optuna = _study._quiet_optuna()
    if mode not in ("min", "max"):
        raise ValueError(f"random_search: mode must be 'min' or 'max', got {mode!r}")
    stages = [int(n) for n in n_trials] if isinstance(n_trials, (list, tuple)) \
        else [int(n_trials)]
    if not stages or any(n < 0 for n in stages):
        raise ValueError(f"random_search: n_trials must be a count or a list of counts >= 0, "
                         f"got {n_trials!r}")
    _study.make_sampler(sampler, 0)
    _study.make_pruner(pruner)
    store = _study.open_storage(storage, heartbeat_interval, grace_period)
    study = optuna.create_study(storage=store, study_name=study_name, load_if_exists=True,
                                direction="minimize" if mode == "min" else "maximize",
                                sampler=optuna.samplers.RandomSampler())
    stored = study.user_attrs.get(_study.CONFIG)
    if seed is None:
        seed = int(ag.random.get_rng().integers(2 ** 31))
    if checkpoint_dir is None and default_checkpoints:
        checkpoint_dir = _study.default_checkpoint_dir(storage, study_name)
    if checkpoint_dir is not None:
        checkpoint_dir = os.path.abspath(os.fspath(checkpoint_dir))
    config = _study.SearchConfig(space, stages, mode, sampler, pruner, seed, checkpoint_dir)
    if stored is not None:
        if stored["space"] != spaces.space_to_json(space) or stored["mode"] != mode:
            raise ValueError(f"random_search: study {study_name!r} exists with another space "
                             f"or mode ({stored['space']}, {stored['mode']!r}); pass a new "
                             f"study_name to start another search")
        config.seed = int(stored["seed"])           # a resumed search keeps its samples
        config.checkpoint_dir = stored["checkpoint_dir"]
    elif study.get_trials(deepcopy=False):
        raise ValueError(f"random_search: study {study_name!r} already has trials that "
                         f"random_search did not create; pass a new study_name")
    study.set_user_attr(_study.CONFIG, config.to_attr())
    return study, config


def _queue_stage(study, config, stage, ranges):
    """Record the stage's ranges (first time only: a resumed stage keeps them) and queue its
    missing trials; then mark the stage as fully queued."""
    key = _study.RANGES.format(stage)
    if key not in study.user_attrs:
        study.set_user_attr(key, spaces.ranges_to_json(ranges, config.space))
    queued, _ = _study.stage_state(study, stage)
    for _ in range(config.stages[stage] - queued):
        study.enqueue_trial({}, user_attrs={"stage": stage})
    if study.user_attrs.get(_study.STAGE, -1) < stage:
        study.set_user_attr(_study.STAGE, stage)
    return config.ranges(study, stage)


def _start_processes(n, storage, study_name, objective, config, heartbeat_interval,
                     grace_period):
    import multiprocessing as mp
    # fork on Linux: the objective may then be a closure or a function defined in a notebook.
    # Elsewhere (spawn) it must be importable (picklable).
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else None)
    procs = []
    saved = {v: os.environ.get(v) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                            "MKL_NUM_THREADS")}
    os.environ.update({v: "1" for v in saved})
    try:
        for _ in range(n):
            p = ctx.Process(target=_study._process_main, daemon=True,
                            args=(storage, study_name, objective, config, heartbeat_interval,
                                  grace_period))
            p.start()
            procs.append(p)
    finally:
        for v, old in saved.items():
            if old is None:
                os.environ.pop(v, None)
            else:
                os.environ[v] = old
    return procs


def random_search(objective, space, n_trials=20, seed=None, mode="min", keep=0.2,
                  margin=0.1, border=0.05, verbose=False, *, storage=None, study_name=None,
                  n_jobs=1, sampler="random", pruner=None, checkpoint_dir=None,
                  heartbeat_interval=10, grace_period=None):
    """Sample `space` at random, evaluate `objective`, and return a SearchResult.

    Parameters
    ----------
    objective : callable
        `objective(params)`, `objective(params, stage)` or either with a `trial` parameter
        (a SearchTrial: checkpoint_path, history_path, report/should_prune for pruners; pass
        it to `training.fit(..., trial=trial)`). Returns the score (a float).
    space : dict
        {name: LogUniform | Uniform | IntUniform | Choice | fixed value}.
    n_trials : int or list of int
        Trials per stage; a list gives one stage per entry (coarse to fine).
    seed : int, optional
        Seeds the sampler; each trial's values depend on the seed and the trial's number
        only, so workers in parallel draw the same values as one process would (None: drawn
        from glassgrad's global generator, so ag.manual_seed fixes it).
    mode : {"min", "max"}
        Minimise or maximise the score.
    keep, margin : float
        The fraction of a stage's trials (at least 2) around which the next stage's ranges
        are narrowed: the span of their values widened by `margin` of the original range on
        each side, never beyond the original range; Choices keep the options those trials
        used (with sampler="random"; TPE keeps every option and weighs them itself).
    border : float
        Warn (SearchWarning) when the best value sits within this fraction of an end of its
        original range.
    verbose : bool
        Print a line per finished trial.
    storage : None, str, path or Optuna storage
        None: in memory (a temporary journal file while n_jobs > 1). A database URL
        ("postgresql://user@host:5432/db"): Optuna's RDBStorage, for workers on many
        machines. Any other path: a journal file, for processes on one machine or a shared
        file system. An existing study of the same name, space and mode is resumed: stages
        already queued keep their ranges and only missing trials are queued.
    study_name : str, optional
        The study's name in the storage (default "glassgrad-search").
    n_jobs : int
        1: trials run in this process (an exception in the objective fails its trial and is
        raised). k > 1: k worker processes on this machine, BLAS limited to one thread each
        (an exception fails that trial, is printed, and the worker goes on). 0: no local
        worker; this call only queues the stages and waits for external workers.
    sampler : {"random", "tpe"} or Optuna sampler
    pruner : {None, "median", "hyperband"} or Optuna pruner
        Stops hopeless trials early from the values they `report` (fit(trial=...) reports
        each epoch's validation metric).
    checkpoint_dir : path, optional
        Where trials write checkpoints and histories (trial_00012.safetensors /
        .history.json); default: a folder named after the study next to a journal file,
        none for memory or a database.
    heartbeat_interval, grace_period : float
        Seconds between a running trial's heartbeats, and without one after which its worker
        counts as dead (default 3 intervals): its trial is failed and queued once more.

    Returns
    -------
    SearchResult
        Every trial, the ranges of each stage, and the border warnings.

    Raises
    ------
    ValueError
        Bad mode, sampler, pruner or n_trials; an existing study with another space.
    RuntimeError
        When every worker process stopped before the search finished.

    Notes
    -----
    Unlike Optuna's `study.optimize`, the trial budget is exact: each stage's trials are queued
    first and workers claim them, so n workers together run exactly the requested count.
    """
    optuna = _study._quiet_optuna()
    n_jobs = int(n_jobs)
    if n_jobs < 0:
        raise ValueError(f"random_search: n_jobs must be >= 0, got {n_jobs}")
    if storage is not None and n_jobs > 1 and isinstance(storage, optuna.storages.BaseStorage):
        raise ValueError("random_search: with n_jobs > 1 give storage as a path or URL (each "
                         "worker process opens it), not a storage object")
    study_name = study_name or _study.DEFAULT_STUDY
    tmpdir = None
    run_storage = storage
    if storage is None and n_jobs != 1:
        tmpdir = tempfile.mkdtemp(prefix="glassgrad-search-")
        run_storage = os.path.join(tmpdir, "search.journal")
    study, config = _open(space, run_storage, study_name, n_trials, seed, mode, sampler,
                          pruner, checkpoint_dir, heartbeat_interval, grace_period,
                          default_checkpoints=tmpdir is None)
    grace = grace_period or 3 * max(1, int(round(heartbeat_interval)))
    log = (lambda t: print(_study.trial_line(t), flush=True)) if verbose else None
    procs = []
    try:
        if n_jobs > 1:
            procs = _start_processes(n_jobs, run_storage, study_name, objective, config,
                                     heartbeat_interval, grace_period)
        ranges_by_stage = []
        ranges = _ranges(space)
        for stage in range(len(config.stages)):
            ranges = _queue_stage(study, config, stage, ranges)
            ranges_by_stage.append(dict(ranges))
            _drive(study, config, objective, stage, n_jobs, procs, heartbeat_interval, grace,
                   log)
            if stage + 1 < len(config.stages):
                done = [t for t in _trials_of(study, space) if t.stage == stage]
                ranges = _narrow(done, ranges, space, mode, keep, margin)
        for p in procs:
            p.join(timeout=30)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
                p.join()
    if tmpdir is not None:
        memory = optuna.storages.InMemoryStorage()
        optuna.copy_study(from_study_name=study_name, from_storage=study._storage,
                          to_storage=memory)
        study = optuna.load_study(study_name=study_name, storage=memory)
        shutil.rmtree(tmpdir, ignore_errors=True)
    result = SearchResult(_trials_of(study, space), mode, dict(space), ranges_by_stage,
                          study=study, storage=None if tmpdir else storage,
                          study_name=study_name)
    if any(not math.isnan(t.score) for t in result.trials):
        result.border_warnings = border_warnings(result.best.params, _ranges(space), border)
    for message in result.border_warnings:
        warnings.warn(message, SearchWarning, stacklevel=2)
    return result


def _drive(study, config, objective, stage, n_jobs, procs, heartbeat_interval, grace, log):
    """Run (n_jobs == 1) or wait for (workers) the trials of `stage` until none is waiting or
    running."""
    check = _study.StaleCheck(study, grace, min(1.0, heartbeat_interval))
    while True:
        check()
        if n_jobs == 1:
            frozen = _study.claim(study)
            if frozen is not None:
                _study.run_trial(study, frozen, config, objective, heartbeat_interval,
                                 raise_errors=True, log=log)
                continue
        _, unfinished = _study.stage_state(study, stage)
        if unfinished == 0:
            return
        if procs and not any(p.is_alive() for p in procs):
            codes = [p.exitcode for p in procs]
            raise RuntimeError(f"random_search: every worker process stopped (exit codes "
                               f"{codes}) with {unfinished} trial(s) of stage {stage} "
                               f"unfinished; resume with the same storage and study_name")
        time.sleep(0.1)


def load_search(storage, study_name=_study.DEFAULT_STUDY):
    """The SearchResult of a study on `storage` (finished or not), without running anything.

    Parameters
    ----------
    storage : str, path or Optuna storage
        A journal file path or a database URL.
    study_name : str, optional
        The study's name in the storage. Default ``"glassgrad-search"``.

    Returns
    -------
    SearchResult
        The trials finished so far and the ranges of the stages queued so far.

    Raises
    ------
    ValueError
        If the journal file does not exist, the storage holds no study of that name, or the
        study was not created by :func:`random_search` or :func:`create_search`.
    """
    study = _study.load_study(storage, study_name)
    config = _study.SearchConfig.from_study(study)
    ranges = []
    for s in range(len(config.stages)):
        if _study.RANGES.format(s) in study.user_attrs:
            ranges.append(dict(config.ranges(study, s)))
    return SearchResult(_trials_of(study, config.space), config.mode, config.space, ranges,
                        study=study, storage=storage, study_name=study_name)
