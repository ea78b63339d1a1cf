"""Checkpoints as .safetensors files: tensors as raw arrays, never pickle.

`save` takes a flat dict of tensors (a model's state dict: PyTorch's safetensors files have
the same layout) or a nested state dict (an optimizer's). Nested keys are flattened with dots
for the tensors' names; the rest of the structure (dicts, lists, numbers, strings) is kept as
JSON in the file's metadata so that `load` rebuilds the same object. Writes are atomic: the
file is written beside the target and renamed over it only once complete.

Files written by `save` also carry a checksum of their metadata and tensors: `load` verifies
everything it reads (header, sizes, offsets, structure, checksum) and raises CheckpointError,
naming the file and the problem, for any damaged or foreign file.
"""
import hashlib
import json
import math
import os
import struct

import numpy as np

from ._atomic import write_atomic
from .tensor import Tensor, _wrap

_STRUCTURE_KEY = "glassgrad.structure"
_CHECKSUM_KEY = "glassgrad.checksum"
_RESERVED = "__metadata__"          # the header key safetensors keeps for metadata

# safetensors dtype codes <-> numpy (little-endian on disk)
_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}
_MAX_HEADER = 100_000_000           # safetensors' own limit on the header's size


class CheckpointError(ValueError):
    """A checkpoint file is damaged, is not a safetensors file, or holds something `load`
    cannot rebuild; or a value passed to `save` cannot be stored faithfully. The message names
    the file and what is wrong."""


def _encodable(text):
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:      # a lone surrogate: the file's JSON header cannot hold it
        return False
    return True


def _encode(obj, prefix, tensors):
    """JSON-able skeleton of obj, moving every tensor into `tensors` under a dotted name."""
    if isinstance(obj, (Tensor, np.ndarray)):
        arr = obj._data if isinstance(obj, Tensor) else obj
        name = prefix or "tensor"
        if name in tensors:
            raise CheckpointError(f"save: two tensors would be stored under the name {name!r}")
        if not _encodable(name):
            raise CheckpointError(f"save: the tensor name {name!r} cannot be stored (it is not "
                                  f"valid UTF-8 text)")
        if name == _RESERVED:
            raise CheckpointError(f"save: a tensor cannot be named {_RESERVED!r}: safetensors "
                                  f"reserves that name for the file's metadata; rename the key")
        if arr.dtype.kind not in "fiub" or arr.dtype.itemsize > 8:
            raise TypeError(f"save: tensor {name!r} has dtype {arr.dtype}, which a safetensors "
                            f"checkpoint cannot hold")
        if not arr.dtype.isnative:          # the file is little-endian; keep values exact
            arr = arr.astype(arr.dtype.newbyteorder("="))
        tensors[name] = np.asarray(arr, order="C")     # (ascontiguousarray makes 0-d 1-d)
        return {"__tensor__": name, "ndarray": isinstance(obj, np.ndarray)}
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError(f"save: dict key {k!r} at {prefix or 'top level'} has type "
                                f"{type(k).__name__}; keys must be str, int, float or bool")
            items.append([k, _encode(v, f"{prefix}.{k}" if prefix else str(k), tensors)])
        return {"__dict__": items}
    if isinstance(obj, (list, tuple)):
        seq = [_encode(v, f"{prefix}.{i}" if prefix else str(i), tensors)
               for i, v in enumerate(obj)]
        return {"__tuple__": seq} if isinstance(obj, tuple) else seq
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    raise TypeError(f"save: value at {prefix or 'top level'} has type {type(obj).__name__}, "
                    f"which a safetensors checkpoint cannot hold (tensors, arrays, numbers, "
                    f"strings, lists and dicts only)")


