import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.training.preprocessing import PCA, Standardizer, Whitening


def _splits(seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((4, 4))
    train = rng.standard_normal((200, 4)) @ A * [1, 3, 0.5, 2] + [5, -2, 0, 1]
    test = rng.standard_normal((50, 4)) @ A + 100.0      # a very different distribution
    return train, test


def test_standardizer_uses_training_statistics_only():
    train, test = _splits()
    scaler = Standardizer().fit(train)
    np.testing.assert_allclose(scaler.mean_, train.mean(axis=0))
    np.testing.assert_allclose(scaler.std_, train.std(axis=0))
    Ztr, Zte = scaler.transform(train), scaler.transform(test)
    np.testing.assert_allclose(Ztr.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Ztr.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(Zte, (test - train.mean(0)) / train.std(0))
    assert np.abs(Zte.mean(axis=0)).max() > 1     # not re-centred on the test split
    scaler.fit(test)
    assert not np.allclose(scaler.mean_, train.mean(axis=0))


def test_standardizer_inverse_constant_columns_and_global_mode():
    X = np.c_[np.arange(6.0), np.zeros(6)]
    s = Standardizer().fit(X)
    Z = s.transform(X)
    assert np.isfinite(Z).all() and (Z[:, 1] == 0).all()
    np.testing.assert_allclose(s.inverse_transform(Z), X)
    g = Standardizer(per_feature=False).fit(X)
    assert np.ndim(g.mean_) == 0
    np.testing.assert_allclose(g.transform(X).std(), 1.0)


def test_standardizer_on_tensors_keeps_dtype_and_is_differentiable():
    train, _ = _splits()
    s = Standardizer().fit(ag.tensor(train.astype(np.float32)))
    x = ag.tensor(train[:3].astype(np.float32), requires_grad=True)
    z = s.transform(x)
    assert isinstance(z, ag.Tensor) and z.dtype == np.float32
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(1 / s.std_, (3, 4)), rtol=1e-6)


def test_not_fitted_and_shape_errors():
    with pytest.raises(RuntimeError, match="not fitted"):
        Standardizer().transform(np.ones((2, 2)))
    s = Standardizer().fit(np.ones((3, 2)))
    with pytest.raises(ValueError, match="fitted on 2 features"):
        s.transform(np.ones((3, 5)))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        PCA().fit(np.ones((3, 2, 2)))


def test_pca_matches_eigendecomposition_of_training_covariance():
    train, test = _splits()
    pca = PCA(n_components=2).fit(train)
    Xc = train - train.mean(0)
    evals = np.linalg.eigvalsh(Xc.T @ Xc / len(train))[::-1]
    np.testing.assert_allclose(pca.explained_variance_, evals[:2])
    np.testing.assert_allclose(pca.explained_variance_ratio_, evals[:2] / evals.sum())
    Z = pca.transform(train)
    assert Z.shape == (200, 2)
    np.testing.assert_allclose(np.cov(Z.T, bias=True), np.diag(evals[:2]), atol=1e-9)
    np.testing.assert_allclose(pca.transform(test), (test - train.mean(0)) @ pca.components_)


def test_pca_fraction_and_inverse():
    train, _ = _splits()
    full = PCA().fit(train)
    np.testing.assert_allclose(full.inverse_transform(full.transform(train)), train, atol=1e-9)
    ratio = np.cumsum(full.explained_variance_ratio_)
    k = PCA(n_components=0.95).fit(train).n_components_
    assert ratio[k - 1] >= 0.95 and (k == 1 or ratio[k - 2] < 0.95)
    two = PCA(2).fit(train)
    err2 = np.linalg.norm(two.inverse_transform(two.transform(train)) - train)
    one = PCA(1).fit(train)
    err1 = np.linalg.norm(one.inverse_transform(one.transform(train)) - train)
    assert err2 < err1
    with pytest.raises(ValueError, match="n_components"):
        PCA(7).fit(train)


def test_whitening_gives_identity_covariance_on_train_only():
    train, test = _splits()
    w = Whitening(eps=1e-5).fit(train)
    Z = w.transform(train)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-10)
    S = w.explained_variance_          # eigenvalues of the training covariance
    np.testing.assert_allclose(np.cov(Z.T, bias=True), np.diag(S / (S + 1e-5)), atol=1e-10)
    np.testing.assert_allclose(np.cov(Z.T, bias=True), np.eye(4), atol=1e-3)
    Zte = w.transform(test)
    assert not np.allclose(np.cov(Zte.T, bias=True), np.eye(4), atol=0.1)
    np.testing.assert_allclose(w.inverse_transform(Z), train, atol=1e-8)
    # eps keeps a direction without variance finite instead of dividing by zero.
    flat = np.c_[train[:, :2], np.zeros(200)]
    assert np.isfinite(Whitening().fit(flat).transform(flat)).all()


def test_larger_whitening_eps_shrinks_low_variance_directions():
    train, _ = _splits()
    small = Whitening(eps=1e-5).fit(train).transform(train).std(axis=0)
    big = Whitening(eps=10.0).fit(train).transform(train).std(axis=0)
    assert (big < small).all()


def test_against_scikit_learn():
    sk = pytest.importorskip("sklearn.preprocessing")
    decomposition = pytest.importorskip("sklearn.decomposition")
    train, test = _splits()
    ours = Standardizer().fit(train)
    theirs = sk.StandardScaler().fit(train)
    np.testing.assert_allclose(ours.transform(test), theirs.transform(test), rtol=1e-10)
    pca = PCA(3).fit(train)
    ref = decomposition.PCA(3).fit(train)
    np.testing.assert_allclose(pca.explained_variance_ratio_, ref.explained_variance_ratio_,
                               rtol=1e-10)
    # Same axes up to sign; scikit-learn divides variances by N - 1, the notes by N.
    np.testing.assert_allclose(np.abs(pca.components_.T @ ref.components_.T), np.eye(3),
                               atol=1e-8)
    np.testing.assert_allclose(pca.explained_variance_ * 200 / 199, ref.explained_variance_,
                               rtol=1e-10)
