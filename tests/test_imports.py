"""Every module of glassgrad imports on its own in a fresh interpreter, and the modules'
imports (module-level and inside functions) form no cycle."""
import ast
import importlib.util
import os
import pkgutil
import subprocess
import sys

import pytest

import glassgrad


def _all_modules():
    """{module name: source file} for glassgrad and every module below it."""
    names = ["glassgrad"]
    packages = ["glassgrad"]
    while packages:
        pkg = importlib.import_module(packages.pop())
        for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
            names.append(info.name)
            if info.ispkg:
                packages.append(info.name)
    for sub in ("autograd", "nn", "optim", "training", "viz", "utils"):
        name = f"glassgrad.{sub}"
        if name not in names and importlib.util.find_spec(name) is not None:
            names.append(name)
            packages = [name]
            while packages:
                pkg = importlib.import_module(packages.pop())
                for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
                    names.append(info.name)
                    if info.ispkg:
                        packages.append(info.name)
    return {n: importlib.util.find_spec(n).origin for n in dict.fromkeys(names)}


MODULES = _all_modules()


def _imported(name, path):
    """The glassgrad modules that module `name` (source at `path`) imports anywhere."""
    is_pkg = path.endswith("__init__.py")
    package = name if is_pkg else name.rpartition(".")[0]
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module
            targets = []
            for a in node.names:
                sub = f"{origin}.{a.name}"
                targets.append(sub if sub in MODULES else origin)
        else:
            continue
        for t in targets:
            while t and t not in MODULES:       # `import glassgrad.x.y` names a module
                t = t.rpartition(".")[0]
            if t and t != name:
                found.add(t)
    return found


def test_the_module_list_covers_the_engine():
    for name in ("glassgrad.autograd.engine", "glassgrad.autograd.tensor",
                 "glassgrad.autograd.ops", "glassgrad.autograd.primitives", "glassgrad.nn",
                 "glassgrad.optim"):
        assert name in MODULES


def test_no_import_cycles_among_glassgrad_modules():
    graph = {name: _imported(name, path) for name, path in MODULES.items()}
    assert "glassgrad.autograd.engine" in graph["glassgrad.autograd.ops"]
    # iterative depth-first search; a grey node met again closes a cycle
    colour = dict.fromkeys(graph, 0)
    for start in graph:
        if colour[start]:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        colour[start] = 1
        path = [start]
        while stack:
            node, children = stack[-1]
            for child in children:
                if colour[child] == 1:
                    cycle = path[path.index(child):] + [child]
                    pytest.fail("import cycle: " + " -> ".join(cycle))
                if colour[child] == 0:
                    colour[child] = 1
                    path.append(child)
                    stack.append((child, iter(sorted(graph[child]))))
                    break
            else:
                colour[node] = 2
                path.pop()
                stack.pop()


# A fresh interpreter imports the third-party libraries once, then forks one child per module:
# each child starts with no glassgrad module loaded and imports its module alone (fork keeps
# this quick; a plain subprocess per module costs over a second each, mostly numpy and scipy).
_FORK_EACH = """
import os, sys, traceback
import numpy, scipy.special
assert not any(m == "glassgrad" or m.startswith("glassgrad.") for m in sys.modules)
bad = []
for name in sys.argv[1:]:
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            __import__(name)
            code = 0
        except BaseException:
            os.write(w, traceback.format_exc().strip().splitlines()[-1].encode())
            code = 1
        os._exit(code)
    os.close(w)
    message = os.read(r, 4096).decode()
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if status:
        bad.append(f"{name}: {message}")
print("\\n".join(bad))
"""

_SUBPROCESS_EACH = """
import subprocess, sys
bad = []
for name in sys.argv[1:]:
    r = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True)
    if r.returncode:
        bad.append(name + ": " + r.stderr.strip().splitlines()[-1])
print("\\n".join(bad))
"""


def test_every_module_imports_alone_in_a_fresh_interpreter():
    code = _FORK_EACH if hasattr(os, "fork") else _SUBPROCESS_EACH
    out = subprocess.run([sys.executable, "-c", code, *sorted(MODULES)], capture_output=True,
                         text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", out.stdout
