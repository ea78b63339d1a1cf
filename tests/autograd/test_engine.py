"""The backward walk: deep graphs, fan-out, accumulation, retain_graph, freeing, no cycles,
hooks, retain_grad, backward(gradient=...), ag.grad, grad_fn introspection."""
import gc
import os
import weakref

import numpy as np
import pytest

from glassgrad import autograd as ag


def test_million_node_chain_backward_without_recursion_error():
    """A (1,) tensor through N negations: the iterative toposort must not recurse. The 1e6
    case runs by default (about 6 s on one core); GLASSGRAD_CHAIN_N overrides N."""
    n = int(os.environ.get("GLASSGRAD_CHAIN_N", 1_000_000))
    x = ag.tensor([1.5], requires_grad=True)
    gc.disable()      # the graph is acyclic (tested below); spare the run 3e6 objects' scans
    try:
        y = x
        for _ in range(n):
            y = -y
        y.sum().backward()
        assert x.grad.numpy().tolist() == [(-1.0) ** n]
        del y      # freeing a deep chain by refcounting must not overflow the C stack either
    finally:
        gc.enable()


def test_backward_runs_each_rule_once_so_work_is_linear_in_depth():
    """Linear time in depth, checked without a clock (timing lives in benchmarks/): the walk
    runs every node's rule exactly once, and each leaf is accumulated once."""
    from glassgrad.autograd.engine import run_backward
    n = 5_000
    x = ag.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(n):
        y = y * 1.0
    steps = []
    run_backward([y.sum()], None, retain_graph=False, create_graph=False,
                 observer=lambda node, g, grads: steps.append(node))
    assert len(steps) == n + 2                      # n muls, the sum, the leaf
    assert len({id(s) for s in steps}) == n + 2
    assert steps[-1] is x and x.grad.item() == 1.0


def test_node_used_many_times_gets_the_sum():
    x = ag.tensor([2.0, -1.0], requires_grad=True)
    y = x * 3.0
    z = y + y * y + y.exp() + y          # y used four times
    z.sum().backward()
    yv = 3.0 * x.numpy()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 * (1 + 2 * yv + np.exp(yv) + 1), rtol=1e-6)


def test_diamond_graph_visits_each_node_once():
    x = ag.tensor(1.0, dtype=ag.float64, requires_grad=True)
    calls = []
    a = x * 2.0
    a.register_hook(lambda g: calls.append(g.item()))
    b, c = a.sin(), a.cos()
    (b * c).backward()
    assert len(calls) == 1
    np.testing.assert_allclose(x.grad.item(), 2.0 * np.cos(4.0), rtol=1e-12)


def test_leaf_grads_accumulate_across_calls():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() + 3.0)
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_grad_is_a_fresh_tensor_not_an_alias_of_an_upstream_gradient():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    seed = ag.tensor([1.0, 1.0])
    (x + 0.0).backward(seed)
    x.grad.numpy()[:] = 7
    assert seed.numpy().tolist() == [1.0, 1.0]


def test_create_graph_grads_are_not_shared_between_leaves_or_with_the_caller():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    (a + b).sum().backward(create_graph=True)        # add passes one gradient to both
    assert a.grad is not b.grad
    (a * 1.0).sum().backward()                        # accumulates into a.grad only
    assert a.grad.tolist() == [2.0] and b.grad.tolist() == [1.0]
    v = ag.tensor([5.0])
    x = ag.tensor([1.0], requires_grad=True)
    (x + 0.0).backward(v, create_graph=True)
    (x * 1.0).sum().backward()
    assert v.tolist() == [5.0] and x.grad.tolist() == [6.0]


def test_retain_graph_allows_a_second_backward():
    x = ag.tensor([0.5], dtype=ag.float64, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * (np.exp(0.5) * 1.5))


def test_second_backward_through_freed_graph_raises_clearly():
    x = ag.tensor([0.5], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"backward through the graph a second time.*"
                                           r"retain_graph=True"):
        y.backward()


def test_saved_output_freed_after_backward_names_op():
    x = ag.tensor([0.5], requires_grad=True)
    y = x.tanh()
    y.sum().backward()
    with pytest.raises(RuntimeError, match="op 'tanh'"):
        y.sum().backward()


