"""Custom ops (autograd.Function): recorded in the same graph as built-in ops."""
import gc
import weakref

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import autograd as ag


class Cube(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3 * x ** 2


class Exp(ag.Function):
    """Saves its output, as PyTorch's docs example does."""
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


class ScaleShift(ag.Function):
    """Mixed arguments: a tensor, a Python number, an optional tensor."""
    @staticmethod
    def forward(ctx, x, scale, shift):
        ctx.scale = scale
        return x * scale + shift

    @staticmethod
    def backward(ctx, g):
        return g * ctx.scale, None, g if ctx.needs_input_grad[2] else None


class SplitSquares(ag.Function):
    """Two float outputs and an integer output marked non-differentiable."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        idx = gg.tensor(np.argsort(x.numpy()))
        ctx.mark_non_differentiable(idx)
        return x * x, x * 2.0, idx

    @staticmethod
    def backward(ctx, g_sq, g_twice, g_idx):
        x, = ctx.saved_tensors
        assert g_idx is None
        return g_sq * 2 * x + g_twice * 2.0


def _x(*values):
    return gg.tensor(list(values), dtype=gg.float64, requires_grad=True)


def test_single_output_gradient_and_grad_fn_name():
    x = _x(1.0, 2.0, -1.5)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([1.0, 2.0, -1.5]) ** 2)


@pytest.mark.parametrize("fn", [Cube.apply, Exp.apply, lambda x: ScaleShift.apply(x, 2.5, x)])
def test_gradcheck_and_gradgradcheck(fn):
    x = _x(0.3, -0.7, 1.1)
    assert ag.gradcheck(fn, (x,))
    assert ag.gradgradcheck(fn, (x,))


def test_saved_output_is_graph_connected_for_double_backward():
    x = _x(0.5, -0.2)
    y = Exp.apply(x)
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    (gg_,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(gg_.numpy(), np.exp([0.5, -0.2]))


def test_multiple_outputs_and_non_differentiable_output():
    x = _x(3.0, -1.0, 2.0)
    sq, twice, idx = SplitSquares.apply(x)
    assert idx.dtype == gg.int64 and not idx.requires_grad
    np.testing.assert_array_equal(idx.numpy(), [1, 2, 0])
    (sq.sum() + (twice * twice).sum()).backward()
    xv = np.array([3.0, -1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * xv + 2 * (2 * 2 * xv))


def test_unused_output_gets_zero_gradient():
    x = _x(1.0, 2.0)
    sq, twice, _ = SplitSquares.apply(x)
    sq.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_none_gradient_for_non_tensor_and_unneeded_inputs():
    x = _x(1.0, 2.0)
    shift = gg.tensor([1.0, 1.0], dtype=gg.float64)      # no grad needed
    y = ScaleShift.apply(x, 3.0, shift)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    assert shift.grad is None


def test_needs_input_grad_reports_per_argument():
    seen = {}

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, a, k, b):
            seen["needs"] = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g, None, None

    Probe.apply(_x(1.0), 2, gg.tensor([1.0], dtype=gg.float64))
    assert seen["needs"] == (True, False, False)


def test_not_recorded_under_no_grad_or_without_grad_inputs():
    x = _x(1.0)
    with gg.no_grad():
        y = Cube.apply(x)
    assert y.grad_fn is None and not y.requires_grad
    z = Cube.apply(gg.tensor([2.0]))
    assert z.grad_fn is None


def test_wrong_gradient_shape_raises_naming_the_function():
    class Bad(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    with pytest.raises(RuntimeError, match=r"BadBackward returned an invalid gradient at index 0"):
        Bad.apply(_x(1.0, 2.0)).sum().backward()


def test_wrong_number_of_gradients_raises():
    class Short(ag.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="returned 1 gradients, but forward took 2"):
        Short.apply(_x(1.0), _x(2.0)).sum().backward()


def test_in_place_change_of_a_saved_tensor_is_caught():
    x = _x(1.0, 2.0)
    h = x * 1.0
    y = Cube.apply(h)
    with gg.no_grad():
        h.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_once_differentiable_backward_raises_on_double_backward():
    class NumpyCube(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @ag.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return gg.tensor(g.numpy() * 3 * x.numpy() ** 2)

    x = _x(1.0, 2.0)
    assert ag.gradcheck(NumpyCube.apply, (x,))
    # the upstream gradient depends on w, so the gradient of x could be differentiated
    # again: glassgrad refuses instead of giving zeros (as PyTorch does)
    w = _x(1.0, 1.0)
    (g,) = ag.grad((NumpyCube.apply(x) * w).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [3.0, 12.0])
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()
    # a constant upstream gradient gives a constant result, as in PyTorch
    (g,) = ag.grad(NumpyCube.apply(x).sum(), x, create_graph=True)
    assert not g.requires_grad


def test_calling_the_class_or_missing_methods_raise():
    with pytest.raises(RuntimeError, match="call Cube.apply"):
        Cube()

    class NoBackward(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

    with pytest.raises(NotImplementedError, match="backward"):
        NoBackward.apply(_x(1.0)).sum().backward()


def test_second_backward_without_retain_graph_raises():
    x = _x(1.0)
    y = Cube.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_graph_is_freed_without_a_cycle():
    x = _x(1.0, 2.0)
    y = Exp.apply(x)
    ref = weakref.ref(y.grad_fn)
    y.sum().backward()
    gc.disable()
    try:
        del y
        assert ref() is None, "the Function's node should be freed by reference counting"
    finally:
        gc.enable()


def test_drawn_and_stepped_like_a_built_in_op():
    x = _x(0.5, 1.5)
    x.name = "x"
    loss = Cube.apply(x).sum()
    assert "Cube" in gg.viz.to_dot(loss)
    stepper = gg.viz.BackwardStepper(loss)
    texts = [stepper.next().text() for _ in range(len(stepper))]
    assert any("Cube" in t and "user-defined" in t for t in texts)
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([0.5, 1.5]) ** 2)


def test_matches_a_torch_custom_function():
    torch = pytest.importorskip("torch")

    class TorchCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x ** 2

    values = np.random.default_rng(0).normal(size=(3, 4))
    tx = torch.tensor(values, requires_grad=True)
    (TorchCube.apply(tx) * tx).sum().backward()
    x = gg.tensor(values, requires_grad=True)
    (Cube.apply(x) * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
