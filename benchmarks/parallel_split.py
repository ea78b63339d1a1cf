"""Where splitting elementwise work over threads pays: a fused Adam update (glassgrad.optim's
`in_blocks` over flat float32 arrays) on 1 thread and on 2, interleaved, median of rounds.

    python -m benchmarks.parallel_split

Sets `glassgrad.autograd._parallel.MIN_PARALLEL_ELEMENTS` low for the run so every size is
split, to find the crossover that module uses. Run it on an idle machine.
"""
import time

import numpy as np

from glassgrad.autograd import _parallel
from glassgrad.optim.adam import _adam_update
from glassgrad.optim.optimizer import in_blocks

SIZES = (100_000, 200_000, 300_000, 500_000, 1_100_000, 4_000_000)


def _arrays(n):
    rng = np.random.default_rng(0)
    p, g, m = (rng.standard_normal(n).astype(np.float32) for _ in range(3))
    v = np.abs(rng.standard_normal(n)).astype(np.float32)
    return (p, g, m, v, None, np.empty_like(p), np.empty_like(p))


def _time(arrays, threads, number):
    _parallel._num_threads = threads
    t0 = time.perf_counter()
    for _ in range(number):
        in_blocks(_adam_update, arrays, 1e-3, 0.0, False, False, 0.9, 0.999, 1e-8, 1e-2, 0.03)
    return (time.perf_counter() - t0) / number


def main(rounds=15):
    saved = _parallel.MIN_PARALLEL_ELEMENTS, _parallel.get_num_threads()
    _parallel.MIN_PARALLEL_ELEMENTS = 1 << 12
    try:
        print(f"{'elements':>10} {'1 thread':>10} {'2 threads':>10} {'ratio':>6}")
        for n in SIZES:
            arrays = _arrays(n)
            number = max(1, 2_000_000 // n)
            one, two = [], []
            for _ in range(rounds):
                one.append(_time(arrays, 1, number))
                two.append(_time(arrays, 2, number))
            a, b = np.median(one), np.median(two)
            print(f"{n:>10} {a * 1e6:>8.0f}us {b * 1e6:>8.0f}us {b / a:>6.2f}")
    finally:
        _parallel.MIN_PARALLEL_ELEMENTS, _parallel._num_threads = saved


if __name__ == "__main__":
    main()
