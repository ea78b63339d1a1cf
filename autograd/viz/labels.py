"""Text for drawings and traces: numbers, small arrays, tensor summaries, and a primitive's
derivative rule (`Primitive.rule`, e.g. "out = a * b;  dL/da = g * b,  dL/db = g * a")
filled in with the values of one backward step."""
import re

import numpy as np

from glassgrad.autograd.tensor import Tensor

# Rules whose right-hand sides are plain formulas in the rule's symbols, so substituting
# scalar values gives a readable equation ("dL/da = dL/dout * b = 1 * (-2) = -2").
ALGEBRAIC = frozenset({"add", "sub", "mul", "div", "pow", "pow_scalar", "neg", "exp", "log",
                       "log1p", "expm1", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu",
                       "abs", "erf", "clamp", "maximum", "minimum", "clone", "cast"})


def number(x):
    """A float with 4 significant digits ('6.0', '-0.5', '1.234e-05')."""
    s = f"{float(x):.4g}"
    return s if any(ch in s for ch in ".ein") else s + ".0"


def array_text(a, max_elements=6):
    """Short text of an ndarray: the number for one element, the values for at most
    `max_elements`, else None (the caller shows a summary instead)."""
    a = np.asarray(a)
    if a.size == 1:
        return number(a.reshape(()).item()) if a.dtype.kind in "fc" else str(a.reshape(()).item())
    if a.size > max_elements:
        return None
    if a.dtype.kind == "f":
        return np.array2string(a, separator=", ", formatter={"float_kind": number})
    return np.array2string(a, separator=", ")


def shape_text(shape, dtype):
    """'(3, 2) float32', '(3,) float32' or 'scalar float32'."""
    dims = "scalar" if len(shape) == 0 else str(tuple(int(n) for n in shape))
    return f"{dims} {np.dtype(dtype).name}"


def summary(a, max_elements=6):
    """One line: the values when small, else shape, dtype and statistics:
    '[[1.0, 2.0], [3.0, 4.0]]' or '(64, 10) float32, norm 3.21, mean 0.01, std 0.4,
    min -1.2, max 1.5; first [0.1, -0.3, 0.7, ...]'."""
    if isinstance(a, Tensor):
        a = a._data
    a = np.asarray(a)
    text = array_text(a, max_elements)
    if text is not None:
        return " ".join(line.strip() for line in text.splitlines())
    head = shape_text(a.shape, a.dtype)
    if a.dtype.kind != "f" or not a.size:
        return head
    wide = a.astype(np.float64)
    stats = [("norm", np.sqrt(np.sum(np.square(wide)))), ("mean", wide.mean()),
             ("std", wide.std()), ("min", wide.min()), ("max", wide.max())]
    first = ", ".join(number(v) for v in wide.ravel()[:3])
    return (head + "".join(f", {name} {number(v)}" for name, v in stats)
            + f"; first [{first}, ...]")


def brief(a, entries=3):
    """Two short lines for a tensor too large to print, as drawings show it:
    'norm 3.21  mean 0.0123' and '[0.1, -0.3, 0.7, ...]' (the first `entries` values)."""
    if isinstance(a, Tensor):
        a = a._data
    a = np.asarray(a)
    if not a.size:
        return "empty"
    flat = a.ravel()
    if a.dtype.kind in "fc":
        wide = a.astype(np.float64) if a.dtype.kind == "f" else np.abs(a).astype(np.float64)
        first = ", ".join(number(v) for v in flat[:entries].real)
        stats = f"norm {number(np.sqrt(np.sum(np.square(wide))))}  mean {number(wide.mean())}"
    else:
        first = ", ".join(str(v) for v in flat[:entries].tolist())
        stats = f"min {a.min()}  max {a.max()}"
    more = ", ..." if a.size > entries else ""
    return f"{stats}\n[{first}{more}]"


def shaped(a, max_elements=6):
    """`summary(a)` followed by the shape when the values are shown: '[1.0, 2.0] (2,) float32'
    (a summary of a large array names its shape already; a scalar needs none)."""
    if isinstance(a, Tensor):
        a = a._data
    a = np.asarray(a)
    text = summary(a, max_elements)
    if a.ndim and a.size <= max_elements:
        return f"{text}  {shape_text(a.shape, a.dtype)}"
    return text


def split_rule(rule):
    """Split a rule into its forward formula and its derivative pieces.

    "out = a * b;  dL/da = g * b,  dL/db = g * a" -> ("out = a * b",
    [("a", "g * b"), ("b", "g * a")]). A piece without '=' ("dL/db likewise") keeps its
    words as the right-hand side."""
    forward, _, derivs = rule.partition(";")
    pieces = []
    marks = list(re.finditer(r"dL/d(\w+)", derivs))
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(derivs)
        body = derivs[m.end():end].strip().rstrip(",").strip()
        if body.startswith("="):
            body = body[1:].strip()
        pieces.append((m.group(1), body))
    return forward.strip(), pieces


def _scalar(a):
    if isinstance(a, Tensor):
        a = a._data
    a = np.asarray(a)
    return a.reshape(()).item() if a.size == 1 else None


def _value_text(x):
    """A value inside a formula: negatives in parentheses, '2 * (-3.0)'."""
    s = number(x) if isinstance(x, float) else str(x)
    return f"({s})" if s.startswith("-") else s


def value_term(a, max_elements=6):
    """`summary(a)` with a negative scalar in parentheses, for sums of terms."""
    s = summary(a, max_elements)
    return f"({s})" if s.startswith("-") else s


