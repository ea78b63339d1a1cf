"""The built wheel installs one import package, glassgrad, and carries the licenses."""
import re

import pytest

from packaging_util import wheel_names, wheel_text

pytestmark = pytest.mark.slow


def dist_info(names):
    (info,) = {n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info")}
    return info


def test_top_level_entries_are_glassgrad_and_its_dist_info(wheel):
    names = wheel_names(wheel)
    tops = {n.split("/")[0] for n in names}
    assert tops == {"glassgrad", dist_info(names)}
    assert re.fullmatch(r"glassgrad-[\w.]+\.dist-info", dist_info(names))


def test_installed_distribution_exposes_only_glassgrad(wheel):
    """RECORD lists every file the installation writes; top_level.txt the importable names."""
    names = wheel_names(wheel)
    info = dist_info(names)
    record = [line.split(",")[0] for line in wheel_text(wheel, f"{info}/RECORD").splitlines()
              if line.strip()]
    outside = [path for path in record
               if not (path.startswith("glassgrad/") or path.startswith(f"{info}/"))]
    assert outside == []
    assert wheel_text(wheel, f"{info}/top_level.txt").split() == ["glassgrad"]
    modules = {path.split("/")[0].removesuffix(".py") for path in record
               if not path.startswith(f"{info}/")}
    assert modules == {"glassgrad"}


def test_subpackages_data_and_licenses_are_in_the_wheel(wheel):
    names = set(wheel_names(wheel))
    info = dist_info(names)
    for module in ("glassgrad/__init__.py", "glassgrad/autograd/__init__.py",
                   "glassgrad/autograd/primitives.py", "glassgrad/viz/__init__.py",
                   "glassgrad/nn/__init__.py", "glassgrad/optim/__init__.py",
                   "glassgrad/optim/swa_utils.py", "glassgrad/optim/lbfgs.py",
                   "glassgrad/training/__init__.py", "glassgrad/utils/__init__.py",
                   "glassgrad/utils/data/__init__.py", "glassgrad/training/datasets/digits.npz",
                   "glassgrad/training/datasets/DIGITS_LICENSE.txt"):
        assert module in names, module
    license_text = wheel_text(wheel, f"{info}/licenses/LICENSE")
    assert "MIT License" in license_text and "the glassgrad authors" in license_text
    assert f"{info}/licenses/training/datasets/DIGITS_LICENSE.txt" in names
    metadata = wheel_text(wheel, f"{info}/METADATA")
    assert re.search(r"^License-Expression: MIT$", metadata, re.M)
    assert re.search(r"^License-File: LICENSE$", metadata, re.M)


def requirements_of_extra(metadata, extra):
    """The distribution names an extra brings, following `glassgrad[...]` self-references."""
    reqs = {}
    for line in metadata.splitlines():
        m = re.match(r"Requires-Dist: ([A-Za-z0-9_.\-]+)(\[[^\]]*\])?[^;]*(?:; (.*))?$", line)
        if m:
            name, extras, marker = m.group(1).lower(), m.group(2), m.group(3) or ""
            em = re.search(r'extra == "([^"]+)"', marker)
            reqs.setdefault(em.group(1) if em else "", []).append((name, extras))
    out, todo = set(), [extra]
    while todo:
        for name, extras in reqs.get(todo.pop(), []):
            if name == "glassgrad":
                todo.extend(extras.strip("[]").split(","))
            else:
                out.add(name)
    return out


def test_extras_match_the_readme_commands(wheel):
    info = dist_info(wheel_names(wheel))
    metadata = wheel_text(wheel, f"{info}/METADATA")
    core = requirements_of_extra(metadata, "")
    assert core == {"numpy", "safetensors", "threadpoolctl"}
    every = requirements_of_extra(metadata, "all")
    assert {"matplotlib", "graphviz", "tqdm"} <= every
    kernel_stack = {"ipykernel", "ipywidgets", "jupyterlab", "notebook", "jupyter",
                    "nbclient", "nbformat"}
    assert not every & kernel_stack, "the main job must not pull in the Jupyter stack"
    notebooks = requirements_of_extra(metadata, "notebooks")
    assert {"ipykernel", "ipywidgets", "matplotlib", "graphviz", "tqdm"} <= notebooks
    assert notebooks & {"jupyterlab", "notebook"}, "a Jupyter front end to open them in"
    dev = requirements_of_extra(metadata, "dev")
    assert {"pytest", "hypothesis", "scipy", "nbformat", "nbclient", "ipykernel"} <= dev


def test_an_unreachable_index_fails_under_ci_and_skips_elsewhere(monkeypatch):
    from packaging_util import index_unreachable
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="not reachable under CI=true"):
        index_unreachable("no route to host")
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="not reachable"):
        index_unreachable("no route to host")
