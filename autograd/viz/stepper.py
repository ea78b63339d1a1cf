"""Step through a backward (or forward) pass one node at a time.

`BackwardStepper(loss)` runs the real engine once (`engine.run_backward` with an observer,
retain_graph=True and accumulate=False, so the user's graph survives and no `.grad` changes),
records every step in the engine's own order, then replays them: `next()` / `prev()` /
`goto(k)` / `reset()` / `run_to_end()`. Leaf steps write `.grad` exactly as `backward()`
would, undo puts back what was there before (None included), so after `run_to_end()` the
leaves hold the same `.grad` as after `loss.backward()`.

`ForwardStepper(out)` walks the recorded forward pass in topological order with the values
each op produced (record the forward under `ag.keep_values()`).

Both draw step k with `dot(k)` / `draw(k)` / `svg(k)`, print with `describe(k)` / `trace()`,
save one SVG per step with `save_svgs(folder)`, and show a widget with `widget()`.
"""
import os

import numpy as np

from glassgrad.autograd._atomic import write_atomic
from glassgrad.autograd.engine import Node, _accumulate, run_backward, toposort
from glassgrad.autograd.grad_mode import set_grad_enabled
from glassgrad.autograd.tensor import Tensor
from . import dot as _dot
from .graph import _as_roots, build_graph, forward_order
from .labels import (derivative_lines, forward_line, operand_lines, shape_text, shaped, summary,
                     value_term)

_WALK = ("depth", "collapse", "max_depth", "show_saved", "expand", "auto_collapse")
_STYLE = ("rankdir", "max_elements", "show_values")
TEXT_ELEMENTS = 24      # the step texts show every number of tensors up to this size
_LEAF_RULE = "leaf: .grad += the sum of the gradients of all its uses"


class Step:
    """One step of a walk.

    The steppers create the steps; iterate over a stepper or index it to read them, and
    ``str(step)`` gives the step's text.

    Parameters
    ----------
    index : int
        The step's place in the walk, from 0.
    kind : {"node", "leaf", "forward"}
        "node" (an op's rule ran), "leaf" (a leaf's total gradient was accumulated into
        .grad) or "forward" (an op produced its value).
    node : Node or Tensor
        The Node (or the leaf Tensor for leaf steps).
    op : str
        The primitive's name, or "accumulate" for leaf steps.
    ref : str
        Its short name ('mul#3', 'a', '0.weight').

    Notes
    -----
    The stepper fills in the rest of the step (attributes of the same names):

    grad_out
        The upstream gradient dL/dout (node steps) or the leaf's total gradient (a Tensor).
    grads_in
        Per input (node.next order), the gradient passed to it, or None.
    targets
        Per input, the name of what received it.
    sources
        Per contribution to ``grad_out``, the name of the step that sent it and the
        gradient.
    rule
        The derivative rule in words (Primitive.rule).
    lines
        The rule with values: the step's text, line by line.
    value, inputs
        Forward steps: the output value and the input values (ndarrays).
    """
    __slots__ = ("index", "kind", "node", "op", "ref", "grad_out", "grads_in", "targets",
                 "rule", "lines", "value", "inputs", "sources")

    def __init__(self, index, kind, node, op, ref):
        self.index, self.kind, self.node, self.op, self.ref = index, kind, node, op, ref
        self.grad_out = None
        self.grads_in = ()
        self.targets = ()
        self.rule = ""
        self.lines = []
        self.value = None
        self.inputs = ()
        self.sources = []      # (ref of the step that sent it, gradient) for each contribution

    def text(self):
        """The step's lines as one text.

        Returns
        -------
        str
            The lines joined by newlines (also ``str(step)``).
        """
        return "\n".join(self.lines)

    __str__ = text

    def __repr__(self):
        return f"<Step {self.index} {self.kind} {self.ref}>"


