"""DOT text for a graph, and its rendering through Graphviz.

`to_dot` needs neither the graphviz package nor the `dot` program; `draw` needs the package
(it returns a `graphviz.Digraph`, which Jupyter shows inline); `render` and `svg` need only
the `dot` program (apt-get install graphviz).

Legend (one style per kind of box; edges run the way data flows, input -> op):
    op         grey rounded box: op name, then the name of the tensor it made (`.name`, or
               `names=`), its number (#3), output shape and dtype, then "data | grad"
               (values for small tensors; norm, mean and the first entries for large ones)
    composite  white rounded box with a double title rule: one call of a composite op (mean,
               softmax, layer_norm, cross_entropy, ...) with the ops it is made of; data and
               grad are its output's. expand=True draws the ops inside a dotted cluster
    input      green box: a leaf that requires grad (named by `tensor.name` or `names=`)
    parameter  blue box: a leaf named as a parameter (`params=` or a module's scope)
    saved      dimmed orange dashed box and dashed edge: a tensor an op keeps for its rule
               that is not otherwise in the graph (a constant, a data batch, a loss target)
    constant   dimmed grey dashed box: an input that needs no gradient and that its op does
               not keep (e.g. the target subtracted in mse_loss): only its shape is known
    output     yellow fill and a double border: each root passed in (loss, auxiliary output)
    module     lavender 3-D box: the ops of one module call collapsed into one box (done
               automatically when a drawing would have more than 40 boxes: auto_collapse)
    cut        "..." where the drawing stops (depth=N)
    cluster    a dashed frame per module call (from node.scope), nested as modules nest
    stepping   the current node has a thick red border, the edges that just carried its
               gradients are red and labelled with scalar values, finished gradients sit on
               a pink background and pending ones are empty
"""
import shutil
import subprocess

import numpy as np

from glassgrad.autograd._atomic import write_atomic
from glassgrad.autograd.engine import Node
from glassgrad.autograd.naming import CompositeScope
from glassgrad.autograd.tensor import Tensor
from .graph import COMPOSITE, CONST, CUT, INPUT, MODULE, OP, PARAM, SAVED, build_graph
from .labels import array_text, brief, number, shape_text

STYLES = {
    OP: dict(shape="box", style="rounded,filled", fillcolor="#eeeeee", color="#666666"),
    INPUT: dict(shape="box", style="filled", fillcolor="#c7e9c0", color="#41ab5d"),
    PARAM: dict(shape="box", style="filled", fillcolor="#c6dbef", color="#4292c6"),
    SAVED: dict(shape="box", style="filled,dashed", fillcolor="#feebd8", color="#f2a76b",
                 fontcolor="#7f5f4a"),
    CONST: dict(shape="box", style="filled,dashed", fillcolor="#f6f6f6", color="#bbbbbb",
                fontcolor="#888888"),
    COMPOSITE: dict(shape="box", style="rounded,filled", fillcolor="#ffffff", color="#444444",
                    penwidth="1.5"),
    MODULE: dict(shape="box3d", style="filled", fillcolor="#e5d8f0", color="#756bb1"),
    CUT: dict(shape="plaintext", style="", fillcolor="", color=""),
}
OUTPUT_FILL = "#ffeda0"
HIGHLIGHT = "#d62728"
FINISHED_BG = "#fde0dd"
EDGE_STYLES = {"data": "", "saved": 'style=dashed color="#f2a76b"',
               "kept": 'style=dashed color="#e6550d" arrowhead=none', "cut": "style=dotted"}

INSTALL_HINT = ("install Graphviz's `dot` program: apt-get install graphviz (Debian/Ubuntu), "
                "brew install graphviz (macOS) or conda install graphviz")


class GraphvizNotFoundError(RuntimeError):
    """The `dot` program (or the graphviz Python package) needed for rendering is missing."""


