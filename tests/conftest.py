import numpy as np
import pytest

from glassgrad import autograd as ag


@pytest.fixture(autouse=True)
def _seed_and_default_dtype():
    """Each test starts from seed 0 and the float32 default dtype."""
    ag.manual_seed(0)
    np.random.seed(0)
    ag.set_default_dtype(ag.float32)
    yield
    ag.set_default_dtype(ag.float32)
