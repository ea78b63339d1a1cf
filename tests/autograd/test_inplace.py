"""In-place ops: version counters, errors at backward naming the op, leaf protection, and
history rebasing (`t += x`, `t[idx] = v`, add_/mul_ on non-leaves give the right gradient)."""
import numpy as np
import pytest

from glassgrad import autograd as ag


def test_inplace_ops_bump_the_version_shared_with_views():
    t = ag.zeros(4)
    v = t[1:3]
    d = t.detach()
    assert t._version == 0
    t.add_(1.0)
    t.mul_(2.0)
    t[0] = 5.0
    assert t._version == 3 and v._version == 3 and d._version == 3
    assert t.numpy().tolist() == [5.0, 2.0, 2.0, 2.0]
    assert v.numpy().tolist() == [2.0, 2.0]


@pytest.mark.parametrize("op, expected", [
    (lambda t: t.add_(2.0), [3.0, 4.0]),
    (lambda t: t.add_(ag.tensor([1.0, 1.0]), alpha=2), [3.0, 4.0]),
    (lambda t: t.sub_(1.0), [0.0, 1.0]),
    (lambda t: t.mul_(3.0), [3.0, 6.0]),
    (lambda t: t.div_(2.0), [0.5, 1.0]),
    (lambda t: t.zero_(), [0.0, 0.0]),
    (lambda t: t.fill_(7.0), [7.0, 7.0]),
    (lambda t: t.copy_(ag.tensor([9.0, 8.0])), [9.0, 8.0]),
    (lambda t: t.copy_(ag.tensor(4.0)), [4.0, 4.0]),
    (lambda t: t.clamp_(1.5, 1.8), [1.5, 1.8]),
])
def test_inplace_values(op, expected):
    t = ag.tensor([1.0, 2.0])
    assert op(t) is t
    assert t.numpy().tolist() == pytest.approx(expected)
    assert t.dtype == ag.float32 and t._version == 1


def test_uniform_and_normal_follow_manual_seed():
    a, b = ag.empty(5), ag.empty(5)
    ag.manual_seed(3)
    a.uniform_(-1, 1)
    ag.manual_seed(3)
    b.uniform_(-1, 1)
    assert a.numpy().tolist() == b.numpy().tolist()
    assert np.all(np.abs(a.numpy()) <= 1)
    c = ag.empty(1000).normal_(2.0, 0.5)
    assert abs(c.numpy().mean() - 2.0) < 0.1 and abs(c.numpy().std() - 0.5) < 0.1


def test_change_to_saved_input_raises_at_backward_naming_the_op():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1.0
    c = b.matmul(b)
    b.mul_(2.0)            # allowed now; the error comes at backward
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation: input \d of op "
                                           r"'matmul'.*version 1; expected version 0"):
        c.backward()


def test_change_to_saved_output_raises_naming_the_op():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    e = a.exp()
    e.add_(1.0)
    with pytest.raises(RuntimeError, match="the output of op 'exp'"):
        e.sum().backward()


def test_change_through_a_view_is_caught():
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 1.0
    s = b.sin()
    with ag.no_grad():
        b[0:2].mul_(0.0)    # writes b's memory through a view, bumping the shared counter
    with pytest.raises(RuntimeError, match="op 'sin'"):
        s.sum().backward()


def test_change_to_unsaved_input_is_fine():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1.0
    c = b + 1.0            # add saves nothing
    b.mul_(5.0)
    (c.sum() + b.sum()).backward()      # c saw the old b; b's history was rebased
    assert a.grad.numpy().tolist() == [6.0, 6.0]


def test_inplace_on_leaf_requiring_grad_raises():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1.0), lambda: w.mul_(2.0), lambda: w.zero_(),
               lambda: w.copy_(ag.tensor([0.0, 0.0]))):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            op()
    with pytest.raises(RuntimeError, match="setitem: a leaf tensor that requires grad"):
        w[0] = 3.0
    with pytest.raises(RuntimeError, match="add_: a leaf tensor"):
        w += 1.0
    assert w.numpy().tolist() == [1.0, 2.0]


def test_inplace_on_leaf_under_no_grad_is_allowed():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.no_grad():
        w.sub_(ag.tensor([0.5, 0.5]))
        w[1] = 10.0
        w *= 2.0
    assert w.numpy().tolist() == [1.0, 20.0]
    assert w.is_leaf and w.requires_grad and w._version == 3


def test_iadd_on_non_leaf_rebases_history():
    a = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    t = a * 1.0
    t += a * a            # t = a + a^2
    t *= a                # t = a^2 + a^3
    t -= 1.0
    t /= 2.0
    t.sum().backward()
    x = a.numpy()
    np.testing.assert_allclose(a.grad.numpy(), (2 * x + 3 * x ** 2) / 2)
    assert t.grad_fn.name() == "DivBackward0"


