"""ops.fold2d (col2im, the adjoint of unfold2d): values, adjointness, gradcheck and
gradgradcheck, and the shape checks."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.autograd.ops import fold2d


@pytest.mark.parametrize("kernel, stride, dilation", [((2, 3), 1, 1), ((3, 3), 2, (1, 2)),
                                                      ((2, 2), 2, 1)])
def test_fold2d_is_the_adjoint_of_unfold2d(kernel, stride, dilation):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8))
    cols = ag.unfold2d(ag.tensor(x), kernel, stride, dilation)
    c = rng.standard_normal(cols.shape)
    back = fold2d(ag.tensor(c), x.shape, kernel, stride, dilation)
    # <unfold(x), c> == <x, fold(c)>
    np.testing.assert_allclose((cols.numpy() * c).sum(), (x * back.numpy()).sum(), rtol=1e-12)


def test_fold2d_gradcheck_and_gradgradcheck():
    c = ag.tensor(np.random.default_rng(1).standard_normal((1, 2, 2, 2, 2, 3)),
                  requires_grad=True)
    fn = lambda t: fold2d(t, (1, 2, 4, 5), (2, 2), (2, 1), (1, 2))
    assert ag.gradcheck(fn, [c])
    assert ag.gradgradcheck(fn, [c])


def test_fold2d_checks_shapes():
    with pytest.raises(ValueError, match="do not match"):
        fold2d(ag.zeros(1, 2, 2, 2, 3, 3), (1, 2, 5, 5), (2, 2))
    with pytest.raises(ValueError, match="expected windows"):
        fold2d(ag.zeros(1, 2, 2, 2), (1, 2, 5, 5), (2, 2))
