"""The Optuna side of the search: storages, the study's recorded configuration, workers that
claim and run trials, heartbeats, and recovery from workers that died.

A search study is an ordinary Optuna study plus a few study user attributes:

    glassgrad.search      {space, stages, mode, sampler, pruner, seed, checkpoint_dir}
    glassgrad.ranges.<s>  the (narrowed) ranges of stage s
    glassgrad.stage       the last stage whose trials are all queued

Each stage's trials are queued up front as WAITING trials (user attribute "stage"); a worker
claims one by moving it from WAITING to RUNNING, which the storage does atomically (a row
lock in a database, the file lock of a journal), so no trial is run twice or lost however many
workers share the study. Every trial is recorded with the ORIGINAL range of each parameter
(so Optuna's importance and plots see one search space); a narrowed stage only changes where
the sampler draws from.
"""
import inspect
import math
import os
import socket
import sys
import threading
import time
import traceback
import warnings

from . import spaces

CONFIG = "glassgrad.search"
STAGE = "glassgrad.stage"
RANGES = "glassgrad.ranges.{}"
HEARTBEAT = "glassgrad.heartbeat"
ERROR = "glassgrad.error"
HOST = socket.gethostname()
DEFAULT_STUDY = "glassgrad-search"


def worker_id():
    """'host:pid' of this process, recorded on each trial it runs."""
    return f"{HOST}:{os.getpid()}"


def _quiet_optuna():
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


# ---------------------------------------------------------------- storages

def is_url(storage):
    return isinstance(storage, (str, os.PathLike)) and "://" in os.fspath(storage)


def open_storage(storage, heartbeat_interval=10, grace_period=None):
    """An Optuna storage for `storage`.

    None: in memory (one process). A database URL ("postgresql://user@host/db", any URL
    SQLAlchemy and Optuna accept): an RDBStorage with Optuna's heartbeat, so trials of a worker
    that stopped are failed and queued again. Any other string or path: a journal file
    (JournalStorage + JournalFileBackend), for processes on one machine or on a shared file
    system. An Optuna storage object is returned as it is."""
    optuna = _quiet_optuna()
    if storage is None:
        return optuna.storages.InMemoryStorage()
    if isinstance(storage, optuna.storages.BaseStorage):
        return storage
    spec = os.fspath(storage)
    interval = max(1, int(round(heartbeat_interval)))
    grace = int(math.ceil(grace_period)) if grace_period else 3 * interval
    if is_url(spec):
        spec = _postgres_driver(spec)
        kwargs = {"heartbeat_interval": interval, "grace_period": grace}
        params = inspect.signature(optuna.storages.RDBStorage).parameters
        key = ("heartbeat_stale_trial_callback" if "heartbeat_stale_trial_callback" in params
               else "failed_trial_callback")
        kwargs[key] = requeue
        return optuna.storages.RDBStorage(spec, **kwargs)
    from optuna.storages.journal import JournalFileBackend, JournalStorage
    folder = os.path.dirname(os.path.abspath(spec))
    os.makedirs(folder, exist_ok=True)
    return JournalStorage(JournalFileBackend(os.path.abspath(spec)))


def load_study(storage, study_name, **kwargs):
    """optuna.load_study with a clear error when the storage or the study does not exist."""
    optuna = _quiet_optuna()
    if isinstance(storage, (str, os.PathLike)) and not is_url(storage) \
            and not os.path.exists(storage):
        raise ValueError(f"no search study there: the journal file {os.fspath(storage)!r} "
                         f"does not exist")
    store = storage if isinstance(storage, optuna.storages.BaseStorage) \
        else open_storage(storage, **kwargs)
    names = optuna.study.get_all_study_names(store)
    if study_name not in names:
        raise ValueError(f"no study {study_name!r} in {storage}; studies there: {names}")
    return optuna.load_study(study_name=study_name, storage=store,
                             sampler=optuna.samplers.RandomSampler())


def _postgres_driver(url):
    """postgresql:// with the driver that is installed: SQLAlchemy 2.1 maps a bare
    postgresql:// to psycopg 3; glassgrad's search extra installs psycopg2."""
    scheme, sep, rest = url.partition("://")
    if scheme not in ("postgresql", "postgres"):
        return url
    import importlib.util
    if importlib.util.find_spec("psycopg") is None and \
            importlib.util.find_spec("psycopg2") is not None:
        return f"postgresql+psycopg2{sep}{rest}"
    return url


