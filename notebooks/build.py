"""Build the teaching notebooks from their readable sources.

Each notebook is written as a Python file in percent format, `notebooks/src/NN_name.py`:

    # %% [markdown]
    # # A title
    # Some *markdown*, every line behind "# ".

    # %%
    x = 1 + 1      # a code cell

This script turns `src/NN_name.py` into `NN_name.ipynb` (nbformat 4), runs it top to bottom
in a fresh `python3` kernel with the working directory set to `notebooks/` (nbclient), and
saves it with its outputs, so the notebooks read well on GitHub.

    python notebooks/build.py                 # build every notebook
    python notebooks/build.py 01 03_gradient   # only those whose name starts so
    python notebooks/build.py --no-execute     # convert only (no outputs)
    python notebooks/build.py exercises        # only the exercise notebooks

Exercises: `exercises/src/NN_name.py` holds the exercise *with* its solution; every block
of code lines between `# BEGIN SOLUTION` and `# END SOLUTION` is the learner's part. It
gives two notebooks: `exercises/NN_name.ipynb`, each block replaced by
`raise NotImplementedError(...)` and not executed (the learner runs it), and
`exercises/solutions/NN_name.ipynb`, the markers removed, executed with its outputs.

Needs nbformat, nbclient and ipykernel (pip install -e ".[notebooks]").
"""
import argparse
import json
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "src")
TIMEOUT = 120          # seconds per cell
KERNEL = "python3"

_CELL = re.compile(r"^# %%(.*)$")


def sources(prefixes=()):
    """Paths of src/NN_name.py, sorted; only names starting with one of `prefixes` if given."""
    names = sorted(f for f in os.listdir(SRC) if re.match(r"\d\d_.*\.py$", f))
    if prefixes:
        names = [f for f in names if any(f.startswith(p) for p in prefixes)]
    return [os.path.join(SRC, f) for f in names]


def _uncomment(line):
    if line.startswith("# "):
        return line[2:]
    if line.strip() in ("", "#"):
        return ""
    raise ValueError(f"markdown line does not start with '# ': {line!r}")


def parse(text):
    """Cells of a percent-format source: a list of (kind, source), kind 'code' or 'markdown'."""
    cells, kind, lines = [], None, []

    def flush():
        if kind is None:
            if any(line.strip() for line in lines):
                raise ValueError("text before the first '# %%' cell marker")
            return
        body = lines
        if kind == "markdown":
            body = [_uncomment(line) for line in lines]
        source = "\n".join(body).strip("\n")
        if source:
            cells.append((kind, source))

    for line in text.splitlines():
        m = _CELL.match(line)
        if m:
            flush()
            tag = m.group(1).strip()
            kind = "markdown" if tag.startswith("[markdown]") else "code"
            lines = []
        else:
            lines.append(line)
    flush()
    return cells


EXERCISES = os.path.join(HERE, "exercises")
EXERCISE_SRC = os.path.join(EXERCISES, "src")
SOLUTIONS = os.path.join(EXERCISES, "solutions")
_BEGIN = re.compile(r"^(\s*)# BEGIN SOLUTION\s*$")
_END = re.compile(r"^\s*# END SOLUTION\s*$")
STUB = 'raise NotImplementedError("your code here")'


def exercise_sources(prefixes=()):
    """Paths of exercises/src/NN_name.py, sorted, filtered by name prefixes like sources()."""
    names = sorted(f for f in os.listdir(EXERCISE_SRC) if re.match(r"\d\d_.*\.py$", f))
    if prefixes:
        names = [f for f in names if any(f.startswith(p) for p in prefixes)]
    return [os.path.join(EXERCISE_SRC, f) for f in names]


def split_solution(text, solution):
    """The solution (solution=True: marker lines dropped) or the exercise (every marked block
    replaced by one `raise NotImplementedError` line at the marker's indentation)."""
    out, inside = [], None
    for number, line in enumerate(text.splitlines(), 1):
        begin = _BEGIN.match(line)
        if begin:
            if inside is not None:
                raise ValueError(f"line {number}: BEGIN SOLUTION inside another solution block")
            inside = number
            if not solution:
                out.append(begin.group(1) + STUB)
        elif _END.match(line):
            if inside is None:
                raise ValueError(f"line {number}: END SOLUTION without BEGIN SOLUTION")
            inside = None
        elif inside is None or solution:
            out.append(line)
    if inside is not None:
        raise ValueError(f"line {inside}: BEGIN SOLUTION is never closed")
    return "\n".join(out) + "\n"


def to_notebook(path, solution=None):
    """The nbformat NotebookNode of one source file (not executed); for an exercise source,
    solution=True/False gives its solution / its exercise (see split_solution)."""
    import nbformat
    from nbformat import v4

    with open(path, encoding="utf-8") as f:
        try:
            text = f.read()
            if solution is not None:
                text = split_solution(text, solution)
            cells = parse(text)
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None
    nb = v4.new_notebook()
    nb.cells = [v4.new_markdown_cell(src) if kind == "markdown" else v4.new_code_cell(src)
                for kind, src in cells]
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:03d}"          # stable ids: rebuilding changes no line it need not
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


