"""DataLoader: iterate over a dataset in batches, with PyTorch's arguments and rules."""
import math

from ._collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info"]


def get_worker_info():
    """None: glassgrad's DataLoader loads every batch in the calling process (see
    DataLoader's `num_workers`), so code is never running inside a worker."""
    return None


class _InfiniteConstantSampler(Sampler):
    """The sampler of a loader over an IterableDataset: None, forever."""

    def __iter__(self):
        while True:
            yield None


_FROZEN = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
           "persistent_workers")


class DataLoader:
    """Iterate over `dataset` in batches.

    Parameters
    ----------
    dataset : Dataset or IterableDataset
        A map-style dataset (``__getitem__`` and ``__len__``) or an iterable one.
    batch_size : int or None, default 1
        Examples per batch. ``None`` turns batching off: each example is yielded alone,
        passed through `collate_fn` (default: ``default_convert``, numpy arrays to Tensors).
    shuffle : bool, optional
        A new random order every epoch (a ``RandomSampler`` with `generator`).
    sampler : Sampler or iterable of indices, optional
        The order of the examples; excludes `shuffle`.
    batch_sampler : Sampler or iterable of lists of indices, optional
        Yields whole batches of indices; excludes batch_size, shuffle, sampler and
        drop_last.
    num_workers : int, default 0
        Accepted so that PyTorch code ports unchanged, but glassgrad loads every batch in the
        calling process, whatever the value (must be >= 0). glassgrad's datasets live in
        memory and a batch costs microseconds to gather, so worker processes would cost more
        than they save. Consequently `worker_init_fn` is never called, `prefetch_factor`,
        `persistent_workers`, `timeout` and `multiprocessing_context` change nothing, and
        ``get_worker_info()`` returns None.
    collate_fn : callable, optional
        Turns a list of examples into a batch; default ``default_collate``.
    pin_memory : bool
        Accepted; a no-op (there are no devices).
    drop_last : bool, default False
        Drop the final batch when it is smaller than `batch_size`.
    timeout : float, default 0
        Must be >= 0; otherwise unused (see `num_workers`).
    worker_init_fn : callable, optional
        Accepted, never called (see `num_workers`).
    multiprocessing_context : optional
        Accepted, unused.
    generator : glassgrad.Generator, numpy.random.Generator or None
        Where shuffling draws from (any object whose ``_rng`` attribute is a numpy Generator
        works); None means glassgrad's global generator, so ``glassgrad.manual_seed`` fixes
        the order. The orders differ from PyTorch's for the same seed.
    prefetch_factor : int, optional
        Only allowed with ``num_workers > 0`` (as in PyTorch); unused.
    persistent_workers : bool
        Only allowed with ``num_workers > 0`` (as in PyTorch); unused.
    pin_memory_device : str
        Accepted, unused.
    in_order : bool
        Accepted; batches always come in order.

    Attributes
    ----------
    dataset, batch_size, drop_last, sampler, batch_sampler, collate_fn, generator, ...
        As given or derived, as in PyTorch; batch_size, batch_sampler, sampler, drop_last,
        dataset and persistent_workers cannot be changed after construction.

    Raises
    ------
    ValueError
        Incompatible options (with PyTorch's messages), a negative `num_workers` or
        `timeout`, a bad `batch_size`.

    Notes
    -----
    ``len(loader)`` is the number of batches per epoch (for an IterableDataset, computed from
    ``len(dataset)`` if it has one). When the dataset is a ``TensorDataset`` (or a ``Subset``
    of one) and `collate_fn` is the default, a batch is gathered with one indexing per tensor
    instead of stacking rows one by one: the result is the same.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if batch_sampler is not None else default_convert)
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        self._iterable = iterable
        self._initialized = True

    def __setattr__(self, name, value):
        if getattr(self, "_initialized", False) and name in _FROZEN:
            raise ValueError(f"{name} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is not None:
                n = n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
            return n
        return len(self.batch_sampler if self._auto_collation else self.sampler)

    def __iter__(self):
        if self._iterable:
            return self._iter_stream()
        if self._auto_collation:
            return (self._fetch(indices) for indices in self.batch_sampler)
        return (self.collate_fn(self.dataset[index]) for index in self.sampler)

    def _fetch(self, indices):
        if self.collate_fn is default_collate:
            fast = getattr(self.dataset, "_collated_batch", None)
            batch = fast(indices) if fast is not None else None
            if batch is not None:
                return batch
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(indices) if callable(getitems) else [self.dataset[i] for i in indices]
        return self.collate_fn(samples)

    def _iter_stream(self):
        if self.batch_size is None:
            for example in self.dataset:
                yield self.collate_fn(example)
            return
        batch = []
        for example in self.dataset:
            batch.append(example)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)
