"""Every teaching notebook runs top to bottom without an error, and matches its source.

Each `notebooks/*.ipynb` is executed in a fresh `python3` kernel with the working directory
`notebooks/` (as `python notebooks/build.py` does); any cell that raises fails the test.
The notebooks are built from `notebooks/src/NN_name.py`; a second test checks that the
committed notebook's cells are exactly what its source gives, so the two cannot drift.
"""
import importlib.util
import os
import re
import shutil
import time

import pytest

nbformat = pytest.importorskip("nbformat", reason="executing the notebooks needs nbformat "
                               "(pip install -e '.[notebooks]')")
nbclient = pytest.importorskip("nbclient", reason="executing the notebooks needs nbclient "
                               "(pip install -e '.[notebooks]')")
pytest.importorskip("ipykernel", reason="executing the notebooks needs ipykernel "
                    "(pip install -e '.[notebooks]')")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
SOURCES = os.path.join(NOTEBOOKS, "src")
SECONDS_PER_CELL = 120
# Each notebook must run in under a minute on the 2-core CI machine (with one BLAS thread, set
# in each notebook's first cell). GLASSGRAD_NOTEBOOK_SECONDS overrides it for slower machines.
SECONDS_PER_NOTEBOOK = float(os.environ.get("GLASSGRAD_NOTEBOOK_SECONDS", 60))


def _build_module():
    spec = importlib.util.spec_from_file_location("notebooks_build",
                                                  os.path.join(NOTEBOOKS, "build.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _build_module()
NAMES = sorted(f[:-3] for f in os.listdir(SOURCES) if re.match(r"\d\d_.*\.py$", f))


def test_there_are_notebooks():
    assert len(NAMES) >= 8, f"expected the 8 teaching notebooks in {SOURCES}, found {NAMES}"


def _uses_graphviz(nb):
    return any(c.cell_type == "code" and re.search(r"\.draw(_program)?\(|\.svg\(|render\(|"
                                                   r"\.widget\(",
                                                   c.source) for c in nb.cells)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_matches_its_source(name):
    path = os.path.join(NOTEBOOKS, name + ".ipynb")
    assert os.path.exists(path), f"{name}.ipynb is missing: run python notebooks/build.py {name}"
    committed = nbformat.read(path, as_version=4)
    fresh = build.to_notebook(os.path.join(SOURCES, name + ".py"))
    got = [(c.cell_type, c.source) for c in committed.cells]
    want = [(c.cell_type, c.source) for c in fresh.cells]
    assert got == want, (f"{name}.ipynb is out of date with src/{name}.py: "
                         f"run python notebooks/build.py {name}")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_executes(name):
    nb = nbformat.read(os.path.join(NOTEBOOKS, name + ".ipynb"), as_version=4)
    if _uses_graphviz(nb) and shutil.which("dot") is None:
        pytest.skip(f"{name} draws graphs, which needs Graphviz's `dot` program "
                    f"(apt-get install graphviz)")
    for cell in nb.cells:          # start from a clean slate: the committed outputs go
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    start = time.perf_counter()
    try:
        build.execute(nb, timeout=SECONDS_PER_CELL)     # fresh kernel, cwd notebooks/
    except nbclient.exceptions.CellExecutionError as e:
        pytest.fail(f"{name}.ipynb raised while executing:\n{e}", pytrace=False)
    seconds = time.perf_counter() - start
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, f"{name}: {errors[0].ename}: {errors[0].evalue}"
    assert outputs, f"{name} produced no output at all"
    print(f"{name}: {seconds:.1f} s")
    assert seconds < SECONDS_PER_NOTEBOOK, (
        f"{name} took {seconds:.1f} s to run, over the {SECONDS_PER_NOTEBOOK:.0f} s budget")


def test_every_notebook_sets_one_blas_thread():
    """The thread setting lives in the notebooks themselves (not only in build.py's
    environment), so a learner's "Run All" on a busy machine is fast too."""
    for name in NAMES:
        nb = build.to_notebook(os.path.join(SOURCES, name + ".py"))
        first = next(c.source for c in nb.cells if c.cell_type == "code")
        assert "threadpool_limits(1)" in first, f"{name}: first code cell must call threadpool_limits(1)"
