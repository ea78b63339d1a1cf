"""Each sanity check passes on a healthy model and fails on the bug it exists to catch."""
import math

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad import optim
from glassgrad.training.checks import (check_gradients, check_initial_loss, check_overfit,
                             check_regularization, expected_initial_loss, l2_penalty,
                             sanity_checks)
from glassgrad.training.datasets import load_digits, make_spirals


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return (X / 16.0 - 0.3).astype(np.float32), y


@pytest.fixture(scope="module")
def spirals():
    return make_spirals(40, 3, seed=0)


def mlp(d_in=64, hidden=32, classes=10, act=nn.ReLU):
    return nn.Sequential(nn.Linear(d_in, hidden), act(), nn.Linear(hidden, classes))


# ----- initial loss ----------------------------------------------------------------------

def test_expected_values_at_chance():
    assert expected_initial_loss("softmax", 10)[0] == pytest.approx(2.302585, abs=1e-6)
    assert expected_initial_loss(nn.CrossEntropyLoss(), 10)[0] == pytest.approx(math.log(10))
    assert expected_initial_loss("svm", 10)[0] == 9       # CS231n: 9 for CIFAR-10
    # PyTorch's MultiMarginLoss divides the sum over wrong classes by C.
    assert expected_initial_loss(nn.MultiMarginLoss(), 10)[0] == pytest.approx(0.9)
    with pytest.raises(ValueError, match="expected="):
        expected_initial_loss(nn.MSELoss(), 3)


def test_initial_loss_multi_margin_matches_torch_formula_at_zero_scores():
    model = nn.Linear(5, 4)
    with ag.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    r = check_initial_loss(model, nn.MultiMarginLoss(), np.ones((6, 5), np.float32),
                           np.arange(6) % 4)
    assert r.passed and r.loss == pytest.approx(3 / 4)


def test_initial_loss_passes_for_a_healthy_init(digits):
    X, y = digits
    r = check_initial_loss(mlp(), nn.CrossEntropyLoss(), X[:200], y[:200])
    assert r.passed, str(r)
    assert r.expected == pytest.approx(math.log(10)) and r.num_classes == 10
    assert "PASSED" in str(r) and "ln(10)" in str(r)


def test_initial_loss_fails_for_a_bad_init(digits):
    X, y = digits
    model = mlp()
    with ag.no_grad():
        for p in model.parameters():
            p.mul_(20.0)                          # weights far too large
    r = check_initial_loss(model, nn.CrossEntropyLoss(), X[:200], y[:200])
    assert not r.passed and r.loss > 2 * math.log(10)
    assert "FAILED" in str(r) and "init" in str(r)


def test_initial_loss_catches_a_loss_bug(digits):
    X, y = digits

    def summed_cross_entropy(out, target):        # bug: sums instead of averaging
        return nn.functional.cross_entropy(out, target, reduction="sum")

    r = check_initial_loss(mlp(), summed_cross_entropy, X[:50], y[:50], kind="softmax")
    assert not r.passed
    with pytest.raises(ValueError):
        check_initial_loss(mlp(), summed_cross_entropy, X[:50], y[:50])


def test_initial_loss_restores_training_mode(digits):
    X, y = digits
    model = mlp()
    model.train()
    check_initial_loss(model, nn.CrossEntropyLoss(), X[:20], y[:20])
    assert all(m.training for m in model.modules())


# ----- regularization --------------------------------------------------------------------

def test_regularization_raises_the_loss(digits):
    X, y = digits
    r = check_regularization(mlp(), nn.CrossEntropyLoss(), X[:100], y[:100])
    assert r.passed and r.losses == sorted(r.losses) and r.losses[-1] > r.losses[0]
    assert "PASSED" in str(r)


def test_regularization_check_fails_when_the_penalty_does_not_raise_the_loss(digits):
    X, y = digits
    model = mlp()
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)

    def bias_only(model):                         # bug: penalizes the (zero) biases only
        return sum((p * p).sum() for p in model.parameters() if p.ndim == 1)

    def wrong_sign(model):                        # bug: subtracts the penalty
        return -l2_penalty(model)

    for reg in (bias_only, wrong_sign):
        r = check_regularization(model, nn.CrossEntropyLoss(), X[:100], y[:100], reg_fn=reg)
        assert not r.passed, reg.__name__
        assert "FAILED" in str(r)


# ----- overfit ---------------------------------------------------------------------------

def test_overfit_a_tiny_subset(digits):
    X, y = digits
    model = mlp()
    before = [p.numpy().copy() for p in model.parameters()]
    r = check_overfit(model, nn.CrossEntropyLoss(), X, y, n=20)
    assert r.passed, str(r)
    assert r.n_examples == 20 and r.final_loss <= 0.01 and r.accuracy == 1.0
    assert r.final_loss < r.initial_loss and not r.no_grad_params
    for b, p in zip(before, model.parameters()):      # a copy was trained
        np.testing.assert_array_equal(b, p.numpy())


