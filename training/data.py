"""Datasets, mini-batches and splits, following torch.utils.data.

    ds = TensorDataset(X, y)                       # ndarrays or tensors, same first dim
    train, val = random_split(ds, [0.8, 0.2], seed=0)
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True, seed=0):
        ...                                        # xb, yb are ag.Tensors

Shuffling draws from a generator: the loader's own (`seed=` or `generator=`, a numpy
Generator) or, by default, glassgrad's global one (`ag.random.get_rng()`), so `ag.manual_seed`
fixes the order. Every epoch is a fresh permutation that visits each example exactly once.
"""
import math
from collections import namedtuple

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor


def _array(x):
    """The ndarray behind a Tensor / array / nested list (no copy when possible)."""
    if isinstance(x, Tensor):
        return x.numpy()
    return np.asarray(x)


def _rng(seed=None, generator=None):
    if generator is not None and seed is not None:
        raise ValueError("pass either seed= or generator=, not both")
    if generator is not None:       # a glassgrad.Generator or a numpy Generator
        return ag.random.get_rng(generator) if isinstance(generator, ag.Generator) else generator
    if seed is not None:
        return np.random.default_rng(seed)
    return ag.random.get_rng()


class Dataset:
    """A map-style dataset: `ds[i]` gives example i, `len(ds)` how many there are.

    Subclasses implement `__getitem__` and `__len__`. A subclass may also implement
    `batch(indices)` returning an already collated batch (tuple of arrays) for speed;
    DataLoader uses it when present."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Rows of one or more equally long arrays: `ds[i] == (a[i], b[i], ...)`.

    Accepts ndarrays, Tensors or lists; stores them as ndarrays (shared with the Tensors'
    memory, not copied). `ds[i]` returns a tuple of ndarrays/scalars; the DataLoader turns
    batches into ag.Tensors."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(_array(a) for a in arrays)
        sizes = [a.shape[0] if a.ndim else None for a in self.arrays]
        if None in sizes or len(set(sizes)) != 1:
            shapes = [a.shape for a in self.arrays]
            raise ValueError(f"TensorDataset: all arrays need the same first dimension, "
                             f"got shapes {shapes}")

    def __len__(self):
        return self.arrays[0].shape[0]

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def batch(self, indices):
        return tuple(a[indices] for a in self.arrays)


class Subset(Dataset):
    """The examples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def batch(self, indices):
        picked = self.indices[np.asarray(indices, dtype=np.int64)]
        if hasattr(self.dataset, "batch"):
            return self.dataset.batch(picked)
        return collate_numpy([self.dataset[int(i)] for i in picked])


def collate_numpy(samples):
    """Stack a list of samples (tuples / dicts / arrays / numbers) field by field into
    ndarrays: [(x0, y0), (x1, y1)] -> (stack(x), stack(y))."""
    first = samples[0]
    if isinstance(first, tuple) or isinstance(first, list):
        return type(first)(collate_numpy([s[i] for s in samples]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: collate_numpy([s[k] for s in samples]) for k in first}
    return np.stack([_array(s) for s in samples])


def to_tensors(batch):
    """Turn the ndarrays of a collated batch into ag.Tensors (dtypes kept: float64 stays
    float64, int labels int64)."""
    if isinstance(batch, (tuple, list)):
        return type(batch)(to_tensors(b) for b in batch)
    if isinstance(batch, dict):
        return {k: to_tensors(v) for k, v in batch.items()}
    arr = _array(batch)
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.int64, copy=False)
    return ag.tensor(arr)


def default_collate(samples):
    """Stack samples field by field and return ag.Tensors (see collate_numpy)."""
    return to_tensors(collate_numpy(samples))


