"""ag.save / ag.load: safetensors checkpoints of flat and nested (optimizer) state dicts with
dtypes and 0-d shapes intact, atomic writes, paths used exactly as given, never pickle."""
import os

import numpy as np
import pytest

from glassgrad import autograd as ag


def _same(a, b):
    # a view is a Tensor of a subclass that remembers its base
    assert type(a) is type(b) or isinstance(a, ag.Tensor) == isinstance(b, ag.Tensor), \
        (type(a), type(b))
    if isinstance(a, ag.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    else:
        assert a == b


def test_flat_state_dict_round_trip(tmp_path):
    state = {
        "fc.weight": ag.randn(3, 4),
        "fc.bias": ag.zeros(3, dtype=ag.float64),
        "bn.num_batches_tracked": ag.tensor(7),
        "scale": ag.tensor(2.5),                            # 0-d
        "mask": ag.tensor([True, False]),
        "codes": ag.tensor(np.array([1, 2], dtype=np.int32)),
        "half": ag.ones(2, dtype=ag.float16),
        "transposed": ag.randn(2, 3).T,                     # not contiguous
        "empty": ag.zeros(0, 2),
    }
    path = tmp_path / "model.safetensors"
    ag.save(state, path)
    _same(state, ag.load(path))


def test_flat_file_is_readable_by_plain_safetensors(tmp_path):
    from safetensors.numpy import load_file
    path = str(tmp_path / "m.safetensors")
    ag.save({"w": ag.ones(2, 2), "s": ag.tensor(3.0)}, path)
    raw = load_file(path)
    assert raw["w"].dtype == np.float32 and raw["s"].shape == ()


def test_nested_optimizer_state_round_trip(tmp_path):
    state = {
        "state": {
            0: {"step": ag.tensor(3.0), "exp_avg": ag.randn(2, 3), "exp_avg_sq": ag.rand(2, 3)},
            1: {"step": ag.tensor(3.0), "exp_avg": ag.randn(3, dtype=ag.float64),
                "exp_avg_sq": ag.rand(3, dtype=ag.float64)},
        },
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                          "weight_decay": 0, "name": "all", "maximize": None,
                          "params": [0, 1]}],
        "arrays": [np.arange(3), np.zeros((), dtype=np.float32)],
    }
    path = tmp_path / "optim.safetensors"
    ag.save(state, path)
    back = ag.load(path)
    _same(state, back)
    assert list(back["state"]) == [0, 1]                 # integer keys stay integers
    assert back["state"][0]["step"].shape == ()


def test_path_is_used_exactly_as_given(tmp_path):
    for name in ("checkpoint.pt", "no_extension", "weights.safetensors"):
        path = tmp_path / name
        assert ag.save({"w": ag.ones(1)}, str(path)) == str(path)
        assert path.exists()
        _same({"w": ag.ones(1)}, ag.load(str(path)))
    assert sorted(os.listdir(tmp_path)) == ["checkpoint.pt", "no_extension", "weights.safetensors"]


def test_failed_write_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    ag.save({"w": ag.ones(3)}, path)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError("disk full")
    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        ag.save({"w": ag.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]      # no temporary file left behind
    _same({"w": ag.ones(3)}, ag.load(path))


def test_unsupported_values_fail_before_touching_the_file(tmp_path):
    path = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match=r"value at a.b has type object"):
        ag.save({"a": {"b": object()}}, path)
    with pytest.raises(TypeError, match="dict key"):
        ag.save({"a": {(1, 2): ag.ones(1)}}, path)
    with pytest.raises(ValueError, match="two tensors would be stored under the name 'a.b'"):
        ag.save({"a.b": ag.ones(1), "a": {"b": ag.ones(1)}, "n": 1}, path)
    assert not path.exists()


def test_load_missing_file():
    with pytest.raises(FileNotFoundError, match="load: no such file: /nonexistent/x.safetensors"):
        ag.load("/nonexistent/x.safetensors")


def test_file_holds_no_pickle(tmp_path):
    path = tmp_path / "s.safetensors"
    ag.save({"state": {0: {"step": ag.tensor(1.0)}}, "param_groups": [{"lr": 0.5}]}, path)
    data = path.read_bytes()
    assert b"\x80\x04" not in data[:16] and b"glassgrad.structure" in data


def test_saved_files_get_ordinary_permissions(tmp_path):
    """The temporary file behind the atomic write is private (0600); the saved file must not
    be: it gets what a plain open() would give under the process umask."""
    import os
    mask = os.umask(0o022)
    try:
        path = ag.save({"w": ag.ones(2)}, tmp_path / "w.safetensors")
    finally:
        os.umask(mask)
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["w.safetensors"]
