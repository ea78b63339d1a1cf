"""A quick or partial benchmark run never replaces the tracked benchmarks/results.json."""
import os

from benchmarks import run

HERE = os.path.dirname(os.path.abspath(run.__file__))


def test_only_a_full_run_writes_the_tracked_results():
    assert run.default_json_path(quick=False, partial=False) == os.path.join(HERE, "results.json")
    for quick, partial in ((True, False), (False, True), (True, True)):
        path = run.default_json_path(quick, partial)
        assert os.path.dirname(path) == os.path.join(HERE, "out")
        assert path != os.path.join(HERE, "results.json")
