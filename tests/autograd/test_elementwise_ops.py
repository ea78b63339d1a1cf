"""Elementwise math of issue 12 (autograd/elementwise.py and the "elementwise math"
primitives): values, dtypes and errors against PyTorch, special values (nan, inf, -0.0, ties,
0-d, size 0), and first- and second-order gradchecks in float64 on safe domains."""
import warnings

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag

torch = pytest.importorskip("torch")

RNG_SEED = 0


def _draw(shape, lo, hi, seed=RNG_SEED):
    return np.random.default_rng(seed).uniform(lo, hi, shape)


def _t(a):
    return torch.from_numpy(np.array(a, copy=True))


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t.numpy()


def _same(ours, theirs, rtol=1e-6, atol=1e-7):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(_np(ours).astype(np.float64), _np(theirs).astype(np.float64),
                               rtol=rtol, atol=atol, equal_nan=True)


def _quiet_gradchecks(fn, xs, second=True):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.gradcheck(fn, xs)
        if second:
            assert ag.gradgradcheck(fn, xs)


# name, domain for values and gradients, smooth (gradgradcheck), torch name (if different)
UNARY = [
    ("log2", (0.2, 3.0), True), ("log10", (0.2, 3.0), True), ("exp2", (-2.0, 2.0), True),
    ("tan", (-1.2, 1.2), True), ("asin", (-0.9, 0.9), True), ("acos", (-0.9, 0.9), True),
    ("atan", (-3.0, 3.0), True), ("sinh", (-2.0, 2.0), True), ("cosh", (-2.0, 2.0), True),
    ("asinh", (-3.0, 3.0), True), ("acosh", (1.2, 3.0), True), ("atanh", (-0.9, 0.9), True),
    ("erfc", (-2.0, 2.0), True), ("erfinv", (-0.9, 0.9), True), ("lgamma", (0.3, 4.0), True),
    ("digamma", (0.3, 4.0), True), ("reciprocal", (0.5, 2.0), True),
    ("frac", (-2.9, -2.1), True), ("logit", (0.1, 0.9), True),
    ("floor", (-2.9, -2.1), True), ("ceil", (0.1, 0.9), True), ("trunc", (-2.9, -2.1), True),
    ("round", (1.1, 1.4), True), ("sign", (-2.0, -0.5), True), ("sgn", (0.5, 2.0), True),
    ("nan_to_num", (-2.0, 2.0), True), ("positive", (-2.0, 2.0), True),
    ("arcsin", (-0.9, 0.9), True), ("arctanh", (-0.9, 0.9), True), ("fix", (-2.9, -2.1), True),
]
UNARY_NAMES = [u[0] for u in UNARY]
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5,
                    1e-30, 3.0, -3.0, 1e300, 0.9999, -1.0001, 100.0])


@pytest.mark.parametrize("name,domain,smooth", UNARY, ids=UNARY_NAMES)
def test_unary_values_match_torch(name, domain, smooth):
    for shape in [(3, 4), (), (0, 3)]:
        a = _draw(shape, *domain)
        _same(getattr(gg, name)(gg.tensor(a)), getattr(torch, name)(_t(a)))
        _same(getattr(gg.tensor(a), name)(), getattr(_t(a), name)())