def test_overfit_fails_with_a_zero_learning_rate(spirals):
    X, y = spirals
    r = check_overfit(mlp(2, 32, 3), nn.CrossEntropyLoss(), X, y, steps=200,
                      optimizer=lambda params: optim.SGD(params, lr=0.0))
    assert not r.passed and r.final_loss == pytest.approx(r.initial_loss)
    assert "FAILED" in str(r)


def test_overfit_fails_with_frozen_layers_and_names_them(digits):
    X, y = digits
    model = mlp()
    model[0].requires_grad_(False)                 # frozen hidden layer ...
    model[2].weight.requires_grad_(False)          # ... and a frozen output weight
    r = check_overfit(model, nn.CrossEntropyLoss(), X, y, steps=200)
    assert not r.passed
    assert set(r.no_grad_params) == {"0.weight", "0.bias", "2.weight"}
    assert "0.weight" in str(r)


def test_overfit_with_an_optimizer_instance_trains_in_place(spirals):
    X, y = spirals
    model = mlp(2, 64, 3)
    opt = optim.Adam(model.parameters(), lr=2e-2)
    before = model[0].weight.numpy().copy()
    r = check_overfit(model, nn.CrossEntropyLoss(), X, y, n=10, optimizer=opt)
    assert r.passed, str(r)
    assert not np.array_equal(before, model[0].weight.numpy())


# ----- gradient check --------------------------------------------------------------------

def test_gradient_check_passes_on_a_healthy_model(digits):
    X, y = digits
    model = nn.Sequential(nn.Linear(64, 16), nn.Tanh(), nn.Linear(16, 10))
    r = check_gradients(model, nn.CrossEntropyLoss(), X[:4], y[:4])
    assert r.passed, str(r)
    assert r.max_rel_error < 1e-5 and not r.kinks
    assert set(r.per_param) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert r.n_checked == 20 + 16 + 20 + 10           # at most 20 entries per parameter
    assert model[0].weight.dtype == np.float32        # the model itself is untouched


def test_gradient_check_catches_a_loss_that_cuts_the_graph(digits):
    X, y = digits

    def buggy_cross_entropy(scores, target):
        # bug: the normalizer is detached, so backprop misses the softmax term
        picked = scores[np.arange(len(target)), target.numpy()]
        return (scores.logsumexp(dim=1).detach() - picked).mean()

    model = mlp(64, 16, 10)
    r = check_gradients(model, buggy_cross_entropy, X[:4], y[:4])
    assert not r.passed and r.max_rel_error > 1e-2
    assert r.failures and "probably wrong" in str(r)


def test_gradient_check_catches_a_forward_that_detaches_a_layer(spirals):
    X, y = spirals

    class Leaky(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 8)
            self.b = nn.Linear(8, 3)

        def forward(self, x):
            h = self.a(x).tanh()
            return self.b(h.detach() + 0.0 * h)   # bug: gradient to `a` is cut

    r = check_gradients(Leaky(), nn.CrossEntropyLoss(), X[:3], y[:3])
    assert not r.passed
    assert r.per_param["a.weight"] > 1e-2 and r.per_param["b.weight"] < 1e-6


def test_gradient_check_with_relu_kinks_and_seeded_dropout(spirals):
    X, y = spirals
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3))
    state = ag.random.get_rng().bit_generator.state
    r = check_gradients(model, nn.CrossEntropyLoss(), X[::30], y[::30], train_mode=True)
    assert r.passed, str(r)
    assert ag.random.get_rng().bit_generator.state == state   # global stream untouched


def test_gradient_check_after_burn_in(digits):
    X, y = digits
    model = nn.Sequential(nn.Linear(64, 16), nn.Tanh(), nn.Linear(16, 10))
    at_init = check_gradients(model, nn.CrossEntropyLoss(), X[:4], y[:4])
    trained = check_gradients(model, nn.CrossEntropyLoss(), X[:4], y[:4], burn_in=20,
                              burn_in_lr=0.5)
    assert trained.passed, str(trained)
    # The check ran after the burn-in had lowered the loss, on a copy.
    assert trained.loss < 0.5 * at_init.loss
    assert check_gradients(model, nn.CrossEntropyLoss(), X[:4], y[:4]).loss == at_init.loss


def test_gradient_check_multi_margin_loss(spirals):
    X, y = spirals
    r = check_gradients(mlp(2, 8, 3, nn.Tanh), nn.MultiMarginLoss(), X[::40], y[::40])
    assert r.passed, str(r)


def test_sanity_checks_run_all_four(digits, capsys):
    X, y = digits
    results = sanity_checks(mlp(64, 32, 10), nn.CrossEntropyLoss(), X[:200], y[:200])
    assert set(results) == {"initial_loss", "regularization", "gradients", "overfit"}
    assert all(r.passed for r in results.values()), [str(r) for r in results.values()]
    out = capsys.readouterr().out
    assert out.count("PASSED") == 4