def _decode(node, tensors, fail):
    """Rebuild the saved object; anything but the exact shapes `_encode` writes is damage."""
    if isinstance(node, dict):
        keys = set(node)
        if keys == {"__tensor__", "ndarray"} and isinstance(node["__tensor__"], str) \
                and isinstance(node["ndarray"], bool):
            if node["__tensor__"] not in tensors:
                fail(f"the structure refers to a tensor {node['__tensor__']!r} that the file "
                     f"does not hold")
            arr = tensors[node["__tensor__"]]
            return arr if node["ndarray"] else _wrap(arr)
        if keys == {"__dict__"} and isinstance(node["__dict__"], list):
            out = {}
            for item in node["__dict__"]:
                if not (isinstance(item, list) and len(item) == 2) or \
                        isinstance(item[0], (list, dict)):
                    fail("a dict entry of the structure is damaged")
                out[item[0]] = _decode(item[1], tensors, fail)
            return out
        if keys == {"__tuple__"} and isinstance(node["__tuple__"], list):
            return tuple(_decode(v, tensors, fail) for v in node["__tuple__"])
        fail(f"the structure holds an unknown entry with keys {sorted(keys)}")
    if isinstance(node, list):
        return [_decode(v, tensors, fail) for v in node]
    return node


def _checksum(meta, arrays):
    """Hex digest over the metadata (every entry but the checksum) and each tensor's name,
    dtype, shape and bytes, in sorted order."""
    h = hashlib.sha256()
    h.update(json.dumps(sorted((k, v) for k, v in meta.items() if k != _CHECKSUM_KEY))
             .encode())
    for name in sorted(arrays):
        arr = arrays[name]
        h.update(json.dumps([name, arr.dtype.str, list(arr.shape)]).encode())
        h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def save(obj, path, metadata=None):
    """Write `obj` to `path` as a safetensors file.

    Parameters
    ----------
    obj : dict, Tensor or ndarray
        A dict of tensors (a state dict), or a nested state dict (dicts, lists, tuples of
        tensors, ndarrays, numbers, strings, None).
    path : str or os.PathLike
        Used exactly as given. The file is written beside it and renamed over it once
        complete, so the old file stays intact if writing fails.
    metadata : dict, optional
        Extra string entries stored in the file's header.

    Returns
    -------
    str
        The path written.

    Raises
    ------
    CheckpointError
        If two tensors would share a name, a tensor would be named ``__metadata__``, or a
        metadata key is one glassgrad reserves; nothing is written.
    TypeError
        If a value or a dict key cannot be stored; nothing is written.
    """
    from safetensors.numpy import save as to_bytes
    tensors = {}
    meta = {str(k): str(v) for k, v in (metadata or {}).items()}
    if len(meta) != len(metadata or {}):
        raise CheckpointError(f"save: metadata keys {list(metadata)} collide once converted to "
                              f"strings")
    for key, value in meta.items():
        if not (_encodable(key) and _encodable(value)):
            raise CheckpointError(f"save: metadata entry {key!r}: {value!r} cannot be stored "
                                  f"(it is not valid UTF-8 text)")
    for key in (_STRUCTURE_KEY, _CHECKSUM_KEY):
        if key in meta:
            raise CheckpointError(f"save: metadata key {key!r} is reserved by glassgrad")
    # A flat dict's tensors keep their keys as names; the structure also records key order
    # (safetensors sorts its header) and which values were ndarrays.
    meta[_STRUCTURE_KEY] = json.dumps(_encode(obj, "", tensors))
    meta[_CHECKSUM_KEY] = _checksum(meta, tensors)
    payload = to_bytes(tensors, metadata=meta)
    return write_atomic(path, payload)


