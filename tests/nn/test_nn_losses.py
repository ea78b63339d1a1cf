"""Losses: gradcheck for every reduction, PyTorch parity for every option, stability at
logits of +-1e4, and error paths."""
import warnings

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
import glassgrad.nn.functional as F

REDUCTIONS = ["mean", "sum", "none"]


def rnd(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def probs(*shape, seed=0):
    return np.random.default_rng(seed).uniform(0.05, 0.95, shape)


def labels(n, c, seed=0, shape=None):
    return np.random.default_rng(seed).integers(0, c, shape or (n,))


# Each case: name -> (our loss factory, torch source, input array, target array,
# differentiable-target?). The torch source is evaluated with `torch` in scope.
W3 = np.array([0.2, 1.0, 3.0])
T_IDX = labels(4, 3, seed=1)
T_IDX_IGN = np.array([0, -100, 2, 1])
T_IDX_2D = labels(2, 3, seed=2, shape=(2, 2, 2))


def cases(reduction):
    r = reduction
    w = "torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)"
    return {
        "mse": (lambda: nn.MSELoss(reduction=r), f"MSELoss(reduction='{r}')",
                rnd(3, 4), rnd(3, 4, seed=1), True),
        "l1": (lambda: nn.L1Loss(reduction=r), f"L1Loss(reduction='{r}')",
               rnd(3, 4), rnd(3, 4, seed=1), True),
        "huber": (lambda: nn.HuberLoss(reduction=r, delta=0.7),
                  f"HuberLoss(reduction='{r}', delta=0.7)", rnd(3, 4), rnd(3, 4, seed=1), True),
        "smooth_l1": (lambda: nn.SmoothL1Loss(reduction=r, beta=0.6),
                      f"SmoothL1Loss(reduction='{r}', beta=0.6)", rnd(3, 4), rnd(3, 4, seed=1),
                      True),
        "smooth_l1_beta0": (lambda: nn.SmoothL1Loss(reduction=r, beta=0.0),
                            f"SmoothL1Loss(reduction='{r}', beta=0.0)", rnd(3, 4),
                            rnd(3, 4, seed=1), True),
        "ce": (lambda: nn.CrossEntropyLoss(reduction=r), f"CrossEntropyLoss(reduction='{r}')",
               rnd(4, 3), T_IDX, False),
        "ce_1d": (lambda: nn.CrossEntropyLoss(reduction=r), f"CrossEntropyLoss(reduction='{r}')",
                  rnd(3), np.array(2), False),
        "ce_weight_ignore": (lambda: nn.CrossEntropyLoss(weight=ag.tensor(W3), reduction=r),
                             f"CrossEntropyLoss(weight={w}, reduction='{r}')", rnd(4, 3),
                             T_IDX_IGN, False),
        "ce_ignore_index": (lambda: nn.CrossEntropyLoss(ignore_index=1, reduction=r),
                            f"CrossEntropyLoss(ignore_index=1, reduction='{r}')", rnd(4, 3),
                            T_IDX, False),
        "ce_smoothing": (lambda: nn.CrossEntropyLoss(label_smoothing=0.2, reduction=r),
                         f"CrossEntropyLoss(label_smoothing=0.2, reduction='{r}')", rnd(4, 3),
                         T_IDX_IGN, False),
        "ce_smoothing_weight": (lambda: nn.CrossEntropyLoss(weight=ag.tensor(W3),
                                                            label_smoothing=0.3, reduction=r),
                                f"CrossEntropyLoss(weight={w}, label_smoothing=0.3, "
                                f"reduction='{r}')", rnd(4, 3), T_IDX_IGN, False),
        "ce_spatial": (lambda: nn.CrossEntropyLoss(weight=ag.tensor(W3), reduction=r),
                       f"CrossEntropyLoss(weight={w}, reduction='{r}')", rnd(2, 3, 2, 2),
                       T_IDX_2D, False),
        "ce_probs": (lambda: nn.CrossEntropyLoss(reduction=r), f"CrossEntropyLoss(reduction='{r}')",
                     rnd(4, 3), np.random.default_rng(3).dirichlet(np.ones(3), 4), True),
        "ce_probs_weight_smooth": (
            lambda: nn.CrossEntropyLoss(weight=ag.tensor(W3), label_smoothing=0.1, reduction=r),
            f"CrossEntropyLoss(weight={w}, label_smoothing=0.1, reduction='{r}')", rnd(4, 3),
            np.random.default_rng(3).dirichlet(np.ones(3), 4), True),
        "nll": (lambda: nn.NLLLoss(weight=ag.tensor(W3), reduction=r),
                f"NLLLoss(weight={w}, reduction='{r}')", rnd(4, 3), T_IDX_IGN, False),
        "nll_spatial": (lambda: nn.NLLLoss(ignore_index=0, reduction=r),
                        f"NLLLoss(ignore_index=0, reduction='{r}')", rnd(2, 3, 2, 2), T_IDX_2D,
                        False),
        "bce": (lambda: nn.BCELoss(reduction=r), f"BCELoss(reduction='{r}')", probs(3, 4),
                probs(3, 4, seed=1), True),
        "bce_weight": (lambda: nn.BCELoss(weight=ag.tensor(rnd(4) ** 2), reduction=r),
                       f"BCELoss(weight=torch.tensor({(rnd(4) ** 2).tolist()}, "
                       f"dtype=torch.float64), reduction='{r}')", probs(3, 4),
                       probs(3, 4, seed=1), True),
        "bce_logits": (lambda: nn.BCEWithLogitsLoss(reduction=r),
                       f"BCEWithLogitsLoss(reduction='{r}')", rnd(3, 4) * 3, probs(3, 4), True),
        "bce_logits_pos_weight": (
            lambda: nn.BCEWithLogitsLoss(weight=ag.tensor(rnd(4) ** 2),
                                         pos_weight=ag.tensor([0.5, 1.0, 2.0, 4.0]),
                                         reduction=r),
            f"BCEWithLogitsLoss(weight=torch.tensor({(rnd(4) ** 2).tolist()}, "
            f"dtype=torch.float64), pos_weight=torch.tensor([0.5, 1.0, 2.0, 4.0], "
            f"dtype=torch.float64), reduction='{r}')", rnd(3, 4) * 3, probs(3, 4), True),
        "multi_margin": (lambda: nn.MultiMarginLoss(reduction=r),
                         f"MultiMarginLoss(reduction='{r}')", rnd(4, 3), T_IDX, False),
        "multi_margin_p2_weight": (
            lambda: nn.MultiMarginLoss(p=2, margin=0.5, weight=ag.tensor(W3), reduction=r),
            f"MultiMarginLoss(p=2, margin=0.5, weight={w}, reduction='{r}')", rnd(4, 3),
            T_IDX, False),
    }


ALL = [(r, name) for r in REDUCTIONS for name in cases(r)]


def _tensors(x, t, t_grad):
    xt = ag.tensor(x, requires_grad=True)
    tt = ag.tensor(t, requires_grad=t_grad) if t_grad else ag.tensor(t)
    return xt, tt


@pytest.mark.parametrize("reduction,name", ALL)
def test_loss_gradcheck(reduction, name):
    make, _, x, t, t_grad = cases(reduction)[name]
    loss = make().double()
    xt, tt = _tensors(x, t, t_grad)
    assert ag.gradcheck(loss, [xt, tt])


@pytest.mark.parametrize("reduction,name", ALL)
def test_loss_parity(reduction, name):
    torch = pytest.importorskip("torch")
    make, src, x, t, t_grad = cases(reduction)[name]
    ours, theirs = make().double(), eval("torch.nn." + src)
    xt, tt = _tensors(x, t, t_grad)
    txt = torch.tensor(x, requires_grad=True)
    ttt = torch.tensor(t, requires_grad=t_grad)
    out, tout = ours(xt, tt), theirs(txt, ttt)
    np.testing.assert_allclose(out.numpy(), tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(5).standard_normal(out.shape)
    out.backward(ag.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), txt.grad.numpy(), rtol=1e-10, atol=1e-12)
    if t_grad:
        np.testing.assert_allclose(tt.grad.numpy(), ttt.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert repr(ours) == repr(theirs)


# ----- stability ---------------------------------------------------------------------------


def _finite_loss_and_grad(fn, x, t):
    x = ag.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = fn(x, t)
        loss.sum().backward()
    assert np.isfinite(loss.numpy()).all() and np.isfinite(x.grad.numpy()).all()
    return loss.numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropy_extreme_logits(dtype):
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], dtype=dtype)
    loss, grad = _finite_loss_and_grad(F.cross_entropy, x, ag.tensor([0, 0]))
    np.testing.assert_allclose(loss, 1e4, rtol=1e-6)         # (0 + 2e4) / 2
    np.testing.assert_allclose(grad, [[0, 0, 0], [-0.5, 0.5, 0]], atol=1e-7)
    loss, _ = _finite_loss_and_grad(lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1),
                                    x, ag.tensor([0, 1]))
    assert loss > 0


