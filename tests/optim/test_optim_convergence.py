"""Every optimizer reaches the minimum of a convex quadratic and of the Rosenbrock function,
and momentum, Nesterov and Adam beat plain SGD on the seeds' ill-conditioned "taco shell"."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import optim

# f(x) = 0.5 x^T A x - b^T x with eigenvalues 1..8: minimum at x* = A^-1 b.
_rng = np.random.default_rng(0)
_Q, _ = np.linalg.qr(_rng.standard_normal((5, 5)))
A = _Q @ np.diag([1.0, 2.0, 3.0, 5.0, 8.0]) @ _Q.T
B = _rng.standard_normal(5)


def quadratic(x):
    return 0.5 * (x @ (ag.tensor(A) @ x)) - ag.tensor(B) @ x


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] * p[0]) ** 2


def taco(p):
    """The seeds' taco shell: steep across (curvature 100), shallow along (curvature 1)."""
    return 0.5 * (p[0] ** 2 + 100 * p[1] ** 2)


def steps_to_reach(make_opt, f, start, target, tol, max_steps):
    """Number of steps until ||p - target|| < tol (None if not within max_steps)."""
    p = ag.tensor(np.array(start, dtype=np.float64), requires_grad=True)
    opt = make_opt([p])
    for k in range(1, max_steps + 1):
        opt.zero_grad()
        f(p).backward()
        opt.step()
        if np.linalg.norm(p.numpy() - target) < tol:
            return k
    return None


QUADRATIC = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.7, nesterov=True)),
    ("Adam", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.0, amsgrad=True)),
    ("NAdam", dict(lr=0.01)),
    ("Adagrad", dict(lr=0.5)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
    ("Adadelta", dict(lr=0.2)),
]


@pytest.mark.parametrize("name,kwargs", QUADRATIC)
def test_convex_quadratic(name, kwargs):
    k = steps_to_reach(lambda ps: getattr(optim, name)(ps, **kwargs), quadratic, np.zeros(5),
                       np.linalg.solve(A, B), tol=1e-4, max_steps=3000)
    assert k is not None, f"{name}({kwargs}) did not reach x* within 3000 steps"


@pytest.mark.parametrize("name,kwargs", [("SGD", dict(lr=0.1, weight_decay=0.5)),
                                         ("Adam", dict(lr=0.05, weight_decay=0.5)),
                                         ("Adagrad", dict(lr=0.5, weight_decay=0.5))])
def test_l2_weight_decay_finds_regularized_minimum(name, kwargs):
    """weight_decay adds wd * p to the gradient: the minimum of f + wd/2 |x|^2,
    (A + wd I)^-1 b."""
    target = np.linalg.solve(A + 0.5 * np.eye(5), B)
    k = steps_to_reach(lambda ps: getattr(optim, name)(ps, **kwargs), quadratic, np.zeros(5),
                       target, tol=1e-4, max_steps=3000)
    assert k is not None


ROSENBROCK = [
    ("SGD", dict(lr=2e-3)),
    ("SGD", dict(lr=1e-3, momentum=0.9)),
    ("SGD", dict(lr=1e-3, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.1)),
    ("AdamW", dict(lr=0.05, weight_decay=0.0)),
    ("NAdam", dict(lr=0.01)),
    ("Adagrad", dict(lr=1.0)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
    # Adadelta's step grows with its own history and overshoots the curved valley unless
    # both eps and lr are small.
    ("Adadelta", dict(lr=0.05, rho=0.5, eps=1e-6)),
]


@pytest.mark.parametrize("name,kwargs", ROSENBROCK)
def test_rosenbrock(name, kwargs):
    k = steps_to_reach(lambda ps: getattr(optim, name)(ps, **kwargs), rosenbrock, [-1.5, 2.0],
                       np.ones(2), tol=1e-2, max_steps=12000)
    assert k is not None, f"{name}({kwargs}) did not reach (1, 1) within 12000 steps"


def test_taco_shell_momentum_nesterov_adam_beat_sgd():
    """f = 0.5 (x^2 + 100 y^2) from (-1, 1) to within 1e-3 of the origin at lr = 0.012.

    Plain SGD multiplies x by (1 - lr) and y by (1 - 100 lr) = -0.2 each step (zigzag across
    the shell, crawl along it), so its step count has a closed form, checked here; momentum,
    Nesterov and Adam need fewer than half as many steps."""
    lr, tol, start = 0.012, 1e-3, np.array([-1.0, 1.0])
    factors = np.array([1 - lr, 1 - 100 * lr])
    expected_sgd = next(k for k in range(1, 10000)
                        if np.linalg.norm(start * factors ** k) < tol)
    counts = {}
    for label, make in {
        "sgd": lambda ps: optim.SGD(ps, lr=lr),
        "momentum": lambda ps: optim.SGD(ps, lr=lr, momentum=0.9),
        "nesterov": lambda ps: optim.SGD(ps, lr=lr, momentum=0.9, nesterov=True),
        "adam": lambda ps: optim.Adam(ps, lr=lr),
    }.items():
        counts[label] = steps_to_reach(make, taco, start, np.zeros(2), tol, 5000)
    assert counts["sgd"] == expected_sgd          # 573 steps
    assert counts["momentum"] < counts["sgd"] / 2, counts      # 114
    assert counts["nesterov"] < counts["momentum"], counts     # 53: looks ahead, overshoots less
    assert counts["adam"] < counts["sgd"] / 2, counts          # 213
