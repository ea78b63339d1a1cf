"""Command line for search studies on a shared storage.

    python -m glassgrad.training.search worker --storage URL --study NAME \\
        --objective module:function [--trials N]
    python -m glassgrad.training.search status --storage URL --study NAME [--plots DIR]
    python -m glassgrad.training.search create --storage URL --study NAME \\
        --space module:SPACE --trials 40 [--mode max] [--sampler tpe] [--pruner median]

URL: a journal file path (processes on one machine or a shared file system) or a database URL
such as postgresql://user@host:5432/db. The objective is imported from the current directory
or the Python path; it is called like random_search's (params[, stage][, trial=...]).
"""
import argparse
import importlib
import os
import sys


def _import(spec, what):
    module, sep, name = spec.partition(":")
    if not sep or not module or not name:
        raise SystemExit(f"--{what} must look like module:name, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m glassgrad.training.search",
                                     description="Workers and status of a search study.")
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("worker", help="run trials of a study until it is finished")
    w.add_argument("--storage", required=True, help="journal file path or database URL")
    w.add_argument("--study", required=True, help="the study's name")
    w.add_argument("--objective", required=True, help="module:function to call per trial")
    w.add_argument("--trials", type=int, default=None, help="stop after this many trials")
    w.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    w.add_argument("--heartbeat", type=float, default=10.0, help="seconds between heartbeats")
    w.add_argument("--grace", type=float, default=None,
                   help="seconds without heartbeat after which a trial's worker counts as dead")
    w.add_argument("--idle-timeout", type=float, default=600.0,
                   help="stop after this many seconds with nothing to run (default 600)")
    w.add_argument("--quiet", action="store_true", help="no line per trial")
    s = sub.add_parser("status", help="print the leaderboard (and write plots)")
    s.add_argument("--storage", required=True)
    s.add_argument("--study", required=True)
    s.add_argument("--top", type=int, default=None, help="show this many completed trials")
    s.add_argument("--plots", default=None, help="write PNG plots into this folder")
    c = sub.add_parser("create", help="create a study and queue its first stage")
    c.add_argument("--storage", required=True)
    c.add_argument("--study", required=True)
    c.add_argument("--space", required=True, help="module:NAME of a search space dict")
    c.add_argument("--trials", type=int, nargs="+", required=True, help="trials per stage")
    c.add_argument("--mode", choices=("min", "max"), default="min")
    c.add_argument("--sampler", choices=("random", "tpe"), default="random")
    c.add_argument("--pruner", choices=("none", "median", "hyperband"), default="none")
    c.add_argument("--seed", type=int, default=None)
    c.add_argument("--checkpoint-dir", default=None)
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(args):

    if args.command == "worker":
        from .study import limit_blas_threads, run_worker
        limit_blas_threads(args.threads)
        objective = _import(args.objective, "objective")
        ran = run_worker(args.storage, args.study, objective, n_trials=args.trials,
                         heartbeat_interval=args.heartbeat, grace_period=args.grace,
                         idle_timeout=args.idle_timeout, verbose=not args.quiet)
        print(f"worker done: {len(ran)} trial(s) {ran}", flush=True)
    elif args.command == "status":
        from .status import leaderboard, plot_study
        from .study import load_study
        study = load_study(args.storage, args.study)
        print(leaderboard(study, top=args.top))
        if args.plots:
            for path in plot_study(study, args.plots):
                print(f"wrote {path}")
    else:
        from .core import create_search
        space = _import(args.space, "space")
        study = create_search(space, args.storage, args.study, args.trials, seed=args.seed,
                              mode=args.mode, sampler=args.sampler,
                              pruner=None if args.pruner == "none" else args.pruner,
                              checkpoint_dir=args.checkpoint_dir)
        print(f"study {study.study_name!r}: stage 0 queued "
              f"({args.trials[0]} trials of {sum(args.trials)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
