"""Checkers for the exercise notebooks (`notebooks/exercises/`): each takes the functions a
learner wrote and compares them with glassgrad - its autograd, `gradcheck`, `nn` layers
and `optim` optimizers - on fixed random inputs in float64.

    from glassgrad.training import exercises as ex
    ex.check_affine(affine_forward, affine_backward)

A checker prints one line per part that is right and raises `ExerciseError` (an
AssertionError) at the first part that is wrong, naming the tensor, the element, the value
computed, the value expected and the difference. A function that still raises
NotImplementedError (the stub) gives an ExerciseError saying so.

Conventions follow the classic assignments: arrays are numpy float64; an affine layer is
`x @ w + b` with `w` of shape (D, M); a convolution takes `x` (N, C, H, W) and `w`
(F, C, HH, WW) and computes a cross-correlation (as PyTorch); the optimizer updates follow
PyTorch's formulas (`torch.optim`), so that they can be compared with `glassgrad.optim`
step by step.
"""
import numpy as np

from glassgrad import autograd as ag
from glassgrad import nn
from glassgrad import optim

__all__ = ["ExerciseError", "compare", "check_value_ops", "check_value_backward",
           "check_affine", "check_relu", "check_softmax_loss", "check_batchnorm",
           "check_dropout", "check_conv", "check_optimizer", "check_mlp_batchnorm"]


class ExerciseError(AssertionError):
    """An exercise's result differs from glassgrad's (or is not written yet)."""


def _rng(seed):
    return np.random.default_rng(seed)


def _call(name, fn, *args, **kwargs):
    """fn(*args, **kwargs), turning the stub's NotImplementedError into an ExerciseError."""
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise ExerciseError(f"{name} is not written yet: replace the "
                            f"`raise NotImplementedError` in its cell with your code") from None


def _array(x):
    if isinstance(x, ag.Tensor):
        return x.detach().numpy().astype(np.float64)
    return np.asarray(x, dtype=np.float64)


def compare(what, got, expected, rtol=1e-6, atol=1e-9):
    """Compare `got` with `expected` element by element.

    Parameters
    ----------
    what : str
        The name of the quantity, used in the message (e.g. "dx of affine_backward").
    got, expected : array_like or Tensor
        Same shape; compared in float64 with `np.isclose(got, expected, rtol, atol)`.
    rtol, atol : float
        Tolerances.

    Returns
    -------
    float
        The largest relative error `|got - expected| / max(|got|, |expected|, atol)`.

    Raises
    ------
    ExerciseError
        On a shape mismatch, or naming the worst wrong element, both values and the
        difference, and how many elements are wrong.
    """
    g, e = _array(got), _array(expected)
    if g.shape != e.shape:
        raise ExerciseError(f"{what}: has shape {g.shape}, expected {e.shape}")
    bad = ~np.isclose(g, e, rtol=rtol, atol=atol)
    if bad.any():
        diff = np.where(bad, np.abs(np.nan_to_num(g - e, nan=np.inf)), -1.0)
        k = np.unravel_index(int(np.argmax(diff)), g.shape) if g.ndim else ()
        if g.size == 1:
            raise ExerciseError(f"{what} is {g[k]:.8g}, expected {e[k]:.8g} "
                                f"(off by {g[k] - e[k]:.3g})")
        where = f" at index {tuple(int(i) for i in k)}" if g.ndim else ""
        raise ExerciseError(
            f"{what}: {int(bad.sum())} of {g.size} elements wrong; the worst{where} is "
            f"{g[k]:.8g}, expected {e[k]:.8g} (off by {g[k] - e[k]:.3g})")
    scale = np.maximum(np.maximum(np.abs(g), np.abs(e)), atol)
    return float((np.abs(g - e) / scale).max()) if g.size else 0.0


def _ok(name, errors):
    print(f"OK  {name}: largest relative error {max(errors):.1e}")