def _read_safetensors(path, fail):
    """(arrays, metadata) of the safetensors file at `path`, every field checked."""
    if os.path.isdir(path):
        fail("it is a directory, not a checkpoint file")
    with open(path, "rb") as f:
        data = f.read()
    if not data:
        fail("the file is empty")
    n = struct.unpack("<Q", data[:8])[0] if len(data) >= 8 else -1
    looks_safetensors = 0 < n and 8 + n <= len(data) and data[8:9] == b"{"
    if not looks_safetensors and (data[:2] in (b"\x80\x02", b"\x80\x03", b"\x80\x04",
                                               b"\x80\x05") or data[:4] == b"PK\x03\x04"):
        fail("it looks like a torch.save / pickle file; only safetensors files are read "
             "(save with glassgrad's save, or safetensors.torch.save_file in PyTorch)")
    if len(data) < 8:
        fail(f"the file is truncated: {len(data)} bytes, shorter than a safetensors header")
    if n > _MAX_HEADER or 8 + n > len(data):
        fail(f"the header length field says {n} bytes but the file holds {len(data) - 8} after "
             f"it: the file is truncated or not a safetensors file")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        fail(f"its header is not valid JSON ({e}): the file is damaged or not a safetensors "
             f"file")
    if not isinstance(header, dict):
        fail("its header is not a JSON object")
    meta = header.pop(_RESERVED, None) or {}
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in meta.items()):
        fail("its metadata is not a map of strings to strings")
    buffer = memoryview(data)[8 + n:]
    arrays, spans = {}, []
    for name, info in header.items():
        if not (isinstance(info, dict) and set(info) == {"dtype", "shape", "data_offsets"}):
            fail(f"the header entry of tensor {name!r} is damaged")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if code not in _DTYPES:
            fail(f"tensor {name!r} has dtype {code!r}, which glassgrad cannot read")
        if not (isinstance(shape, list) and all(type(s) is int and s >= 0 for s in shape)):
            fail(f"tensor {name!r} has an invalid shape {shape!r}")
        if not (isinstance(offsets, list) and len(offsets) == 2
                and all(type(o) is int for o in offsets) and 0 <= offsets[0] <= offsets[1]):
            fail(f"tensor {name!r} has invalid data offsets {offsets!r}")
        dtype = np.dtype(_DTYPES[code])
        begin, end = offsets
        if end - begin != math.prod(shape) * dtype.itemsize:
            fail(f"tensor {name!r} of shape {tuple(shape)} and dtype {code} needs "
                 f"{math.prod(shape) * dtype.itemsize} bytes but its offsets span {end - begin}")
        if end > len(buffer):
            fail(f"tensor {name!r} ends at byte {end} of the data but the data holds only "
                 f"{len(buffer)} bytes: the file is truncated")
        spans.append((begin, end))
        arr = np.frombuffer(buffer[begin:end], dtype=dtype).reshape(shape)
        arrays[name] = arr.astype(dtype.newbyteorder("="), copy=True)
    covered = 0
    for begin, end in sorted(spans):
        if begin != covered:
            fail("the tensors' data overlap or leave gaps: the header is damaged")
        covered = end
    if covered != len(buffer):
        fail(f"the data holds {len(buffer)} bytes but the tensors use {covered}: the file is "
             f"damaged")
    return arrays, meta


def load(path):
    """Read a checkpoint written by `save` (or any safetensors file).

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    The saved object: a dict of tensors, or the nested structure that was saved (ndarrays
    come back as ndarrays). A safetensors file written elsewhere gives a dict of tensors.

    Raises
    ------
    FileNotFoundError
        If there is no file at `path`.
    CheckpointError
        If the file is a directory, empty, truncated, damaged (its checksum, header, metadata
        or structure), a pickle / torch.save file, or otherwise not a safetensors file.
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path}")

    def fail(problem):
        raise CheckpointError(f"load: {path} is not a valid checkpoint: {problem}")

    arrays, meta = _read_safetensors(path, fail)
    if _CHECKSUM_KEY in meta and meta[_CHECKSUM_KEY] != _checksum(meta, arrays):
        fail("its checksum does not match its contents: the file is damaged")
    if _STRUCTURE_KEY not in meta:
        if _CHECKSUM_KEY in meta:
            fail("its structure entry is missing: the header is damaged")
        return {k: _wrap(v) for k, v in arrays.items()}
    try:
        structure = json.loads(meta[_STRUCTURE_KEY])
    except ValueError as e:
        fail(f"its structure metadata is not valid JSON ({e})")
    return _decode(structure, arrays, fail)
