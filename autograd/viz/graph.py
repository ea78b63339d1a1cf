"""The graph as a drawing sees it: vertices, edges, and the module clusters they sit in.

`build_graph(roots, ...)` walks `node.next` breadth first from one or several roots (no
recursion, so any depth is fine) and returns a `Graph`. Nothing here needs graphviz; `dot.py`
turns a Graph into DOT text, and the steppers use it to name what they talk about.

Vertex kinds:
    op      a recorded node (one application of a primitive) and the tensor it produced
    param   a leaf that requires grad and has a parameter name
    input   any other leaf that requires grad
    saved   a tensor a node keeps for its rule that is not itself in the graph (a constant,
            a data batch that needs no grad) or, with show_saved="all", a node's kept output
    const   an input that needs no gradient and that its op does not keep (a loss target
            subtracted, a constant added): only its shape is known, drawn dimmed
    composite  the ops of one call of a composite function (mean, softmax, layer_norm,
            cross_entropy, ...: see `ag.composite`) drawn as one box named after it
            (expand=True draws the ops inside, framed by a cluster with that name)
    module  a module whose ops were collapsed into one box (collapse=True / max_depth=k, or
            automatically when the drawing would have more than `auto_collapse` boxes)
    cut     where the walk stopped (depth=N): the inputs of that node are not drawn
"""
from collections import deque

import numpy as np

from glassgrad.autograd.engine import Node
from glassgrad.autograd.naming import CompositeScope, node_name
from glassgrad.autograd.tensor import Tensor

OP, PARAM, INPUT, SAVED, MODULE, CUT = "op", "param", "input", "saved", "module", "cut"
CONST, COMPOSITE = "const", "composite"
AUTO_COLLAPSE = 40      # more boxes than this: modules are collapsed (auto_collapse=None: never)
# ops that take a target as an argument rather than as an input: which ctx entry, and its name
CTX_TARGETS = {"nll": (0, "target")}


class Vertex:
    """One drawable box. `key` is the Node, the leaf/saved Tensor, or a tuple for module boxes,
    cut markers, kept outputs and scalar constants (drawn once per op that keeps them);
    `tensor` is the tensor of a param / input / saved vertex; `id` is the DOT id ("n3");
    `ref` is how text names it."""
    __slots__ = ("key", "id", "kind", "name", "ref", "scope", "dist", "is_output", "members",
                 "absorbed", "tensor", "out_node", "shape")

    def __init__(self, key, number, kind, name, scope, dist, tensor=None):
        self.key = key
        self.tensor = tensor if tensor is not None else (key if isinstance(key, Tensor) else None)
        self.id = f"n{number}"
        self.kind = kind
        self.name = name
        self.scope = scope
        self.dist = dist
        self.is_output = False
        self.members = None      # module boxes: the op nodes inside
        self.absorbed = None     # module boxes: (name, tensor) of parameters drawn inside
        self.out_node = None     # composite boxes: the node whose output leaves the box
        self.shape = None        # const vertices: the shape when known
        if name:
            self.ref = name
        elif kind == OP:
            self.ref = f"{key.prim.name}#{number}"
        else:
            self.ref = f"{kind}#{number}"

    def __repr__(self):
        return f"<Vertex {self.id} {self.kind} {self.ref}>"


class Edge:
    """src -> dst in the direction data flows; `index` is the input slot of dst it feeds;
    `pairs` the (src, dst) keys of the walked edges it draws (several once boxes merge them)."""
    __slots__ = ("src", "dst", "index", "kind", "pairs")

    def __init__(self, src, dst, index, kind, pairs=None):
        self.src, self.dst, self.index, self.kind = src, dst, index, kind
        self.pairs = pairs if pairs is not None else ((src, dst),)