@pytest.mark.parametrize("name", UNARY_NAMES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_unary_special_values_match_torch(name, dtype):
    with np.errstate(over="ignore"):
        a = SPECIAL.astype(dtype)
    with np.errstate(all="ignore"):
        ours = getattr(gg, name)(gg.tensor(a))
    _same(ours, getattr(torch, name)(_t(a)), rtol=2e-6 if dtype == "float64" else 1e-5,
          atol=1e-6)


@pytest.mark.parametrize("name", UNARY_NAMES)
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "float32", "float64"])
def test_unary_dtypes_and_errors_match_torch(name, dtype):
    a = np.array([0, 1, 3, 2, 1]).astype(dtype)
    try:
        theirs = getattr(torch, name)(_t(a))
    except Exception as e:      # PyTorch refuses this dtype: so must we, with the same type
        with pytest.raises(type(e)):
            getattr(gg, name)(gg.tensor(a))
        return
    with np.errstate(all="ignore"):
        ours = getattr(gg, name)(gg.tensor(a))
    _same(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,domain,smooth", UNARY, ids=UNARY_NAMES)
def test_unary_gradients(name, domain, smooth):
    a = _draw((2, 3), *domain, seed=1)
    x = gg.tensor(a, requires_grad=True)
    _quiet_gradchecks(getattr(gg, name), [x], second=smooth)
    # gradients equal PyTorch's
    xt = _t(a).requires_grad_(True)
    out = getattr(torch, name)(xt)
    if name == "positive":
        return          # returns its input itself, in both libraries
    g, = ag.grad(getattr(gg, name)(x).sum(), [x])
    gt, = torch.autograd.grad(out.sum(), [xt], allow_unused=True)
    np.testing.assert_allclose(g.numpy(), np.zeros_like(a) if gt is None else
                               gt.numpy(force=True), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round", "sign", "sgn", "fix"])
def test_piecewise_constant_ops_require_grad_with_zero_gradient(name):
    x = gg.tensor([1.5, -2.5, 0.0, np.nan], requires_grad=True)
    out = getattr(gg, name)(x)
    assert out.requires_grad and out.grad_fn is not None        # as torch: sign() requires grad
    assert torch.tensor([1.5], requires_grad=True).sign().requires_grad
    (out * gg.tensor([1.0, 2.0, np.inf, np.nan])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(4))   # exact zeros, even for nan/inf


def test_round_decimals_matches_torch():
    a = np.array([0.5, 1.5, 2.5, -0.5, 1.2345, 125.0, 135.0, -1.005, np.nan, np.inf])
    for d in [0, 1, 2, 3, -1, -2]:
        for dt in ["float64", "float32"]:
            _same(gg.round(gg.tensor(a.astype(dt)), decimals=d),
                  torch.round(_t(a.astype(dt)), decimals=d), rtol=1e-6)
    with pytest.raises(NotImplementedError):
        gg.round(gg.tensor([1, 2]), decimals=1)


def test_logit_eps_and_nan_to_num_options_match_torch():
    a = np.array([0.0, 1e-8, 0.3, 1.0, 1.2, -0.1])
    for eps in [None, 1e-6, 0.2]:
        _same(gg.logit(gg.tensor(a), eps=eps), torch.logit(_t(a), eps=eps))
    x = gg.tensor(a, requires_grad=True)
    xt = _t(a).requires_grad_(True)
    gg.logit(x, eps=0.2).sum().backward()
    torch.logit(xt, eps=0.2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy())
    b = np.array([np.nan, np.inf, -np.inf, 1.5])
    for kw in [{}, dict(nan=2.0), dict(posinf=9.0, neginf=-9.0)]:
        for dt in ["float32", "float64"]:
            _same(gg.nan_to_num(gg.tensor(b.astype(dt)), **kw),
                  torch.nan_to_num(_t(b.astype(dt)), **kw))
    x = gg.tensor(b, requires_grad=True)
    gg.nan_to_num(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0, 0.0, 1.0])


def test_polygamma_values_and_higher_order_gradients():
    a = _draw((5,), 0.5, 3.0)
    for n in range(4):
        _same(gg.polygamma(n, gg.tensor(a)), torch.polygamma(n, _t(a)), rtol=1e-6)
        _same(gg.tensor(a).polygamma(n), _t(a).polygamma(n), rtol=1e-6)
    _quiet_gradchecks(lambda t: gg.polygamma(1, t), [gg.tensor(a, requires_grad=True)])
    _quiet_gradchecks(gg.lgamma, [gg.tensor(a, requires_grad=True)])
    with pytest.raises(RuntimeError, match="polygamma"):
        gg.polygamma(-1, gg.tensor(a))


# ----- binary ------------------------------------------------------------------------------

# name, domain of a, domain of b, differentiable in b
BINARY = [
    ("atan2", (-2.0, 2.0), (0.5, 2.0)), ("arctan2", (-2.0, 2.0), (-2.0, -0.5)),
    ("hypot", (0.5, 2.0), (-2.0, -0.5)), ("fmod", (-5.0, 5.0), (1.1, 1.9)),
    ("remainder", (-5.0, 5.0), (1.1, 1.9)), ("logaddexp", (-3.0, 3.0), (-3.0, 3.0)),
    ("logaddexp2", (-3.0, 3.0), (-3.0, 3.0)), ("copysign", (0.5, 2.0), (-2.0, 2.0)),
    ("xlogy", (0.5, 2.0), (0.5, 2.0)), ("float_power", (0.5, 2.0), (-1.5, 1.5)),
    ("floor_divide", (-5.0, 5.0), (1.1, 1.9)), ("rsub", (-2.0, 2.0), (-2.0, 2.0)),
]
BINARY_NAMES = [b[0] for b in BINARY]


@pytest.mark.parametrize("name,da,db", BINARY, ids=BINARY_NAMES)
def test_binary_values_broadcast_and_scalars_match_torch(name, da, db):
    for sa, sb in [((3, 4), (3, 4)), ((3, 1), (4,)), ((), (2, 3)), ((0, 3), (3,))]:
        a, b = _draw(sa, *da), _draw(sb, *db, seed=5)
        _same(getattr(gg, name)(gg.tensor(a), gg.tensor(b)), getattr(torch, name)(_t(a), _t(b)))
        if name != "rsub":      # torch has no Tensor.rsub
            _same(getattr(gg.tensor(a), name)(gg.tensor(b)), getattr(_t(a), name)(_t(b)))
    a = _draw((3,), *da).astype(np.float32)
    scalar = float(np.mean(db))
    # a Python number as `other` (PyTorch refuses one for atan2, hypot and logaddexp; we take
    # it like any binary op does: it does not widen the tensor's dtype)
    ours = getattr(gg, name)(gg.tensor(a), scalar)
    _same(ours, getattr(torch, name)(_t(a), torch.tensor(scalar)), rtol=1e-5)


@pytest.mark.parametrize("name", BINARY_NAMES)
def test_binary_special_values_match_torch(name):
    a, b = np.meshgrid(SPECIAL[:14], SPECIAL[:14])
    with np.errstate(all="ignore"):
        ours = getattr(gg, name)(gg.tensor(a), gg.tensor(b))
    _same(ours, getattr(torch, name)(_t(a), _t(b)), rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("name", BINARY_NAMES)
@pytest.mark.parametrize("da,db", [("int64", "int64"), ("int32", "int64"), ("bool", "bool"),
                                   ("int64", "float32"), ("float32", "float64"),
                                   ("int32", "int"), ("int64", "float"), ("float32", "int")])
def test_binary_dtypes_and_errors_match_torch(name, da, db):
    a = np.array([5, -3, 4, 1, 7]).astype(da)
    b = {"int": 2, "float": 2.5}.get(db)
    if b is None:
        b = np.array([2, 3, -2, 1, 4]).astype(db)

    def call(lib, conv):
        return getattr(lib, name)(conv(a), b if not isinstance(b, np.ndarray) else conv(b))
    def torch_call():
        try:
            return call(torch, _t)
        except TypeError as e:
            if "must be Tensor" not in str(e):
                raise
            # PyTorch refuses a Python number here (atan2, hypot, logaddexp); we accept it
            # as a 0-d tensor of the scalar's category
            return getattr(torch, name)(_t(a), torch.tensor(b))
    try:
        theirs = torch_call()
    except Exception as e:
        with pytest.raises(type(e)):
            call(gg, gg.tensor)
        return
    with np.errstate(all="ignore"):
        _same(call(gg, gg.tensor), theirs, rtol=1e-6)


@pytest.mark.parametrize("name,da,db", BINARY, ids=BINARY_NAMES)
def test_binary_gradients(name, da, db):
    a, b = _draw((2, 3), *da, seed=2), _draw((3,), *db, seed=3)
    xs = [gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True)]
    _quiet_gradchecks(getattr(gg, name), xs)
    ts = [_t(a).requires_grad_(True), _t(b).requires_grad_(True)]
    ours = ag.grad(getattr(gg, name)(*xs).sum(), xs)
    if name == "floor_divide":      # torch raises at backward; we give zeros
        for g in ours:
            np.testing.assert_array_equal(g.numpy(), 0.0)
        return
    theirs = torch.autograd.grad(getattr(torch, name)(*ts).sum(), ts, allow_unused=True)
    for g, gt in zip(ours, theirs):
        np.testing.assert_allclose(g.numpy(), 0.0 if gt is None else gt.numpy(), rtol=1e-6,
                                   atol=1e-12)


def test_integer_division_by_zero_raises_like_torch():
    a, b = gg.tensor([5, -3]), gg.tensor([0, 1])
    for fn in [lambda: gg.fmod(a, 0), lambda: gg.remainder(a, b), lambda: a // 0,
               lambda: gg.div(a, b, rounding_mode="trunc"), lambda: a % b]:
        with pytest.raises(RuntimeError, match="ZeroDivisionError"):
            fn()
    _same(gg.tensor([5.0, -5.0, 0.0]) // 0.0, torch.tensor([5.0, -5.0, 0.0]) // 0.0)


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
def test_div_rounding_modes_match_torch(mode):
    a = np.array([[7.0, -7.0, 7.5, -7.5, 0.0, np.inf, np.nan, -0.0]])
    b = np.array([[2.0], [-2.0], [0.0], [3.0]])
    with np.errstate(all="ignore"):
        _same(gg.div(gg.tensor(a), gg.tensor(b), rounding_mode=mode),
              torch.div(_t(a), _t(b), rounding_mode=mode))
    ai, bi = np.array([7, -7, 6, -6, 0]), np.array([2, 2, -4, 4, 3])
    _same(gg.tensor(ai).div(gg.tensor(bi), rounding_mode=mode),
          _t(ai).div(_t(bi), rounding_mode=mode))
    _same(gg.div(gg.tensor(ai.astype(np.int32)), 2, rounding_mode=mode),
          torch.div(_t(ai.astype(np.int32)), 2, rounding_mode=mode))
    x = gg.tensor(a[0, :4], requires_grad=True)
    out = gg.div(x, 2.0, rounding_mode=mode)
    out.sum().backward()
    expected = 0.5 if mode is None else 0.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    with pytest.raises(ValueError, match="rounding_mode"):
        gg.div(x, 2.0, rounding_mode="round")


def test_operators_floordiv_mod_and_reflected_forms_match_torch():
    a = np.array([7.5, -7.5, 3.0, -0.5])
    for lhs, rhs in [(a, 2.0), (2.0, a), (a, -a + 10)]:
        conv = lambda lib, v: v if isinstance(v, float) else (gg.tensor(v) if lib is gg else _t(v))
        _same(conv(gg, lhs) // conv(gg, rhs), conv(torch, lhs) // conv(torch, rhs))
        _same(conv(gg, lhs) % conv(gg, rhs), conv(torch, lhs) % conv(torch, rhs))
    i = np.array([7, -7, 3], dtype=np.int32)
    _same(gg.tensor(i) // 2, _t(i) // 2)
    _same(10 % gg.tensor(i), 10 % _t(i))
    _same(9 // gg.tensor(i), 9 // _t(i))
    x = gg.tensor(i)
    x //= 2
    x %= 3
    y = _t(i)
    y //= 2
    y %= 3
    _same(x, y)


def test_add_sub_alpha_and_rsub_match_torch():
    a, b = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.25, -1.0])
    _same(gg.add(gg.tensor(a), gg.tensor(b), alpha=2.5), torch.add(_t(a), _t(b), alpha=2.5))
    _same(gg.sub(gg.tensor(a), gg.tensor(b), alpha=-3), torch.sub(_t(a), _t(b), alpha=-3))
    _same(gg.tensor(a).add(2.0, alpha=2), _t(a).add(2.0, alpha=2))
    _same(gg.rsub(gg.tensor(a), gg.tensor(b), alpha=2), torch.rsub(_t(a), _t(b), alpha=2))
    _same(gg.rsub(gg.tensor(a), 1), torch.rsub(_t(a), 1))
    i = np.array([1, 2, 3])
    _same(gg.add(gg.tensor(i), gg.tensor(i), alpha=2), torch.add(_t(i), _t(i), alpha=2))
    with pytest.raises(RuntimeError, match="alpha"):
        gg.add(gg.tensor(i), gg.tensor(i), alpha=0.5)
    with pytest.raises(RuntimeError, match="bool"):
        gg.sub(gg.tensor([True]), gg.tensor([True]))
    xs = [gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True)]
    _quiet_gradchecks(lambda p, q: gg.sub(p, q, alpha=2.5), xs)
    _quiet_gradchecks(lambda p, q: gg.add(p, q, alpha=-0.5), xs)


@pytest.mark.parametrize("name", ["lerp", "addcmul", "addcdiv"])
def test_ternary_ops_match_torch(name):
    a, b = _draw((2, 3), -2, 2, seed=7), _draw((3,), -2, 2, seed=8)
    c = _draw((2, 1), 0.2, 0.9, seed=9)
    kw = {} if name == "lerp" else {"value": 0.7}
    _same(getattr(gg, name)(gg.tensor(a), gg.tensor(b), gg.tensor(c), **kw),
          getattr(torch, name)(_t(a), _t(b), _t(c), **kw))
    xs = [gg.tensor(v, requires_grad=True) for v in (a, b, c)]
    _quiet_gradchecks(lambda *v: getattr(gg, name)(*v, **kw), xs)
    ts = [_t(v).requires_grad_(True) for v in (a, b, c)]
    ours = ag.grad(getattr(gg, name)(*xs, **kw).sum(), xs)
    theirs = torch.autograd.grad(getattr(torch, name)(*ts, **kw).sum(), ts)
    for g, gt in zip(ours, theirs):
        np.testing.assert_allclose(g.numpy(), gt.numpy(), rtol=1e-6, atol=1e-12)


def test_lerp_scalar_weights_and_errors_match_torch():
    a, b = np.array([1.0, -2.0, 1e8]), np.array([3.0, 5.0, -1e8])
    for w in [0.0, 0.25, 0.5, 0.75, 1.0, -1.0, 2.0]:
        for dt in ["float32", "float64"]:
            _same(gg.lerp(gg.tensor(a.astype(dt)), gg.tensor(b.astype(dt)), w),
                  torch.lerp(_t(a.astype(dt)), _t(b.astype(dt)), w), rtol=1e-6)
    with pytest.raises(RuntimeError, match="dtype"):
        gg.lerp(gg.tensor(a), gg.tensor(b.astype(np.float32)), 0.5)
    with pytest.raises(NotImplementedError):
        gg.lerp(gg.tensor([1, 2]), gg.tensor([1, 2]), 0.5)
    xs = [gg.tensor(a[:2], requires_grad=True), gg.tensor(b[:2], requires_grad=True)]
    _quiet_gradchecks(lambda p, q: gg.lerp(p, q, 0.75), xs)
    with pytest.raises(RuntimeError, match="addcdiv"):
        gg.addcdiv(gg.tensor([1]), gg.tensor([1]), gg.tensor([2]))


def test_xlogy_zero_handling_matches_torch():
    x = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 0.0])
    y = np.array([0.0, np.nan, 2.0, 0.0, np.inf, np.inf])
    _same(gg.xlogy(gg.tensor(x), gg.tensor(y)), torch.xlogy(_t(x), _t(y)))
    _same(gg.xlogy(0.0, gg.tensor(y)), torch.xlogy(0.0, _t(y)))
    _same(gg.xlogy(gg.tensor(x), 3.0), torch.xlogy(_t(x), 3.0))
    xs = [gg.tensor(x, requires_grad=True), gg.tensor(np.abs(y), requires_grad=True)]
    ts = [_t(x).requires_grad_(True), _t(np.abs(y)).requires_grad_(True)]
    with np.errstate(all="ignore"):
        ours = ag.grad(gg.xlogy(*xs).sum(), xs)
    theirs = torch.autograd.grad(torch.xlogy(*ts).sum(), ts)
    for g, gt in zip(ours, theirs):     # d/dx = ln y even at x = 0; 0 where x = 0, y <= 0
        np.testing.assert_array_equal(g.numpy(), gt.numpy())