class Overlay:
    """Per-step state drawn over a graph, e.g. by the steppers.

    Give it to :func:`to_dot` or :func:`graph_to_dot` as ``overlay=`` to draw one moment of a
    pass: the node being processed, which gradients are finished, and which edges just
    carried something.

    Parameters
    ----------
    current : Node or Tensor, optional
        The key (a Node, or a leaf Tensor) to highlight with a thick red border.
    grads : dict, optional
        Key -> gradient Tensor; when given, only these gradients are drawn (finished, on a
        pink background) and every other gradient cell is empty (pending).
    values : dict, optional
        Key -> ndarray; when given, op values come only from here (forward stepping).
    flows : dict, optional
        ``{(id(src_key), id(dst_key)): Tensor or ndarray}``: the edges that just carried a
        gradient (or, forward, a value), drawn red and labelled with the value when scalar.
    show_grads : bool, optional
        False hides every gradient cell (forward stepping). Default True.
    """
    __slots__ = ("current", "grads", "values", "flows", "show_grads")

    def __init__(self, current=None, grads=None, values=None, flows=None, show_grads=True):
        self.current = current
        self.grads = grads
        self.values = values
        self.flows = flows or {}
        self.show_grads = show_grads


def _esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _attr(value):
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _multiline(text):
    return "<BR/>".join(_esc(line) for line in text.split("\n"))


def _grad_of(graph, v, overlay):
    """The gradient Tensor to draw for a vertex, or None (no gradient cell content)."""
    key = v.key
    if overlay is not None and not overlay.show_grads:
        return None
    if overlay is not None and overlay.grads is not None:
        return overlay.grads.get(key)
    if v.kind == COMPOSITE:
        key = v.out_node
        if overlay is not None and overlay.grads is not None:
            return overlay.grads.get(key)
    if isinstance(key, Node):
        grad = getattr(key, "grad", None)
        if grad is None and key in graph.tensors:
            grad = graph.tensors[key].grad      # a retain_grad() tensor the caller named
        return grad
    if isinstance(key, Tensor) and v.kind in (PARAM, INPUT):
        return key.grad
    return None


def _value_of(graph, v, overlay):
    key = v.out_node if v.kind == COMPOSITE else v.key
    if v.tensor is not None:
        return v.tensor._data
    if not isinstance(key, Node):
        return None
    if overlay is not None and overlay.values is not None:
        return overlay.values.get(key)
    return graph.values.get(key)


def _data_grad_rows(value, grad, shown, max_elements, finished):
    """micrograd's 'data | grad' for scalars; stacked rows for small tensors; norm, mean and
    the first entries for large ones. `shown` False: no grad cell at all."""
    bg = f' BGCOLOR="{FINISHED_BG}"' if finished and grad is not None else ""
    data_text = None
    if value is not None:
        data_text = array_text(value, max_elements)
        if data_text is None:
            data_text = brief(value)
    grad_arr = grad._data if grad is not None else None
    scalar = (value is None or np.size(value) == 1) and (grad_arr is None or grad_arr.size == 1)
    if scalar and (value is not None or shown):
        cells = []
        cells.append(f"<TD>data {_esc(data_text) if data_text is not None else ''}</TD>")
        if shown:
            g = number(grad_arr.reshape(()).item()) if grad_arr is not None else ""
            cells.append(f'<TD{bg}>grad {g}</TD>')
        sep = '<VR/>' if len(cells) == 2 else ""
        return [f"<TR>{sep.join(cells)}</TR>"] if cells else []
    rows = []
    if data_text is not None:
        rows.append(f'<TR><TD COLSPAN="2">data {_multiline(data_text)}</TD></TR>')
    if shown:
        if grad_arr is None:
            text = ""
        else:
            small = array_text(grad_arr, max_elements)
            text = _multiline(small if small is not None else brief(grad_arr))
        rows.append(f'<TR><TD COLSPAN="2"{bg}>grad {text}</TD></TR>')
    return rows