class Graph:
    """Vertices (insertion ordered, keyed by Node / Tensor / tuple), edges, known values, and
    the scope tree for clusters. `vertex(key)` maps any walked key to the vertex that draws it
    (a collapsed op maps to its module box)."""

    def __init__(self):
        self.vertices = {}
        self.edges = []
        self.values = {}          # op Node -> forward ndarray, when known
        self.tensors = {}         # op Node -> its output tensor, when the caller gave it
        self.rep = {}             # collapsed op / absorbed tensor -> module box key
        self.children = {}        # scope -> child scopes (None -> top-level scopes)
        self.scope_labels = {}
        self.depth = None
        self.inner_refs = {}      # op node drawn inside a composite box -> 'div#7 in mean#5'
        self.numbers = 0          # vertices numbered so far (ids stay unique as boxes replace)

    def new_number(self):
        """A fresh vertex number (vertex ids are "n" + number).

        Returns
        -------
        int
            The next number, counting from 0.
        """
        self.numbers += 1
        return self.numbers - 1

    def vertex(self, key):
        """The vertex that draws `key`, following ops drawn inside a composite or module box
        to that box.

        Parameters
        ----------
        key : Node, Tensor or tuple
            A walked key: a Node, a leaf tensor or a box key.

        Returns
        -------
        Vertex or None
            The vertex (``.id``, ``.kind``, ``.ref``, ...), or None if `key` is not drawn.
        """
        v = self.vertices.get(key)
        while v is None and key in self.rep:      # an op in a composite in a module box
            key = self.rep[key]
            v = self.vertices.get(key)
        return v

    def ref(self, key):
        """Short text name of a node or leaf, e.g. 'a', '0.weight', 'mul#3'.

        Parameters
        ----------
        key : Node or Tensor
            A node or leaf of the walked graph (or any other).

        Returns
        -------
        str
            The vertex's name; for an op inside a box, e.g. ``'div#7 in mean#5'``; for a
            key not drawn, the op's name or the tensor's ``.name`` (else ``'tensor'``).
        """
        v = self.vertices.get(key)
        if v is not None:
            return v.ref
        if key in self.inner_refs:
            return self.inner_refs[key]
        if isinstance(key, Node):
            return key.prim.name
        return getattr(key, "name", None) or "tensor"

    def value(self, key):
        """Forward value of a vertex key when known.

        Parameters
        ----------
        key : Node or Tensor
            An op node or a tensor.

        Returns
        -------
        ndarray or None
            A tensor's data, or an op's output when it is known (kept by the graph or
            recorded under ``keep_values()``), else None.
        """
        if isinstance(key, Tensor):
            return key._data
        return self.values.get(key)

    def count(self, kind=None):
        """How many vertices the graph has (of one kind: "op", "param", "input", ...).

        Parameters
        ----------
        kind : str, optional
            One of "op", "param", "input", "saved", "const", "composite", "module", "cut";
            None (default) counts every vertex.

        Returns
        -------
        int
            The count.
        """
        return sum(1 for v in self.vertices.values() if kind is None or v.kind == kind)


def _as_roots(roots):
    if isinstance(roots, Tensor):
        return [roots]
    roots = list(roots)
    for i, t in enumerate(roots):
        if not isinstance(t, Tensor):
            raise TypeError(f"viz: root {i} is a {type(t).__name__}, not a Tensor")
    if not roots:
        raise ValueError("viz: no roots given: pass a tensor (e.g. the loss) or a list of them")
    return roots


def _named_items(params):
    """params as (name, tensor) pairs: a dict, an iterable of pairs, or a module."""
    if params is None:
        return []
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    items = params.items() if hasattr(params, "items") else params
    out = []
    for pair in items:
        name, p = pair
        if not isinstance(p, Tensor):
            raise TypeError(f"viz: params[{name!r}] is a {type(p).__name__}, not a Tensor")
        out.append((str(name), p))
    return out


def _outermost_module(scope):
    top = None
    while scope is not None:
        if scope.module is not None:
            top = scope.module
        scope = scope.parent
    return top


class _ModuleNames:
    """Parameter and module names found through the modules of the scopes (node.scope):
    the outermost module of a scope chain names everything below it, as in its state_dict."""

    def __init__(self):
        self.params = {}      # Tensor -> qualified name
        self.modules = {}     # id(module) -> qualified name ('' for the outermost)
        self._seen = set()

    def add_root(self, module):
        if module is None or id(module) in self._seen:
            return
        self._seen.add(id(module))
        if hasattr(module, "named_parameters"):
            for name, p in module.named_parameters():
                self.params.setdefault(p, name)
        if hasattr(module, "named_modules"):
            for name, m in module.named_modules():
                self.modules.setdefault(id(m), name)


def _scope_label(scope, names):
    module = scope.module
    if module is None:
        return scope.name
    cls = type(module).__name__
    qual = names.modules.get(id(module)) or scope.name
    return cls if qual == cls else f"{qual}: {cls}"


