"""Layer methods take PyTorch's documented parameter names, so code that passes them by
keyword (``seq(input=x)``) runs unchanged."""
import numpy as np

import glassgrad as gg
from glassgrad import nn


def test_sequential_forward_takes_input_by_keyword():
    gg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    x = gg.randn(4, 3)
    np.testing.assert_array_equal(model(input=x).numpy(), model(x).numpy())
    assert model.forward(input=x).shape == (4, 2)
