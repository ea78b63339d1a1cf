"""Hyperparameter search throughput: trials per minute with 1, 2 and 4 worker processes (BLAS
limited to one thread per worker), and the storage's cost per trial (in memory, journal file,
PostgreSQL).

    python -m benchmarks.search_bench                      # everything, ~3 minutes
    python -m benchmarks.search_bench --postgres URL       # PostgreSQL server to use (else
                                                           # $GLASSGRAD_TEST_POSTGRES_URL)
    python -m benchmarks.search_bench --quick

Throughput: each trial trains a 64-32-10 MLP on the bundled digits for `--epochs` epochs
(SGD, batch 64) and reports each epoch's validation loss to the trial; the search runs on a
journal file with `random_search(n_jobs=k)` (k = 1 runs in this process, with BLAS limited
to one thread too). The time includes starting the workers and the storage traffic.

Storage overhead: the same search machinery with an objective that returns at once, so the
time per trial is what claiming, sampling, heartbeats and telling cost on that storage.

Writes benchmarks/search_results.json.
"""
import argparse
import json
import os
import platform
import tempfile
import time
import uuid
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _digits_loaders():
    from glassgrad.training.data import DataLoader, TensorDataset, train_val_test_split
    from glassgrad.training.datasets import load_digits
    X, y = load_digits()
    X = (X / 16.0 - 0.5).astype(np.float32)
    (Xtr, ytr), (Xva, yva), _ = train_val_test_split(X, y, val=0.2, test=0.0, seed=0)
    return (DataLoader(TensorDataset(Xtr, ytr), batch_size=64, shuffle=True),
            DataLoader(TensorDataset(Xva, yva), batch_size=512))


def make_objective(epochs):
    train, val = _digits_loaders()

    def objective(params, trial):
        from glassgrad import autograd as ag, nn, optim
        from glassgrad.training import fit
        ag.manual_seed(trial.number)
        model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
        opt = optim.SGD(model.parameters(), lr=params["lr"], momentum=0.9)
        h = fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=epochs, trial=trial,
                progress=False)
        return h.best_loss
    return objective


def _space():
    from glassgrad.training.search import LogUniform
    return {"lr": LogUniform(1e-3, 0.3)}


def throughput(workers, n_trials, epochs):
    """Trials per minute with `workers` worker processes on a journal file."""
    from glassgrad.training.search import random_search
    from glassgrad.training.search.study import limit_blas_threads
    objective = make_objective(epochs)
    limiter = limit_blas_threads(1) if workers == 1 else None
    with tempfile.TemporaryDirectory() as d, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        result = random_search(objective, _space(), n_trials=n_trials, seed=0,
                               storage=os.path.join(d, "bench.journal"), n_jobs=workers,
                               checkpoint_dir=os.path.join(d, "ckpt"))
        elapsed = time.perf_counter() - start
    if limiter is not None:
        limiter.restore_original_limits()
    done = sum(t.state == "COMPLETE" for t in result.trials)
    return {"workers": workers, "trials": done, "seconds": elapsed,
            "trials_per_minute": 60.0 * done / elapsed}


def overhead(storage, n_trials):
    """Milliseconds per trial spent by the search machinery on `storage`."""
    from glassgrad.training.search import random_search
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        random_search(lambda p: p["lr"], _space(), n_trials=3, seed=1, storage=storage,
                      study_name=f"warmup-{uuid.uuid4().hex[:8]}")   # connections, tables
        start = time.perf_counter()
        random_search(lambda p: p["lr"], _space(), n_trials=n_trials, seed=0, storage=storage,
                      study_name=f"overhead-{uuid.uuid4().hex[:8]}", border=0)
        elapsed = time.perf_counter() - start
    return 1000.0 * elapsed / n_trials


def _postgres_database(url):
    """A throwaway database on the server at `url`: (its URL, a function that drops it)."""
    import psycopg2
    admin = psycopg2.connect(url, connect_timeout=5)
    admin.autocommit = True
    name = f"glassgrad_bench_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    return url.rpartition("/")[0] + "/" + name, drop


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get("GLASSGRAD_TEST_POSTGRES_URL"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--out", default=os.path.join(HERE, "search_results.json"))
    args = parser.parse_args(argv)
    n_trials = 8 if args.quick else 24
    n_overhead = 30 if args.quick else 100

    load_before = os.getloadavg()
    rows = []
    print(f"throughput: {n_trials} trials of a digits MLP, {args.epochs} epochs each, journal "
          f"file, one BLAS thread per worker ({os.cpu_count()} cores)")
    for workers in (1, 2, 4):
        r = throughput(workers, n_trials, args.epochs)
        rows.append(r)
        print(f"  {workers} worker(s): {r['trials_per_minute']:7.1f} trials/min "
              f"({r['trials']} trials in {r['seconds']:.1f} s)")
    base = rows[0]["trials_per_minute"]
    for r in rows:
        r["speedup"] = r["trials_per_minute"] / base

    storages = {}
    print(f"storage overhead per trial ({n_overhead} trials of an objective that returns at "
          f"once, in this process):")
    storages["memory"] = overhead(None, n_overhead)
    with tempfile.TemporaryDirectory() as d:
        storages["journal"] = overhead(os.path.join(d, "o.journal"), n_overhead)
    if args.postgres:
        try:
            url, drop = _postgres_database(args.postgres)
        except Exception as exc:                        # no server: say so, keep the rest
            print(f"  postgresql: skipped ({exc})")
        else:
            try:
                storages["postgresql"] = overhead(url, n_overhead)
            finally:
                drop()
    else:
        print("  postgresql: skipped (no --postgres URL nor GLASSGRAD_TEST_POSTGRES_URL)")
    for name, ms in storages.items():
        print(f"  {name:<11} {ms:7.2f} ms/trial")

    import optuna
    out = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                       "numpy": np.__version__, "optuna": optuna.__version__,
                       # other processes on the machine take their share of the cores
                       "load_average_before": load_before[0],
                       "load_average_after": os.getloadavg()[0]},
           "throughput": rows, "overhead_ms_per_trial": storages,
           "settings": {"trials": n_trials, "epochs": args.epochs,
                        "overhead_trials": n_overhead}}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
    print(f"wrote {args.out}")
    return out


if __name__ == "__main__":
    main()