def build_graph(roots, params=None, names=None, depth=None, collapse=False, max_depth=None,
                show_saved=True, expand=False, auto_collapse=AUTO_COLLAPSE):
    """Walk the graph behind `roots` (a Tensor or a list of them) into a `Graph`.

    The walk goes breadth first from the roots along each op's inputs (no recursion, so any
    depth is fine). Nothing here needs graphviz: :func:`graph_to_dot` turns the Graph into
    DOT text, and the steppers use it to name what they talk about.

    Parameters
    ----------
    roots : Tensor or list of Tensor
        The result(s) whose graph is walked, e.g. the loss or ``[loss, aux]``.
    params : dict, iterable of (str, Tensor) or nn.Module, optional
        Names of the parameters (e.g. ``dict(model.named_parameters())``), pairs, or a
        module; parameters not named there are named through the modules that made the ops
        when possible.
    names : dict of str to Tensor, optional
        Any tensor (leaf or not) to label, e.g. ``dict(e=e, d=d)``.
    depth : int, optional
        Keep only vertices at most `depth` ops away from a root; cut markers show where.
    collapse : bool, optional
        Each innermost module becomes one box. Default False.
    max_depth : int, optional
        Every module nested deeper than `max_depth` levels becomes one box (0: each
        top-level module is one box).
    show_saved : bool or "all", optional
        True (default) draws saved tensors that are not in the graph and the constants an
        op takes without keeping them, "all" also each node's kept output, False none.
    expand : bool, str or set of str, optional
        False (default) draws each call of a composite op (mean, softmax, layer_norm, ...)
        as one box; True draws the ops inside (in a cluster named after it); a set of names
        expands only those composites, e.g. ``{"cross_entropy"}``.
    auto_collapse : int or None, optional
        When neither `collapse` nor `max_depth` is given and the drawing would have more
        than this many boxes, modules are collapsed (max_depth = the deepest level that
        fits, else 0). None: never. Default 40.

    Returns
    -------
    Graph
        The vertices (boxes), edges, known values and module clusters.

    Raises
    ------
    TypeError
        If a root, a parameter or a named tensor is not a Tensor.
    ValueError
        If no root is given, or `depth` or `max_depth` is negative.

    Examples
    --------
    >>> a = gg.tensor(2.0, requires_grad=True)
    >>> a.name = "a"
    >>> b = gg.tensor(3.0, requires_grad=True)
    >>> loss = (a * b).relu()
    >>> g = gg.viz.build_graph(loss, names=dict(b=b))
    >>> g.count(), g.count("op"), g.count("input")
    (4, 2, 2)
    >>> g.ref(loss.grad_fn), g.ref(a), g.ref(b)
    ('relu#0', 'a', 'b')
    """
    if auto_collapse is not None and not collapse and max_depth is None:
        g = build_graph(roots, params, names, depth, False, None, show_saved, expand, None)
        if len(g.vertices) <= auto_collapse:
            return g
        levels = max((len(_module_chain(v.scope)) for v in g.vertices.values()), default=0)
        for k in range(levels - 1, -1, -1):
            g = build_graph(roots, params, names, depth, False, k, show_saved, expand, None)
            if len(g.vertices) <= auto_collapse:
                break
        return g
    if expand not in (True, False):
        if isinstance(expand, str):
            expand = {expand}
        expand = frozenset(expand)
    roots = _as_roots(roots)
    if depth is not None and depth < 0:
        raise ValueError(f"viz: depth must be >= 0, got {depth}")
    if max_depth is not None and max_depth < 0:
        raise ValueError(f"viz: max_depth must be >= 0, got {max_depth}")
    g = Graph()
    g.depth = depth

    # 1. breadth-first walk: every node and leaf with its distance (in ops) from a root
    dist, order, raw_edges = {}, [], []
    queue = deque()
    for t in roots:
        key = t.grad_fn if t.grad_fn is not None else t
        if key not in dist:
            dist[key] = 0
            order.append(key)
            queue.append(key)
    while queue:
        n = queue.popleft()
        if n.__class__ is not Node:
            continue
        d = dist[n] + 1
        for i, m in enumerate(n.next):
            if m is None:
                continue
            raw_edges.append((m, n, i))
            if m not in dist:
                dist[m] = d
                order.append(m)
                queue.append(m)

    visible = (lambda k: True) if depth is None else (lambda k: dist[k] <= depth)

    # 2. names: explicit ones first, then whatever the modules of the scopes say
    tensor_names = {}
    for name, t in _named_items(params):
        tensor_names[t.grad_fn if t.grad_fn is not None else t] = name
    param_keys = set(tensor_names)
    for name, t in (names or {}).items():
        if not isinstance(t, Tensor):
            raise TypeError(f"viz: names[{name!r}] is a {type(t).__name__}, not a Tensor")
        tensor_names.setdefault(t.grad_fn if t.grad_fn is not None else t, str(name))
        if t.grad_fn is not None:
            g.tensors[t.grad_fn] = t
    for t in roots:
        if t.name:
            tensor_names.setdefault(t.grad_fn if t.grad_fn is not None else t, t.name)
        if t.grad_fn is not None:
            g.tensors.setdefault(t.grad_fn, t)
    mod_names = _ModuleNames()
    scopes_seen = {}
    for key in order:
        if key.__class__ is Node and key.scope is not None and key.scope not in scopes_seen:
            s = key.scope
            while s is not None and s not in scopes_seen:
                scopes_seen[s] = None
                s = s.parent
            mod_names.add_root(_outermost_module(key.scope))

    # 3. vertices for nodes and leaves, values learned on the way
    def add(key, kind, name, scope, d, tensor=None):
        v = Vertex(key, g.new_number(), kind, name, scope, d, tensor)
        g.vertices[key] = v
        return v

    for key in order:
        if not visible(key):
            continue
        if key.__class__ is Node:
            add(key, OP, tensor_names.get(key) or node_name(key), key.scope, dist[key])
            value = getattr(key, "value", None)
            if value is None and key.out is not None:
                value = key.out
            if value is not None:
                g.values[key] = value
        else:
            name = tensor_names.get(key) or mod_names.params.get(key) or key.name
            is_param = key in param_keys or key in mod_names.params
            add(key, PARAM if is_param else INPUT, name, None, dist[key])
    for t in roots:
        key = t.grad_fn if t.grad_fn is not None else t
        g.vertices[key].is_output = True
    for node, t in g.tensors.items():
        g.values.setdefault(node, t._data)

    # 4. edges, saved tensors, cut markers
    for m, n, i in raw_edges:
        if visible(n) and visible(m):
            g.edges.append(Edge(m, n, i, "data"))
    for key in order:
        if key.__class__ is not Node or not visible(key):
            continue
        if key.saved is not None:
            for i, s in enumerate(key.saved):
                src = key.next[i] if i < len(key.next) else None
                if src is not None and (s is src or s.grad_fn is src):
                    if src.__class__ is Node:
                        g.values.setdefault(src, s._data)
                elif show_saved:
                    # a scalar constant is drawn next to each op keeping it: one shared box
                    # would pull long edges across the whole drawing (and slow dot down)
                    skey = ("const", id(s), key) if s._data.size == 1 else s
                    if skey not in g.vertices:
                        add(skey, SAVED, tensor_names.get(s) or s.name, None, dist[key] + 1, s)
                    g.edges.append(Edge(skey, key, i, "saved"))
        if show_saved and len(key.next) > 1:
            kept = len(key.saved) if key.saved is not None else 0
            for i, m in enumerate(key.next):
                if m is None and i >= kept:     # a constant input the op does not keep
                    v = add(("input const", key, i), CONST, None, None, dist[key] + 1)
                    v.shape = _input_shape(key, i)
                    g.edges.append(Edge(v.key, key, i, "saved"))
        target = CTX_TARGETS.get(key.prim.name)
        if show_saved and target is not None and key.ctx:
            value = np.asarray(key.ctx[target[0]])
            v = add(("ctx const", key), CONST, target[1], None, dist[key] + 1)
            v.shape = value.shape
            g.values[v.key] = value
            g.edges.append(Edge(v.key, key, len(key.next), "saved"))
        if show_saved == "all" and key.out is not None:
            out_key = ("out", key)
            add(out_key, SAVED, "out", key.scope, dist[key])
            g.edges.append(Edge(key, out_key, 0, "kept"))
        if depth is not None and dist[key] == depth and any(
                m is not None and not visible(m) for m in key.next):
            cut_key = ("cut", key)
            add(cut_key, CUT, None, key.scope, depth + 1)
            g.edges.append(Edge(cut_key, key, -1, "cut"))

    # 5. composite ops boxed, clusters: the scope tree of every drawn op, params placed with
    # their consumers
    if expand is not True:
        _collapse_composites(g, expand, tensor_names)
    _place_leaves(g)
    if collapse or max_depth is not None:
        _collapse(g, collapse, max_depth, mod_names)
    for v in g.vertices.values():
        s = v.scope
        while s is not None and s not in g.scope_labels:
            g.scope_labels[s] = _scope_label(s, mod_names)
            g.children.setdefault(s.parent, []).append(s)
            s = s.parent
    return g


