"""Optimizer step time: glassgrad vs PyTorch on the parameters of a 64-256-256-10 MLP.

Each optimizer updates the six float32 parameters (W1, b1, W2, b2, W3, b3) from fixed
random gradients; the step alone is timed (no forward or backward). PyTorch runs its default
implementation (on CPU: the per-parameter loop, neither foreach nor fused) in the same
process and thread settings.

    python benchmarks/optim_step.py [--repeats 200] [--threads N]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autograd as ag  # noqa: E402
import optim  # noqa: E402

SHAPES = [(64, 256), (256,), (256, 256), (256,), (256, 10), (10,)]

CONFIGS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("Adam", dict(lr=1e-3)),
    ("AdamW", dict(lr=1e-3)),
    ("Adam", dict(lr=1e-3, amsgrad=True)),
    ("NAdam", dict(lr=1e-3)),
    ("Adagrad", dict(lr=1e-2)),
    ("RMSprop", dict(lr=1e-2)),
    ("Adadelta", dict()),
]


def time_steps(step, warmup, repeats, inner):
    """Median and min of `repeats` timings of `inner` consecutive steps, per step, in µs."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            step()
        times.append((time.perf_counter() - t0) / inner * 1e6)
    return statistics.median(times), min(times)


def glassgrad_step(name, kwargs, arrays, grads):
    params = [ag.tensor(a, requires_grad=True) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = ag.tensor(g)
    return getattr(optim, name)(params, **kwargs).step


def torch_step(torch, name, kwargs, arrays, grads):
    params = [torch.tensor(a, requires_grad=True) for a in arrays]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    return getattr(torch.optim, name)(params, **kwargs).step


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--inner", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--threads", type=int, default=None,
                    help="torch.set_num_threads (default: torch's own default)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    arrays = [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in SHAPES]
    grads = [(rng.standard_normal(s) * 0.01).astype(np.float32) for s in SHAPES]
    n = sum(a.size for a in arrays)
    try:
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    print(f"parameters: {n} float32 in {len(SHAPES)} tensors; numpy {np.__version__}"
          + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else ""))
    print(f"median (min) µs per step over {args.repeats} x {args.inner} steps; ratio = "
          f"glassgrad / torch (< 1: glassgrad is faster)")
    print(f"{'optimizer':60s} {'glassgrad':>16s} {'torch':>16s} {'ratio':>7s} {'(min)':>6s}")
    for name, kwargs in CONFIGS:
        label = name + "(" + ", ".join(f"{k}={v}" for k, v in kwargs.items()) + ")"
        ours = time_steps(glassgrad_step(name, kwargs, arrays, grads), args.warmup,
                          args.repeats, args.inner)
        row = f"{label:60s} {ours[0]:8.1f} ({ours[1]:5.1f})"
        if torch is not None:
            theirs = time_steps(torch_step(torch, name, kwargs, arrays, grads), args.warmup,
                                args.repeats, args.inner)
            row += (f" {theirs[0]:8.1f} ({theirs[1]:5.1f}) {ours[0] / theirs[0]:7.2f}"
                    f" {ours[1] / theirs[1]:6.2f}")
        print(row)


if __name__ == "__main__":
    main()
