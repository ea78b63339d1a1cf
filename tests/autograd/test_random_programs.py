"""Random programs against two oracles.

1. A reference backward walk, short enough to read at a glance (a depth-first topological
   sort, then one pass in reverse order, as HIPS autograd does), gives the same leaf
   gradients as the engine's walk on random graphs.
2. Hypothesis-driven random programs (DAGs of ops with broadcasting, 0-d and size-0 dims,
   reused nodes, in-place ops on clones and on views, float32/float64, second order via
   create_graph) give torch's values and gradients.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from glassgrad import autograd as ag
from glassgrad.autograd.engine import Node


# ----- 1. the reference walk ------------------------------------------------------------------

def reference_grads(out, leaves):
    """d(out)/d(leaf) for each leaf, by toposort + reverse walk over the recorded nodes."""
    order, seen, stack = [], set(), [(out.grad_fn, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)                  # after every node it depends on
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            stack.extend((m, False) for m in node.next if isinstance(m, Node))
    grads, leaf_grads = {out.grad_fn: ag.ones_like(out)}, {}
    with ag.no_grad():
        for node in reversed(order):            # every node before the nodes it depends on
            g = grads.pop(node, None)
            if g is None:
                continue
            for i, (m, gi) in enumerate(zip(node.next, node.prim.vjp(node, g))):
                if m is None or gi is None:
                    continue
                if node.shapes is not None:
                    gi = gi.sum_to_size(node.shapes[i])
                into = grads if isinstance(m, Node) else leaf_grads
                into[m] = gi if m not in into else into[m] + gi
    return [leaf_grads.get(x) for x in leaves]


def _random_graph(rng):
    shape = tuple(int(s) for s in rng.integers(1, 4, size=rng.integers(0, 3)))
    leaves = [ag.tensor(rng.standard_normal(shape[k:]), requires_grad=True)
              for k in rng.integers(0, len(shape) + 1, size=3)]
    pool = list(leaves)
    for _ in range(rng.integers(3, 25)):
        a, b = (pool[i] for i in rng.integers(0, len(pool), size=2))
        op = rng.integers(0, 7)
        pool.append([lambda: a + b, lambda: a * b, lambda: a - b.tanh(), lambda: a.sin(),
                     lambda: a / (b * b + 1.5), lambda: a.sigmoid() * a,
                     lambda: (a * 2.0).exp().tanh()][op]())
    out = sum((v * float(rng.standard_normal())).sum() for v in pool[len(leaves):])
    return out, leaves


@pytest.mark.parametrize("seed", range(40))
def test_engine_walk_matches_the_reference_walk(seed):
    out, leaves = _random_graph(np.random.default_rng(seed))
    want = reference_grads(out, leaves)
    got = ag.grad(out, leaves, allow_unused=True)
    for g, w in zip(got, want):
        if w is None:
            assert g is None
        else:
            np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-12, atol=1e-12)


# ----- 2. random programs against torch -------------------------------------------------------

torch = pytest.importorskip("torch")

UNARY = ["tanh", "sin", "sigmoid", "square", "exp_tanh"]
BINARY = ["add", "mul", "sub", "div"]


def _unary(name, a):
    if name == "square":
        return a * a
    if name == "exp_tanh":
        return a.tanh().exp()
    return getattr(a, name)()


def _binary(name, a, b):
    if name == "add":
        return a + b
    if name == "mul":
        return a * b
    if name == "sub":
        return a - b
    return a / (b * b + 1.5)


def _view(kind, t):
    """A view of t that still broadcasts against the program's shape."""
    if kind == "slice" and t.ndim:
        return t[0:1]
    if kind == "unsqueeze_squeeze":
        return t.unsqueeze(0).squeeze(0) if t.ndim else t.unsqueeze(0)[0]
    if kind == "transpose_twice" and t.ndim >= 2:
        return t.transpose(-1, -2).transpose(-1, -2)
    if kind == "reshape":
        return t.reshape(t.shape)[...]
    return t[...]


