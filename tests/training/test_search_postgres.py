"""Worker processes sharing one study on a real PostgreSQL server (.ci/run starts one on
127.0.0.1 and exports GLASSGRAD_TEST_POSTGRES_URL). Each test gets a throwaway database.
Under CI=true a missing server fails these tests; elsewhere they skip."""
import os
import uuid

import pytest

pytest.importorskip("optuna")

import search_helpers as helpers  # noqa: E402

ENV = "GLASSGRAD_TEST_POSTGRES_URL"


def _unavailable(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def postgres_url():
    url = os.environ.get(ENV)
    if not url:
        _unavailable(f"{ENV} is not set (a server URL such as "
                     f"postgresql://postgres@127.0.0.1:54329/postgres)")
    try:
        import psycopg2
    except ImportError:
        _unavailable("psycopg2 is not installed (pip install psycopg2-binary)")
    try:
        admin = psycopg2.connect(url, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        _unavailable(f"cannot connect to {url}: {exc}")
    admin.autocommit = True
    name = f"glassgrad_test_{uuid.uuid4().hex[:12]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.parametrize("n_workers", [2, 4])
def test_workers_finish_a_postgres_study_together(postgres_url, tmp_path, n_workers):
    log = tmp_path / "log"
    log.mkdir()
    study = helpers.check_workers_share_study(postgres_url, "shared", n_workers,
                                              3 * n_workers, log)
    assert type(study._storage).__name__ in ("_CachedStorage", "RDBStorage")


def test_worker_killed_mid_trial_leaves_the_postgres_study_usable(postgres_url, tmp_path):
    from optuna.trial import TrialState

    from glassgrad.training.search import load_search, random_search
    import search_objectives
    log = tmp_path / "log"
    log.mkdir()
    study, killed = helpers.kill_one_worker_mid_trial(postgres_url, "kill", 4, log,
                                                      "--heartbeat", "1", "--grace", "3")
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    assert trials[killed].state == TrialState.FAIL
    retry = [t for t in trials.values() if t.system_attrs.get("failed_trial") == killed]
    assert len(retry) == 1 and retry[0].state == TrialState.COMPLETE
    assert len([t for t in trials.values() if t.state == TrialState.COMPLETE]) == 4
    # still usable: read back, and extended by another search call
    assert len(load_search(postgres_url, "kill").trials) == 5
    more = random_search(search_objectives.quadratic, search_objectives.SPACE, n_trials=6,
                         storage=postgres_url, study_name="kill", border=0)
    assert len([t for t in more.trials if t.state == "COMPLETE"]) == 6
    assert "6 complete" in helpers.status(postgres_url, "kill")
