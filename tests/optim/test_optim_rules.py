"""Each optimizer against the update rule written the way the lecture notes (the seeds)
write it, in plain numpy: the two forms give the same trajectory (no PyTorch needed)."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import optim

_rng = np.random.default_rng(1)
_Q, _ = np.linalg.qr(_rng.standard_normal((4, 4)))
A = _Q @ np.diag([0.5, 1.0, 4.0, 10.0]) @ _Q.T
B = _rng.standard_normal(4)
X0 = _rng.standard_normal(4)
STEPS = 40


def grad(x):
    """Gradient of f(x) = 0.5 x^T A x - b^T x."""
    return A @ x - B


def run(make_opt, steps=STEPS, sign=1.0):
    """Our optimizer on f (or on -f with sign=-1); the iterates as rows."""
    x = ag.tensor(X0.copy(), requires_grad=True)
    opt = make_opt([x])
    a, b = ag.tensor(A), ag.tensor(B)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (sign * (0.5 * (x @ (a @ x)) - b @ x)).backward()
        opt.step()
        out.append(x.numpy().copy())
    return np.array(out)


def close(ours, seeds):
    np.testing.assert_allclose(ours, seeds, rtol=1e-10, atol=1e-12)


def test_sgd_is_w_minus_lr_dw():
    x, seeds = X0.copy(), []
    for _ in range(STEPS):
        x = x - 0.05 * grad(x)
        seeds.append(x)
    close(run(lambda ps: optim.SGD(ps, lr=0.05)), seeds)


def test_momentum_equals_velocity_form():
    """Seeds: v = mu*v - lr*dW; W += v. PyTorch keeps b = -v/lr; same trajectory."""
    lr, mu = 0.05, 0.9
    x, v, seeds = X0.copy(), np.zeros(4), []
    for _ in range(STEPS):
        v = mu * v - lr * grad(x)
        x = x + v
        seeds.append(x)
    close(run(lambda ps: optim.SGD(ps, lr=lr, momentum=mu)), seeds)


def test_lr_change_applies_at_once_to_momentum():
    """After an lr change the two forms part ways: PyTorch's b = mu*b + g carries no lr, so
    the new lr scales the whole step at once; the seeds' v remembers the old lr for a while."""
    mu, lrs = 0.9, [0.05] * 10 + [0.01] * 10
    x = ag.tensor(X0.copy(), requires_grad=True)
    opt = optim.SGD([x], lr=lrs[0], momentum=mu)
    a, b_ = ag.tensor(A), ag.tensor(B)
    ours = []
    for lr in lrs:
        opt.param_groups[0]["lr"] = lr
        opt.zero_grad()
        (0.5 * (x @ (a @ x)) - b_ @ x).backward()
        opt.step()
        ours.append(x.numpy().copy())
    xb, buf, xv, v, pytorch_form, seeds_form = X0.copy(), None, X0.copy(), np.zeros(4), [], []
    for lr in lrs:
        g = grad(xb)
        buf = g if buf is None else mu * buf + g
        xb = xb - lr * buf
        pytorch_form.append(xb)
        v = mu * v - lr * grad(xv)
        xv = xv + v
        seeds_form.append(xv)
    close(ours, pytorch_form)
    close(ours[:10], seeds_form[:10])
    assert np.abs(ours[10] - seeds_form[10]).max() > 1e-3


def test_nesterov_is_the_look_ahead_gradient():
    """Seeds: evaluate the gradient where momentum is about to carry W (W + mu*v), then
    v = mu*v - lr*grad(W + mu*v); W += v. PyTorch's parameter is that look-ahead point."""
    lr, mu = 0.05, 0.9
    w, v, seeds = X0.copy(), np.zeros(4), []
    for _ in range(STEPS):
        v = mu * v - lr * grad(w + mu * v)
        w = w + v
        seeds.append(w + mu * v)
    close(run(lambda ps: optim.SGD(ps, lr=lr, momentum=mu, nesterov=True)), seeds)


def test_adagrad_is_the_cache_rule():
    lr, eps = 0.5, 1e-10
    x, cache, seeds = X0.copy(), np.zeros(4), []
    for _ in range(STEPS):
        dx = grad(x)
        cache += dx ** 2
        x = x - lr * dx / (np.sqrt(cache) + eps)
        seeds.append(x)
    close(run(lambda ps: optim.Adagrad(ps, lr=lr)), seeds)


def test_adagrad_lr_decay_and_initial_accumulator():
    lr, decay, init = 0.5, 0.1, 0.3
    x, cache, seeds = X0.copy(), np.full(4, init), []
    for t in range(1, STEPS + 1):
        dx = grad(x)
        cache += dx ** 2
        x = x - lr / (1 + (t - 1) * decay) * dx / (np.sqrt(cache) + 1e-10)
        seeds.append(x)
    close(run(lambda ps: optim.Adagrad(ps, lr=lr, lr_decay=decay,
                                       initial_accumulator_value=init)), seeds)


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_is_the_decay_rate_rule(centered):
    """Seeds: cache = decay_rate*cache + (1-decay_rate)*dx**2; x -= lr*dx/(sqrt(cache)+eps),
    with decay_rate = alpha; centered subtracts the squared mean gradient."""
    lr, decay, eps = 0.01, 0.9, 1e-8
    x, cache, mean, seeds = X0.copy(), np.zeros(4), np.zeros(4), []
    for _ in range(STEPS):
        dx = grad(x)
        cache = decay * cache + (1 - decay) * dx ** 2
        mean = decay * mean + (1 - decay) * dx
        scale = np.sqrt(cache - mean ** 2) if centered else np.sqrt(cache)
        x = x - lr * dx / (scale + eps)
        seeds.append(x)
    close(run(lambda ps: optim.RMSprop(ps, lr=lr, alpha=decay, centered=centered)), seeds)


