"""The search's parts one by one: compare_runs, fit's trial reporting, parameter averaging,
the space's JSON form, failing trials, stale trials, argument checks, the CLI."""
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

from glassgrad import autograd as ag  # noqa: E402
from glassgrad import nn, optim  # noqa: E402
from glassgrad.training import Ensemble, ParameterAverage, compare_runs, fit  # noqa: E402
from glassgrad.training.data import DataLoader, TensorDataset  # noqa: E402
from glassgrad.training.datasets import make_blobs  # noqa: E402
from glassgrad.training.ensemble import average_parameters  # noqa: E402
from glassgrad.training.search import (Choice, IntUniform, LogUniform,  # noqa: E402
                                       SearchWarning, Uniform, create_search, random_search)
from glassgrad.training.search import spaces, study as search_study  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- compare_runs

def test_compare_runs_matches_scipy_and_gives_a_verdict():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    a = rng.normal(1.0, 0.1, 12)
    b = a + 0.2 + rng.normal(0, 0.02, 12)          # b's loss is higher on every seed
    res = compare_runs(a, b)
    ref = stats.wilcoxon(a, b)
    assert res.statistic == pytest.approx(ref.statistic) and res.pvalue == pytest.approx(
        ref.pvalue)
    assert res.better == "a" and res.n == 12 and "a is better" in str(res)
    assert compare_runs(a, b, mode="max").better == "b"
    same = compare_runs(a, a + rng.normal(0, 0.1, 12))
    assert same.better is None and "no significant difference" in same.verdict
    assert compare_runs([1.0, 2.0], [1.0, 2.0]).pvalue == 1.0
    few = compare_runs([1, 2, 3], [2, 3, 4])
    assert few.better is None and "run more seeds" in few.verdict
    keyed = compare_runs({1: 0.5, 2: 0.6, 3: 0.7}, {3: 0.8, 1: 0.6, 2: 0.7})
    assert keyed.median_difference == pytest.approx(-0.1)
    with pytest.raises(ValueError, match="same length"):
        compare_runs([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="same keys"):
        compare_runs({1: 0.1, 2: 0.2}, {1: 0.1, 3: 0.2})
    with pytest.raises(ValueError, match="finite"):
        compare_runs([1, float("nan")], [1, 2])
    with pytest.raises(ValueError, match="mode"):
        compare_runs([1, 2], [2, 3], mode="best")


# ---------------------------------------------------------------- fit(trial=...)

class FakeTrial:
    """Records reports; asks to prune from epoch `prune_at` on."""

    def __init__(self, prune_at=None, mode="min", history_path=None, checkpoint_path=None):
        self.reports, self.prune_at, self.mode = [], prune_at, mode
        self.history_path, self.checkpoint_path, self.saved = history_path, checkpoint_path, []

    def report(self, value, step):
        self.reports.append((step, value))

    def should_prune(self):
        return self.prune_at is not None and self.reports[-1][0] >= self.prune_at

    def save_history(self, history):
        self.saved.append(history.as_dict())


@pytest.fixture(scope="module")
def loaders():
    X, y = make_blobs(120, centers=3, seed=0)
    return (DataLoader(TensorDataset(X[:90], y[:90]), batch_size=30),
            DataLoader(TensorDataset(X[90:], y[90:]), batch_size=30))


def _model():
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 3))


def test_fit_reports_each_epoch_and_writes_to_the_trial(loaders, tmp_path):
    train, val = loaders
    model = _model()
    trial = FakeTrial(checkpoint_path=str(tmp_path / "t.safetensors"))
    h = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), 1e-2), train, val,
            epochs=3, trial=trial, progress=False)
    assert trial.reports == [(e, v) for e, v in zip(h.epochs, h.val_loss)]
    assert os.path.exists(tmp_path / "t.safetensors")          # default checkpoint path
    assert trial.saved[-1]["val_loss"] == h.val_loss
    acc_trial = FakeTrial(mode="max")
    h = fit(_model(), nn.CrossEntropyLoss(), optim.SGD(_model().parameters(), 0.1), train, val,
            epochs=2, trial=acc_trial, progress=False)
    assert [v for _, v in acc_trial.reports] == h.val_acc
    no_val = FakeTrial()
    h = fit(_model(), nn.CrossEntropyLoss(), optim.SGD(_model().parameters(), 0.1), train,
            epochs=2, trial=no_val, progress=False)
    assert [v for _, v in no_val.reports] == h.train_loss
    with pytest.raises(ValueError, match="trial_metric"):
        fit(_model(), nn.CrossEntropyLoss(), optim.SGD(_model().parameters(), 0.1), train,
            epochs=1, trial=FakeTrial(), trial_metric="val_acc", progress=False)