def default_checkpoint_dir(storage, study_name):
    """Where trials write checkpoints when no directory is given: next to a journal file (a
    folder named after the study); None for a database or memory."""
    if storage is None or is_url(storage) or not isinstance(storage, (str, os.PathLike)):
        return None
    return os.path.join(os.path.dirname(os.path.abspath(os.fspath(storage))), study_name)


def _native_heartbeat(storage):
    from optuna.storages._heartbeat import is_heartbeat_enabled
    return is_heartbeat_enabled(storage)


class StaleCheck:
    """Calls fail_stale_trials at most once per `every` seconds (it reads every running trial,
    a few queries on a database)."""

    def __init__(self, study, grace_period, every):
        self.study, self.grace, self.every, self.last = study, grace_period, every, -math.inf

    def __call__(self, force=False):
        now = time.monotonic()
        if force or now - self.last >= self.every:
            self.last = now
            return fail_stale_trials(self.study, self.grace)
        return []


class Heartbeat:
    """A thread that tells the storage every `interval` seconds that a trial is alive: Optuna's
    own heartbeat for a database; a trial system attribute (the time) for a journal file."""

    def __init__(self, study, trial_id, interval):
        self.storage, self.trial_id, self.interval = study._storage, trial_id, interval
        self.native = _native_heartbeat(self.storage)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def beat(self):
        if self.native:
            self.storage.record_heartbeat(self.trial_id)
        else:
            self.storage.set_trial_system_attr(self.trial_id, HEARTBEAT, time.time())

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                self.beat()
            except Exception:       # the trial finished meanwhile (attributes are frozen)
                return

    def __enter__(self):
        if self.native:     # a journal trial's start time is its first heartbeat
            self.beat()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def requeue(study, frozen, max_retry=1):
    """Queue a copy of a trial whose worker stopped (same stage and parameters), like Optuna's
    RetryHeartbeatStaleTrialCallback, but without the dead worker's heartbeat and
    attributes. A trial is retried at most `max_retry` times."""
    import optuna
    history = list(frozen.system_attrs.get("retry_history", [])) + [frozen.number]
    if len(history) > max_retry:
        return
    user = {k: v for k, v in frozen.user_attrs.items() if k == "stage"}
    study.add_trial(optuna.trial.create_trial(
        state=optuna.trial.TrialState.WAITING, params=frozen.params,
        distributions=frozen.distributions, user_attrs=user,
        system_attrs={"failed_trial": history[0], "retry_history": history}))


def _pid_dead(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:                        # a zombie (killed, not yet reaped) is dead too
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def fail_stale_trials(study, grace_period):
    """Mark FAIL (and queue again once) every RUNNING trial whose worker stopped: its process
    on this machine is gone, or its heartbeat is older than `grace_period` seconds (Optuna's
    heartbeat check for a database). Returns the numbers of the trials failed by the process
    check or the journal heartbeat check."""
    optuna = _quiet_optuna()
    from optuna.trial import TrialState
    storage = study._storage
    failed = []
    native = _native_heartbeat(storage)
    if native:              # Optuna's own check (its callback, requeue, queues them again)
        optuna.storages.fail_stale_trials(study)
    now = time.time()
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        worker = t.user_attrs.get("worker", "")
        host, _, pid = worker.rpartition(":")
        dead = host == HOST and pid.isdigit() and _pid_dead(int(pid))
        if not dead and not native:
            beat = t.system_attrs.get(HEARTBEAT)
            if beat is None and t.datetime_start is not None:
                beat = t.datetime_start.timestamp()
            dead = beat is not None and now - beat > grace_period
        if not dead:
            continue
        try:
            storage.set_trial_system_attr(t._trial_id, ERROR, f"worker {worker or '?'} "
                                          f"stopped during the trial (killed or crashed)")
            if not storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL):
                continue
        except optuna.exceptions.UpdateFinishedTrialError:
            continue
        failed.append(t.number)
        requeue(study, storage.get_trial(t._trial_id))
    return failed


def claim(study):
    """Move one WAITING trial to RUNNING for this process and return it (a FrozenTrial), or
    None when none is waiting. Never creates a trial."""
    import optuna
    from optuna.trial import TrialState
    storage = study._storage
    for t in storage.get_all_trials(study._study_id, deepcopy=False,
                                    states=(TrialState.WAITING,)):
        try:
            if storage.set_trial_state_values(t._trial_id, state=TrialState.RUNNING):
                storage.set_trial_user_attr(t._trial_id, "worker", worker_id())
                return storage.get_trial(t._trial_id)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue
    return None


# ---------------------------------------------------------------- configuration

