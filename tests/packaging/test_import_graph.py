"""Every module of glassgrad imports alone in a fresh interpreter, and the module-level
imports between glassgrad's modules form no cycle."""
import ast
import os
import subprocess
import sys

import pytest

import glassgrad

def all_modules():
    """{module name: file} for every module of glassgrad: the root namespace, its
    subpackages (each may live in its own folder of the repository) and everything below."""
    import importlib
    import pkgutil
    found = {}
    todo = ["glassgrad", "glassgrad.autograd",
            *(f"glassgrad.{name}" for name in glassgrad._SUBPACKAGES)]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        module = importlib.import_module(name)
        found[name] = module.__file__
        for info in pkgutil.iter_modules(getattr(module, "__path__", []), name + "."):
            if info.ispkg:
                todo.append(info.name)
            else:
                found[info.name] = os.path.join(info.module_finder.path,
                                                info.name.rsplit(".", 1)[-1] + ".py")
    return found


MODULES = all_modules()


def test_the_tree_is_found():
    for name in ("glassgrad.autograd.primitives", "glassgrad.autograd.ops", "glassgrad.nn",
                 "glassgrad.viz", "glassgrad.optim.lbfgs", "glassgrad.utils.data.dataloader",
                 "glassgrad.training.data"):
        assert name in MODULES, name


FORK_EACH = r"""
import os, sys, traceback
import numpy                                # not glassgrad's: shared by every child
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:                            # the child: no glassgrad module loaded yet
        try:
            __import__(name)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        failed.append(name)
print("FAILED:", " ".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_alone_in_a_fresh_interpreter():
    """Each module is imported first, alone, in a process where nothing of glassgrad is
    loaded (a child forked from an interpreter that imported only numpy, which is much
    cheaper than starting ~70 interpreters)."""
    if not hasattr(os, "fork"):
        pytest.skip("needs os.fork")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", FORK_EACH, *sorted(MODULES)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert proc.stdout.strip().endswith("FAILED:")


def module_imports(name, path):
    """The glassgrad modules `name` imports at module level (not inside functions). Python
    runs a package's __init__ before any of its submodules; that implicit edge from a
    submodule to its own package is not a cycle and is not listed."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    package = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0]
    out = set()
    for node in tree.body:
        nodes = [node]
        if isinstance(node, (ast.If, ast.Try)):          # e.g. `try: import x except ...`
            nodes = list(ast.walk(node))
        for n in nodes:
            if isinstance(n, ast.Import):
                out.update(a.name for a in n.names)
            elif isinstance(n, ast.ImportFrom):
                base = n.module or ""
                if n.level:
                    parts = package.split(".")
                    parts = parts[:len(parts) - (n.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                for a in n.names:
                    # `from pkg import sub` needs the submodule; `from pkg import name` needs
                    # pkg's __init__ (which Python runs first in both cases anyway)
                    out.add(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
    return {m for m in out if m in MODULES and m != name}


def find_cycles(graph):
    """Every cycle met by a depth-first walk of {node: set of nodes it imports}."""
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "active"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "active":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return cycles


def test_find_cycles_finds_one():
    assert find_cycles({"ops": {"primitives"}, "primitives": {"engine"}, "engine": {"ops"}}) \
        == [["engine", "ops", "primitives", "engine"]]
    assert find_cycles({"ops": {"primitives"}, "primitives": set()}) == []


def test_no_import_cycles_between_modules():
    graph = {name: module_imports(name, path) for name, path in MODULES.items()}
    assert sum(len(v) for v in graph.values()) > 50          # the walk did see the imports
    cycles = find_cycles(graph)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)
