"""The schedules added with LBFGS and SWA (MultiplicativeLR, ConstantLR, PolynomialLR,
ChainedScheduler, CyclicLR, OneCycleLR, SWALR): lr (and momentum) sequences equal PyTorch's,
state_dict round trips and argument errors."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import optim

torch = pytest.importorskip("torch")

LRS = (0.1, 0.02)


def make_optimizer(lib, kind="SGD"):
    """A two-group optimizer (SGD with momentum, or Adam) in glassgrad or PyTorch."""
    zeros = ag.zeros if lib is optim else torch.zeros
    p, q = zeros(2, requires_grad=True), zeros(3, requires_grad=True)
    groups = [{"params": [p], "lr": LRS[0]}, {"params": [q], "lr": LRS[1]}]
    if kind == "Adam":
        return lib.Adam(groups, lr=LRS[0])
    return lib.SGD(groups, lr=LRS[0], momentum=0.9)


def swa(lib):
    return lib.swa_utils if lib is optim else torch.optim.swa_utils


SCHEDULES = [
    ("MultiplicativeLR", "SGD", 30, lambda lib, o: lib.lr_scheduler.MultiplicativeLR(
        o, lambda e: 0.95)),
    ("MultiplicativeLR-per-group", "SGD", 30, lambda lib, o: lib.lr_scheduler.MultiplicativeLR(
        o, [lambda e: 0.9, lambda e: 1.0 - 0.01 * e])),
    ("ConstantLR", "SGD", 30, lambda lib, o: lib.lr_scheduler.ConstantLR(o)),
    ("ConstantLR-0.5-10", "SGD", 30, lambda lib, o: lib.lr_scheduler.ConstantLR(
        o, factor=0.5, total_iters=10)),
    ("PolynomialLR", "SGD", 30, lambda lib, o: lib.lr_scheduler.PolynomialLR(
        o, total_iters=20, power=2.0)),
    ("PolynomialLR-linear", "SGD", 30, lambda lib, o: lib.lr_scheduler.PolynomialLR(o)),
    ("ChainedScheduler", "SGD", 30, lambda lib, o: lib.lr_scheduler.ChainedScheduler(
        [lib.lr_scheduler.ConstantLR(o, factor=0.1, total_iters=4),
         lib.lr_scheduler.ExponentialLR(o, gamma=0.9)])),
    ("SequentialLR-Constant-Polynomial", "SGD", 30, lambda lib, o: lib.lr_scheduler.SequentialLR(
        o, [lib.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3),
            lib.lr_scheduler.PolynomialLR(o, total_iters=20, power=1.5)], milestones=[5])),
    ("CyclicLR-triangular", "SGD", 60, lambda lib, o: lib.lr_scheduler.CyclicLR(
        o, base_lr=0.001, max_lr=[0.1, 0.05], step_size_up=7)),
    ("CyclicLR-triangular2", "SGD", 60, lambda lib, o: lib.lr_scheduler.CyclicLR(
        o, base_lr=0.001, max_lr=0.1, step_size_up=5, step_size_down=9, mode="triangular2")),
    ("CyclicLR-exp_range-Adam", "Adam", 60, lambda lib, o: lib.lr_scheduler.CyclicLR(
        o, base_lr=0.001, max_lr=0.1, step_size_up=6, mode="exp_range", gamma=0.97)),
    ("CyclicLR-scale_fn", "SGD", 60, lambda lib, o: lib.lr_scheduler.CyclicLR(
        o, 0.01, 0.1, step_size_up=4, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations",
        cycle_momentum=False)),
    ("OneCycleLR-cos", "SGD", 100, lambda lib, o: lib.lr_scheduler.OneCycleLR(
        o, max_lr=[0.5, 0.1], total_steps=100)),
    ("OneCycleLR-linear-Adam", "Adam", 40, lambda lib, o: lib.lr_scheduler.OneCycleLR(
        o, max_lr=0.3, epochs=4, steps_per_epoch=10, anneal_strategy="linear",
        pct_start=0.25)),
    ("OneCycleLR-three-phase", "SGD", 50, lambda lib, o: lib.lr_scheduler.OneCycleLR(
        o, max_lr=0.2, total_steps=50, three_phase=True, div_factor=10.0,
        final_div_factor=100.0)),
    ("SWALR-cos", "SGD", 20, lambda lib, o: swa(lib).SWALR(o, swa_lr=0.05, anneal_epochs=5)),
    ("SWALR-linear", "SGD", 20, lambda lib, o: swa(lib).SWALR(
        o, swa_lr=[0.01, 0.03], anneal_epochs=8, anneal_strategy="linear")),
    ("SWALR-0", "SGD", 5, lambda lib, o: swa(lib).SWALR(o, swa_lr=0.05, anneal_epochs=0)),
]


def sequences(lib, kind, steps, build):
    """[(lrs, momenta or beta1s)] at construction and after each step."""
    opt = make_optimizer(lib, kind)
    sched = build(lib, opt)
    key = "betas" if kind == "Adam" else "momentum"

    def record():
        moms = [g[key][0] if key == "betas" else g[key] for g in opt.param_groups]
        return list(sched.get_last_lr()) + [float(m) for m in moms]

    seq = [record()]
    for _ in range(steps):
        opt.step()
        sched.step()
        seq.append(record())
        assert [g["lr"] for g in opt.param_groups] == sched.get_last_lr()
    return seq


@pytest.mark.parametrize("name,kind,steps,build", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_lr_and_momentum_sequences_match_torch(name, kind, steps, build):
    ours = sequences(optim, kind, steps, build)
    theirs = sequences(torch.optim, kind, steps, build)
    np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=1e-17)
    assert any(r[:2] != list(LRS) for r in ours)         # the schedule does change the lrs


def test_one_cycle_refuses_to_step_past_total_steps():
    opt = make_optimizer(optim)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of "
                                         "total steps is 3"):
        sched.step()


@pytest.mark.parametrize("build", [
    lambda lib, o: lib.lr_scheduler.OneCycleLR(o, max_lr=0.1),
    lambda lib, o: lib.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=0),
    lambda lib, o: lib.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=5, pct_start=1),
    lambda lib, o: lib.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=5,
                                               anneal_strategy="step"),
    lambda lib, o: lib.lr_scheduler.OneCycleLR(o, max_lr=[0.1], total_steps=5),
    lambda lib, o: lib.lr_scheduler.CyclicLR(o, 0.01, 0.1, mode="sawtooth"),
    lambda lib, o: lib.lr_scheduler.ConstantLR(o, factor=1.5),
    lambda lib, o: lib.lr_scheduler.MultiplicativeLR(o, [lambda e: 1.0]),
    lambda lib, o: lib.lr_scheduler.ChainedScheduler([]),
    lambda lib, o: swa(lib).SWALR(o, swa_lr=0.1, anneal_strategy="step"),
    lambda lib, o: swa(lib).SWALR(o, swa_lr=0.1, anneal_epochs=-1),
], ids=range(11))
def test_argument_errors_match_torch(build):
    with pytest.raises(ValueError) as ref:
        build(torch.optim, make_optimizer(torch.optim))
    with pytest.raises(ValueError) as ours:
        build(optim, make_optimizer(optim))
    assert str(ours.value) == str(ref.value)


def test_cycle_momentum_needs_momentum():
    opt = optim.Adagrad([ag.zeros(2, requires_grad=True)], lr=0.1)
    for build in (lambda: optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1),
                  lambda: optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=4)):
        with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
            build()


@pytest.mark.parametrize("name,kind,steps,build",
                         [s for s in SCHEDULES if "Chained" not in s[0]
                          and "Sequential" not in s[0]], ids=lambda v: v if isinstance(v, str)
                         else "")
def test_state_dict_round_trip_resumes_the_sequence(name, kind, steps, build):
    opt = make_optimizer(optim, kind)
    sched = build(optim, opt)
    for _ in range(steps // 2):
        opt.step()
        sched.step()
    saved_sched, saved_groups = sched.state_dict(), [dict(g) for g in opt.param_groups]
    expected = []
    for _ in range(5):
        sched.step()
        expected.append(sched.get_last_lr())
    opt2 = make_optimizer(optim, kind)
    sched2 = build(optim, opt2)
    sched2.load_state_dict(saved_sched)
    for g, saved in zip(opt2.param_groups, saved_groups):
        g.update({k: v for k, v in saved.items() if k != "params"})
    got = []
    for _ in range(5):
        sched2.step()
        got.append(sched2.get_last_lr())
    np.testing.assert_allclose(got, expected, rtol=1e-15)


def test_chained_scheduler_state_dict_round_trip():
    def build(o):
        return optim.lr_scheduler.ChainedScheduler(
            [optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3),
             optim.lr_scheduler.ExponentialLR(o, gamma=0.9)])
    opt = make_optimizer(optim)
    sched = build(opt)
    for _ in range(2):
        sched.step()
    state = sched.state_dict()
    assert len(state["_schedulers"]) == 2
    opt2 = make_optimizer(optim)
    sched2 = build(opt2)
    sched2.load_state_dict(state)
    assert sched2._schedulers[0].last_epoch == 2 and sched2._schedulers[1].last_epoch == 2
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same "
                                         "optimizer"):
        optim.lr_scheduler.ChainedScheduler([optim.lr_scheduler.ConstantLR(opt),
                                             optim.lr_scheduler.ConstantLR(opt2)])
