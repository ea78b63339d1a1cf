"""Timing helpers shared by the benchmark workloads: interleaved repeats, medians, spreads."""
import gc
import statistics
import time


def time_call(fn, repeats, warmup=2, number=1):
    """Median and spread (interquartile range) of `fn()` wall time in seconds per call."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return summarize(times)


def interleave(fns, repeats, warmup=2, number=1):
    """Time several callables in turn, round-robin, so that drift in machine load hits all
    of them alike. Returns {name: summary}."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - t0) / number)
    return {name: summarize(ts) for name, ts in samples.items()}


def summarize(times):
    times = sorted(times)
    q = statistics.quantiles(times, n=4) if len(times) >= 4 else [times[0], 0, times[-1]]
    return {"median": statistics.median(times), "iqr": q[2] - q[0], "min": times[0],
            "n": len(times)}


def fmt_time(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"
