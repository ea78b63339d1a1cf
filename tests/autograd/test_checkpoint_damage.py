"""Damaged, truncated and foreign checkpoint files: load either returns exactly what was saved
or raises CheckpointError naming the file; save refuses what it cannot round-trip and cleans
up the temporary files of interrupted saves."""
import json
import os
import pickle
import struct

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.autograd import _atomic
from glassgrad.autograd.serialization import CheckpointError


def _state():
    rng = np.random.default_rng(0)
    return {
        "state": {0: {"step": ag.tensor(3.0), "exp_avg": ag.tensor(rng.normal(size=(2, 3)))},
                  1: {"step": ag.tensor(3.0), "exp_avg": ag.tensor(rng.normal(size=4),
                                                                   dtype=ag.float32)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "name": "x"}],
        "mask": ag.tensor([True, False]), "codes": ag.tensor([1, 2, 3]),
    }


def _equal(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, ag.Tensor):
        return a.dtype == b.dtype and a.shape == b.shape and \
            np.array_equal(a.numpy(), b.numpy(), equal_nan=True)
    if isinstance(a, dict):
        return list(a) == list(b) and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return a == b


def _load_or_clear_error(path, original):
    try:
        back = ag.load(path)
    except CheckpointError as e:
        assert str(path) in str(e)
        return "error"
    assert _equal(back, original), "a damaged file loaded as different data"
    return "same"


def test_random_bit_flips_truncations_and_garbage_never_load_wrong_data(tmp_path):
    original = _state()
    good = tmp_path / "good.safetensors"
    ag.save(original, good)
    data = good.read_bytes()
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    rng = np.random.default_rng(1234)
    bad = tmp_path / "bad.safetensors"
    outcomes = {"error": 0, "same": 0}
    for trial in range(600):
        kind = trial % 4
        buf = bytearray(data)
        if kind == 0:                       # one bit flipped in the header
            pos = int(rng.integers(0, header_end))
            buf[pos] ^= 1 << int(rng.integers(0, 8))
        elif kind == 1:                     # one bit flipped anywhere
            pos = int(rng.integers(0, len(buf)))
            buf[pos] ^= 1 << int(rng.integers(0, 8))
        elif kind == 2:                     # truncated
            buf = buf[:int(rng.integers(0, len(buf)))]
        else:                               # a run of random bytes overwritten
            pos = int(rng.integers(0, len(buf)))
            run = rng.integers(0, 256, size=int(rng.integers(1, 16)), dtype=np.uint8).tobytes()
            buf[pos:pos + len(run)] = run
        bad.write_bytes(bytes(buf))
        outcomes[_load_or_clear_error(bad, original)] += 1
    assert outcomes["error"] > 500


def test_flipped_tensor_marker_is_not_returned_as_data(tmp_path):
    """The original defect: a changed key inside the structure made load hand back the
    internal {"__tensor__": ...} dicts as if they were the saved values."""
    path = tmp_path / "c.safetensors"
    ag.save({"a": {"w": ag.ones(2)}}, path)
    data = path.read_bytes().replace(b"__tensor__", b"__tensos__")
    path.write_bytes(data)
    with pytest.raises(CheckpointError, match="checksum|structure"):
        ag.load(path)


def _write_safetensors(path, header, payload=b""):
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + payload)


@pytest.mark.parametrize("case, message", [
    ("empty", "empty"),
    ("garbage", "header|truncated"),
    ("pickle", "torch.save / pickle"),
    ("torch_zip", "torch.save / pickle"),
    ("short", "truncated"),
    ("header_not_json", "not valid JSON"),
    ("header_list", "not a JSON object"),
    ("bad_dtype", "dtype"),
    ("bad_shape", "shape"),
    ("offsets_too_far", "truncated"),
    ("wrong_size", "needs"),
    ("metadata_not_strings", "metadata"),
    ("structure_not_json", "structure metadata is not valid JSON"),
    ("structure_unknown_node", "unknown entry"),
    ("structure_missing_tensor", "does not hold"),
])
def test_each_kind_of_bad_file_raises_a_clear_error(tmp_path, case, message):
    path = tmp_path / "x.ckpt"
    zeros = np.zeros(2, np.float32).tobytes()
    entry = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    if case == "empty":
        path.write_bytes(b"")
    elif case == "garbage":
        path.write_bytes(np.random.default_rng(0).integers(0, 256, 500, np.uint8).tobytes())
    elif case == "pickle":
        path.write_bytes(pickle.dumps({"w": np.ones(2)}))
    elif case == "torch_zip":
        torch = pytest.importorskip("torch")
        torch.save({"w": torch.ones(2)}, str(path))
    elif case == "short":
        path.write_bytes(b"\x10\x00")
    elif case == "header_not_json":
        raw = b"{not json"
        path.write_bytes(struct.pack("<Q", len(raw)) + raw)
    elif case == "header_list":
        _write_safetensors(path, [1, 2])
    elif case == "bad_dtype":
        _write_safetensors(path, {"w": dict(entry, dtype="Q7")}, zeros)
    elif case == "bad_shape":
        _write_safetensors(path, {"w": dict(entry, shape=[-2])}, zeros)
    elif case == "offsets_too_far":
        _write_safetensors(path, {"w": entry}, zeros[:4])
    elif case == "wrong_size":
        _write_safetensors(path, {"w": dict(entry, shape=[3])}, zeros)
    elif case == "metadata_not_strings":
        _write_safetensors(path, {"__metadata__": {"a": 1}, "w": entry}, zeros)
    elif case == "structure_not_json":
        _write_safetensors(path, {"__metadata__": {"glassgrad.structure": "{oops"}, "w": entry},
                           zeros)
    elif case == "structure_unknown_node":
        _write_safetensors(path, {"__metadata__": {"glassgrad.structure": json.dumps(
            {"__tensos__": "w", "ndarray": False})}, "w": entry}, zeros)
    elif case == "structure_missing_tensor":
        _write_safetensors(path, {"__metadata__": {"glassgrad.structure": json.dumps(
            {"__tensor__": "v", "ndarray": False})}, "w": entry}, zeros)
    with pytest.raises(CheckpointError, match=message) as info:
        ag.load(path)
    assert str(path) in str(info.value)


