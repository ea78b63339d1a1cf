"""gg.compile: the guards checked before every replay (each makes the step capture again, or
run eagerly, never replay something wrong), host reads during capture, and threads
(captures are per thread; one compiled step serves one call at a time)."""
import threading
import time
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim
from glassgrad.autograd.grad_mode import _Process

F = nn.functional


def _mlp(seed=0):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))


def _batches(n, batch=5, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return [(gg.tensor(rng.standard_normal((batch, 6)).astype(dtype)),
             gg.tensor(rng.integers(0, 3, batch))) for _ in range(n)]


def _same_params(m1, m2):
    return all(a.numpy().tobytes() == b.numpy().tobytes()
               for a, b in zip(m1.state_dict().values(), m2.state_dict().values()))


def _step_for(model, opt):
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def _run_both(between, n=10, at=5, opt_fn=lambda m: optim.SGD(m.parameters(), lr=0.1,
                                                                 momentum=0.9)):
    """Train an eager and a compiled copy on the same batches, calling
    `between(model, opt, state)` on each after `at` steps; return both models and the
    compiled step. `state` is a dict the callback may use to swap the step's objects."""
    out = []
    for compiled in (False, True):
        model = _mlp()
        state = {"model": model, "opt": opt_fn(model)}

        def step(x, y):             # reads the model and optimizer through `state`
            state["opt"].zero_grad()
            F.cross_entropy(state["model"](x), y).backward()
            state["opt"].step()
        f = gg.compile(step) if compiled else step
        for i, (x, y) in enumerate(_batches(n)):
            if i == at:
                between(state["model"], state["opt"], state)
            f(x, y)
        out.append((state["model"], f))
    (ref, _), (got, f) = out
    return ref, got, f


# ----- guards: each change after the capture gives eager's result ------------------------------

def test_input_dtype_change_recaptures():
    xs = _batches(6) + _batches(6, dtype=np.float64, seed=1)
    models = []
    for compiled in (False, True):
        model = _mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        f = gg.compile(_step_for(model, opt)) if compiled else _step_for(model, opt)
        for x, y in xs:
            model.to(x.dtype) if x.dtype != model[0].weight.dtype else None
            f(x, y)
        models.append((model, f))
    (ref, _), (got, f) = models
    assert _same_params(ref, got)
    assert f.mode == "replay" and f.captures == 2


def test_parameter_array_replaced_in_place_of_data_is_read_fresh():
    def between(model, opt, state):
        model[0].weight.data = gg.tensor(np.full((8, 6), 0.01, np.float32))
    ref, got, f = _run_both(between, opt_fn=lambda m: optim.SGD(m.parameters(), lr=0.1))
    assert f.mode == "replay" and f.captures == 1
    assert _same_params(ref, got)


def test_new_parameter_object_on_a_module_recaptures():
    def between(model, opt, state):
        model[2].bias = nn.Parameter(gg.tensor(np.ones(3, np.float32)))
        state["opt"] = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref, got, f = _run_both(between)
    assert _same_params(ref, got)
    assert f.mode == "replay" and f.captures == 2


def test_rebound_optimizer_recaptures():
    def between(model, opt, state):
        state["opt"] = optim.Adam(model.parameters(), lr=1e-2)
    ref, got, f = _run_both(between)
    assert _same_params(ref, got)
    assert f.mode == "replay" and f.captures == 2


def test_optimizer_state_reset_is_read_fresh():
    def between(model, opt, state):
        opt.load_state_dict(optim.SGD(model.parameters(), lr=0.3, momentum=0.5).state_dict())
    ref, got, f = _run_both(between)
    assert _same_params(ref, got)
    assert f.mode == "replay"


def test_learning_rate_set_by_hand_is_read_fresh():
    def between(model, opt, state):
        opt.param_groups[0]["lr"] = 0.01
    ref, got, f = _run_both(between, opt_fn=lambda m: optim.Adam(m.parameters(), lr=0.1))
    assert _same_params(ref, got)
    assert f.mode == "replay" and f.captures == 1


def test_frozen_parameter_recaptures():
    def between(model, opt, state):
        model[0].weight.requires_grad_(False)
    ref, got, f = _run_both(between)
    assert _same_params(ref, got)
    assert f.mode == "replay" and f.captures == 2


def test_eval_mode_recaptures_with_dropout():
    def run(compiled):
        gg.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 8), nn.Dropout(0.5), nn.Linear(8, 3))
        opt = optim.SGD(model.parameters(), lr=0.1)
        f = gg.compile(_step_for(model, opt)) if compiled else _step_for(model, opt)
        gg.manual_seed(3)
        for i, (x, y) in enumerate(_batches(12)):
            model.train(i % 6 < 3)
            f(x, y)
        return model, f
    (ref, _), (got, f) = run(False), run(True)
    assert _same_params(ref, got)


def test_anomaly_mode_recaptures():
    runs = []
    try:
        for compiled in (False, True):
            _Process.anomaly = False
            model = _mlp()
            opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            f = gg.compile(_step_for(model, opt)) if compiled else _step_for(model, opt)
            for i, (x, y) in enumerate(_batches(10)):
                _Process.anomaly = i >= 5
                f(x, y)
            runs.append((model, f))
    finally:
        _Process.anomaly = False
    (ref, _), (got, f) = runs
    assert _same_params(ref, got)
    assert f.mode == "replay" and f.captures == 2 and f.program.anomaly


def test_forward_hook_added_after_capture_runs():
    calls = []

    def between(model, opt, state):
        model[1].register_forward_hook(lambda m, i, o: calls.append(1))
    with pytest.warns(RuntimeWarning, match="forward hooks"):
        ref, got, f = _run_both(between)
    assert _same_params(ref, got)
    assert f.mode == "eager" and len(calls) == 2 * 5      # eager and compiled runs


