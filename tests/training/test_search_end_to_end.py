"""The whole recipe on the bundled digits: a coarse-to-fine search whose trials train with
fit(trial=...), write checkpoints and histories, warn about a best value on the border, and
become an ensemble; a pruned search; plots and the leaderboard. Well under a minute."""
import json
import os
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("optuna")

from glassgrad import autograd as ag  # noqa: E402
from glassgrad import nn, optim  # noqa: E402
from glassgrad.training import Ensemble, fit  # noqa: E402
from glassgrad.training.data import DataLoader, TensorDataset, train_val_test_split  # noqa
from glassgrad.training.datasets import load_digits  # noqa: E402
from glassgrad.training.search import (Choice, LogUniform, SearchWarning, leaderboard,  # noqa
                                       load_search, plot_study, random_search)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    X = (X / 16.0 - 0.5).astype(np.float32)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.2, test=0.2, seed=0)
    return (DataLoader(TensorDataset(Xtr, ytr), batch_size=64, shuffle=True),
            DataLoader(TensorDataset(Xva, yva), batch_size=512), (Xte, yte))


def make_model(params):
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(64, params["hidden"]), nn.ReLU(),
                         nn.Linear(params["hidden"], 10))


def test_staged_search_border_warning_and_ensemble_on_digits(digits, tmp_path):
    train, val, (Xte, yte) = digits

    def objective(params, stage, trial):
        ag.manual_seed(trial.number)
        model = make_model(params)
        opt = optim.SGD(model.parameters(), lr=params["lr"], momentum=0.9)
        history = fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=2 + stage,
                      trial=trial, progress=False)
        return max(history.val_acc)

    start = time.perf_counter()
    # The learning rates that train best in two or three epochs lie above 0.1: the best trial
    # ends up at the upper border and the search says so.
    space = {"lr": LogUniform(3e-3, 1e-1), "hidden": Choice([16, 32])}
    with pytest.warns(SearchWarning, match="lr=.*upper border"):
        result = random_search(objective, space, n_trials=[8, 4], seed=0, mode="max",
                               storage=tmp_path / "digits.journal", study_name="digits")
    assert time.perf_counter() - start < 60
    assert len(result.trials) == 12 and {t.stage for t in result.trials} == {0, 1}
    coarse, fine = result.ranges
    assert fine["lr"].low > coarse["lr"].low
    best = result.best
    assert best.score == max(t.score for t in result.trials) and best.score > 0.85
    # every trial wrote its checkpoint and history next to the journal
    for t in result.trials:
        assert t.checkpoint == str(tmp_path / "digits" / f"trial_{t.index:05d}.safetensors")
        assert os.path.exists(t.checkpoint)
        with open(t.history) as f:
            history = json.load(f)
        assert max(history["val_acc"]) == pytest.approx(t.score)
        assert len(history["epochs"]) == 2 + t.stage
    # the study remembers everything: reload it from the file
    again = load_search(tmp_path / "digits.journal", "digits")
    assert {t.index: t.score for t in again.trials} == {t.index: t.score for t in result.trials}
    assert again.ranges[1]["lr"].low == fine["lr"].low
    # an ensemble of the three best trials, from their checkpoints
    ens = Ensemble.from_study(make_model, result, k=3)
    assert [t.index for t in ens.trials] == [t.index for t in result.top(3)]
    member_accs = ens.member_accuracies(Xte, yte)
    assert ens.accuracy(Xte, yte) >= min(member_accs) - 1e-9
    same = Ensemble.from_study(make_model, storage=tmp_path / "digits.journal",
                               study_name="digits", k=3)
    np.testing.assert_allclose(same(Xte).numpy(), ens(Xte).numpy(), rtol=1e-6)
    from_optuna = Ensemble.from_study(make_model, result.study, k=3)
    np.testing.assert_allclose(from_optuna(Xte).numpy(), ens(Xte).numpy(), rtol=1e-6)
    # leaderboard and plots
    board = leaderboard(result.study)
    assert "12 complete" in board and best.checkpoint in board.splitlines()[2]
    paths = plot_study(result.study, tmp_path / "plots")
    assert [os.path.basename(p) for p in paths][0] == "optimization_history.png"
    assert len(paths) == 3 and all(os.path.getsize(p) > 1000 for p in paths)


def test_median_pruner_stops_hopeless_trials(digits):
    train, val, _ = digits

    def objective(params, trial):
        model = make_model(params)
        opt = optim.SGD(model.parameters(), lr=params["lr"])
        history = fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=4, trial=trial,
                      progress=False)
        return history.best_loss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SearchWarning)
        result = random_search(objective, {"lr": LogUniform(1e-5, 1.0), "hidden": 16},
                               n_trials=14, seed=3, pruner="median")
    states = [t.state for t in result.trials]
    assert "PRUNED" in states and "COMPLETE" in states
    pruned = result.study.get_trials(states=(__import__("optuna").trial.TrialState.PRUNED,))
    assert all(len(t.intermediate_values) < 4 for t in pruned)
    assert result.best.state == "COMPLETE"
