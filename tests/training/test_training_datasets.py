import numpy as np

from glassgrad import autograd as ag
from glassgrad.training.datasets import load_digits, make_blobs, make_moons, make_spirals


def test_digits_shapes_labels_and_values():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == set(range(10))
    assert X.min() == 0 and X.max() == 16
    images, y2 = load_digits(images=True, dtype=np.float64)
    assert images.shape == (1797, 8, 8) and images.dtype == np.float64
    np.testing.assert_array_equal(images.reshape(1797, 64), X)
    np.testing.assert_array_equal(y, y2)


def test_digits_ship_with_a_licence_file():
    import os
    import glassgrad.training.datasets as d
    folder = os.path.dirname(d.__file__)
    text = open(os.path.join(folder, "DIGITS_LICENSE.txt")).read()
    assert "UCI" in text and "BSD-3-Clause" in text


def test_moons_shapes_and_balance():
    X, y = make_moons(101, noise=0.05, seed=0)
    assert X.shape == (101, 2) and X.dtype == np.float32
    assert np.bincount(y).tolist() == [51, 50]
    # Without noise the upper moon lies on the unit circle around the origin.
    X0, y0 = make_moons(40, noise=0.0, seed=0)
    np.testing.assert_allclose(np.linalg.norm(X0[y0 == 0], axis=1), 1.0, atol=1e-6)


def test_spirals_cs231n_layout():
    X, y = make_spirals(n_per_class=50, n_classes=4, seed=1)
    assert X.shape == (200, 2) and np.bincount(y).tolist() == [50] * 4
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[:50], np.linspace(0, 1, 50), atol=1e-6)


def test_blobs_centers_and_seeding():
    centers = np.array([[0.0, 0.0], [10.0, 10.0]])
    X, y = make_blobs(400, centers=centers, cluster_std=0.5, seed=0, dtype=np.float64)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10, 10], atol=0.15)
    np.testing.assert_allclose(X[y == 0].std(axis=0), [0.5, 0.5], atol=0.08)
    a = make_blobs(30, centers=3, n_features=5, seed=4)[0]
    b = make_blobs(30, centers=3, n_features=5, seed=4)[0]
    np.testing.assert_array_equal(a, b)
    ag.manual_seed(2)
    c = make_moons(30)[0]
    ag.manual_seed(2)
    np.testing.assert_array_equal(c, make_moons(30)[0])
