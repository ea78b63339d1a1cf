"""Drawings of a captured program (`glassgrad.compile`): one box per call, edges for arrays.

Legend:
    call        grey rounded box: the primitive, the shape and dtype it writes and, when the
                result goes into a preallocated buffer, that buffer (``buffer b3``); the boxes
                that write one buffer share a fill colour and are chained by a dotted
                ``reuses b3`` edge (the buffer is handed on once its earlier array is dead)
    gradient    pink box: a leaf's ``.grad`` set or accumulated (``into the optimizer's
                buffer`` when the result is written straight into a fused optimizer's flat
                gradient array)
    in place    orange box: in-place arithmetic on an existing array (``p -= lr * g``)
    host call   yellow hexagon: a method replayed by calling it (``Adam.step``); the dashed
                edges give the order of the calls around it
    input       green box: an argument of the step
    parameter   blue box: a parameter or buffer, read afresh on every replay
    constant    dashed grey box: an array fixed at capture time
Edges run the way data flows and are labelled with the array's name in the printed program
(``%12``).
"""
from glassgrad.autograd._atomic import write_atomic

from .dot import _esc, digraph, pipe

_SOURCE_STYLE = {
    "input": 'shape=box style=filled fillcolor="#c7e9c0" color="#41ab5d"',
    "parameter": 'shape=box style=filled fillcolor="#c6dbef" color="#4292c6"',
    "constant": 'shape=box style="filled,dashed" fillcolor="#f6f6f6" color="#bbbbbb" '
                'fontcolor="#888888"',
}
_CALL_STYLE = {
    "op": 'shape=box style="rounded,filled" color="#666666"',
    "view": 'shape=box style="rounded,filled,dashed" color="#666666"',
    "set_grad": 'shape=box style="rounded,filled" fillcolor="#fde0dd" color="#c51b8a"',
    "acc_grad": 'shape=box style="rounded,filled" fillcolor="#fde0dd" color="#c51b8a"',
    "inplace": 'shape=box style="rounded,filled" fillcolor="#fdd0a2" color="#e6550d"',
    "host": 'shape=hexagon style=filled fillcolor="#ffeda0" color="#b8860b"',
}
# fill colours of the boxes writing into buffer b (cycled)
_BUFFER_FILLS = ("#e0ecf4", "#e5f5e0", "#fee6ce", "#efedf5", "#fde0ef", "#deebf7", "#f7fcb9",
                 "#e7e1ef", "#d9f0d3", "#fff7bc")


def _program_of(step):
    program = getattr(step, "program", step)
    if program is None:
        raise ValueError("this compiled step has no captured program (it runs eagerly or has "
                         "not been called twice yet): see its .mode and .reason")
    if not hasattr(program, "calls"):
        raise TypeError(f"expected a compiled step (glassgrad.compile) or its Program, got "
                        f"{type(step).__name__}")
    return program


def _shape_text(call):
    if call.shape is None:
        return ""
    shape = "(" + ", ".join(str(s) for s in call.shape) + ")"
    return f"{shape} {call.dtype}" if call.dtype is not None else shape


def _call_label(program, call):
    names = program.names
    if call.kind == "op":
        lines = [call.name, f"{names[call.output]} {_shape_text(call)}"]
        if call.buffer is not None:
            lines.append(f"buffer b{call.buffer}")
    elif call.kind == "view":
        lines = ["reshape", f"{names[call.output]} {_shape_text(call)}"]
    elif call.kind in ("set_grad", "acc_grad"):
        target = names[call.leaf_index]
        lines = [f"{target}.grad {'=' if call.kind == 'set_grad' else '+='}"]
        if call.into_optimizer:
            lines.append("into the optimizer's buffer")
    elif call.kind == "inplace":
        lines = [f"{call.name} in place", f"{names[call.output]}"]
    else:
        lines = [f"{call.name}()", "host call"]
    return "\\n".join(_esc(line) for line in lines)


def program_to_dot(step, rankdir="TB"):
    """DOT text drawing a captured program: one box per call, one edge per array read.

    Parameters
    ----------
    step : CompiledStep or Program
        A step made by `glassgrad.compile` that has been captured (its ``program`` is not
        None), or its ``program``.
    rankdir : str, optional
        Graphviz's layout direction: ``"TB"`` (top to bottom, the default) or ``"LR"``.

    Returns
    -------
    str
        The DOT source (``digraph program { ... }``). The styles are listed in this module's
        docstring: inputs, parameters and constants have their own colours, each call is a
        box labelled with its primitive, output shape, dtype and buffer, and the calls that
        reuse one preallocated buffer share a fill colour and a dotted ``reuses`` edge.

    Raises
    ------
    ValueError
        The compiled step has no program (it has not been captured yet, or runs eagerly).
    TypeError
        `step` is neither a compiled step nor a Program.

    See Also
    --------
    draw_program, program_svg, render_program

    Notes
    -----
    PyTorch has no counterpart: ``torch.compile`` graphs are shown by other tools
    (``torch._dynamo.explain``, ``TORCH_LOGS``).
    """
    return "\n".join(_lines(_program_of(step), rankdir, "program"))


