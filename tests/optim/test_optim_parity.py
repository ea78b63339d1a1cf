"""Parity with PyTorch: the same MLP, data and hyperparameters give the same parameters after
every one of 25 steps, for every optimizer and option combination (float64)."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import optim
from optim_testing import mlp_data, mlp_loss, run_glassgrad

torch = pytest.importorskip("torch")

STEPS = 25


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny tensors: one thread is fastest, and immune to a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.02)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.9), eps=1e-6, amsgrad=True, weight_decay=0.05,
                  maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, betas=(0.5, 0.7), weight_decay=0.0, maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("NAdam", dict(lr=0.01, momentum_decay=0.02, betas=(0.8, 0.95), maximize=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, eps=1e-4, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.005, alpha=0.3, eps=1e-4, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5)),
    ("Adadelta", dict(lr=1.0, rho=0.95, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0, maximize=True)),
]


def run_torch(name, kwargs, steps=STEPS, groups=None, dtype=np.float64):
    arrays, x, y = mlp_data()
    params = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    xt, yt = torch.tensor(x.astype(dtype)), torch.tensor(y)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)     # step counters and NAdam's mu_product too
    try:
        opt = getattr(torch.optim, name)(groups(params) if groups else params, **kwargs)
        history = []
        for _ in range(steps):
            opt.zero_grad()
            w1, b1, w2, b2 = params
            logp = torch.log_softmax(torch.relu(xt @ w1 + b1) @ w2 + b2, dim=1)
            (-logp[torch.arange(len(y)), yt].mean()).backward()
            opt.step()
            history.append([p.detach().numpy().copy() for p in params])
    finally:
        torch.set_default_dtype(previous)
    return history


def assert_same_trajectory(ours, theirs):
    for step, (a, b) in enumerate(zip(ours, theirs), start=1):
        for i, (pa, pb) in enumerate(zip(a, b)):
            np.testing.assert_allclose(pa, pb, rtol=1e-10, atol=1e-12,
                                       err_msg=f"parameter {i} after step {step}")


@pytest.mark.parametrize("name,kwargs", CASES,
                         ids=[f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}"
                              for n, kw in CASES])
def test_trajectory_matches_torch(name, kwargs):
    ours = run_glassgrad(lambda ps: getattr(optim, name)(ps, **kwargs), STEPS)
    assert_same_trajectory(ours, run_torch(name, kwargs))


@pytest.mark.parametrize("name,kwargs", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("NAdam", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
])
def test_float32_trajectory_matches_torch(name, kwargs):
    """In float32 both libraries round differently (PyTorch fuses multiply-adds), so the
    agreement is to float32 precision, step after step."""
    ours = run_glassgrad(lambda ps: getattr(optim, name)(ps, **kwargs), STEPS,
                         dtype=np.float32)
    theirs = run_torch(name, kwargs, dtype=np.float32)
    assert ours[-1][0].dtype == np.float32
    for a, b in zip(ours, theirs):
        for pa, pb in zip(a, b):
            np.testing.assert_allclose(pa, pb, rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_param_groups_match_torch(name):
    """Per-group hyperparameters override the defaults exactly as in PyTorch."""
    def groups(ps):
        return [{"params": ps[:2], "lr": 0.03, "weight_decay": 0.1},
                {"params": ps[2:]}]
    kwargs = dict(lr=0.01, momentum=0.9) if name != "Adam" else dict(lr=0.01)
    ours = run_glassgrad(lambda ps: getattr(optim, name)(groups(ps), **kwargs), 10)
    assert_same_trajectory(ours, run_torch(name, kwargs, 10, groups))


def test_state_dict_layout_matches_torch():
    """Same keys, indices and hyperparameter names as PyTorch's Adam state dict."""
    ours_params = [ag.tensor(a, requires_grad=True) for a in mlp_data()[0]]
    opt = optim.Adam(ours_params, lr=0.01, amsgrad=True)
    for p in ours_params:
        p.grad = ag.ones_like(p)
    opt.step()
    t_params = [torch.tensor(a, requires_grad=True) for a in mlp_data()[0]]
    t_opt = torch.optim.Adam(t_params, lr=0.01, amsgrad=True)
    for p in t_params:
        p.grad = torch.ones_like(p)
    t_opt.step()
    ours, theirs = opt.state_dict(), t_opt.state_dict()
    assert ours["state"].keys() == theirs["state"].keys()
    for k in theirs["state"]:
        assert ours["state"][k].keys() == theirs["state"][k].keys()
        for key, v in theirs["state"][k].items():
            np.testing.assert_allclose(ours["state"][k][key].numpy(), v.numpy(), rtol=1e-12)
    assert ours["param_groups"][0]["params"] == theirs["param_groups"][0]["params"]
    assert set(ours["param_groups"][0]) <= set(theirs["param_groups"][0])