def _reference(fn, arrays, upstream, wrt):
    """Value of fn(*tensors) and the gradients of sum(upstream * out) w.r.t. arrays[wrt]."""
    ts = [ag.tensor(a, dtype=ag.float64, requires_grad=(i in wrt)) for i, a in enumerate(arrays)]
    out = fn(*ts)
    grads = ag.grad(out, [ts[i] for i in wrt], grad_outputs=ag.tensor(upstream, dtype=ag.float64),
                    allow_unused=True)
    return out.detach().numpy(), [np.zeros_like(arrays[i]) if g is None else g.numpy()
                                  for i, g in zip(wrt, grads)]


# --------------------------------------------------------------------------------------------
# (a) the scalar Value engine


def _value_data(v, name):
    data = getattr(v, "data", None)
    if data is None:
        raise ExerciseError(f"{name}: expected a Value with a .data attribute, got {v!r}")
    return float(data)


_VALUE_OPS = {
    "add": (lambda a, b: a + b, 2),
    "mul": (lambda a, b: a * b, 2),
    "pow": (lambda a: a ** 3, 1),
    "tanh": (lambda a: a.tanh(), 1),
    "exp": (lambda a: a.exp(), 1),
}


def check_value_ops(Value, ops=("add", "mul", "pow", "tanh", "exp")):
    """Check the forward value and the local backward rule (`_backward`) of Value ops.

    Parameters
    ----------
    Value : type
        The learner's micrograd-style class: `Value(data)`, `.data`, `.grad` (0.0 at
        creation), operators `+`, `*`, `** number`, methods `tanh()`, `exp()`, and on every
        result a `_backward()` closure that adds `out.grad * local derivative` into the
        inputs' `.grad`.
    ops : sequence of str
        Which of "add", "mul", "pow" (`a ** 3`), "tanh", "exp" to check.

    Raises
    ------
    ExerciseError
        Naming the op, the input values and the wrong value or gradient.
    """
    for op in ops:
        fn, arity = _VALUE_OPS[op]
        for trial, xs in enumerate([(0.7, -1.3), (-2.0, 0.5), (1.5, 3.0)]):
            xs = xs[:arity]
            inputs = [Value(x) for x in xs]
            out = _call(f"Value.{op}", fn, *inputs)
            where = f"{op} at {', '.join(f'{x:g}' for x in xs)}"
            ref, grads = _reference(fn, [np.array(x) for x in xs], np.array(1.7), range(arity))
            compare(f"forward value of {where}", _value_data(out, where), ref)
            backward = getattr(out, "_backward", None)
            if backward is None:
                raise ExerciseError(f"{where}: the result has no _backward closure")
            for v in inputs:
                v.grad = 0.0
            out.grad = 1.7
            _call(f"the _backward of Value.{op}", backward)
            for k, (v, g) in enumerate(zip(inputs, grads)):
                compare(f"gradient sent to input {k} by {where} (upstream gradient 1.7)",
                        v.grad, g)
        print(f"OK  Value.{op}: values and local gradients match glassgrad")