@st.composite
def programs(draw):
    ndim = draw(st.integers(0, 3))
    shape = tuple(draw(st.lists(st.sampled_from([0, 1, 2, 3]), min_size=ndim,
                                max_size=ndim)))
    leaves = []
    for _ in range(draw(st.integers(1, 3))):
        drop = draw(st.integers(0, ndim))
        sub = [1 if draw(st.booleans()) and draw(st.booleans()) else s for s in shape[drop:]]
        leaves.append(tuple(sub))
    steps = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["unary", "binary", "sum", "inplace", "inplace_view",
                                     "view_then_base", "setitem"]))
        i = draw(st.integers(0, 100))
        j = draw(st.integers(0, 100))
        steps.append((kind, i, j, draw(st.sampled_from(UNARY)), draw(st.sampled_from(BINARY)),
                      draw(st.sampled_from(["slice", "unsqueeze_squeeze", "transpose_twice",
                                            "reshape", "all"])),
                      draw(st.integers(0, 2))))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    second_order = draw(st.booleans())
    seed = draw(st.integers(0, 2 ** 16))
    return shape, leaves, steps, dtype, second_order, seed


def _execute(lib, program):
    shape, leaf_shapes, steps, dtype, second_order, seed = program
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.5, 1.5, s).astype(dtype) for s in leaf_shapes]
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    pool = list(leaves)
    for kind, i, j, uname, bname, vkind, dim in steps:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if kind == "unary":
            pool.append(_unary(uname, a))
        elif kind == "binary":
            pool.append(_binary(bname, a, b))
        elif kind == "sum":
            pool.append(a.sum(dim % a.ndim, keepdim=True) if a.ndim else a.sum())
        elif kind == "inplace":             # in place on a fresh clone, by a broadcast operand
            c = a.clone()
            if c.shape == torch.broadcast_shapes(tuple(c.shape), tuple(b.shape)):
                getattr(c, {"add": "add_", "mul": "mul_", "sub": "sub_",
                            "div": "mul_"}[bname])(b)
            else:
                c.mul_(1.25)
            pool.append(c)
        elif kind == "inplace_view":        # in place on a view of a fresh clone
            c = _binary(bname, a, a)
            v = _view(vkind, c)
            if tuple(v.shape) == torch.broadcast_shapes(tuple(v.shape), tuple(b.shape)):
                v.mul_(b)
            else:
                v.add_(0.5)
            pool.append(c)
            pool.append(v)
        elif kind == "view_then_base":      # a view taken before an in-place op on its base
            c = a * 1.0
            v = _view(vkind, c)
            c.mul_(1.5)
            c.add_(a) if a.shape == c.shape else c.sub_(0.25)
            pool.append(v)
            pool.append(_unary(uname, v))
        elif kind == "setitem":
            c = a * 1.0
            if c.ndim and c.shape[0]:
                c[0] = b.sum() if dim else b.sum() * 2.0
            pool.append(c)
    out = sum(((v * (k + 1.0)).sum() for k, v in enumerate(pool[len(leaves):])),
              leaves[0].sum() * 0.5)
    if second_order:
        grad = torch.autograd.grad if lib is torch else ag.grad
        gs = grad(out, leaves, create_graph=True, allow_unused=True)
        out = sum((g * g).sum() for g in gs if g is not None) + out
    out.backward()
    return (out.detach().numpy().copy(),
            [None if x.grad is None else x.grad.numpy().copy() for x in leaves])


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_match_torch(program):
    want = _execute(torch, program)
    got = _execute(ag, program)
    tol = dict(rtol=2e-4, atol=2e-5) if program[3] == "float32" else dict(rtol=1e-9,
                                                                          atol=1e-10)
    np.testing.assert_allclose(got[0], want[0], **tol)
    for g, w in zip(got[1], want[1]):
        if w is None:
            assert g is None or not g.any()
        else:
            assert g is not None and g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_allclose(g, w, **tol)