class Stepper:
    """What BackwardStepper and ForwardStepper share: moving through a list of steps and
    drawing the graph at the current position.

    The stepper stands at a position k in [0, len(steps)]: the first k steps are applied.
    It is not constructed directly; build a ``BackwardStepper`` or ``ForwardStepper``.

    Parameters
    ----------
    graph : Graph
        The graph being stepped through.
    steps : list of Step
        The steps, in the order they are applied.
    style : dict
        Drawing options passed on to the graph's rendering.
    """

    def __init__(self, graph, steps, style):
        self.graph = graph
        self.steps = steps
        self.position = 0
        self._style = style
        self._undo = []
        self._svg = {}

    def __len__(self):
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, k):
        return self.steps[k]

    @property
    def current(self):
        """The step last applied (None at position 0)."""
        return self.steps[self.position - 1] if self.position else None

    @property
    def done(self):
        """True when every step is applied."""
        return self.position == len(self.steps)

    def next(self):
        """Apply the next step and return it.

        Returns
        -------
        Step or None
            The step just applied; None when already at the end.
        """
        if self.done:
            return None
        step = self.steps[self.position]
        self._undo.append(self._apply(step))
        self.position += 1
        return step

    def prev(self):
        """Undo the last applied step.

        Returns
        -------
        Step or None
            The step now current; None at the start.
        """
        if self.position == 0:
            return None
        self.position -= 1
        self._revert(self.steps[self.position], self._undo.pop())
        return self.current

    def goto(self, k):
        """Move to position k (0 = nothing applied, len(self) = all applied).

        Parameters
        ----------
        k : int
            The position, in [0, len(stepper)].

        Returns
        -------
        Step or None
            The step now current (the last one applied); None at position 0.

        Raises
        ------
        IndexError
            If `k` is not an int in [0, len(stepper)].
        """
        if not isinstance(k, (int, np.integer)) or not 0 <= k <= len(self.steps):
            raise IndexError(f"{type(self).__name__}.goto: position must be an int in "
                             f"[0, {len(self.steps)}], got {k!r}")
        while self.position < k:
            self.next()
        while self.position > k:
            self.prev()
        return self.current

    def reset(self):
        """Undo every step (position 0).

        Returns
        -------
        None
            No step is current at the start.
        """
        return self.goto(0)

    def run_to_end(self):
        """Apply every remaining step.

        Returns
        -------
        Step or None
            The last step (None for a walk without steps).
        """
        return self.goto(len(self.steps))

    def _apply(self, step):
        return None

    def _revert(self, step, record):
        pass

    # ----- text -------------------------------------------------------------------------
    def describe(self, k=None):
        """Text of position k: the step that brought us there.

        Parameters
        ----------
        k : int, optional
            A position in [0, len(stepper)]; default the current one.

        Returns
        -------
        str
            The step's text (at position 0, the start and the number of steps).
        """
        k = self.position if k is None else k
        if k == 0:
            return f"{self._title()}: start, {len(self.steps)} steps to go"
        return self.steps[k - 1].text()

    def trace(self):
        """Every step's text, in order: the whole walk as plain text.

        Returns
        -------
        str
            The texts of the start and of every step, separated by blank lines.
        """
        return "\n\n".join([self.describe(0)] + [s.text() for s in self.steps])

    def _title(self):
        return type(self).__name__

    # ----- drawings ---------------------------------------------------------------------
    def overlay(self, k=None):
        """The `Overlay` (highlighted node, gradients or values shown, edges that just carried
        something) that draws position k.

        Parameters
        ----------
        k : int, optional
            A position in [0, len(stepper)]; default the current one.

        Returns
        -------
        Overlay
            The state to draw.
        """
        raise NotImplementedError

    def dot(self, k=None):
        """DOT text of the graph at position k.

        Parameters
        ----------
        k : int, optional
            A position in [0, len(stepper)]; default the current one.

        Returns
        -------
        str
            The DOT text.
        """
        return _dot.graph_to_dot(self.graph, self.overlay(k), **self._style)

    def draw(self, k=None):
        """graphviz.Digraph of the graph at position k (shown inline in Jupyter).

        Parameters
        ----------
        k : int, optional
            A position in [0, len(stepper)]; default the current one.

        Returns
        -------
        graphviz.Digraph
            The drawing.

        Raises
        ------
        GraphvizNotFoundError
            If the graphviz Python package is not installed.
        """
        return _dot.digraph(_dot.dot_lines(self.graph, self.overlay(k), **self._style))

    def svg(self, k=None):
        """SVG text of the graph at position k (needs `dot`; cached per position).

        Parameters
        ----------
        k : int, optional
            A position in [0, len(stepper)]; default the current one.

        Returns
        -------
        str
            The SVG document.

        Raises
        ------
        GraphvizNotFoundError
            If Graphviz's `dot` program is not on PATH.
        """
        k = self.position if k is None else k
        if k not in self._svg:
            self._svg[k] = _dot.pipe(self.dot(k), "svg").decode("utf-8")
        return self._svg[k]

    def save_svgs(self, folder, prefix="step"):
        """Write one SVG per position (step_000.svg is the start, step_00k.svg after step k)
        and a trace.txt into `folder`.

        Parameters
        ----------
        folder : str or path-like
            Created if missing.
        prefix : str, optional
            The start of the file names. Default "step".

        Returns
        -------
        list of str
            The SVG paths, one per position.

        Raises
        ------
        GraphvizNotFoundError
            If Graphviz's `dot` program is not on PATH.
        """
        os.makedirs(folder, exist_ok=True)
        width = max(3, len(str(len(self.steps))))
        paths = []
        for k in range(len(self.steps) + 1):
            path = os.path.join(folder, f"{prefix}_{k:0{width}d}.svg")
            write_atomic(path, self.svg(k).encode("utf-8"))
            paths.append(path)
        write_atomic(os.path.join(folder, "trace.txt"), self.trace().encode("utf-8"))
        return paths

    def widget(self):
        """A Jupyter widget: previous/next buttons, a slider over the steps, the SVG and the
        step text.

        Its output also holds a static copy of every frame for viewers that cannot run
        widgets (GitHub, nbviewer, exported HTML); without ipywidgets installed it is that
        static view. See :func:`stepper_widget`.

        Returns
        -------
        ipywidgets.VBox or StaticStepperView
            The widget.
        """
        from .widget import stepper_widget
        return stepper_widget(self)

    def to_html(self, path=None, title=None):
        """A self-contained HTML page with every frame (SVG and text) and a plain-JavaScript
        slider.

        Parameters
        ----------
        path : str or path-like, optional
            Also write the page there (atomically).
        title : str, optional
            The page's title. Default "glassgrad backward stepper" (or forward).

        Returns
        -------
        str
            The HTML page.
        """
        from .widget import stepper_page
        page = stepper_page(self, title or f"glassgrad {self._title()} stepper")
        if path is not None:
            write_atomic(path, page.encode("utf-8"))
        return page

    def _repr_html_(self):
        from .widget import stepper_html
        return stepper_html(self)

    def __repr__(self):
        return f"<{type(self).__name__} step {self.position}/{len(self.steps)}>"


