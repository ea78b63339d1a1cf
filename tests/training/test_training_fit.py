import glob
import os

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad import optim
from glassgrad.training.data import DataLoader, TensorDataset, train_val_test_split
from glassgrad.training.datasets import make_blobs
from glassgrad.training.fit import History, evaluate, fit, load_checkpoint
from glassgrad.training.monitor import Monitor


@pytest.fixture(scope="module")
def loaders():
    X, y = make_blobs(240, centers=3, cluster_std=2.0, seed=0)
    (Xtr, ytr), (Xva, yva), _ = train_val_test_split(X, y, val=0.25, test=0.0, seed=0)
    train = DataLoader(TensorDataset(Xtr, ytr), batch_size=32)
    val = DataLoader(TensorDataset(Xva, yva), batch_size=64)
    return train, val


def make_model(seed=0):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))


def test_fit_trains_and_returns_history(loaders):
    train, val = loaders
    model = make_model()
    loss_fn = nn.CrossEntropyLoss()
    before = evaluate(model, loss_fn, val)[0]
    h = fit(model, loss_fn, optim.Adam(model.parameters(), lr=1e-2), train, val, epochs=4,
            progress=False)
    assert isinstance(h, History) and h.epochs == [1, 2, 3, 4] and len(h) == 4
    assert h.val_loss[-1] < before and h.train_loss[-1] < h.train_loss[0]
    assert all(0 <= a <= 1 for a in h.train_acc + h.val_acc)
    assert h.best_epoch == int(np.argmin(h.val_loss)) + 1
    assert h.best_loss == min(h.val_loss) and not h.stopped_early
    assert "best epoch" in str(h)
    assert model.training


def test_without_validation_the_training_loss_is_watched(loaders):
    train, _ = loaders
    model = make_model()
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), train,
            epochs=2, progress=False)
    assert h.val_loss == [None, None] and h.best_loss == min(h.train_loss)


def test_early_stopping_triggers(loaders):
    train, val = loaders
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=0.0)        # the validation loss never improves
    h = fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=20, patience=3,
            progress=False)
    assert h.stopped_early and h.epochs == [1, 2, 3, 4] and h.best_epoch == 1
    model = make_model()
    h = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2), train,
            val, epochs=20, patience=2, min_delta=10.0, progress=False)
    assert h.stopped_early and len(h) == 3


def test_checkpoint_holds_the_best_model_and_it_is_restored(loaders, tmp_path):
    train, val = loaders
    path = tmp_path / "best.safetensors"
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=0.3)      # a rough ride: not every epoch improves
    h = fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=6, checkpoint_path=path,
            progress=False)
    ckpt = ag.load(path)
    assert ckpt["epoch"] == h.best_epoch
    assert ckpt["history"]["epochs"] == list(range(1, h.best_epoch + 1))
    for k, v in model.state_dict().items():           # restore_best=True
        np.testing.assert_array_equal(v.numpy(), ckpt["model"][k].numpy())
    assert evaluate(model, nn.CrossEntropyLoss(), val)[0] == pytest.approx(h.best_loss,
                                                                          rel=1e-5)
    assert not glob.glob(str(tmp_path / ".tmp-*"))    # no half-written files left


def test_checkpoint_write_is_atomic(loaders, tmp_path, monkeypatch):
    train, val = loaders
    path = tmp_path / "best.safetensors"
    model = make_model()
    calls = {"n": 0}
    real_replace = os.replace

    def failing_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-2), train, val,
            epochs=5, checkpoint_path=path, progress=False)
    monkeypatch.undo()
    assert ag.load(path)["epoch"] == 1                 # the previous checkpoint is intact
    assert not glob.glob(str(tmp_path / ".tmp-*"))