def _input_shape(node, i):
    """Shape of input i of `node` when the node tells it: a broadcasting op records the
    shapes of inputs that differ from its output's, and same-shape inputs are its output's."""
    if node.shapes is not None:
        return tuple(node.shapes[i])
    if node.prim.broadcasts:
        return tuple(node.shape)
    return None


def _module_chain(scope):
    """The scopes of `scope`'s chain that are not composite ops, outermost first."""
    return [s for s in _chain(scope) if not isinstance(s, CompositeScope)]


def _module_scope(scope):
    """The innermost scope at or above `scope` that is not a composite op."""
    while isinstance(scope, CompositeScope):
        scope = scope.parent
    return scope


def _collapse_composites(g, expand, tensor_names):
    """Replace the ops of each call of a composite op by one `composite` vertex (the outermost
    composite of an op's scope chain that `expand` does not name). A composite of a single op
    is left as that op."""
    boxes = {}          # CompositeScope -> [op vertices]
    for v in g.vertices.values():
        if v.kind != OP:
            continue
        outer = None
        for s in _chain(v.scope):
            if isinstance(s, CompositeScope) and not (expand and s.name in expand):
                outer = s
                break
        if outer is not None:
            boxes.setdefault(outer, []).append(v)
    if not boxes:
        return
    for cscope, members in boxes.items():
        if len(members) == 1:
            members[0].scope = cscope.parent        # no one-op box, and no cluster around it
            continue
        member_keys = {m.key for m in members}
        leaving = [e.src for e in g.edges if e.src in member_keys and e.dst not in member_keys]
        outs = [m for m in members if m.is_output or m.key in leaving]
        out = min(outs or members, key=lambda m: m.dist)
        name = out.name
        box = Vertex(("composite", cscope), g.new_number(), COMPOSITE, name, cscope.parent,
                     min(m.dist for m in members))
        if not name:
            box.ref = f"{cscope.name}#{box.id[1:]}"
        box.out_node = out.key
        box.is_output = any(m.is_output for m in members)
        # members in forward order (the walk found them from the root backwards)
        box.members = [m.key for m in sorted(members, key=lambda m: -m.dist)]
        box.absorbed = []
        for m in members:
            g.inner_refs[m.key] = f"{m.ref} in {box.ref}"
            g.rep[m.key] = box.key
            del g.vertices[m.key]
        g.vertices[box.key] = box
    # cut markers and kept outputs of boxed ops sit beside the box, not in a cluster of it
    for v in g.vertices.values():
        if v.kind in (CUT, SAVED) and v.scope is not None:
            for s in _chain(v.scope):
                if s in boxes:
                    v.scope = s.parent
                    break
    # scalar constants used only inside one box are drawn inside it; parameters, data and
    # loss targets stay visible
    consumers = {}
    for e in g.edges:
        consumers.setdefault(e.src, set()).add(g.rep.get(e.dst, e.dst))
    for v in list(g.vertices.values()):
        scalar = (v.kind == SAVED and v.tensor is not None and v.tensor._data.size == 1) or \
            (v.kind == CONST and v.shape == ())
        users = consumers.get(v.key, ())
        if scalar and len(users) == 1:
            (only,) = users
            box = g.vertices.get(only)
            if box is not None and box.kind == COMPOSITE:
                g.rep[v.key] = only
                del g.vertices[v.key]
    _merge_edges(g)