# ----- no reference cycles -------------------------------------------------------------------


def _graph(x):
    h = (x @ ag.tensor(np.ones((3, 4)))).tanh()
    return (h.sigmoid() * h.exp()).sqrt().relu().sum()


def test_graph_is_freed_by_refcounting_alone():
    x = ag.randn(2, 3, requires_grad=True)
    gc.disable()
    try:
        y = _graph(x)
        refs = [weakref.ref(y.grad_fn)]
        n = y.grad_fn
        while n.next and n.next[0].__class__.__name__ == "Node":
            n = n.next[0]
            refs.append(weakref.ref(n))
        del n
        assert len(refs) >= 6
        del y
        assert all(r() is None for r in refs), "the graph outlived its last tensor"
        y = _graph(x)
        y.backward()
        r = weakref.ref(y.grad_fn)
        del y
        assert r() is None
    finally:
        gc.enable()


def test_create_graph_gradients_free_the_graph_too():
    x = ag.randn(3, dtype=ag.float64, requires_grad=True)
    gc.disable()
    try:
        y = (x.exp() * x.tanh()).sum()
        (g,) = ag.grad(y, x, create_graph=True)
        r = weakref.ref(g.grad_fn)
        del y, g
        assert r() is None
    finally:
        gc.enable()


def test_training_loop_creates_no_cyclic_garbage():
    w = ag.randn(3, 4, requires_grad=True)
    b = ag.zeros(4, requires_grad=True)
    data = ag.randn(8, 3)
    target = ag.randn(8, 4)

    def step():
        h = (data @ w + b).tanh()
        loss = ((h.softmax(-1) - target) ** 2).mean() + h.sigmoid().sum() * 1e-3
        loss.backward()
        with ag.no_grad():
            w.sub_(w.grad * 0.1)
            b.sub_(b.grad * 0.1)
        w.grad = b.grad = None

    step()
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(5):
            step()
        assert gc.collect() == 0
        assert not [o for o in gc.garbage if isinstance(o, ag.Tensor)
                    or type(o).__name__ == "Node"]
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()


# ----- hooks, retain_grad, gradient=, ag.grad ------------------------------------------------


def test_leaf_hook_modifies_grad_and_can_be_removed():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 2)
    (x * 3.0).sum().backward()
    assert x.grad.numpy().tolist() == [6.0, 6.0]
    assert seen[0].tolist() == [3.0, 3.0]
    h.remove()
    x.grad = None
    (x * 3.0).sum().backward()
    assert x.grad.numpy().tolist() == [3.0, 3.0]
    h.remove()      # removing twice is harmless


def test_hook_on_intermediate_changes_what_flows_upstream():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 10 * 2 * y.numpy() * 2)


def test_hook_returning_none_keeps_gradient():
    x = ag.tensor([1.0], requires_grad=True)
    x.register_hook(lambda g: None)
    (x * 5.0).sum().backward()
    assert x.grad.item() == 5.0


def test_hook_as_context_manager_handle():
    x = ag.tensor([1.0], requires_grad=True)
    with x.register_hook(lambda g: g * 0):
        (x * 5.0).sum().backward()
    assert x.grad.item() == 0.0
    (x * 5.0).sum().backward()
    assert x.grad.item() == 5.0


def test_retain_grad_keeps_intermediate_gradients():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    z = y * 3.0
    z.sum().backward()
    assert y.retains_grad
    assert y.grad.numpy().tolist() == [3.0, 3.0]
    w = x * 1.0
    (w.sum() * 2).backward()
    assert w.grad is None          # not retained
    x.retain_grad()                # a no-op on leaves
    assert not x.retains_grad


def test_retained_grad_accumulates_with_retain_graph():
    x = ag.tensor([1.0], requires_grad=True)
    y = x * 2.0
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(y.grad.numpy(), [8.0])


