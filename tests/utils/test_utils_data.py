"""glassgrad.utils.data against torch.utils.data: batch contents and order, shapes, dtypes,
collation of nested structures, drop_last, len, samplers, random_split and error messages."""
import collections
import re

import numpy as np
import pytest

import glassgrad as gg
from glassgrad.autograd.tensor import Tensor
from glassgrad.utils import data as gdata

torch = pytest.importorskip("torch")
tdata = torch.utils.data


def to_plain(x):
    """A nested structure of glassgrad or torch tensors as plain Python, with dtype names."""
    if isinstance(x, Tensor):
        return ("tensor", str(x.dtype), tuple(x.shape), x.numpy().tolist())
    if isinstance(x, torch.Tensor):
        return ("tensor", str(x.dtype).replace("torch.", ""), tuple(x.shape), x.tolist())
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (type(x).__name__, [to_plain(v) for v in x])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [to_plain(v) for v in x])
    if isinstance(x, dict):
        return (type(x).__name__, {k: to_plain(v) for k, v in x.items()})
    return x


def pair(n=10):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return (gdata.TensorDataset(gg.from_numpy(X), gg.from_numpy(y)),
            tdata.TensorDataset(torch.from_numpy(X), torch.from_numpy(y)))


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                    dict(batch_size=5), dict(batch_size=1),
                                    dict(batch_size=20), dict(batch_size=None)])
def test_sequential_batches_equal_torch(kwargs):
    ours, theirs = pair(10)
    a, b = gdata.DataLoader(ours, **kwargs), tdata.DataLoader(theirs, **kwargs)
    assert len(a) == len(b)
    assert [to_plain(x) for x in a] == [to_plain(x) for x in b]


def test_tensor_dataset_items_and_fast_path_equal_row_stacking():
    ours, theirs = pair(7)
    assert to_plain(ours[2]) == to_plain(theirs[2])
    assert len(ours) == 7
    fast = list(gdata.DataLoader(ours, batch_size=4))
    slow = list(gdata.DataLoader(ours, batch_size=4,
                                 collate_fn=lambda b: gdata.default_collate(b)))
    assert [to_plain(x) for x in fast] == [to_plain(x) for x in slow]


def test_tensor_dataset_with_grad_keeps_the_graph():
    w = gg.ones(4, 2, requires_grad=True)
    (xb,) = next(iter(gdata.DataLoader(gdata.TensorDataset(w * 2), batch_size=3)))
    xb.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[2, 2]] * 3 + [[0, 0]])


Point = collections.namedtuple("Point", ["x", "y"])

COLLATE_CASES = [
    [0, 1, 2, 3],
    [0.5, 1.5],
    [True, False],
    ["a", "b", "c"],
    [{"A": 0, "B": 1.0}, {"A": 100, "B": 2.0}],
    [Point(0, 0), Point(1, 1)],
    [(0, 1), (2, 3)],
    [[0, 1], [2, 3]],
    [np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.int32)],
    [np.float32(1.5), np.float32(2.5)],
    [np.int16(1), np.int16(2)],
    [(np.zeros((2, 2)), {"label": 1, "name": "x", "extra": [1.0, 2.0]}),
     (np.ones((2, 2)), {"label": 0, "name": "y", "extra": [3.0, 4.0]})],
]


@pytest.mark.parametrize("batch", COLLATE_CASES, ids=range(len(COLLATE_CASES)))
def test_default_collate_equals_torch(batch):
    assert to_plain(gdata.default_collate(batch)) == to_plain(tdata.default_collate(batch))


def test_default_collate_stacks_tensors_and_converts():
    ours = gdata.default_collate([gg.tensor([1.0, 2.0]), gg.tensor([3.0, 4.0])])
    theirs = tdata.default_collate([torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])])
    assert to_plain(ours) == to_plain(theirs)
    sample = (np.arange(3, dtype=np.float32), {"k": np.int64(4)}, "s")
    assert to_plain(gdata.default_convert(sample)) == to_plain(tdata.default_convert(sample))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal "
                                           "size"):
        gdata.default_collate([[1, 2], [1]])
    with pytest.raises(RuntimeError, match=r"equal size, but got \[2\] at entry 0 and \[3\] "
                                           r"at entry 1"):
        gdata.default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        gdata.default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate: batch must contain"):
        gdata.default_collate([np.array(["a"]), np.array(["b"])])


