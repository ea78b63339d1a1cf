import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.training.data import (DataLoader, Subset, TensorDataset, default_collate, random_split,
                           train_val_test_split)


def _dataset(n=23):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(X, y)


def test_tensor_dataset_rows_and_length():
    ds = TensorDataset(ag.tensor(np.ones((5, 2))), np.arange(5))
    assert len(ds) == 5
    x, y = ds[3]
    assert x.shape == (2,) and y == 3
    with pytest.raises(ValueError, match="same first dimension"):
        TensorDataset(np.ones((5, 2)), np.arange(4))


def test_loader_batches_are_tensors_with_kept_dtypes():
    batches = list(DataLoader(_dataset(), batch_size=10))
    assert [len(b[1]) for b in batches] == [10, 10, 3]
    xb, yb = batches[0]
    assert isinstance(xb, ag.Tensor) and xb.dtype == np.float32 and xb.shape == (10, 3)
    assert yb.dtype == np.int64
    np.testing.assert_array_equal(yb.numpy(), np.arange(10))


@pytest.mark.parametrize("drop_last, expected", [(False, 3), (True, 2)])
def test_len_and_drop_last(drop_last, expected):
    loader = DataLoader(_dataset(23), batch_size=10, drop_last=drop_last)
    assert len(loader) == expected
    sizes = [len(y) for _, y in loader]
    assert len(sizes) == expected and all(s == 10 for s in sizes[:2])


def test_shuffle_covers_each_example_once_per_epoch_and_changes_order():
    loader = DataLoader(_dataset(23), batch_size=4, shuffle=True, seed=3)
    epochs = [np.concatenate([y.numpy() for _, y in loader]) for _ in range(3)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(23))
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[0], np.arange(23))


def test_shuffle_is_seeded():
    def orders(**kw):
        loader = DataLoader(_dataset(), batch_size=5, shuffle=True, **kw)
        return [np.concatenate([y.numpy() for _, y in loader]) for _ in range(2)]

    a, b = orders(seed=7), orders(seed=7)
    np.testing.assert_array_equal(np.stack(a), np.stack(b))
    ag.manual_seed(11)
    c = orders()
    ag.manual_seed(11)
    d = orders()
    np.testing.assert_array_equal(np.stack(c), np.stack(d))


def test_custom_dataset_and_collate_fn():
    class Squares:
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return {"x": np.array([i, i * i], dtype=np.float64), "y": i % 2}

    batches = list(DataLoader(Squares(), batch_size=4))
    assert batches[0]["x"].shape == (4, 2) and batches[0]["x"].dtype == np.float64
    assert batches[1]["y"].tolist() == [0, 1]
    lengths = list(DataLoader(Squares(), batch_size=4, collate_fn=len))
    assert lengths == [4, 2]
    out = default_collate([(np.zeros(2), 1), (np.ones(2), 0)])
    assert out[0].shape == (2, 2) and out[1].tolist() == [1, 0]


def test_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_dataset(), batch_size=0)


def test_random_split_lengths_fractions_and_disjointness():
    ds = _dataset(23)
    a, b = random_split(ds, [20, 3], seed=0)
    assert (len(a), len(b)) == (20, 3)
    parts = random_split(ds, [0.5, 0.3, 0.2], seed=0)
    assert [len(p) for p in parts] == [12, 7, 4]          # floor, then remainder round-robin
    seen = np.concatenate([p.indices for p in parts])
    assert sorted(seen.tolist()) == list(range(23))
    again = random_split(ds, [0.5, 0.3, 0.2], seed=0)
    np.testing.assert_array_equal(parts[0].indices, again[0].indices)
    with pytest.raises(ValueError, match="sum"):
        random_split(ds, [10, 10])


def test_subset_batches_through_loader():
    ds = _dataset(10)
    sub = Subset(ds, [9, 2, 4])
    assert sub[0][1] == 9
    (xb, yb), = list(DataLoader(sub, batch_size=3))
    assert yb.tolist() == [9, 2, 4]
    np.testing.assert_array_equal(xb.numpy(), ds.tensors[0].numpy()[[9, 2, 4]])


def test_train_val_test_split_partitions_rows_together():
    X = np.arange(100, dtype=np.float64)[:, None] * np.ones((1, 2))
    y = np.arange(100)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.2, test=0.1, seed=0)
    assert (len(ytr), len(yva), len(yte)) == (70, 20, 10)
    for Xs, ys in ((Xtr, ytr), (Xva, yva), (Xte, yte)):
        np.testing.assert_array_equal(Xs[:, 0], ys)
    assert sorted(np.concatenate([ytr, yva, yte]).tolist()) == list(range(100))
    t = train_val_test_split(ag.tensor(X), val=5, test=5, seed=1)
    assert isinstance(t.train[0], ag.Tensor) and t.val[0].shape == (5, 2)
    with pytest.raises(ValueError, match="no training"):
        train_val_test_split(X, val=0.5, test=0.5)


def test_random_split_lengths_match_torch():
    torch = pytest.importorskip("torch")
    for n in (10, 23, 101):
        for fractions in ([0.5, 0.3, 0.2], [0.7, 0.3], [0.34, 0.33, 0.33], [0.1] * 10):
            ours = [len(s) for s in random_split(_dataset(n), fractions, seed=0)]
            theirs = [len(s) for s in torch.utils.data.random_split(range(n), fractions)]
            assert ours == theirs, (n, fractions)


def test_stratified_split_keeps_class_balance():
    y = np.repeat(np.arange(3), [60, 30, 10])
    X = np.arange(100)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.2, test=0.1,
                                                              seed=0, stratify=y)
    assert np.bincount(yva).tolist() == [12, 6, 2]
    assert np.bincount(yte).tolist() == [6, 3, 1]
    assert np.bincount(ytr).tolist() == [42, 21, 7]
    np.testing.assert_array_equal(y[Xtr], ytr)
    assert sorted(np.concatenate([Xtr, Xva, Xte]).tolist()) == list(range(100))
    assert not np.array_equal(yva, np.sort(yva))        # classes are mixed, not in blocks
    with pytest.raises(ValueError, match="fractions"):
        train_val_test_split(X, y, val=5, test=5, stratify=y)
