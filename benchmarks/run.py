"""glassgrad's benchmark suite: every workload for glassgrad and, when installed, PyTorch and
micrograd, side by side in one process run (same data, same threads).

    python -m benchmarks.run                 # everything (several minutes)
    python -m benchmarks.run --quick         # fewer repeats, no 1e6 chain / 10,000-step run
    python -m benchmarks.run --only mlp_step,op_overhead
    python -m benchmarks.run --blas-unset    # rerun with OPENBLAS_CORETYPE/L2_SIZE unset
    python -m benchmarks.run --threads 1,2 --idle-load 1.0 --idle-timeout 900

Each workload runs once per BLAS thread count (numpy through threadpoolctl, PyTorch through
torch.set_num_threads), after waiting until the 1-minute load average is below --idle-load
(or --idle-timeout seconds passed); the load before and after each workload is recorded with
its figures. Prints a table of medians, spreads (IQR) and ratios (glassgrad / PyTorch, the
median of per-round ratios of interleaved runs; < 1 means glassgrad is faster; `cpu` is the
same from process CPU time), the compiled step's ratio where a workload has one, and how
far a step is from its GEMM floor (the step's matmuls alone in numpy).
Without --json, a full run writes the tracked benchmarks/results.json (the README's
figures); a `--quick` or `--only` run writes benchmarks/out/results_quick.json or
benchmarks/out/results_partial.json (not tracked), so a short run never replaces the full
figures.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

from benchmarks import workloads
from benchmarks.harness import fmt_time, load_average, threads, wait_for_idle

WORKLOADS = ["op_overhead", "mlp_step", "cnn_step", "micrograd_moons", "optim_step",
             "deep_chain", "memory", "ceiling"]


def machine_info():
    info = {"python": platform.python_version(), "numpy": np.__version__,
            "cpus": os.cpu_count(), "machine": platform.machine(),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
    try:
        from threadpoolctl import threadpool_info
        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if blas:
            info["blas"] = {k: blas[0].get(k) for k in ("internal_api", "version",
                                                        "architecture", "num_threads")}
    except ImportError:
        info["blas"] = "threadpoolctl not installed"
    try:
        import torch
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = None
    return info


def _cell(v):
    if v is None:
        return f"{'-':>11}"
    if isinstance(v, dict):
        return f"{fmt_time(v['median']):>11}"
    return f"{v:>11}"


def _num(v, width=7):
    return f"{v:>{width}.2f}" if isinstance(v, float) else f"{'-':>{width}}"


def print_rows(rows):
    header = (f"{'workload':<32}{'glassgrad':>11}{'compiled':>11}{'pytorch':>11}"
              f"{'micrograd':>11}{'ratio':>7}{'cpu':>7}{'comp':>7}{'floor':>7}  target")
    print(header)
    print("-" * len(header))
    for r in rows:
        cells = "".join(_cell(r.get(k)) for k in ("glassgrad", "compiled", "torch", "micrograd"))
        print(f"{r['name']:<32}{cells}{_num(r.get('ratio'))}{_num(r.get('cpu_ratio'))}"
              f"{_num(r.get('compiled_ratio'))}{_num(r.get('floor_x'))}  {r.get('target', '')}")
        if r.get("note"):
            print(f"{'':<32}{r['note']}")


def default_json_path(quick, partial):
    """Where a run's figures go when --json is not given: only a full run may replace the
    tracked benchmarks/results.json."""
    here = os.path.dirname(os.path.abspath(__file__))
    if not quick and not partial:
        return os.path.join(here, "results.json")
    return os.path.join(here, "out", "results_quick.json" if quick else "results_partial.json")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, skip the longest runs")
    parser.add_argument("--only", default="", help="comma-separated workloads: " + ",".join(WORKLOADS))
    parser.add_argument("--json", default=None,
                        help="where to write the figures (default: results.json for a full "
                             "run, out/results_quick.json or out/results_partial.json "
                             "otherwise)")
    parser.add_argument("--threads", default="1,2",
                        help="comma-separated BLAS thread counts to run every workload with")
    parser.add_argument("--idle-load", type=float, default=1.0,
                        help="wait until the 1-minute load average is below this")
    parser.add_argument("--idle-timeout", type=float, default=600.0,
                        help="seconds to wait for an idle machine before timing anyway")
    parser.add_argument("--blas-unset", action="store_true",
                        help="rerun this command with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset")
    args = parser.parse_args(argv)
    if args.json is None:
        args.json = default_json_path(args.quick, bool(args.only))
    if args.blas_unset:
        env = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        rest = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--blas-unset"]
        if "--json" not in rest:
            rest += ["--json", args.json.replace(".json", "_blas_unset.json")]
        return subprocess.call([sys.executable, "-m", "benchmarks.run", *rest], env=env)
    chosen = [w for w in (args.only.split(",") if args.only else WORKLOADS) if w]
    unknown = set(chosen) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workloads {sorted(unknown)}; choose from {WORKLOADS}")
    info = machine_info()
    print("machine:", json.dumps(info))
    print(f"command: python -m benchmarks.run {' '.join(sys.argv[1:])}")
    results = {"machine": info, "quick": args.quick, "runs": {}}
    log = lambda msg: print(msg, file=sys.stderr)
    for n_threads in [int(t) for t in args.threads.split(",") if t]:
        run = results["runs"][f"threads={n_threads}"] = {"workloads": {}}
        rows = []
        with threads(n_threads):
            for name in chosen:
                idle = wait_for_idle(args.idle_load, args.idle_timeout, log=log)
                t0 = time.perf_counter()
                out = getattr(workloads, name)(quick=args.quick)
                out["load_before"], out["load_after"] = idle, load_average()
                out["threads"] = n_threads
                run["workloads"][name] = out
                for r in out["rows"]:
                    r["load"] = f"{idle['load']} -> {out['load_after']}"
                    r["note"] = (r.get("note") or "") + \
                        f"{'; ' if r.get('note') else ''}load {r['load']}"
                rows.extend(out["rows"])
                log(f"[{name} ({n_threads} threads) done in {time.perf_counter() - t0:.1f} s]")
        print(f"\n== {n_threads} BLAS thread(s) ==")
        print_rows(rows)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1, default=str)
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
