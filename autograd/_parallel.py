"""Intra-op parallelism: large elementwise work split over threads, and PyTorch's
`set_num_threads` / `get_num_threads`.

numpy releases the GIL inside a ufunc's loop, so two threads that each run the same sequence of
ufuncs on their own half of a large array run at the same time. Handing work to a thread and
waiting for it costs ~30 us here (a wake-up, then the GIL passed back and forth between the
ufunc calls), so only arrays of at least `MIN_PARALLEL_ELEMENTS` elements are split: below
that one thread is faster (measured with benchmarks/parallel_split.py).

Splitting never changes a result: every piece runs the same elementwise function on its own
contiguous range of the flat arrays, so the values are the same bit for bit.
"""
import os
import threading

MIN_PARALLEL_ELEMENTS = 1 << 19
"""Arrays smaller than this many elements are never split (the crossover measured here)."""

_ALIGN = 64                     # piece boundaries at multiples of 64 elements (cache lines)

_lock = threading.Lock()
_num_threads = None             # None: the default, read on first use
_pool = None                    # ThreadPoolExecutor of num_threads - 1 workers, made lazily
_in_worker = threading.local()  # set in the pool's threads: work they run is never re-split
_blas_limiter = None


def _default_threads():
    """PyTorch's default: OMP_NUM_THREADS when set, else the CPUs this process may use."""
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.strip().isdigit() and int(env) > 0:
        return int(env)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


def get_num_threads():
    """The number of threads glassgrad uses for large elementwise work (PyTorch's
    ``torch.get_num_threads``).

    Returns
    -------
    int
        The count set by `set_num_threads`; by default ``OMP_NUM_THREADS`` when that is set,
        else the number of CPUs this process may run on.

    Examples
    --------
    >>> gg.get_num_threads() >= 1
    True
    """
    global _num_threads
    if _num_threads is None:
        _num_threads = _default_threads()
    return _num_threads


def set_num_threads(n):
    """Set the number of threads glassgrad uses within an operation (PyTorch's
    ``torch.set_num_threads``).

    Elementwise work on large arrays (a fused optimizer's update, for one) is split over `n`
    threads; matrix products run in numpy's BLAS, which is limited to `n` threads too when
    `threadpoolctl <https://github.com/joblib/threadpoolctl>`_ is installed.

    Parameters
    ----------
    n : int
        The number of threads, at least 1.

    Raises
    ------
    ValueError
        If `n` is not a positive integer.

    Notes
    -----
    Unlike PyTorch, without threadpoolctl the BLAS keeps its own thread count (set it with
    ``OPENBLAS_NUM_THREADS`` or ``OMP_NUM_THREADS`` before starting Python). Results do not
    depend on the thread count: split work is elementwise, so it computes the same values.

    Examples
    --------
    >>> old = gg.get_num_threads()
    >>> gg.set_num_threads(1)
    >>> gg.get_num_threads()
    1
    >>> gg.set_num_threads(old)
    """
    global _num_threads, _pool, _blas_limiter
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
    with _lock:
        _num_threads = n
        old, _pool = _pool, None
    if old is not None:
        old.shutdown(wait=False)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    _blas_limiter = threadpool_limits(limits=n, user_api="blas")


def _workers():
    """The pool of get_num_threads() - 1 worker threads, made on first use."""
    global _pool
    pool = _pool
    if pool is None:
        with _lock:
            if _pool is None:
                from concurrent.futures import ThreadPoolExecutor
                _pool = ThreadPoolExecutor(get_num_threads() - 1,
                                           thread_name_prefix="glassgrad-intraop",
                                           initializer=_mark_worker)
            pool = _pool
    return pool


def _mark_worker():
    _in_worker.active = True


def _forget_pool_in_child():
    """After fork the child has none of the parent's threads: make a new pool on demand."""
    global _pool, _lock
    _pool = None
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_in_child)


def pieces(size):
    """How many pieces an elementwise job over `size` elements is split into: 1 below
    MIN_PARALLEL_ELEMENTS, on one thread, or inside a worker; else up to get_num_threads()."""
    if size < MIN_PARALLEL_ELEMENTS or getattr(_in_worker, "active", False):
        return 1
    n = _num_threads if _num_threads is not None else get_num_threads()
    return min(n, size // (MIN_PARALLEL_ELEMENTS // 2))


def run_split(fn, arrays, *args):
    """fn(*arrays, *args) for an elementwise `fn` over equally sized C-contiguous arrays (None
    entries pass through), split into contiguous ranges run on `pieces()` threads at once.
    The calling thread runs the first range; an exception in any range is raised here after
    every range has finished. Returns None (fn works in place)."""
    first = arrays[0]
    n = pieces(first.size)
    if n == 1 or not all(a is None or (a.flags.c_contiguous and a.size == first.size)
                         for a in arrays):
        fn(*arrays, *args)
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    step = -(-first.size // n // _ALIGN) * _ALIGN
    bounds = [(lo, min(lo + step, first.size)) for lo in range(0, first.size, step)]
    pool = _workers()
    futures = [pool.submit(fn, *[None if a is None else a[lo:hi] for a in flat], *args)
               for lo, hi in bounds[1:]]
    try:
        lo, hi = bounds[0]
        fn(*[None if a is None else a[lo:hi] for a in flat], *args)
    finally:
        for f in futures:
            f.result()