def _merge_edges(g):
    """Redirect edges to the boxes that now draw their ends; one edge per (src, dst, kind)."""
    edges, seen = [], {}
    for e in g.edges:
        src, dst = g.rep.get(e.src, e.src), g.rep.get(e.dst, e.dst)
        if src is dst:
            continue
        boxed = src is not e.src or dst is not e.dst
        if not boxed:
            edges.append(e)
            continue
        sig = (id(src) if isinstance(src, Tensor) else src,
               id(dst) if isinstance(dst, Tensor) else dst, e.kind)
        if sig in seen:
            seen[sig].pairs += e.pairs
            continue
        merged = Edge(src, dst, 0, e.kind, tuple(e.pairs))
        seen[sig] = merged
        edges.append(merged)
    g.edges = edges


def _common_scope(scopes):
    """Deepest scope containing all `scopes` (None when they share none)."""
    it = iter(scopes)
    common = next(it, None)
    chain = _chain(common)
    for s in it:
        mine = set(map(id, _chain(s)))
        chain = [c for c in chain if id(c) in mine]
    return chain[-1] if chain else None


def _chain(scope):
    out = []
    while scope is not None:
        out.append(scope)
        scope = scope.parent
    return out[::-1]


def _place_leaves(g):
    """A parameter sits in the cluster of the module whose ops use it; constants kept by a
    single op sit with that op. Inputs stay outside every cluster."""
    consumers = {}
    for e in g.edges:
        consumers.setdefault(e.src, []).append(e.dst)
    for v in g.vertices.values():
        if v.kind == PARAM or (v.kind == SAVED and v.tensor is not None
                               and v.tensor._data.size == 1) or (v.kind == CONST
                                                                 and v.shape == ()):
            scopes = [g.vertices[c].scope for c in consumers.get(v.key, ())]
            v.scope = _common_scope(scopes) if scopes else None


