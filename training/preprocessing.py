"""Input preprocessing whose statistics come from the training split only.

    scaler = Standardizer().fit(X_train)        # mean and std of X_train
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)

Each transform takes ndarrays or ag.Tensors of shape (N, D) and returns the same kind
(a Tensor result is built from autograd ops, in the input's dtype). `fit` accepts either too;
statistics are kept as float64 ndarrays (attributes ending in `_`, as in scikit-learn).
"""
import numpy as np

from glassgrad.autograd.tensor import Tensor

from glassgrad import autograd as ag


def _fit_array(X, who):
    X = X.numpy() if isinstance(X, Tensor) else np.asarray(X)
    if X.ndim != 2 or X.shape[0] < 1:
        raise ValueError(f"{who}.fit: expected data of shape (N, D) with N >= 1, got shape "
                         f"{X.shape} (flatten images with X.reshape(len(X), -1))")
    return X.astype(np.float64)


def _const(stat, X):
    """A fitted statistic in the dtype of X (an ndarray, or a Tensor when X is a Tensor)."""
    if isinstance(X, Tensor):
        return ag.tensor(stat.astype(X.dtype))
    X = np.asarray(X)
    return stat.astype(X.dtype) if X.dtype.kind == "f" else stat


class _Fitted:
    """Shared fit_transform and the not-fitted error."""

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def _check_fitted(self, X):
        if getattr(self, "mean_", None) is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(X_train) "
                               f"first")
        d = self.mean_.shape[-1] if np.ndim(self.mean_) else None
        shape = tuple(X.shape)
        if d is not None and (len(shape) != 2 or shape[1] != d):
            raise ValueError(f"{type(self).__name__}: fitted on {d} features, got data of "
                             f"shape {shape}")


class Standardizer(_Fitted):
    """Standardize features to zero mean and unit variance with the training split's statistics.

    ``transform`` computes ``(X - mean_) / std_``, where the mean and the population standard
    deviation (ddof=0) come from the data given to ``fit``. Columns with zero spread (e.g. a
    pixel that is always 0) are centred but not scaled (their std is taken as 1).

    Parameters
    ----------
    per_feature : bool, default True
        True: one mean and std per column (tabular data). False: a single mean and std over
        all values (images, whose pixels share a scale).

    Attributes
    ----------
    mean_ : ndarray of shape (D,) or scalar
        The fitted mean (float64), None before ``fit``.
    std_ : ndarray of shape (D,) or scalar
        The fitted standard deviation (float64, zeros replaced by 1).

    Examples
    --------
    >>> import numpy as np
    >>> from glassgrad.training import Standardizer
    >>> scaler = Standardizer().fit(np.array([[0., 10.], [2., 30.]]))
    >>> scaler.transform(np.array([[1., 20.], [3., 40.]]))
    array([[0., 0.],
           [2., 2.]])
    """

    def __init__(self, per_feature=True):
        self.per_feature = per_feature
        self.mean_ = None
        self.std_ = None

    def fit(self, X):
        """Compute the mean and standard deviation of `X`; returns self.

        Parameters
        ----------
        X : ndarray or Tensor of shape (N, D)
            The training split (N >= 1).

        Returns
        -------
        Standardizer
            This scaler, fitted (so ``Standardizer().fit(X)`` can be assigned).

        Raises
        ------
        ValueError
            If `X` is not of shape (N, D) with N >= 1.
        """
        X = _fit_array(X, "Standardizer")
        axis = 0 if self.per_feature else None
        self.mean_ = X.mean(axis=axis)
        std = X.std(axis=axis)
        self.std_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X):
        """Standardize `X` with the fitted statistics.

        Parameters
        ----------
        X : ndarray or Tensor of shape (N, D)
            Data with the fitted number of features D (any split).

        Returns
        -------
        ndarray or Tensor of shape (N, D)
            The same kind as `X`; a Tensor result is built from autograd operations in the input's
            dtype.

        Raises
        ------
        RuntimeError
            If the scaler is not fitted yet.
        ValueError
            If `X` does not have the fitted number of features (per-feature statistics).
        """
        self._check_fitted(X)
        return (X - _const(self.mean_, X)) / _const(self.std_, X)

    def inverse_transform(self, Z):
        """Undo ``transform``: ``Z * std_ + mean_``, the same kind (ndarray or Tensor) as `Z`.

        Parameters
        ----------
        Z : ndarray or Tensor of shape (N, D)
            Standardized data.

        Returns
        -------
        ndarray or Tensor of shape (N, D)
            The data in its original units, the same kind as `Z`.

        Raises
        ------
        RuntimeError
            If the scaler is not fitted yet.
        ValueError
            If `Z` does not have the fitted number of features (per-feature statistics).
        """
        self._check_fitted(Z)
        return Z * _const(self.std_, Z) + _const(self.mean_, Z)


