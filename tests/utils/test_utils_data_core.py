"""glassgrad.utils.data without PyTorch: the behaviour the torch-parity tests pin down, as
plain expectations (runs on every Python, torch or not)."""
import collections

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.utils.data import (BatchSampler, DataLoader, IterableDataset, RandomSampler,
                                  SequentialSampler, Subset, TensorDataset, default_collate,
                                  random_split)


def dataset(n=10):
    return TensorDataset(gg.arange(n * 2, dtype=gg.float32).reshape(n, 2), gg.arange(n))


def test_sequential_batches_len_and_drop_last():
    ds = dataset(10)
    batches = list(DataLoader(ds, batch_size=4))
    assert len(DataLoader(ds, batch_size=4)) == 3
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert isinstance(batches[0], list) and batches[0][0].shape == (4, 2)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64
    dropped = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [len(b[1]) for b in dropped] == [4, 4]
    single = list(DataLoader(ds, batch_size=None))
    assert len(single) == 10 and single[3][1].item() == 3 and single[3][0].shape == (2,)


def test_default_collate_types():
    Point = collections.namedtuple("Point", "x y")
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([1.0, 2.0]).dtype == np.float64
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32
    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and p.x.tolist() == [1, 3] and p.y.dtype == np.float64
    nested = default_collate([{"a": (np.zeros(3), 1)}, {"a": (np.ones(3), 2)}])
    assert isinstance(nested["a"], list) and nested["a"][0].shape == (2, 3)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of "
                                           "equal size"):
        default_collate([[1, 2], [3]])


def test_shuffle_permutes_every_epoch_from_the_generator():
    ds = dataset(12)
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(0))
    orders = [sum((b[1].tolist() for b in loader), []) for _ in range(3)]
    assert all(sorted(o) == list(range(12)) for o in orders)
    assert orders[0] != orders[1]
    again = DataLoader(ds, batch_size=5, shuffle=True, generator=np.random.default_rng(0))
    assert sum((b[1].tolist() for b in again), []) == orders[0]


def test_samplers():
    assert list(SequentialSampler(range(3))) == [0, 1, 2]
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    s = RandomSampler(range(6), generator=np.random.default_rng(1))
    assert sorted(s) == list(range(6)) and len(s) == 6
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, "
                                         "but got num_samples=0"):
        RandomSampler(range(6), num_samples=0)
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(dataset(), sampler=[0], shuffle=True)


def test_iterable_dataset():
    class Count(IterableDataset):
        def __iter__(self):
            return iter(range(5))

    assert [b.tolist() for b in DataLoader(Count(), batch_size=2)] == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Count(), shuffle=True)


def test_random_split_and_subset():
    ds = dataset(10)
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [5, 3, 2]
    assert sorted(i for p in parts for i in p.indices) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        random_split(ds, [3, 3])
    sub = Subset(ds, [7, 1])
    assert [b[1].tolist() for b in DataLoader(sub, batch_size=2)] == [[7, 1]]
