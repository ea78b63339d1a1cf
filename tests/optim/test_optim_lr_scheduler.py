"""Learning-rate schedules: PyTorch's sequences over 30 epochs, closed forms, the seeds'
decay formulas, state_dict round trips and argument errors."""
import math

import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import optim
from glassgrad.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR,
                                MultiStepLR, ReduceLROnPlateau, SequentialLR, StepLR)

EPOCHS = 30
LRS = (0.1, 0.02)          # two parameter groups with different base lrs


def make_optimizer(lib, lrs=LRS):
    """An SGD over two groups, in glassgrad (lib=optim) or PyTorch (lib=torch.optim)."""
    if lib is optim:
        p, q = ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)
    else:
        import torch
        p, q = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    return lib.SGD([{"params": [p], "lr": lrs[0]}, {"params": [q], "lr": lrs[1]}],
                   lr=lrs[0], momentum=0.9)


def one_over_t(epoch):
    """The seeds' 1/t decay: alpha = alpha0 / (1 + decay_rate * epoch), decay_rate 0.5."""
    return 1.0 / (1.0 + 0.5 * epoch)


# (name, builder(lib_scheduler_module, optimizer) -> scheduler)
SCHEDULES = [
    ("StepLR", lambda m, o: m.StepLR(o, step_size=7, gamma=0.5)),
    ("MultiStepLR", lambda m, o: m.MultiStepLR(o, milestones=[5, 12, 12, 20], gamma=0.3)),
    ("ExponentialLR", lambda m, o: m.ExponentialLR(o, gamma=0.9)),
    ("LambdaLR-1/t", lambda m, o: m.LambdaLR(o, one_over_t)),
    ("LambdaLR-per-group", lambda m, o: m.LambdaLR(o, [one_over_t, lambda e: 0.95 ** e])),
    ("CosineAnnealingLR", lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    ("CosineAnnealingLR-long", lambda m, o: m.CosineAnnealingLR(o, T_max=30)),
    ("LinearLR-warmup", lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=8)),
    ("LinearLR-decay", lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.25,
                                               total_iters=12)),
    ("SequentialLR-warmup-cosine", lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.2, total_iters=5),
            m.CosineAnnealingLR(o, T_max=25, eta_min=1e-4)], milestones=[5])),
    ("SequentialLR-three", lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.5, total_iters=4), m.ExponentialLR(o, gamma=0.8),
            m.StepLR(o, step_size=3, gamma=0.5)], milestones=[6, 15])),
]


