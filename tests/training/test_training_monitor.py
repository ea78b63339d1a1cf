import warnings

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad import optim
from glassgrad.training.data import DataLoader, TensorDataset
from glassgrad.training.datasets import make_spirals
from glassgrad.training.monitor import Monitor, MonitorWarning


@pytest.fixture(scope="module")
def data():
    return make_spirals(40, 3, seed=0)


def train(model, optimizer, data, steps=12, criterion=None, monitor_kwargs=None):
    """An ordinary training loop; the monitor is attached from outside."""
    X, y = data
    loss_fn = criterion or nn.CrossEntropyLoss()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MonitorWarning)
        mon = Monitor(model, optimizer, criterion=loss_fn, **(monitor_kwargs or {}))
        loader = DataLoader(TensorDataset(X, y), batch_size=40, shuffle=True, seed=0)
        done = 0
        while done < steps:
            for xb, yb in loader:
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
                done += 1
                if done == steps:
                    break
    return mon


def kinds(mon):
    return {(w.kind, w.where) for w in mon.warnings}


def test_records_loss_accuracy_ratios_and_layer_statistics(data):
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                          nn.Linear(16, 3))
    opt = optim.SGD(model.parameters(), lr=0.05)
    mon = train(model, opt, data, steps=6)
    assert mon.step_count == 6 and len(mon.history) == 6
    r = mon.history[-1]
    assert r.loss is not None and 0 <= r.metrics["train_acc"] <= 1
    assert set(r.layers) == {"0", "1", "2", "3", "4"}
    assert r.layers["1"].kind == "relu" and r.layers["1"].dead is not None
    assert r.layers["3"].kind == "tanh" and r.layers["3"].saturated is not None
    assert all(s.grad_norm is not None and s.grad_norm > 0 for s in r.layers.values())
    assert set(r.ratios) == {n for n, _ in model.named_parameters()}
    assert r.lr == 0.05
    # The ratio is the norm of the actual update over the norm of the weight.
    w_before = model[0].weight.numpy().copy()
    X, y = data
    opt.zero_grad()
    nn.CrossEntropyLoss()(model(ag.tensor(X)), ag.tensor(y)).backward()
    grad = model[0].weight.grad.numpy().copy()
    opt.step()
    expected = np.linalg.norm(0.05 * grad) / np.linalg.norm(w_before)
    assert mon.history[-1].ratios["0.weight"] == pytest.approx(expected, rel=1e-5)
    assert mon.history[-1].grad_norms["0.weight"] == pytest.approx(np.linalg.norm(grad),
                                                                   rel=1e-5)
    # That step's loss came from another loss module than the watched criterion.
    steps, losses = mon.losses()
    assert mon.step_count == 7 and mon.history[-1].loss is None
    assert list(steps) == list(range(6)) and np.isfinite(losses).all()


def test_activation_statistics_match_numpy(data):
    model = nn.Sequential(nn.Linear(2, 8), nn.Sigmoid(), nn.Linear(8, 3))
    opt = optim.SGD(model.parameters(), lr=0.0)
    X, y = data
    mon = Monitor(model, opt, criterion=nn.CrossEntropyLoss())
    mon.criterion(model(ag.tensor(X)), ag.tensor(y)).backward()
    opt.step()
    with ag.no_grad():
        a = model[1](model[0](ag.tensor(X))).numpy().astype(np.float64)
    s = mon.history[0].layers["1"]
    assert s.mean == pytest.approx(a.mean(), rel=1e-5)
    assert s.std == pytest.approx(a.std(), rel=1e-4)
    assert s.saturated == pytest.approx(np.mean((a < 0.01) | (a > 0.99)))


def test_detects_dead_relus_from_a_large_negative_bias(data):
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
    with ag.no_grad():
        model[0].bias.fill_(-10.0)
    mon = train(model, optim.SGD(model.parameters(), lr=0.1), data)
    assert mon.history[-1].layers["1"].dead == 1.0
    assert ("dead_relu", "1") in kinds(mon)


