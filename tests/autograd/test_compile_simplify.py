"""What `compile` leaves out of a replayed program, and the program compiled into one function,
never change a result: calls whose results nothing reads are dropped, repeated calls read the
first result, calls on constants alone are made once, and after some replays the calls run as
one generated function. Each case is compared bit for bit with the same steps run eagerly,
for more steps than it takes to compile the program into one function."""
import importlib
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim

_compile = importlib.import_module("glassgrad.autograd.compile")   # the module, not the function
STEPS = _compile._FUSE_AFTER + 6


def _moons_like(seed=0):
    gg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),
                          nn.Linear(8, 1)).double()
    rng = np.random.default_rng(3)
    x = gg.tensor(rng.standard_normal((20, 2)))
    y = gg.tensor(np.sign(rng.standard_normal(20)))
    return model, x, y


def _svm_trainer(compiled, returns_loss):
    """micrograd's demo step: the loss is unused when the step returns None, and the L2
    term's gradient repeats g * p twice per parameter and starts from constants."""
    model, x, y = _moons_like()
    params = list(model.parameters())

    def step(lr):
        scores = model(x).reshape(-1)
        loss = (1 - y * scores).relu().mean() + 1e-4 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with gg.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss if returns_loss else None
    return model, (gg.compile(step) if compiled else step)


def _same(a, b):
    return all(p.numpy().tobytes() == q.numpy().tobytes()
               for p, q in zip(a.parameters(), b.parameters()))


@pytest.mark.parametrize("returns_loss", [False, True])
def test_dropped_repeated_and_folded_calls_keep_results_bitwise(returns_loss):
    ref, f_ref = _svm_trainer(False, returns_loss)
    model, f = _svm_trainer(True, returns_loss)
    for k in range(STEPS):
        lr = gg.tensor(np.array(1.0 - 0.01 * k))
        a, b = f_ref(lr), f(lr)
        if returns_loss:
            assert a.numpy().tobytes() == b.numpy().tobytes()
    assert f.mode == "replay", f.reason
    assert _same(ref, model)
    for p, q in zip(ref.parameters(), model.parameters()):
        assert p.grad.numpy().tobytes() == q.grad.numpy().tobytes()
    program = f.program
    assert program.repeated > 0 and program.folded > 0
    assert (program.dropped > 0) == (not returns_loss)
    assert program._fused is not None            # compiled into one function by now
    head = str(program).splitlines()[0]
    assert "repeated" in head and "folded" in head
    # the calls replayed are fewer than those captured, and the drawing still works
    assert len(program.steps) == len(program.calls) < len(program.steps) + program.dropped \
        + program.repeated + program.folded
    from glassgrad.viz import program_to_dot
    assert "digraph" in program_to_dot(f)


def test_random_draws_are_never_dropped():
    """A dropout mask whose result is unused is still drawn: the replay consumes the random
    stream as eager does."""
    def make(compiled):
        gg.manual_seed(0)
        w = gg.tensor(np.ones(5), requires_grad=True)
        opt = optim.SGD([w], lr=0.1)

        def step(x):
            opt.zero_grad()
            nn.functional.dropout(x, 0.5, training=True)     # result unused
            loss = (w * nn.functional.dropout(x, 0.3, training=True)).sum()
            loss.backward()
            opt.step()
        return w, (gg.compile(step) if compiled else step)
    (wa, fa), (wb, fb) = make(False), make(True)
    x = gg.tensor(np.arange(1.0, 6.0))
    gg.manual_seed(7)
    for _ in range(STEPS):
        fa(x)
    gg.manual_seed(7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(STEPS):
            fb(x)
    assert fb.mode == "replay", fb.reason
    assert wa.numpy().tobytes() == wb.numpy().tobytes()


def test_a_repeated_result_updated_in_place_is_not_merged():
    """Two equal products, one then changed in place: each keeps its own array."""
    def make(compiled):
        w = gg.tensor(np.array([1.0, 2.0, 3.0]))

        def step(x):
            with gg.no_grad():
                a = w * x
                b = w * x
                b.mul_(3.0)             # only b changes
                w.sub_(a * 0.01 + b * 0.02)
                return a + b
        return w, (gg.compile(step) if compiled else step)
    (wa, fa), (wb, fb) = make(False), make(True)
    for k in range(STEPS):
        x = gg.tensor(np.array([0.5, -1.0, 2.0]) * (1 + 0.1 * k))
        assert fa(x).numpy().tobytes() == fb(x).numpy().tobytes()
    assert fb.mode == "replay", fb.reason
    assert wa.numpy().tobytes() == wb.numpy().tobytes()


@pytest.mark.parametrize("fused", [False, True])
def test_fused_program_matches_eager_with_optimizers(fused):
    """An MLP step with Adam (fused flat buffers or not) for more steps than it takes to
    compile the program into one function: bit for bit, returned tensors kept intact."""
    def make(compiled):
        gg.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 4))
        opt = optim.Adam(model.parameters(), lr=1e-2, fused=fused)

        def step(x, y):
            opt.zero_grad()
            out = model(x)
            loss = nn.functional.cross_entropy(out, y)
            loss.backward()
            opt.step()
            return loss, out
        return model, (gg.compile(step) if compiled else step)
    (ma, fa), (mb, fb) = make(False), make(True)
    rng = np.random.default_rng(0)
    kept = []
    for _ in range(STEPS):
        x = gg.tensor(rng.standard_normal((5, 6)).astype(np.float32))
        y = gg.tensor(rng.integers(0, 4, 5))
        ra, rb = fa(x, y), fb(x, y)
        kept.append((ra, rb))
    assert fb.mode == "replay", fb.reason and fb.program._fused is not None
    for ra, rb in kept:                 # results of earlier replays were not overwritten
        for a, b in zip(ra, rb):
            assert a.numpy().tobytes() == b.numpy().tobytes()
    assert _same(ma, mb)


def test_arrays_freed_during_capture_are_not_mistaken_for_new_ones():
    """The recorder keeps no array alive: a temporary freed during the step may give its id
    to a later array, which must get a label of its own (else a replay would read the
    wrong array)."""
    def make(compiled):
        gg.manual_seed(0)
        w = gg.tensor(np.linspace(-1, 1, 64), requires_grad=True)
        opt = optim.SGD([w], lr=0.05)

        def step(x):
            opt.zero_grad()
            total = None
            for k in range(12):         # many short-lived temporaries of one size
                t = (w * x + float(k)).relu()
                total = t.sum() if total is None else total + t.sum()
            total.backward()
            opt.step()
            return total
        return w, (gg.compile(step) if compiled else step)
    (wa, fa), (wb, fb) = make(False), make(True)
    rng = np.random.default_rng(1)
    for _ in range(STEPS):
        x = gg.tensor(rng.standard_normal(64))
        assert fa(x).numpy().tobytes() == fb(x).numpy().tobytes()
    assert fb.mode == "replay", fb.reason
    assert wa.numpy().tobytes() == wb.numpy().tobytes()
