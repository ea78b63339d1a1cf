"""gradcheck's arguments: misspelled keywords raise, torch's keywords are accepted,
non-contiguous leaves are checked, and float32 inputs never pass as a "kink"."""
import numpy as np
import pytest

from glassgrad import autograd as ag


def test_misspelled_keyword_raises_type_error_naming_it():
    x = ag.randn(3, dtype=ag.float64, requires_grad=True)
    with pytest.raises(TypeError, match="'atoll'.*did you mean 'atol'"):
        ag.gradcheck(lambda x: x * 2, (x,), atoll=1e-3)
    with pytest.raises(TypeError, match="'rtoll'"):
        ag.gradgradcheck(lambda x: x * x, (x,), rtoll=1e-3)
    with pytest.raises(TypeError, match="'fast'"):
        ag.gradcheck(lambda x: x * 2, (x,), fast=True)


def test_torch_keywords_are_accepted():
    x = ag.randn(3, dtype=ag.float64, requires_grad=True)
    assert ag.gradcheck(lambda x: x * 2, (x,), nondet_tol=0.0, check_batched_grad=True,
                        fast_mode=False, check_undefined_grad=True)
    assert ag.gradgradcheck(lambda x: x * x, (x,), check_fwd_over_rev=False,
                            gen_non_contig_grad_outputs=False)


def test_non_contiguous_leaf_is_checked():
    x = ag.tensor(np.random.default_rng(0).standard_normal((3, 4))).T.detach()
    x.requires_grad_()
    assert not x.numpy().flags.c_contiguous
    w = ag.tensor(np.arange(12.0).reshape(4, 3))
    assert ag.gradcheck(lambda x: (x * w).sum(0) ** 2, (x,))
    assert ag.gradgradcheck(lambda x: (x * x * w).sum(), (x,))
    before = x.numpy().copy()
    ag.gradcheck(lambda x: x.sin(), (x,))
    np.testing.assert_array_equal(x.numpy(), before)       # perturbations undone


def test_float32_smooth_function_is_not_excused_as_a_kink():
    w = ag.tensor(np.array([0.3, -1.1, 2.0], dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="too coarse"):
        with pytest.raises(ag.GradcheckError, match="too coarse") as info:
            ag.gradcheck(lambda w: ag.tanh(w) * w, (w,))
    assert "kink:" not in str(info.value)
    # the same function in float64 passes
    assert ag.gradcheck(lambda w: ag.tanh(w) * w, (w.detach().double().requires_grad_(),))