_SCALE = 1.0


def test_rebound_python_number_read_by_the_step_recaptures():
    """A number the step reads through a name (a global, a closure variable) is a constant
    of the captured program: rebinding the name captures again."""
    global _SCALE

    def run(compiled):
        global _SCALE
        model = _mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)
        shift = 0.0

        def step(x, y):
            opt.zero_grad()
            (F.cross_entropy(model(x) + shift, y) * _SCALE).backward()
            opt.step()
        f = gg.compile(step) if compiled else step
        for i, (x, y) in enumerate(_batches(12)):
            _SCALE = 1.0 if i < 4 else 2.5
            if i == 8:
                shift = 0.5
            f(x, y)
        return model, f
    try:
        (ref, _), (got, f) = run(False), run(True)
    finally:
        _SCALE = 1.0
    assert _same_params(ref, got)
    assert f.mode == "replay" and f.captures == 3


def test_guard_counts_are_bounded():
    """A step whose shapes change on every call captures again at most max_recaptures
    times, then runs eagerly, with one warning."""
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    f = gg.compile(_step_for(model, opt), max_recaptures=1)
    with pytest.warns(RuntimeWarning, match="maximum number of recaptures") as caught:
        for batch in (2, 2, 2, 3, 3, 3, 4, 4, 4, 5):
            x, y = _batches(1, batch=batch)[0]
            f(x, y)
    assert f.mode == "eager"
    assert sum("glassgrad.compile" in str(w.message) for w in caught) == 1


# ----- host reads: eager with one clear warning -----------------------------------------------

@pytest.mark.parametrize("read,what", [
    (lambda loss: loss.item(), "item"), (lambda loss: float(loss), "item"),
    (lambda loss: loss.tolist(), "tolist"), (lambda loss: bool(loss > 0), "bool"),
    (lambda loss: loss.detach().numpy().copy(), "numpy")])
def test_host_reads_fall_back_with_one_warning(read, what):
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        read(loss)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for x, y in _batches(6):
            step(x, y)
    ours = [w for w in caught if "glassgrad.compile" in str(w.message)]
    assert len(ours) == 1 and what in str(ours[0].message)
    assert "reads a tensor's value into Python" in str(ours[0].message)
    assert step.mode == "eager"


# ----- threads ---------------------------------------------------------------------------------

def _train_in_thread(seed, model, ref, results, barrier, n=10):
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        out = model(x)
        time.sleep(0.002)               # let the other thread run ops meanwhile
        F.cross_entropy(out, y).backward()
        opt.step()
    barrier.wait()
    for x, y in _batches(n, seed=seed):
        step(x, y)
    ref_opt = optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    for x, y in _batches(n, seed=seed):
        ref_opt.zero_grad()
        F.cross_entropy(ref(x), y).backward()
        ref_opt.step()
    results[seed] = (step.mode, _same_params(ref, model), len(step.program.steps))


def test_two_threads_capture_and_replay_different_steps_at_once():
    results, barrier = {}, threading.Barrier(2)
    # (the models are made here: manual_seed is process-wide)
    threads = [threading.Thread(target=_train_in_thread,
                                args=(s, _mlp(s), _mlp(s), results, barrier)) for s in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results[0][:2] == ("replay", True) and results[1][:2] == ("replay", True)
    assert results[0][2] == results[1][2]       # same model: the same program, nothing extra


def test_ops_of_another_thread_never_land_in_a_capture():
    stop = threading.Event()
    a = gg.randn(4, 4, requires_grad=True)

    def noise():
        while not stop.is_set():
            (a * 2.0 + 1.0).relu().sum().backward()

    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        out = model(x)
        time.sleep(0.005)
        loss = F.cross_entropy(out, y)
        loss.backward()
        opt.step()
        return loss                 # as _step_for's step, so that the programs compare equal
    other = _mlp()
    quiet = gg.compile(_step_for(other, optim.SGD(other.parameters(), lr=0.1)))
    for x, y in _batches(3):
        quiet(x, y)
    worker = threading.Thread(target=noise)
    worker.start()
    try:
        for x, y in _batches(4):
            step(x, y)
    finally:
        stop.set()
        worker.join()
    assert step.mode == "replay", step.reason
    assert len(step.program.steps) == len(quiet.program.steps)
    assert str(step.program) == str(quiet.program)


def test_one_compiled_step_called_from_two_threads_at_once():
    """Calls are serialized by the step's lock: 2 x 10 calls on the same batch give the
    parameters of 20 eager steps."""
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.05)
    f = gg.compile(_step_for(model, opt))
    x, y = _batches(1)[0]
    start = threading.Barrier(2)

    def worker():
        start.wait()
        for _ in range(10):
            f(x, y)
    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ref = _mlp()
    ref_opt = optim.SGD(ref.parameters(), lr=0.05)
    for _ in range(20):
        _step_for(ref, ref_opt)(x, y)
    assert f.mode == "replay"
    assert _same_params(ref, model)


def test_a_step_captured_in_one_thread_replays_in_another():
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    f = gg.compile(_step_for(model, opt))
    data = _batches(8)
    for x, y in data[:3]:
        f(x, y)
    t = threading.Thread(target=lambda: [f(x, y) for x, y in data[3:]])
    t.start()
    t.join()
    ref = _mlp()
    ref_opt = optim.SGD(ref.parameters(), lr=0.1)
    for x, y in data:
        _step_for(ref, ref_opt)(x, y)
    assert f.mode == "replay" and _same_params(ref, model)
