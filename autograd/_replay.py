"""The replay side of `glassgrad.compile`: a captured tape turned into one Python closure per
call, with the outputs of common primitives written into buffers allocated once.

Buffers. A primitive listed in `_OUT_FORWARDS` can write its result into a given array
(`np.add(a, b, out=buf)`, `np.matmul(a, b, out=buf)`, ...), which computes the same values
as the allocating forward, bit for bit. Such a call gets a buffer from a pool; a buffer is
handed to a later call once every reader of the earlier array (including arrays that may be
views of it) has run. Arrays that leave the replay never live in a pooled buffer: a leaf's
`.grad` is checked against the pool and copied if it would alias a buffer, and returned
tensors are copies.

Gradients straight into an optimizer's flat buffer. When a leaf's gradient is the sole use of
an array computed by an out-writing primitive, and the optimizer (``fused=True``) moved that
gradient into a view of its flat gradient array during the previous replay, the primitive
writes into that view directly: the optimizer then finds the gradient already in place and
copies nothing. That view held the previous step's gradient, which the eager path would also
overwrite (its next step copies the new gradient into the same view).
"""
import numpy as np

from . import primitives as P
from .tensor import Tensor, _wrap

_ndarray = np.ndarray
_asarray = np.asarray
_may_share_memory = np.may_share_memory


# ----- primitives that can write into a given array --------------------------------------------

def _matmul_out(out, a, b):
    if a.ndim >= 2 and b.ndim >= 2 and a.shape[-1] == 1 == b.shape[-2]:
        return np.multiply(a, b, out=out)            # as _matmul_forward: an outer product
    return np.matmul(a, b, out=out)


def _linear_out(out, x, w, b=None):
    np.matmul(x, w.T, out=out)
    if b is not None:
        out += b
    return out


def _relu_out(out, x):
    return P._relu_forward(x, out)


def _relu_grad_out(out, g, y):
    return np.multiply(g, ~np.less_equal(y, 0), dtype=g.dtype, out=out)


def _sum_out(out, x, axis, keepdims, in_shape):
    return np.add.reduce(x, axis=axis, keepdims=keepdims, out=out)


_OUT_FORWARDS = {}


def _out_forwards():
    """{primitive: its out-writing forward}, built on first use: primitives.py imports the
    capture hooks of compile.py, which imports this module, so the table can't be built at
    import time."""
    if not _OUT_FORWARDS:
        _OUT_FORWARDS.update({P.MATMUL: _matmul_out, P.LINEAR: _linear_out, P.RELU: _relu_out,
                              P.RELU_GRAD: _relu_grad_out, P.SUM: _sum_out})
    return _OUT_FORWARDS


def out_forward(prim, in_dtypes, n_ctx, dtype):
    """The out-writing forward f(out, *arrays, *ctx) of `prim`, or None. Only for floating
    results whose inputs all have the result's dtype (no promotion that `out=` could change),
    and for ufunc primitives only when they take no extra arguments."""
    if dtype.kind != "f":
        return None
    for d in in_dtypes:
        if d != dtype:
            return None
    f = _out_forwards().get(prim)
    if f is not None:
        return f
    fwd = prim.forward
    if fwd.__class__ is np.ufunc and not n_ctx and fwd.nin == len(in_dtypes) \
            and fwd.nout == 1:
        f = _UFUNC_OUT.get(fwd)
        if f is None:
            f = _UFUNC_OUT[fwd] = lambda out, *arrays: fwd(*arrays, out=out)
        return f
    return None


_UFUNC_OUT = {}


# ----- the calls as closures ------------------------------------------------------------------
# Each closure is f(env, args): env is the list of the replay's arrays, args its arguments.

def op_call(fwd, ins, ctx, subs, out):
    """A primitive's allocating forward: env[out] = fwd(*env[ins], *ctx)."""
    if subs:
        def call(env, args):
            d = fwd(*[env[i] for i in ins], *_with_ctx(ctx, subs, env))
            env[out] = d if d.__class__ is _ndarray else _asarray(d)
        return call
    if len(ins) == 1:
        i0, = ins

        def call(env, args):
            d = fwd(env[i0], *ctx)
            env[out] = d if d.__class__ is _ndarray else _asarray(d)
    elif len(ins) == 2:
        i0, i1 = ins

        def call(env, args):
            d = fwd(env[i0], env[i1], *ctx)
            env[out] = d if d.__class__ is _ndarray else _asarray(d)
    else:
        def call(env, args):
            d = fwd(*[env[i] for i in ins], *ctx)
            env[out] = d if d.__class__ is _ndarray else _asarray(d)
    call.spec = ("alloc", fwd, ins, ctx, out)
    return call


