"""Layer methods take PyTorch's documented parameter names, so code that passes them by
keyword (``seq(input=x)``) runs unchanged."""
import numpy as np
import pytest

import glassgrad as gg
from glassgrad import nn


def test_sequential_forward_takes_input_by_keyword():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    x = gg.randn(4, 3)
    np.testing.assert_array_equal(model(input=x).numpy(), model(x).numpy())
    assert model.forward(input=x).shape == (4, 2)


def test_rmsnorm_forward_takes_x_by_keyword():
    # PyTorch's RMSNorm.forward(self, x) names its argument x, unlike most layers.
    torch = pytest.importorskip("torch")
    gg.manual_seed(0)
    x = gg.randn(2, 3)
    norm = nn.RMSNorm(3)
    np.testing.assert_allclose(norm(x=x).numpy(), norm(x).numpy())
    expected = torch.nn.RMSNorm(3)(x=torch.tensor(x.numpy())).detach().numpy()
    np.testing.assert_allclose(norm(x=x).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_cosine_similarity_broadcasts_before_it_picks_dim():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    got = gg.nn.CosineSimilarity()(gg.tensor(a), gg.tensor(b))
    want = torch.nn.CosineSimilarity()(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="cosine_similarity: shapes"):
        gg.nn.functional.cosine_similarity(gg.zeros(2, 3), gg.zeros(4))