def test_resume_continues_exactly_where_the_checkpoint_left_off(loaders, tmp_path):
    train, val = loaders
    loss_fn = nn.CrossEntropyLoss()

    def run(epochs, resume, path):
        model = make_model()
        opt = optim.Adam(model.parameters(), lr=3e-3)
        sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        h = fit(model, loss_fn, opt, train, val, epochs=epochs, scheduler=sched,
                checkpoint_path=path, resume=resume, progress=False)
        return model, h

    straight, h_straight = run(5, False, tmp_path / "a.safetensors")
    assert h_straight.best_epoch == 5                  # steady improvement at this lr
    path = tmp_path / "b.safetensors"
    run(3, False, path)
    resumed, h = run(5, True, path)
    assert h.resumed_from == 3 and h.epochs == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(h.val_loss, h_straight.val_loss, rtol=1e-6)
    assert h.lr == h_straight.lr == [3e-3, 3e-3, 1.5e-3, 1.5e-3, 7.5e-4]
    for (k, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-7, err_msg=k)


def test_load_checkpoint_restores_model_and_optimizer(loaders, tmp_path):
    train, val = loaders
    path = tmp_path / "c.safetensors"
    model = make_model()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=2, checkpoint_path=path,
        progress=False)
    fresh = make_model(seed=1)
    fresh_opt = optim.Adam(fresh.parameters(), lr=1e-2)
    ckpt = load_checkpoint(path, fresh, fresh_opt)
    assert ckpt["epoch"] == 2
    for a, b in zip(model.parameters(), fresh.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert float(fresh_opt.state_dict()["state"][0]["step"].item()) == 2 * len(train)
    ag.save(model.state_dict(), tmp_path / "plain.safetensors")
    with pytest.raises(ValueError, match="not a checkpoint"):
        load_checkpoint(tmp_path / "plain.safetensors", fresh)


def test_reduce_on_plateau_gets_the_validation_loss(loaders):
    train, val = loaders

    class ReduceLROnPlateau:                # records what fit passes to step()
        def __init__(self):
            self.seen = []

        def step(self, metric):
            self.seen.append(metric)

    model = make_model()
    sched = ReduceLROnPlateau()
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05), train, val,
            epochs=3, scheduler=sched, progress=False)
    assert sched.seen == h.val_loss
    opt = optim.SGD(model.parameters(), lr=0.05)
    real = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, threshold=10.0,
                                                threshold_mode="abs")
    h = fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=3, scheduler=real,
            progress=False)
    assert h.lr == pytest.approx([0.05, 0.05, 0.005])    # no improvement by 10: cut once


def test_fit_feeds_the_monitor(loaders):
    train, val = loaders
    model = make_model()
    opt = optim.SGD(model.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    mon = Monitor(model, opt, warn=False)             # no criterion: fit records the loss
    fit(model, loss_fn, opt, train, val, epochs=2, monitor=mon, progress=False)
    assert mon.step_count == 2 * len(train)
    assert all(r.loss is not None for r in mon.history)
    steps, val_acc = mon.metric("val_acc")
    assert list(steps) == [len(train) - 1, 2 * len(train) - 1]
    mon.detach()
    # With the criterion watched, the hooks record the loss and validation passes are not
    # mistaken for training steps.
    mon = Monitor(model, opt, criterion=loss_fn, warn=False)
    fit(model, loss_fn, opt, train, val, epochs=2, monitor=mon, progress=False)
    assert mon.step_count == 2 * len(train) and mon._pending.empty()
    assert list(mon.metric("val_loss")[0]) == [len(train) - 1, 2 * len(train) - 1]
    assert all(r.loss is not None and "train_acc" in r.metrics for r in mon.history)
    mon.detach()


def test_progress_bar_and_plain_lines(loaders, capsys, monkeypatch):
    pytest.importorskip("tqdm")
    import sys
    train, val = loaders
    model = make_model()
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05), train, val,
        epochs=1)
    captured = capsys.readouterr()
    assert captured.err == ""                          # not a terminal: no bar in the log
    assert "epoch 1/1  train loss" in captured.out
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05), train, val,
        epochs=1)
    captured = capsys.readouterr()
    assert "epoch 1/1" in captured.err and "it/s" in captured.err      # the tqdm bar
    assert "epoch 1/1  train loss" in captured.out
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)                # tqdm not installed
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.05), train, val,
        epochs=1)
    captured = capsys.readouterr()
    assert captured.err == "" and "epoch 1/1  train loss" in captured.out
