"""PyTorch's `set_num_threads` / `get_num_threads`: the number of threads of numpy's BLAS,
which runs glassgrad's matrix products (numpy's elementwise operations use one thread).

Why glassgrad does not split its own elementwise work over threads: numpy releases the GIL
inside a ufunc, so two threads can each run an optimizer's update on half of a flat array, and
on its own that is 1.5x faster at a million elements; but in a training step OpenBLAS's idle
workers keep spinning on the other cores for a while after every matrix product, and the
split update measured no faster in the hidden-1024 MLP step (ratio 1.00-1.03, 2 threads).
"""
import os

_num_threads = None             # None: the default, read on first use
_blas_limiter = None            # the threadpoolctl limit in force, kept alive


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
    """The number of threads glassgrad's matrix products may use (PyTorch's
    ``torch.get_num_threads``).

    Returns
    -------
    int
        The count given to `set_num_threads`; before any call, the thread count numpy's BLAS
        reports (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` or the CPUs this process may run
        on, as the BLAS chose at start-up).

    Examples
    --------
    >>> gg.get_num_threads() >= 1
    True
    """
    global _num_threads
    if _num_threads is None:
        _num_threads = _blas_threads() or _default_threads()
    return _num_threads


def _blas_threads():
    """The largest thread count of numpy's BLAS libraries, as threadpoolctl sees it (0 if
    it finds none)."""
    from threadpoolctl import threadpool_info
    return max((i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"),
               default=0)


def set_num_threads(n):
    """Limit the threads glassgrad's matrix products use (PyTorch's ``torch.set_num_threads``).

    Matrix products run in numpy's BLAS (OpenBLAS, MKL, ...); this limits its thread pools
    through `threadpoolctl <https://github.com/joblib/threadpoolctl>`_, for the whole
    process, until the next call.

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
    Unlike PyTorch's, glassgrad's elementwise operations always run on one thread (numpy's),
    whatever `n` is. Results do not depend on `n` except through the BLAS, whose sums may be
    ordered differently with a different thread count.

    Examples
    --------
    >>> old = gg.get_num_threads()
    >>> gg.set_num_threads(1)
    >>> gg.get_num_threads()
    1
    >>> gg.set_num_threads(old)
    """
    global _num_threads, _blas_limiter
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
    from threadpoolctl import threadpool_limits
    _blas_limiter = threadpool_limits(limits=n, user_api="blas")
    _num_threads = n
