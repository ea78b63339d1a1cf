"""Checkpoints: state dicts through .safetensors, to and from PyTorch, written atomically."""
import os

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn

pytest.importorskip("safetensors")


def cnn(tnn=nn):
    return tnn.Sequential(tnn.Conv2d(1, 4, 3, padding=1), tnn.BatchNorm2d(4), tnn.ReLU(),
                          tnn.MaxPool2d(2), tnn.Flatten(), tnn.Linear(4 * 3 * 3, 5))


def test_roundtrip_through_ag_save_and_load(tmp_path):
    a, b = cnn(), cnn()
    a(ag.randn(4, 1, 6, 6))                               # non-trivial running statistics
    path = tmp_path / "model.safetensors"
    assert ag.save(a.state_dict(), path) == os.fspath(path)
    loaded = ag.load(path)
    assert list(loaded) == list(a.state_dict())
    assert loaded["1.num_batches_tracked"].shape == () and \
        loaded["1.num_batches_tracked"].dtype == ag.int64
    assert loaded["0.weight"].dtype == ag.float32
    b.load_state_dict(loaded)
    assert b[1].num_batches_tracked.shape == () and b[1].num_batches_tracked.item() == 1
    a.eval(), b.eval()
    x = ag.randn(2, 1, 6, 6)
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def _train_torch_a_little(model, torch):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(4, 1, 6, 6)).square().mean().backward()
        opt.step()


def test_file_written_by_torch_loads_into_glassgrad(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import save_file
    torch.manual_seed(0)
    theirs = cnn(torch.nn)
    _train_torch_a_little(theirs, torch)
    path = tmp_path / "torch.safetensors"
    save_file(theirs.state_dict(), str(path))
    ours = cnn()
    result = ours.load_state_dict(ag.load(path))
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert ours[1].num_batches_tracked.item() == 3
    ours.eval(), theirs.eval()
    x = np.random.default_rng(0).standard_normal((3, 1, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_file_written_by_glassgrad_loads_into_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file
    ours = cnn()
    for _ in range(2):
        ours(ag.randn(4, 1, 6, 6))
    path = tmp_path / "ours.safetensors"
    ag.save(ours.state_dict(), path)
    theirs = cnn(torch.nn)
    theirs.load_state_dict(load_file(str(path)))          # strict: same keys and shapes
    assert theirs[1].num_batches_tracked.item() == 2
    ours.eval(), theirs.eval()
    x = np.random.default_rng(1).standard_normal((3, 1, 6, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    old = nn.Linear(3, 2)
    ag.save(old.state_dict(), path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    new = nn.Linear(3, 2)
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        ag.save(new.state_dict(), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.safetensors"]   # no temp left
    restored = nn.Linear(3, 2)
    restored.load_state_dict(ag.load(path))
    np.testing.assert_array_equal(restored.weight.numpy(), old.weight.numpy())


def test_save_failure_in_serializer_keeps_old_file(tmp_path, monkeypatch):
    import safetensors.numpy
    path = tmp_path / "ckpt.safetensors"
    ag.save(nn.Linear(2, 2).state_dict(), path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("serializer failed (simulated)")

    monkeypatch.setattr(safetensors.numpy, "save", broken)
    with pytest.raises(RuntimeError, match="simulated"):
        ag.save(nn.Linear(2, 2).state_dict(), path)
    assert path.read_bytes() == before


def test_loading_a_mismatched_checkpoint_changes_nothing(tmp_path):
    path = tmp_path / "other.safetensors"
    ag.save(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)).state_dict(), path)
    m = nn.Sequential(nn.Linear(3, 5), nn.Linear(5, 2))
    before = {k: v.numpy().copy() for k, v in m.state_dict().items()}
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        m.load_state_dict(ag.load(path))
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
