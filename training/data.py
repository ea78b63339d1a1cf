"""The toolkit's data helpers, built on glassgrad.utils.data (PyTorch's Dataset, DataLoader,
samplers and random_split, re-exported here) plus what PyTorch does not have:
`train_val_test_split` (with stratification), `DataLoader(seed=...)`, a tuple of arrays as a
dataset, and `random_split(seed=...)`.

    ds = TensorDataset(X, y)                       # ndarrays or tensors, same first dim
    train, val = random_split(ds, [0.8, 0.2], seed=0)
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True, seed=0):
        ...                                        # xb, yb are Tensors

Shuffling draws from a generator: the loader's own (`seed=` or `generator=`) or, by default,
glassgrad's global one, so `glassgrad.manual_seed` fixes the order. Every epoch is a fresh
permutation that visits each example exactly once.
"""
from collections import namedtuple

import numpy as np

from glassgrad import autograd as ag
from glassgrad.autograd.tensor import Tensor
from glassgrad.utils import data as _data
# re-exported: the toolkit's data names are PyTorch's (glassgrad.utils.data)
from glassgrad.utils.data import (BatchSampler, ConcatDataset, Dataset,  # noqa: F401
                                  IterableDataset, RandomSampler, Sampler, SequentialSampler,
                                  Subset, SubsetRandomSampler, TensorDataset,
                                  WeightedRandomSampler, default_collate)


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


class DataLoader(_data.DataLoader):
    """glassgrad.utils.data.DataLoader with two conveniences of the toolkit.

    Parameters
    ----------
    dataset : Dataset, or a tuple of equally long arrays / Tensors
        A tuple (not a Dataset) is wrapped in a TensorDataset; PyTorch would treat it as a
        sequence of examples.
    batch_size : int, optional
        Examples per batch. Default 1.
    shuffle : bool, optional
        Draw a fresh permutation every epoch. Default None (False, as in PyTorch).
    *args
        Further positional arguments of glassgrad.utils.data.DataLoader, in its order.
    seed : int, optional
        Shuffle with a numpy Generator seeded with `seed` and owned by the loader (each epoch
        continues its stream). Exclusive with `generator`.
    **kwargs
        Everything glassgrad.utils.data.DataLoader takes (batch_size, shuffle, drop_last,
        collate_fn, sampler, generator, ...).

    Raises
    ------
    ValueError
        Both `seed` and `generator` given, or what the base class raises.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, *args, seed=None, **kwargs):
        if isinstance(dataset, tuple) and not isinstance(dataset, Dataset):
            dataset = TensorDataset(*dataset)
        if seed is not None:
            kwargs["generator"] = _rng(seed, kwargs.get("generator"))
        super().__init__(dataset, batch_size, shuffle, *args, **kwargs)


def random_split(dataset, lengths, seed=None, generator=None):
    """glassgrad.utils.data.random_split, plus `seed=` (a fresh numpy Generator seeded with it)
    and a tuple of arrays as the dataset (wrapped in a TensorDataset).

    Parameters
    ----------
    dataset : Dataset, or a tuple of equally long arrays / Tensors
        The dataset to split.
    lengths : sequence of int or float
        The sizes of the parts, as counts summing to ``len(dataset)`` or as fractions
        summing to 1 (as in PyTorch).
    seed : int, optional
        Draw the permutation from a fresh numpy Generator seeded with it.
    generator : glassgrad.Generator or numpy.random.Generator, optional
        Draw from this generator; without `seed` and `generator`, from glassgrad's global
        one.

    Returns
    -------
    list of Subset
        One Subset of `dataset` per length.

    Raises
    ------
    ValueError
        Both `seed` and `generator` given, or what glassgrad.utils.data.random_split raises.
    """
    if isinstance(dataset, tuple):
        dataset = TensorDataset(*dataset)
    if seed is not None:
        generator = _rng(seed, generator)
    return _data.random_split(dataset, lengths, generator=generator)


Splits = namedtuple("Splits", ["train", "val", "test"])


def train_val_test_split(*arrays, val=0.15, test=0.15, seed=None, generator=None,
                         stratify=None):
    """Shuffle equally long arrays together and cut them into train / validation / test.

    `val` and `test` are fractions of the whole (or absolute counts when ints). With
    `stratify` (class labels, one per row) every class is split in those proportions, so the
    three parts keep the class balance (fractions only). Returns Splits(train, val, test),
    each a tuple with one piece per input array, of the input's type (ndarray or Tensor)::

        (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, seed=0)

    Parameters
    ----------
    *arrays : ndarray, Tensor or sequence
        One or more arrays of the same length N (e.g. X and y), shuffled with one
        permutation.
    val, test : float or int, optional
        The validation and test sizes: fractions of the whole (rounded to a count), or
        counts when ints. Default 0.15 each.
    seed : int, optional
        Shuffle with a fresh numpy Generator seeded with it.
    generator : glassgrad.Generator or numpy.random.Generator, optional
        Shuffle with this generator; without `seed` and `generator`, with glassgrad's
        global one.
    stratify : array_like of shape (N,), optional
        Class labels: split each class in the given proportions.

    Returns
    -------
    Splits
        A named tuple ``(train, val, test)``; each part is a tuple with one piece per input
        array (Tensors stay Tensors, other inputs become ndarrays).

    Raises
    ------
    ValueError
        If no array is given, the arrays differ in length, both `seed` and `generator` are
        given, `val` and `test` leave no training example (in a class, with `stratify`), or
        `stratify` has not one label per row or comes with counts instead of fractions.

    Examples
    --------
    >>> import numpy as np
    >>> from glassgrad.training import train_val_test_split
    >>> X, y = np.arange(20).reshape(10, 2), np.arange(10)
    >>> train, val, test = train_val_test_split(X, y, val=0.2, test=0.2, seed=0)
    >>> [len(part[1]) for part in (train, val, test)]
    [6, 2, 2]
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