# The notebooks multiply small matrices, where BLAS threads only add synchronization; on a
# busy machine (CI, a test run next door) that made training loops 15x slower here. The
# kernel inherits these from this process's environment.
KERNEL_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def execute(nb, timeout=TIMEOUT):
    """Run every cell of `nb` in place in a fresh kernel, cwd = notebooks/ (raises
    nbclient's CellExecutionError on the first cell that fails)."""
    from nbclient import NotebookClient

    saved = {k: os.environ.get(k) for k in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, record_timing=False,
                                resources={"metadata": {"path": HERE}})
        client.execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


_ADDRESS = re.compile(r" at 0x[0-9a-f]+>")
_WIDGET_REF = re.compile(r"IPY_MODEL_([0-9a-f]{32})")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _coalesce_streams(cell):
    """Merge consecutive stream outputs of the same stream (their split is timing noise)."""
    merged = []
    for out in cell.get("outputs", []):
        if (merged and out.output_type == "stream" and merged[-1].output_type == "stream"
                and merged[-1].name == out.name):
            merged[-1].text += out.text
        else:
            merged.append(out)
    cell.outputs = merged


def _renumber_widgets(nb):
    """Widget model ids are random uuids, and the saved state lists the models in no fixed
    order. Number them 1, 2, ... walking from each displayed widget through the models it
    refers to, and store the state in that order, so that a rebuild gives the same file."""
    import nbformat

    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state")
    if not state:
        return
    order = []
    queue = [o.data[WIDGET_VIEW]["model_id"] for c in nb.cells for o in c.get("outputs", [])
             if WIDGET_VIEW in o.get("data", {})]
    while queue:
        mid = queue.pop(0)
        if mid in order or mid not in state:
            continue
        order.append(mid)
        queue += _WIDGET_REF.findall(json.dumps(state[mid], sort_keys=True))
    order += sorted((m for m in state if m not in order),
                    key=lambda m: json.dumps(state[m], sort_keys=True))
    new_id = {old: f"{k + 1:032x}" for k, old in enumerate(order)}
    text = json.dumps({"cells": nb.cells, "state": {m: state[m] for m in order}})
    text = re.sub(r"[0-9a-f]{32}", lambda m: new_id.get(m.group(0), m.group(0)), text)
    renamed = nbformat.from_dict(json.loads(text))
    nb.cells = renamed["cells"]
    nb.metadata["widgets"][WIDGET_STATE]["state"] = renamed["state"]


def stabilize(nb):
    """Remove run-dependent noise in place: merged streams, no object addresses in reprs,
    widget ids renumbered deterministically."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            _coalesce_streams(cell)
            for out in cell.outputs:
                plain = out.get("data", {}).get("text/plain")
                if plain is not None:
                    out.data["text/plain"] = _ADDRESS.sub(">", plain)
    _renumber_widgets(nb)
    nb.metadata.get("language_info", {}).pop("version", None)
    return nb


def _write(nb, out):
    import nbformat

    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        nbformat.write(nb, f)
    os.replace(tmp, out)


def build(path, run=True):
    """Write notebooks/NN_name.ipynb for src/NN_name.py; return (ipynb path, seconds)."""
    nb = to_notebook(path)
    start = time.perf_counter()
    if run:
        execute(nb)
        stabilize(nb)
    seconds = time.perf_counter() - start
    out = os.path.join(HERE, os.path.basename(path)[:-3] + ".ipynb")
    _write(nb, out)
    return out, seconds


def build_exercise(path, run=True):
    """Write exercises/NN_name.ipynb (the stubs, never executed) and
    exercises/solutions/NN_name.ipynb (executed) for exercises/src/NN_name.py; return
    (solution ipynb path, seconds)."""
    name = os.path.basename(path)[:-3] + ".ipynb"
    _write(to_notebook(path, solution=False), os.path.join(EXERCISES, name))
    nb = to_notebook(path, solution=True)
    start = time.perf_counter()
    if run:
        execute(nb)
        stabilize(nb)
    seconds = time.perf_counter() - start
    os.makedirs(SOLUTIONS, exist_ok=True)
    out = os.path.join(SOLUTIONS, name)
    _write(nb, out)
    return out, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="build only notebooks whose name starts so")
    parser.add_argument("--no-execute", action="store_true", help="convert without running")
    args = parser.parse_args(argv)
    names = [n for n in args.names if n != "exercises"]
    jobs = []
    if names or not args.names:
        jobs += [(build, p) for p in sources(names)]
    if "exercises" in args.names or not args.names:
        jobs += [(build_exercise, p) for p in exercise_sources()]
    if not jobs:
        parser.error(f"no source in {SRC} matches {args.names}")
    from nbclient.exceptions import CellExecutionError

    for make, path in jobs:
        try:
            out, seconds = make(path, run=not args.no_execute)
        except CellExecutionError as e:
            print(f"{os.path.basename(path)} failed; its notebook was not written:\n{e}",
                  file=sys.stderr)
            return 1
        size = os.path.getsize(out) / 1024
        print(f"{os.path.relpath(out, HERE):42s} {seconds:6.1f} s {size:8.0f} KiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
