"""Crossover measurements behind the convolution and max-pool kernel choices.

    python -m benchmarks.conv_paths [--quick]

Times every layout of the stride-1 conv2d kernels (wide, narrow, channels-last; the input
gradient as GEMM + col2im or as the flipped-kernel convolution) and the max-pool taps
(general windows, tiled, 2x2 flat) on the same inputs, interleaved, one BLAS thread, CPU
time (median of rounds, microseconds per call). The size rule in
autograd/_conv_kernels.py (`_path`) and the tiled max-pool dispatch in
nn/_functional_core.py follow these tables; benchmarks/conv_paths.md records a run.
"""
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from glassgrad.autograd import _conv_kernels as K  # noqa: E402
from glassgrad.nn import _functional_core as F  # noqa: E402

CONV_CASES = [  # (x shape, output channels); 3x3 kernels, padding 1, float32
    ((64, 1, 8, 8), 16), ((64, 2, 8, 8), 16), ((64, 3, 8, 8), 16), ((64, 4, 8, 8), 16),
    ((64, 8, 8, 8), 16), ((64, 16, 4, 4), 32), ((64, 32, 4, 4), 32), ((16, 1, 28, 28), 8),
    ((16, 3, 32, 32), 16), ((16, 8, 32, 32), 16), ((16, 16, 10, 10), 32),
    ((16, 16, 16, 16), 32), ((8, 64, 8, 8), 64), ((2, 1, 64, 64), 4),
]
POOL_CASES = [(64, 16, 8, 8), (64, 32, 4, 4), (16, 16, 32, 32), (8, 3, 12, 12)]


def _cpu_us(fn, budget=0.02):
    fn()
    t0 = time.process_time()
    fn()
    one = max(time.process_time() - t0, 1e-6)
    number = max(2, min(200, int(budget / one)))
    t0 = time.process_time()
    for _ in range(number):
        fn()
    return (time.process_time() - t0) / number * 1e6


def _median_rounds(fns, rounds):
    times = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            times[k].append(_cpu_us(fn))
    return {k: float(np.median(v)) for k, v in times.items()}


def conv_table(rounds):
    rng = np.random.default_rng(0)
    pads, dil = (1, 1, 1, 1), (1, 1)
    rows = []
    for xs, o in CONV_CASES:
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal((o, xs[1], 3, 3)).astype(np.float32)
        b = rng.standard_normal(o).astype(np.float32)
        g = rng.standard_normal((xs[0], o) + xs[2:]).astype(np.float32)
        fns = {
            "fwd wide": lambda: K._wide_conv2d_forward(x, w, b, pads, dil),
            "fwd narrow": lambda: K._narrow_conv2d(x, w, b, pads, dil),
            "fwd nhwc": lambda: K._nhwc_conv2d(x, w, b, pads, dil),
            "wgrad wide": lambda: K._wide_weight_grad(g, x, pads, dil, w.shape),
            "wgrad narrow": lambda: K._narrow_weight_grad(g, x, pads, dil, w.shape),
            "wgrad nhwc": lambda: K._nhwc_weight_grad(g, x, pads, dil, w.shape),
            "igrad col2im": lambda: K._wide_input_grad(g, w, pads, dil, xs),
            "igrad flipped": lambda: K._flipped_input_grad(g, w, pads, dil, xs),
        }
        res = _median_rounds(fns, rounds)
        rows.append((xs, o, res, K._path(xs[1], xs[2] * xs[3])))
    return rows


def pool_table(rounds):
    rng = np.random.default_rng(0)
    rows = []
    for xs in POOL_CASES:
        x = np.maximum(rng.standard_normal(xs).astype(np.float32), 0)     # ReLU output
        m, (h, w) = xs[0] * xs[1], xs[2:]
        data, oh, ow = x.reshape(m, h, w), h // 2, w // 2
        extent = (h, w, oh, ow, 0, 0)
        fns = {
            "general": lambda: F._windowed_max_pool_index(data, (2, 2), (2, 2), (0, 0),
                                                          (1, 1), extent),
            "tiled": lambda: F._tiled_max_pool_index(data, (2, 2), oh, ow),
            "2x2 flat": lambda: F._quad_max_pool_index(data, oh, ow),
        }
        rows.append((xs, _median_rounds(fns, rounds)))
    return rows


def main():
    rounds = 3 if "--quick" in sys.argv else 7
    print(f"conv2d kernels, 3x3, padding 1, float32, us per call (median of {rounds} rounds, "
          f"CPU time, load {os.getloadavg()[0]:.1f})")
    head = ["fwd wide", "fwd narrow", "fwd nhwc", "wgrad wide", "wgrad narrow", "wgrad nhwc",
            "igrad col2im", "igrad flipped"]
    print("| x | O | " + " | ".join(head) + " | rule picks |")
    print("|---" * (len(head) + 3) + "|")
    for xs, o, res, path in conv_table(rounds):
        print(f"| {xs} | {o} | " + " | ".join(f"{res[h]:.0f}" for h in head) + f" | {path} |")
    print(f"\nmax_pool2d 2x2 taps (ReLU output), float32, us per call")
    print("| x | general | tiled | 2x2 flat |\n|---|---|---|---|")
    for xs, res in pool_table(rounds):
        print(f"| {xs} | {res['general']:.0f} | {res['tiled']:.0f} | {res['2x2 flat']:.0f} |")
    print(f"\nload after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
