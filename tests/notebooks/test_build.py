"""notebooks/build.py: the percent-format parser and the output clean-up (no kernel needed)."""
import importlib.util
import os

import pytest

nbformat = pytest.importorskip("nbformat", reason="building notebooks needs nbformat "
                               "(pip install -e '.[notebooks]')")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
spec = importlib.util.spec_from_file_location("notebooks_build",
                                              os.path.join(ROOT, "notebooks", "build.py"))
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)

SOURCE = """# %% [markdown]
# # Title
#
# Some *text*.

# %%
x = 1  # a comment stays a comment

# %%
print(x)
"""


def test_parse_splits_cells_and_uncomments_markdown():
    assert build.parse(SOURCE) == [("markdown", "# Title\n\nSome *text*."),
                                   ("code", "x = 1  # a comment stays a comment"),
                                   ("code", "print(x)")]


def test_parse_rejects_text_before_the_first_cell_and_bad_markdown():
    with pytest.raises(ValueError, match="before the first"):
        build.parse("import os\n# %%\nx = 1\n")
    with pytest.raises(ValueError, match="does not start with"):
        build.parse("# %% [markdown]\nnot a comment\n")


def test_to_notebook_gives_valid_notebook_with_stable_ids(tmp_path):
    path = tmp_path / "99_demo.py"
    path.write_text(SOURCE, encoding="utf-8")
    nb = build.to_notebook(str(path))
    nbformat.validate(nb)
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code"]
    assert [c.id for c in nb.cells] == ["cell-000", "cell-001", "cell-002"]
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_every_source_parses():
    paths = build.sources()
    assert paths, "no notebook sources found"
    for path in paths:
        nbformat.validate(build.to_notebook(path))


def _widget_notebook(ids):
    """A notebook showing one widget (ids[0]) whose state refers to a child (ids[1])."""
    from nbformat import v4
    nb = v4.new_notebook()
    view = {build.WIDGET_VIEW: {"model_id": ids[0], "version_major": 2, "version_minor": 0},
            "text/plain": "<Box at 0x7f00deadbeef>"}
    cell = v4.new_code_cell("w", id="cell-000", outputs=[
        v4.new_output("stream", name="stdout", text="a"),
        v4.new_output("stream", name="stdout", text="b\n"),
        v4.new_output("execute_result", data=view, execution_count=1)])
    nb.cells = [cell]
    state = {ids[1]: {"model_name": "LayoutModel", "state": {}},
             ids[0]: {"model_name": "BoxModel", "state": {"children": [f"IPY_MODEL_{ids[1]}"]}}}
    nb.metadata["widgets"] = {build.WIDGET_STATE: {"state": state, "version_major": 2,
                                                   "version_minor": 0}}
    return nb


def test_stabilize_removes_run_dependent_noise():
    first = _widget_notebook(["a" * 32, "b" * 32])
    second = _widget_notebook(["c" * 32, "d" * 32])
    for nb in (first, second):
        build.stabilize(nb)
    assert nbformat.writes(first) == nbformat.writes(second)
    outputs = first.cells[0].outputs
    assert [o.output_type for o in outputs] == ["stream", "execute_result"]
    assert outputs[0].text == "ab\n"
    assert outputs[1].data["text/plain"] == "<Box>"
    root = outputs[1].data[build.WIDGET_VIEW]["model_id"]
    state = first.metadata["widgets"][build.WIDGET_STATE]["state"]
    assert list(state) == [root, f"{2:032x}"]
    assert state[root]["state"]["children"] == [f"IPY_MODEL_{2:032x}"]
