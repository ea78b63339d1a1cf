"""Large parameters are updated block by block (for cache locality): bitwise the same."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad import optim
from glassgrad.optim import optimizer


def _run(opt_cls, kwargs, block_bytes, monkeypatch, steps=3):
    monkeypatch.setattr(optimizer, "BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(0)
    p = ag.tensor(rng.standard_normal((70, 60)).astype(np.float32), requires_grad=True)
    opt = opt_cls([p], **kwargs)
    for _ in range(steps):
        p.grad = ag.tensor(rng.standard_normal((70, 60)).astype(np.float32))
        opt.step()
    return p.numpy().copy(), {k: v.numpy().copy() for k, v in opt.state[p].items()}


@pytest.mark.parametrize("opt_cls,kwargs", [
    (optim.Adam, dict(lr=1e-2)),
    (optim.Adam, dict(lr=1e-2, amsgrad=True, weight_decay=0.1, maximize=True)),
    (optim.AdamW, dict(lr=1e-2, weight_decay=0.1)),
    (optim.SGD, dict(lr=1e-2, momentum=0.9, nesterov=True, weight_decay=0.1)),
    (optim.SGD, dict(lr=1e-2, momentum=0.9, dampening=0.5, maximize=True)),
    (optim.SGD, dict(lr=1e-2)),
])
def test_blocked_update_is_bitwise_equal_to_one_pass(opt_cls, kwargs, monkeypatch):
    whole_p, whole_state = _run(opt_cls, kwargs, 1 << 30, monkeypatch)
    # 1,000-byte blocks: 250 float32 elements, 17 blocks with a short last one
    blocked_p, blocked_state = _run(opt_cls, kwargs, 1000, monkeypatch)
    np.testing.assert_array_equal(whole_p, blocked_p)
    for k in whole_state:
        np.testing.assert_array_equal(whole_state[k], blocked_state[k])


def test_in_blocks_splits_only_large_contiguous_arrays(monkeypatch):
    monkeypatch.setattr(optimizer, "BLOCK_BYTES", 80)       # 10 float64 elements
    sizes = []

    def add_into(src, dst, unused):
        assert unused is None
        sizes.append(src.size)
        dst += src
    src = np.arange(25.0).reshape(5, 5)
    dst = np.zeros((5, 5))
    optimizer.in_blocks(add_into, (src, dst, None))
    assert sizes == [10, 10, 5]
    np.testing.assert_array_equal(dst, src)
    sizes.clear()
    optimizer.in_blocks(add_into, (src.T, np.zeros((5, 5)), None))     # not C-contiguous
    assert sizes == [25]
    sizes.clear()
    optimizer.in_blocks(add_into, (np.ones(15), np.zeros(15), None))   # under two blocks
    assert sizes == [15]
