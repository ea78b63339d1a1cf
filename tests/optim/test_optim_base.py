"""The Optimizer machinery: construction errors, parameter groups, zero_grad, closures,
in-place updates outside the graph, skipped parameters, dtypes, and state_dict round trips."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import optim
from optim_testing import mlp_data, mlp_loss, run_glassgrad

ALL = [optim.SGD, optim.Adam, optim.AdamW, optim.NAdam, optim.Adagrad, optim.RMSprop,
       optim.Adadelta]
# An option-rich configuration of each optimizer, so that every kind of state is exercised.
RICH = [
    (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.2)),
    (optim.Adam, dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    (optim.AdamW, dict(lr=0.01, amsgrad=True)),
    (optim.NAdam, dict(lr=0.01, weight_decay=0.01, decoupled_weight_decay=True)),
    (optim.Adagrad, dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)),
    (optim.RMSprop, dict(lr=0.01, momentum=0.5, centered=True)),
    (optim.Adadelta, dict(lr=0.5, weight_decay=0.01)),
]
RICH_IDS = [f"{cls.__name__}-{i}" for i, (cls, _) in enumerate(RICH)]


def param(*shape, dtype=ag.float64):
    return ag.randn(*shape, dtype=dtype, requires_grad=True)


# ----- construction errors ------------------------------------------------------------------

@pytest.mark.parametrize("cls", ALL)
def test_negative_lr_rejected(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: invalid lr = -0.1"):
        cls([param(2)], lr=-0.1)


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW, optim.NAdam])
@pytest.mark.parametrize("betas,which", [((1.0, 0.999), "beta1"), ((-0.1, 0.999), "beta1"),
                                         ((0.9, 1.0), "beta2"), ((0.9, 1.5), "beta2")])
def test_betas_outside_unit_interval_rejected(cls, betas, which):
    with pytest.raises(ValueError, match=rf"invalid {which} = .*expected 0 <= {which} < 1"):
        cls([param(2)], betas=betas)


@pytest.mark.parametrize("cls,kwargs,message", [
    (optim.Adam, dict(eps=-1e-8), "invalid eps"),
    (optim.Adam, dict(betas=(0.9,)), "betas must be a pair"),
    (optim.SGD, dict(momentum=-0.5), "invalid momentum"),
    (optim.SGD, dict(weight_decay=-1.0), "invalid weight_decay"),
    (optim.SGD, dict(nesterov=True), "Nesterov momentum requires momentum > 0"),
    (optim.SGD, dict(momentum=0.9, dampening=0.1, nesterov=True), "and dampening = 0"),
    (optim.Adagrad, dict(lr_decay=-0.1), "invalid lr_decay"),
    (optim.Adagrad, dict(initial_accumulator_value=-1.0), "invalid initial_accumulator"),
    (optim.RMSprop, dict(alpha=-0.1), "invalid alpha"),
    (optim.RMSprop, dict(eps=-1.0), "invalid eps"),
    (optim.Adadelta, dict(rho=1.5), "invalid rho"),
    (optim.NAdam, dict(momentum_decay=-1.0), "invalid momentum_decay"),
    (optim.SGD, dict(lr="fast"), "lr must be a number"),
])
def test_bad_hyperparameters_rejected(cls, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        cls([param(2)], **kwargs)


def test_bad_parameter_lists_rejected():
    p, q = param(2), param(3)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [q, p]}], lr=0.1)
    with pytest.raises(ValueError, match="same parameter twice"):
        optim.SGD([p, q, p], lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 of the group is a ndarray"):
        optim.SGD([p, np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        optim.Adam(p)
    with pytest.raises(TypeError, match="ordered collection"):
        optim.Adam({p, q})
    with pytest.raises(ValueError, match="non-leaf Tensor"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="floating point"):
        optim.SGD([ag.tensor([1, 2])], lr=0.1)


def test_group_hyperparameters_are_validated_too():
    opt = optim.SGD([param(2)], lr=0.1)
    with pytest.raises(ValueError, match="invalid lr = -1"):
        opt.add_param_group({"params": [param(2)], "lr": -1})
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": opt.param_groups[0]["params"]})
    assert len(opt.param_groups) == 1


def test_params_that_do_not_require_grad_are_accepted_and_skipped():
    """As in PyTorch: a frozen parameter may sit in an optimizer; it never gets a grad."""
    frozen = ag.randn(3, dtype=ag.float64)
    before = frozen.numpy().copy()
    opt = optim.Adam([frozen, param(2)], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(frozen.numpy(), before)


# ----- groups, zero_grad, closure -----------------------------------------------------------

def test_param_groups_fill_defaults_and_use_their_own_lr():
    p, q = param(3), param(3)
    opt = optim.SGD([{"params": [p], "lr": 0.5}, {"params": q}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.5 and opt.param_groups[1]["lr"] == 0.1
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is q
    assert opt.param_groups[0]["nesterov"] is False
    p0, q0 = p.numpy().copy(), q.numpy().copy()
    p.grad, q.grad = ag.ones(3, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
    opt.step()
    np.testing.assert_allclose(p.numpy(), p0 - 0.5)
    np.testing.assert_allclose(q.numpy(), q0 - 0.1)


def test_add_param_group_trains_the_new_group():
    p, q = param(2), param(2)
    opt = optim.Adam([p], lr=0.1)
    opt.add_param_group({"params": [q], "lr": 0.01})
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    q0 = q.numpy().copy()
    q.grad = ag.ones(2, dtype=ag.float64)
    opt.step()
    np.testing.assert_allclose(q.numpy(), q0 - 0.01, rtol=1e-6)    # Adam's first step: lr*sign


def test_zero_grad():
    p = param(3)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad()
    assert p.grad is None
    (p * p).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad.numpy(), np.zeros(3))


def test_closure_runs_with_grad_enabled_and_returns_loss():
    p = param(3)
    opt = optim.SGD([p], lr=0.1)
    start = p.numpy().copy()

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert loss.item() == pytest.approx(float((start ** 2).sum()))
    np.testing.assert_allclose(p.numpy(), start * (1 - 0.2))


# ----- in-place updates outside the graph ---------------------------------------------------

@pytest.mark.parametrize("cls,kwargs", RICH, ids=RICH_IDS)
def test_updates_record_no_graph_and_bump_versions(cls, kwargs):
    params = [param(4, 3), param(3)]
    opt = cls(params, **kwargs)
    for step in range(1, 4):
        out = (params[0] @ params[1]).sum()          # saves both parameters
        out.backward(retain_graph=True)
        versions = [p._version for p in params]
        opt.step()
        for p, v in zip(params, versions):
            assert p.grad_fn is None and p.is_leaf and p.requires_grad
            assert p._version == v + 1
        with pytest.raises(RuntimeError, match="modified by an in-place operation"):
            out.backward()
        opt.zero_grad()


@pytest.mark.parametrize("cls,kwargs", RICH, ids=RICH_IDS)
def test_parameters_without_grad_are_skipped(cls, kwargs):
    used, unused = param(3), param(2)
    before, version = unused.numpy().copy(), unused._version
    opt = cls([used, unused], **kwargs)
    for _ in range(3):
        opt.zero_grad()
        (used * used).sum().backward()
        opt.step()
    np.testing.assert_array_equal(unused.numpy(), before)
    assert unused._version == version
    if cls is not optim.Adagrad:         # Adagrad creates its state up front, like PyTorch
        assert unused not in opt.state
    assert list(opt.state_dict()["param_groups"][0]["params"]) == [0, 1]


@pytest.mark.parametrize("cls,kwargs", RICH, ids=RICH_IDS)
def test_float32_parameters_stay_float32(cls, kwargs):
    ps = [param(5, 4, dtype=ag.float32), param(4, dtype=ag.float32)]
    opt = cls(ps, **kwargs)
    for _ in range(3):
        opt.zero_grad()
        ((ps[0] @ ps[1]) ** 2).sum().backward()
        opt.step()
    for p in ps:
        assert p.dtype == ag.float32
        for key, value in opt.state[p].items():
            if key not in ("step", "mu_product"):
                assert value.dtype == ag.float32, key


def test_update_keeps_parameter_memory():
    """In place: numpy() views taken before a step see the new values."""
    p = param(3)
    view = p.numpy()
    opt = optim.SGD([p], lr=0.1)
    p.grad = ag.ones(3, dtype=ag.float64)
    expected = view - 0.1
    opt.step()
    assert p.numpy() is view
    np.testing.assert_allclose(view, expected)


# ----- state_dict -----------------------------------------------------------------------------

def _train(params, opt, steps, x, y):
    for _ in range(steps):
        opt.zero_grad()
        mlp_loss(params, x, y).backward()
        opt.step()


@pytest.mark.parametrize("via_file", [False, True], ids=["dict", "safetensors"])
@pytest.mark.parametrize("cls,kwargs", RICH, ids=RICH_IDS)
def test_state_dict_round_trip_resumes_exact_trajectory(cls, kwargs, via_file, tmp_path):
    full = run_glassgrad(lambda ps: cls(ps, **kwargs), 20)
    arrays, x, y = mlp_data()
    x = ag.tensor(x)
    params = [ag.tensor(a, requires_grad=True) for a in arrays]
    opt = cls(params, **kwargs)
    _train(params, opt, 10, x, y)
    state = opt.state_dict()
    if via_file:
        path = tmp_path / "opt.safetensors"
        ag.save(state, path)
        state = ag.load(path)
    resumed = [ag.tensor(p.numpy().copy(), requires_grad=True) for p in params]
    fresh = cls(resumed, lr=123.0)          # hyperparameters come from the state dict
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]["lr"] == kwargs["lr"]
    _train(resumed, fresh, 10, x, y)
    for p, ref in zip(resumed, full[-1]):
        np.testing.assert_array_equal(p.numpy(), ref)


def test_state_dict_layout():
    p, q, r = param(2), param(3), param(4)
    opt = optim.SGD([{"params": [p, q]}, {"params": [r], "lr": 0.5}], lr=0.1, momentum=0.9)
    for t in (p, r):
        t.grad = ag.ones(*t.shape, dtype=ag.float64)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0, 1]
    assert sd["param_groups"][1]["params"] == [2]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert set(sd["state"]) == {0, 2}                 # q never had a gradient
    np.testing.assert_array_equal(sd["state"][2]["momentum_buffer"].numpy(), np.ones(4))


def test_loaded_state_is_copied():
    p = param(3)
    opt = optim.Adam([p], lr=0.1)
    p.grad = ag.ones(3, dtype=ag.float64)
    opt.step()
    sd = opt.state_dict()
    saved = sd["state"][0]["exp_avg"].numpy().copy()
    q = ag.tensor(p.numpy().copy(), requires_grad=True)
    other = optim.Adam([q], lr=0.1)
    other.load_state_dict(sd)
    q.grad = ag.ones(3, dtype=ag.float64)
    other.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].numpy(), saved)


def test_load_state_dict_validates_groups_and_shapes():
    p, q = param(2), param(3)
    sd = optim.Adam([p, q], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="has 1 parameter groups, this optimizer has 2"):
        optim.Adam([{"params": [p]}, {"params": [q]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="group 0 of the loaded state dict has 2 parameters"):
        optim.Adam([p]).load_state_dict(sd)
    opt = optim.Adam([p, q], lr=0.1)
    p.grad, q.grad = ag.ones(2, dtype=ag.float64), ag.ones(3, dtype=ag.float64)
    opt.step()
    with pytest.raises(ValueError, match=r"state 'exp_avg' has shape \(2,\) but its parameter "
                                         r"has shape \(3,\)"):
        optim.Adam([q, p]).load_state_dict(opt.state_dict())
    with pytest.raises(ValueError, match="expected a dict with 'state' and 'param_groups'"):
        optim.Adam([p]).load_state_dict({"lr": 0.1})


def test_repr_lists_groups():
    text = repr(optim.SGD([param(2)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text
