"""Every public name has a docstring, and every example in a docstring runs as shown."""
import doctest
import importlib
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "docs"))
import api_names  # noqa: E402


def test_every_public_name_has_a_docstring():
    missing = api_names.missing_docstrings()
    assert not missing, f"{len(missing)} public names without a docstring:\n" + "\n".join(missing)


def _modules_with_examples():
    """Every module that defines one of the public names (where their docstrings live)."""
    names = set()
    for module_name, public in api_names.public_names().items():
        module = importlib.import_module(module_name)
        names.add(module_name)
        for name in public:
            owner = getattr(getattr(module, name), "__module__", None)
            if owner and owner.startswith("glassgrad"):
                names.add(owner)
    return sorted(names)


@pytest.mark.parametrize("module_name", _modules_with_examples())
def test_docstring_examples_run(module_name, tmp_path, monkeypatch):
    import glassgrad as gg
    monkeypatch.chdir(tmp_path)
    gg.manual_seed(0)
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = []
    for test in finder.find(module, module_name, globs={"gg": gg}):
        if getattr(test, "filename", None) and not os.path.abspath(test.filename).startswith(ROOT):
            continue
        runner.run(test, out=out.append)
    assert not out, "".join(out)