def check_value_backward(Value):
    """Check `Value.backward()` on expressions where the order of the walk matters: a value
    used twice, a diamond, a neuron, and a 2-layer net of 8 parameters.

    Raises
    ------
    ExerciseError
        Naming the expression and the leaf whose `.grad` is wrong (a wrong order or a
        gradient overwritten instead of added shows up here).
    """
    cases = {
        "a * a": (lambda a, b: a * a, (3.0, 0.0)),
        "a * b + a": (lambda a, b: a * b + a, (3.0, -2.0)),
        "diamond: c = a * b; (c + a) * (c * b)": (lambda a, b: ((a * b) + a) * ((a * b) * b),
                                                   (0.5, -1.5)),
        "neuron tanh(a * 2 + b * -3 + 0.5)": (lambda a, b: (a * 2.0 + b * -3.0 + 0.5).tanh(),
                                              (0.3, 0.1)),
        "exp and pow: exp(a) * b ** 2 + a ** 3": (lambda a, b: a.exp() * b ** 2 + a ** 3,
                                                  (0.2, -0.7)),
    }
    for text, (fn, xs) in cases.items():
        leaves = [Value(x) for x in xs]
        out = _call("the expression", fn, *leaves)
        _call("Value.backward", out.backward)
        ref, grads = _reference(fn, [np.array(x) for x in xs], np.array(1.0), range(2))
        compare(f"{text}: value", _value_data(out, text), ref)
        compare(f"{text}: the output's own .grad after backward()", out.grad, 1.0)
        for name, v, g in zip("ab", leaves, grads):
            compare(f"{text}: {name}.grad", v.grad, g)
    # a 2-layer net: 2 inputs -> 2 tanh units -> 1 output
    rng = _rng(0)
    w = rng.normal(size=8)
    x = (0.5, -1.2)

    def net(*p):
        h = [(p[2 * j] * x[0] + p[2 * j + 1] * x[1] + p[4 + j]).tanh() for j in range(2)]
        return h[0] * p[6] + h[1] * p[7]

    params = [Value(float(v)) for v in w]
    out = _call("the expression", net, *params)
    _call("Value.backward", out.backward)
    ref, grads = _reference(net, list(w), np.array(1.0), range(8))
    for k, (p, g) in enumerate(zip(params, grads)):
        compare(f"2-layer net: gradient of parameter {k}", p.grad, g)
    print("OK  Value.backward: every leaf gradient matches glassgrad on 6 expressions")


# --------------------------------------------------------------------------------------------
# (b) vector-Jacobian products of layers


def check_affine(affine_forward, affine_backward):
    """Check `affine_forward(x, w, b) -> out` (out = x @ w + b; x (N, D), w (D, M), b (M,))
    and `affine_backward(dout, x, w, b) -> (dx, dw, db)` against glassgrad's autograd, with
    x of shape (N, d1, d2) flattened to (N, D) as in the classic assignment too."""
    rng = _rng(1)
    errors = []
    for shape in [(5, 4), (3, 2, 3)]:
        x = rng.normal(size=shape)
        D = int(np.prod(shape[1:]))
        w, b = rng.normal(size=(D, 6)), rng.normal(size=6)
        dout = rng.normal(size=(shape[0], 6))
        ref, (dx, dw, db) = _reference(lambda x, w, b: x.reshape(shape[0], -1) @ w + b,
                                       [x, w, b], dout, range(3))
        errors.append(compare(f"affine_forward out (x of shape {shape})",
                              _call("affine_forward", affine_forward, x, w, b), ref))
        got = _call("affine_backward", affine_backward, dout, x, w, b)
        for name, g, e in zip(("dx", "dw", "db"), got, (dx, dw, db)):
            errors.append(compare(f"affine_backward {name} (x of shape {shape})", g, e))
    _ok("affine_forward / affine_backward", errors)


def check_relu(relu_forward, relu_backward):
    """Check `relu_forward(x)` and `relu_backward(dout, x) -> dx` (dx = 0 where x <= 0)."""
    rng = _rng(2)
    x = rng.normal(size=(4, 5))
    x[0, 0] = 0.0                    # at the kink, PyTorch's rule sends 0
    dout = rng.normal(size=x.shape)
    ref, (dx,) = _reference(lambda t: t.relu(), [x], dout, [0])
    errors = [compare("relu_forward out", _call("relu_forward", relu_forward, x), ref),
              compare("relu_backward dx", _call("relu_backward", relu_backward, dout, x), dx)]
    _ok("relu_forward / relu_backward", errors)


def check_softmax_loss(softmax_loss):
    """Check `softmax_loss(scores, y) -> (loss, dscores)`: the mean cross-entropy of the
    softmax of scores (N, C) with integer labels y (N,), and its gradient; includes scores
    large enough to overflow a naive exp."""
    rng = _rng(3)
    errors = []
    for scale in (1.0, 800.0):
        scores = scale * rng.normal(size=(6, 4))
        y = rng.integers(0, 4, size=6)
        st = ag.tensor(scores, requires_grad=True)
        loss = nn.functional.cross_entropy(st, ag.tensor(y))
        (ds,) = ag.grad(loss, st)
        got = _call("softmax_loss", softmax_loss, scores, y)
        if not isinstance(got, tuple) or len(got) != 2:
            raise ExerciseError("softmax_loss must return (loss, dscores)")
        errors.append(compare(f"softmax_loss loss (scores of size ~{scale:g})", got[0], loss))
        errors.append(compare(f"softmax_loss dscores (scores of size ~{scale:g})", got[1], ds))
    _ok("softmax_loss", errors)


