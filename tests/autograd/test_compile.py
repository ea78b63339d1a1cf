"""gg.compile: a captured and replayed training step trains bit for bit like eager."""
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim


def _mlp(seed=0):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                         nn.Linear(16, 5))


def _data(n_steps, batch=6, features=12, seed=0):
    rng = np.random.default_rng(seed)
    xs = [gg.tensor(rng.standard_normal((batch, features)).astype(np.float32))
          for _ in range(n_steps)]
    ys = [gg.tensor(rng.integers(0, 5, batch)) for _ in range(n_steps)]
    return xs, ys


def _train(model_fn, make_opt, xs, ys, compiled, loss_fn=None):
    model = model_fn()
    opt = make_opt(model)
    loss_fn = loss_fn or nn.CrossEntropyLoss()

    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    f = gg.compile(step) if compiled else step
    losses = [f(x, y) for x, y in zip(xs, ys)]
    return model, f, losses


def _assert_same(m1, m2):
    for (k, a), (_, b) in zip(m1.state_dict().items(), m2.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


@pytest.mark.parametrize("make_opt", [
    lambda m: optim.Adam(m.parameters(), lr=1e-2),
    lambda m: optim.Adam(m.parameters(), lr=1e-2, fused=True),
    lambda m: optim.AdamW(m.parameters(), lr=1e-2, amsgrad=True),
    lambda m: optim.SGD(m.parameters(), lr=0.05, momentum=0.9, nesterov=True),
], ids=["adam", "adam_fused", "adamw_amsgrad", "sgd_nesterov"])
def test_mlp_20_steps_bitwise_equal_to_eager(make_opt):
    xs, ys = _data(20)
    ref, _, ref_losses = _train(_mlp, make_opt, xs, ys, compiled=False)
    got, f, losses = _train(_mlp, make_opt, xs, ys, compiled=True)
    assert f.mode == "replay", f.reason
    _assert_same(ref, got)
    for a, b in zip(ref_losses, losses):
        assert a.numpy().tobytes() == b.numpy().tobytes()


def test_program_lists_one_line_per_call():
    xs, ys = _data(4)
    _, f, _ = _train(_mlp, lambda m: optim.Adam(m.parameters()), xs, ys, compiled=True)
    text = str(f.program)
    lines = text.splitlines()
    assert len(lines) == len(f.program.steps) + 1
    assert any(line.startswith("%") and "= linear(in0, p0[16, 12], p1[16])" in line
               for line in lines)
    assert "Adam.step()" in text and "Adam.zero_grad()" in text
    assert "(6, 16) float32" in text


def test_returned_tensors_are_copies():
    xs, ys = _data(6)
    _, f, losses = _train(_mlp, lambda m: optim.SGD(m.parameters(), lr=0.1), xs, ys, True)
    kept = [l.numpy().copy() for l in losses]
    f(xs[0], ys[0])
    for a, b in zip(kept, losses):
        np.testing.assert_array_equal(a, b.numpy())
    assert losses[-1].grad_fn is None


def test_new_input_shape_recaptures_and_stays_exact():
    xs, ys = _data(6)
    xs2, ys2 = _data(6, batch=3, seed=1)
    xs, ys = xs + xs2 + xs, ys + ys2 + ys
    ref, _, _ = _train(_mlp, lambda m: optim.Adam(m.parameters()), xs, ys, compiled=False)
    got, f, _ = _train(_mlp, lambda m: optim.Adam(m.parameters()), xs, ys, compiled=True)
    _assert_same(ref, got)
    assert f.mode == "replay" and f.captures >= 2


def test_ignore_index_in_a_later_batch_fails_the_guard():
    xs, ys = _data(10)
    ys[6] = gg.tensor(np.array([1, -100, 2, 3, -100, 0]))
    ref, _, _ = _train(_mlp, lambda m: optim.SGD(m.parameters(), lr=0.1), xs, ys, False)
    got, f, _ = _train(_mlp, lambda m: optim.SGD(m.parameters(), lr=0.1), xs, ys, True)
    _assert_same(ref, got)
    # the batch with ignored targets failed the guard (it ran eagerly, captured on the general
    # path); the later batches, with none, were captured again on the shortcut
    assert f.mode == "replay" and f.captures == 2


def test_train_eval_switch_recaptures():
    xs, ys = _data(10)
    def run(compiled):
        model = _mlp()
        opt = optim.SGD(model.parameters(), lr=0.1)

        def step(x, y):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        f = gg.compile(step) if compiled else step
        for i, (x, y) in enumerate(zip(xs, ys)):
            model.train(i < 5)
            f(x, y)
        return model, f
    ref, _ = run(False)
    got, f = run(True)
    _assert_same(ref, got)
    assert f.program.modules and all(not t for _, t in f.program.modules)


def test_lr_changed_outside_the_step_is_read_fresh():
    xs, ys = _data(12)
    def run(compiled):
        model = _mlp()
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
        sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

        def step(x, y):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
            sched.step()
        f = gg.compile(step) if compiled else step
        for x, y in zip(xs, ys):
            f(x, y)
        return model, f
    ref, _ = run(False)
    got, f = run(True)
    assert f.mode == "replay"
    _assert_same(ref, got)


def test_host_read_falls_back_with_one_warning():
    xs, ys = _data(6)
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()
    with pytest.warns(RuntimeWarning, match="item"):
        for x, y in zip(xs, ys):
            assert isinstance(step(x, y), float)
    assert step.mode == "eager"
    ref = _mlp()
    ref_opt = optim.SGD(ref.parameters(), lr=0.1)
    for x, y in zip(xs, ys):
        ref_opt.zero_grad()
        nn.functional.cross_entropy(ref(x), y).backward()
        ref_opt.step()
    _assert_same(ref, model)


def test_python_if_on_a_tensor_falls_back():
    xs, ys = _data(5)
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        if loss > 0:
            loss.backward()
        opt.step()
    with pytest.warns(RuntimeWarning, match="bool"):
        for x, y in zip(xs, ys):
            step(x, y)
    assert step.mode == "eager"


def test_a_mask_made_outside_the_primitives_is_detected():
    xs, ys = _data(6)
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        out = model(x)
        mask = gg.tensor((np.asarray(out.detach()) > 0).astype(np.float32))    # frozen if replayed
        nn.functional.cross_entropy(out * mask, y).backward()
        opt.step()
    with pytest.warns(RuntimeWarning, match="frozen"):
        for x, y in zip(xs, ys):
            step(x, y)
    assert step.mode == "eager"


def test_backward_hook_falls_back():
    xs, ys = _data(5)
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)
    model[0].weight.register_hook(lambda g: g * 2)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    with pytest.warns(RuntimeWarning, match="hook"):
        for x, y in zip(xs, ys):
            step(x, y)
    assert step.mode == "eager"