def test_copysign_gradient_at_zero_matches_torch():
    a = np.array([0.0, -0.0, 1.5, -2.0])
    b = np.array([-1.0, 1.0, -0.0, 3.0])
    x, xt = gg.tensor(a, requires_grad=True), _t(a).requires_grad_(True)
    gg.copysign(x, gg.tensor(b)).sum().backward()
    torch.copysign(xt, _t(b)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())


# ----- predicates, logical and bitwise --------------------------------------------------------


def test_predicates_match_torch():
    a = SPECIAL
    for name in ["isnan", "isinf", "isfinite", "isposinf", "isneginf", "signbit"]:
        _same(getattr(gg, name)(gg.tensor(a)), getattr(torch, name)(_t(a)))
        _same(getattr(gg.tensor(a), name)(), getattr(_t(a), name)())
    i = np.array([-2, 0, 3])
    _same(gg.signbit(gg.tensor(i)), torch.signbit(_t(i)))
    b = a[::-1].copy()
    for kw in [{}, dict(equal_nan=True), dict(rtol=0.5, atol=1.0)]:
        _same(gg.isclose(gg.tensor(a), gg.tensor(b), **kw), torch.isclose(_t(a), _t(b), **kw))
    _same(gg.isclose(gg.tensor(a), gg.tensor(a), equal_nan=True),
          torch.isclose(_t(a), _t(a), equal_nan=True))


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
def test_logical_ops_match_torch(name):
    a = np.array([0.0, 1.5, np.nan, -0.0, 2.0])
    b = np.array([[0], [3], [-1]])
    _same(getattr(gg, name)(gg.tensor(a), gg.tensor(b)), getattr(torch, name)(_t(a), _t(b)))
    _same(getattr(gg.tensor(a), name)(gg.tensor(b)), getattr(_t(a), name)(_t(b)))
    _same(gg.logical_not(gg.tensor(a)), torch.logical_not(_t(a)))