def check_batchnorm(batchnorm_forward, batchnorm_backward, name="batchnorm_backward"):
    """Check a training-mode batch normalization of x (N, D):
    `batchnorm_forward(x, gamma, beta, eps) -> (out, cache)` and
    `batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta)` against glassgrad's
    `nn.functional.batch_norm` (biased batch variance), then run `ag.gradcheck` on the
    learner's pair wrapped in an `ag.Function`."""
    rng = _rng(4)
    x = rng.normal(3.0, 2.0, size=(8, 5))
    gamma, beta = rng.normal(size=5), rng.normal(size=5)
    dout = rng.normal(size=x.shape)
    eps = 1e-5
    fn = lambda x, g, b: nn.functional.batch_norm(x, None, None, g, b, True, 0.1, eps)
    ref, grads = _reference(fn, [x, gamma, beta], dout, range(3))
    got = _call("batchnorm_forward", batchnorm_forward, x, gamma, beta, eps)
    if not isinstance(got, tuple) or len(got) != 2:
        raise ExerciseError("batchnorm_forward must return (out, cache)")
    out, cache = got
    errors = [compare("batchnorm_forward out", out, ref)]
    back = _call(name, batchnorm_backward, dout, cache)
    for part, g, e in zip(("dx", "dgamma", "dbeta"), back, grads):
        errors.append(compare(f"{name} {part}", g, e, rtol=1e-5, atol=1e-8))

    class LearnersBatchNorm(ag.Function):
        @staticmethod
        def forward(ctx, x, g, b):
            out, ctx.cache = batchnorm_forward(x.numpy(), g.numpy(), b.numpy(), eps)
            return ag.tensor(out)

        @staticmethod
        @ag.once_differentiable
        def backward(ctx, dout):
            return tuple(ag.tensor(np.asarray(a, dtype=np.float64))
                         for a in batchnorm_backward(dout.numpy(), ctx.cache))

    inputs = [ag.tensor(a, requires_grad=True) for a in (x[:4, :3], gamma[:3], beta[:3])]
    report = ag.gradcheck(LearnersBatchNorm.apply, inputs, raise_exception=False)
    if not report:
        raise ExerciseError(f"{name}: gradcheck of your forward/backward pair failed")
    _ok(f"batchnorm_forward / {name} (and gradcheck)", errors)


def check_dropout(dropout_forward, dropout_backward):
    """Check inverted dropout: `dropout_forward(x, p, u) -> (out, cache)` drops the units
    where the uniform draws `u` (same shape as x) are below `p` and scales the others by
    1 / (1 - p); `dropout_backward(dout, cache) -> dx`. Compared with glassgrad's autograd
    of `x * mask / (1 - p)`, and the expected value of the output with many draws."""
    rng = _rng(5)
    x = rng.normal(size=(50, 40))
    errors = []
    for p in (0.25, 0.5, 0.8):
        u = rng.random(size=x.shape)
        mask = (u >= p).astype(np.float64)
        dout = rng.normal(size=x.shape)
        ref, (dx,) = _reference(lambda t: t * ag.tensor(mask) / (1 - p), [x], dout, [0])
        got = _call("dropout_forward", dropout_forward, x, p, u)
        if not isinstance(got, tuple) or len(got) != 2:
            raise ExerciseError("dropout_forward must return (out, cache)")
        errors.append(compare(f"dropout_forward out (p = {p})", got[0], ref))
        errors.append(compare(f"dropout_backward dx (p = {p})",
                              _call("dropout_backward", dropout_backward, dout, got[1]), dx))
    ones = np.ones((2000, 50))
    mean = _array(dropout_forward(ones, 0.5, rng.random(size=ones.shape))[0]).mean()
    if abs(mean - 1.0) > 0.02:
        raise ExerciseError(f"dropout_forward: the mean output for inputs of 1 is {mean:.4f}; "
                            f"inverted dropout keeps it at 1 (scale the survivors by 1/(1-p))")
    _ok("dropout_forward / dropout_backward (inverted)", errors)