def test_custom_dataset_dict_samples_and_collate_fn():
    class Squares(gdata.Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return {"x": np.array([i, i * i], dtype=np.float64), "y": i % 2}

    class TorchSquares(tdata.Dataset):
        __len__ = Squares.__len__
        __getitem__ = Squares.__getitem__

    for kw in (dict(batch_size=4), dict(batch_size=4, drop_last=True),
               dict(batch_size=4, collate_fn=len), dict(batch_size=None)):
        assert [to_plain(b) for b in gdata.DataLoader(Squares(), **kw)] == \
            [to_plain(b) for b in tdata.DataLoader(TorchSquares(), **kw)]


def test_iterable_dataset_batches_like_torch():
    class Stream(gdata.IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    class TorchStream(tdata.IterableDataset):
        __iter__ = Stream.__iter__
        __len__ = Stream.__len__

    for kw in (dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)):
        a, b = gdata.DataLoader(Stream(), **kw), tdata.DataLoader(TorchStream(), **kw)
        assert len(a) == len(b)
        assert [to_plain(x) for x in a] == [to_plain(x) for x in b]
    for bad in (dict(shuffle=True), dict(sampler=[0, 1]), dict(batch_sampler=[[0]])):
        with pytest.raises(ValueError) as ours:
            gdata.DataLoader(Stream(), **bad)
        with pytest.raises(ValueError) as theirs:
            tdata.DataLoader(TorchStream(), **bad)
        assert str(ours.value) == str(theirs.value)


def test_shuffle_visits_each_example_once_and_follows_the_generator():
    ours, _ = pair(23)

    def epoch_orders(**kw):
        loader = gdata.DataLoader(ours, batch_size=4, shuffle=True, **kw)
        return [np.concatenate([y.numpy() for _, y in loader]).tolist() for _ in range(2)]

    first = epoch_orders(generator=np.random.default_rng(5))
    assert all(sorted(o) == list(range(23)) for o in first)
    assert first[0] != first[1] and first[0] != list(range(23))
    assert first == epoch_orders(generator=np.random.default_rng(5))

    class HasRng:                                     # what a glassgrad.Generator looks like
        def __init__(self, seed):
            self._rng = np.random.default_rng(seed)

    assert first == epoch_orders(generator=HasRng(5))
    gg.manual_seed(3)
    a = epoch_orders()
    gg.manual_seed(3)
    assert a == epoch_orders()
    with pytest.raises(TypeError, match="generator must be"):
        gdata.DataLoader(ours, shuffle=True, generator=5)


def test_samplers_and_batch_sampler():
    assert list(gdata.SequentialSampler(range(4))) == list(tdata.SequentialSampler(range(4)))
    for kw in (dict(batch_size=3, drop_last=False), dict(batch_size=3, drop_last=True)):
        assert list(gdata.BatchSampler(range(10), **kw)) == \
            list(tdata.BatchSampler(range(10), **kw))
        assert len(gdata.BatchSampler(range(10), **kw)) == len(tdata.BatchSampler(range(10), **kw))
    rng = np.random.default_rng(0)
    s = gdata.RandomSampler(range(5), generator=rng)
    assert len(s) == 5 and sorted(s) == [0, 1, 2, 3, 4]
    long = list(gdata.RandomSampler(range(5), num_samples=12, generator=rng))
    assert len(long) == 12 and sorted(long[:5]) == sorted(long[5:10]) == list(range(5))
    assert len(set(long[10:])) == 2
    rep = list(gdata.RandomSampler(range(3), replacement=True, num_samples=50, generator=rng))
    assert len(rep) == 50 and set(rep) == {0, 1, 2}
    sub = list(gdata.SubsetRandomSampler([10, 20, 30], generator=rng))
    assert sorted(sub) == [10, 20, 30]
    w = list(gdata.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200, generator=rng))
    assert set(w) == {1, 3} and 100 < w.count(3) < 190
    once = list(gdata.WeightedRandomSampler([1.0, 1.0, 0.0, 1.0], 3, replacement=False,
                                            generator=rng))
    assert sorted(once) == [0, 1, 3]
    with pytest.raises(RuntimeError, match="without replacement"):
        list(gdata.WeightedRandomSampler([1.0, 0.0], 2, replacement=False))


def test_loader_with_sampler_and_batch_sampler_equals_torch():
    ours, theirs = pair(10)
    order = [9, 0, 4, 4, 2]
    assert [to_plain(b) for b in gdata.DataLoader(ours, sampler=order, batch_size=2)] == \
        [to_plain(b) for b in tdata.DataLoader(theirs, sampler=order, batch_size=2)]
    batches = [[1, 2], [7], [0, 3, 5]]
    a = gdata.DataLoader(ours, batch_sampler=batches)
    b = tdata.DataLoader(theirs, batch_sampler=batches)
    assert len(a) == len(b) == 3
    assert [to_plain(x) for x in a] == [to_plain(x) for x in b]


def test_accepted_options_and_attributes():
    ours, _ = pair(10)
    loader = gdata.DataLoader(ours, batch_size=4, num_workers=2, pin_memory=True,
                              worker_init_fn=lambda i: None, persistent_workers=True,
                              prefetch_factor=2)
    assert len(list(loader)) == 3 and gdata.get_worker_info() is None
    assert isinstance(loader.sampler, gdata.SequentialSampler)
    assert isinstance(loader.batch_sampler, gdata.BatchSampler)
    assert isinstance(gdata.DataLoader(ours, shuffle=True).sampler, gdata.RandomSampler)


BAD_LOADERS = [
    dict(batch_size=0),
    dict(batch_size=-1),
    dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True),
    dict(num_workers=-1),
    dict(timeout=-1),
    dict(persistent_workers=True),
    dict(prefetch_factor=2),
]


