"""The remaining torch.nn losses and distances, and cross_entropy / nll_loss options
(probability targets, label smoothing, ignore_index, K-dim inputs): values and gradients
vs PyTorch in float64 for every reduction, plus gradcheck."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad.nn import functional as F

from parity_helpers import check_fn, gradcheck_fn, rnd

torch = pytest.importorskip("torch")
TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]


def _probs(*shape, seed=0, dim=-1):
    e = np.exp(rnd(*shape, seed=seed))
    return e / e.sum(axis=dim, keepdims=True)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    logp = np.log(_probs(4, 5))
    t = _probs(4, 5, seed=1)
    t[0, 0] = 0.0                                        # 0 log 0 = 0
    target = np.log(_probs(4, 5, seed=1)) if log_target else t
    kw = dict(reduction=reduction, log_target=log_target)
    # PyTorch's target gradient at a zero target is NaN (d/dt t log t); ours is finite, so the
    # target gradient is compared where targets are positive
    zero_target = () if log_target else (1,)
    check_fn(lambda x, y: F.kl_div(x, y, **kw), lambda x, y: TF.kl_div(x, y, **kw), logp, target,
             constant=zero_target)
    check_fn(nn.KLDivLoss(**kw), torch.nn.KLDivLoss(**kw), logp, _probs(4, 5, seed=2))


def test_cosine_similarity_and_pairwise_distance_match_torch():
    a, b = rnd(4, 5), rnd(4, 5, seed=1)
    check_fn(F.cosine_similarity, TF.cosine_similarity, a, b)
    check_fn(lambda x, y: F.cosine_similarity(x, y, dim=0), lambda x, y:
             TF.cosine_similarity(x, y, dim=0), a, b)
    check_fn(lambda x, y: F.cosine_similarity(x, y, dim=-1), lambda x, y:
             TF.cosine_similarity(x, y, dim=-1), rnd(3, 1, 5), rnd(2, 5, seed=1))
    for kw in [dict(), dict(p=1.0), dict(p=3.0, keepdim=True), dict(eps=0.1)]:
        check_fn(lambda x, y: F.pairwise_distance(x, y, **kw),
                 lambda x, y: TF.pairwise_distance(x, y, **kw), a, b)
    check_fn(lambda x, y: F.pairwise_distance(x, y), lambda x, y: TF.pairwise_distance(x, y),
             a[0], b[0])
    gradcheck_fn(lambda x, y: F.cosine_similarity(x, y), rnd(2, 3), rnd(2, 3, seed=1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pair_and_triplet_losses_match_torch(reduction):
    a, b, c = rnd(6, 4), rnd(6, 4, seed=1), rnd(6, 4, seed=2)
    y = np.array([1, -1, 1, -1, -1, 1])
    r = dict(reduction=reduction)
    check_fn(nn.CosineEmbeddingLoss(margin=0.2, **r), torch.nn.CosineEmbeddingLoss(0.2, **r),
             a, b, y)
    check_fn(nn.CosineEmbeddingLoss(**r), torch.nn.CosineEmbeddingLoss(**r), a[0], b[0],
             np.array(-1))
    for kw in [dict(), dict(margin=2.0, p=1.0, swap=True), dict(p=3.0, eps=0.01)]:
        check_fn(nn.TripletMarginLoss(**kw, **r), torch.nn.TripletMarginLoss(**kw, **r), a, b, c)
    dist = lambda x, y: 1.0 - F.cosine_similarity(x, y)
    tdist = lambda x, y: 1.0 - TF.cosine_similarity(x, y)
    check_fn(nn.TripletMarginWithDistanceLoss(distance_function=dist, swap=True, **r),
             torch.nn.TripletMarginWithDistanceLoss(distance_function=tdist, swap=True, **r),
             a, b, c)
    check_fn(nn.TripletMarginWithDistanceLoss(**r), torch.nn.TripletMarginWithDistanceLoss(**r),
             a, b, c)
    x1, x2 = rnd(6), rnd(6, seed=1)
    check_fn(nn.MarginRankingLoss(0.3, **r), torch.nn.MarginRankingLoss(0.3, **r), x1, x2,
             y.astype(np.float64))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_and_hinge_losses_match_torch(reduction):
    r = dict(reduction=reduction)
    x = rnd(4, 5) * 2
    ypm = np.where(rnd(4, 5, seed=1) > 0, 1.0, -1.0)
    check_fn(nn.SoftMarginLoss(**r), torch.nn.SoftMarginLoss(**r), x, ypm, constant=(1,))
    check_fn(nn.HingeEmbeddingLoss(margin=0.5, **r), torch.nn.HingeEmbeddingLoss(0.5, **r), x,
             ypm, constant=(1,))
    labels = (rnd(4, 5, seed=2) > 0).astype(np.float64)
    check_fn(nn.MultiLabelSoftMarginLoss(**r), torch.nn.MultiLabelSoftMarginLoss(**r), x, labels)
    w = np.abs(rnd(5, seed=3))
    check_fn(nn.MultiLabelSoftMarginLoss(ag.tensor(w), **r),
             torch.nn.MultiLabelSoftMarginLoss(torch.tensor(w), **r), x, labels, constant=(1,))
    target = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [4, -1, 2, 2, 2]])
    check_fn(nn.MultiLabelMarginLoss(**r), torch.nn.MultiLabelMarginLoss(**r), x, target)
    check_fn(nn.MultiLabelMarginLoss(**r), torch.nn.MultiLabelMarginLoss(**r), x[0], target[0])
    for p in (1, 2):
        check_fn(nn.MultiMarginLoss(p=p, margin=0.7, **r),
                 torch.nn.MultiMarginLoss(p=p, margin=0.7, **r), x, np.array([0, 4, 2, 2]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_and_gaussian_nll_match_torch(reduction):
    r = dict(reduction=reduction)
    rate = np.abs(rnd(3, 4)) + 0.1
    counts = np.floor(np.abs(rnd(3, 4, seed=1)) * 4)
    for kw in [dict(), dict(full=True), dict(log_input=False), dict(log_input=False, full=True)]:
        inp = np.log(rate) if kw.get("log_input", True) else rate
        # with full=True, PyTorch's target gradient is NaN at zero counts: compare it at
        # counts >= 1 only
        check_fn(nn.PoissonNLLLoss(**kw, **r), torch.nn.PoissonNLLLoss(**kw, **r), inp, counts,
                 constant=(1,) if kw.get("full") else ())
        check_fn(nn.PoissonNLLLoss(**kw, **r), torch.nn.PoissonNLLLoss(**kw, **r), inp,
                 counts + 1)
    mu, y = rnd(3, 4), rnd(3, 4, seed=1)
    var = np.abs(rnd(3, 4, seed=2)) + 0.05
    var[0, 0] = 1e-9                                      # clamped at eps, gradient kept
    for kw in [dict(), dict(full=True, eps=1e-3)]:
        check_fn(nn.GaussianNLLLoss(**kw, **r), torch.nn.GaussianNLLLoss(**kw, **r), mu, y, var)
        check_fn(nn.GaussianNLLLoss(**kw, **r), torch.nn.GaussianNLLLoss(**kw, **r), mu, y,
                 var[:, 0])                                # one variance per sample
        check_fn(nn.GaussianNLLLoss(**kw, **r), torch.nn.GaussianNLLLoss(**kw, **r), mu, y,
                 var[:, :1])
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(ag.tensor(mu), ag.tensor(y), ag.tensor(-var))


def test_losses_gradgradcheck():
    x, y = rnd(3, 4), np.where(rnd(3, 4, seed=1) > 0, 1.0, -1.0)
    yt = ag.tensor(y)
    gradcheck_fn(lambda a: F.soft_margin_loss(a, yt), x)
    gradcheck_fn(lambda a, b: F.kl_div(a, b, reduction="batchmean"), np.log(_probs(3, 4)),
                 _probs(3, 4, seed=2))
    gradcheck_fn(lambda a, b, c: F.triplet_margin_loss(a, b, c, margin=3.0), x,
                 rnd(3, 4, seed=2), rnd(3, 4, seed=3))
    gradcheck_fn(lambda m, v: F.gaussian_nll_loss(m, ag.tensor(x), v), rnd(3, 4, seed=4),
                 np.abs(x) + 0.5)
    gradcheck_fn(lambda a: F.multilabel_margin_loss(a, ag.tensor(np.array([[1, 3, -1, 0]] * 3))),
                 x)


# ----- cross_entropy / nll_loss options ---------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probability_targets_match_torch(reduction, smoothing, weighted):
    w = np.abs(rnd(5, seed=7)) + 0.1 if weighted else None
    kw = dict(reduction=reduction, label_smoothing=smoothing)
    ours = lambda x, t: F.cross_entropy(x, t, None if w is None else ag.tensor(w), **kw)
    theirs = lambda x, t: TF.cross_entropy(x, t, None if w is None else torch.tensor(w), **kw)
    check_fn(ours, theirs, rnd(4, 5), _probs(4, 5, seed=1))
    check_fn(ours, theirs, rnd(2, 5, 3, 2), _probs(2, 5, 3, 2, seed=1, dim=1))
    check_fn(ours, theirs, rnd(5), _probs(5, seed=1))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_class_targets_ignore_index_kdim_match_torch(reduction, smoothing,
                                                                   weighted):
    w = np.abs(rnd(4, seed=7)) + 0.1 if weighted else None
    kw = dict(reduction=reduction, label_smoothing=smoothing, ignore_index=2)
    ours = nn.CrossEntropyLoss(None if w is None else ag.tensor(w), **kw)
    theirs = torch.nn.CrossEntropyLoss(None if w is None else torch.tensor(w), **kw)
    check_fn(ours, theirs, rnd(6, 4), np.array([0, 2, 3, 1, 2, 3]))
    check_fn(ours, theirs, rnd(2, 4, 3, 2), np.array([[[0, 2], [3, 1], [2, 2]],
                                                      [[1, 1], [0, 3], [2, 0]]]))
    check_fn(ours, theirs, rnd(4), np.array(3))
    nll_kw = dict(reduction=reduction, ignore_index=1)
    check_fn(nn.NLLLoss(None if w is None else ag.tensor(w), **nll_kw),
             torch.nn.NLLLoss(None if w is None else torch.tensor(w), **nll_kw),
             np.log(_probs(2, 4, 3, 2, dim=1)), np.array([[[0, 1], [3, 1], [2, 2]],
                                                          [[1, 1], [0, 3], [2, 0]]]))


def test_cross_entropy_label_smoothing_gradgradcheck():
    t = ag.tensor(np.array([0, 2, 1]))
    gradcheck_fn(lambda x: F.cross_entropy(x, t, label_smoothing=0.3, ignore_index=1), rnd(3, 4))
    p = ag.tensor(_probs(3, 4, seed=1))
    gradcheck_fn(lambda x: F.cross_entropy(x, p, label_smoothing=0.3), rnd(3, 4))