def _split_options(options):
    walk = {k: options.pop(k) for k in _WALK if k in options}
    style = {k: options.pop(k) for k in _STYLE if k in options}
    if options:
        raise TypeError(f"stepper: unexpected option(s) {sorted(options)}")
    return walk, style


class _untouched:
    """Put back what a recording pass writes besides leaf grads: the .grad of retain_grad()
    tensors and, under keep_values, node.grad; replaying the steps writes them again."""

    def __init__(self, roots):
        nodes = toposort([t.grad_fn for t in roots if t.grad_fn is not None])
        self.nodes = [(n, getattr(n, "grad", None)) for n in nodes]
        self.retained = []
        for n in nodes:
            t = n.retained() if n.retained is not None else None
            if t is not None:
                self.retained.append((t, t.grad))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for t, grad in self.retained:
            t.grad = grad
        for n, grad in self.nodes:
            if grad is not None:
                n.grad = grad
            else:
                try:
                    del n.grad
                except AttributeError:      # never set on this node
                    pass
        return False


class BackwardStepper(Stepper):
    """The backward pass of `roots` (a Tensor or a list, e.g. [loss, aux]), one node at a time.

    The real backward pass runs once when the stepper is made (keeping the graph and
    leaving every ``.grad`` untouched) and each of its steps is recorded in the engine's own
    order; the stepper then replays them. ``next()``, ``prev()``, ``goto(k)``, ``reset()``
    and ``run_to_end()`` move it; a leaf step writes ``.grad`` exactly as ``backward()``
    would and moving back puts back what was there before (None included), so after
    ``run_to_end()`` the leaves hold the same ``.grad`` as after ``loss.backward()``.
    ``describe(k)`` and ``trace()`` give the steps as text (each op's rule with the numbers
    put in); ``dot(k)``, ``draw(k)``, ``svg(k)``, ``save_svgs(folder)``, ``to_html()`` and
    ``widget()`` draw them.

    Parameters
    ----------
    roots : Tensor or list of Tensor
        The result(s) to differentiate, e.g. the loss or ``[loss, aux]``.
    gradient : Tensor or list of Tensor, optional
        The seed (a Tensor per root; default ones for scalar roots), as in backward().
    params : dict, iterable of (str, Tensor) or nn.Module, optional
        Names of the parameters, as for :func:`to_dot`.
    names : dict of str to Tensor, optional
        Tensors to label, as for :func:`to_dot`.
    create_graph : bool, optional
        The recorded gradients are themselves differentiable (as backward(...,
        create_graph=True)); stepping to the end leaves graph-carrying .grad on the leaves.
        Default False.
    text_elements : int, optional
        The step texts print every number of the tensors they show (the upstream
        gradient, the operands the rule reads, the gradients it sends) up to this many
        elements (default 24); larger ones as shape, norm, mean, std, min, max and their
        first entries.
    **options
        The drawing options of :func:`to_dot`: depth, collapse, max_depth, auto_collapse,
        expand, show_saved, rankdir, max_elements, show_values.

    Raises
    ------
    TypeError
        If a root is not a Tensor or an option is unknown.
    ValueError
        If no root is given.
    RuntimeError
        As ``backward()``: a root that does not require grad, a non-scalar root without
        `gradient`, or a graph already freed.

    Notes
    -----
    Hooks run once, while the steps are recorded. Moving the stepper changes `.grad` of the
    leaves (and of retain_grad() tensors) to their state at that step. Drawings show the
    gradients of this pass (dL/dnode), not what earlier passes left in `.grad`. PyTorch has
    no counterpart.

    Examples
    --------
    >>> a = gg.tensor(2.0, requires_grad=True)
    >>> a.name = "a"
    >>> b = gg.tensor(3.0, requires_grad=True)
    >>> b.name = "b"
    >>> loss = a * b + a
    >>> s = gg.viz.BackwardStepper(loss)
    >>> s
    <BackwardStepper step 0/4>
    >>> print(s.next())
    step 1/4: add (AddBackward0) at add#0, output scalar float32
      rule: out = a + b;  dL/da = g,  dL/db = g
      upstream g = dL/dout = 1.0
      add: dL/da = dL/dout = 1.0   -> mul#1
      add: dL/db = dL/dout = 1.0   -> a
    >>> s.goto(3).text().splitlines()[1]       # a is used twice: its gradients add up
    '  dL/da = sum of 2 contributions (from add#0, mul#1): 1.0 + 3.0 = 4.0'
    >>> a.grad, b.grad                         # b's step has not run yet
    (tensor(4.), None)
    >>> _ = s.run_to_end()
    >>> b.grad
    tensor(2.)
    """

    def __init__(self, roots, gradient=None, params=None, names=None, create_graph=False,
                 text_elements=TEXT_ELEMENTS, **options):
        roots = _as_roots(roots)
        walk, style = _split_options(dict(options))
        graph = build_graph(roots, params, names, **walk)
        self.create_graph = bool(create_graph)
        max_elements = text_elements
        records = []
        if isinstance(gradient, (Tensor, np.ndarray)):
            gradient = [gradient]
        with _untouched(roots):
            run_backward(roots, gradient, retain_graph=True, create_graph=create_graph,
                         accumulate=False,
                         observer=lambda key, g, gi: records.append((key, g, gi)))
        steps, sent = [], {}
        for index, (key, g, grads_in) in enumerate(records):
            if isinstance(key, Node):
                step = Step(index, "node", key, key.prim.name, graph.ref(key))
                step.grad_out, step.grads_in, step.rule = g, tuple(grads_in), key.prim.rule
                step.targets = tuple(graph.ref(m) if m is not None else None for m in key.next)
                step.sources = sent.get(key, [])
                for m, gi in zip(key.next, step.grads_in):
                    if m is not None and gi is not None:
                        sent.setdefault(m, []).append((step.ref, gi))
                step.lines = self._node_lines(step, len(records), max_elements)
            else:
                step = Step(index, "leaf", key, "accumulate", graph.ref(key))
                step.grad_out, step.rule = g, _LEAF_RULE
                step.sources = sent.get(key, [])
                step.lines = self._leaf_lines(step, len(records), max_elements)
            steps.append(step)
        super().__init__(graph, steps, style)

    @staticmethod
    def _upstream(step, max_elements):
        total = shaped(step.grad_out, max_elements)
        if len(step.sources) > 1:
            parts = " + ".join(value_term(g, max_elements) if g._data.size == 1 else src
                               for src, g in step.sources)
            return (f"sum of {len(step.sources)} contributions "
                    f"(from {', '.join(src for src, _ in step.sources)}): {parts} = {total}")
        return total

    def _node_lines(self, step, n, max_elements):
        node = step.node
        lines = [f"step {step.index + 1}/{n}: {step.op} ({node.name()}) at {step.ref}, "
                 f"output {shape_text(node.shape, node.dtype)}",
                 f"  rule: {step.rule}",
                 f"  upstream g = dL/dout = {self._upstream(step, max_elements)}"]
        reads = operand_lines(node, max_elements)
        if reads:
            lines.append("  the rule reads: " + reads[0])
            lines += ["                  " + line for line in reads[1:]]
        lines += ["  " + line for line in
                  derivative_lines(node, step.grad_out, step.grads_in, step.targets,
                                   max_elements)]
        if all(gi is None for gi in step.grads_in):
            lines.append("  (no input needs a gradient)")
        return lines

    def _leaf_lines(self, step, n, max_elements):
        leaf = step.node
        before = leaf.grad
        lines = [f"step {step.index + 1}/{n}: accumulate into leaf {step.ref} "
                 f"({shape_text(leaf.shape, leaf.dtype)})",
                 f"  dL/d{step.ref} = {self._upstream(step, max_elements)}"]
        if before is None:
            lines.append(f"  {step.ref}.grad: None -> {shaped(step.grad_out, max_elements)}")
        else:
            lines.append(f"  {step.ref}.grad: {summary(before, max_elements)} + "
                         f"{summary(step.grad_out, max_elements)} (backward accumulates)")
        return lines

    def _title(self):
        return "backward"

    def _apply(self, step):
        # as in run_backward: graph recording is on exactly when create_graph is
        with set_grad_enabled(self.create_graph):
            if step.kind == "leaf":
                leaf = step.node
                before = leaf.grad
                saved = None if before is None else np.array(before._data, copy=True)
                _accumulate(leaf, step.grad_out, self.create_graph)
                return (leaf, before, saved)
            retained = step.node.retained() if step.node.retained is not None else None
            if retained is None:
                return None
            before = retained.grad
            g = step.grad_out
            retained.grad = g if before is None else before + g
            return (retained, before, None)

    def _revert(self, step, record):
        if record is None:
            return
        t, before, saved = record
        t.grad = before
        if saved is not None and not np.array_equal(before._data, saved, equal_nan=True):
            before._data[...] = saved      # _accumulate added in place: take it back

    def overlay(self, k=None):
        k = self.position if k is None else k
        grads = {s.node: s.grad_out for s in self.steps[:k]}
        current = flows = None
        if k:
            step = self.steps[k - 1]
            current = step.node
            if step.kind == "node":
                flows = {(id(m), id(step.node)): gi for m, gi in zip(step.node.next, step.grads_in)
                         if m is not None and gi is not None}
        return _dot.Overlay(current=current, grads=grads, flows=flows)