def check_conv(conv_forward, conv_backward):
    """Check a naive convolution: `conv_forward(x, w, b, stride, pad) -> out` with
    x (N, C, H, W), w (F, C, HH, WW), b (F,), and
    `conv_backward(dout, x, w, b, stride, pad) -> (dx, dw, db)`, against glassgrad's
    `nn.functional.conv2d` and its autograd."""
    rng = _rng(6)
    errors = []
    for stride, pad in [(1, 0), (1, 1), (2, 1)]:
        x, w, b = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
        fn = lambda x, w, b: nn.functional.conv2d(x, w, b, stride=stride, padding=pad)
        with ag.no_grad():
            shape = fn(*[ag.tensor(a) for a in (x, w, b)]).shape
        dout = rng.normal(size=shape)
        ref, grads = _reference(fn, [x, w, b], dout, range(3))
        errors.append(compare(f"conv_forward out (stride {stride}, pad {pad})",
                              _call("conv_forward", conv_forward, x, w, b, stride, pad), ref))
        got = _call("conv_backward", conv_backward, dout, x, w, b, stride, pad)
        for name, g, e in zip(("dx", "dw", "db"), got, grads):
            errors.append(compare(f"conv_backward {name} (stride {stride}, pad {pad})", g, e))
    _ok("conv_forward / conv_backward", errors)


# --------------------------------------------------------------------------------------------
# (c) optimizers

_OPTIMIZERS = {
    "sgd_momentum": (optim.SGD, dict(lr=0.1, momentum=0.9)),
    "nesterov": (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)),
    "rmsprop": (optim.RMSprop, dict(lr=0.01, alpha=0.99, eps=1e-8)),
    "adam": (optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
}


def check_optimizer(kind, update, steps=6):
    """Run the learner's update rule and glassgrad's optimizer side by side.

    Parameters
    ----------
    kind : {"sgd_momentum", "nesterov", "rmsprop", "adam"}
        Which rule; the glassgrad counterpart is SGD(momentum=0.9), SGD(momentum=0.9,
        nesterov=True), RMSprop or Adam with the hyperparameters passed to `update`.
    update : callable
        `update(w, dw, state, **hyperparameters) -> new w`: numpy arrays, `state` a dict the
        rule may keep its buffers in (empty at the first step). Hyperparameters: lr and
        momentum; lr, alpha, eps; lr, beta1, beta2, eps.
    steps : int
        How many steps; the gradient at each step is that of a fixed quadratic at the
        current weights, so an early mistake also changes the later gradients.

    Raises
    ------
    ExerciseError
        At the first step whose weights differ, naming the element.
    """
    opt_class, hyper = _OPTIMIZERS[kind]
    rng = _rng(7)
    A = rng.normal(size=(3, 3))
    A = A @ A.T + np.eye(3)
    target = rng.normal(size=(3, 4))

    def gradient(w):
        return A @ (w - target)

    w0 = rng.normal(size=(3, 4))
    param = ag.tensor(w0.copy(), requires_grad=True)
    opt = opt_class([param], **hyper)
    args = dict(hyper)
    if "betas" in args:
        args["beta1"], args["beta2"] = args.pop("betas")
    args.pop("nesterov", None)
    w, state, errors = w0.copy(), {}, []
    for step in range(1, steps + 1):
        param.grad = ag.tensor(gradient(param.numpy()))
        opt.step()
        w = _call(kind, update, w, gradient(w), state, **args)
        errors.append(compare(f"{kind}: the weights after step {step}", w, param.numpy(),
                              rtol=1e-7, atol=1e-10))
    _ok(f"{kind} matches glassgrad.optim.{opt_class.__name__}({', '.join(f'{k}={v}' for k, v in hyper.items())}) "
        f"for {steps} steps", errors)


