"""glassgrad.utils.data: datasets, samplers and the DataLoader, with torch.utils.data's names
and behaviour, so that ``from torch.utils.data import DataLoader`` code ports by its import
line.

    from glassgrad.utils.data import DataLoader, TensorDataset, random_split
    ds = TensorDataset(X, y)                       # Tensors (or arrays) with the same dim 0
    train, val = random_split(ds, [0.8, 0.2], generator=g)
    for xb, yb in DataLoader(train, batch_size=32, shuffle=True):
        ...

Differences from PyTorch (each also in the docstrings):

* Random draws (shuffling, random samplers, random_split) come from the ``generator`` given
  (a ``glassgrad.Generator``, anything whose ``_rng`` attribute is a numpy Generator, or a
  ``numpy.random.Generator``), else from glassgrad's global generator, so
  ``glassgrad.manual_seed`` fixes them; the orders differ from PyTorch's for the same seed.
* ``num_workers`` is accepted but batches are always loaded in the calling process
  (``worker_init_fn`` is never called, ``get_worker_info()`` is None).
* ``TensorDataset`` also accepts numpy arrays (wrapped without a copy, dtypes kept) and raises
  ValueError (not AssertionError) on mismatched sizes.
"""
from ._collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset,
                      TensorDataset, random_split)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset",
           "Subset", "random_split", "DataLoader", "get_worker_info", "default_collate",
           "default_convert", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler"]