def lr_sequence(lib, sched_module, build, epochs=EPOCHS):
    """[lrs at construction, lrs after epoch 1, ..., lrs after `epochs` epochs]."""
    opt = make_optimizer(lib)
    sched = build(sched_module, opt)
    seq = [sched.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        sched.step()
        seq.append(sched.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == seq[-1]
    return seq


@pytest.mark.parametrize("name,build", SCHEDULES, ids=[n for n, _ in SCHEDULES])
def test_lr_sequence_matches_torch(name, build):
    torch = pytest.importorskip("torch")
    ours = lr_sequence(optim, optim.lr_scheduler, build)
    theirs = lr_sequence(torch.optim, torch.optim.lr_scheduler, build)
    np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=0)


PLATEAU = [
    dict(patience=4),
    dict(patience=2, factor=0.5),
    dict(mode="max", patience=1, factor=0.5, threshold=0.05),
    dict(patience=1, threshold_mode="abs", threshold=0.05, cooldown=2, min_lr=[0.01, 0.005]),
    dict(patience=0, factor=0.3, min_lr=0.004, eps=1e-3),
]


def plateau_metrics():
    """A loss that improves, stalls, improves a little, then stalls for good."""
    return [1.0, 0.8, 0.7, 0.69, 0.69, 0.7, 0.695, 0.6, 0.6, 0.61, 0.6, 0.59995, 0.6, 0.6, 0.5,
            0.5, 0.5, 0.51, 0.52, 0.5, 0.5, 0.49, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]


@pytest.mark.parametrize("kwargs", PLATEAU)
def test_reduce_on_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    seqs = []
    for lib in (optim, torch.optim):
        opt = make_optimizer(lib)
        sched = lib.lr_scheduler.ReduceLROnPlateau(opt, **kwargs)
        seq = []
        for metric in plateau_metrics():
            opt.step()
            sched.step(metric)
            seq.append(sched.get_last_lr())
        seqs.append(seq)
    np.testing.assert_allclose(seqs[0], seqs[1], rtol=1e-15, atol=0)
    assert seqs[0][-1] != seqs[0][0]              # the metrics do trigger reductions


# ----- without PyTorch: closed forms and the seeds' formulas -------------------------------

def test_one_over_t_decay_is_the_seeds_formula():
    seq = lr_sequence(optim, optim.lr_scheduler, lambda m, o: m.LambdaLR(o, one_over_t))
    for epoch, lrs in enumerate(seq):
        np.testing.assert_allclose(lrs, [lr / (1 + 0.5 * epoch) for lr in LRS], rtol=1e-15)


def test_exponential_and_step_decay_formulas():
    exp = lr_sequence(optim, optim.lr_scheduler, lambda m, o: m.ExponentialLR(o, gamma=0.95))
    step = lr_sequence(optim, optim.lr_scheduler, lambda m, o: m.StepLR(o, 10, gamma=0.5))
    for epoch in range(EPOCHS + 1):
        np.testing.assert_allclose(exp[epoch], [lr * 0.95 ** epoch for lr in LRS], rtol=1e-13)
        np.testing.assert_allclose(step[epoch], [lr * 0.5 ** (epoch // 10) for lr in LRS],
                                   rtol=1e-15)


def test_cosine_recursion_follows_the_closed_form():
    T, low = 10, 0.001
    seq = lr_sequence(optim, optim.lr_scheduler, lambda m, o: m.CosineAnnealingLR(o, T, low))
    for epoch, lrs in enumerate(seq):
        expected = [low + (lr - low) * (1 + math.cos(math.pi * epoch / T)) / 2 for lr in LRS]
        np.testing.assert_allclose(lrs, expected, rtol=1e-12, atol=1e-15)


def test_linear_warmup_then_constant():
    seq = lr_sequence(optim, optim.lr_scheduler,
                      lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=4))
    factors = [0.25, 0.4375, 0.625, 0.8125] + [1.0] * (EPOCHS - 3)
    np.testing.assert_allclose(seq, [[lr * f for lr in LRS] for f in factors], rtol=1e-14)


def test_step_with_epoch_uses_closed_form():
    opt = make_optimizer(optim)
    sched = CosineAnnealingLR(opt, T_max=10)
    sched.step(5)
    np.testing.assert_allclose(sched.get_last_lr(), [lr / 2 for lr in LRS], rtol=1e-14)
    assert sched.last_epoch == 5


def test_reduce_on_plateau_semantics():
    opt = make_optimizer(optim)
    sched = ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, min_lr=0.03)
    history = []
    for metric in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
        sched.step(ag.tensor(metric))
        history.append(sched.get_last_lr()[0])
    # epoch 1 sets the best; epochs 2-4 are bad, the 3rd bad one exceeds patience: halve.
    # Epoch 5 is the cooldown; epochs 6-8 are bad again: halve, but not below min_lr.
    assert history == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.03, 0.03, 0.03]


def test_reduce_on_plateau_never_raises_an_lr():
    opt = make_optimizer(optim)
    sched = ReduceLROnPlateau(opt, patience=0, factor=0.5, min_lr=0.03)
    for _ in range(5):
        sched.step(1.0)
    assert opt.param_groups[0]["lr"] == 0.03
    assert opt.param_groups[1]["lr"] == 0.02


# ----- state dicts ------------------------------------------------------------------------