class ForwardStepper(Stepper):
    """The forward pass behind `roots`, one op at a time in topological order, with the value
    each op produced.

    Record the forward under ``glassgrad.autograd.keep_values()`` so that every node keeps
    its value (without it, only values the graph happens to keep are known, and a node
    without one raises). It moves, prints and draws as :class:`BackwardStepper`; it
    changes no ``.grad``.

    Parameters
    ----------
    roots : Tensor or list of Tensor
        The result(s) whose forward pass is walked.
    params : dict, iterable of (str, Tensor) or nn.Module, optional
        Names of the parameters, as for :func:`to_dot`.
    names : dict of str to Tensor, optional
        Tensors to label, as for :func:`to_dot`.
    **options
        The drawing options of :func:`to_dot`, as in :class:`BackwardStepper`.

    Raises
    ------
    ValueError
        If an op kept no value (run the forward pass under ``keep_values()``), or no root
        is given.
    TypeError
        If a root is not a Tensor or an option is unknown.
    """

    def __init__(self, roots, params=None, names=None, **options):
        roots = _as_roots(roots)
        walk, style = _split_options(dict(options))
        graph = build_graph(roots, params, names, **walk)
        max_elements = style.get("max_elements", 6)
        order = forward_order(roots)
        steps = []
        for index, node in enumerate(order):
            value = graph.values.get(node)
            if value is None:
                raise ValueError(f"ForwardStepper: op '{node.prim.name}' ({graph.ref(node)}, "
                                 f"output {shape_text(node.shape, node.dtype)}) kept no value; "
                                 f"run the forward pass under `with ag.keep_values():`")
            step = Step(index, "forward", node, node.prim.name, graph.ref(node))
            step.value = value
            step.inputs = tuple(self._input_value(graph, node, i) for i in range(len(node.next)))
            step.targets = tuple(graph.ref(m) if m is not None else "constant"
                                 for m in node.next)
            step.rule = node.prim.rule
            ins = ", ".join(f"{t} = {summary(v, max_elements)}" if v is not None
                            else f"{t} (value not kept)"
                            for t, v in zip(step.targets, step.inputs))
            step.lines = [f"step {index + 1}/{len(order)}: {step.op} -> {step.ref}, output "
                          f"{shape_text(node.shape, node.dtype)}",
                          f"  inputs: {ins}",
                          "  " + forward_line(node, step.inputs, value, max_elements)]
            steps.append(step)
        super().__init__(graph, steps, style)

    @staticmethod
    def _input_value(graph, node, i):
        m = node.next[i]
        if node.saved is not None and i < len(node.saved):
            return node.saved[i]._data
        if m is None:
            return None
        return graph.value(m)

    def _title(self):
        return "forward"

    def overlay(self, k=None):
        k = self.position if k is None else k
        values = {s.node: s.value for s in self.steps[:k]}
        current = flows = None
        if k:
            step = self.steps[k - 1]
            current = step.node
            flows = {(id(m), id(step.node)): v for m, v in zip(step.node.next, step.inputs)
                     if m is not None and v is not None}
        return _dot.Overlay(current=current, values=values, flows=flows, show_grads=False)
