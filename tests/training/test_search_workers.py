"""Worker processes sharing one journal-file study; a killed worker; resuming."""
import math
import os

import pytest

pytest.importorskip("optuna")

import search_helpers as helpers  # noqa: E402
import search_objectives  # noqa: E402
from glassgrad.training.search import (LogUniform, Uniform, create_search,  # noqa: E402
                                       load_search, random_search)


@pytest.mark.parametrize("n_workers", [2, 4])
def test_workers_finish_a_journal_study_together(tmp_path, n_workers):
    log = tmp_path / "log"
    log.mkdir()
    helpers.check_workers_share_study(tmp_path / "search.journal", "shared", n_workers,
                                      4 * n_workers, log)


def test_killed_worker_leaves_the_journal_study_consistent(tmp_path):
    from optuna.trial import TrialState
    log = tmp_path / "log"
    log.mkdir()
    study, killed = helpers.kill_one_worker_mid_trial(tmp_path / "search.journal", "kill", 4,
                                                      log, "--heartbeat", "1")
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    assert trials[killed].state == TrialState.FAIL
    assert "stopped during the trial" in trials[killed].system_attrs["glassgrad.error"]
    retry = [t for t in trials.values() if t.system_attrs.get("failed_trial") == killed]
    assert len(retry) == 1 and retry[0].state == TrialState.COMPLETE
    assert retry[0].params == trials[killed].params            # retried as it was
    complete = [t for t in trials.values() if t.state == TrialState.COMPLETE]
    assert len(complete) == 4 and len(trials) == 5
    assert not [t for t in trials.values() if t.state in (TrialState.RUNNING,
                                                          TrialState.WAITING)]


def test_processes_started_by_random_search_match_one_process(tmp_path):
    space = {"x": LogUniform(1e-3, 1.0), "y": Uniform(-1, 1)}

    def objective(params):
        return (math.log10(params["x"]) + 1) ** 2 + params["y"] ** 2

    one = random_search(objective, space, n_trials=[12, 6], seed=4, border=0)
    two = random_search(objective, space, n_trials=[12, 6], seed=4, border=0,
                        storage=tmp_path / "s.journal", n_jobs=2)
    four = random_search(objective, space, n_trials=[12, 6], seed=4, border=0, n_jobs=4)
    for other in (two, four):
        assert len(other.trials) == 18
        assert sorted(t.index for t in other.trials) == list(range(18))
        # each trial's values depend on the seed and its number, not on the worker
        assert {t.index: t.params for t in other.trials} == \
            {t.index: t.params for t in one.trials}
        assert other.best.score == one.best.score
    # the trials ran in worker processes, never in this one; usually both workers take part,
    # but on a loaded machine the first one may finish all 18 before the second has started
    assert 1 <= len({t.worker for t in two.trials}) <= 2 and os.getpid() not in \
        {int(t.worker.split(":")[1]) for t in two.trials}
    assert four.storage is None and four.study is not None    # temporary journal, copied


def test_resuming_a_study_continues_it(tmp_path):
    storage, log = tmp_path / "s.journal", tmp_path / "log"
    log.mkdir()
    create_search(search_objectives.SPACE, storage, "resume", 8, seed=5)
    proc = helpers.start_worker(storage, "resume", "quadratic", log, "--trials", "3")
    (code, out, err), = helpers.wait_all([proc])
    assert code == 0 and "3 trial(s)" in out, err
    assert len([t for t in load_search(storage, "resume").trials]) == 3
    result = random_search(search_objectives.quadratic, search_objectives.SPACE, n_trials=8,
                           storage=storage, study_name="resume", border=0)
    assert sorted(t.index for t in result.trials) == list(range(8))
    assert all(t.state == "COMPLETE" for t in result.trials)
    more = random_search(search_objectives.quadratic, search_objectives.SPACE,
                         n_trials=10, storage=storage, study_name="resume", border=0)
    assert len(more.trials) == 10                              # extended by 2
    with pytest.raises(ValueError, match="another space"):
        random_search(search_objectives.quadratic, {"lr": LogUniform(1e-3, 1)}, n_trials=2,
                      storage=storage, study_name="resume")
