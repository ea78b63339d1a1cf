"""nll's gradient is the nll_grad primitive (coefficients computed from the targets inside
the primitive): first and second derivatives in float64, per-sample and reduced."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn
from glassgrad.autograd import gradcheck, gradgradcheck


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_first_and_second_order(reduction):
    rng = np.random.default_rng(0)
    logits = gg.tensor(rng.standard_normal((5, 4))).requires_grad_(True)
    target = gg.tensor(np.array([0, 3, 1, 1, 2]))
    f = lambda x: nn.functional.cross_entropy(x, target, reduction=reduction)
    assert gradcheck(f, (logits,))
    assert gradgradcheck(f, (logits,))


def test_nll_grad_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 3))
    t = np.array([2, 0, 1, 1, 0, 2])
    g = gg.tensor(x).requires_grad_(True)
    nn.functional.nll_loss(g, gg.tensor(t)).backward()
    tx = torch.tensor(x, requires_grad=True)
    torch.nn.functional.nll_loss(tx, torch.tensor(t)).backward()
    np.testing.assert_allclose(g.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=0)
