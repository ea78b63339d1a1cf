"""The exercise notebooks (notebooks/exercises/): every checker passes on the solutions and
fails on the stubs with its own message, and catches a wrong answer naming the element.

The notebooks' code cells are run in-process (a fresh namespace per notebook, as a kernel
would), which is faster than starting a kernel for each; the committed .ipynb files are
checked against their source like the teaching notebooks.
"""
import contextlib
import importlib.util
import io
import os
import re

import numpy as np
import pytest

from glassgrad.training import exercises as ex

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
spec = importlib.util.spec_from_file_location("notebooks_build", os.path.join(NOTEBOOKS, "build.py"))
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)

NAMES = sorted(f[:-3] for f in os.listdir(build.EXERCISE_SRC) if re.match(r"\d\d_.*\.py$", f))


def _source(name):
    return os.path.join(build.EXERCISE_SRC, name + ".py")


def _code_cells(name, solution):
    with open(_source(name), encoding="utf-8") as f:
        text = build.split_solution(f.read(), solution)
    return [src for kind, src in build.parse(text) if kind == "code"]


def _run(name, solution):
    """Run the code cells of one notebook in order; return [(cell source, exception or None,
    printed text)] and the namespace."""
    ns, results = {"__name__": "__main__"}, []
    for k, cell in enumerate(_code_cells(name, solution)):
        out = io.StringIO()
        error = None
        with contextlib.redirect_stdout(out):
            try:
                exec(compile(cell, f"<{name} cell {k}>", "exec"), ns)
            except Exception as e:          # noqa: BLE001 - recorded and judged by the tests
                error = e
        results.append((cell, error, out.getvalue()))
    return results, ns


def test_there_are_four_exercise_notebooks():
    assert len(NAMES) >= 4, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebooks_match_their_source(name):
    nbformat = pytest.importorskip("nbformat")
    for solution, folder in ((False, build.EXERCISES), (True, build.SOLUTIONS)):
        path = os.path.join(folder, name + ".ipynb")
        assert os.path.exists(path), f"{path} is missing: run python notebooks/build.py exercises"
        committed = nbformat.read(path, as_version=4)
        fresh = build.to_notebook(_source(name), solution=solution)
        assert ([(c.cell_type, c.source) for c in committed.cells]
                == [(c.cell_type, c.source) for c in fresh.cells]), (
            f"{path} is out of date: run python notebooks/build.py exercises")


@pytest.mark.parametrize("name", NAMES)
def test_solutions_pass_every_checker(name):
    results, _ = _run(name, solution=True)
    checkers = [r for r in results if "ex.check_" in r[0]]
    assert checkers, f"{name} has no checker cell"
    for cell, error, printed in results:
        assert error is None, f"{name}: the solution fails in\n{cell}\n{type(error).__name__}: {error}"
    for cell, _, printed in checkers:
        assert printed.startswith("OK") or "\nOK" in printed, (cell, printed)


@pytest.mark.parametrize("name", NAMES)
def test_stubs_fail_every_checker_with_its_message(name):
    results, _ = _run(name, solution=False)
    checkers = [r for r in results if "ex.check_" in r[0]]
    for cell, error, _ in checkers:
        assert isinstance(error, ex.ExerciseError), f"{name}: the checker did not fail on the stub:\n{cell}"
        assert "is not written yet" in str(error)
    for cell, error, _ in results:       # other cells fail only by reaching a stub
        if error is not None and not isinstance(error, ex.ExerciseError):
            assert isinstance(error, NotImplementedError), (cell, error)


def test_split_solution_replaces_blocks_and_rejects_bad_markers():
    text = "def f(x):\n    y = 1\n    # BEGIN SOLUTION\n    return x + y\n    # END SOLUTION\n"
    assert build.split_solution(text, True) == "def f(x):\n    y = 1\n    return x + y\n"
    assert build.split_solution(text, False) == ("def f(x):\n    y = 1\n    "
                                                 + build.STUB + "\n")
    with pytest.raises(ValueError, match="never closed"):
        build.split_solution("# BEGIN SOLUTION\nx = 1\n", True)
    with pytest.raises(ValueError, match="without BEGIN"):
        build.split_solution("x = 1\n# END SOLUTION\n", True)


# ---- each checker catches a wrong answer and names the element -----------------------------

@pytest.fixture(scope="module")
def solved():
    """The namespaces of the solved notebooks, by name prefix."""
    return {name[:2]: _run(name, solution=True)[1] for name in NAMES}


def test_value_checker_catches_an_overwritten_gradient(solved):
    Value = solved["01"]["Value"]

    class Overwrites(Value):           # `=` instead of `+=` in the product's backward
        def __mul__(self, other):
            other = other if isinstance(other, Value) else Overwrites(other)
            out = Overwrites(self.data * other.data, (self, other), "*")

            def _backward():
                self.grad = other.data * out.grad
                other.grad = self.data * out.grad
            out._backward = _backward
            return out

    ex.check_value_ops(Overwrites, ["mul"])          # one product alone is right ...
    with pytest.raises(ex.ExerciseError, match=r"a \* a: a\.grad is 3, expected 6"):
        ex.check_value_backward(Overwrites)            # ... a value used twice is not


