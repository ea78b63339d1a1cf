"""Grad mode, module scopes and backward walks under real threads: each thread records and
differentiates as if it ran alone (PyTorch's grad mode is thread-local too)."""
import threading

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn, optim


def _run_in_threads(*fns):
    """Run each fn in its own thread; re-raise the first exception."""
    errors = []

    def guarded(fn):
        try:
            fn()
        except BaseException as e:     # noqa: BLE001 (re-raised in the main thread)
            errors.append(e)
    threads = [threading.Thread(target=guarded, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _train(seed, steps, barrier=None):
    """A small MLP trained with SGD; returns its losses and final weights."""
    ag.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3))
    with ag.no_grad():
        for p in model.parameters():
            p.copy_(ag.tensor(rng.standard_normal(p.shape).astype(np.float32) * 0.3))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ag.tensor(rng.standard_normal((32, 5)).astype(np.float32))
    y = ag.tensor(rng.integers(0, 3, 32))
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        with ag.no_grad():      # a no_grad block in the middle of the step, in both threads
            losses.append(float(loss.item()))
            if barrier is not None:
                barrier.wait()
        loss.backward()
        opt.step()
    return losses, [p.numpy().copy() for p in model.parameters()]


def test_two_threads_training_two_models_get_the_single_threaded_results():
    expected = {seed: _train(seed, 30) for seed in (1, 2)}
    got = {}
    barrier = threading.Barrier(2, timeout=20)
    _run_in_threads(*[lambda s=seed: got.__setitem__(s, _train(s, 30, barrier))
                      for seed in (1, 2)])
    for seed in (1, 2):
        assert got[seed][0] == expected[seed][0]
        for a, b in zip(got[seed][1], expected[seed][1]):
            np.testing.assert_array_equal(a, b)


def test_no_grad_in_one_thread_does_not_change_another_thread():
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def holder():
        with ag.no_grad():
            inside.set()
            release.wait(10)
            seen["holder"] = ag.is_grad_enabled()

    def other():
        inside.wait(10)
        x = ag.tensor([1.0], requires_grad=True)
        seen["other"] = ag.is_grad_enabled()
        seen["records"] = (x * 2.0).requires_grad
        release.set()
    _run_in_threads(holder, other)
    assert seen == {"holder": False, "other": True, "records": True}
    assert ag.is_grad_enabled()


def test_interleaved_no_grad_blocks_in_two_threads_leave_grad_mode_on():
    # A enters, B enters, A exits, B exits: with one process-wide flag, B restores "off"
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    after = {}

    def a():
        with ag.no_grad():
            a_in.set()
            b_in.wait(10)
        after["a"] = ag.is_grad_enabled()
        a_out.set()

    def b():
        a_in.wait(10)
        with ag.no_grad():
            b_in.set()
            a_out.wait(10)
        after["b"] = ag.is_grad_enabled()
    _run_in_threads(a, b)
    assert after == {"a": True, "b": True}
    assert ag.is_grad_enabled()
    x = ag.tensor([1.0], requires_grad=True)
    assert (x * 2.0).requires_grad


def test_set_grad_enabled_call_is_per_thread():
    seen = {}

    def off():
        ag.set_grad_enabled(False)
        seen["off"] = ag.is_grad_enabled()
    _run_in_threads(off)
    assert seen["off"] is False and ag.is_grad_enabled()


def test_a_layer_run_in_another_thread_during_backward_gets_its_grad():
    in_backward, forward_done = threading.Event(), threading.Event()
    layer = nn.Linear(3, 2)
    results = {}

    def slow_hook(g):
        in_backward.set()
        forward_done.wait(10)       # the main thread's walk is running while the layer runs
        return g

    def other():
        in_backward.wait(10)
        try:
            out = layer(ag.ones(4, 3)).sum()
            results["requires_grad"] = out.requires_grad
            out.backward()
        finally:
            forward_done.set()
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    y = w * 3.0
    y.register_hook(slow_hook)
    t = threading.Thread(target=other)
    t.start()
    y.sum().backward()
    t.join()
    assert results["requires_grad"] is True
    assert layer.weight.grad is not None
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.full((2, 3), 4.0))
    np.testing.assert_allclose(w.grad.numpy(), [3.0, 3.0])


def test_module_scopes_do_not_leak_across_threads():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    class Blocking(nn.Module):
        def forward(self, x):
            entered.set()
            release.wait(10)
            return x * 2.0

    def other():
        entered.wait(10)
        x = ag.tensor([1.0], requires_grad=True)
        seen["scope"] = (x * 3.0).grad_fn.scope
        release.set()
    t = threading.Thread(target=other)
    t.start()
    out = Blocking()(ag.tensor([1.0], requires_grad=True))
    t.join()
    assert seen["scope"] is None
    assert out.grad_fn.scope.name == "Blocking"