@pytest.mark.parametrize("name,op", [("bitwise_and", "__and__"), ("bitwise_or", "__or__"),
                                     ("bitwise_xor", "__xor__")])
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "int8", "bool", "float32"])
def test_bitwise_ops_and_operators_keep_torch_dtypes(name, op, dtype):
    a = np.array([5, 0, 3, 1, 12]).astype(dtype)
    b = np.array([3, 1, 1, 0, 10]).astype(dtype)
    for other_np, other_gg, other_t in [(b, gg.tensor(b), _t(b)), (None, 6, 6), (None, True, True)]:
        try:
            theirs = getattr(torch, name)(_t(a), other_t)
        except Exception as e:
            with pytest.raises(type(e)):
                getattr(gg, name)(gg.tensor(a), other_gg)
            with pytest.raises(type(e)):
                getattr(gg.tensor(a), op)(other_gg)
            continue
        _same(getattr(gg, name)(gg.tensor(a), other_gg), theirs)
        _same(getattr(gg.tensor(a), op)(other_gg), getattr(_t(a), op)(other_t))
        reflected = "__r" + op[2:]
        _same(getattr(gg.tensor(a), reflected)(other_gg), getattr(_t(a), reflected)(other_t))
    if dtype == "float32":
        with pytest.raises(NotImplementedError):
            gg.bitwise_not(gg.tensor(a))
        with pytest.raises(TypeError):
            ~gg.tensor(a)
    else:
        _same(gg.bitwise_not(gg.tensor(a)), torch.bitwise_not(_t(a)))
        _same(~gg.tensor(a), ~_t(a))


