"""The replay's preallocated buffers and gradients written into a fused optimizer's flat
array never change a result: bit for bit as eager, and arrays that leave a replay (leaf
gradients, returned tensors) are never overwritten by a later replay."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim


def _model(seed=0, dtype=np.float32):
    gg.manual_seed(seed)
    m = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                      nn.Linear(16, 4))
    return m.double() if dtype == np.float64 else m


def _batches(n, batch=5, dtype=np.float32, seed=1):
    rng = np.random.default_rng(seed)
    return ([gg.tensor(rng.standard_normal((batch, 6)).astype(dtype)) for _ in range(n)],
            [gg.tensor(rng.integers(0, 4, batch)) for _ in range(n)])


def _run(make_opt, compiled, n=15, dtype=np.float32, keep_grads=False, set_to_none=True):
    model = _model(dtype=dtype)
    opt = make_opt(model)
    xs, ys = _batches(n, dtype=dtype)

    def step(x, y):
        opt.zero_grad(set_to_none=set_to_none)
        out = model(x)
        loss = nn.functional.cross_entropy(out, y)
        loss.backward()
        opt.step()
        return loss, out

    f = gg.compile(step) if compiled else step
    kept, results = [], []
    for x, y in zip(xs, ys):
        loss, out = f(x, y)
        results.append((loss, out))
        if keep_grads:
            kept.append([p.grad for p in model.parameters()])
    return model, f, results, kept


OPTS = {
    "adam_fused": lambda m: optim.Adam(m.parameters(), lr=1e-2, fused=True),
    "adamw_fused_amsgrad": lambda m: optim.AdamW(m.parameters(), lr=1e-2, amsgrad=True,
                                                 fused=True),
    "sgd_fused_momentum": lambda m: optim.SGD(m.parameters(), lr=0.05, momentum=0.9,
                                              fused=True),
    "adam": lambda m: optim.Adam(m.parameters(), lr=1e-2),
}


@pytest.mark.parametrize("name", list(OPTS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bitwise_equal_and_returned_tensors_stay(name, dtype):
    ref, _, ref_results, _ = _run(OPTS[name], False, dtype=dtype)
    got, f, results, _ = _run(OPTS[name], True, dtype=dtype)
    assert f.mode == "replay", f.reason
    assert f.program.n_buffers > 0
    for (a, b) in zip(ref.parameters(), got.parameters()):
        assert a.numpy().tobytes() == b.numpy().tobytes()
    # every returned tensor still holds its own step's values after later replays
    for (l1, o1), (l2, o2) in zip(ref_results, results):
        assert l1.numpy().tobytes() == l2.numpy().tobytes()
        assert o1.detach().numpy().tobytes() == o2.numpy().tobytes()


@pytest.mark.parametrize("name", list(OPTS))
def test_kept_gradients_match_eager(name):
    """A .grad kept from an earlier step holds what it holds in eager mode (with a fused
    optimizer the eager path reuses the flat gradient views too)."""
    _, _, _, ref_kept = _run(OPTS[name], False, keep_grads=True)
    _, f, _, kept = _run(OPTS[name], True, keep_grads=True)
    assert f.mode == "replay"
    for ga, gb in zip(ref_kept, kept):
        for a, b in zip(ga, gb):
            assert a.numpy().tobytes() == b.numpy().tobytes()


def test_gradients_go_into_the_fused_buffer_without_copies():
    model, f, _, _ = _run(OPTS["adam_fused"], True, n=6)
    bases = {id(p.grad._data.base) for p in model.parameters()}
    assert len(bases) == 1 and all(p.grad._data.base is not None for p in model.parameters())
    calls = [c for c in f.program.calls if c.kind == "set_grad"]
    assert len(calls) == 6 and all(c.into_optimizer for c in calls)
    assert "written into the optimizer's gradient buffer" in str(f.program)


def test_accumulating_gradients_replay_exactly():
    """zero_grad(set_to_none=False): the backward accumulates into existing gradients."""
    ref, _, _, _ = _run(OPTS["adam_fused"], False, set_to_none=False)
    got, f, _, _ = _run(OPTS["adam_fused"], True, set_to_none=False)
    assert f.mode == "replay"
    for a, b in zip(ref.parameters(), got.parameters()):
        assert a.numpy().tobytes() == b.numpy().tobytes()


def test_manual_sgd_with_in_place_updates():
    """The micrograd-style step: gradients read back and parameters updated in place."""
    def make():
        gg.manual_seed(3)
        return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1)).double()
    rng = np.random.default_rng(0)
    x = gg.tensor(rng.standard_normal((20, 2)))
    t = gg.tensor(np.sign(rng.standard_normal(20)))

    def trainer(model, compiled):
        params = list(model.parameters())

        def step(lr):
            loss = (1 - t * model(x).reshape(-1)).relu().mean()
            for p in params:
                p.grad = None
            loss.backward()
            with gg.no_grad():
                for p in params:
                    p -= lr * p.grad
            return loss
        return gg.compile(step) if compiled else step

    a, b = make(), make()
    fa, fb = trainer(a, False), trainer(b, True)
    for k in range(12):
        lr = gg.tensor(np.array(1.0 - 0.05 * k))
        la, lb = fa(lr), fb(lr)
        assert la.numpy().tobytes() == lb.numpy().tobytes()
    assert fb.mode == "replay", fb.reason
    for p, q in zip(a.parameters(), b.parameters()):
        assert p.numpy().tobytes() == q.numpy().tobytes()
        assert p.grad.numpy().tobytes() == q.grad.numpy().tobytes()


def test_buffers_are_reused_only_after_their_last_reader():
    _, f, _, _ = _run(OPTS["adam"], True, n=4)
    program = f.program
    last_read = {}
    for n, c in enumerate(program.calls):
        for i in c.inputs:
            last_read[i] = n
    holder = {}
    for n, c in enumerate(program.calls):
        if c.buffer is None:
            continue
        prev = holder.get(c.buffer)
        if prev is not None:
            assert last_read.get(prev, -1) <= n     # the earlier array is dead by now
        holder[c.buffer] = c.output


def test_concurrent_calls_never_share_buffers():
    """Two threads calling one compiled function: every result is its own input's."""
    import threading
    model = _model()
    model.eval()

    @gg.compile
    def forward(x):
        return model(x)
    rng = np.random.default_rng(5)
    xs = [gg.tensor(rng.standard_normal((64, 6)).astype(np.float32)) for _ in range(40)]
    for x in xs[:3]:
        forward(x)
    assert forward.mode == "replay"
    want = [model(x).detach().numpy() for x in xs]
    got = [None] * len(xs)

    def worker(indices):
        for i in indices:
            got[i] = forward(xs[i]).numpy()
    threads = [threading.Thread(target=worker, args=(range(k, len(xs), 2),)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for w, g in zip(want, got):
        assert w.tobytes() == g.tobytes()


@pytest.mark.parametrize("op", ["hypot", "atan2", "pow", "div", "logaddexp"])
def test_binary_ufunc_primitives_replay_without_warnings(op):
    """Every elementwise primitive written into a buffer gives eager's values exactly."""
    import warnings
    w = gg.tensor(np.linspace(0.5, 1.5, 12).reshape(3, 4), requires_grad=True)

    def step(x):
        y = getattr(gg, op)(x * 1.5 + 0.25, w)
        y.sum().backward()
        return y
    f = gg.compile(step)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            base = rng.uniform(0.5, 2.0, (3, 4))
            w.grad = None
            got = f(gg.tensor(base.copy()))
            g_got = w.grad.numpy().copy()
            w.grad = None
            want = step(gg.tensor(base.copy()))
            assert got.numpy().tobytes() == want.detach().numpy().tobytes()
            assert g_got.tobytes() == w.grad.numpy().tobytes()
    assert f.mode == "replay", f.reason


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_into_a_buffer_without_warnings(op):
    """np.maximum/np.minimum take their buffer as out= (a positional out is deprecated)."""
    import warnings
    w = gg.tensor(np.linspace(0.5, 1.5, 12).reshape(3, 4))

    def forward(x):
        return getattr(gg, op)(x * 1.5, w) * 2.0
    f = gg.compile(forward)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(5):
            x = gg.tensor(rng.uniform(0.0, 2.0, (3, 4)))
            assert f(x).numpy().tobytes() == forward(x).numpy().tobytes()
    assert f.mode == "replay", f.reason
    assert any(c.name == op and c.buffer is not None for c in f.program.calls)


def test_an_elementwise_result_in_fortran_order_keeps_its_layout():
    """numpy gives an elementwise result of transposed inputs the transposed (Fortran) layout,
    and a later sum adds in memory order: a C-ordered buffer in its place would round
    differently, so such an output is not given a buffer, and the replay stays bitwise."""
    def run(compiled):
        gg.manual_seed(3)
        w = gg.randn(64, 48, requires_grad=True)
        opt = optim.SGD([w], lr=0.01)
        rng = np.random.default_rng(4)

        def step(x):
            opt.zero_grad()
            prod = x.T * w.T                    # (48, 64), Fortran-ordered
            loss = (prod * 1.7).sum(1).square().sum()
            loss.backward()
            opt.step()
            return loss
        f = gg.compile(step) if compiled else step
        for _ in range(6):
            f(gg.tensor(rng.standard_normal((64, 48)).astype(np.float32)))
        return w.detach().numpy().copy(), f
    eager, _ = run(False)
    replayed, f = run(True)
    assert f.mode == "replay", f.reason
    assert eager.tobytes() == replayed.tobytes()
    forward = [line for line in str(f.program).splitlines()
               if "= mul(" in line and "-> (48, 64)" in line][:2]     # prod and prod * 1.7
    assert len(forward) == 2 and all("[b" not in line for line in forward), forward