def test_add_mul_on_non_leaf_match_out_of_place():
    def f(a, b, inplace):
        t = a.exp()
        t = t.clone() if inplace else t
        if inplace:
            t.mul_(b)
            t.add_(b, alpha=3)
        else:
            t = t * b + b * 3
        return (t * t).sum()
    x = np.array([0.1, -0.4, 0.7])
    grads = []
    for inplace in (False, True):
        a = ag.tensor(x, requires_grad=True)
        b = ag.tensor(x[::-1].copy(), requires_grad=True)
        f(a, b, inplace).backward()
        grads.append((a.grad.numpy(), b.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)


def test_inplace_gradcheck():
    def f(a, b):
        t = a * 2.0
        t.mul_(b)
        t[1:] = b[:-1] * a[:-1]
        t.add_(a.sin())
        return t
    a = ag.tensor(np.array([0.3, -0.2, 0.9]), requires_grad=True)
    b = ag.tensor(np.array([1.1, 0.4, -0.6]), requires_grad=True)
    assert ag.gradcheck(f, [a, b])


def test_setitem_gradients():
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    t = a * 1.0
    t[0] = a[2] * 5.0
    t[[1, 2]] = 0.0
    t.sum().backward()
    assert a.grad.numpy().tolist() == [0.0, 0.0, 5.0]


def test_setitem_of_a_tensor_requiring_grad_into_a_plain_tensor():
    """The written value's gradient flows even when the target itself needed none."""
    buf = ag.zeros(3)
    v = ag.tensor(2.0, requires_grad=True)
    buf[1] = v
    assert buf.requires_grad and buf.grad_fn is not None
    (buf * ag.tensor([1.0, 3.0, 5.0])).sum().backward()
    assert v.grad.item() == 3.0


def test_setitem_broadcast_value_gradient_is_summed():
    v = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    buf = ag.zeros(3, 2, dtype=ag.float64)
    buf[0:2] = v          # (2,) broadcast into (2, 2)
    (buf * buf).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), 2 * 2 * v.numpy())


def test_setitem_float64_value_into_float32_tensor_keeps_float32():
    v = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    buf = ag.zeros(2)
    buf[:] = v
    assert buf.dtype == ag.float32
    buf.sum().backward()
    assert v.grad.dtype == ag.float64 and v.grad.numpy().tolist() == [1.0, 1.0]


def test_inplace_on_view_of_tensor_requiring_grad_rebases_the_base():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1.0
    b[0:1].mul_(2.0)
    b.sum().backward()
    assert a.grad.numpy().tolist() == [2.0, 1.0]


def test_inplace_shape_and_dtype_errors():
    t = ag.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"add_: output with shape \(2, 3\) doesn't match the "
                                           r"broadcast shape \(4, 2, 3\)"):
        t.add_(ag.zeros(4, 2, 3))
    i = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired "
                                           "output type int64"):
        i.add_(ag.tensor([0.5, 0.5]))
    e = ag.zeros(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="read-only view"):
        e.add_(1.0)


@pytest.mark.parametrize("op", ["zero_()", "fill_(2.0)", "normal_()", "uniform_()",
                                "copy_(lib.tensor([5.0, 6.0, 7.0]))", "copy_(lib.tensor(7.0))"])
def test_filling_a_non_leaf_sends_no_gradient_to_its_old_history(op):
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (ag, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x.clone()
        eval("y." + op, {"y": y, "lib": lib})
        assert y.requires_grad and y.grad_fn is not None
        (y * y).sum().backward()
        grads.append(x.grad.numpy().copy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert not grads[0].any()


@pytest.mark.parametrize("dst_shape, src_shape", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (1,)),
                                                  ((2, 3), ())])
def test_copy_from_a_tensor_requiring_grad_connects_it(dst_shape, src_shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    src_np = rng.standard_normal(src_shape)
    out = []
    for lib in (ag, torch):
        w = lib.tensor(src_np, requires_grad=True)                      # float64
        x = lib.tensor(np.ones(dst_shape, np.float32), requires_grad=True)
        y = x * 2                                                        # float32 non-leaf
        y.copy_(w)
        buf = lib.zeros(dst_shape, dtype=lib.float32)                    # plain buffer
        buf.copy_(w)
        ((y * 3).sum() + (buf * buf).sum()).backward()
        out.append((w.grad.numpy().copy(), x.grad.numpy().copy(), str(w.grad.dtype)))
    np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-6)
    np.testing.assert_array_equal(out[0][1], out[1][1])
    assert out[0][2] == "float64" and out[1][2] == "torch.float64"