def _lines(program, rankdir, name):
    out = [f"digraph {name} {{", f"  rankdir={rankdir};",
           '  node [fontname="Helvetica" fontsize=10]; edge [fontname="Helvetica" fontsize=9];']
    out.extend(_body(program))
    out.append("}")
    return out


def _body(program):
    lines = []
    writer = {}                 # array index -> node id of the call that wrote it last
    used_sources = []
    for call in program.calls:
        for i in call.inputs:
            if program.kinds[i] != "computed" and i not in writer:
                writer[i] = f"a{i}"
                used_sources.append(i)
    for i in used_sources:
        kind = program.kinds[i]
        label = _esc(program.names[i])
        lines.append(f'  a{i} [label="{label}\\n{kind}" {_SOURCE_STYLE[kind]}];')
    last_of_buffer = {}
    previous = None
    for n, call in enumerate(program.calls):
        node = f"c{n}"
        style = _CALL_STYLE[call.kind]
        fill = ""
        if call.kind in ("op", "view"):
            fill = (f' fillcolor="{_BUFFER_FILLS[call.buffer % len(_BUFFER_FILLS)]}"'
                    if call.buffer is not None else ' fillcolor="#eeeeee"')
        lines.append(f'  {node} [label="{_call_label(program, call)}" {style}{fill}];')
        for i in dict.fromkeys(call.inputs):
            src = writer.get(i)
            if src is not None:
                lines.append(f'  {src} -> {node} [label="{_esc(program.names[i])}"];')
        if call.kind == "host" or (previous is not None and
                                   program.calls[previous].kind == "host"):
            if previous is not None:
                lines.append(f'  c{previous} -> {node} [style=dashed color="#b8860b" '
                             f'label="then"];')
        if call.buffer is not None:
            before = last_of_buffer.get(call.buffer)
            if before is not None:
                lines.append(f'  {before} -> {node} [style=dotted color="#888888" '
                             f'label="reuses b{call.buffer}" constraint=false];')
            last_of_buffer[call.buffer] = node
        if call.output is not None and call.kind not in ("acc_grad",):
            writer[call.output] = node
        previous = n
    return lines


def draw_program(step, rankdir="TB"):
    """A `graphviz.Digraph` of a captured program (Jupyter shows it inline).

    Parameters
    ----------
    step : CompiledStep or Program
        A captured step made by `glassgrad.compile`, or its ``program``.
    rankdir : str, optional
        ``"TB"`` (default) or ``"LR"``.

    Returns
    -------
    graphviz.Digraph
        The drawing described in `program_to_dot`.

    Raises
    ------
    GraphvizNotFoundError
        The graphviz Python package is missing.
    ValueError
        The compiled step has no program yet.
    """
    return digraph(_lines(_program_of(step), rankdir, "program")[1:-1])


def program_svg(step, rankdir="TB"):
    """The drawing of a captured program as SVG text (needs Graphviz's `dot` program).

    Parameters
    ----------
    step : CompiledStep or Program
        A captured step made by `glassgrad.compile`, or its ``program``.
    rankdir : str, optional
        ``"TB"`` (default) or ``"LR"``.

    Returns
    -------
    str
        The SVG document.

    Raises
    ------
    GraphvizNotFoundError
        The `dot` program is not installed.
    ValueError
        The compiled step has no program yet.
    """
    return pipe(program_to_dot(step, rankdir), "svg").decode("utf-8")


def render_program(step, path, format="svg", rankdir="TB"):
    """Render a captured program with Graphviz into exactly `path`.

    Parameters
    ----------
    step : CompiledStep or Program
        A captured step made by `glassgrad.compile`, or its ``program``.
    path : str or os.PathLike
        The file to write (no extension is added).
    format : str, optional
        Any ``dot -T`` output format: ``"svg"`` (default), ``"png"``, ``"pdf"``, ...
    rankdir : str, optional
        ``"TB"`` (default) or ``"LR"``.

    Returns
    -------
    str or os.PathLike
        `path`.

    Raises
    ------
    GraphvizNotFoundError
        The `dot` program is not installed.
    ValueError
        The compiled step has no program yet.
    RuntimeError
        `dot` failed (e.g. an unknown format).
    """
    write_atomic(path, pipe(program_to_dot(step, rankdir), format))
    return path