def _collapse(g, collapse, max_depth, mod_names):
    """Replace the ops of deep modules by one `module` vertex per module (call)."""
    # composite ops are not modules: a module is collapsed with the composites inside it
    parents = set()
    for v in g.vertices.values():
        if v.kind in (OP, COMPOSITE) and v.scope is not None:
            parents.update(_module_chain(v.scope)[:-1])

    def target(scope):
        chain = _module_chain(scope)
        if not chain:
            return None
        if max_depth is not None:
            return chain[max_depth] if len(chain) > max_depth else None
        return chain[-1] if chain[-1] not in parents else None

    boxes = {}
    for v in list(g.vertices.values()):
        if v.kind not in (OP, CUT, COMPOSITE) and not (v.kind == SAVED and v.tensor is None):
            continue
        box_scope = target(v.scope)
        if box_scope is None:
            continue
        if v.kind == CUT:       # stays visible, next to the box of the op it belongs to
            v.scope = _module_scope(box_scope.parent)
            continue
        box = boxes.get(box_scope)
        if box is None:
            box = Vertex(("module", box_scope), g.new_number(), MODULE,
                         _scope_label(box_scope, mod_names), _module_scope(box_scope.parent),
                         v.dist)
            box.members = []
            box.absorbed = []
            boxes[box_scope] = box
        if v.kind in (OP, COMPOSITE):
            box.members += [(-v.dist, n) for n in ([v.key] if v.kind == OP else v.members)]
            box.is_output = box.is_output or v.is_output
        box.dist = min(box.dist, v.dist)
        g.rep[v.key] = box.key
        del g.vertices[v.key]
    for box in boxes.values():
        # members in forward order: farthest from the output first (a stable sort keeps a
        # composite's own ops in order)
        box.members = [n for _, n in sorted(box.members, key=lambda dn: dn[0])]
        g.vertices[box.key] = box

    # parameters and constants used only inside one box are drawn inside it (a Linear's
    # weight and bias); a data batch stays visible
    consumers = {}
    for e in g.edges:
        consumers.setdefault(e.src, set()).add(g.rep.get(e.dst, e.dst))
    for v in list(g.vertices.values()):
        if v.kind == PARAM or (v.kind == SAVED and v.tensor is not None
                               and v.tensor._data.size == 1) or (v.kind == CONST
                                                                 and v.shape == ()):
            users = consumers.get(v.key, set())
            if len(users) == 1:
                (only,) = users
                box = g.vertices.get(only)
                if box is not None and box.kind == MODULE:
                    if v.kind == PARAM:
                        box.absorbed.append((v.ref, v.tensor))
                    g.rep[v.key] = only
                    del g.vertices[v.key]
    _merge_edges(g)


def forward_order(roots):
    """Every node behind `roots` with each node after all of its inputs (the order a forward
    pass could have run them in), found by an iterative depth-first walk."""
    order, seen = [], set()
    for t in _as_roots(roots):
        root = t.grad_fn
        if root is None or root in seen:
            continue
        seen.add(root)
        stack = [(root, 0)]
        while stack:
            n, i = stack[-1]
            if i < len(n.next):
                stack[-1] = (n, i + 1)
                m = n.next[i]
                if m is not None and m.__class__ is Node and m not in seen:
                    seen.add(m)
                    stack.append((m, 0))
            else:
                stack.pop()
                order.append(n)
    return order