def _label(graph, v, overlay, max_elements, show_values):
    if v.kind == CUT:
        return '"..."'
    rows = []
    if v.kind in (OP, COMPOSITE):
        node = v.key if v.kind == OP else v.out_node
        op = node.prim.name if v.kind == OP else v.key[1].name
        title = f"<B>{_esc(op)}</B>"
        title += f"&#160;&#160;{_esc(v.name)}" if v.name else ""   # a kept space: "mul  e"
        title += f' <FONT POINT-SIZE="8" COLOR="#777777">#{v.id[1:]}</FONT>'
        rows.append(f'<TR><TD COLSPAN="2">{title}</TD></TR>')
        if v.kind == COMPOSITE:
            inner = " ".join(n.prim.name for n in v.members)
            rows.append(f'<TR><TD COLSPAN="2"><FONT POINT-SIZE="8" COLOR="#777777">'
                        f'{len(v.members)} ops: {_multiline(_wrap_text(inner))}</FONT></TD></TR>')
        rows.append(f'<TR><TD COLSPAN="2">{_esc(shape_text(node.shape, node.dtype))}</TD></TR>')
    elif v.kind == CONST:
        rows.append(f'<TR><TD COLSPAN="2"><B>{_esc(v.name or "constant")}</B></TD></TR>')
        value = graph.values.get(v.key)
        dtype = value.dtype if value is not None else v.key[1].dtype
        shape = f"{shape_text(v.shape, dtype)}" if v.shape is not None else "shape ?"
        rows.append(f'<TR><TD COLSPAN="2">{_esc(shape)}</TD></TR>')
        if value is not None and show_values:
            rows += _data_grad_rows(value, None, False, max_elements, False)
    elif v.kind == MODULE:
        rows.append(f'<TR><TD COLSPAN="2"><B>{_esc(v.name)}</B></TD></TR>')
        ops, boxes = {}, set()
        for n in v.members:
            box = graph.rep.get(n)
            if isinstance(box, tuple) and box[0] == COMPOSITE:    # a composite op: once
                if box in boxes:
                    continue
                boxes.add(box)
                name = box[1].name
            else:
                name = n.prim.name
            ops[name] = ops.get(name, 0) + 1
        opstext = ", ".join(f"{k} x{c}" if c > 1 else k for k, c in ops.items())
        rows.append(f'<TR><TD COLSPAN="2">{len(v.members)} ops: {_multiline(_wrap_text(opstext))}'
                    f'</TD></TR>')
        for name, p in v.absorbed:
            rows.append(f'<TR><TD COLSPAN="2">{_esc(name)} '
                        f'{_esc(shape_text(p.shape, p.dtype))}</TD></TR>')
        if overlay is not None and overlay.grads is not None:
            done = sum(1 for n in v.members if n in overlay.grads)
            rows.append(f'<TR><TD COLSPAN="2">gradients {done}/{len(v.members)}</TD></TR>')
    else:
        t = v.tensor
        if t is None:                       # a node's kept output (show_saved="all")
            node = v.key[1]
            rows.append('<TR><TD COLSPAN="2"><B>saved</B> out</TD></TR>')
            data = array_text(graph.values.get(node), max_elements) \
                if node in graph.values else None
            rows.append(f'<TR><TD COLSPAN="2">{_esc(shape_text(node.shape, node.dtype))}</TD>'
                        f'</TR>')
            if data is not None and show_values:
                rows.append(f'<TR><TD COLSPAN="2">{_multiline(data)}</TD></TR>')
        else:
            if v.kind == SAVED:
                title = "<B>saved</B>" + (f"&#160;&#160;{_esc(v.name)}" if v.name else "")
            else:
                title = f"<B>{_esc(v.name or ('parameter' if v.kind == PARAM else 'input'))}</B>"
            rows.append(f'<TR><TD COLSPAN="2">{title}</TD></TR>')
            rows.append(f'<TR><TD COLSPAN="2">{_esc(shape_text(t.shape, t.dtype))}</TD></TR>')
    if v.kind in (OP, COMPOSITE) or v.tensor is not None:
        value = _value_of(graph, v, overlay) if show_values else None
        grad = _grad_of(graph, v, overlay)
        shown = v.kind != SAVED and (overlay is None or overlay.show_grads)
        if overlay is None and grad is None:
            shown = False                 # plain drawing: no empty grad cells
        finished = overlay is not None and overlay.grads is not None
        rows += _data_grad_rows(value, grad, shown, max_elements, finished)
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">' + \
        "".join(rows) + "</TABLE>>"


def _wrap_text(text, width=40):
    out, line = [], ""
    for word in text.split(" "):
        if line and len(line) + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out)


def _node_line(graph, v, overlay, max_elements, show_values):
    style = dict(STYLES[v.kind])
    if v.is_output:
        style["fillcolor"] = OUTPUT_FILL
        style["peripheries"] = "2"
    current = overlay.current if overlay is not None else None
    if current is not None and graph.vertex(current) is v:
        style["color"] = HIGHLIGHT
        style["penwidth"] = "3"
    attrs = " ".join(f"{k}={_attr(val)}" for k, val in style.items() if val != "")
    if v.kind == CUT:
        attrs += f' tooltip={_attr(f"drawing cut at depth {graph.depth}")}'
    label = _label(graph, v, overlay, max_elements, show_values)
    return f"\t{v.id} [label={label} {attrs}]\n"


