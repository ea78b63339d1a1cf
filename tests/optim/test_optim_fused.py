"""fused=True (one pass over flat buffers) trains bit for bit like the per-parameter path."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn, optim

CONFIGS = [
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=1e-2)),
    ("Adam", dict(lr=1e-2, maximize=True)),
    ("AdamW", dict(lr=1e-2)),
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, maximize=True)),
]


def _model(seed):
    gg.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))


def _train(name, kwargs, fused, steps=12, set_to_none=True, dtype=np.float32):
    model = _model(0)
    if dtype == np.float64:
        model = model.double()
    opt = getattr(optim, name)(model.parameters(), fused=fused, **kwargs)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        x = gg.tensor(rng.standard_normal((4, 5)).astype(dtype))
        opt.zero_grad(set_to_none=set_to_none)
        (model(x) ** 2).mean().backward()
        opt.step()
    return model, opt


@pytest.mark.parametrize("name,kwargs", CONFIGS)
@pytest.mark.parametrize("set_to_none", [True, False])
def test_fused_trajectory_is_bitwise_identical(name, kwargs, set_to_none):
    ref, ref_opt = _train(name, kwargs, fused=None, set_to_none=set_to_none)
    got, got_opt = _train(name, kwargs, fused=True, set_to_none=set_to_none)
    for a, b in zip(ref.parameters(), got.parameters()):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a.numpy(), b.numpy())     # exact, not approximate
    sa, sb = ref_opt.state_dict(), got_opt.state_dict()
    assert sa["state"].keys() == sb["state"].keys()
    for k in sa["state"]:
        assert sa["state"][k].keys() == sb["state"][k].keys()
        for key, v in sa["state"][k].items():
            np.testing.assert_array_equal(v.numpy(), sb["state"][k][key].numpy())
            assert v.shape == sb["state"][k][key].shape


def test_fused_parameters_and_grads_are_views_of_one_buffer():
    model, opt = _train("Adam", dict(lr=1e-2), fused=True, steps=2, set_to_none=False)
    params = list(model.parameters())
    bases = {id(p._data.base) for p in params}
    assert len(bases) == 1 and params[0]._data.base is not None
    assert len({id(p.grad._data.base) for p in params}) == 1
    st = opt.state[params[0]]["exp_avg"]._data
    assert st.base is not None and st.base.size == sum(p.numel() for p in params)


def test_fused_float64_and_state_dict_round_trip():
    ref, ref_opt = _train("Adam", dict(lr=1e-2), fused=None, steps=5, dtype=np.float64)
    got, got_opt = _train("Adam", dict(lr=1e-2), fused=True, steps=5, dtype=np.float64)
    # a fresh fused optimizer loading the per-parameter optimizer's state continues alike
    model2 = _model(0).double()
    model2.load_state_dict(ref.state_dict())
    opt2 = optim.Adam(model2.parameters(), lr=1e-2, fused=True)
    opt2.load_state_dict(ref_opt.state_dict())
    x = gg.tensor(np.random.default_rng(5).standard_normal((4, 5)))
    for m, o in ((ref, ref_opt), (model2, opt2), (got, got_opt)):
        o.zero_grad()
        (m(x) ** 2).mean().backward()
        o.step()
    for a, b, c in zip(ref.parameters(), model2.parameters(), got.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        np.testing.assert_array_equal(a.numpy(), c.numpy())


def test_fused_falls_back_when_a_parameter_has_no_gradient():
    def run(fused):
        model = _model(3)
        opt = optim.Adam(model.parameters(), lr=1e-2, fused=fused)
        x = gg.tensor(np.ones((2, 5), np.float32))
        for i in range(4):
            opt.zero_grad()
            (model(x) ** 2).sum().backward()
            if i == 1:
                model[2].bias.grad = None       # this step skips one parameter
            opt.step()
        return [p.numpy().copy() for p in model.parameters()], opt
    ref, _ = run(None)
    got, opt = run(True)
    for a, b in zip(ref, got):
        np.testing.assert_array_equal(a, b)
    steps = {float(st["step"].numpy()) for st in opt.state.values()}
    assert steps == {3.0, 4.0}


def test_fused_is_recorded_in_param_groups():
    p = gg.zeros(3, requires_grad=True)
    assert optim.Adam([p], fused=True).param_groups[0]["fused"] is True
    assert optim.SGD([p]).param_groups[0]["fused"] is None