_NOTE = re.compile(r"\s{2,}\(.*\)\s*$")     # "g * sign(x)  (0 at x = 0)": drop the remark
_WORD = re.compile(r"[A-Za-z_]\w*")


def substitute(expr, env):
    """`expr` with each symbol of `env` (name -> Python number) replaced by its value, or
    None when `expr` names a one-letter symbol that `env` lacks (nothing to show then)."""
    expr = _NOTE.sub("", expr)
    expr = re.sub(r"(\d)\s+([A-Za-z])", r"\1 * \2", expr)   # "2 out" -> "2 * out"
    words = set(_WORD.findall(expr))
    if any(len(w) == 1 and w not in env and w != "e" for w in words):
        return None
    return _WORD.sub(lambda m: _value_text(env[m.group(0)]) if m.group(0) in env
                     else m.group(0), expr)


def symbol_env(node, grad_out=None, inputs=None, output=None):
    """Scalar values of a rule's symbols for `node`: g (upstream), out, the inputs by the
    rule's own names (a, b / x / ...), and c, lo, hi from the op's arguments. `inputs` and
    `output` override what the node kept (the forward stepper knows values the node may
    not keep). Only one-element values are included."""
    env = {}
    if grad_out is not None:
        env["g"] = _scalar(grad_out)
    symbols = input_symbols(node)
    if inputs is None and node.saved is not None:
        inputs = [t._data for t in node.saved]
    for sym, value in zip(symbols, inputs or ()):
        if value is not None:
            env[sym] = _scalar(value)
    if output is None:
        output = getattr(node, "value", None)
        if output is None:
            output = node.out
    if output is not None:
        env["out"] = _scalar(output)
    name = node.prim.name
    if name == "pow_scalar":
        env["c"] = node.ctx[0]
    elif name == "clamp":
        env["lo"], env["hi"] = node.ctx
    return {k: v for k, v in env.items() if v is not None and not isinstance(v, bool)}


def input_symbols(node):
    """The names the rule gives the node's inputs, in input order ('a', 'b' or 'x', ...)."""
    _, pieces = split_rule(node.prim.rule)
    symbols = [sym for sym, _ in pieces]
    n = len(node.next)
    if len(symbols) >= n:
        return symbols[:n]
    if len(symbols) == 1 and n > 1:       # cat: "dL/dinput_i = ..." covers every input
        base = symbols[0].removesuffix("_i")
        return [f"{base}{i}" for i in range(n)]
    return symbols + [f"input{i}" for i in range(len(symbols), n)]


def derivative_lines(node, grad_out, grads_in, targets, max_elements=6):
    """One line per input that received a gradient: the rule in symbols, then with values
    when everything is a scalar, then the value the engine computed.

    'mul: dL/da = dL/dout * b = 1 * (-2) = -2   -> d'"""
    op = node.prim.name
    _, pieces = split_rule(node.prim.rule)
    symbols = input_symbols(node)
    env = symbol_env(node, grad_out)
    algebraic = op in ALGEBRAIC
    lines = []
    for i, gi in enumerate(grads_in):
        sym = symbols[i] if i < len(symbols) else f"input{i}"
        if node.next[i] is None:    # some rules compute it anyway (add: g); the engine drops it
            lines.append(f"{op}: dL/d{sym} not computed   -> constant (no gradient needed)")
            continue
        if gi is None:
            continue
        rhs = pieces[i][1] if i < len(pieces) else (pieces[0][1] if pieces else "")
        if rhs == "likewise" and pieces:
            rhs = "like " + pieces[0][0]
        words = re.sub(r"\bg\b", "dL/dout", _NOTE.sub("", rhs))
        parts = [f"{op}: dL/d{sym}"]
        if words:
            parts.append(words)
        if algebraic and rhs:
            with_values = substitute(rhs, env)
            if (with_values is not None and with_values != words and _scalar(gi) is not None
                    and with_values.strip("()") != summary(gi)):
                parts.append(with_values)
        result = shaped(gi, max_elements)
        if parts[-1] != summary(gi, max_elements):
            parts.append(result)
        line = " = ".join(parts)
        shapes = node.shapes
        if shapes is not None and shapes[i] != tuple(node.shape):
            line += f"  (summed over broadcast axes to {shape_text(shapes[i], gi.dtype)})"
        lines.append(f"{line}   -> {targets[i]}")
    return lines


def operand_lines(node, max_elements=6):
    """What the node's rule reads, one line each, by the rule's own symbols:
    'a = [1.0, 2.0]  (2,) float32' for saved inputs, 'out = ...' for a saved output."""
    lines = []
    saved = node.saved if not node.freed else None
    if saved is not None:
        for sym, t in zip(input_symbols(node), saved):
            lines.append(f"{sym} = {shaped(t, max_elements)}")
    out = node.out if not node.freed else None
    if out is not None:
        lines.append(f"out = {shaped(out, max_elements)}")
    return lines


def forward_line(node, inputs, output, max_elements=6):
    """'mul: out = a * b = 2 * (-3) = -6' (values substituted when all are scalars)."""
    op = node.prim.name
    formula, _ = split_rule(node.prim.rule)
    _, _, rhs = formula.partition("=")
    rhs = rhs.strip()
    parts = [f"{op}: out", rhs] if rhs else [f"{op}: out"]
    if op in ALGEBRAIC and rhs:
        env = symbol_env(node, None, inputs=inputs, output=None)
        env.pop("out", None)
        with_values = substitute(rhs, env)
        if with_values is not None and with_values != rhs and np.asarray(output).size == 1:
            parts.append(with_values)
    parts.append(summary(output, max_elements))
    return " = ".join(parts)