def test_loads_torch_state_dict_and_continues():
    """A PyTorch Adam state (tensors converted to numpy) resumes the same trajectory here."""
    kwargs = dict(lr=0.01, amsgrad=True)
    full = run_torch("Adam", kwargs, steps=12)
    arrays, x, y = mlp_data()
    t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
    xt, yt = torch.tensor(x), torch.tensor(y)
    t_opt = torch.optim.Adam(t_params, **kwargs)
    for _ in range(6):
        t_opt.zero_grad()
        w1, b1, w2, b2 = t_params
        logp = torch.log_softmax(torch.relu(xt @ w1 + b1) @ w2 + b2, dim=1)
        (-logp[torch.arange(len(y)), yt].mean()).backward()
        t_opt.step()
    sd = t_opt.state_dict()
    converted = {"state": {k: {n: v.numpy() for n, v in s.items()} for k, s in sd["state"].items()},
                 "param_groups": sd["param_groups"]}
    params = [ag.tensor(p.detach().numpy().copy(), requires_grad=True) for p in t_params]
    opt = optim.Adam(params, lr=0.5)
    opt.load_state_dict(converted)
    assert opt.param_groups[0]["lr"] == 0.01
    for step in range(6, 12):
        opt.zero_grad()
        mlp_loss(params, ag.tensor(x), y).backward()
        opt.step()
        for p, ref in zip(params, full[step]):
            np.testing.assert_allclose(p.numpy(), ref, rtol=1e-10, atol=1e-12)



@pytest.mark.parametrize("name,kwargs,schedule", [
    ("SGD", dict(lr=0.1, momentum=0.9), lambda m, o: m.StepLR(o, step_size=5, gamma=0.5)),
    ("Adam", dict(lr=0.02), lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=1e-3)),
    ("RMSprop", dict(lr=0.01, momentum=0.5),
     lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=5),
                                     m.ExponentialLR(o, gamma=0.9)], milestones=[5])),
])
def test_scheduled_training_matches_torch(name, kwargs, schedule):
    """An lr schedule stepped after every optimizer step: the lr changes reach the update
    rule exactly as in PyTorch (e.g. SGD's momentum buffer is not rescaled)."""
    def ours_factory(ps):
        opt = getattr(optim, name)(ps, **kwargs)
        sched = schedule(optim.lr_scheduler, opt)
        original = opt.step

        def step(closure=None):
            loss = original(closure)
            sched.step()
            return loss
        opt.step = step
        return opt

    ours = run_glassgrad(ours_factory, STEPS)
    arrays, x, y = mlp_data()
    params = [torch.tensor(a, requires_grad=True) for a in arrays]
    xt, yt = torch.tensor(x), torch.tensor(y)
    opt = getattr(torch.optim, name)(params, **kwargs)
    sched = schedule(torch.optim.lr_scheduler, opt)
    theirs = []
    for _ in range(STEPS):
        opt.zero_grad()
        w1, b1, w2, b2 = params
        logp = torch.log_softmax(torch.relu(xt @ w1 + b1) @ w2 + b2, dim=1)
        (-logp[torch.arange(len(y)), yt].mean()).backward()
        opt.step()
        sched.step()
        theirs.append([p.detach().numpy().copy() for p in params])
    assert_same_trajectory(ours, theirs)