def test_int32_and_python_int_stays_int32():
    x = gg.tensor([6, 3], dtype=gg.int32)
    assert (x & 1).dtype == gg.int32 and (1 | x).dtype == gg.int32 and (x ^ 2).dtype == gg.int32
    y = gg.tensor([6, 3], dtype=gg.int32)
    y &= 2
    y |= 1
    y ^= 4
    z = torch.tensor([6, 3], dtype=torch.int32)
    z &= 2
    z |= 1
    z ^= 4
    _same(y, z)


# ----- in-place forms -------------------------------------------------------------------------


@pytest.mark.parametrize("name,args", [
    ("floor_", ()), ("ceil_", ()), ("round_", ()), ("trunc_", ()), ("frac_", ()),
    ("reciprocal_", ()), ("log2_", ()), ("exp2_", ()), ("tan_", ()), ("atan_", ()),
    ("sinh_", ()), ("erfc_", ()), ("lgamma_", ()), ("digamma_", ()), ("sign_", ()),
    ("clamp_min_", (1.0,)), ("clamp_max_", (1.0,)), ("fmod_", (0.7,)), ("remainder_", (0.7,)),
    ("atan2_", (None,)), ("hypot_", (None,)), ("copysign_", (-1.0,)), ("xlogy_", (3.0,)),
    ("lerp_", (None, 0.3)), ("addcmul_", (None, None)), ("addcdiv_", (None, None)),
    ("logit_", ()), ("nan_to_num_", ()), ("exp_", ()), ("sqrt_", ()), ("abs_", ()),
    ("neg_", ()), ("sigmoid_", ()), ("pow_", (2.0,)),
])
def test_inplace_forms_match_torch(name, args):
    a = _draw((2, 3), 0.2, 0.8, seed=4)
    other = _draw((2, 3), 0.5, 1.5, seed=6)
    ours, theirs = gg.tensor(a), _t(a)
    ga = [gg.tensor(other) if v is None else v for v in args]
    ta = [_t(other) if v is None else v for v in args]
    out = getattr(ours, name)(*ga)
    assert out is ours and ours._version == 1
    getattr(theirs, name)(*ta)
    _same(ours, theirs, rtol=1e-6)


