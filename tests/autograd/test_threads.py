"""set_num_threads / get_num_threads: PyTorch's names, limiting numpy's BLAS."""
import numpy as np
import pytest
import threadpoolctl

import glassgrad as gg
from glassgrad.autograd import _threads


def _blas_threads():
    return [i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]


def test_get_and_set_num_threads_round_trip_and_limit_the_blas():
    old = gg.get_num_threads()
    assert isinstance(old, int) and old >= 1
    try:
        gg.set_num_threads(1)
        assert gg.get_num_threads() == 1
        assert _blas_threads() and set(_blas_threads()) == {1}
        a = gg.randn(300, 200)
        np.testing.assert_allclose((a @ a.T).numpy(), a.numpy() @ a.numpy().T, rtol=1e-5)
        gg.set_num_threads(2)
        assert gg.get_num_threads() == 2
        assert set(_blas_threads()) == {2}
    finally:
        gg.set_num_threads(old)
    assert gg.get_num_threads() == old


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2", None])
def test_set_num_threads_rejects_what_is_not_a_positive_integer(bad):
    old = gg.get_num_threads()
    with pytest.raises(ValueError, match="set_num_threads"):
        gg.set_num_threads(bad)
    assert gg.get_num_threads() == old


def test_the_default_follows_omp_num_threads(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert _threads._default_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "")
    assert _threads._default_threads() >= 1


def test_same_names_as_torch():
    torch = pytest.importorskip("torch")
    assert callable(torch.set_num_threads) and callable(torch.get_num_threads)
    assert gg.set_num_threads.__name__ == "set_num_threads"


def test_before_any_call_it_reports_the_blas_thread_count():
    import os
    import subprocess
    import sys
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    code = "import glassgrad; print(glassgrad.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "1"
