"""Small classification datasets that need no network.

Generated: `make_moons`, `make_spirals` (the CS231n spiral), `make_blobs` (Gaussian blobs).
Shipped: `load_digits`, the 8x8 hand-written digits (1797 images, 10 classes; see
DIGITS_LICENSE.txt beside this file); `load_text`, a few KB of public-domain verse for
character-level language models.

Every function returns numpy arrays `(X, y)`: X float (float32 unless `dtype=` says
otherwise), y int64 class labels. Wrap them with `TensorDataset(X, y)` or `ag.tensor(X)`.
Random draws come from `seed` when given, else from glassgrad's global generator
(`ag.manual_seed` fixes them).
"""
import os

import numpy as np

from glassgrad import autograd as ag

_HERE = os.path.dirname(os.path.abspath(__file__))


def _rng(seed):
    return ag.random.get_rng() if seed is None else np.random.default_rng(seed)


def _counts(n_samples, n_classes):
    """Split n_samples into n_classes nearly equal counts (the first ones get the extra)."""
    base, extra = divmod(int(n_samples), n_classes)
    return [base + (c < extra) for c in range(n_classes)]


def make_moons(n_samples=200, noise=0.1, seed=None, dtype=np.float32):
    """Two interleaving half circles in 2-D, a binary problem a linear model cannot solve.

    Gaussian noise of std `noise` is added to the points. Examples are ordered by class
    (shuffle with a DataLoader).

    Parameters
    ----------
    n_samples : int, optional
        The number of points, split as evenly as possible between the two classes (the
        first gets the extra one). Default 200.
    noise : float, optional
        The standard deviation of the Gaussian noise. Default 0.1.
    seed : int, optional
        Seeds a fresh numpy Generator for the draws; None (default) draws from glassgrad's
        global generator (``glassgrad.manual_seed`` fixes them).
    dtype : numpy.dtype, optional
        The dtype of X. Default ``numpy.float32``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
        The points, of `dtype`.
    y : ndarray of shape (n_samples,), int64
        The class of each point, 0 (upper moon) or 1 (lower moon).

    Examples
    --------
    >>> from glassgrad.training.datasets import make_moons
    >>> X, y = make_moons(6, seed=0)
    >>> X.shape, X.dtype, y.tolist()
    ((6, 2), dtype('float32'), [0, 0, 0, 1, 1, 1])
    """
    rng = _rng(seed)
    n0, n1 = _counts(n_samples, 2)
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    X = np.concatenate([upper, lower]) + noise * rng.standard_normal((n0 + n1, 2))
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])
    return X.astype(dtype), y


def make_spirals(n_per_class=100, n_classes=3, noise=0.2, seed=None, dtype=np.float32):
    """Points on `n_classes` interleaved spiral arms in 2-D, one class per arm.

    The spiral data set of Stanford's CS231n course: a small problem that no linear
    classifier can solve but a network with one hidden layer can. Arm k has `n_per_class`
    points of radius r in [0, 1] and angle t = 4 (k + r) + noise * N(0, 1), and the point is
    (r sin t, r cos t). Examples are ordered by class.

    Parameters
    ----------
    n_per_class : int, optional
        Points per arm. Default 100.
    n_classes : int, optional
        The number of arms (classes). Default 3.
    noise : float, optional
        The standard deviation of the noise added to the angle. Default 0.2.
    seed : int, optional
        Seeds a fresh numpy Generator for the draws; None (default) draws from glassgrad's
        global generator (``glassgrad.manual_seed`` fixes them).
    dtype : numpy.dtype, optional
        The dtype of X. Default ``numpy.float32``.

    Returns
    -------
    X : ndarray of shape (n_per_class * n_classes, 2)
        The points, of `dtype`.
    y : ndarray of shape (n_per_class * n_classes,), int64
        The arm of each point, in 0..n_classes-1.
    """
    rng = _rng(seed)
    r = np.linspace(0.0, 1.0, n_per_class)
    X = np.empty((n_per_class * n_classes, 2))
    for k in range(n_classes):
        t = np.linspace(4.0 * k, 4.0 * (k + 1), n_per_class) \
            + noise * rng.standard_normal(n_per_class)
        X[k * n_per_class:(k + 1) * n_per_class] = np.stack([r * np.sin(t), r * np.cos(t)], 1)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_per_class)
    return X.astype(dtype), y