class PCA(_Fitted):
    """Principal component analysis: project centred data onto the principal axes of the
    training split.

    The covariance ``Xc.T @ Xc / N`` of the centred training data has eigenvectors U, sorted
    by eigenvalue S, largest first; ``transform`` gives ``Xc @ U[:, :k]``, of shape (N, k).
    Each axis's sign is fixed (its largest-magnitude entry is positive) so that results are
    reproducible.

    Parameters
    ----------
    n_components : int, float or None, default None
        k as an int in [1, D]; a float in (0, 1) keeps the fewest components that explain
        that fraction of the variance; None keeps all D.
    whiten : bool, default False
        Divide each projected dimension by ``sqrt(S + eps)``, giving unit variance (see
        Whitening).
    eps : float, default 1e-5
        Added to the eigenvalues before whitening, so that directions with almost no
        variance stay finite; a larger eps smooths, since whitening otherwise magnifies the
        noise in those directions.

    Attributes
    ----------
    mean_ : ndarray of shape (D,)
    components_ : ndarray of shape (D, k)
        The principal axes, as columns.
    explained_variance_ : ndarray of shape (k,)
        The eigenvalues kept.
    explained_variance_ratio_ : ndarray of shape (k,)
        Their share of the total variance.
    eigenvalues_ : ndarray of shape (D,)
        Every eigenvalue, largest first.

    Raises
    ------
    ValueError
        ``fit`` gets data that is not of shape (N, D), or `n_components` is out of range.
    RuntimeError
        ``transform`` or ``inverse_transform`` is called before ``fit``.
    """

    def __init__(self, n_components=None, whiten=False, eps=1e-5):
        self.n_components = n_components
        self.whiten = whiten
        self.eps = eps
        self.mean_ = None

    def fit(self, X):
        """Compute the mean and the principal axes of `X`; returns self.

        Parameters
        ----------
        X : ndarray or Tensor of shape (N, D)
            The training split (N >= 1).

        Returns
        -------
        PCA
            This object, fitted.

        Raises
        ------
        ValueError
            If `X` is not of shape (N, D) with N >= 1, or `n_components` is out of range.
        """
        X = _fit_array(X, type(self).__name__)
        n, d = X.shape
        self.mean_ = X.mean(axis=0)
        Xc = X - self.mean_
        cov = Xc.T @ Xc / n
        U, S, _ = np.linalg.svd(cov)
        # Fix each axis's sign (largest-magnitude entry positive) so results are reproducible.
        signs = np.sign(U[np.argmax(np.abs(U), axis=0), np.arange(d)])
        U = U * np.where(signs == 0, 1.0, signs)
        k = self._choose_k(S, d)
        self.eigenvalues_ = S
        self.components_ = U[:, :k]
        self.explained_variance_ = S[:k]
        total = S.sum()
        self.explained_variance_ratio_ = S[:k] / total if total > 0 else np.zeros(k)
        self.scale_ = np.sqrt(S[:k] + self.eps) if self.whiten else np.ones(k)
        return self

    def _choose_k(self, S, d):
        k = self.n_components
        if k is None:
            return d
        if isinstance(k, float) and 0 < k < 1:
            ratio = np.cumsum(S) / S.sum() if S.sum() > 0 else np.ones(d)
            return int(min(d, np.searchsorted(ratio, k - 1e-12) + 1))
        if isinstance(k, (int, np.integer)) and 1 <= k <= d:
            return int(k)
        raise ValueError(f"{type(self).__name__}: n_components must be an int in [1, {d}], a "
                         f"fraction in (0, 1) or None, got {k!r}")

    @property
    def n_components_(self):
        """The number k of components kept."""
        return self.components_.shape[1]

    def transform(self, X):
        """Project `X` onto the k principal axes (and whiten if asked).

        Parameters
        ----------
        X : ndarray or Tensor of shape (N, D)
            Data with the fitted number of features D (any split).

        Returns
        -------
        ndarray or Tensor of shape (N, k)
            The same kind as `X`.

        Raises
        ------
        RuntimeError
            If it is not fitted yet.
        ValueError
            If `X` does not have D features.
        """
        self._check_fitted(X)
        Z = (X - _const(self.mean_, X)) @ _const(self.components_, X)
        return Z / _const(self.scale_, X) if self.whiten else Z

    def inverse_transform(self, Z):
        """Map projected data `Z` of shape (N, k) back to the input space, shape (N, D).

        Exact when k = D; otherwise the best rank-k reconstruction.

        Parameters
        ----------
        Z : ndarray or Tensor of shape (N, k)
            Projected data (whitened when ``whiten=True``).

        Returns
        -------
        ndarray or Tensor of shape (N, D)
            The same kind as `Z`.

        Raises
        ------
        RuntimeError
            If it is not fitted yet.
        ValueError
            If `Z` is not of shape (N, k).
        """
        if getattr(self, "mean_", None) is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit(X_train) "
                               f"first")
        k = self.n_components_
        if len(Z.shape) != 2 or Z.shape[1] != k:
            raise ValueError(f"{type(self).__name__}.inverse_transform: expected shape "
                             f"(N, {k}), got {tuple(Z.shape)}")
        if self.whiten:
            Z = Z * _const(self.scale_, Z)
        return Z @ _const(self.components_.T, Z) + _const(self.mean_, Z)


class Whitening(PCA):
    """PCA whitening: rotate into the eigenbasis and divide by sqrt(eigenvalue + eps), so the
    training data gets zero mean and (nearly) identity covariance.

    Same as ``PCA(n_components, whiten=True, eps)``: see :class:`PCA` for the attributes and
    methods.

    Parameters
    ----------
    n_components : int, float or None, optional
        k as an int in [1, D]; a float in (0, 1) keeps the fewest components that explain
        that fraction of the variance; None (default) keeps all D.
    eps : float, optional
        Added to the eigenvalues before dividing, so that directions with almost no variance
        stay finite; a larger eps smooths, since whitening otherwise magnifies the noise in
        those directions. Default 1e-5.

    Raises
    ------
    ValueError
        ``fit`` gets data that is not of shape (N, D), or `n_components` is out of range.
    RuntimeError
        ``transform`` or ``inverse_transform`` is called before ``fit``.
    """

    def __init__(self, n_components=None, eps=1e-5):
        super().__init__(n_components=n_components, whiten=True, eps=eps)