@pytest.mark.parametrize("kwargs", BAD_LOADERS, ids=range(len(BAD_LOADERS)))
def test_loader_errors_equal_torch(kwargs):
    ours, theirs = pair(4)
    with pytest.raises(ValueError) as mine:
        gdata.DataLoader(ours, **kwargs)
    with pytest.raises(ValueError) as ref:
        tdata.DataLoader(theirs, **kwargs)
    assert str(mine.value) == str(ref.value)


def test_frozen_attributes_equal_torch():
    ours, theirs = pair(4)
    for name in ("batch_size", "sampler", "drop_last", "dataset"):
        with pytest.raises(ValueError) as mine:
            setattr(gdata.DataLoader(ours), name, None)
        with pytest.raises(ValueError) as ref:
            setattr(tdata.DataLoader(theirs), name, None)
        assert str(mine.value) == str(ref.value)


def test_sampler_errors_equal_torch():
    cases = [(gdata.RandomSampler, tdata.RandomSampler, (range(3),), dict(num_samples=0)),
             (gdata.RandomSampler, tdata.RandomSampler, (range(3),), dict(replacement=1)),
             (gdata.BatchSampler, tdata.BatchSampler, (range(3), 0, False), {}),
             (gdata.BatchSampler, tdata.BatchSampler, (range(3), 2, 1), {}),
             (gdata.WeightedRandomSampler, tdata.WeightedRandomSampler, ([1.0], 0), {}),
             (gdata.WeightedRandomSampler, tdata.WeightedRandomSampler, ([[1.0]], 1), {}),
             (gdata.WeightedRandomSampler, tdata.WeightedRandomSampler, ([1.0], 1),
              dict(replacement=1))]
    for ours, theirs, args, kw in cases:
        with pytest.raises(Exception) as ref:
            theirs(*args, **kw)
        with pytest.raises(type(ref.value), match=re.escape(str(ref.value))):
            ours(*args, **kw)


@pytest.mark.parametrize("n", [10, 23, 101])
def test_random_split_lengths_fractions_disjoint(n):
    ours, _ = pair(n)
    for lengths in ([0.5, 0.3, 0.2], [0.7, 0.3], [0.34, 0.33, 0.33], [0.1] * 10,
                    [n - 3, 3], [n, 0]):
        parts = gdata.random_split(ours, lengths, generator=np.random.default_rng(1))
        want = [len(s) for s in tdata.random_split(range(n), lengths)]
        assert [len(p) for p in parts] == want
        seen = [i for p in parts for i in p.indices]
        assert sorted(seen) == list(range(n))
        assert all(isinstance(p, gdata.Subset) for p in parts)
    again = gdata.random_split(ours, [0.5, 0.5], generator=np.random.default_rng(1))
    first = gdata.random_split(ours, [0.5, 0.5], generator=np.random.default_rng(1))
    assert again[0].indices == first[0].indices


def test_random_split_errors_and_warning_equal_torch():
    ours, _ = pair(10)
    for bad in ([3, 3], [1.5, -0.5]):
        with pytest.raises(ValueError) as ref:
            tdata.random_split(range(10), bad)
        with pytest.raises(ValueError, match=re.escape(str(ref.value))):
            gdata.random_split(ours, bad)
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        gdata.random_split(range(3), [1.0, 0.0])


def test_subset_and_concat_dataset():
    ours, theirs = pair(10)
    sub, tsub = gdata.Subset(ours, [9, 2, 4]), tdata.Subset(theirs, [9, 2, 4])
    assert len(sub) == 3 and to_plain(sub[0]) == to_plain(tsub[0])
    assert [to_plain(b) for b in gdata.DataLoader(sub, batch_size=2)] == \
        [to_plain(b) for b in tdata.DataLoader(tsub, batch_size=2)]
    cat, tcat = ours + sub, theirs + tsub
    assert isinstance(cat, gdata.ConcatDataset) and len(cat) == len(tcat) == 13
    assert cat.cumulative_sizes == tcat.cumulative_sizes
    for i in (0, 9, 10, 12, -1, -13):
        assert to_plain(cat[i]) == to_plain(tcat[i])
    with pytest.raises(ValueError, match="absolute value of index should not exceed"):
        cat[-14]
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        gdata.ConcatDataset([])
    assert [to_plain(b) for b in gdata.DataLoader(cat, batch_size=5)] == \
        [to_plain(b) for b in tdata.DataLoader(tcat, batch_size=5)]


def test_tensor_dataset_accepts_arrays_and_checks_sizes():
    ds = gdata.TensorDataset(np.ones((5, 2), dtype=np.float64), np.arange(5, dtype=np.int32))
    assert ds.tensors[0].dtype == np.float64 and ds.tensors[1].dtype == np.int32
    with pytest.raises(ValueError, match="Size mismatch between tensors"):
        gdata.TensorDataset(np.ones((5, 2)), np.arange(4))


def test_root_namespace_reaches_utils_data():
    assert gg.utils.data.DataLoader is gdata.DataLoader
    from glassgrad.training import DataLoader, TensorDataset, Subset
    assert issubclass(DataLoader, gdata.DataLoader)
    assert TensorDataset is gdata.TensorDataset and Subset is gdata.Subset