def test_fit_raises_trial_pruned_with_the_best_weights_restored(loaders):
    train, val = loaders
    model = _model()
    trial = FakeTrial(prune_at=2)
    with pytest.raises(optuna.TrialPruned, match="after epoch 2"):
        fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), 1e-2), train, val,
            epochs=10, trial=trial, progress=False)
    assert [s for s, _ in trial.reports] == [1, 2] and len(trial.saved[-1]["epochs"]) == 2


def test_fit_with_an_optuna_trial(loaders):
    train, val = loaders
    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    h = fit(_model(), nn.CrossEntropyLoss(), optim.SGD(_model().parameters(), 0.1), train, val,
            epochs=2, trial=trial, progress=False)
    assert study.trials[0].intermediate_values == {1: h.val_acc[0], 2: h.val_acc[1]}


# ---------------------------------------------------------------- parameter averaging

def test_average_parameters_and_the_parameters_kind(tmp_path):
    models = [_model() for _ in range(3)]
    for i, m in enumerate(models):
        with ag.no_grad():
            for p in m.parameters():
                p.add_(float(i))
    avg = average_parameters(models, weights=[1, 1, 2])
    for name, p in avg.state_dict().items():
        expect = sum(w * m.state_dict()[name].numpy() for w, m in zip([.25, .25, .5], models))
        np.testing.assert_allclose(p.numpy(), expect, rtol=1e-6)
    paths = []
    for i, m in enumerate(models):
        paths.append(tmp_path / f"m{i}.safetensors")
        ag.save(m.state_dict(), paths[-1])
    ens = Ensemble.from_checkpoints(_model, paths, kind="parameters", weights=[1, 1, 2])
    assert len(ens) == 1
    X = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
    with ag.no_grad():
        np.testing.assert_allclose(ens(X).numpy(), ag.softmax(avg(ag.tensor(X)), dim=-1).numpy(),
                                   rtol=1e-5)
    with pytest.raises(ValueError, match="shape"):
        average_parameters([_model(), nn.Sequential(nn.Linear(2, 4), nn.Tanh(),
                                                    nn.Linear(4, 3))])
    with pytest.raises(ValueError, match="kind"):
        Ensemble.from_checkpoints(_model, paths, kind="votes")


def test_parameter_average_has_averaged_model_names():
    model = nn.Linear(2, 2)
    swa = ParameterAverage(model, decay=None)
    seen = []
    for _ in range(3):
        with ag.no_grad():
            model.weight.add_(1.0)
        seen.append(model.weight.numpy().copy())
        swa.update_parameters(model)
    assert swa.n_averaged == 3 and swa.module is swa.averaged
    np.testing.assert_allclose(swa.module.weight.numpy(), np.mean(seen, axis=0), rtol=1e-6)
    x = ag.ones(1, 2)
    np.testing.assert_allclose(swa(x).numpy(), swa.averaged(x).numpy())
    with pytest.raises(ValueError, match="follows the model"):
        swa.update_parameters(nn.Linear(2, 2))


def test_ensemble_from_study_needs_checkpoints():
    result = random_search(lambda p: p["x"], {"x": Uniform(0, 1)}, n_trials=3, seed=0,
                           border=0)
    with pytest.raises(ValueError, match="no completed trial .* checkpoint"):
        Ensemble.from_study(_model, result)


# ---------------------------------------------------------------- spaces and trials

