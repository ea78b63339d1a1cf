"""ag.gradcheck / ag.gradgradcheck: pass on correct rules, catch wrong ones with a precise
report, tell kinks from wrong gradients, warn on low precision, handle both-zero errors."""
import numpy as np
import pytest

from glassgrad import autograd as ag
from glassgrad.autograd.engine import Primitive, apply
from glassgrad.autograd.gradcheck import GradcheckError, check_gradients, relative_error
from glassgrad.autograd.tensor import _wrap

# A cube with a deliberately wrong derivative (2 x^2 instead of 3 x^2), and one whose first
# derivative is right but built from a detached constant, so its second derivative is wrong.
BAD_CUBE = Primitive("bad_cube", lambda x: x ** 3, lambda n, g: (g * n.input(0) ** 2 * 2.0,),
                     saves=("inputs",))
DETACHED_CUBE = Primitive("detached_cube", lambda x: x ** 3,
                          lambda n, g: (g * _wrap(3.0 * n.input(0).numpy() ** 2),),
                          saves=("inputs",))


def x64(values, requires_grad=True):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def test_passes_on_correct_ops_and_tuple_outputs():
    x, y = x64([[0.3, -1.2], [0.7, 2.0]]), x64([0.5, -0.25])
    assert ag.gradcheck(lambda a, b: (a @ b).tanh() * a.sum(), [x, y]) is True
    assert ag.gradcheck(lambda a, b: (a.exp(), (a * b).sigmoid()), [x, y])
    assert ag.gradgradcheck(lambda a, b: (a @ b).sin() * b, [x, y])


def test_inputs_without_grad_are_constants():
    x, c = x64([1.0, 2.0]), x64([3.0, 4.0], requires_grad=False)
    assert ag.gradcheck(lambda a, b: a * b, [x, c])
    assert ag.gradcheck(lambda a: a.exp(), x)        # a single tensor, not a list
    with pytest.raises(ValueError, match="no input requires grad"):
        ag.gradcheck(lambda a: a * 2.0, [c])


def test_detects_wrong_gradient_and_names_everything():
    x = x64([0.5, -2.0])
    with pytest.raises(GradcheckError) as info:
        ag.gradcheck(lambda t: apply(BAD_CUBE, (t,)), [x])
    msg = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "d output 0[1] / d input 0[1]" in msg
    assert "analytic 8, numeric 12" in msg                 # 2 * 4 versus 3 * 4
    assert "analytic 0.5, numeric 0.75" in msg
    assert "relative error 0.333" in msg
    assert "2 mismatches" in msg


def test_raise_exception_false_returns_false():
    x = x64([0.5, -2.0])
    assert ag.gradcheck(lambda t: apply(BAD_CUBE, (t,)), [x], raise_exception=False) is False


def test_report_lists_failures():
    x = x64([1.0, 3.0])
    report = check_gradients(lambda t: apply(BAD_CUBE, (t,)) + t, [x])
    assert not report.ok and len(report.failures) == 2 and not report.kinks
    m = report.failures[1]
    assert (m.input_index, m.element, m.out_element) == (0, (1,), (1,))
    assert m.analytic == pytest.approx(19.0) and m.numeric == pytest.approx(28.0, rel=1e-6)
    assert m.rel_error == pytest.approx(9 / 28, rel=1e-6)
    assert "FAILED" in report.summary() and report.checked == 4


def test_gradgradcheck_catches_a_detached_derivative():
    x = x64([0.5, -1.5])
    assert ag.gradcheck(lambda t: apply(DETACHED_CUBE, (t,)), [x])
    with pytest.raises(GradcheckError, match="mismatch"):
        ag.gradgradcheck(lambda t: apply(DETACHED_CUBE, (t,)), [x])
    assert ag.gradgradcheck(lambda t: apply(DETACHED_CUBE, (t,)), [x],
                            raise_exception=False) is False


@pytest.mark.parametrize("fn, values", [
    (lambda t: t.relu(), [0.0, 1.0]),                       # relu at 0
    (lambda t: t.abs(), [3e-7, 1.0]),                       # abs near its kink
    (lambda t: t.max(0).values, [2.0, 2.0, 1.0]),           # max(dim) with a tie
    (lambda t: t.min(-1)[0], [[1.0, 1.0, 3.0]]),
    (lambda t: t.clamp(-1.0, 1.0), [1.0, -1.0, 0.0]),       # clamp at both boundaries
])
def test_kinks_are_reported_as_kinks_not_failures(fn, values):
    x = x64(values)
    report = check_gradients(fn, [x])
    assert report.ok and report.kinks and not report.failures
    assert all(m.kink for m in report.kinks)
    with pytest.warns(UserWarning, match="kink:.*one-sided slopes"):
        assert ag.gradcheck(fn, [x])


def test_shared_ties_agree_with_centered_differences():
    """amax and maximum split a tie evenly, which is exactly the centered difference."""
    x = x64([2.0, 2.0, 1.0])
    report = check_gradients(lambda t: t.amax() + ag.maximum(t, ag.tensor(1.0)), [x])
    assert report.ok and not report.kinks
    # abs'(0) = 0 is also the centered difference at exactly 0
    report = check_gradients(lambda t: t.abs(), [x64([0.0, -1.0])])
    assert report.ok and not report.kinks


def test_kink_detection_can_be_switched_off():
    x = x64([0.0])
    assert ag.gradcheck(lambda t: t.relu(), [x], check_kinks=False,
                        raise_exception=False) is False


def test_a_wrong_gradient_at_a_smooth_point_is_not_excused_as_a_kink():
    report = check_gradients(lambda t: apply(BAD_CUBE, (t,)), [x64([1.0])])
    assert report.failures and not report.kinks


def test_warns_for_float32_inputs():
    x = ag.tensor([0.5, 1.5], requires_grad=True)
    with pytest.warns(UserWarning, match="input 0 is float32, not float64"):
        assert ag.gradcheck(lambda t: t * 2.0, [x], eps=1e-2, atol=1e-2, rtol=1e-2)


def test_relative_error_handles_both_zero():
    assert relative_error(0.0, 0.0) == 0.0
    np.testing.assert_allclose(relative_error([1.0, 0.0, 2.0], [1.0, 0.0, 1.0]),
                               [0.0, 0.0, 0.5])
    assert relative_error(0.0, 1e-9) == 1.0
    x = x64([1.0, 2.0])
    report = check_gradients(lambda t: t * 0.0, [x])     # every entry zero on both sides
    assert report.ok and report.max_rel_error == 0.0


def test_non_tensor_output_is_a_clear_error():
    with pytest.raises(TypeError, match="output 0 of fn is a float, not a Tensor"):
        ag.gradcheck(lambda t: 1.0, [x64([1.0])])


def test_inputs_are_restored_after_the_check():
    x = x64([0.25, -0.5, 4.0])
    before = x.numpy().copy()
    ag.gradcheck(lambda t: t.exp(), [x])
    np.testing.assert_array_equal(x.numpy(), before)
