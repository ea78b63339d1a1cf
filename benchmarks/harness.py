"""Timing helpers shared by the benchmark workloads: interleaved repeats, medians, spreads,
per-round ratios, BLAS thread limits and waiting for an idle machine."""
import contextlib
import gc
import os
import statistics
import time


def time_call(fn, repeats, warmup=2, number=1):
    """Median and spread (interquartile range) of `fn()` wall time in seconds per call."""
    for _ in range(warmup):
        fn()
    times, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
        cpu.append((time.process_time() - c0) / number)
    return summarize(times, cpu)


def interleave(fns, repeats, warmup=2, number=1):
    """Time several callables in turn, round-robin, so that drift in machine load hits all
    of them alike. Returns {name: summary}; each summary keeps its per-round wall `times`
    and process CPU times `cpu`, in round order, for per-round ratios (see `round_ratio`)."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in fns}
    cpu = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - t0) / number)
            cpu[name].append((time.process_time() - c0) / number)
    return {name: summarize(samples[name], cpu[name]) for name in fns}


def summarize(times, cpu=None):
    ordered = sorted(times)
    q = statistics.quantiles(ordered, n=4) if len(ordered) >= 4 else [ordered[0], 0, ordered[-1]]
    out = {"median": statistics.median(ordered), "iqr": q[2] - q[0], "min": ordered[0],
           "n": len(ordered), "times": list(times)}
    if cpu:
        out["cpu"] = list(cpu)
        out["cpu_median"] = statistics.median(cpu)
    return out


def round_ratio(a, b, key="times"):
    """Median over rounds of a's time / b's time in the same round (interleaved runs), which
    cancels load drift between rounds better than a ratio of medians."""
    if not a or not b or key not in a or key not in b or len(a[key]) != len(b[key]):
        return None
    ratios = [x / y for x, y in zip(a[key], b[key]) if y > 0]
    return statistics.median(ratios) if ratios else None


def load_average():
    """The 1-minute load average (None where the OS does not report it)."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def wait_for_idle(threshold, timeout, poll=5.0, log=None):
    """Sleep until the 1-minute load average is below `threshold` or `timeout` seconds have
    passed. Returns {'load': ..., 'waited_s': ..., 'idle': bool} to record with results."""
    t0 = time.monotonic()
    load = load_average()
    while load is not None and load >= threshold and time.monotonic() - t0 < timeout:
        if log:
            log(f"waiting for an idle machine: load {load} >= {threshold}")
        time.sleep(poll)
        load = load_average()
    return {"load": load, "waited_s": round(time.monotonic() - t0, 1),
            "idle": load is not None and load < threshold}


@contextlib.contextmanager
def threads(n):
    """Limit numpy's BLAS (threadpoolctl; glassgrad.set_num_threads, so that
    glassgrad.get_num_threads agrees) and torch's intra-op pool to n threads."""
    import glassgrad
    gg_prev = glassgrad.get_num_threads()
    glassgrad.set_num_threads(n)
    torch_prev = None
    try:
        import torch
        torch_prev = torch.get_num_threads()
        torch.set_num_threads(n)
    except ImportError:
        torch = None
    try:
        from threadpoolctl import threadpool_limits
        ctx = threadpool_limits(n)
    except ImportError:
        ctx = contextlib.nullcontext()
    try:
        with ctx:
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(torch_prev)
        glassgrad.set_num_threads(gg_prev)


def fmt_time(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"