def _with_ctx(ctx, subs, env):
    c = list(ctx)
    for pos, i, tup in subs:
        c[pos] = env[i] if tup is None else tuple(env[x] if k == "arr" else x for k, x in tup)
    return c


def view_op_call(fwd, i0, ctx, out):
    """A primitive that returns a view of its one input (permute, expand, a reshape): when
    the input is the same array object as in the previous replay (a buffer, a parameter),
    the view made then is the same window on the same memory and is used again. A result
    that does not share the input's memory (a reshape that had to copy) is never kept."""
    cache = [None, None]

    def call(env, args):
        x = env[i0]
        if x is cache[0]:
            env[out] = cache[1]
            return
        d = fwd(x, *ctx)
        if d.__class__ is not _ndarray:
            d = _asarray(d)
        if d.size and _may_share_memory(d, x):
            cache[0], cache[1] = x, d
        else:
            cache[0] = cache[1] = None
        env[out] = d
    call.spec = ("view", None, (i0,), cache, out)
    return call


def buffered_call(fwd_out, ins, ctx, subs, buf, out):
    """An out-writing forward into a buffer allocated once: env[out] = buf."""
    if subs:
        def call(env, args):
            env[out] = fwd_out(buf, *[env[i] for i in ins], *_with_ctx(ctx, subs, env))
        return call
    if len(ins) == 1:
        i0, = ins

        def call(env, args):
            env[out] = fwd_out(buf, env[i0], *ctx)
    elif len(ins) == 2:
        i0, i1 = ins

        def call(env, args):
            env[out] = fwd_out(buf, env[i0], env[i1], *ctx)
    else:
        def call(env, args):
            env[out] = fwd_out(buf, *[env[i] for i in ins], *ctx)
    call.spec = ("into", fwd_out, ins, (buf,) + tuple(ctx), out)
    return call


def ufunc_call(ufunc, ins, buf, out):
    """A ufunc primitive into a buffer allocated once (out= as a keyword: numpy deprecates a
    positional out for np.maximum and np.minimum)."""
    if len(ins) == 1:
        i0, = ins

        def call(env, args):
            env[out] = ufunc(env[i0], out=buf)
    elif len(ins) == 2:
        i0, i1 = ins

        def call(env, args):
            env[out] = ufunc(env[i0], env[i1], out=buf)
    else:
        def call(env, args):
            env[out] = ufunc(*[env[i] for i in ins], out=buf)
    call.spec = ("ufunc", ufunc, ins, buf, out)
    return call


def targeted_call(fwd, fwd_out, ins, ctx0, subs, cell, out):
    """A leaf gradient's producer: writes into cell[0] (the optimizer's view learned from the
    previous replay) when there is one, else allocates."""
    if len(ins) == 2 and not subs and not ctx0:
        i0, i1 = ins

        def call(env, args):
            target = cell[0]
            if target is None:
                d = fwd(env[i0], env[i1])
                env[out] = d if d.__class__ is _ndarray else _asarray(d)
            else:
                env[out] = fwd_out(target, env[i0], env[i1])
        call.spec = ("targeted", fwd, ins, (fwd_out, cell), out)
        return call

    def call(env, args):
        arrays = [env[i] for i in ins]
        if subs:
            ctx = _with_ctx(ctx0, subs, env)
        else:
            ctx = ctx0
        target = cell[0]
        if target is None:
            d = fwd(*arrays, *ctx)
            env[out] = d if d.__class__ is _ndarray else _asarray(d)
        else:
            env[out] = fwd_out(target, *arrays, *ctx)
    return call


def set_grad_call(leaf, src, alias, out, pool_ids, cell, seen):
    """leaf.grad = env[src] (or a copy when the array is used elsewhere or is a pooled
    buffer); `seen` keeps the tensor made so that the optimizer's rebinding can be learned."""
    by_position = leaf.__class__ is int

    def call(env, args):
        t = args[leaf] if by_position else leaf
        g = env[src]
        if g.dtype != t._data.dtype:
            g = g.astype(t._data.dtype)
        elif cell is not None and g is cell[0]:
            pass                            # written straight into the optimizer's view
        elif not alias:
            g = np.array(g, copy=True)
        else:
            flags = g.flags
            if not (flags.owndata and flags.writeable and id(g) not in pool_ids):
                g = np.array(g, copy=True)
        # the setter's checks hold by construction (shape and dtype are those captured)
        grad = t._grad = _wrap(g)
        env[out] = g
        if cell is not None:
            seen[0] = (grad, g)
    return call


