"""glassgrad lives beside PyPI's `autograd` (HIPS autograd) in one environment: installing,
using and uninstalling either one leaves the other working. Fresh virtual environments
without system site-packages, packages from the package index (which CI must reach)."""
import os

import pytest

from packaging_util import ROOT, Venv, check, probe_index

pytestmark = pytest.mark.slow

USE_HIPS = """
import autograd, autograd.numpy as np
from autograd import grad
g = grad(lambda x: np.sum(np.tanh(x) ** 2))(np.array([0.5, -1.0]))
want = 2 * np.tanh(np.array([0.5, -1.0])) * (1 - np.tanh(np.array([0.5, -1.0])) ** 2)
assert np.allclose(g, want), g
assert not hasattr(autograd, "Tensor")
print("HIPS OK", autograd.__file__)
"""

USE_GLASSGRAD = """
import glassgrad as gg
from glassgrad import nn
layer = nn.Linear(3, 2)
x = gg.randn(4, 3, requires_grad=True)
out = layer(x)
out.sum().backward()
assert out.shape == (4, 2) and layer.weight.grad.shape == (2, 3) and x.grad.shape == (4, 3)
assert gg.autograd.Tensor is gg.Tensor
print("glassgrad OK", gg.__file__)
"""



def works(venv, code, what):
    proc = venv.run(code)
    assert proc.returncode == 0, f"{what} broken:\n{proc.stdout[-3000:]}"
    return proc.stdout


def importable(venv, name):
    proc = venv.run(f"import importlib.util; print(importlib.util.find_spec({name!r}) "
                    f"is not None)")
    return proc.stdout.strip() == "True"


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("hips"))
    probe_index(tmp)
    env = Venv(os.path.join(tmp, "venv"))
    env.pip("install", "-q", "numpy", "autograd", what="installing numpy and HIPS autograd")
    assert not importable(env, "glassgrad")
    works(env, USE_HIPS, "HIPS autograd alone")
    return env


def test_wheel_beside_hips_autograd_both_orders(venv, wheel):
    venv.pip("install", "-q", wheel, what="installing the glassgrad wheel")
    assert "site-packages" in works(venv, USE_GLASSGRAD, "glassgrad beside HIPS")
    works(venv, USE_HIPS, "HIPS autograd after installing glassgrad")
    assert check([venv.python, "-m", "pip", "check"], "pip check").strip()

    venv.pip("uninstall", "-q", "-y", "glassgrad")
    assert not importable(venv, "glassgrad")
    works(venv, USE_HIPS, "HIPS autograd after uninstalling glassgrad")

    venv.pip("install", "-q", wheel)
    venv.pip("uninstall", "-q", "-y", "autograd")
    assert not importable(venv, "autograd")
    works(venv, USE_GLASSGRAD, "glassgrad after uninstalling HIPS autograd")

    # HIPS installed after glassgrad: both work again
    venv.pip("install", "-q", "autograd")
    works(venv, USE_GLASSGRAD, "glassgrad after installing HIPS autograd")
    works(venv, USE_HIPS, "HIPS autograd installed after glassgrad")
    for name in ("nn", "optim", "training", "viz", "utils"):
        assert not importable(venv, name), f"the environment has a top-level module {name!r}"
    venv.pip("uninstall", "-q", "-y", "glassgrad")


def test_editable_install_beside_hips_autograd(venv, repo_copy):
    venv.pip("install", "-q", "-e", repo_copy,
             what="installing glassgrad in editable mode")
    try:
        out = works(venv, USE_GLASSGRAD, "editable glassgrad beside HIPS")
        assert repo_copy in out
        works(venv, USE_HIPS, "HIPS autograd beside editable glassgrad")
        for name in ("nn", "optim", "training"):
            assert not importable(venv, name), f"editable install exposes {name!r}"
    finally:
        venv.pip("uninstall", "-q", "-y", "glassgrad")
    works(venv, USE_HIPS, "HIPS autograd after uninstalling editable glassgrad")


def test_main_job_on_a_core_install_stops_at_once_naming_the_extra(venv, wheel):
    venv.pip("install", "-q", wheel)
    try:
        proc = venv.run(f"import runpy, sys; sys.argv = ['train_digits.py']; "
                        f"runpy.run_path({os.path.join(ROOT, 'examples', 'train_digits.py')!r},"
                        f" run_name='__main__')")
    finally:
        venv.pip("uninstall", "-q", "-y", "glassgrad")
    assert proc.returncode != 0
    assert 'pip install -e ".[all]"' in proc.stdout, proc.stdout
    assert "matplotlib" in proc.stdout and "Traceback" not in proc.stdout
    assert "epoch" not in proc.stdout.lower()                 # it stopped before training