def make_blobs(n_samples=300, centers=3, n_features=2, cluster_std=1.0,
               center_box=(-5.0, 5.0), seed=None, dtype=np.float32):
    """Isotropic Gaussian blobs, one class per center.

    Parameters
    ----------
    n_samples : int, optional
        The number of points, split as evenly as possible between the blobs (the first ones
        get the extra points). Default 300.
    centers : int or array_like of shape (n_centers, n_features), optional
        A number of centers (drawn uniformly in `center_box` per feature) or the centers
        themselves. Default 3.
    n_features : int, optional
        The dimension of the points when `centers` is a number. Default 2.
    cluster_std : float or array_like of shape (n_centers,), optional
        One standard deviation for all blobs or one per blob. Default 1.0.
    center_box : (float, float), optional
        The range of the drawn centers' coordinates. Default (-5.0, 5.0).
    seed : int, optional
        Seeds a fresh numpy Generator for the draws; None (default) draws from glassgrad's
        global generator (``glassgrad.manual_seed`` fixes them).
    dtype : numpy.dtype, optional
        The dtype of X. Default ``numpy.float32``.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The points, of `dtype`.
    y : ndarray of shape (n_samples,), int64
        The blob of each point, in 0..n_centers-1 (ordered by class).

    Raises
    ------
    ValueError
        If `centers` is neither a number nor a 2-d array.
    """
    rng = _rng(seed)
    if np.ndim(centers) == 0:
        centers = rng.uniform(center_box[0], center_box[1], size=(int(centers), n_features))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2:
        raise ValueError(f"make_blobs: centers must be an int or an array (n_centers, "
                         f"n_features), got shape {centers.shape}")
    k, d = centers.shape
    stds = np.broadcast_to(np.asarray(cluster_std, dtype=np.float64), (k,))
    counts = _counts(n_samples, k)
    X = np.concatenate([centers[c] + stds[c] * rng.standard_normal((counts[c], d))
                        for c in range(k)])
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    return X.astype(dtype), y


def load_digits(images=False, dtype=np.float32):
    """The 8x8 hand-written digits: 1797 images of the digits 0..9, pixels 0..16.

    The data ship with glassgrad (see DIGITS_LICENSE.txt beside this module): no download.

    Parameters
    ----------
    images : bool, optional
        Return the images as (1797, 8, 8) instead of flat rows of 64 pixels. Default False.
    dtype : numpy.dtype, optional
        The dtype of X. Default ``numpy.float32``.

    Returns
    -------
    X : ndarray of shape (1797, 64), or (1797, 8, 8) with ``images=True``
        Raw pixel counts 0..16 as `dtype`, not scaled: standardize with
        training.Standardizer fit on the training split.
    y : ndarray of shape (1797,), int64
        The digit of each image, in 0..9.

    Examples
    --------
    >>> from glassgrad.training.datasets import load_digits
    >>> X, y = load_digits()
    >>> X.shape, y.shape, int(X.max()), sorted(set(y.tolist()))
    ((1797, 64), (1797,), 16, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    with np.load(os.path.join(_HERE, "digits.npz")) as f:
        pixels, labels = f["images"], f["labels"]
    X = pixels if images else pixels.reshape(len(pixels), -1)
    return X.astype(dtype), labels.astype(np.int64)


def load_text(name="poems"):
    """A small bundled text for character-level language models, as one string.

    Parameters
    ----------
    name : str
        'poems' (the only one): five of Shakespeare's Sonnets (18, 29, 73, 116, 130; 1609)
        and William Blake's "The Tyger" (1794), all in the public domain; about 3.9 KB,
        ASCII, lines separated by '\\n'.

    Returns
    -------
    str
        The whole text.

    Raises
    ------
    ValueError
        For an unknown name.
    """
    texts = {"poems": "poems.txt"}
    if name not in texts:
        raise ValueError(f"load_text: unknown text {name!r}; available: {sorted(texts)}")
    with open(os.path.join(_HERE, texts[name]), encoding="utf-8") as f:
        return f.read()