def test_inplace_result_dtype_must_fit():
    x = gg.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="log2_"):
        x.log2_()
    x.floor_()
    x.bitwise_and_(1)
    _same(x, torch.tensor([1, 0, 1]))


def test_inplace_op_in_graph_is_differentiable():
    w = gg.tensor([0.3, 0.6], requires_grad=True)
    y = w * 2.0
    y.atan_()
    y.sum().backward()
    wt = torch.tensor([0.3, 0.6], dtype=torch.float32, requires_grad=True)
    yt = wt * 2.0
    yt.atan_()
    yt.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="leaf"):
        w.floor_()


# ----- softmax dtype=, clamp_min/max, misc ------------------------------------------------


def test_softmax_and_log_softmax_dtype_argument():
    a = _draw((2, 5), -3, 3).astype(np.float32)
    for fn in ["softmax", "log_softmax"]:
        ours = getattr(gg, fn)(gg.tensor(a), 1, dtype=gg.float64)
        theirs = getattr(torch, fn)(_t(a), 1, dtype=torch.float64)
        _same(ours, theirs, rtol=1e-12)
        _same(getattr(gg.tensor(a), fn)(-1, dtype=gg.float64),
              getattr(_t(a), fn)(-1, dtype=torch.float64), rtol=1e-12)
        x = gg.tensor(a, requires_grad=True)
        g, = ag.grad(getattr(gg, fn)(x, 1, dtype=gg.float64)[:, 0].sum(), [x])
        assert g.dtype == gg.float32
    from glassgrad.nn import functional as F
    _same(F.softmax(gg.tensor(a), dim=1, dtype=gg.float64),
          torch.nn.functional.softmax(_t(a), dim=1, dtype=torch.float64), rtol=1e-12)
    _same(F.log_softmax(gg.tensor(a), dim=0, dtype=gg.float64),
          torch.nn.functional.log_softmax(_t(a), dim=0, dtype=torch.float64), rtol=1e-12)
    i = np.array([[1, 2, 3]])
    _same(gg.softmax(gg.tensor(i), 1, dtype=gg.float64), torch.softmax(_t(i), 1,
                                                                      dtype=torch.float64))


