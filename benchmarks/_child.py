"""Measurements that need a fresh process (peak RSS is per process): run by workloads.py.

    python -m benchmarks._child chain LIB N
    python -m benchmarks._child mlp_memory LIB STEPS
    python -m benchmarks._child mlp_growth glassgrad SHORT LONG
"""
import json
import resource
import sys
import time

import numpy as np

from benchmarks import models


def _status_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb():
    return _status_mb("VmRSS")


def peak_rss_mb():
    """This process's peak RSS. VmHWM starts afresh at exec; getrusage's ru_maxrss would
    carry over the size of the parent that forked us (the benchmark runner, torch loaded)."""
    peak = _status_mb("VmHWM")
    return peak if peak == peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def lib_named(name):
    return models.glassgrad_lib() if name == "glassgrad" else models.torch_lib()


def chain(lib, n):
    x = lib.tensor(np.ones(1, np.float32)).requires_grad_(True)
    t0 = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * 0.99999
    t1 = time.perf_counter()
    y.sum().backward()
    t2 = time.perf_counter()
    return {"forward_s": t1 - t0, "backward_s": t2 - t1, "peak_rss_mb": peak_rss_mb()}


def mlp_steps(lib, steps):
    x, y = models.digits()
    xb, yb = models.batch(x, y, 128)
    lib.manual_seed(0)
    model = models.mlp(lib)
    step = models.train_step_fn(lib, model, lib.optim.Adam(model.parameters(), lr=1e-3), xb, yb)
    for _ in range(steps):
        step()


def main():
    kind, lib = sys.argv[1], lib_named(sys.argv[2])
    if kind == "chain":
        out = chain(lib, int(sys.argv[3]))
    elif kind == "mlp_memory":
        mlp_steps(lib, int(sys.argv[3]))
        out = {"peak_rss_mb": peak_rss_mb()}
    elif kind == "mlp_growth":
        short, long_ = int(sys.argv[3]), int(sys.argv[4])
        mlp_steps(lib, short)
        a = rss_mb()
        mlp_steps(lib, long_ - short)
        out = {"rss_short_mb": a, "rss_long_mb": rss_mb()}
    else:
        raise SystemExit(f"unknown measurement {kind}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