def test_bce_with_logits_extreme_logits():
    x = [1e4, -1e4, 1e4, -1e4, 0.0]
    t = ag.tensor([1.0, 0.0, 0.0, 1.0, 1.0], dtype=ag.float64)
    loss, grad = _finite_loss_and_grad(
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none"), x, t)
    np.testing.assert_allclose(loss, [0, 0, 1e4, 1e4, np.log(2)])
    np.testing.assert_allclose(grad, [0, 0, 1, -1, -0.5])
    _finite_loss_and_grad(lambda a, b: F.binary_cross_entropy_with_logits(
        a, b, pos_weight=ag.tensor(3.0, dtype=ag.float64)), x, t)


def test_bce_clamps_log_at_minus_100():
    loss, grad = _finite_loss_and_grad(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                                       [0.0, 1.0, 0.5], ag.tensor([1.0, 0.0, 1.0],
                                                                   dtype=ag.float64))
    np.testing.assert_allclose(loss, [100, 100, np.log(2)])


# ----- errors ------------------------------------------------------------------------------


def test_out_of_range_class_index_names_value_and_classes():
    x = ag.randn(3, 4)
    for fn in (F.cross_entropy, F.nll_loss, F.multi_margin_loss):
        with pytest.raises(IndexError, match=r"target 7 is out of bounds for 4 classes"):
            fn(x, ag.tensor([0, 7, 1]))
        with pytest.raises(IndexError, match=r"target -2 is out of bounds for 4 classes"):
            fn(x, ag.tensor([0, -2, 1]))
    # ignore_index is not an error
    F.cross_entropy(x, ag.tensor([0, -100, 1]))


def test_loss_argument_errors():
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match="target shape"):
        F.mse_loss(ag.randn(2, 3), ag.randn(3, 2))
    with pytest.raises(ValueError, match="expected target shape"):
        F.cross_entropy(ag.randn(2, 3), ag.tensor([0, 1, 2]))
    with pytest.raises(RuntimeError, match=r"probabilities in \[0, 1\]"):
        F.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))