def test_space_json_round_trip_and_opaque_values():
    space = {"lr": LogUniform(1e-4, 1e-1), "m": Uniform(0, 1), "n": IntUniform(2, 64, log=True),
             "act": Choice(["relu", "tanh"]), "epochs": 3}
    again = spaces.space_from_json(spaces.space_to_json(space))
    assert spaces.space_to_json(again) == spaces.space_to_json(space)
    assert again["n"].log and again["act"].options == ["relu", "tanh"] and again["epochs"] == 3
    opaque = spaces.space_to_json({"layer": Choice([nn.ReLU, nn.Tanh])})
    with pytest.raises(ValueError, match="not JSON"):
        spaces.space_from_json(opaque)


def test_choices_of_objects_and_int_ranges_in_one_process():
    seen = []

    def objective(params):
        seen.append(params)
        return params["n"] + (0 if params["layer"] is nn.Tanh else 10)

    with pytest.warns(SearchWarning, match="n=1 sits at the lower border"):
        result = random_search(objective, {"layer": Choice([nn.ReLU, nn.Tanh]),
                                           "n": IntUniform(1, 8)}, n_trials=[10, 6], seed=0)
    assert {p["layer"] for p in seen} <= {nn.ReLU, nn.Tanh}
    assert all(isinstance(p["n"], int) and 1 <= p["n"] <= 8 for p in seen)
    assert result.best.params["layer"] is nn.Tanh
    assert result.ranges[1]["layer"].options == [nn.Tanh]      # narrowed to what did best
    assert all(p["layer"] is nn.Tanh for p in seen[10:])
    trial = result.study.trials[0]
    assert trial.distributions["layer"].choices == (0, 1)      # Optuna sees positions


def test_failing_and_nan_trials():
    def boom(params):
        raise RuntimeError("diverged")

    with pytest.raises(RuntimeError, match="diverged"):
        random_search(boom, {"x": Uniform(0, 1)}, n_trials=3, seed=0)
    result = random_search(lambda p: float("nan") if p["x"] < 0.5 else p["x"],
                           {"x": Uniform(0, 1)}, n_trials=8, seed=0, border=0)
    failed = [t for t in result.trials if t.state == "FAIL"]
    assert failed and all(math.isnan(t.score) for t in failed)
    assert result.best.score == min(t.score for t in result.trials if t.state == "COMPLETE")
    assert result.sorted()[-1].state == "FAIL" and "fail" in result.table()
    err = result.study.trials[failed[0].index].system_attrs["glassgrad.error"]
    assert "nan" in err
    allfail = random_search(lambda p: float("nan"), {"x": Uniform(0, 1)}, n_trials=2, seed=0)
    with pytest.raises(ValueError, match="none of the 2 trials completed"):
        allfail.best


def test_stale_running_trial_is_failed_and_queued_again(tmp_path):
    storage = tmp_path / "s.journal"
    study = create_search({"x": Uniform(0, 1)}, storage, "stale", 2, seed=0)
    frozen = search_study.claim(study)
    assert frozen is not None
    store = study._storage
    store.set_trial_user_attr(frozen._trial_id, "worker", "elsewhere:123")
    store.set_trial_system_attr(frozen._trial_id, search_study.HEARTBEAT, time.time() - 100)
    assert search_study.fail_stale_trials(study, grace_period=30) == [frozen.number]
    states = {t.number: t.state.name for t in study.get_trials()}
    assert states[frozen.number] == "FAIL" and list(states.values()).count("WAITING") == 2
    # a fresh heartbeat keeps a trial alive
    other = search_study.claim(study)
    store.set_trial_user_attr(other._trial_id, "worker", "elsewhere:124")
    store.set_trial_system_attr(other._trial_id, search_study.HEARTBEAT, time.time())
    assert search_study.fail_stale_trials(study, grace_period=30) == []


def test_bad_arguments():
    space = {"x": Uniform(0, 1)}
    for kwargs, match in [({"mode": "best"}, "mode"), ({"sampler": "grid"}, "sampler"),
                          ({"pruner": "asha"}, "pruner"), ({"n_jobs": -1}, "n_jobs"),
                          ({"n_trials": [3, -1]}, "n_trials")]:
        with pytest.raises(ValueError, match=match):
            random_search(lambda p: p["x"], space, **kwargs)
    with pytest.raises(ValueError, match="storage object"):
        random_search(lambda p: p["x"], space, storage=optuna.storages.InMemoryStorage(),
                      n_jobs=2)