def test_keep_values_is_per_thread():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def keeper():
        with ag.keep_values():
            entered.set()
            release.wait(10)

    def other():
        entered.wait(10)
        x = ag.tensor([1.0], requires_grad=True)
        seen["value"] = (x * 3.0).grad_fn.value
        release.set()
    _run_in_threads(keeper, other)
    assert seen["value"] is None


def _chain(x, depth):
    y = x
    for i in range(depth):
        y = (y * 1.0001).tanh() + 0.01 * i
    return y.sum()


def test_concurrent_backward_on_separate_graphs_matches_single_threaded():
    rng = np.random.default_rng(0)
    data = [rng.standard_normal(50) for _ in range(4)]
    expected = []
    for d in data:
        x = ag.tensor(d, requires_grad=True)
        _chain(x, 300).backward()
        expected.append(x.grad.numpy().copy())
    got = [None] * len(data)
    barrier = threading.Barrier(len(data), timeout=20)

    def work(i):
        for _ in range(5):
            x = ag.tensor(data[i], requires_grad=True)
            loss = _chain(x, 300)
            barrier.wait()
            loss.backward()
            got[i] = x.grad.numpy().copy()
            np.testing.assert_array_equal(got[i], expected[i])
    _run_in_threads(*[lambda i=i: work(i) for i in range(len(data))])


def test_concurrent_backward_through_a_shared_graph_is_exact():
    """Two threads differentiate the same retained graph at once: the second walk finds the
    nodes held by the first and counts in a dict of its own."""
    x = ag.tensor(np.linspace(-1, 1, 20), requires_grad=True)
    loss = _chain(x, 400)
    (expected,) = ag.grad(loss, x, retain_graph=True)
    got = []
    barrier = threading.Barrier(2, timeout=20)

    def work():
        barrier.wait()
        for _ in range(5):
            got.append(ag.grad(loss, x, retain_graph=True)[0].numpy())
    _run_in_threads(work, work)
    assert len(got) == 10
    for g in got:
        np.testing.assert_array_equal(g, expected.numpy())


def test_a_walk_that_meets_another_threads_nodes_counts_in_a_dict():
    from glassgrad.autograd import engine
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 2.0).exp()
    loss = (y * y).sum()
    # pretend another thread's walk holds y's node
    engine._running[-7] = -1
    y.grad_fn.walk, y.grad_fn.pending = -7, 123
    try:
        assert engine._count_dependents([loss.grad_fn], next(engine._walk_ids)) is None
        loss.backward(retain_graph=True)
        assert y.grad_fn.walk == -7 and y.grad_fn.pending == 123     # untouched
    finally:
        del engine._running[-7]
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.exp(4 * x.numpy()), rtol=1e-6)


def test_nested_walk_from_a_hook_keeps_the_outer_counts():
    x = ag.tensor([0.5, -1.0], dtype=ag.float64, requires_grad=True)
    z = ag.tensor([2.0], dtype=ag.float64, requires_grad=True)
    shared = x * 3.0
    inner = (shared * z).sum()
    inner_grads = []

    def hook(g):
        inner_grads.append(ag.grad(inner, z, retain_graph=True)[0].numpy().copy())
        return g
    a = shared.sin()
    a.register_hook(hook)
    (a + shared).sum().backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.cos(3 * x.numpy()) + 3)
    np.testing.assert_allclose(inner_grads[0], [3 * (0.5 - 1.0)])


def test_anomaly_mode_is_process_wide():
    seen = {}

    def other():
        seen["anomaly"] = ag.is_anomaly_enabled()
    with ag.detect_anomaly():
        _run_in_threads(other)
    assert seen["anomaly"] is True and not ag.is_anomaly_enabled()


def test_backward_in_one_thread_leaves_anomaly_checks_on_in_another():
    in_backward, checked = threading.Event(), threading.Event()
    seen = {}

    def hook(g):
        in_backward.set()
        checked.wait(10)
        return g

    def other():
        in_backward.wait(10)
        try:
            x = ag.tensor([0.0], requires_grad=True)
            with pytest.raises(RuntimeError, match="detect_anomaly: op 'log'"):
                x.log()
            seen["raised"] = True
        finally:
            checked.set()
    with ag.detect_anomaly():
        w = ag.tensor([1.0], requires_grad=True)
        y = w * 2.0
        y.register_hook(hook)
        t = threading.Thread(target=other)
        t.start()
        y.sum().backward()
        t.join()
    assert seen == {"raised": True}


def test_inference_mode_is_per_thread():
    import glassgrad as gg
    seen = {}

    def worker():
        seen["inference"] = gg.is_inference_mode_enabled()
        x = gg.ones(2, requires_grad=True)
        seen["recorded"] = (x * 2).requires_grad

    with gg.inference_mode():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert gg.is_inference_mode_enabled()
    assert seen == {"inference": False, "recorded": True}