@pytest.mark.parametrize("name,build", SCHEDULES, ids=[n for n, _ in SCHEDULES])
def test_state_dict_round_trip(name, build, tmp_path):
    full = lr_sequence(optim, optim.lr_scheduler, build)
    opt = make_optimizer(optim)
    sched = build(optim.lr_scheduler, opt)
    for _ in range(12):
        opt.step()
        sched.step()
    path = tmp_path / "run.safetensors"
    ag.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, path)
    saved = ag.load(path)
    opt2 = make_optimizer(optim, lrs=(9.0, 9.0))
    sched2 = build(optim.lr_scheduler, opt2)       # construct first, then load (as in PyTorch)
    opt2.load_state_dict(saved["optimizer"])
    sched2.load_state_dict(saved["scheduler"])
    assert sched2.get_last_lr() == full[12]
    for epoch in range(13, EPOCHS + 1):
        opt2.step()
        sched2.step()
        np.testing.assert_allclose(sched2.get_last_lr(), full[epoch], rtol=1e-15)


def test_multistep_closed_form_after_loading_from_file(tmp_path):
    opt = make_optimizer(optim)
    sched = MultiStepLR(opt, milestones=[3, 6, 6], gamma=0.5)
    for _ in range(4):
        sched.step()
    ag.save(sched.state_dict(), tmp_path / "sched.safetensors")
    other = MultiStepLR(make_optimizer(optim), milestones=[1])
    other.load_state_dict(ag.load(tmp_path / "sched.safetensors"))
    other.step(7)                                  # jump: three milestones passed
    np.testing.assert_allclose(other.get_last_lr(), [lr * 0.5 ** 3 for lr in LRS])


def test_lambda_state_dict_skips_functions_keeps_callable_objects():
    class Decay:
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, epoch):
            return 1.0 / (1.0 + self.rate * epoch)

    opt = make_optimizer(optim)
    sched = LambdaLR(opt, [Decay(0.5), one_over_t])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"rate": 0.5}, None]
    other = LambdaLR(make_optimizer(optim), [Decay(9.0), one_over_t])
    other.load_state_dict(sd)
    assert other.lr_lambdas[0].rate == 0.5


def test_reduce_on_plateau_state_dict():
    opt = make_optimizer(optim)
    sched = ReduceLROnPlateau(opt, mode="max", patience=1)
    for metric in [0.5, 0.6, 0.6]:
        sched.step(metric)
    other = ReduceLROnPlateau(make_optimizer(optim))
    other.load_state_dict(sched.state_dict())
    assert (other.mode, other.best, other.num_bad_epochs) == ("max", 0.6, 1)
    assert other.is_better(0.7, other.best) and not other.is_better(0.5, other.best)


# ----- errors ------------------------------------------------------------------------------

def test_scheduler_argument_errors():
    opt = make_optimizer(optim)
    with pytest.raises(TypeError, match="expected an Optimizer, got list"):
        StepLR([], step_size=3)
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="start_factor must be in"):
        LinearLR(opt, start_factor=0.0)
    with pytest.raises(ValueError, match="end_factor must be in"):
        LinearLR(opt, end_factor=1.5)
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        LambdaLR(opt, [one_over_t])
    with pytest.raises(ValueError, match="factor must be < 1.0"):
        ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="threshold_mode must be"):
        ReduceLROnPlateau(opt, threshold_mode="pct")
    with pytest.raises(ValueError, match="expected 2 min_lrs"):
        ReduceLROnPlateau(opt, min_lr=[0.1])
    with pytest.raises(ValueError, match="expected 1 milestones for 2 schedulers"):
        SequentialLR(opt, [ExponentialLR(opt, 0.9), StepLR(opt, 2)], milestones=[])
    with pytest.raises(ValueError, match="cannot be sequenced"):
        SequentialLR(opt, [ExponentialLR(opt, 0.9), ReduceLROnPlateau(opt)], milestones=[3])
    with pytest.raises(ValueError, match="different optimizer"):
        SequentialLR(opt, [ExponentialLR(make_optimizer(optim), 0.9)], milestones=[])
    with pytest.raises(KeyError, match="no 'initial_lr'"):
        MultiStepLR(make_optimizer(optim), [3], last_epoch=4)