def test_clamp_min_max_match_torch():
    a = np.array([-2.0, 0.5, 3.0, np.nan])
    _same(gg.clamp_min(gg.tensor(a), 0.0), torch.clamp_min(_t(a), 0.0))
    _same(gg.tensor(a).clamp_max(1.0), _t(a).clamp_max(1.0))
    i = np.array([5, -3])
    _same(gg.clamp_min(gg.tensor(i), 0.5), torch.clamp_min(_t(i), 0.5))
    _same(gg.clamp_max(gg.tensor(i), gg.tensor([1, 1])),
          torch.clamp_max(_t(i), _t(np.array([1, 1]))))


def test_positive_returns_input_and_refuses_bool():
    x = gg.tensor([1.0, -2.0])
    assert gg.positive(x) is x
    with pytest.raises(RuntimeError, match="bool"):
        gg.positive(gg.tensor([True]))


def test_frac_of_infinity_and_negative_matches_torch():
    a = np.array([np.inf, -np.inf, -1.5, 2.25, -0.0])
    _same(gg.frac(gg.tensor(a)), torch.frac(_t(a)))


def test_every_new_op_is_a_function_and_a_method_with_a_docstring():
    for name in UNARY_NAMES + BINARY_NAMES + [
            "lerp", "addcmul", "addcdiv", "isclose", "isposinf", "isneginf", "logical_and",
            "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
            "bitwise_not", "signbit", "clamp_min", "clamp_max", "polygamma"]:
        fn = getattr(gg, name)
        assert fn.__doc__ and len(fn.__doc__) > 30, name
        assert hasattr(gg.Tensor, name), name


