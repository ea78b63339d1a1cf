"""Every error path of the engine raises a clear exception of the right type whose message
names the op and the shapes or values involved. (Indexing, gather, cat/stack/split, pad,
unfold2d, matmul and in-place errors are in test_indexing.py and test_inplace.py.)"""
import numpy as np
import pytest

from glassgrad import autograd as ag

X = ag.zeros(3, 4)

ERRORS = [
    # binary ops and broadcasting
    (lambda: X + ag.zeros(3), ValueError, r"add: shapes \(3, 4\) and \(3,\) do not broadcast"),
    (lambda: X * ag.zeros(2, 1, 3), ValueError, r"mul: shapes \(3, 4\) and \(2, 1, 3\)"),
    (lambda: X / ag.zeros(5), ValueError, r"div: shapes \(3, 4\) and \(5,\) do not broadcast"),
    (lambda: ag.maximum(X, ag.zeros(2)), ValueError, r"maximum: shapes \(3, 4\) and \(2,\)"),
    (lambda: ag.where(ag.tensor([True, False, True]), X, 0.0), ValueError,
     r"where: condition \(3,\), input \(3, 4\) and other \(\) do not broadcast"),
    # shape ops
    (lambda: X.reshape(5, 3), RuntimeError,
     r"reshape: shape \(5, 3\) is invalid for input of shape \(3, 4\) \(12 elements\)"),
    (lambda: X.T.view(12), RuntimeError,
     r"view: shape \(12,\) is not compatible with the strides of the input \(shape \(4, 3\)\)"),
    (lambda: X.expand(4, 4), RuntimeError, r"expand: shape \(3, 4\) cannot be expanded to \(4, 4\)"),
    (lambda: X.permute(0, 0), ValueError, r"permute: dims \(0, 0\) are not a permutation of the 2"),
    (lambda: X.transpose(0, 2), IndexError, r"transpose: dim 2 is out of range for a tensor with 2"),
    (lambda: X.unsqueeze(3), IndexError, r"unsqueeze: dim 3 is out of range for a result with 3"),
    (lambda: X.squeeze(-3), IndexError, r"squeeze: dim -3 is out of range"),
    (lambda: X.flatten(1, 0), ValueError, r"flatten: start_dim 1 comes after end_dim 0"),
    # reductions
    (lambda: X.sum(2), IndexError, r"sum: dim 2 is out of range for a tensor with 2 dims"),
    (lambda: X.mean(-3), IndexError, r"mean: dim -3 is out of range"),
    (lambda: X.sum((0, -2)), ValueError, r"sum: dim \(0, -2\) repeats an axis"),
    (lambda: X.softmax(5), IndexError, r"softmax: dim 5 is out of range"),
    (lambda: X.max(2), IndexError, r"max: dim 2 is out of range"),
    (lambda: ag.zeros(0).amax(), RuntimeError, r"amax: expected a non-empty tensor, got shape \(0,\)"),
    (lambda: ag.tensor([1, 2]).mean(), RuntimeError,
     r"mean: input dtype should be floating point, got int64"),
    (lambda: X.norm(p="abc"), RuntimeError, r"norm: p must be 'fro', 'nuc' or a number, got 'abc'"),
    # elementwise
    (lambda: X.clamp(), ValueError, r"clamp: at least one of min and max must be given"),
    (lambda: ag.tensor([1, 2]) ** -1, ValueError, r"Integers to negative integer powers"),
    # conversions
    (lambda: X.item(), RuntimeError, r"item\(\): a tensor with 12 elements cannot be converted "
                                     r"to a Python scalar \(shape \(3, 4\)\)"),
    (lambda: bool(X), RuntimeError, r"truth value of a tensor with 12 elements is ambiguous"),
    (lambda: len(ag.tensor(1.0)), TypeError, r"len\(\) of a 0-d tensor"),
    (lambda: iter(ag.tensor(1.0)), TypeError, r"iteration over a 0-d tensor"),
    (lambda: [0, 1][ag.tensor(0.5)], TypeError, r"only integer tensors of a single element"),
    # creation
    (lambda: ag.tensor(["a"]), TypeError, r"tensor\(\): cannot build a tensor from data of type"),
    (lambda: ag.zeros(2, -1), ValueError, r"invalid size \(2, -1\): sizes must be non-negative"),
    (lambda: ag.randint(5), TypeError, r"randint\(\) needs a size"),
    (lambda: ag.tensor(1.0) + 1j, TypeError, r"cannot build a tensor from data of type complex"),
]


@pytest.mark.parametrize("fn, exc, pattern", ERRORS, ids=lambda v: None if callable(v) else str(v)[:30])
def test_error_type_and_message(fn, exc, pattern):
    with pytest.raises(exc, match=pattern):
        fn()


# ----- backward / grad errors --------------------------------------------------------------------


def test_backward_on_non_scalar_without_gradient():
    x = ag.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad can be implicitly created only for scalar "
                                           r"outputs; output 0 has shape \(2, 3\): pass gradient="):
        (x * 2.0).backward()


def test_backward_gradient_shape_mismatch():
    x = ag.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of "
                                           r"\(3,\) and output\[0\] has a shape of \(2, 3\)"):
        (x * 2.0).backward(ag.ones(3))


def test_backward_on_tensor_without_graph():
    with pytest.raises(RuntimeError, match=r"element 0 of tensors does not require grad and does "
                                           r"not have a grad_fn \(shape \(1,\)\)"):
        ag.ones(1).backward()
    x = ag.ones(1, requires_grad=True)
    with ag.no_grad():
        y = x * 2.0
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_backward_count_and_type_errors():
    x = ag.ones(1, requires_grad=True)
    with pytest.raises(RuntimeError, match="backward: got 1 outputs but 2 gradients"):
        ag.backward([x * 2.0], [ag.ones(1), ag.ones(1)])
    with pytest.raises(TypeError, match="backward: output 0 is a float, not a Tensor"):
        ag.backward([1.0])


def test_grad_errors():
    x = ag.ones(2, requires_grad=True)
    y = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match=r"grad: input 0 \(shape \(2,\)\) does not require grad"):
        ag.grad(y, ag.tensor([1, 2]))
    with pytest.raises(TypeError, match="grad: input 0 is a float, not a Tensor"):
        ag.grad(y, [1.0])
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(1,\)\) was not used"):
        ag.grad(y, [x, ag.ones(1, requires_grad=True)])


def test_hook_and_retain_grad_need_requires_grad():
    t = ag.ones(1)
    with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that does not "
                                           "require grad"):
        t.register_hook(lambda g: g)
    with pytest.raises(RuntimeError, match="can't retain_grad on a tensor that does not require"):
        t.retain_grad()


def test_int_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match=r"only tensors of floating point dtype can require "
                                           r"gradients, got int64 \(shape \(2,\)\)"):
        ag.tensor([1, 2], requires_grad=True)


def test_set_requires_grad_false_on_non_leaf():
    y = ag.ones(1, requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match="requires_grad can only be changed on leaf tensors; "
                                           "use detach"):
        y.requires_grad = False


def test_well_formed_graph_with_0d_and_size1_shapes_raises_nothing():
    """Unbroadcasting gradients is the engine's job, 0-d and size-1 operands included."""
    a = ag.tensor(np.ones((1, 3)), requires_grad=True)
    b = ag.tensor(2.0, dtype=ag.float64, requires_grad=True)
    ((a * b).exp() / b).sum().backward()
    assert a.grad.shape == (1, 3) and b.grad.shape == ()