def make_sampler(kind, seed):
    """An Optuna sampler: "random", "tpe" (with the constant liar, for parallel workers) or a
    sampler object (returned as it is)."""
    import optuna
    if not isinstance(kind, str):
        return kind
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "tpe":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    raise ValueError(f"random_search: sampler must be 'random', 'tpe' or an Optuna sampler, "
                     f"got {kind!r}")


def make_pruner(kind):
    """An Optuna pruner: None (never prune), "median", "hyperband" or a pruner object."""
    import optuna
    if kind is None or kind == "none":
        return optuna.pruners.NopPruner()
    if not isinstance(kind, str):
        return kind
    if kind == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
    if kind == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1)
    raise ValueError(f"random_search: pruner must be None, 'median', 'hyperband' or an Optuna "
                     f"pruner, got {kind!r}")


def _kind_name(kind):
    return kind if kind is None or isinstance(kind, str) else type(kind).__name__


def trial_seed(seed, number):
    """The sampler seed of trial `number`: a trial's values depend on the search's seed and the
    trial's number only, not on which worker runs it."""
    return (int(seed) * 1_000_003 + int(number)) % (2 ** 32)


class SearchConfig:
    """What workers need to run a study's trials: the space (objects), the stage ranges, the
    mode, sampler, pruner, seed and checkpoint folder. Built from the caller's objects, or from
    the study's attributes (workers elsewhere)."""

    def __init__(self, space, stages, mode, sampler, pruner, seed, checkpoint_dir):
        self.space, self.stages, self.mode = dict(space), list(stages), mode
        self.sampler, self.pruner, self.seed = sampler, pruner, int(seed)
        self.checkpoint_dir = checkpoint_dir
        self._ranges = {}

    def to_attr(self):
        return {"space": spaces.space_to_json(self.space), "stages": self.stages,
                "mode": self.mode, "sampler": _kind_name(self.sampler),
                "pruner": _kind_name(self.pruner), "seed": self.seed,
                "checkpoint_dir": self.checkpoint_dir}

    @classmethod
    def from_study(cls, study):
        attr = study.user_attrs.get(CONFIG)
        if attr is None:
            raise ValueError(f"study {study.study_name!r} was not created by glassgrad's "
                             f"random_search (no {CONFIG!r} attribute)")
        sampler = attr["sampler"] if attr["sampler"] in ("random", "tpe") else "random"
        pruner = attr["pruner"] if attr["pruner"] in (None, "median", "hyperband") else None
        return cls(spaces.space_from_json(attr["space"]), attr["stages"], attr["mode"],
                   sampler, pruner, attr["seed"], attr["checkpoint_dir"])

    def ranges(self, study, stage):
        if stage not in self._ranges:
            data = study.user_attrs.get(RANGES.format(stage))
            if data is None:
                raise RuntimeError(f"study {study.study_name!r} has no ranges for stage {stage}")
            self._ranges[stage] = spaces.ranges_from_json(data, self.space)
        return self._ranges[stage]


class _StageSampler:
    """Wraps an Optuna sampler so that it draws each parameter from the stage's narrowed range
    while the trial records the parameter's original distribution."""

    def __new__(cls, inner, narrowed):
        import optuna

        class StageSampler(optuna.samplers.BaseSampler):
            def infer_relative_search_space(self, study, trial):
                return {}

            def sample_relative(self, study, trial, search_space):
                return {}

            def sample_independent(self, study, trial, name, distribution):
                return inner.sample_independent(study, trial, name,
                                                narrowed.get(name, distribution))

            def before_trial(self, study, trial):
                inner.before_trial(study, trial)

            def after_trial(self, study, trial, state, values):
                inner.after_trial(study, trial, state, values)

        return StageSampler()