def test_importing_training_does_not_import_optuna():
    code = "import sys, glassgrad.training; print('optuna' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_cli_create_status_and_plots(tmp_path):
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""),
               GG_SEARCH_SLEEP="0")
    base = [sys.executable, "-m", "glassgrad.training.search"]
    storage = str(tmp_path / "s.journal")
    run = lambda *a: subprocess.run(base + list(a), capture_output=True, text=True, env=env,
                                    timeout=120)
    res = run("create", "--storage", storage, "--study", "cli", "--space",
              "search_objectives:SPACE", "--trials", "8", "--seed", "0")
    assert res.returncode == 0 and "stage 0 queued" in res.stdout, res.stderr
    res = run("worker", "--storage", storage, "--study", "cli", "--objective",
              "search_objectives:quadratic")
    assert res.returncode == 0 and res.stdout.count("complete:") == 8, res.stderr
    res = run("status", "--storage", storage, "--study", "cli", "--top", "3", "--plots",
              str(tmp_path / "plots"))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert "8 complete" in lines[0] and lines[2].split()[0] == "1" and len(lines) == 2 + 3 + 3
    assert sorted(os.listdir(tmp_path / "plots")) == ["optimization_history.png",
                                                      "parallel_coordinate.png",
                                                      "param_importances.png"]
    res = run("status", "--storage", storage, "--study", "nope")
    assert res.returncode == 2 and "no study 'nope'" in res.stderr and "['cli']" in res.stderr
    res = run("status", "--storage", str(tmp_path / "missing.journal"), "--study", "cli")
    assert res.returncode == 2 and "does not exist" in res.stderr
    assert not os.path.exists(tmp_path / "missing.journal")
    res = run("worker", "--storage", storage, "--study", "cli", "--objective", "nomodule")
    assert res.returncode != 0 and "module:name" in res.stderr


def test_interrupted_trial_is_failed_not_left_running():
    def interrupted(params):
        raise KeyboardInterrupt

    storage = optuna.storages.InMemoryStorage()
    with pytest.raises(KeyboardInterrupt):
        random_search(interrupted, {"x": Uniform(0, 1)}, n_trials=2, seed=0, storage=storage,
                      study_name="int")
    states = [t.state.name for t in optuna.load_study(study_name="int",
                                                      storage=storage).trials]
    assert states == ["FAIL", "WAITING"]
    assert "KeyboardInterrupt" in optuna.load_study(study_name="int", storage=storage
                                                    ).trials[0].system_attrs["glassgrad.error"]


def test_tpe_sampler_with_stages_records_the_original_ranges():
    def objective(params):
        return ((math.log10(params["lr"]) + 3) ** 2 + (params["m"] - 0.9) ** 2
                + (0.0 if params["act"] == "b" else 0.5))

    space = {"lr": LogUniform(1e-6, 1.0), "m": Uniform(0.5, 0.99), "act": Choice("abc")}
    result = random_search(objective, space, n_trials=[15, 15], seed=0, sampler="tpe")
    assert len(result.trials) == 30 and result.best.score < 0.5
    fine = result.ranges[1]
    assert math.log(fine["lr"].high / fine["lr"].low) < math.log(1e6)
    for t in result.study.trials:                     # one search space for Optuna's tools
        assert t.distributions["lr"] == spaces.to_optuna(space["lr"])
        assert t.distributions["act"].choices == ("a", "b", "c")
    stage1 = [t for t in result.trials if t.stage == 1]
    assert all(fine["lr"].low <= t.params["lr"] <= fine["lr"].high for t in stage1)
    importances = optuna.importance.get_param_importances(
        result.study, evaluator=optuna.importance.PedAnovaImportanceEvaluator())
    assert set(importances) == {"lr", "m", "act"}


def test_hyperband_pruner_runs():
    def objective(params, trial):
        for step in range(1, 10):
            trial.report(params["x"] * step, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return params["x"]

    result = random_search(objective, {"x": Uniform(0, 1)}, n_trials=12, seed=0,
                           pruner="hyperband", border=0)
    assert {t.state for t in result.trials} <= {"COMPLETE", "PRUNED"}
    assert sum(t.state == "COMPLETE" for t in result.trials) >= 1
