"""default_collate and default_convert: how a list of samples becomes a batch (PyTorch's
rules, producing glassgrad Tensors)."""
import collections.abc
import copy
import re

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_STR_OR_OBJECT = re.compile(r"[SaUO]")
_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
          "lists; found {}")


def _check_numeric(array, owner_message):
    if _STR_OR_OBJECT.search(array.dtype.str) is not None:
        raise TypeError(owner_message.format(array.dtype))


def _stack_arrays(batch):
    first = batch[0]
    for i, b in enumerate(batch):
        if b.shape != first.shape:
            raise RuntimeError(f"default_collate: stack expects each array to be equal size, "
                               f"but got {list(first.shape)} at entry 0 and {list(b.shape)} "
                               f"at entry {i}")
    return ag.from_numpy(np.stack(batch))


def _stack_tensors(batch):
    first = batch[0]
    for i, b in enumerate(batch):
        if b.shape != first.shape:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, "
                               f"but got {list(first.shape)} at entry 0 and {list(b.shape)} "
                               f"at entry {i}")
    if any(b.requires_grad for b in batch):
        return ag.stack(batch, 0)
    return ag.from_numpy(np.stack([b.numpy() for b in batch]))


def default_collate(batch):
    """Put a list of samples together into a batch with a new leading dimension.

    Follows ``torch.utils.data.default_collate`` type by type:

    * Tensors -> one Tensor, stacked along a new dim 0 (differentiable if any requires grad);
    * numpy arrays -> a Tensor of the same dtype; numpy scalars -> a 1-d Tensor of their dtype;
    * ``float`` -> float64 Tensor, ``int`` -> int64 Tensor, ``bool`` -> bool Tensor;
    * ``str`` / ``bytes`` -> the list, unchanged;
    * mappings -> the same mapping type with each key collated;
    * namedtuples -> the same namedtuple type with each field collated;
    * tuples -> a *list* of collated fields (as PyTorch, for backwards compatibility);
      other sequences -> the same sequence type.

    Parameters
    ----------
    batch : list
        Samples as a dataset returns them; all of the same structure.

    Returns
    -------
    The collated batch (see above).

    Raises
    ------
    RuntimeError
        Sequences of different lengths, or arrays/tensors of different shapes.
    TypeError
        An element of an unsupported type (or a numpy array of strings / objects).
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray):
        _check_numeric(elem, _ERROR)
        return _stack_arrays(batch)
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return ag.from_numpy(np.asarray(batch))
    if isinstance(elem, float):
        return ag.tensor(batch, dtype=np.float64)
    if isinstance(elem, int):
        return ag.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return fields
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, field in enumerate(fields):
                    clone[i] = field
                return clone
            return type(elem)(fields)
        except TypeError:
            return fields
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data):
    """Turn numpy arrays (and numpy scalars) inside `data` into Tensors, keeping the structure.

    What a DataLoader with ``batch_size=None`` applies to each sample. Tuples come back as
    lists and namedtuples as namedtuples, as in PyTorch's ``default_convert``; anything else
    (Tensors, numbers, strings, arrays of strings) is returned unchanged.

    Parameters
    ----------
    data : object
        A sample: an array, a number, a string, a Tensor, or a mapping / sequence /
        namedtuple of these (nested at any depth).

    Returns
    -------
    object
        The same structure with numpy arrays and scalars replaced by Tensors (sharing memory
        with the arrays where possible).
    """
    if isinstance(data, np.ndarray):
        if _STR_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return ag.as_tensor(data)
    if isinstance(data, (np.bool_, np.number)):
        return ag.as_tensor(np.asarray(data))
    if isinstance(data, (str, bytes, Tensor)):
        return data
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(data[key]) for key in data}
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update(converted)
                return clone
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