class SearchTrial:
    """What an objective gets as `trial`: the hyperparameters and where to write.

    The search creates it; an objective declares a ``trial`` parameter to receive it.
    `report(value, step)` and `should_prune()` are Optuna's; ``training.fit(...,
    trial=trial)`` calls them each epoch, writes its best checkpoint to checkpoint_path and
    its history to history_path.

    Parameters
    ----------
    optuna_trial : optuna.Trial
        The underlying Optuna trial.
    stage : int
        The stage the trial belongs to (0 for the first).
    params : dict
        The trial's hyperparameters.
    mode : {"min", "max"}
        Whether the search minimises or maximises the score.
    checkpoint_dir : str or None
        The search's checkpoint folder (created if missing); None for no files.

    Attributes
    ----------
    number : int
        Optuna's trial number.
    checkpoint_path, history_path : str or None
        ``trial_<number>.safetensors`` and ``trial_<number>.history.json`` in the
        checkpoint folder (None when the search has no checkpoint folder).
    """

    def __init__(self, optuna_trial, stage, params, mode, checkpoint_dir):
        self.optuna_trial, self.stage, self.params, self.mode = optuna_trial, stage, params, mode
        self.number = optuna_trial.number
        self.checkpoint_path = self.history_path = None
        if checkpoint_dir is not None:
            os.makedirs(checkpoint_dir, exist_ok=True)
            stem = os.path.join(checkpoint_dir, f"trial_{self.number:05d}")
            self.checkpoint_path, self.history_path = stem + ".safetensors", stem + ".history.json"

    def report(self, value, step):
        """Report the objective `value` after `step` (e.g. the epoch) to Optuna, for pruning.

        A pruner compares the values reported by the trials at the same step and stops the
        trials that do clearly worse than the others.

        Parameters
        ----------
        value : float
            The intermediate score (e.g. this epoch's validation loss).
        step : int
            Where in training the value was measured (e.g. the epoch).
        """
        self.optuna_trial.report(float(value), int(step))

    def should_prune(self):
        """Whether Optuna's pruner says this trial should stop now.

        Returns
        -------
        bool
            True when the objective should stop (by raising ``optuna.TrialPruned``).
        """
        return self.optuna_trial.should_prune()

    def set_user_attr(self, key, value):
        """Store `value` under `key` with the trial (Optuna's user attributes).

        Parameters
        ----------
        key : str
            The attribute's name.
        value : object
            A JSON-serializable value.
        """
        self.optuna_trial.set_user_attr(key, value)

    def save_history(self, history):
        """Write a training History (or dict) to history_path as JSON, atomically.

        Parameters
        ----------
        history : History or dict
            The history of a :func:`fit` run (or any dict of JSON values; other numbers are
            written as floats).

        Returns
        -------
        str or None
            The path written, or None (nothing written) when the search has no checkpoint
            folder.
        """
        if self.history_path is None:
            return None
        import json
        data = history.as_dict() if hasattr(history, "as_dict") else dict(history)
        tmp = f"{self.history_path}.tmp{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump(data, f, default=float)
        os.replace(tmp, self.history_path)
        return self.history_path

    def __repr__(self):
        return f"SearchTrial(number={self.number}, stage={self.stage}, params={self.params})"


def _objective_call(objective):
    """How to call `objective`: (pass_stage, pass_trial)."""
    try:
        params = list(inspect.signature(objective).parameters.values())
    except (TypeError, ValueError):
        return False, False
    pass_trial = any(p.name == "trial" and p.kind != p.VAR_POSITIONAL for p in params)
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                  and p.name != "trial"]
    pass_stage = len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)
    return pass_stage, pass_trial


def run_trial(study, frozen, config, objective, heartbeat_interval=10, raise_errors=False,
              log=None):
    """Run one claimed trial: sample its parameters from its stage's ranges, call the
    objective, and tell the study (COMPLETE, PRUNED, or FAIL with the error recorded)."""
    import optuna
    from optuna.trial import TrialState
    storage = study._storage
    stage = int(frozen.user_attrs.get("stage", 0))
    with Heartbeat(study, frozen._trial_id, heartbeat_interval):
        ranges = config.ranges(study, stage)
        inner = make_sampler(config.sampler, trial_seed(config.seed, frozen.number))
        # Only the random sampler may draw a Choice from fewer options than its trials record:
        # TPE maps every earlier trial's option into the distribution it is given.
        narrow_choices = isinstance(inner, optuna.samplers.RandomSampler)
        narrowed = {}
        for name, dist in ranges.items():
            original = config.space[name]
            keep_all = isinstance(dist, spaces.Choice) and not narrow_choices
            narrowed[name] = spaces.to_optuna(original if keep_all else dist, original)
        study.sampler = _StageSampler(inner, narrowed)
        study.pruner = make_pruner(config.pruner)
        trial = optuna.Trial(study, frozen._trial_id)
        state, value, error, st = TrialState.FAIL, None, None, None
        try:
            params = {}
            for name, original in config.space.items():
                if spaces.is_sampled(original):
                    raw = _suggest(trial, name, spaces.to_optuna(original))
                    params[name] = spaces.from_optuna_value(original, raw)
                else:
                    params[name] = original
            st = SearchTrial(trial, stage, params, config.mode, config.checkpoint_dir)
            pass_stage, pass_trial = _objective_call(objective)
            args = (params, stage) if pass_stage else (params,)
            value = float(objective(*args, **({"trial": st} if pass_trial else {})))
            if math.isfinite(value):
                state = TrialState.COMPLETE
            else:
                error = f"the objective returned {value}"
        except optuna.TrialPruned:
            _finish(trial, storage, st, TrialState.PRUNED, None, None)
        except BaseException as exc:     # KeyboardInterrupt too: never leave it RUNNING
            error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            _finish(trial, storage, st, state, None, error)
            if raise_errors or not isinstance(exc, Exception):
                raise
            traceback.print_exc(file=sys.stderr)
        else:
            _finish(trial, storage, st, state, value, error)
    done = storage.get_trial(frozen._trial_id)
    if log is not None:
        log(done)
    return done