def test_multi_margin_p1_is_the_notes_svm_loss_over_c():
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    y = np.array([0, 1, 2])
    # the CS231n example: per-sample SVM losses 2.9, 0 and 12.9 (unnormalized)
    svm = [sum(max(0, s[j] - s[yi] + 1) for j in range(3) if j != yi) for s, yi in zip(scores, y)]
    np.testing.assert_allclose(svm, [2.9, 0, 12.9])
    ours = F.multi_margin_loss(ag.tensor(scores), ag.tensor(y), reduction="none").numpy()
    np.testing.assert_allclose(ours * 3, svm)


# ----- the fused NLL path ------------------------------------------------------------------


def test_cross_entropy_is_two_nodes():
    loss = F.cross_entropy(ag.randn(5, 4, dtype=ag.float64, requires_grad=True), ag.tensor(np.array([0, 3, 1, 1, 2])))
    assert loss.grad_fn.op == "nll" and loss.grad_fn.next[0].op == "log_softmax"


def test_nll_loss_names_a_class_weight_of_the_wrong_shape():
    logp = ag.log_softmax(ag.randn(4, 3, dtype=ag.float64), 1)
    with pytest.raises(ValueError, match=r"nll_loss: weight must have shape \(3,\).*got \(4,\)"):
        F.nll_loss(logp, ag.tensor(np.array([0, 1, 2, 0])), weight=ag.tensor(np.ones(4)))


def test_out_of_range_class_index_with_class_weights_names_the_target():
    with pytest.raises(IndexError, match=r"nll_loss: target 7 is out of bounds for 3 classes"):
        F.nll_loss(ag.randn(2, 3), ag.tensor([0, 7]), weight=ag.tensor([1.0, 2.0, 3.0]))
