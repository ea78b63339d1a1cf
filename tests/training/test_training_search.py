import math
import warnings

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.training.search import (Choice, IntUniform, LogUniform, SearchWarning, Uniform,
                             random_search)


def _quadratic(params):
    # Minimum at lr = 1e-3 (on a log scale) and momentum = 0.9; the choice "b" is better.
    return ((math.log10(params["lr"]) + 3) ** 2 + (params["momentum"] - 0.9) ** 2
            + (0.0 if params["act"] == "b" else 0.5))


SPACE = {"lr": LogUniform(1e-6, 1e0), "momentum": Uniform(0.5, 0.99),
         "act": Choice(["a", "b", "c"])}


def test_log_uniform_samples_cover_decades_evenly():
    rng = np.random.default_rng(0)
    d = LogUniform(1e-5, 1e-1)
    logs = np.log10([d.sample(rng) for _ in range(4000)])
    assert logs.min() >= -5 and logs.max() <= -1
    counts = np.histogram(logs, bins=4, range=(-5, -1))[0]
    assert counts.min() > 850          # about 1000 per decade
    with pytest.raises(ValueError):
        LogUniform(0, 1)


def test_int_uniform_bounds():
    rng = np.random.default_rng(0)
    vals = {IntUniform(2, 5).sample(rng) for _ in range(200)}
    assert vals == {2, 3, 4, 5}
    assert all(16 <= IntUniform(16, 256, log=True).sample(rng) <= 256 for _ in range(100))


def test_random_search_finds_the_best_and_sorts_the_table():
    with warnings.catch_warnings():
        warnings.simplefilter("error", SearchWarning)
        result = random_search(_quadratic, SPACE, n_trials=[30, 20, 20], seed=0)
    assert len(result.trials) == 70
    best = result.best
    assert best.score == min(t.score for t in result.trials)
    assert abs(math.log10(best.params["lr"]) + 3) < 0.5
    assert best.params["act"] == "b"
    scores = [t.score for t in result.sorted()]
    assert scores == sorted(scores)
    lines = result.table().splitlines()
    assert lines[0].split()[:4] == ["rank", "trial", "stage", "score"]
    assert lines[1].split()[1] == str(best.index)
    assert "best score" in str(result)


def test_coarse_to_fine_narrows_ranges_and_improves():
    result = random_search(_quadratic, SPACE, n_trials=[30, 30], seed=1)
    coarse, fine = result.ranges
    width = lambda d: math.log(d.high) - math.log(d.low)
    assert width(fine["lr"]) < width(coarse["lr"])
    assert coarse["lr"].low <= fine["lr"].low and fine["lr"].high <= coarse["lr"].high
    stage_best = [min(t.score for t in result.trials if t.stage == s) for s in (0, 1)]
    stage_median = [np.median([t.score for t in result.trials if t.stage == s])
                    for s in (0, 1)]
    assert stage_median[1] < stage_median[0]
    assert stage_best[1] <= stage_best[0] + 0.05


def test_warning_when_best_value_sits_on_a_range_border():
    # The true optimum lr = 1e-3 lies outside [1e-6, 1e-4]: the best trial hugs the border.
    space = {"lr": LogUniform(1e-6, 1e-4), "momentum": Uniform(0.6, 1.2),
             "act": Choice(["b"])}
    with pytest.warns(SearchWarning, match="lr=.*upper border"):
        result = random_search(_quadratic, space, n_trials=[20, 20], seed=0)
    assert len(result.border_warnings) == 1 and "lr" in result.border_warnings[0]


def test_objective_receives_stage_and_fixed_values_pass_through():
    seen = []

    def objective(params, stage):
        seen.append((stage, params["epochs"]))
        return params["x"]

    result = random_search(objective, {"x": Uniform(0.2, 1.0), "epochs": 5},
                           n_trials=[3, 2], seed=0, border=0.0)
    assert [s for s, _ in seen] == [0, 0, 0, 1, 1] and {e for _, e in seen} == {5}
    assert result.best.params["epochs"] == 5


def test_seeding_and_max_mode():
    a = random_search(lambda p: p["x"], {"x": Uniform(0, 1)}, n_trials=5, seed=3, border=0)
    b = random_search(lambda p: p["x"], {"x": Uniform(0, 1)}, n_trials=5, seed=3, border=0)
    assert [t.params for t in a.trials] == [t.params for t in b.trials]
    ag.manual_seed(5)
    c = random_search(lambda p: p["x"], {"x": Uniform(0, 1)}, n_trials=5, border=0)
    ag.manual_seed(5)
    d = random_search(lambda p: p["x"], {"x": Uniform(0, 1)}, n_trials=5, border=0)
    assert [t.params for t in c.trials] == [t.params for t in d.trials]
    m = random_search(lambda p: p["x"], {"x": Uniform(0, 1)}, n_trials=8, seed=3,
                      mode="max", border=0)
    assert m.best.score == max(t.score for t in m.trials)