def _suggest(trial, name, dist):
    from optuna.distributions import CategoricalDistribution, IntDistribution
    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, log=dist.log)
    return trial.suggest_float(name, dist.low, dist.high, log=dist.log)


def _finish(trial, storage, st, state, value, error):
    from optuna.trial import TrialState
    tid = trial._trial_id
    if st is not None:
        for key, path in (("checkpoint", st.checkpoint_path), ("history", st.history_path)):
            if path is not None and os.path.exists(path):
                storage.set_trial_user_attr(tid, key, path)
    if error is not None:
        storage.set_trial_system_attr(tid, ERROR, error)
    if state == TrialState.COMPLETE:
        trial.study.tell(trial, value)
    else:
        trial.study.tell(trial, state=state)


def trial_line(frozen):
    """One line about a finished trial, for logs."""
    value = "-" if frozen.value is None else f"{frozen.value:.5g}"
    params = " ".join(f"{k}={_fmt(v)}" for k, v in frozen.params.items())
    return (f"trial {frozen.number} (stage {frozen.user_attrs.get('stage', 0)}) "
            f"{frozen.state.name.lower()}: {value}  {params}  [{frozen.user_attrs.get('worker')}]")


def _fmt(v):
    return f"{v:.3g}" if isinstance(v, float) else str(v)


# ---------------------------------------------------------------- workers

def limit_blas_threads(n=1):
    """Limit BLAS/OpenMP to `n` threads in this process: threadpoolctl when installed (works
    after numpy is loaded), and the usual environment variables for processes started later."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    return threadpool_limits(n)


def stage_state(study, stage):
    """(queued originals, unfinished) trial counts of `stage`."""
    from optuna.trial import TrialState
    originals = unfinished = 0
    for t in study.get_trials(deepcopy=False):
        if t.user_attrs.get("stage") != stage:
            continue
        if "failed_trial" not in t.system_attrs:
            originals += 1
        if t.state in (TrialState.WAITING, TrialState.RUNNING):
            unfinished += 1
    return originals, unfinished


def _all_queued_and_done(study, config):
    from optuna.trial import TrialState
    last = len(config.stages) - 1
    if study.user_attrs.get(STAGE) != last:
        return False
    return not study.get_trials(deepcopy=False, states=(TrialState.WAITING, TrialState.RUNNING))


def run_worker(storage, study_name, objective, n_trials=None, config=None,
               heartbeat_interval=10, grace_period=None, idle_timeout=None, poll=0.25,
               verbose=True):
    """Run trials of a search study until every stage is queued and finished (or `n_trials`
    trials ran here, or nothing happened for `idle_timeout` seconds). Returns the numbers of
    the trials this worker ran. Errors in the objective fail that trial and the worker goes
    on (the error is printed and kept in the trial's system attribute "glassgrad.error")."""
    study = load_study(storage, study_name, heartbeat_interval=heartbeat_interval,
                       grace_period=grace_period)
    if config is None:
        config = SearchConfig.from_study(study)
    grace = grace_period or 3 * max(1, int(round(heartbeat_interval)))
    ran, idle_since = [], time.monotonic()
    log = (lambda t: print(trial_line(t), flush=True)) if verbose else None
    check = StaleCheck(study, grace, min(1.0, heartbeat_interval))
    while n_trials is None or len(ran) < n_trials:
        check()
        frozen = claim(study)
        if frozen is not None:
            run_trial(study, frozen, config, objective, heartbeat_interval, log=log)
            ran.append(frozen.number)
            idle_since = time.monotonic()
            continue
        if _all_queued_and_done(study, config):
            break
        if idle_timeout is not None and time.monotonic() - idle_since > idle_timeout:
            break
        time.sleep(poll)
    return ran


def _process_main(storage, study_name, objective, config, heartbeat_interval, grace_period):
    """Entry point of a worker process started by random_search(n_jobs=...)."""
    limit_blas_threads(1)
    run_worker(storage, study_name, objective, config=config,
               heartbeat_interval=heartbeat_interval, grace_period=grace_period, verbose=False)
