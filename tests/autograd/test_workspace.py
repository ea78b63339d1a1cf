"""The per-thread reusable arrays of autograd/_workspace.py and the kernels whose results come
from them (conv2d and its input gradient, relu and relu_grad above the zeros-path size, the
pooling gather/scatter and the 2x2 max-pool index): a result is handed out again only once
nothing references it (views included), its values never change while it is held, and
threads never share one."""
import threading

import numpy as np
import pytest

import glassgrad as gg
import glassgrad.nn.functional as F
from glassgrad.autograd import primitives as P
from glassgrad.autograd._workspace import Workspace

F32 = np.dtype(np.float32)


def address(a):
    return a.__array_interface__["data"][0]


def test_lasting_reuses_only_unreferenced_arrays():
    ws = Workspace()
    a = ws.lasting((4, 5), F32)
    b = ws.lasting((4, 5), F32)
    assert address(a) != address(b)
    ka = address(a)
    del a
    c = ws.lasting((4, 5), F32)
    assert address(c) == ka                 # a's memory, handed out again
    view = c[1:]
    del c
    d = ws.lasting((4, 5), F32)             # c's memory is still seen through the view
    assert address(d) != ka and not np.shares_memory(d, view)


def test_lasting_zero_fills_reused_arrays():
    ws = Workspace()
    a = ws.lasting((3, 3), F32)
    a[:] = 5
    del a
    z = ws.lasting((3, 3), F32, zero=True)
    assert not z.any()


def test_lasting_keeps_the_newest_shapes_and_a_bounded_pool():
    ws = Workspace()
    ws.max_shapes, ws.per_shape = 3, 2
    for n in range(1, 6):
        ws.lasting((n,), F32)
    assert list(ws.kept) == [((3,), F32), ((4,), F32), ((5,), F32)]
    held = [ws.lasting((7,), F32) for _ in range(4)]   # 4 alive at once, 2 kept
    assert len(ws.kept[((7,), F32)]) == 2
    assert len({address(h) for h in held}) == 4


def test_lasting_pools_stay_within_their_byte_budget():
    ws = Workspace()
    ws.budget = 3 * 400                      # three (100,) float32 arrays
    held = [ws.lasting((100 + n,), F32) for n in range(6)]
    assert ws.kept_bytes <= ws.budget
    assert list(ws.kept)[-1] == ((105,), F32)          # the newest shape stays
    assert ws.kept_bytes == sum(len(p) * p[0].nbytes for p in ws.kept.values())
    assert len({address(h) for h in held}) == 6


def test_arrays_over_the_limit_are_fresh():
    ws = Workspace()
    ws.limit = 64
    a = ws.lasting((100,), F32)
    del a
    assert ((100,), F32) not in ws.kept
    assert not ws.lasting((100,), F32, zero=True).any()
    assert ws.array("s", (100,), F32, zero=True).shape == (100,)


def big(seed, shape=(4, 8, 32, 32)):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def test_relu_results_held_keep_their_values_and_are_reused_once_dropped():
    x1, x2 = gg.tensor(big(0)), gg.tensor(big(1))
    r1 = F.relu(x1)
    want = np.maximum(big(0), 0)
    r2 = F.relu(x2)
    assert not np.shares_memory(r1.numpy(), r2.numpy())
    np.testing.assert_array_equal(r1.numpy(), want)
    ka = address(r1.numpy())
    del r1
    r3 = F.relu(x2)
    assert address(r3.numpy()) == ka
    np.testing.assert_array_equal(r3.numpy(), np.maximum(big(1), 0))


def test_relu_grad_large_path_same_bits_as_the_mask_multiply():
    g, y = big(2), big(3)
    y.reshape(-1)[:4] = [np.nan, -0.0, 0.0, np.inf]
    want = np.multiply(g, ~np.less_equal(y, 0), dtype=g.dtype)
    assert g.size >= P._ZEROS_MIN
    first = P._relu_grad_forward(g, y)
    assert first.tobytes() == want.tobytes()
    second = P._relu_grad_forward(g * 2, y)       # first is held: its values stay
    assert first.tobytes() == want.tobytes() and not np.shares_memory(first, second)
    # a broadcast gradient keeps the plain formula
    np.testing.assert_array_equal(P._relu_grad_forward(g[:1], y),
                                  np.multiply(g[:1], ~np.less_equal(y, 0)))


def test_conv_and_pool_results_held_keep_their_values():
    x = gg.tensor(big(4, (8, 4, 8, 8)), requires_grad=True)
    w = gg.tensor(big(5, (6, 4, 3, 3)), requires_grad=True)

    def run():
        y = F.max_pool2d(F.relu(F.conv2d(x, w, padding=1)), 2)
        y.sum().backward()
        return y, x.grad, w.grad

    y1, gx1, gw1 = run()
    kept = [a.numpy().copy() for a in (y1, gx1, gw1)]
    x.grad = w.grad = None
    with gg.no_grad():
        x.mul_(-1)
    y2, gx2, _ = run()
    for a, k in zip((y1, gx1, gw1), kept):
        np.testing.assert_array_equal(a.numpy(), k)
    assert not np.shares_memory(y1.numpy(), y2.numpy())
    assert not np.shares_memory(gx1.numpy(), gx2.numpy())


def test_threads_never_share_a_result():
    inputs = [big(10 + i) for i in range(2)]
    wants = [np.maximum(a, 0) for a in inputs]
    errors = []
    barrier = threading.Barrier(2)

    def work(i):
        try:
            barrier.wait()
            held = []
            for _ in range(30):
                r = F.relu(gg.tensor(inputs[i])).numpy()
                held.append(r)
                if len(held) > 3:
                    held.pop(0)
                if not np.array_equal(r, wants[i]):
                    errors.append(i)
            for r in held:
                if not np.array_equal(r, wants[i]):
                    errors.append(i)
        except Exception as e:          # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def _cnn_run(fused, compiled, x, y, steps=6):
    """Losses and final parameters of `steps` Adam steps of a small CNN, eager or compiled."""
    nn = gg.nn
    gg.manual_seed(0)
    m = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Flatten(), nn.Linear(64, 10))
    opt = gg.optim.Adam(m.parameters(), lr=1e-2, fused=fused)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(m(x), y)
        loss.backward()
        opt.step()
        return loss

    f = gg.compile(step) if compiled else step
    losses = [f(x, y).item() for _ in range(steps)]
    if compiled:
        assert f.mode == "replay"
    return losses, [p.numpy().copy() for p in m.parameters()]


@pytest.mark.parametrize("fused", [False, True])
def test_compiled_cnn_step_equals_eager_with_reused_results(fused):
    """Several steps of a small CNN, eager and compiled: the same parameters bit for bit
    while results are handed out again step after step."""
    x = gg.tensor(big(20, (32, 1, 8, 8)))
    y = gg.tensor(np.arange(32) % 10)
    eager, compiled = (_cnn_run(fused, c, x, y) for c in (False, True))
    assert eager[0] == compiled[0]
    for a, b in zip(eager[1], compiled[1]):
        assert a.tobytes() == b.tobytes()
