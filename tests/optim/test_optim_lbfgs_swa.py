"""LBFGS (fixed step and strong-Wolfe line search) and swa_utils (AveragedModel, update_bn)
against PyTorch in float64."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import nn, optim
from glassgrad.optim import swa_utils

from optim_testing import mlp_data, mlp_loss

torch = pytest.importorskip("torch")


def quadratic_problem():
    rng = np.random.default_rng(3)
    m = rng.standard_normal((6, 6))
    A = m @ m.T + 0.5 * np.eye(6)              # positive definite, condition number ~ 100
    b = rng.standard_normal(6)
    x0 = rng.standard_normal(6)
    return A, b, x0


def lbfgs_trajectory(lib, loss_of, arrays, steps, **kwargs):
    """Parameters, loss and function-evaluation count after each LBFGS step."""
    if lib == "gg":
        params = [ag.tensor(a.copy(), requires_grad=True) for a in arrays]
        opt = optim.LBFGS(params, **kwargs)
    else:
        params = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
        opt = torch.optim.LBFGS(params, **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_of(lib, params)
        loss.backward()
        return loss

    out = []
    for _ in range(steps):
        loss = opt.step(closure)
        state = opt.state[params[0]]
        out.append((np.concatenate([p.detach().numpy().ravel() for p in params]),
                    float(loss.detach()), state["func_evals"], state["n_iter"]))
    return out


def quadratic_loss(A, b):
    def loss_of(lib, params):
        (x,) = params
        if lib == "gg":
            At, bt = ag.tensor(A), ag.tensor(b)
        else:
            At, bt = torch.tensor(A), torch.tensor(b)
        return 0.5 * (x * (At @ x)).sum() - (bt * x).sum()
    return loss_of


def mlp_loss_of(x, y):
    def loss_of(lib, params):
        if lib == "gg":
            return mlp_loss(params, ag.tensor(x), y)
        return mlp_loss(params, torch.tensor(x), torch.tensor(y))
    return loss_of


def assert_same_trajectory(ours, theirs):
    assert len(ours) == len(theirs)
    for (p1, l1, e1, n1), (p2, l2, e2, n2) in zip(ours, theirs):
        np.testing.assert_allclose(p1, p2, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(l1, l2, rtol=1e-10, atol=1e-15)
        assert (e1, n1) == (e2, n2)


LBFGS_CONFIGS = [
    dict(),
    dict(line_search_fn="strong_wolfe"),
    dict(lr=0.5, max_iter=4, history_size=3),
    dict(max_iter=5, history_size=2, line_search_fn="strong_wolfe"),
    dict(lr=0.8, max_iter=7, max_eval=9, tolerance_grad=1e-5, tolerance_change=1e-6),
]


@pytest.mark.parametrize("kwargs", LBFGS_CONFIGS, ids=range(len(LBFGS_CONFIGS)))
def test_lbfgs_on_a_quadratic_follows_torch(kwargs):
    A, b, x0 = quadratic_problem()
    loss_of = quadratic_loss(A, b)
    ours = lbfgs_trajectory("gg", loss_of, [x0], 3, **kwargs)
    theirs = lbfgs_trajectory("torch", loss_of, [x0], 3, **kwargs)
    assert_same_trajectory(ours, theirs)
    if kwargs.get("line_search_fn") and kwargs.get("max_iter", 20) >= 6:
        np.testing.assert_allclose(ours[-1][0], np.linalg.solve(A, b), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kwargs", LBFGS_CONFIGS, ids=range(len(LBFGS_CONFIGS)))
def test_lbfgs_on_a_small_mlp_follows_torch(kwargs):
    arrays, x, y = mlp_data(seed=1)
    loss_of = mlp_loss_of(x, y)
    ours = lbfgs_trajectory("gg", loss_of, arrays, 4, **kwargs)
    theirs = lbfgs_trajectory("torch", loss_of, arrays, 4, **kwargs)
    assert_same_trajectory(ours, theirs)
    assert ours[-1][1] < ours[0][1]


def test_lbfgs_state_and_errors():
    A, b, x0 = quadratic_problem()
    x = ag.tensor(x0.copy(), requires_grad=True)
    opt = optim.LBFGS([x], max_iter=3)
    with pytest.raises(TypeError, match="needs a closure"):
        opt.step()

    def closure():
        opt.zero_grad()
        loss = quadratic_loss(A, b)("gg", [x])
        loss.backward()
        return loss

    opt.step(closure)
    state = opt.state_dict()["state"][0]
    assert {"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
            "prev_flat_grad", "prev_loss"} <= set(state)
    x2 = ag.tensor(x.numpy().copy(), requires_grad=True)
    opt2 = optim.LBFGS([x2], max_iter=3)
    opt2.load_state_dict(opt.state_dict())
    x_before = x.numpy().copy()
    opt.step(closure)

    def closure2():
        opt2.zero_grad()
        loss = quadratic_loss(A, b)("gg", [x2])
        loss.backward()
        return loss

    opt2.step(closure2)
    np.testing.assert_allclose(x2.numpy(), x.numpy(), rtol=1e-12)
    assert not np.array_equal(x.numpy(), x_before)
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [x]}, {"params": [x2]}])
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([x], line_search_fn="armijo")


# ----- swa_utils ----------------------------------------------------------------------------

def twin_models():
    """The same small net (Linear, BatchNorm1d, ReLU, Linear) in glassgrad and PyTorch."""
    ag.manual_seed(0)
    ours = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Linear(6, 2))
    ours.double()
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6),
                                 torch.nn.ReLU(), torch.nn.Linear(6, 2)).double()
    with torch.no_grad():
        for name, t in theirs.state_dict().items():
            t.copy_(torch.from_numpy(np.array(ours.state_dict()[name].numpy())))
    return ours, theirs


def train_and_average(lib, model, make_avg, steps=6):
    rng = np.random.default_rng(7)
    if lib == "gg":
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        avg = make_avg(swa_utils, model)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        avg = make_avg(torch.optim.swa_utils, model)
    for _ in range(steps):
        x = rng.standard_normal((8, 4))
        target = rng.standard_normal((8, 2))
        if lib == "gg":
            loss = ((model(ag.tensor(x)) - ag.tensor(target)) ** 2).mean()
        else:
            loss = ((model(torch.tensor(x)) - torch.tensor(target)) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        avg.update_parameters(model)
    return avg


AVERAGES = [
    ("swa", lambda m, model: m.AveragedModel(model)),
    ("swa-buffers", lambda m, model: m.AveragedModel(model, use_buffers=True)),
    ("ema-multi", lambda m, model: m.AveragedModel(
        model, multi_avg_fn=m.get_ema_multi_avg_fn(0.9))),
    ("ema-avg_fn", lambda m, model: m.AveragedModel(model, avg_fn=m.get_ema_avg_fn(0.8))),
    ("swa-multi", lambda m, model: m.AveragedModel(model, multi_avg_fn=m.get_swa_multi_avg_fn())),
    ("custom", lambda m, model: m.AveragedModel(
        model, avg_fn=lambda a, c, n: 0.5 * a + 0.5 * c, use_buffers=True)),
]


@pytest.mark.parametrize("name,make_avg", AVERAGES, ids=[a[0] for a in AVERAGES])
def test_averaged_model_matches_torch(name, make_avg):
    ours_model, theirs_model = twin_models()
    ours = train_and_average("gg", ours_model, make_avg)
    theirs = train_and_average("torch", theirs_model, make_avg)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)
    for key in theirs_sd:
        np.testing.assert_allclose(np.asarray(ours_sd[key].numpy(), dtype=np.float64),
                                   theirs_sd[key].numpy().astype(np.float64),
                                   rtol=1e-12, atol=1e-14, err_msg=key)
    x = np.random.default_rng(1).standard_normal((5, 4))
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(ag.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_update_bn_matches_torch():
    ours_model, theirs_model = twin_models()
    rng = np.random.default_rng(2)
    batches = [rng.standard_normal((8, 4)) * 3 + 1 for _ in range(4)]
    ours_model.eval()
    theirs_model.eval()
    swa_utils.update_bn([(ag.tensor(b), None) for b in batches], ours_model)
    torch.optim.swa_utils.update_bn([(torch.tensor(b), None) for b in batches], theirs_model)
    assert not ours_model.training
    bn, tbn = ours_model[1], theirs_model[1]
    assert bn.momentum == tbn.momentum == 0.1
    np.testing.assert_allclose(bn.running_mean.numpy(), tbn.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), tbn.running_var.numpy(), rtol=1e-12)
    assert int(bn.num_batches_tracked.item()) == int(tbn.num_batches_tracked.item()) == 4


def test_averaged_model_errors_and_attributes():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(),
                                multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    avg = swa_utils.AveragedModel(model)
    assert avg.module is not model and avg.module.weight is not model.weight
    assert int(avg.n_averaged.item()) == 0 and avg.n_averaged.dtype == np.int64
    avg.update_parameters(model)
    np.testing.assert_array_equal(avg.module.weight.numpy(), model.weight.numpy())
    assert int(avg.n_averaged.item()) == 1
