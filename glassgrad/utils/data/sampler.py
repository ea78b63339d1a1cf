"""Samplers: the order in which a DataLoader visits a map-style dataset (torch.utils.data's).

A sampler is an iterable of indices (or, for a batch sampler, of lists of indices) with an
optional ``len()``. The random ones draw from the ``generator`` they were given, looked up at
every ``iter()``: a ``glassgrad.Generator`` (or any object whose ``_rng`` attribute is a
numpy Generator), a ``numpy.random.Generator``, or ``None`` for glassgrad's global generator
(so ``glassgrad.manual_seed`` fixes the order). PyTorch instead draws a fresh seed from the
global generator at each ``iter()``; the orders differ from PyTorch's for the same seed.
"""
import math

import numpy as np

from ._generator import check_generator, numpy_generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


def _is_positive_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0


class Sampler:
    """Base class of all samplers: subclasses implement ``__iter__`` (yielding indices) and,
    when the number of indices is known, ``__len__``.

    Parameters
    ----------
    data_source : optional
        Accepted for compatibility with PyTorch (which ignores it too).
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """Indices 0, 1, ..., len(data_source) - 1, in order.

    Parameters
    ----------
    data_source : Sized
        The dataset (only its ``len()`` is used).
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order.

    Parameters
    ----------
    data_source : Sized
        The dataset (only its ``len()`` is used).
    replacement : bool
        Draw ``num_samples`` indices independently (with repeats) if True; otherwise a
        permutation (several permutations back to back if ``num_samples > len(data_source)``,
        the last one cut short, as in PyTorch).
    num_samples : int, optional
        How many indices per ``iter()``; default ``len(data_source)``.
    generator : glassgrad.Generator, numpy.random.Generator or None
        Where the randomness comes from (see the module docstring).

    Raises
    ------
    TypeError
        `replacement` is not a bool, or `generator` is of an unusable type.
    ValueError
        `num_samples` is not a positive integer.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not _is_positive_int(self.num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")
        check_generator(generator, "RandomSampler")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        rng = numpy_generator(self.generator, "RandomSampler")
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        rounds, rest = divmod(self.num_samples, n)
        parts = [rng.permutation(n) for _ in range(rounds)]
        if rest:
            parts.append(rng.permutation(n)[:rest])
        return iter(np.concatenate(parts).tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a new random order at every ``iter()``.

    Parameters
    ----------
    indices : sequence of int
    generator : glassgrad.Generator, numpy.random.Generator or None
        Where the randomness comes from (see the module docstring).
    """

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator
        check_generator(generator, "SubsetRandomSampler")

    def __iter__(self):
        rng = numpy_generator(self.generator, "SubsetRandomSampler")
        for i in rng.permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Indices 0..len(weights)-1 drawn with probabilities proportional to `weights`.

    Parameters
    ----------
    weights : 1-d sequence of float
        Non-negative weights, not necessarily summing to one.
    num_samples : int
        How many indices per ``iter()``.
    replacement : bool
        With replacement (default) an index can come several times; without, at most once
        (then `num_samples` must not exceed the number of non-zero weights).
    generator : glassgrad.Generator, numpy.random.Generator or None
        Where the randomness comes from (see the module docstring).

    Raises
    ------
    ValueError
        `num_samples` is not a positive integer, or `weights` is not 1-d.
    TypeError
        `replacement` is not a bool.
    RuntimeError
        At ``iter()``: negative, non-finite or all-zero weights, or more samples without
        replacement than non-zero weights (PyTorch's multinomial raises the same then).
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not _is_positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement}")
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        check_generator(generator, "WeightedRandomSampler")
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        w = self.weights
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise RuntimeError(f"WeightedRandomSampler: invalid multinomial distribution: "
                               f"weights must be finite, non-negative and not all zero, got "
                               f"{w}")
        if not self.replacement and self.num_samples > np.count_nonzero(w):
            raise RuntimeError(f"WeightedRandomSampler: cannot sample num_samples="
                               f"{self.num_samples} without replacement from "
                               f"{np.count_nonzero(w)} non-zero weights")
        rng = numpy_generator(self.generator, "WeightedRandomSampler")
        picks = rng.choice(len(w), size=self.num_samples, replace=self.replacement,
                           p=w / w.sum())
        return iter(picks.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group the indices of `sampler` into lists of `batch_size`.

    Parameters
    ----------
    sampler : Sampler or iterable of int
    batch_size : int
        Positive.
    drop_last : bool
        Drop the final list if it is shorter than `batch_size`.

    Raises
    ------
    ValueError
        `batch_size` is not a positive integer or `drop_last` is not a bool.

    Examples
    --------
    >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not _is_positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