def _edge_line(graph, e, overlay):
    src, dst = graph.vertex(e.src), graph.vertex(e.dst)
    attrs = EDGE_STYLES[e.kind]
    flow = None
    if overlay is not None and overlay.flows:
        for a, b in e.pairs:
            flow = overlay.flows.get((id(a), id(b)))
            if flow is not None:
                break
    if flow is not None:
        attrs = f'color="{HIGHLIGHT}" penwidth=2'
        text = array_text(flow._data if isinstance(flow, Tensor) else flow, 1)
        if text is not None:
            attrs += f" label={_attr(text)} fontcolor={_attr(HIGHLIGHT)}"
    return f"\t{src.id} -> {dst.id}" + (f" [{attrs}]" if attrs else "") + "\n"


def dot_lines(graph, overlay=None, rankdir="LR", max_elements=6, show_values=True):
    """The statements of the DOT graph (each '\\t...\\n'), clusters nested by module scope."""
    lines = [f"\tgraph [rankdir={rankdir} fontname=Helvetica fontsize=10 nodesep=0.25 "
             f"ranksep=0.35]\n",
             "\tnode [fontname=Helvetica fontsize=10 margin=\"0.06,0.03\" height=0.3]\n",
             "\tedge [fontname=Helvetica fontsize=9 arrowsize=0.6 color=\"#555555\"]\n"]
    by_scope = {}
    for v in graph.vertices.values():
        by_scope.setdefault(v.scope, []).append(v)
    for v in by_scope.get(None, ()):
        lines.append(_node_line(graph, v, overlay, max_elements, show_values))
    counter = [0]

    def cluster(scope, indent):
        counter[0] += 1
        pad = "\t" * indent
        lines.append(f"{pad}subgraph cluster_{counter[0]} {{\n")
        if isinstance(scope, CompositeScope):      # an expanded composite op
            lines.append(f"{pad}\tlabel={_attr(graph.scope_labels[scope])} style=\"rounded,dotted\""
                         f" color=\"#888888\" fontcolor=\"#444444\"\n")
        else:
            lines.append(f"{pad}\tlabel={_attr(graph.scope_labels[scope])} "
                         f"style=\"rounded,dashed\" color=\"#9e9ac8\" fontcolor=\"#54278f\"\n")
        for v in by_scope.get(scope, ()):
            lines.append(pad + _node_line(graph, v, overlay, max_elements, show_values))
        for child in graph.children.get(scope, ()):
            cluster(child, indent + 1)
        lines.append(f"{pad}}}\n")

    # module nesting is shallow (a handful of levels), so recursing over scopes is safe
    for top in graph.children.get(None, ()):
        cluster(top, 1)
    for e in graph.edges:
        lines.append(_edge_line(graph, e, overlay))
    return lines


def _graph_and_options(roots, params, options):
    walk = {k: options.pop(k) for k in ("names", "depth", "collapse", "max_depth", "show_saved",
                                        "expand", "auto_collapse") if k in options}
    overlay = options.pop("overlay", None)
    style = {k: options.pop(k) for k in ("rankdir", "max_elements", "show_values")
             if k in options}
    if options:
        raise TypeError(f"viz: unexpected option(s) {sorted(options)}")
    return build_graph(roots, params, **walk), overlay, style


