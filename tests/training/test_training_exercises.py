"""glassgrad.training.exercises: the element-wise comparison and the stub message (the
checkers on real solutions and wrong answers are tested with the exercise notebooks, in
tests/notebooks/test_exercises.py)."""
import numpy as np
import pytest

from glassgrad.training import exercises as ex


def test_compare_names_the_worst_element():
    expected = np.arange(6.0).reshape(2, 3)
    got = expected.copy()
    got[1, 2] += 0.5
    got[0, 1] += 1e-3
    with pytest.raises(ex.ExerciseError, match=r"dx: 2 of 6 elements wrong; the worst at "
                                               r"index \(1, 2\) is 5\.5, expected 5 \(off by 0\.5\)"):
        ex.compare("dx", got, expected)
    with pytest.raises(ex.ExerciseError, match=r"has shape \(3, 2\), expected \(2, 3\)"):
        ex.compare("dx", got.T, expected)
    with pytest.raises(ex.ExerciseError, match="off by nan"):
        ex.compare("out", [np.nan], [1.0])
    assert ex.compare("same", expected, expected) == 0.0


def test_a_stub_gives_the_checkers_message():
    def affine_forward(x, w, b):
        raise NotImplementedError("your code here")

    with pytest.raises(ex.ExerciseError, match="affine_forward is not written yet"):
        ex.check_affine(affine_forward, affine_forward)


def test_scalars_are_reported_without_an_index():
    with pytest.raises(ex.ExerciseError, match=r"^a\.grad is 3, expected 6 \(off by -3\)$"):
        ex.compare("a.grad", 3.0, 6.0)


def test_correct_numpy_layers_pass(capsys):
    ex.check_relu(lambda x: np.maximum(x, 0), lambda d, x: d * (x > 0))
    assert capsys.readouterr().out.startswith("OK  relu_forward / relu_backward")