def test_directory_is_a_clear_error(tmp_path):
    with pytest.raises(CheckpointError, match="directory"):
        ag.load(tmp_path)
    with pytest.raises(IsADirectoryError, match="directory"):
        ag.save({"w": ag.ones(1)}, tmp_path)
    with pytest.raises(FileNotFoundError, match="folder .*missing does not exist"):
        ag.save({"w": ag.ones(1)}, tmp_path / "missing" / "w.safetensors")


def test_foreign_safetensors_file_still_loads(tmp_path):
    from safetensors.numpy import save_file
    path = str(tmp_path / "f.safetensors")
    save_file({"w": np.arange(6, dtype=np.float32).reshape(2, 3)}, path)
    back = ag.load(path)
    np.testing.assert_array_equal(back["w"].numpy(), np.arange(6).reshape(2, 3))


def test_name_the_format_cannot_hold_is_refused_before_writing(tmp_path):
    path = tmp_path / "m.safetensors"
    with pytest.raises(CheckpointError, match="__metadata__"):
        ag.save({"__metadata__": ag.ones(2), "w": ag.ones(1)}, path)
    with pytest.raises(CheckpointError, match="reserved"):
        ag.save({"w": ag.ones(1)}, path, metadata={"glassgrad.structure": "x"})
    with pytest.raises(TypeError, match="dtype complex128"):
        ag.save({"w": np.ones(2, dtype=complex)}, path)
    with pytest.raises(CheckpointError, match="UTF-8"):
        ag.save({"w\ud800": ag.ones(1)}, path)
    with pytest.raises(CheckpointError, match="UTF-8"):
        ag.save({"w": ag.ones(1)}, path, metadata={"note": "\udfff"})
    assert os.listdir(tmp_path) == []
    # strings the structure holds (keys, values) round-trip, surrogates included
    odd = {"w": ag.ones(1), "meta": {"k\ud800": "v\udfff", "e": "\u00e9\u4e2d"}}
    ag.save(odd, path)
    back = ag.load(path)
    assert back["meta"] == odd["meta"]


def test_exception_midway_through_writing_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.safetensors"
    ag.save({"w": ag.ones(3)}, path)
    before = path.read_bytes()
    real_fdopen = os.fdopen

    class Interrupting:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[:len(data) // 2])
            raise KeyboardInterrupt        # the user hits Ctrl-C halfway through

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Interrupting(real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        ag.save({"w": ag.zeros(3)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.safetensors"]
    assert path.read_bytes() == before


def _dead_pid():
    with open("/proc/sys/kernel/pid_max") as f:
        return int(f.read()) + 1            # no process can have it


def test_temporaries_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    dead = tmp_path / f".ckpt.safetensors.{_dead_pid()}.0123abcd.tmp-gg"
    dead.write_bytes(b"half a checkpoint")
    older = tmp_path / ".tmp-ab12cd34-ckpt.safetensors"      # earlier versions' naming
    older.write_bytes(b"half")
    alive = tmp_path / f".ckpt.safetensors.{os.getppid()}.89abcdef.tmp-gg"
    alive.write_bytes(b"another process is writing this one")
    other = tmp_path / f".other.safetensors.{_dead_pid()}.0123abcd.tmp-gg"
    other.write_bytes(b"belongs to another target")
    unrelated = tmp_path / "notes.txt"
    unrelated.write_text("keep me")
    assert sorted(map(os.path.basename, _atomic.stale_temporaries(path))) == \
        sorted([dead.name, older.name])
    ag.save({"w": ag.ones(2)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["ckpt.safetensors", alive.name, other.name, "notes.txt"])
    np.testing.assert_array_equal(ag.load(path)["w"].numpy(), np.ones(2))


def test_header_length_that_looks_like_a_pickle_opcode_still_loads(tmp_path):
    """A header of 0x280 (640) bytes starts the file with b'\\x80\\x02', pickle's signature."""
    path = tmp_path / "p.safetensors"
    for pad in range(0, 800):
        ag.save({"w": ag.ones(2)}, path, metadata={"pad": "x" * pad})
        if path.read_bytes()[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"):
            break
    else:
        pytest.fail("no padding gave a pickle-like header length")
    np.testing.assert_array_equal(ag.load(path)["w"].numpy(), np.ones(2))


def test_big_endian_arrays_and_metadata_round_trip(tmp_path):
    path = tmp_path / "e.safetensors"
    big = np.arange(4, dtype=">f8")
    ag.save({"big": big, "w": ag.ones(1)}, path, metadata={"note": "x", 3: 4})
    back = ag.load(path)
    np.testing.assert_array_equal(back["big"], np.arange(4.0))
    from safetensors import safe_open
    with safe_open(str(path), framework="numpy") as f:
        assert f.metadata()["note"] == "x" and f.metadata()["3"] == "4"
    with pytest.raises(CheckpointError, match="collide"):
        ag.save({"w": ag.ones(1)}, tmp_path / "f.safetensors", metadata={1: "a", "1": "b"})