def test_backward_with_gradient_argument():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).backward(gradient=ag.tensor([1.0, 0.0, -1.0]))
    assert x.grad.numpy().tolist() == [2.0, 0.0, -6.0]
    x.grad = None
    (x * 2.0).backward(np.array([1.0, 1.0, 2.0], dtype=np.float32))
    assert x.grad.numpy().tolist() == [2.0, 2.0, 4.0]


def test_backward_from_several_roots_sums():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = y * y
    ag.backward([y.sum(), z.sum()])
    np.testing.assert_allclose(x.grad.numpy(), 2.0 + 8.0 * x.numpy())


def test_backward_with_inputs_only_fills_those():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0], requires_grad=True)
    ga, gb = ag.grad((a * b).sum(), [a, b])
    assert ga.numpy().tolist() == [3.0, 3.0] and gb.numpy().tolist() == [3.0]
    assert a.grad is None and b.grad is None
    (only,) = ag.grad((a * a).sum(), a)
    assert only.numpy().tolist() == [2.0, 4.0]


def test_grad_allow_unused_and_materialize():
    a = ag.tensor([1.0], requires_grad=True)
    unused = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(2,\)\) was not used.*allow_unused"):
        ag.grad((a * 2.0).sum(), [a, unused])
    ga, gu = ag.grad((a * 2.0).sum(), [a, unused], allow_unused=True)
    assert ga.item() == 2.0 and gu is None
    _, gz = ag.grad((a * 2.0).sum(), [a, unused], materialize_grads=True)
    assert gz.numpy().tolist() == [0.0, 0.0]


def test_grad_with_respect_to_intermediate():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    z = (y * y).sum()
    (gy,) = ag.grad(z, y)
    np.testing.assert_allclose(gy.numpy(), 2 * y.numpy())


def test_grad_outputs_and_create_graph():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    y = x ** 3
    (g,) = ag.grad(y, x, grad_outputs=ag.tensor([1.0, 1.0], dtype=ag.float64),
                   create_graph=True)
    assert g.requires_grad
    (gg,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.numpy())


def test_grad_fn_introspection():
    x = ag.tensor([1.0], requires_grad=True)
    w = ag.tensor([2.0], requires_grad=True)
    y = (x * w).exp()
    assert y.grad_fn.name() == "ExpBackward0"
    (mul_node, _), = y.grad_fn.next_functions
    assert mul_node.name() == "MulBackward0"
    leaves = [f.variable for f, _ in mul_node.next_functions]
    assert leaves[0] is x and leaves[1] is w
    assert mul_node.next_functions[0][0].name() == "AccumulateGrad"
    assert x.is_leaf and not y.is_leaf and x.grad_fn is None
    assert "grad_fn=<ExpBackward0>" in repr(y)
    c = ag.tensor([1.0])
    (node_c, _), (node_x, _) = (c * x).grad_fn.next_functions
    assert node_c is None and node_x.variable is x


def test_gradient_flows_only_to_inputs_that_require_it():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    c = ag.tensor([5.0, 6.0])
    (x * c).sum().backward()
    assert c.grad is None and not c.requires_grad


def test_requires_grad_setter_and_requires_grad_():
    p = ag.zeros(2)
    p.requires_grad = True
    assert p.requires_grad and p.is_leaf
    q = ag.zeros(2).requires_grad_()
    assert q.requires_grad
    y = p * 2.0
    with pytest.raises(RuntimeError, match="only be changed on leaf"):
        y.requires_grad = False


def test_a_backward_call_inside_a_hook_leaves_the_outer_walk_intact():
    """A hook that differentiates through the same graph starts a walk inside the running
    one; the outer walk's counts of shared nodes must survive it."""
    x = ag.tensor([1.5, -2.0], dtype=ag.float64, requires_grad=True)
    y = x * x                       # y feeds a and b: the outer walk waits for both
    a, b = y * 3.0, y * 4.0
    inner_loss, inner = (b * b).sum(), []
    a.register_hook(lambda g: inner.append(ag.grad(inner_loss, x, retain_graph=True)[0]))
    (a + b).sum().backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), 14.0 * x.numpy())          # d(7 x^2)/dx
    np.testing.assert_allclose(inner[0].numpy(), 64.0 * x.numpy() ** 3)    # d(16 x^4)/dx