@pytest.mark.parametrize("name", UNARY_NAMES + BINARY_NAMES)
def test_float32_stays_float32_through_first_and_second_derivatives(name):
    domains = dict((u[0], (u[1],)) for u in UNARY)
    domains.update((b[0], (b[1], b[2])) for b in BINARY)
    xs = [gg.tensor(_draw((2, 3), *d, seed=i).astype(np.float32), requires_grad=True)
          for i, d in enumerate(domains[name])]
    fn = getattr(gg, name)
    out = fn(*xs)
    if name == "float_power":
        assert out.dtype == gg.float64      # computed in float64, as torch
    else:
        assert out.dtype == gg.float32
    grads = ag.grad((out * out).sum(), xs, create_graph=True)
    assert all(g.dtype == gg.float32 and g.shape == x.shape for g, x in zip(grads, xs))
    total = sum((g * g).sum() for g in grads)
    for g, x in zip(ag.grad(total, xs, allow_unused=True), xs):
        assert g is None or (g.dtype == gg.float32 and g.shape == x.shape)


@pytest.mark.parametrize("name", ["deg2rad", "rad2deg", "sinc", "absolute"])
def test_small_compositions_match_torch(name):
    a = np.array([0.0, -0.0, 0.5, -1.5, 2.0, 180.0, np.nan, np.inf])
    with np.errstate(all="ignore"):
        _same(getattr(gg, name)(gg.tensor(a)), getattr(torch, name)(_t(a)), rtol=1e-12)
    i = np.array([0, 1, -2])
    _same(getattr(gg, name)(gg.tensor(i)), getattr(torch, name)(_t(i)))
    b = np.array([0.0, 0.3, -0.7, 1.2])
    x, xt = gg.tensor(b, requires_grad=True), _t(b).requires_grad_(True)
    getattr(gg, name)(x).sum().backward()
    getattr(torch, name)(xt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-15)
    if name != "absolute":
        _quiet_gradchecks(getattr(gg, name), [gg.tensor(b[1:], requires_grad=True)])


def test_torch_alias_names_exist_as_methods_and_functions():
    a, b = np.array([1.0, -2.0, 3.0]), np.array([2.0, -2.0, 1.0])
    for name in ["greater", "greater_equal", "less", "less_equal", "not_equal", "multiply",
                 "subtract", "divide", "true_divide"]:
        _same(getattr(gg.tensor(a), name)(gg.tensor(b)), getattr(_t(a), name)(_t(b)))
        _same(getattr(gg, name)(gg.tensor(a), gg.tensor(b)), getattr(torch, name)(_t(a), _t(b)))
    for name in ["negative", "absolute", "logical_not"]:
        _same(getattr(gg.tensor(a), name)(), getattr(_t(a), name)())
        x, xt = gg.tensor(a), _t(a)
        getattr(x, name + "_")()
        getattr(xt, name + "_")()
        _same(x, xt)
    x, xt = gg.tensor(a), _t(a)
    x.clip_(-1.0, 1.0)
    xt.clip_(-1.0, 1.0)
    _same(x, xt)


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_gradients_at_special_values_match_torch(name):
    a = SPECIAL[:-3]
    if name == "digamma":       # polygamma(1, x) at the poles: inf here, PyTorch a huge number
        a = a[~((a <= 0) & (a == np.round(a)) | np.isneginf(a))]
    x, xt = gg.tensor(a, requires_grad=True), _t(a).requires_grad_(True)
    with np.errstate(all="ignore"):
        getattr(gg, name)(x).sum().backward()
    getattr(torch, name)(xt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(force=True), rtol=1e-6,
                               equal_nan=True)


@pytest.mark.parametrize("name", [n for n in BINARY_NAMES if n not in ("floor_divide",)])
def test_binary_gradients_at_special_values_match_torch(name):
    a, b = np.meshgrid(SPECIAL[:12], SPECIAL[:12])
    xs = [gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True)]
    ts = [_t(a).requires_grad_(True), _t(b).requires_grad_(True)]
    with np.errstate(all="ignore"):
        ours = ag.grad(getattr(gg, name)(*xs).sum(), xs)
    theirs = torch.autograd.grad(getattr(torch, name)(*ts).sum(), ts)
    for g, gt in zip(ours, theirs):
        np.testing.assert_allclose(g.numpy(), gt.numpy(force=True), rtol=1e-6, equal_nan=True)