def test_detects_saturated_tanh_from_huge_weights(data):
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 3))
    with ag.no_grad():
        model[0].weight.mul_(100.0)
    mon = train(model, optim.SGD(model.parameters(), lr=0.01), data)
    assert mon.history[-1].layers["1"].saturated > 0.5
    assert ("saturated", "1") in kinds(mon)


def test_healthy_run_is_quiet(data):
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
    mon = train(model, optim.SGD(model.parameters(), lr=0.02), data, steps=20)
    assert not mon.warnings, [str(w) for w in mon.warnings]
    ratios = [mon.history[-1].ratios[n] for n in ("0.weight", "2.weight")]
    assert all(1e-4 < r < 1e-2 for r in ratios)


def test_ratio_warnings_for_huge_and_tiny_learning_rates(data):
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
    mon = train(model, optim.SGD(model.parameters(), lr=30.0), data, steps=4)
    assert ("ratio_high", "0.weight") in kinds(mon) or ("ratio_high", "2.weight") in kinds(mon)
    symptom = next(w for w in mon.warnings if w.kind == "ratio_high")
    assert symptom.step == 0                       # one update larger than half the weights
    assert "far too high" in symptom.message
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
    mon = train(model, optim.SGD(model.parameters(), lr=1e-6), data, steps=4,
                monitor_kwargs=dict(burn_in=0, window=1))
    assert ("ratio_low", "0.weight") in kinds(mon)
    symptom = next(w for w in mon.warnings if w.kind == "ratio_low")
    assert symptom.step == 2                       # persist=3: the third step in a row


def test_vanishing_and_exploding_gradients(data):
    deep = [nn.Linear(2, 16), nn.Sigmoid()]
    for _ in range(8):
        deep += [nn.Linear(16, 16), nn.Sigmoid()]
    model = nn.Sequential(*deep, nn.Linear(16, 3))
    with ag.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                m.weight.mul_(0.1)
    mon = train(model, optim.SGD(model.parameters(), lr=0.01), data, steps=3)
    assert any(k == "vanishing" and w == "0.weight" for k, w in kinds(mon))
    # Regression onto targets of order 1e4 (unscaled outputs): huge gradients.
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = optim.SGD(model.parameters(), lr=1e-9)
    loss_fn = nn.MSELoss()
    X = ag.tensor(data[0])
    target = ag.tensor(1e4 * data[0][:, :1])
    with pytest.warns(MonitorWarning, match="exploding"):
        mon = Monitor(model, opt, criterion=loss_fn)
        opt.zero_grad()
        loss_fn(model(X), target).backward()
        opt.step()
    assert any(k == "exploding" for k, _ in kinds(mon))


def test_loss_not_decreasing_and_train_val_gap(data):
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    mon = train(model, optim.SGD(model.parameters(), lr=0.0), data, steps=12,
                monitor_kwargs={"patience": 10})
    assert ("loss_flat", "loss") in kinds(mon)
    # one noisy validation is not a verdict: the gap must hold `persist` (3) times in a row
    mon.record(train_acc=0.95, val_acc=0.40)
    mon.record(train_acc=0.95, val_acc=0.41)
    assert ("overfitting", "accuracy") not in kinds(mon)
    with pytest.warns(MonitorWarning, match="validation"):
        mon.record(train_acc=0.95, val_acc=0.40)
    assert ("overfitting", "accuracy") in kinds(mon)


def test_warning_is_raised_once_and_kept_with_its_step(data):
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 3))
    with ag.no_grad():
        model[0].bias.fill_(-10.0)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.1)
    mon = Monitor(model, opt, criterion=loss_fn)
    X, y = (ag.tensor(a) for a in data)
    with pytest.warns(MonitorWarning, match="dead") as caught:
        for _ in range(6):
            opt.zero_grad()
            loss_fn(model(X), y).backward()
            opt.step()
    dead = [w for w in caught if "dead" in str(w.message)]
    assert len(dead) == 1 and dead[0].filename == __file__     # points at the user's step()
    assert [w.step for w in mon.warnings if w.kind == "dead_relu"] == [2]