def learn_target(cell, seen, shape, dtype):
    """After a replay: if the optimizer moved the gradient made by set_grad_call into another
    array (a view of its flat gradient buffer) of the same layout, write there next time."""
    got = seen[0]
    seen[0] = None
    if got is None:
        cell[0] = None
        return
    grad, g = got
    d = grad._data
    if d is g:
        if g is not cell[0]:
            cell[0] = None
    elif d.__class__ is _ndarray and d.shape == shape and d.dtype == dtype \
            and d.flags.c_contiguous and d.flags.writeable and d.base is not None:
        cell[0] = d
    else:
        cell[0] = None


def acc_grad_call(leaf, src):
    def call(env, args):
        t = args[leaf] if leaf.__class__ is int else leaf
        t.grad._data += env[src]
        t.grad._vbox[0] += 1
    return call


def inplace_call(x, ufunc, is_arr, o, alpha, owner):
    def call(env, args):
        other = env[o] if is_arr else o
        if ufunc is None:
            np.copyto(env[x], other, casting="same_kind")
        else:
            ufunc(env[x], other if alpha == 1 else np.multiply(other, alpha),
                  out=env[x], casting="same_kind")
        if owner is not None:
            owner._vbox[0] += 1
    if ufunc is not None and alpha == 1 and owner is not None:
        call.spec = ("inplace", ufunc, (x, o) if is_arr else (x,), None if is_arr else (o,),
                     owner)
    return call


def view_call(src, shape, out):
    """env[out] = env[src].reshape(shape), the view kept while the source array is the same
    (see view_op_call)."""
    return view_op_call(_reshape, src, (shape,), out)


def _reshape(x, shape):
    return x.reshape(shape)


def host_call(fn, a, kw):
    if not a and not kw:
        def call(env, args):
            fn()
        return call

    def call(env, args):
        fn(*a, **kw)
    return call


def is_tensor(x):
    return isinstance(x, Tensor)


# ----- the whole program as one function -------------------------------------------------------

def fuse(steps):
    """One Python function f(env, args) doing what calling `steps` in order does: the calls
    of the commonest kinds (a primitive's forward, into a buffer or allocating; see the
    `spec` of the closures above) become one line of it each, the others call their
    closure. A line does exactly what its closure does, without the cost of calling it.

    Compiling the function costs about 10 us per call, once (see `Program.run`)."""
    names = {"_nd": _ndarray, "_asarray": _asarray}

    def bind(obj):
        name = f"_o{len(names)}"
        names[name] = obj
        return name

    def reads(ins):
        return [f"env[{int(i)}]" for i in ins]

    lines = ["def replay(env, args):"]
    for step in steps:
        spec = getattr(step, "spec", None)
        if spec is None:
            lines.append(f"    {bind(step)}(env, args)")
            continue
        kind, fn, ins, extra, out = spec
        if kind == "inplace":               # out: the tensor whose version is bumped
            x = f"env[{int(ins[0])}]"
            other = reads(ins[1:])[0] if extra is None else bind(extra[0])
            lines.append(f"    {bind(fn)}({x}, {other}, out={x}, casting='same_kind')")
            lines.append(f"    {bind(out)}._vbox[0] += 1")
            continue
        out = int(out)
        if kind == "view":                  # the view made last time, if its source is
            cache = bind(extra)             # the same array (else the closure makes it)
            lines += [f"    if env[{int(ins[0])}] is {cache}[0]:",
                      f"        env[{out}] = {cache}[1]",
                      "    else:",
                      f"        {bind(step)}(env, args)"]
            continue
        if kind == "targeted":              # into the optimizer's array once learned
            fwd_out, cell = extra
            cell = bind(cell)
            arguments = ", ".join(reads(ins))
            lines += [f"    t = {cell}[0]",
                      "    if t is None:",
                      f"        d = {bind(fn)}({arguments})",
                      f"        env[{out}] = d if d.__class__ is _nd else _asarray(d)",
                      "    else:",
                      f"        env[{out}] = {bind(fwd_out)}(t, {arguments})"]
            continue
        if kind == "ufunc":
            lines.append(f"    env[{out}] = {bind(fn)}({', '.join(reads(ins))}, "
                         f"out={bind(extra)})")
        elif kind == "into":
            buf, ctx = extra[0], extra[1:]
            arguments = [bind(buf)] + reads(ins) + [bind(v) for v in ctx]
            lines.append(f"    env[{out}] = {bind(fn)}({', '.join(arguments)})")
        else:
            arguments = reads(ins) + [bind(v) for v in extra]
            lines.append(f"    d = {bind(fn)}({', '.join(arguments)})")
            lines.append(f"    env[{out}] = d if d.__class__ is _nd else _asarray(d)")
    if len(lines) == 1:
        lines.append("    pass")
    exec(compile("\n".join(lines), "<glassgrad.compile replay>", "exec"), names)
    return names["replay"]