# --------------------------------------------------------------------------------------------
# (d) backprop by hand through Linear -> BatchNorm1d -> ReLU -> Linear -> cross-entropy


def mlp_batchnorm_problem(seed=0, N=16, D=6, H=5, C=3):
    """The inputs of the hand-backprop exercise: (x (N, D), y (N,), params), params a dict
    with W1 (H, D), b1 (H,), gamma (H,), beta (H,), W2 (C, H), b2 (C,) in PyTorch's layout
    (a Linear computes x @ W.T + b)."""
    rng = _rng(seed)
    params = dict(W1=rng.normal(size=(H, D)) / np.sqrt(D), b1=rng.normal(size=H) * 0.1,
                  gamma=1 + 0.1 * rng.normal(size=H), beta=0.1 * rng.normal(size=H),
                  W2=rng.normal(size=(C, H)) / np.sqrt(H), b2=rng.normal(size=C) * 0.1)
    return rng.normal(size=(N, D)), rng.integers(0, C, size=N), params


def check_mlp_batchnorm(mlp_forward_backward, eps=1e-5):
    """Check backprop by hand through Linear -> BatchNorm1d (training mode) -> ReLU ->
    Linear -> mean cross-entropy, tensor by tensor against the same model built from
    glassgrad's `nn` layers.

    Parameters
    ----------
    mlp_forward_backward : callable
        `(x, y, params, eps) -> (loss, grads)`, grads a dict with the gradient of the loss
        for every intermediate tensor, "scores", "h" (after ReLU), "a" (after BatchNorm),
        "z" (after the first Linear), and every parameter, "W2", "b2", "gamma", "beta",
        "W1", "b1".

    Raises
    ------
    ExerciseError
        At the first tensor, in backward order, that differs: the earliest wrong tensor
        in that order is where the bug is.
    """
    x, y, p = mlp_batchnorm_problem()
    H, D = p["W1"].shape
    C = p["W2"].shape[0]
    lin1, bn, lin2 = nn.Linear(D, H).double(), nn.BatchNorm1d(H, eps=eps).double(), nn.Linear(H, C).double()
    with ag.no_grad():
        for module, names in ((lin1, ("W1", "b1")), (bn, ("gamma", "beta")), (lin2, ("W2", "b2"))):
            module.weight.copy_(ag.tensor(p[names[0]]))
            module.bias.copy_(ag.tensor(p[names[1]]))
    z = lin1(ag.tensor(x))
    a = bn(z)
    h = a.relu()
    scores = lin2(h)
    for t in (z, a, h, scores):
        t.retain_grad()
    loss = nn.functional.cross_entropy(scores, ag.tensor(y))
    loss.backward()
    expected = {"scores": scores.grad, "W2": lin2.weight.grad, "b2": lin2.bias.grad,
                "h": h.grad, "a": a.grad, "gamma": bn.weight.grad, "beta": bn.bias.grad,
                "z": z.grad, "W1": lin1.weight.grad, "b1": lin1.bias.grad}
    got = _call("mlp_forward_backward", mlp_forward_backward, x, y,
                {k: v.copy() for k, v in p.items()}, eps)
    if not isinstance(got, tuple) or len(got) != 2:
        raise ExerciseError("mlp_forward_backward must return (loss, grads)")
    errors = [compare("the loss", got[0], loss)]
    for name, e in expected.items():
        if name not in got[1]:
            raise ExerciseError(f"grads has no entry {name!r} (expected keys: {list(expected)})")
        errors.append(compare(f"dL/d{name}", got[1][name], e, rtol=1e-5, atol=1e-10))
        print(f"    dL/d{name:<6} {str(tuple(e.shape)):>8}  matches")
    _ok("backprop by hand through the MLP with BatchNorm", errors)