def test_eval_passes_are_not_recorded_and_detach_removes_hooks(data):
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = optim.SGD(model.parameters(), lr=0.01)
    mon = train(model, opt, data, steps=2)
    X, _ = data
    model.eval()
    with ag.no_grad():
        model(ag.tensor(X))
    model.train()
    assert mon._pending.empty()
    assert all(len(m._forward_hooks) == 1 for m in model.modules() if not list(m.children()))
    assert "step" in vars(opt)
    mon.detach()
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    assert "step" not in vars(opt)
    opt.zero_grad()
    nn.CrossEntropyLoss()(model(ag.tensor(X)), ag.tensor(data[1])).backward()
    opt.step()
    assert mon.step_count == 2                     # nothing recorded after detach
    assert "detached" in repr(mon)


def test_without_optimizer_record_and_step_by_hand(data):
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))
    X, y = (ag.tensor(a) for a in data)
    with Monitor(model) as mon:
        for i in range(3):
            loss = nn.functional.cross_entropy(model(X), y)
            loss.backward()
            mon.step()
            mon.record(loss=loss.item(), val_acc=0.5)
    assert mon.step_count == 3 and mon.history[1].metrics["val_acc"] == 0.5
    assert mon.history[2].loss == pytest.approx(loss.item())
    assert not mon.history[0].ratios                 # no optimizer, no update ratios
    assert all(len(m._forward_hooks) == 0 for m in model.modules())


def test_print_every_prints_table_rows(data, capsys):
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    train(model, optim.SGD(model.parameters(), lr=0.01), data, steps=5,
          monitor_kwargs={"print_every": 2})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["step", "loss", "train_acc"]
    assert [int(line.split()[0]) for line in lines[1:]] == [0, 2, 4]


def test_every_measures_only_some_steps(data):
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    mon = train(model, optim.SGD(model.parameters(), lr=0.01), data, steps=6,
                monitor_kwargs={"every": 3})
    measured = [r.step for r in mon.history if r.layers]
    assert measured == [0, 3] and all(r.loss is not None for r in mon.history)


def test_tables_and_plots(data, tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
    mon = train(model, optim.SGD(model.parameters(), lr=0.05), data, steps=5)
    mon.record(val_acc=0.5, val_loss=1.0)
    text = str(mon)
    assert "step" in text and "layers at step 4" in text and "0.weight" in text
    assert len(mon.table(last=3).splitlines()) == 4
    for name in ("plot_loss", "plot_curves", "plot_activations", "plot_gradients"):
        path = tmp_path / f"{name}.png"
        fig = getattr(mon, name)(path)
        assert path.stat().st_size > 1000
        plt.close(fig)
    digits_like = nn.Sequential(nn.Linear(64, 10))
    fig = Monitor(digits_like, warn=False).plot_first_layer(tmp_path / "w.png")
    assert (tmp_path / "w.png").exists() and len(fig.axes) == 16
    plt.close(fig)
    with pytest.raises(ValueError, match="image_shape"):
        Monitor(nn.Sequential(nn.Linear(5, 2))).plot_first_layer()


def test_sanity_checks_on_copies_do_not_feed_an_attached_monitor(data):
    from glassgrad.training.checks import check_gradients, check_overfit
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 3))
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.01)
    mon = Monitor(model, opt, criterion=loss_fn)
    X, y = data
    check_overfit(model, loss_fn, X, y, n=10, steps=5)
    check_gradients(model, loss_fn, X[:3], y[:3], train_mode=True)
    assert mon._pending.empty() and mon.step_count == 0
    opt.zero_grad()
    loss_fn(model(ag.tensor(X)), ag.tensor(y)).backward()
    opt.step()
    assert mon.step_count == 1 and mon.history[0].loss is not None
    assert set(mon.history[0].layers) == {"0", "1", "3"}       # dropout is not a layer to watch