def to_dot(roots, params=None, **options):
    """DOT text of the graph behind `roots` (a Tensor or a list: e.g. [loss, aux]).

    Each op is a box with its name, the tensor it made (number, shape, dtype) and its data
    and gradient; leaves, parameters, saved tensors and constants have their own styles.
    Edges run the way data flows (input -> op). Needs no graphviz. The legend is in the
    docstring of ``glassgrad.viz.dot`` (also ``glassgrad.viz.LEGEND``).

    Parameters
    ----------
    roots : Tensor or list of Tensor
        The result(s) whose graph is drawn, e.g. the loss or ``[loss, aux]``.
    params : dict, iterable of (str, Tensor) or nn.Module, optional
        Names of the parameters: ``dict(model.named_parameters())``, pairs, or a module.
        Parameters not named there are named through the modules that made the ops when
        possible (a module's parameters are drawn under their state-dict names).
    **options
        Keyword-only drawing options:

        names : dict of str to Tensor
            Tensors (leaf or intermediate) to label, e.g. ``dict(e=e, d=d)``; a tensor's
            ``.name`` labels it too.
        depth : int
            Draw only what is at most `depth` ops from a root ("..." marks the cut).
        collapse : bool
            True: one box per innermost module. Default False.
        max_depth : int
            One box per module nested deeper than `max_depth` levels (0: each top-level
            module is one box).
        auto_collapse : int or None
            With more boxes than this (default 40) and neither `collapse` nor `max_depth`
            given, modules are collapsed to the deepest level that fits. None: never.
        expand : bool or set of str
            False (default) draws each composite op call (mean, softmax, layer_norm,
            cross_entropy, ...) as one box; True draws its ops; a set of names expands
            those.
        show_saved : bool or "all"
            True (default): saved tensors and constants not otherwise drawn; "all": also
            each op's kept output; False: none.
        overlay : Overlay
            Stepper state drawn over the graph.
        rankdir : {"LR", "TB"}
            "LR" (default, left to right) or "TB" (top to bottom: deep nets fit a notebook
            column).
        max_elements : int
            Tensors up to this many elements show their values (default 6); larger ones a
            summary (norm, mean and the first entries).
        show_values : bool
            False hides data values. Default True.

    Returns
    -------
    str
        The DOT text (``digraph glassgrad {...}``), for Graphviz or any DOT viewer.

    Raises
    ------
    TypeError
        If a root, a parameter or a named tensor is not a Tensor, or an option is unknown.
    ValueError
        If no root is given, or `depth` or `max_depth` is negative.

    See Also
    --------
    draw, svg, render, build_graph

    Examples
    --------
    >>> a = gg.tensor(2.0, requires_grad=True)
    >>> a.name = "a"
    >>> text = gg.viz.to_dot(a * 3.0)
    >>> text.splitlines()[0]
    'digraph glassgrad {'
    >>> "mul" in text and "<B>a</B>" in text
    True
    """
    graph, overlay, style = _graph_and_options(roots, params, dict(options))
    return graph_to_dot(graph, overlay, **style)


def graph_to_dot(graph, overlay=None, **style):
    """DOT text of an already built `Graph` (see `to_dot` for the style options).

    Parameters
    ----------
    graph : Graph
        A graph from :func:`build_graph`.
    overlay : Overlay, optional
        Stepper state drawn over the graph.
    **style
        ``rankdir``, ``max_elements`` and ``show_values``, as for :func:`to_dot`.

    Returns
    -------
    str
        The DOT text.

    Raises
    ------
    TypeError
        If a style option is unknown.
    """
    return "digraph glassgrad {\n" + "".join(dot_lines(graph, overlay, **style)) + "}\n"


def draw(roots, params=None, **options):
    """A `graphviz.Digraph` of the graph (Jupyter shows it inline); same options as `to_dot`.

    Needs the graphviz Python package (pip install graphviz) and, to display, `dot`.

    Parameters
    ----------
    roots : Tensor or list of Tensor
        The result(s) whose graph is drawn, e.g. the loss or ``[loss, aux]``.
    params : dict, iterable of (str, Tensor) or nn.Module, optional
        Names of the parameters: ``dict(model.named_parameters())``, pairs, or a module.
        Parameters not named there are named through the modules that made the ops when
        possible (a module's parameters are drawn under their state-dict names).
    **options
        The drawing options of :func:`to_dot` (names, depth, collapse, max_depth,
        auto_collapse, expand, show_saved, overlay, rankdir, max_elements, show_values).

    Returns
    -------
    graphviz.Digraph
        The drawing; ``.source`` is the DOT text, ``.render(...)`` writes files.

    Raises
    ------
    GraphvizNotFoundError
        If the graphviz Python package is not installed.
    TypeError
        If a root, a parameter or a named tensor is not a Tensor, or an option is unknown.
    ValueError
        If no root is given, or `depth` or `max_depth` is negative.
    """
    graph, overlay, style = _graph_and_options(roots, params, dict(options))
    return digraph(dot_lines(graph, overlay, **style))