def test_hook_added_after_capture_fails_the_guard():
    xs, ys = _data(8)
    model = _mlp()
    opt = optim.SGD(model.parameters(), lr=0.1)

    @gg.compile
    def step(x, y):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    for x, y in zip(xs[:4], ys[:4]):
        step(x, y)
    assert step.mode == "replay"
    seen = []
    model[0].weight.register_hook(lambda g: seen.append(1))
    with pytest.warns(RuntimeWarning, match="hook"):
        step(xs[4], ys[4])
    assert seen


def test_grad_mode_is_guarded():
    xs, ys = _data(6)
    model = _mlp()

    @gg.compile
    def forward(x):
        return model(x) * 2.0
    outs = [forward(x) for x in xs[:4]]
    assert forward.mode == "replay"
    with gg.no_grad():
        out = forward(xs[4])
    np.testing.assert_array_equal(out.numpy(), (model(xs[4]) * 2.0).numpy())
    assert forward.program is None or not forward.program.grad_enabled


def test_decorator_with_arguments():
    @gg.compile(max_recaptures=0)
    def f(x):
        return x * 2.0
    x = gg.ones(3)
    for _ in range(4):
        np.testing.assert_array_equal(f(x).numpy(), np.full(3, 2.0, np.float32))
    assert f.mode == "replay"


