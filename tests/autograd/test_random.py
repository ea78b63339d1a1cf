"""Random numbers (issue 12): Generator objects and the global generator, generator= on every
random function, the samplers (multinomial, bernoulli, normal, poisson) and the in-place
fills. Streams differ from PyTorch's, so draws are tested statistically (seeded), for
reproducibility, and for shapes, dtypes and errors against PyTorch."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn

torch = pytest.importorskip("torch")

N = 200_000


def _dt(t):
    return str(t.dtype).replace("torch.", "")


# ----- generators ------------------------------------------------------------------------------


def test_generator_api_matches_torch():
    g, tg = gg.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed() == 67280421310721
    assert g.manual_seed(5) is g and g.initial_seed() == 5
    assert g.device == "cpu" and g.device == gg.device("cpu")
    assert g.manual_seed(-1).initial_seed() == torch.Generator().manual_seed(-1).initial_seed()
    with pytest.raises(RuntimeError):
        torch.Generator().manual_seed(3.7)
    with pytest.raises(RuntimeError):
        g.manual_seed(3.7)
    assert gg.manual_seed(3.7).initial_seed() == torch.manual_seed(3.7).initial_seed() == 3
    with pytest.raises(ValueError):
        g.manual_seed(2 ** 64)
    with pytest.raises(TypeError):
        g.manual_seed("1")
    s = g.seed()
    assert isinstance(s, int) and g.initial_seed() == s
    with pytest.raises(RuntimeError, match="not available"):
        gg.Generator("cuda")


def test_same_seed_same_draws_and_state_round_trip():
    g1, g2 = gg.Generator().manual_seed(7), gg.Generator().manual_seed(7)
    assert np.array_equal(gg.rand(5, generator=g1).numpy(), gg.rand(5, generator=g2).numpy())
    state = g1.get_state()
    assert state.dtype == gg.uint8 and state.ndim == 1
    a = gg.randn(4, generator=g1).numpy()
    g1.set_state(state)
    assert np.array_equal(gg.randn(4, generator=g1).numpy(), a)
    g3 = gg.Generator().set_state(state)       # a state moves to another generator
    assert np.array_equal(gg.randn(4, generator=g3).numpy(), a)
    assert g3.initial_seed() == 7
    with pytest.raises(RuntimeError, match="get_state"):
        g1.set_state(gg.zeros(3))


def test_global_generator_functions():
    assert gg.manual_seed(3) is gg.default_generator and gg.initial_seed() == 3
    a = gg.rand(3).numpy()
    gg.manual_seed(3)
    assert np.array_equal(gg.rand(3).numpy(), a)
    state = gg.get_rng_state()
    b = gg.randn(3).numpy()
    gg.set_rng_state(state)
    assert np.array_equal(gg.randn(3).numpy(), b)
    s = gg.seed()
    assert gg.initial_seed() == s
    rng = gg.autograd.get_rng()     # held references follow a reseed
    gg.manual_seed(11)
    x = rng.random()
    gg.manual_seed(11)
    assert gg.autograd.get_rng().random() == x


RANDOM_CALLS = {
    "rand": lambda g: gg.rand(3, 2, generator=g),
    "randn": lambda g: gg.randn(4, generator=g),
    "randint": lambda g: gg.randint(0, 10, (5,), generator=g),
    "randperm": lambda g: gg.randperm(8, generator=g),
    "rand_like": lambda g: gg.rand_like(gg.zeros(3), generator=g),
    "randn_like": lambda g: gg.randn_like(gg.zeros(3), generator=g),
    "randint_like": lambda g: gg.randint_like(gg.zeros(3), 3, 9, generator=g),
    "multinomial": lambda g: gg.multinomial(gg.tensor([0.2, 0.3, 0.5]), 6, True, generator=g),
    "multinomial_noreplace": lambda g: gg.multinomial(gg.ones(2, 9), 4, generator=g),
    "bernoulli": lambda g: gg.bernoulli(gg.full((6,), 0.5), generator=g),
    "normal": lambda g: gg.normal(gg.zeros(4), gg.ones(4), generator=g),
    "normal_float": lambda g: gg.normal(0.0, 2.0, (4,), generator=g),
    "poisson": lambda g: gg.poisson(gg.full((5,), 3.0), generator=g),
    "uniform_": lambda g: gg.zeros(4).uniform_(-1, 1, generator=g),
    "normal_": lambda g: gg.zeros(4).normal_(generator=g),
    "bernoulli_": lambda g: gg.zeros(6).bernoulli_(0.3, generator=g),
    "exponential_": lambda g: gg.zeros(4).exponential_(generator=g),
    "random_": lambda g: gg.zeros(4).random_(0, 100, generator=g),
    "cauchy_": lambda g: gg.zeros(4).cauchy_(generator=g),
    "log_normal_": lambda g: gg.zeros(4).log_normal_(generator=g),
    "geometric_": lambda g: gg.zeros(4).geometric_(0.3, generator=g),
    "tensor.bernoulli": lambda g: gg.full((6,), 0.5).bernoulli(generator=g),
    "tensor.multinomial": lambda g: gg.ones(5).multinomial(3, generator=g),
    "init.uniform_": lambda g: nn.init.uniform_(gg.zeros(4), generator=g),
    "init.normal_": lambda g: nn.init.normal_(gg.zeros(4), generator=g),
    "init.xavier_uniform_": lambda g: nn.init.xavier_uniform_(gg.zeros(3, 4), generator=g),
    "init.xavier_normal_": lambda g: nn.init.xavier_normal_(gg.zeros(3, 4), generator=g),
    "init.kaiming_uniform_": lambda g: nn.init.kaiming_uniform_(gg.zeros(3, 4), generator=g),
    "init.kaiming_normal_": lambda g: nn.init.kaiming_normal_(gg.zeros(3, 4), generator=g),
    "init.orthogonal_": lambda g: nn.init.orthogonal_(gg.zeros(3, 4), generator=g),
    "init.sparse_": lambda g: nn.init.sparse_(gg.zeros(4, 3), 0.5, generator=g),
}


@pytest.mark.parametrize("name", list(RANDOM_CALLS))
def test_generator_argument_gives_reproducible_draws_independent_of_global(name):
    call = RANDOM_CALLS[name]
    gg.manual_seed(0)
    expected_global = gg.rand(3).numpy()
    gg.manual_seed(0)
    a = call(gg.Generator().manual_seed(42)).numpy().copy()
    assert np.array_equal(gg.rand(3).numpy(), expected_global)     # global stream untouched
    b = call(gg.Generator().manual_seed(42)).numpy()
    assert np.array_equal(a, b)
    g = gg.Generator().manual_seed(42)
    call(g)
    c = call(g).numpy()
    if name not in ("tensor.multinomial",):
        assert not np.array_equal(a, c) or a.size < 4      # the generator advanced
    gg.manual_seed(1)
    d = call(None).numpy().copy()
    gg.manual_seed(1)
    assert np.array_equal(call(None).numpy(), d)            # None: the global generator


def test_bad_generator_argument():
    with pytest.raises(TypeError, match="Generator"):
        gg.rand(2, generator=np.random.default_rng(0))


# ----- factory distributions, shapes and dtypes --------------------------------------------


def test_rand_randn_randint_randperm_distributions_and_dtypes():
    g = gg.Generator().manual_seed(0)
    u = gg.rand(N, generator=g).numpy()
    assert u.dtype == np.float32 and u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    z = gg.randn(N, dtype=gg.float64, generator=g).numpy()
    assert z.dtype == np.float64 and abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    r = gg.randint(-3, 4, (N,), generator=g).numpy()
    assert r.dtype == np.int64 and set(np.unique(r)) == set(range(-3, 4))
    assert gg.randint(5, (2, 3)).shape == (2, 3)
    assert gg.randint(0, 5, (2,), dtype=gg.int32).dtype == gg.int32
    p = gg.randperm(50, generator=g).numpy()
    assert sorted(p) == list(range(50)) and p.dtype == np.int64
    assert gg.randperm(0).shape == (0,) and gg.randperm(5, dtype=gg.int32).dtype == gg.int32
    x = gg.zeros(2, 3, dtype=gg.float64)
    for fn in ["rand_like", "randn_like"]:
        ours = getattr(gg, fn)(x)
        theirs = getattr(torch, fn)(torch.zeros(2, 3, dtype=torch.float64))
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == _dt(theirs)
    ri = gg.randint_like(x, 5)
    assert ri.dtype == gg.float64 and ri.numpy().max() < 5 and ri.numpy().min() >= 0
    ri = gg.randint_like(gg.zeros(N, dtype=gg.int32), 2, 6).numpy()
    assert ri.dtype == np.int32 and set(np.unique(ri)) == {2, 3, 4, 5}


def test_random_factory_errors_match_torch():
    for call in [lambda lib: lib.randint(5, 3, (2,)), lambda lib: lib.rand(2, dtype=lib.int64),
                 lambda lib: lib.randn(2, dtype=lib.int64)]:
        with pytest.raises(Exception) as theirs:
            call(torch)
        with pytest.raises(type(theirs.value)):
            call(gg)
    with pytest.raises(RuntimeError):
        gg.randperm(-1)
    x = gg.rand(3, requires_grad=True)
    assert x.requires_grad and x.is_leaf


# ----- multinomial --------------------------------------------------------------------------


@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_frequencies(replacement):
    g = gg.Generator().manual_seed(1)
    w = np.array([1.0, 0.0, 3.0, 6.0])
    if replacement:
        s = gg.multinomial(gg.tensor(w), N, True, generator=g).numpy()
        freq = np.bincount(s, minlength=4) / N
        np.testing.assert_allclose(freq, w / w.sum(), atol=0.005)
    else:
        first = np.array([gg.multinomial(gg.tensor(w), 1, generator=g).item()
                          for _ in range(4000)])
        freq = np.bincount(first, minlength=4) / 4000
        np.testing.assert_allclose(freq, w / w.sum(), atol=0.03)
        # the second draw excludes the first: P(second = 2 | first = 3) = 3 / 4
        pairs = gg.multinomial(gg.tensor(np.tile(w, (4000, 1))), 2, generator=g).numpy()
        second = pairs[pairs[:, 0] == 3, 1]
        assert abs((second == 2).mean() - 0.75) < 0.04
        assert (pairs[:, 0] != pairs[:, 1]).all()
    assert s.dtype == np.int64 if replacement else True


def test_multinomial_shapes_zero_weights_and_errors_match_torch():
    p = np.array([[0.2, 0.0, 0.8], [0.0, 1.0, 0.0]])
    s = gg.multinomial(gg.tensor(p), 50, replacement=True).numpy()
    assert s.shape == (2, 50) and (s[0] != 1).all() and (s[1] == 1).all()
    s = gg.multinomial(gg.tensor(p[0]), 3).numpy()
    assert sorted(s) == [0, 1, 2] and s[2] == 1             # zero weight comes last
    assert gg.multinomial(gg.ones(0, 3), 2).shape == \
        tuple(torch.multinomial(torch.ones(0, 3), 2).shape)
    bad = [([0.2, 0.0, 0.8], 4, False), ([-1.0, 2.0], 1, True), ([0.0, 0.0], 1, True),
           ([1.0, np.nan], 1, True), ([1.0, np.inf], 1, True), ([1.0, 2.0], 0, True),
           ([[[1.0]]], 1, True), (1.0, 1, True)]
    for probs, n, repl in bad:
        with pytest.raises(RuntimeError) as theirs:
            torch.multinomial(torch.tensor(probs), n, repl)
        with pytest.raises(RuntimeError) as ours:
            gg.multinomial(gg.tensor(probs), n, repl)
        key = str(theirs.value).split("(")[0][:30]
        assert key.lower() in str(ours.value).lower(), (str(ours.value), str(theirs.value))
    with pytest.raises(RuntimeError, match="floating"):
        gg.multinomial(gg.tensor([1, 2]), 1)


# ----- bernoulli, normal, poisson ---------------------------------------------------------------


def test_bernoulli_forms_and_errors():
    g = gg.Generator().manual_seed(2)
    p = gg.tensor(np.linspace(0, 1, 5)[None].repeat(N // 5, 0))
    d = gg.bernoulli(p, generator=g).numpy()
    assert d.dtype == np.float64 and set(np.unique(d)) <= {0.0, 1.0}
    np.testing.assert_allclose(d.mean(axis=0), np.linspace(0, 1, 5), atol=0.01)
    d = gg.bernoulli(gg.zeros(N), 0.3, generator=g).numpy()
    assert d.dtype == np.float32 and abs(d.mean() - 0.3) < 0.01
    d = gg.bernoulli(gg.zeros(N, dtype=gg.float64), p=0.7).numpy()
    assert abs(d.mean() - 0.7) < 0.01
    for lib in (torch, gg):
        with pytest.raises(RuntimeError):
            lib.bernoulli(lib.tensor([0.5, 1.5]))
        with pytest.raises(RuntimeError):
            lib.bernoulli(lib.zeros(3), p=2.0)


def test_normal_forms_shapes_dtypes_and_moments():
    forms = [
        lambda lib: lib.normal(lib.zeros(2, 3), lib.ones(3)),
        lambda lib: lib.normal(lib.zeros(3, dtype=lib.float64), 2.0),
        lambda lib: lib.normal(0.0, lib.ones(4)),
        lambda lib: lib.normal(lib.zeros(3)),
        lambda lib: lib.normal(0.0, 1.0, (2, 2)),
        lambda lib: lib.normal(0.0, 1.0, size=(3,), dtype=lib.float64),
    ]
    for form in forms:
        ours, theirs = form(gg), form(torch)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == _dt(theirs)
    g = gg.Generator().manual_seed(3)
    mean = gg.tensor(np.array([-2.0, 0.0, 5.0]))
    std = gg.tensor(np.array([[0.5], [2.0]]))
    s = np.stack([gg.normal(mean, std, generator=g).numpy() for _ in range(20000)])
    assert s.shape == (20000, 2, 3)
    np.testing.assert_allclose(s.mean(0), np.broadcast_to([-2.0, 0.0, 5.0], (2, 3)), atol=0.05)
    np.testing.assert_allclose(s.std(0), np.broadcast_to([[0.5], [2.0]], (2, 3)), rtol=0.03)
    for call in [lambda lib: lib.normal(lib.zeros(3), -1.0),
                 lambda lib: lib.normal(lib.zeros(2), lib.ones(3)),
                 lambda lib: lib.normal(lib.zeros(3, dtype=lib.int64), 1.0)]:
        with pytest.raises(RuntimeError):
            call(torch)
        with pytest.raises(RuntimeError):
            call(gg)


def test_poisson_moments_dtype_and_errors():
    g = gg.Generator().manual_seed(4)
    rates = gg.tensor(np.array([0.5, 4.0, 30.0]), dtype=gg.float64)
    s = np.stack([gg.poisson(rates, generator=g).numpy() for _ in range(20000)])
    assert s.dtype == np.float64 and (s == np.round(s)).all()
    np.testing.assert_allclose(s.mean(0), [0.5, 4.0, 30.0], rtol=0.03)
    np.testing.assert_allclose(s.var(0), [0.5, 4.0, 30.0], rtol=0.06)
    assert gg.poisson(gg.zeros(3)).dtype == gg.float32
    for lib in (torch, gg):
        with pytest.raises(RuntimeError):
            lib.poisson(lib.tensor([-1.0]))
        with pytest.raises(RuntimeError):
            lib.poisson(lib.tensor([1, 2]))


# ----- in-place fills ----------------------------------------------------------------------------


def test_fills_distributions():
    g = gg.Generator().manual_seed(5)
    x = gg.zeros(N, dtype=gg.float64)
    u = x.uniform_(-2, 4, generator=g).numpy().copy()
    assert u.min() >= -2 and u.max() < 4 and abs(u.mean() - 1) < 0.02
    n = x.normal_(3, 0.5, generator=g).numpy().copy()
    assert abs(n.mean() - 3) < 0.01 and abs(n.std() - 0.5) < 0.01
    e = x.exponential_(2.0, generator=g).numpy().copy()
    assert e.min() >= 0 and abs(e.mean() - 0.5) < 0.01 and abs(e.std() - 0.5) < 0.01
    b = x.bernoulli_(0.25, generator=g).numpy().copy()
    assert set(np.unique(b)) == {0.0, 1.0} and abs(b.mean() - 0.25) < 0.01
    pt = gg.tensor(np.r_[np.zeros(N // 2), np.ones(N // 2)])
    b = x.bernoulli_(pt, generator=g).numpy().copy()
    assert (b == pt.numpy()).all()
    c = x.cauchy_(1.0, 2.0, generator=g).numpy().copy()
    assert abs(np.median(c) - 1.0) < 0.05
    ln = x.log_normal_(0.5, 0.25, generator=g).numpy().copy()
    assert abs(np.log(ln).mean() - 0.5) < 0.01 and abs(np.log(ln).std() - 0.25) < 0.01
    geo = x.geometric_(0.25, generator=g).numpy().copy()
    assert geo.min() == 1 and abs(geo.mean() - 4) < 0.1
    assert x._version == 8


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool",
                                   "int8"])
def test_random_fill_ranges_match_torch(dtype):
    gdt, tdt = getattr(gg, dtype), getattr(torch, dtype)
    x = gg.zeros(20000, dtype=gdt)
    v = x.random_(generator=gg.Generator().manual_seed(6)).numpy().astype(np.float64)
    t = torch.zeros(20000, dtype=tdt).random_().numpy().astype(np.float64)
    assert x.dtype == gdt and v.min() >= 0
    # same range: the maxima agree to within the spread of a 20000-sample maximum
    assert v.max() <= (2 ** 24 if dtype == "float32" else 2 ** 53 if dtype == "float64"
                       else t.max() * 1.01 + 1)
    assert v.max() > t.max() * 0.99 - 1
    v = gg.zeros(20000, dtype=gdt).random_(2 if dtype == "bool" else 7).numpy()
    assert v.min() == 0 and v.max() == (1 if dtype == "bool" else 6)
    if dtype != "bool":
        v = gg.zeros(20000, dtype=gdt).random_(3, 6).numpy()
        assert set(np.unique(v)) == {3, 4, 5}


def test_fill_errors_match_torch():
    calls = [lambda lib: lib.zeros(3, dtype=lib.int64).uniform_(),
             lambda lib: lib.zeros(3).uniform_(2, 1),
             lambda lib: lib.zeros(3).normal_(0, -1),
             lambda lib: lib.zeros(3, dtype=lib.int64).normal_(),
             lambda lib: lib.zeros(3).exponential_(-1),
             lambda lib: lib.zeros(3).bernoulli_(1.5),
             lambda lib: lib.zeros(3).random_(5, 3)]
    for call in calls:
        with pytest.raises(RuntimeError):       # NotImplementedError is a RuntimeError
            call(torch)
        with pytest.raises(RuntimeError):
            call(gg)


def test_fills_refuse_leaves_that_require_grad_and_work_under_no_grad():
    w = gg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.exponential_()
    with gg.no_grad():
        w.bernoulli_(0.5)
        w.random_(0, 3)
    assert w.requires_grad and set(np.unique(w.numpy())) <= {0.0, 1.0, 2.0}


def test_data_loading_takes_a_glassgrad_generator():
    from glassgrad.training.data import DataLoader, TensorDataset, random_split
    ds = TensorDataset(np.arange(20.0)[:, None], np.arange(20))

    def order(seed):
        loader = DataLoader(ds, batch_size=5, shuffle=True,
                            generator=gg.Generator().manual_seed(seed))
        return np.concatenate([yb.numpy() for _, yb in loader])
    assert np.array_equal(order(3), order(3)) and sorted(order(3)) == list(range(20))
    a, b = random_split(ds, [15, 5], generator=gg.Generator().manual_seed(1))
    c, d = random_split(ds, [15, 5], generator=gg.Generator().manual_seed(1))
    assert len(a) == 15 and [a[i][1] for i in range(15)] == [c[i][1] for i in range(15)]