def test_rmsprop_momentum():
    lr, decay, mu = 0.01, 0.9, 0.8
    x, cache, buf, seeds = X0.copy(), np.zeros(4), np.zeros(4), []
    for _ in range(STEPS):
        dx = grad(x)
        cache = decay * cache + (1 - decay) * dx ** 2
        buf = mu * buf + dx / (np.sqrt(cache) + 1e-8)
        x = x - lr * buf
        seeds.append(x)
    close(run(lambda ps: optim.RMSprop(ps, lr=lr, alpha=decay, momentum=mu)), seeds)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_is_momentum_plus_rmsprop_with_bias_correction(amsgrad):
    lr, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    x, m, v, vmax, seeds = X0.copy(), np.zeros(4), np.zeros(4), np.zeros(4), []
    for t in range(1, STEPS + 1):
        dx = grad(x)
        m = b1 * m + (1 - b1) * dx
        v = b2 * v + (1 - b2) * dx ** 2
        vmax = np.maximum(vmax, v)
        mt = m / (1 - b1 ** t)
        vt = (vmax if amsgrad else v) / (1 - b2 ** t)
        x = x - lr * mt / (np.sqrt(vt) + eps)
        seeds.append(x)
    close(run(lambda ps: optim.Adam(ps, lr=lr, amsgrad=amsgrad)), seeds)


def test_adam_first_step_is_lr_times_sign():
    """Bias correction makes the very first step lr * g / (|g| + eps) ~ lr * sign(g)."""
    steps = run(lambda ps: optim.Adam(ps, lr=0.01), steps=1)
    np.testing.assert_allclose(steps[0] - X0, -0.01 * np.sign(grad(X0)), rtol=1e-6)


def test_adamw_decays_weights_directly():
    lr, wd, b1, b2 = 0.05, 0.1, 0.9, 0.999
    x, m, v, seeds = X0.copy(), np.zeros(4), np.zeros(4), []
    for t in range(1, STEPS + 1):
        dx = grad(x)
        x = x * (1 - lr * wd)
        m = b1 * m + (1 - b1) * dx
        v = b2 * v + (1 - b2) * dx ** 2
        x = x - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + 1e-8)
        seeds.append(x)
    close(run(lambda ps: optim.AdamW(ps, lr=lr, weight_decay=wd)), seeds)


def test_nadam_rule():
    lr, b1, b2, psi, eps = 0.05, 0.9, 0.999, 4e-3, 1e-8
    x, m, v, prod, seeds = X0.copy(), np.zeros(4), np.zeros(4), 1.0, []
    for t in range(1, STEPS + 1):
        dx = grad(x)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod *= mu
        m = b1 * m + (1 - b1) * dx
        v = b2 * v + (1 - b2) * dx ** 2
        denom = np.sqrt(v / (1 - b2 ** t)) + eps
        x = x - lr * (1 - mu) / (1 - prod) * dx / denom \
              - lr * mu_next / (1 - prod * mu_next) * m / denom
        seeds.append(x)
    close(run(lambda ps: optim.NAdam(ps, lr=lr)), seeds)


def test_adadelta_rule():
    rho, eps, lr = 0.9, 1e-6, 1.0
    x, v, u, seeds = X0.copy(), np.zeros(4), np.zeros(4), []
    for _ in range(STEPS):
        dx = grad(x)
        v = rho * v + (1 - rho) * dx ** 2
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * dx
        u = rho * u + (1 - rho) * delta ** 2
        x = x - lr * delta
        seeds.append(x)
    close(run(lambda ps: optim.Adadelta(ps, lr=lr, rho=rho, eps=eps)), seeds)


@pytest.mark.parametrize("name", ["SGD", "Adam", "Adagrad", "RMSprop"])
def test_weight_decay_is_l2_in_the_gradient(name):
    """weight_decay=wd on f gives the same steps as no decay on f + wd/2 |x|^2."""
    wd = 0.2
    kwargs = dict(lr=0.05, momentum=0.9) if name == "SGD" else dict(lr=0.05)
    ours = run(lambda ps: getattr(optim, name)(ps, weight_decay=wd, **kwargs))
    x = ag.tensor(X0.copy(), requires_grad=True)
    opt = getattr(optim, name)([x], **kwargs)
    a, b = ag.tensor(A), ag.tensor(B)
    explicit = []
    for _ in range(STEPS):
        opt.zero_grad()
        (0.5 * (x @ (a @ x)) - b @ x + 0.5 * wd * (x * x).sum()).backward()
        opt.step()
        explicit.append(x.numpy().copy())
    close(ours, explicit)


@pytest.mark.parametrize("cls", [optim.SGD, optim.Adam, optim.AdamW, optim.NAdam,
                                 optim.Adagrad, optim.RMSprop, optim.Adadelta])
def test_maximize_of_minus_f_equals_minimize_f(cls):
    kwargs = dict(lr=0.01) if cls is not optim.Adadelta else {}
    np.testing.assert_array_equal(run(lambda ps: cls(ps, maximize=True, **kwargs), sign=-1.0),
                                  run(lambda ps: cls(ps, **kwargs)))