def digraph(lines):
    try:
        import graphviz
    except ImportError:
        raise GraphvizNotFoundError("ag.viz.draw needs the graphviz Python package: pip install "
                                    "graphviz (and the `dot` program: apt-get install graphviz). "
                                    "ag.viz.to_dot gives the DOT text without it.") from None
    return graphviz.Digraph(name="glassgrad", body=list(lines))


def dot_program():
    """Path of Graphviz's `dot`, or a GraphvizNotFoundError saying how to install it."""
    path = shutil.which("dot")
    if path is None:
        raise GraphvizNotFoundError(f"rendering needs Graphviz's `dot` program, which is not on "
                                    f"PATH: {INSTALL_HINT}. ag.viz.to_dot works without it.")
    return path


def pipe(dot_text, format="svg"):
    """Run `dot -T<format>` on DOT text and return the output bytes."""
    proc = subprocess.run([dot_program(), f"-T{format}"], input=dot_text.encode("utf-8"),
                          capture_output=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dot -T{format} failed (exit {proc.returncode}): "
                           f"{proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout


def svg(roots, params=None, **options):
    """The drawing as SVG text (needs `dot`); same options as `to_dot`.

    Parameters
    ----------
    roots : Tensor or list of Tensor
        The result(s) whose graph is drawn, e.g. the loss or ``[loss, aux]``.
    params : dict, iterable of (str, Tensor) or nn.Module, optional
        Names of the parameters: ``dict(model.named_parameters())``, pairs, or a module.
        Parameters not named there are named through the modules that made the ops when
        possible (a module's parameters are drawn under their state-dict names).
    **options
        The drawing options of :func:`to_dot` (names, depth, collapse, max_depth,
        auto_collapse, expand, show_saved, overlay, rankdir, max_elements, show_values).

    Returns
    -------
    str
        The SVG document.

    Raises
    ------
    GraphvizNotFoundError
        If Graphviz's `dot` program is not on PATH.
    RuntimeError
        If `dot` fails.
    TypeError
        If a root, a parameter or a named tensor is not a Tensor, or an option is unknown.
    ValueError
        If no root is given, or `depth` or `max_depth` is negative.
    """
    return pipe(to_dot(roots, params, **options), "svg").decode("utf-8")


def render(roots, path, format="svg", params=None, **options):
    """Render the graph with `dot` into exactly `path` (no extension added) and return
    `path`.

    The file is written atomically (a reader never sees half a file). Needs Graphviz's
    `dot` program (apt-get install graphviz, brew install graphviz or conda install
    graphviz), not the graphviz Python package.

    Parameters
    ----------
    roots : Tensor or list of Tensor
        The result(s) whose graph is drawn, e.g. the loss or ``[loss, aux]``.
    path : str or path-like
        The file to write, used as given.
    format : str, optional
        Any ``dot -T`` format: "svg" (default), "png", "pdf", ...
    params : dict, iterable of (str, Tensor) or nn.Module, optional
        Names of the parameters: ``dict(model.named_parameters())``, pairs, or a module.
    **options
        The drawing options of :func:`to_dot` (names, depth, collapse, max_depth,
        auto_collapse, expand, show_saved, overlay, rankdir, max_elements, show_values).

    Returns
    -------
    str or path-like
        `path`.

    Raises
    ------
    GraphvizNotFoundError
        If Graphviz's `dot` program is not on PATH.
    RuntimeError
        If `dot` fails (e.g. an unknown format).
    TypeError
        If a root, a parameter or a named tensor is not a Tensor, or an option is unknown.
    ValueError
        If no root is given, or `depth` or `max_depth` is negative.

    Notes
    -----
    PyTorch has no built-in graph drawing (the third-party torchviz's ``make_dot`` is the
    closest); this one draws glassgrad's own recorded graph, with values and gradients.

    Examples
    --------
    >>> from glassgrad import nn
    >>> _ = gg.manual_seed(0)
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> loss = model(gg.randn(2, 3)).pow(2).mean()
    >>> gg.viz.render(loss, "graph.svg", params=model)
    'graph.svg'
    >>> open("graph.svg").read().startswith("<?xml")
    True
    """
    data = pipe(to_dot(roots, params, **options), format)
    write_atomic(path, data)
    return path