def test_value_checker_catches_a_wrong_local_derivative(solved):
    Value = solved["01"]["Value"]

    class WrongTanh(Value):
        def tanh(self):
            out = Value.tanh(self)
            out._backward = lambda: setattr(self, "grad", self.grad + out.grad * (1 - out.data))
            return out

    with pytest.raises(ex.ExerciseError, match=r"gradient sent to input 0 by tanh at 0\.7"):
        ex.check_value_ops(WrongTanh, ["tanh"])


def _perturbed(fn, index, part=None, delta=1e-3):
    def wrong(*args):
        out = fn(*args)
        if part is None:
            out = np.array(out, dtype=float)
            out[index] += delta
            return out
        out = [np.array(o, dtype=float) for o in out]
        out[part][index] += delta
        return tuple(out)
    return wrong


def test_layer_checkers_catch_one_wrong_element(solved):
    ns = solved["02"]
    with pytest.raises(ex.ExerciseError, match=r"affine_backward dw .* index \(1, 2\).*off by 0\.001"):
        ex.check_affine(ns["affine_forward"], _perturbed(ns["affine_backward"], (1, 2), part=1))
    with pytest.raises(ex.ExerciseError, match=r"relu_backward dx: 1 of 20"):
        ex.check_relu(ns["relu_forward"], _perturbed(ns["relu_backward"], (2, 3)))
    with pytest.raises(ex.ExerciseError, match=r"batchnorm_backward dgamma"):
        ex.check_batchnorm(ns["batchnorm_forward"], _perturbed(ns["batchnorm_backward"], (4,), part=1))
    with pytest.raises(ex.ExerciseError, match=r"conv_backward dx \(stride 1, pad 0\).*index \(0, 1, 2, 3\)"):
        ex.check_conv(ns["conv_forward"], _perturbed(ns["conv_backward"], (0, 1, 2, 3), part=0))

    def softmax_without_mean(scores, y):            # the forgotten 1/N of notebook 3
        loss, d = ns["softmax_loss"](scores, y)
        return loss, d * len(y)
    with pytest.raises(ex.ExerciseError, match=r"softmax_loss dscores"):
        ex.check_softmax_loss(softmax_without_mean)

    def dropout_not_inverted(x, p, u):
        return x * (u >= p), (u >= p).astype(float)
    with pytest.raises(ex.ExerciseError, match=r"dropout_forward out \(p = 0\.25\)"):
        ex.check_dropout(dropout_not_inverted, ns["dropout_backward"])


def test_batchnorm_checker_runs_gradcheck_on_the_pair(solved, monkeypatch):
    ns = solved["02"]
    calls = []
    real = ex.ag.gradcheck
    monkeypatch.setattr(ex.ag, "gradcheck", lambda *a, **k: calls.append(1) or real(*a, **k))
    ex.check_batchnorm(ns["batchnorm_forward"], ns["batchnorm_backward_alt"])
    assert calls


def test_optimizer_checker_names_the_first_wrong_step(solved):
    ns = solved["03"]

    def adam_without_bias_correction(w, dw, state, lr, beta1, beta2, eps):
        m = beta1 * state.get("m", 0) + (1 - beta1) * dw
        v = beta2 * state.get("v", 0) + (1 - beta2) * dw ** 2
        state.update(m=m, v=v)
        return w - lr * m / (np.sqrt(v) + eps)

    with pytest.raises(ex.ExerciseError, match=r"adam: the weights after step 1"):
        ex.check_optimizer("adam", adam_without_bias_correction)

    def nesterov_as_momentum(w, dw, state, lr, momentum):
        return ns["sgd_momentum"](w, dw, state, lr, momentum)

    with pytest.raises(ex.ExerciseError, match=r"nesterov: the weights after step 1"):
        ex.check_optimizer("nesterov", nesterov_as_momentum)


def test_mlp_checker_reports_the_first_wrong_tensor_in_backward_order(solved):
    fb = solved["04"]["mlp_forward_backward"]

    def relu_mask_forgotten(x, y, params, eps):
        loss, g = fb(x, y, params, eps)
        g = dict(g)
        g["a"] = g["h"]                  # the ReLU's mask forgotten: h's gradient passed as is
        return loss, g

    with contextlib.redirect_stdout(io.StringIO()):
        with pytest.raises(ex.ExerciseError, match=r"dL/da: \d+ of 80 elements wrong"):
            ex.check_mlp_batchnorm(relu_mask_forgotten)

        def missing(x, y, params, eps):
            loss, g = fb(x, y, params, eps)
            return loss, {k: v for k, v in g.items() if k != "gamma"}
        with pytest.raises(ex.ExerciseError, match="no entry 'gamma'"):
            ex.check_mlp_batchnorm(missing)
