"""Datasets: map-style (``ds[i]``, ``len(ds)``) and iterable-style, with PyTorch's names."""
import bisect
import math
import warnings

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor

from ._generator import numpy_generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split"]


class Dataset:
    """A map-style dataset: ``ds[i]`` is example i.

    Subclasses implement ``__getitem__`` and usually ``__len__`` (a DataLoader's default
    samplers need it). ``ds1 + ds2`` is their ``ConcatDataset``.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses implement ``__iter__`` yielding examples.

    A DataLoader batches the stream in order; it takes no sampler and no shuffle.
    ``ds1 + ds2`` is their ``ChainDataset``.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


def _as_tensor(x):
    if isinstance(x, Tensor):
        return x
    return ag.as_tensor(np.asarray(x))


class TensorDataset(Dataset):
    """Rows of equally long tensors: ``ds[i] == (t0[i], t1[i], ...)``.

    Parameters
    ----------
    *tensors : Tensor
        All with the same size in dim 0. numpy arrays and lists are accepted too and wrapped
        with ``glassgrad.as_tensor`` (arrays share memory, dtypes are kept: an int32 label
        array gives int32 labels, as ``torch.as_tensor`` would).

    Attributes
    ----------
    tensors : tuple of Tensor

    Raises
    ------
    ValueError
        The sizes in dim 0 differ (PyTorch raises AssertionError with "Size mismatch between
        tensors"), or a tensor is 0-d.
    """

    def __init__(self, *tensors):
        tensors = tuple(_as_tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in tensors) or len({t.shape[0] for t in tensors}) > 1:
            raise ValueError(f"TensorDataset: Size mismatch between tensors: all need the same "
                             f"first dimension, got shapes {[tuple(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0] if self.tensors else 0

    def _collated_batch(self, indices):
        # What default_collate would make of [ds[i] for i in indices], in one indexing per
        # tensor; None when a tensor needs its graph (default_collate then stacks the rows).
        if not self.tensors or any(t.requires_grad for t in self.tensors):
            return None
        idx = np.asarray(indices, dtype=np.int64)
        return [ag.from_numpy(t.numpy()[idx]) for t in self.tensors]


class ConcatDataset(Dataset):
    """Several map-style datasets one after another.

    Parameters
    ----------
    datasets : iterable of Dataset
        Not empty; no IterableDataset.

    Attributes
    ----------
    datasets : list
    cumulative_sizes : list of int
        ``cumulative_sizes[k]`` is the total length of ``datasets[:k + 1]``.

    Raises
    ------
    ValueError
        `datasets` is empty, or a negative index is out of range.
    TypeError
        One of the datasets is an IterableDataset (PyTorch raises AssertionError).
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        if which >= len(self.datasets):
            raise IndexError(f"ConcatDataset: index {idx} is out of range for length "
                             f"{len(self)}")
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets one after another (the streams are chained).

    Parameters
    ----------
    datasets : iterable of IterableDataset
        The datasets, iterated in order each time the chain is iterated.

    Raises
    ------
    TypeError
        While iterating, when an element of `datasets` is not an IterableDataset.

    Notes
    -----
    ``len()`` is the sum of the datasets' lengths (each must define ``__len__``).
    """

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


class Subset(Dataset):
    """The examples of `dataset` at `indices`, in that order.

    Parameters
    ----------
    dataset : Dataset
    indices : sequence of int
        Kept as given (``random_split`` passes lists).
    """

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        picked = [self.indices[i] for i in indices]
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__(picked)
        return [self.dataset[i] for i in picked]

    def __len__(self):
        return len(self.indices)

    def _collated_batch(self, indices):
        inner = getattr(self.dataset, "_collated_batch", None)
        if inner is None:
            return None
        return inner([self.indices[i] for i in indices])


def _split_lengths(lengths, n):
    """PyTorch's rule: integer lengths must sum to n; fractions summing to 1 are floored and
    the remainder handed out one by one from the first split on."""
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, length in enumerate(counts):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              f"empty dataset.", stacklevel=3)
        return counts
    if sum(lengths) != n:
        raise ValueError(f"Sum of input lengths does not equal the length of the input "
                         f"dataset! (lengths {lengths} sum to {sum(lengths)}, the dataset has "
                         f"{n} examples)")
    return [int(v) for v in lengths]


def random_split(dataset, lengths, generator=None):
    """Split `dataset` into non-overlapping random Subsets.

    Parameters
    ----------
    dataset : Dataset
        Anything with ``len()`` and ``__getitem__``.
    lengths : sequence of int or of float
        Lengths summing to ``len(dataset)``, or fractions summing to 1 (each floored, then
        the remainder handed out one at a time from the first split on: PyTorch's lengths).
    generator : glassgrad.Generator, numpy.random.Generator or None
        Where the permutation comes from (None: glassgrad's global generator). The lengths
        equal PyTorch's; which examples land where differs from PyTorch for the same seed.

    Returns
    -------
    list of Subset

    Raises
    ------
    ValueError
        The lengths do not add up, or a fraction lies outside [0, 1].
    """
    n = len(dataset)
    counts = _split_lengths(lengths, n)
    perm = numpy_generator(generator, "random_split").permutation(n).tolist()
    bounds = np.cumsum([0] + counts).tolist()
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