class DataLoader:
    """Iterate over `dataset` in mini-batches of `batch_size`.

    dataset: a Dataset (anything with __getitem__ and __len__), or a tuple of equally long
        arrays (wrapped in a TensorDataset).
    shuffle: a new permutation each epoch (drawn from `generator`, else a Generator seeded
        with `seed` and owned by the loader, else glassgrad's global generator).
    drop_last: skip the final batch when it is smaller than `batch_size`.
    collate_fn: turns a list of samples into a batch (default: stacked ag.Tensors).
    `len(loader)` is the number of batches per epoch."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 generator=None, collate_fn=None):
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if isinstance(dataset, (tuple, list)) and not isinstance(dataset, Dataset):
            dataset = TensorDataset(*dataset)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self._own_rng = None if (seed is None and generator is None) else _rng(seed, generator)

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        rng = self._own_rng if self._own_rng is not None else ag.random.get_rng()
        return rng.permutation(n)

    def __iter__(self):
        order = self._order()
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            if self.collate_fn is None and hasattr(self.dataset, "batch"):
                yield to_tensors(self.dataset.batch(idx))
            else:
                samples = [self.dataset[int(i)] for i in idx]
                yield (self.collate_fn or default_collate)(samples)


def _split_lengths(lengths, n):
    """Integer lengths summing to n from ints or fractions (PyTorch's rule: floor each
    fraction, then hand out the remainder one by one from the first split on)."""
    lengths = list(lengths)
    if all(isinstance(v, (int, np.integer)) for v in lengths):
        if sum(lengths) != n:
            raise ValueError(f"random_split: lengths {lengths} sum to {sum(lengths)}, but the "
                             f"dataset has {n} examples")
        return [int(v) for v in lengths]
    if any(v < 0 or v > 1 for v in lengths) or not math.isclose(sum(lengths), 1.0,
                                                              abs_tol=1e-6):
        raise ValueError(f"random_split: fractions must lie in [0, 1] and sum to 1, got "
                         f"{lengths}")
    counts = [int(math.floor(n * f)) for f in lengths]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(dataset, lengths, seed=None, generator=None):
    """Split `dataset` into non-overlapping random Subsets of the given lengths (ints summing
    to len(dataset), or fractions summing to 1)."""
    if isinstance(dataset, (tuple, list)):
        dataset = TensorDataset(*dataset)
    n = len(dataset)
    counts = _split_lengths(lengths, n)
    perm = _rng(seed, generator).permutation(n)
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


Splits = namedtuple("Splits", ["train", "val", "test"])


def train_val_test_split(*arrays, val=0.15, test=0.15, seed=None, generator=None,
                         stratify=None):
    """Shuffle equally long arrays together and cut them into train / validation / test.

    `val` and `test` are fractions of the whole (or absolute counts when ints). With
    `stratify` (class labels, one per row) every class is split in those proportions, so the
    three parts keep the class balance (fractions only). Returns Splits(train, val, test),
    each a tuple with one piece per input array, of the input's type (ndarray or Tensor):

        (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, seed=0)
    """
    if not arrays:
        raise ValueError("train_val_test_split needs at least one array")
    n = len(arrays[0])
    if any(len(a) != n for a in arrays):
        raise ValueError(f"train_val_test_split: arrays have different lengths "
                         f"{[len(a) for a in arrays]}")
    rng = _rng(seed, generator)
    if stratify is None:
        cuts = _cut(rng.permutation(n), val, test, n)
    else:
        labels = _array(stratify)
        if len(labels) != n or any(isinstance(v, (int, np.integer)) for v in (val, test)):
            raise ValueError("train_val_test_split: stratify needs one label per row and "
                             "val/test given as fractions")
        parts = [_cut(rng.permutation(np.flatnonzero(labels == c)), val, test, n)
                 for c in np.unique(labels)]
        cuts = tuple(rng.permutation(np.concatenate([p[i] for p in parts])) for i in range(3))

    def take(a, idx):
        if isinstance(a, Tensor):
            return ag.tensor(a.numpy()[idx])
        return np.asarray(a)[idx]

    return Splits(*(tuple(take(a, idx) for a in arrays) for idx in cuts))


def _cut(perm, val, test, n_total):
    """Split a permutation into (train, val, test) index arrays."""
    n = len(perm)
    n_val = val if isinstance(val, (int, np.integer)) else int(round(val * n))
    n_test = test if isinstance(test, (int, np.integer)) else int(round(test * n))
    if n_val < 0 or n_test < 0 or n_val + n_test >= n:
        raise ValueError(f"train_val_test_split: val={val!r} and test={test!r} leave no "
                         f"training examples out of {n}"
                         + ("" if n == n_total else f" (in a class of {n_total} rows)"))
    return perm[:n - n_val - n_test], perm[n - n_val - n_test:n - n_test], perm[n - n_test:]
