"""glassgrad's benchmark suite: every workload for glassgrad and, when installed, PyTorch and
micrograd, side by side in one process run (same data, same threads).

    python -m benchmarks.run                 # everything (several minutes)
    python -m benchmarks.run --quick         # fewer repeats, no 1e6 chain / 10,000-step run
    python -m benchmarks.run --only mlp_step,op_overhead
    python -m benchmarks.run --blas-unset    # rerun with OPENBLAS_CORETYPE/L2_SIZE unset

Prints a table of medians, spreads (IQR) and ratios (glassgrad / PyTorch; < 1 means
glassgrad is faster) and writes the figures to a JSON file: a full run to the tracked
benchmarks/results.json (the README's figures), a `--quick` or `--only` run to
benchmarks/out/results_quick.json or benchmarks/out/results_partial.json (not tracked), so
that a short run never replaces the full figures; `--json PATH` chooses the file.
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
from benchmarks.harness import fmt_time

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


def print_rows(rows):
    header = f"{'workload':<34}{'glassgrad':>14}{'pytorch':>14}{'micrograd':>14}{'ratio':>8}  target"
    print(header)
    print("-" * len(header))
    for r in rows:
        cells = []
        for key in ("glassgrad", "torch", "micrograd"):
            v = r.get(key)
            if v is None:
                cells.append(f"{'-':>14}")
            elif isinstance(v, dict):
                cells.append(f"{fmt_time(v['median']):>14}")
            else:
                cells.append(f"{v:>14}")
        ratio = r.get("ratio")
        ratio_s = f"{ratio:>8.2f}" if isinstance(ratio, float) else f"{'-':>8}"
        print(f"{r['name']:<34}{''.join(cells)}{ratio_s}  {r.get('target', '')}")
        if r.get("note"):
            print(f"{'':<34}{r['note']}")


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
    results, rows = {"machine": info, "quick": args.quick, "workloads": {}}, []
    for name in chosen:
        t0 = time.perf_counter()
        out = getattr(workloads, name)(quick=args.quick)
        results["workloads"][name] = out
        rows.extend(out["rows"])
        print(f"[{name} done in {time.perf_counter() - t0:.1f} s]", file=sys.stderr)
    print()
    print_rows(rows)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1, default=str)
    print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
