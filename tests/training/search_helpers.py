"""Starting worker processes and reading what they reported, for the search tests."""
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def start_worker(storage, study, objective, log_dir, *extra, sleep=0.05):
    env = dict(os.environ, GG_SEARCH_LOG=str(log_dir), GG_SEARCH_SLEEP=str(sleep),
               PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    cmd = [sys.executable, "-m", "glassgrad.training.search", "worker", "--storage",
           str(storage), "--study", study, "--objective", f"search_objectives:{objective}",
           "--idle-timeout", "60", *extra]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_all(procs, timeout=120):
    deadline = time.monotonic() + timeout
    outs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            raise
        outs.append((p.returncode, out, err))
    return outs


def reports(log_dir):
    """{trial number: [report, ...]} from every worker's log file."""
    out = {}
    for path in glob.glob(os.path.join(str(log_dir), "worker_*.jsonl")):
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                out.setdefault(r["number"], []).append(r)
    return out


def status(storage, study, *extra):
    res = subprocess.run([sys.executable, "-m", "glassgrad.training.search", "status",
                          "--storage", str(storage), "--study", study, *extra],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout


def leaderboard_rows(text):
    """{trial number: (state, value, worker)} from the status command's table."""
    lines = text.splitlines()
    head = lines[1].split()
    rows = {}
    for line in lines[2:]:
        if not line.strip() or line.startswith("wrote "):
            continue
        cells = line.split()
        row = dict(zip(head, cells[:4] + cells[4:]))
        rows[int(row["trial"])] = (row["state"], row["value"], cells[-2], cells[-1])
    return rows


def check_workers_share_study(storage, study_name, n_workers, n_trials, log_dir):
    """Start n_workers worker processes on a fresh one-stage study of n_trials trials; check
    that together they ran each trial exactly once and that the leaderboard shows what each
    worker reported. Returns the study."""
    from optuna.trial import TrialState

    import search_objectives
    from glassgrad.training.search import create_search
    study = create_search(search_objectives.SPACE, storage, study_name, n_trials, seed=1)
    procs = [start_worker(storage, study_name, "quadratic", log_dir)
             for _ in range(n_workers)]
    outs = wait_all(procs)
    for code, out, err in outs:
        assert code == 0, err
        assert "worker done" in out
    trials = study.get_trials(deepcopy=False)
    assert len(trials) == n_trials
    assert all(t.state == TrialState.COMPLETE for t in trials), [t.state for t in trials]
    assert sorted(t.number for t in trials) == list(range(n_trials))
    reported = reports(log_dir)
    assert sorted(reported) == list(range(n_trials))           # none lost
    assert all(len(r) == 1 for r in reported.values())        # none run twice
    pids = {p.pid for p in procs}
    rows = leaderboard_rows(status(storage, study_name))
    assert sorted(rows) == list(range(n_trials))
    for t in trials:
        (r,) = reported[t.number]
        assert r["pid"] in pids
        assert t.value == r["value"] and t.user_attrs["worker"].endswith(f":{r['pid']}")
        state, value, worker, _ = rows[t.number]
        assert state == "complete" and float(value) == float(f"{r['value']:.6g}")
        assert worker.endswith(f":{r['pid']}")
    values = [float(rows[n][1]) for n in sorted(rows, key=lambda n: float(rows[n][1]))]
    first = [int(line.split()[0]) for line in status(storage, study_name).splitlines()[2:]]
    assert first == list(range(1, n_trials + 1))               # ranked best first
    assert values == sorted(values)
    return study


def kill_one_worker_mid_trial(storage, study_name, n_trials, log_dir, *extra):
    """Two workers on a slow study; SIGKILL one while it runs a trial; the other finishes.
    Returns (study, killed trial number)."""
    import signal

    import search_objectives
    from glassgrad.training.search import create_search
    create_search(search_objectives.SPACE, storage, study_name, n_trials, seed=2)
    victim = start_worker(storage, study_name, "slow_quadratic", log_dir, *extra, sleep=1.0)
    deadline = time.monotonic() + 60
    started = []
    while not started:
        assert time.monotonic() < deadline, "the worker never started a trial"
        started = glob.glob(os.path.join(str(log_dir), f"started_*_{victim.pid}"))
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    killed = int(os.path.basename(started[0]).split("_")[1])
    survivor = start_worker(storage, study_name, "slow_quadratic", log_dir, *extra, sleep=0.1)
    (code, out, err), = wait_all([survivor])
    assert code == 0, err
    from glassgrad.training.search.study import _quiet_optuna, open_storage
    optuna = _quiet_optuna()
    study = optuna.load_study(study_name=study_name, storage=open_storage(storage))
    return study, killed