def _cnn():
    gg.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(8 * 2 * 2, 5))


def _bn_mlp():
    gg.manual_seed(0)
    return nn.Sequential(nn.Linear(12, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 5))


def _dropout_mlp():
    gg.manual_seed(0)
    return nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 5))


@pytest.mark.parametrize("model_fn,shape", [(_cnn, (6, 1, 8, 8)), (_bn_mlp, (6, 12)),
                                            (_dropout_mlp, (6, 12))],
                         ids=["cnn", "batchnorm_train", "dropout"])
def test_models_replay_bitwise(model_fn, shape):
    rng = np.random.default_rng(3)
    xs = [gg.tensor(rng.standard_normal(shape).astype(np.float32)) for _ in range(12)]
    ys = [gg.tensor(rng.integers(0, 5, shape[0])) for _ in range(12)]
    make_opt = lambda m: optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    gg.manual_seed(7)
    ref, _, _ = _train(model_fn, make_opt, xs, ys, compiled=False)
    gg.manual_seed(7)
    got, f, _ = _train(model_fn, make_opt, xs, ys, compiled=True)
    assert f.mode == "replay", f.reason
    _assert_same(ref, got)          # parameters and BatchNorm's running statistics


def test_dropout_masks_are_fresh_on_every_replay():
    model = _dropout_mlp()

    @gg.compile
    def forward(x):
        return model(x)
    x = gg.ones(4, 12)
    outs = [forward(x).numpy() for _ in range(6)]
    assert forward.mode == "replay"
    assert not np.array_equal(outs[-1], outs[-2])


def test_batchnorm_eval_replays_with_running_statistics():
    model = _bn_mlp()
    xs, _ = _data(8)
    for x in xs[:3]:
        model(x)                        # some running statistics
    model.eval()

    @gg.compile
    def forward(x):
        return model(x)
    got = [forward(x).numpy() for x in xs]
    assert forward.mode == "replay"
    for x, g in zip(xs, got):
        np.testing.assert_array_equal(model(x).numpy(), g)


def test_max_pool_taps_follow_the_data():
    pool = nn.MaxPool2d(2)

    @gg.compile
    def f(x):
        return pool(x)
    rng = np.random.default_rng(0)
    for _ in range(6):
        x = gg.tensor(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
        np.testing.assert_array_equal(f(x).numpy(), pool(x).numpy())
    assert f.mode == "replay"


def test_gradient_of_an_argument_lands_on_that_argument():
    w = gg.tensor(np.linspace(-1, 1, 6).astype(np.float32)).requires_grad_(True)

    @gg.compile
    def f(x):
        ((x * w).relu() * 1.5 + x).sum().backward()
    rng = np.random.default_rng(0)
    for _ in range(6):
        base = rng.standard_normal(6).astype(np.float32)
        x = gg.tensor(base.copy()).requires_grad_(True)
        ref = gg.tensor(base.copy()).requires_grad_(True)
        f(x)
        ((ref * w.detach()).relu() * 1.5 + ref).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), ref.grad.numpy())
    assert f.mode == "replay"


def test_class_weights_replay():
    xs, ys = _data(8)
    weight = gg.tensor(np.linspace(0.5, 1.5, 5).astype(np.float32))
    loss_fn = lambda out, y: nn.functional.cross_entropy(out, y, weight=weight)
    make_opt = lambda m: optim.SGD(m.parameters(), lr=0.1)
    ref, _, _ = _train(_mlp, make_opt, xs, ys, False, loss_fn)
    got, f, _ = _train(_mlp, make_opt, xs, ys, True, loss_fn)
    assert f.mode == "replay", f.reason
    _assert_same(ref, got)
