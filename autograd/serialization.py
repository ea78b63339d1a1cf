"""Checkpoints as .safetensors files: tensors as raw arrays, never pickle.

`save` takes a flat dict of tensors (a model's state dict: PyTorch's safetensors files have
the same layout) or a nested state dict (an optimizer's). Nested keys are flattened with dots
for the tensors' names; the rest of the structure (dicts, lists, numbers, strings) is kept as
JSON in the file's metadata so that `load` rebuilds the same object. Writes are atomic: the
file is written beside the target and renamed over it only once complete.
"""
import json
import os

import numpy as np

from ._atomic import write_atomic
from .tensor import Tensor, _wrap

_STRUCTURE_KEY = "glassgrad.structure"


def _encode(obj, prefix, tensors):
    """JSON-able skeleton of obj, moving every tensor into `tensors` under a dotted name."""
    if isinstance(obj, (Tensor, np.ndarray)):
        arr = obj._data if isinstance(obj, Tensor) else obj
        name = prefix or "tensor"
        if name in tensors:
            raise ValueError(f"save: two tensors would be stored under the name {name!r}")
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


def _decode(node, tensors):
    if isinstance(node, dict):
        if "__tensor__" in node:
            arr = tensors[node["__tensor__"]]
            return arr if node.get("ndarray") else _wrap(arr)
        if "__dict__" in node:
            return {k: _decode(v, tensors) for k, v in node["__dict__"]}
        if "__tuple__" in node:
            return tuple(_decode(v, tensors) for v in node["__tuple__"])
    if isinstance(node, list):
        return [_decode(v, tensors) for v in node]
    return node


def save(obj, path, metadata=None):
    """Write `obj` (a dict of tensors, or a nested state dict) to `path` as safetensors.
    The path is used exactly as given; the old file stays intact if writing fails."""
    from safetensors.numpy import save as to_bytes
    tensors = {}
    meta = {str(k): str(v) for k, v in (metadata or {}).items()}
    # A flat dict's tensors keep their keys as names; the structure also records key order
    # (safetensors sorts its header) and which values were ndarrays.
    meta[_STRUCTURE_KEY] = json.dumps(_encode(obj, "", tensors))
    payload = to_bytes(tensors, metadata=meta or None)
    return write_atomic(path, payload)


def load(path):
    """Read a file written by `save` (or any safetensors file) back into the same structure:
    a dict of tensors, or the nested object that was saved."""
    from safetensors import safe_open
    from safetensors.numpy import load_file
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"load: no such file: {path}")
    arrays = load_file(path)
    with safe_open(path, framework="numpy") as f:
        meta = f.metadata() or {}
    if _STRUCTURE_KEY in meta:
        return _decode(json.loads(meta[_STRUCTURE_KEY]), arrays)
    return {k: _wrap(v) for k, v in arrays.items()}