def test_conv_model_units_and_filters(tmp_path):
    plt = pytest.importorskip("matplotlib.pyplot")
    from glassgrad.training.datasets import load_digits
    images, y = load_digits(images=True)
    X = ag.tensor((images[:16, None] / 16.0).astype(np.float32))
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 36, 10))
    with ag.no_grad():
        model[0].bias.copy_(ag.tensor(np.array([-100.0, -100.0, 0.0, 0.0], np.float32)))
    opt = optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    mon = Monitor(model, opt, criterion=loss_fn, warn=False)
    loss_fn(model(X), ag.tensor(y[:16])).backward()
    opt.step()
    stats = mon.history[0].layers["1"]
    # A unit is a (channel, position): the two channels with bias -100 are dead everywhere.
    assert stats.dead >= 0.5
    fig = mon.plot_first_layer(tmp_path / "filters.png")
    assert (tmp_path / "filters.png").exists()
    plt.close(fig)


def test_two_monitors_on_one_optimizer(data):
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    opt = optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    first = Monitor(model, opt, criterion=loss_fn)
    second = Monitor(model, opt, criterion=loss_fn)
    X, y = (ag.tensor(a) for a in data)

    def one_step():
        opt.zero_grad()
        loss_fn(model(X), y).backward()
        opt.step()

    one_step()
    assert first.step_count == second.step_count == 1
    first.detach()              # detaching the inner wrapper keeps the outer one working
    one_step()
    assert (first.step_count, second.step_count) == (1, 2)
    second.detach()
    before = model[0].weight.numpy().copy()
    one_step()
    assert (first.step_count, second.step_count) == (1, 2)
    assert not np.array_equal(before, model[0].weight.numpy())     # the step still steps


def _digits_run(lr):
    """The main job's MLP recipe (examples/train_digits.py): Adam, weight decay, a cosine
    schedule and early stopping, with the monitor watching every 10th step."""
    from glassgrad.training import Standardizer, fit, train_val_test_split
    from glassgrad.training.datasets import load_digits
    ag.manual_seed(0)
    X, y = load_digits()
    (xtr, ytr), (xva, yva), _ = train_val_test_split(X, y, val=0.15, test=0.2, seed=0,
                                                     stratify=y)
    scaler = Standardizer().fit(xtr)
    train_loader = DataLoader(TensorDataset(ag.tensor(scaler.transform(xtr)), ag.tensor(ytr)),
                              batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(ag.tensor(scaler.transform(xva)), ag.tensor(yva)),
                            batch_size=512)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    optimizer = optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)
    loss_fn = nn.CrossEntropyLoss()
    mon = Monitor(model, optimizer, criterion=loss_fn, every=10, warn=False)
    history = fit(model, loss_fn, optimizer, train_loader, val_loader, epochs=30,
                  scheduler=scheduler, monitor=mon, patience=8, progress=False)
    mon.detach()
    return mon, history


def test_monitor_judges_the_main_jobs_runs_like_an_experienced_person():
    # healthy: Adam's first steps move weights by 1-3% (normal), then the ratio decays as
    # the cosine schedule lowers the learning rate and early stopping ends the run: no warning
    mon, history = _digits_run(1e-3)
    assert max(history.val_acc) > 0.95
    _, first = mon.ratios("3.weight")
    assert 0.01 < first[1] < 0.05 and first[-1] < 1e-4     # the early and late ratios
    assert not mon.warnings, [str(w) for w in mon.warnings]
    # 100x too high: the very first update is larger than the weights themselves
    mon, _ = _digits_run(1e-1)
    high = [w for w in mon.warnings if w.kind == "ratio_high"]
    assert high and high[0].step == 0 and "too high" in high[0].message
    assert not any(w.kind == "ratio_low" for w in mon.warnings)
    # 100x too low: ratios stay near 1e-4 from the start
    mon, _ = _digits_run(1e-5)
    low = [w for w in mon.warnings if w.kind == "ratio_low"]
    assert low and "too low" in low[0].message
    assert not any(w.kind == "ratio_high" for w in mon.warnings)
