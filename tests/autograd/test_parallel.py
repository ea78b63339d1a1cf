"""Intra-op threads: set_num_threads/get_num_threads, and elementwise work split over threads
(glassgrad.autograd._parallel) giving the same bits as one thread."""
import multiprocessing
import os
import threading

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import optim
from glassgrad.autograd import _parallel


@pytest.fixture
def split_small(monkeypatch):
    """Split arrays of 1,000+ elements over 2 threads (the real threshold is ~0.5M)."""
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_ELEMENTS", 1000)
    monkeypatch.setattr(_parallel, "_num_threads", 2)


def test_get_and_set_num_threads_round_trip():
    old = gg.get_num_threads()
    assert isinstance(old, int) and old >= 1
    try:
        gg.set_num_threads(1)
        assert gg.get_num_threads() == 1
        gg.set_num_threads(3)
        assert gg.get_num_threads() == 3
    finally:
        gg.set_num_threads(old)
    assert gg.get_num_threads() == old


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2", None])
def test_set_num_threads_rejects_what_is_not_a_positive_integer(bad):
    with pytest.raises(ValueError, match="set_num_threads"):
        gg.set_num_threads(bad)


def test_set_num_threads_limits_numpys_blas_when_threadpoolctl_is_installed():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    old = gg.get_num_threads()
    try:
        gg.set_num_threads(1)
        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)
    finally:
        gg.set_num_threads(old)


def test_default_follows_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert _parallel._default_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "")
    assert _parallel._default_threads() >= 1


def test_run_split_covers_every_element_once_on_two_threads(split_small):
    seen = []

    def add_one(x, out):
        seen.append((threading.get_ident(), x.size))
        np.add(x, 1.0, out=out)
    x = np.arange(5001, dtype=np.float64)
    out = np.zeros_like(x)
    _parallel.run_split(add_one, (x, out))
    np.testing.assert_array_equal(out, x + 1.0)
    assert len(seen) == 2 and sum(n for _, n in seen) == x.size
    assert len({ident for ident, _ in seen}) == 2         # really two threads


def test_run_split_keeps_small_or_strided_arrays_in_one_call(split_small):
    calls = []

    def record(x, out):
        calls.append(x.shape)
        out[...] = x
    _parallel.run_split(record, (np.ones(999), np.zeros(999)))       # under the threshold
    strided = np.ones((100, 40))[:, ::2]                              # not C-contiguous
    _parallel.run_split(record, (strided, np.zeros((100, 20))))
    assert calls == [(999,), (100, 20)]


def test_run_split_on_one_thread_runs_one_call(monkeypatch):
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_ELEMENTS", 1000)
    monkeypatch.setattr(_parallel, "_num_threads", 1)
    calls = []
    _parallel.run_split(lambda x: calls.append(x.size), (np.ones(10_000),))
    assert calls == [10_000]


def test_an_exception_in_a_worker_range_reaches_the_caller(split_small):
    def fail_in_worker(x):
        if threading.current_thread() is not threading.main_thread():
            raise FloatingPointError(f"range of {x.size}")
    with pytest.raises(FloatingPointError, match="range of"):
        _parallel.run_split(fail_in_worker, (np.ones(4000),))


def test_work_inside_a_worker_is_not_split_again(split_small):
    inner_pieces = []

    def outer(x):
        inner_pieces.append(_parallel.pieces(x.size * 10))
    _parallel.run_split(outer, (np.ones(4000),))
    assert sorted(inner_pieces) == [1, 2]          # the caller's range may split, a worker's not


def test_callers_on_several_threads_share_the_pool(split_small):
    results = {}

    def job(k):
        x = np.full(6000, float(k))
        out = np.empty_like(x)
        for _ in range(20):
            _parallel.run_split(lambda a, o: np.multiply(a, 2.0, out=o), (x, out))
        results[k] = out
    threads = [threading.Thread(target=job, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        np.testing.assert_array_equal(results[k], np.full(6000, 2.0 * k))


def _split_in_child(queue):
    x = np.arange(4000.0)
    out = np.zeros_like(x)
    _parallel.run_split(lambda a, o: np.add(a, a, out=o), (x, out))
    queue.put(float(out.sum()))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_makes_its_own_pool(split_small):
    _parallel.run_split(lambda a: None, (np.ones(4000),))            # the parent's pool exists
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_split_in_child, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == 2 * np.arange(4000.0).sum()


def _train(opt_cls, kwargs, fused, steps=4):
    rng = np.random.default_rng(0)
    ps = [gg.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
          for s in [(70, 60), (60,), (33, 70)]]
    opt = opt_cls(ps, fused=fused, **kwargs)
    for _ in range(steps):
        for p in ps:
            p.grad = gg.tensor(rng.standard_normal(p.shape).astype(np.float32))
        opt.step()
    return [p.numpy().copy() for p in ps], [
        {k: np.asarray(v.numpy()).copy() for k, v in opt.state[p].items()} for p in ps]


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("opt_cls,kwargs", [
    (optim.Adam, dict(lr=1e-2)),
    (optim.Adam, dict(lr=1e-2, amsgrad=True, weight_decay=0.1, maximize=True)),
    (optim.AdamW, dict(lr=1e-2, weight_decay=0.1)),
    (optim.SGD, dict(lr=1e-2, momentum=0.9, nesterov=True)),
])
def test_optimizers_split_over_threads_are_bitwise_equal(opt_cls, kwargs, fused, monkeypatch):
    one_p, one_state = _train(opt_cls, kwargs, fused)
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_ELEMENTS", 1000)
    monkeypatch.setattr(_parallel, "_num_threads", 2)
    calls = []
    real = _parallel.run_split

    def counting(fn, arrays, *args):
        calls.append(_parallel.pieces(arrays[0].size))
        return real(fn, arrays, *args)
    monkeypatch.setattr(_parallel, "run_split", counting)     # optim calls it through the module
    two_p, two_state = _train(opt_cls, kwargs, fused)
    assert 2 in calls                                   # some update really was split
    for a, b in zip(one_p, two_p):
        np.testing.assert_array_equal(a, b)
    for sa, sb in zip(one_state, two_state):
        assert sa.keys() == sb.keys()
        for k in sa:
            np.testing.assert_array_equal(sa[k], sb[k])
