"""Shared op table for the autograd tests.

Each `Case` names an op, applies it in glassgrad (`ag_fn`) and, when PyTorch is installed, in
PyTorch (`torch_fn`, same arguments), and says how to draw its float64 inputs: `shapes` and a
`domain` that keeps finite differences away from poles and kinks. test_ops_gradcheck.py
gradchecks every case; test_torch_parity.py compares values and gradients with PyTorch.
"""
from dataclasses import dataclass

import numpy as np

from glassgrad import autograd as ag


@dataclass
class Case:
    name: str
    ag_fn: object
    torch_fn: object
    shapes: tuple
    domain: str = "any"          # any | positive | nonzero | distinct | unit
    smooth: bool = True          # differentiable everywhere on the domain (for 2nd/3rd order)

    def __repr__(self):
        return self.name


def draw(shape, domain, rng):
    """A float64 array of `shape` whose values suit `domain`."""
    n = int(np.prod(shape, dtype=np.int64))
    if domain == "positive":       # away from 0 (log, sqrt, pow base, ...)
        x = rng.uniform(0.5, 2.0, n)
    elif domain == "nonzero":      # |x| >= 0.3: away from the kink of relu/abs and the pole of 1/x
        x = rng.uniform(0.3, 1.5, n) * rng.choice([-1.0, 1.0], n)
    elif domain == "distinct":     # pairwise gaps >= 0.1 (max/min/sort-like ops have no ties)
        x = (rng.permutation(n) - n / 2) * 0.1 + rng.uniform(-0.02, 0.02, n)
    elif domain == "unit":         # inside (-0.9, 0.9)
        x = rng.uniform(-0.9, 0.9, n)
    else:
        x = rng.standard_normal(n)
    return x.reshape(shape)


def inputs(case, seed=0, dtype=np.float64):
    """The case's inputs as numpy arrays (one per shape)."""
    rng = np.random.default_rng(seed)
    domains = case.domain if isinstance(case.domain, tuple) else (case.domain,) * len(case.shapes)
    return [draw(s, d, rng).astype(dtype) for s, d in zip(case.shapes, domains)]


CASES = []


def case(name, ag_fn, torch_fn, *shapes, domain="any", smooth=True):
    CASES.append(Case(name, ag_fn, torch_fn, tuple(shapes), domain, smooth))


# ----- elementwise binary, including broadcasting and 0-d operands --------------------------
for sa, sb in [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,)), ((), (3,)), ((2, 1, 3), ()),
               ((), ())]:
    tag = f"{sa}x{sb}"
    case(f"add{tag}", lambda a, b: a + b, lambda a, b: a + b, sa, sb)
    case(f"sub{tag}", lambda a, b: a - b, lambda a, b: a - b, sa, sb)
    case(f"mul{tag}", lambda a, b: a * b, lambda a, b: a * b, sa, sb)
    case(f"div{tag}", lambda a, b: a / b, lambda a, b: a / b, sa, sb, domain=("any", "nonzero"))
    case(f"pow{tag}", lambda a, b: a ** b, lambda a, b: a ** b, sa, sb, domain=("positive", "any"))
    case(f"maximum{tag}", ag.maximum, lambda a, b: a.maximum(b), sa, sb, domain="distinct",
         smooth=False)
    case(f"minimum{tag}", ag.minimum, lambda a, b: a.minimum(b), sa, sb, domain="distinct",
         smooth=False)

case("where", lambda a, b: ag.where(a > 0, a, b), lambda a, b: a.where(a > 0, b), (3, 4), (4,),
     domain=("nonzero", "any"))
case("where_scalar_branch", lambda a: ag.where(a > 0, a * 2.0, 0.0),
     lambda a: (a * 2.0).where(a > 0, 0.0), (5,), domain="nonzero")
case("rsub_scalar", lambda a: 2.0 - a, lambda a: 2.0 - a, (3,))
case("rdiv_scalar", lambda a: 2.0 / a, lambda a: 2.0 / a, (3,), domain="nonzero")
case("rpow_scalar", lambda a: 2.0 ** a, lambda a: 2.0 ** a, (3,))

# ----- elementwise unary ---------------------------------------------------------------------
for shape in [(3, 4), (), (2, 1, 3)]:
    tag = str(shape)
    case(f"neg{tag}", lambda x: -x, lambda x: -x, shape)
    case(f"exp{tag}", ag.exp, lambda x: x.exp(), shape)
    case(f"log{tag}", ag.log, lambda x: x.log(), shape, domain="positive")
    case(f"sqrt{tag}", ag.sqrt, lambda x: x.sqrt(), shape, domain="positive")
    case(f"tanh{tag}", ag.tanh, lambda x: x.tanh(), shape)
    case(f"sigmoid{tag}", ag.sigmoid, lambda x: x.sigmoid(), shape)
    case(f"relu{tag}", ag.relu, lambda x: x.relu(), shape, domain="nonzero", smooth=False)
    case(f"abs{tag}", ag.abs, lambda x: x.abs(), shape, domain="nonzero", smooth=False)
case("log1p", ag.log1p, lambda x: x.log1p(), (3, 4), domain="unit")
case("expm1", ag.expm1, lambda x: x.expm1(), (3, 4))
case("rsqrt", ag.rsqrt, lambda x: x.rsqrt(), (3, 4), domain="positive")
case("sin", ag.sin, lambda x: x.sin(), (3, 4))
case("cos", ag.cos, lambda x: x.cos(), (3, 4))
case("erf", ag.erf, lambda x: x.erf(), (3, 4))
case("square", ag.square, lambda x: x.square(), (3, 4))
case("clamp", lambda x: x.clamp(-0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), (4, 5), smooth=False)
case("clamp_min", lambda x: x.clamp(min=0.1), lambda x: x.clamp(min=0.1), (4, 5), smooth=False)
case("clamp_max", lambda x: x.clamp(max=0.1), lambda x: x.clamp(max=0.1), (4, 5), smooth=False)
case("clamp_tensor_bounds", lambda x, lo: x.clamp(lo, lo + 1.0),
     lambda x, lo: x.clamp(lo, lo + 1.0), (3, 4), (4,), domain="distinct", smooth=False)
case("pow_scalar2", lambda x: x ** 2, lambda x: x ** 2, (3, 4))
case("pow_scalar3", lambda x: x ** 3, lambda x: x ** 3, (3, 4))
case("pow_scalar_half", lambda x: x ** 0.5, lambda x: x ** 0.5, (3, 4), domain="positive")
case("pow_scalar_neg1", lambda x: x ** -1, lambda x: x ** -1, (3, 4), domain="nonzero")
case("pow_scalar_neg2.5", lambda x: x ** -2.5, lambda x: x ** -2.5, (3,), domain="positive")
case("pow_scalar0", lambda x: x ** 0, lambda x: x ** 0, (3, 4))
case("pow_negative_base_int_exponent", lambda x: x ** 3.0, lambda x: x ** 3.0, (4,),
     domain="nonzero")
case("clone", lambda x: x.clone(), lambda x: x.clone(), (3, 4))

# ----- reductions ------------------------------------------------------------------------------
for dim, keep in [(None, False), (0, False), (-1, True), ((0, 2), False), ((-1, 0), True),
                  ((), False)]:
    tag = f"(dim={dim},keepdim={keep})"
    case(f"sum{tag}", lambda x, d=dim, k=keep: x.sum(d, keepdim=k) if d is not None else x.sum(),
         lambda x, d=dim, k=keep: x.sum(d, keepdim=k) if d is not None else x.sum(), (2, 3, 4))
    case(f"mean{tag}", lambda x, d=dim, k=keep: x.mean(d, keepdim=k) if d is not None
         else x.mean(), lambda x, d=dim, k=keep: x.mean(d, keepdim=k) if d is not None
         else x.mean(), (2, 3, 4))
    case(f"amax{tag}", lambda x, d=dim, k=keep: x.amax(d, keepdim=k) if d is not None
         else x.amax(), lambda x, d=dim, k=keep: x.amax(d, keepdim=k) if d is not None
         else x.amax(), (2, 3, 4), domain="distinct", smooth=False)
    case(f"amin{tag}", lambda x, d=dim, k=keep: x.amin(d, keepdim=k) if d is not None
         else x.amin(), lambda x, d=dim, k=keep: x.amin(d, keepdim=k) if d is not None
         else x.amin(), (2, 3, 4), domain="distinct", smooth=False)
    if dim != ():     # torch.logsumexp rejects dim=()
        case(f"logsumexp{tag}", lambda x, d=dim, k=keep: ag.logsumexp(x, d, keepdim=k)
             if d is not None else ag.logsumexp(x, (0, 1, 2)),
             lambda x, d=dim, k=keep: x.logsumexp(d, keepdim=k) if d is not None
             else x.logsumexp((0, 1, 2)), (2, 3, 4))
for corr in (0, 1, 2):
    case(f"var(correction={corr})", lambda x, c=corr: x.var(1, correction=c),
         lambda x, c=corr: x.var(1, correction=c), (3, 4))
    case(f"std(correction={corr})", lambda x, c=corr: x.std((0, 1), keepdim=True, correction=c),
         lambda x, c=corr: x.std((0, 1), keepdim=True, correction=c), (3, 4))
case("var_all", lambda x: x.var(), lambda x: x.var(), (3, 4))
case("var_unbiased_false", lambda x: x.var(0, unbiased=False), lambda x: x.var(0, unbiased=False),
     (3, 4))
case("std_all", lambda x: x.std(), lambda x: x.std(), (5,))
case("max_all", lambda x: x.max(), lambda x: x.max(), (3, 4), domain="distinct", smooth=False)
case("min_all", lambda x: x.min(), lambda x: x.min(), (3, 4), domain="distinct", smooth=False)
case("max_dim", lambda x: x.max(1).values, lambda x: x.max(1).values, (3, 4), domain="distinct",
     smooth=False)
case("max_dim_keepdim_neg", lambda x: x.max(-2, keepdim=True)[0],
     lambda x: x.max(-2, keepdim=True)[0], (3, 4, 2), domain="distinct", smooth=False)
case("min_dim", lambda x: x.min(0).values, lambda x: x.min(0).values, (3, 4), domain="distinct",
     smooth=False)
for dim in (-1, 0, 1):
    case(f"softmax(dim={dim})", lambda x, d=dim: ag.softmax(x, d), lambda x, d=dim: x.softmax(d),
         (3, 4))
    case(f"log_softmax(dim={dim})", lambda x, d=dim: ag.log_softmax(x, d),
         lambda x, d=dim: x.log_softmax(d), (3, 4))
case("norm2", lambda x: x.norm(), lambda x: x.norm(), (3, 4))
case("norm2_dim", lambda x: x.norm(dim=1, keepdim=True), lambda x: x.norm(dim=1, keepdim=True),
     (3, 4))
case("norm_fro", lambda x: x.norm(p="fro"), lambda x: x.norm(p="fro"), (3, 4))
case("norm1", lambda x: x.norm(p=1), lambda x: x.norm(p=1), (3, 4), domain="nonzero",
     smooth=False)
case("norm_inf", lambda x: x.norm(p=float("inf"), dim=0),
     lambda x: x.norm(p=float("inf"), dim=0), (3, 4), domain="distinct", smooth=False)
case("norm3", lambda x: x.norm(p=3, dim=-1), lambda x: x.norm(p=3, dim=-1), (3, 4),
     domain="nonzero", smooth=False)

case("max_other", lambda a, b: a.max(b), lambda a, b: a.max(b), (3, 4), (4,), domain="distinct",
     smooth=False)
case("mean_neg_dims_keepdim", lambda x: x.mean((-1, -3), keepdim=True),
     lambda x: x.mean((-1, -3), keepdim=True), (2, 3, 4))
case("sum_0d", lambda x: x.sum(0), lambda x: x.sum(0), ())
case("softmax_0d", lambda x: x.softmax(0) * x, lambda x: x.softmax(0) * x, ())
case("log_softmax_0d", lambda x: x.log_softmax(-1) + x, lambda x: x.log_softmax(-1) + x, ())
case("logsumexp_0d", lambda x: x.logsumexp(0), lambda x: x.logsumexp(0), ())
case("max_dim_0d", lambda x: x.max(0)[0] * 2.0, lambda x: x.max(0)[0] * 2.0, ())
case("amax_0d", lambda x: x.amax(), lambda x: x.amax(), ())
case("std_dim_unbiased_false", lambda x: x.std(0, unbiased=False),
     lambda x: x.std(0, unbiased=False), (4, 2))

# ----- shape ---------------------------------------------------------------------------------
case("reshape", lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1), (2, 3, 2))
case("view", lambda x: x.view(6, 2), lambda x: x.view(6, 2), (2, 3, 2))
case("flatten", lambda x: x.flatten(1), lambda x: x.flatten(1), (2, 3, 2))
case("squeeze", lambda x: x.squeeze(), lambda x: x.squeeze(), (2, 1, 3, 1))
case("squeeze_dim", lambda x: x.squeeze(-1), lambda x: x.squeeze(-1), (2, 1, 3, 1))
case("unsqueeze", lambda x: x.unsqueeze(-1), lambda x: x.unsqueeze(-1), (2, 3))
case("unsqueeze_0d", lambda x: x.unsqueeze(0), lambda x: x.unsqueeze(0), ())
case("permute", lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1), (2, 3, 4))
case("transpose", lambda x: x.transpose(0, -1), lambda x: x.transpose(0, -1), (2, 3, 4))
case("T", lambda x: x.T, lambda x: x.T, (2, 3))
case("mT", lambda x: x.mT, lambda x: x.mT, (2, 3, 4))
case("expand", lambda x: x.expand(2, 3, 4), lambda x: x.expand(2, 3, 4), (3, 1))
case("expand_keep", lambda x: x.expand(-1, 4), lambda x: x.expand(-1, 4), (3, 1))
case("broadcast_to", lambda x: ag.broadcast_to(x, (2, 3)),
     lambda x: x.broadcast_to((2, 3)), ())
case("index_int", lambda x: x[1], lambda x: x[1], (3, 4))
case("index_negative", lambda x: x[-1, -2], lambda x: x[-1, -2], (3, 4))
case("index_step_slice", lambda x: x[::2, 1::2], lambda x: x[::2, 1::2], (5, 6))
case("index_none_ellipsis", lambda x: x[None, ..., 1], lambda x: x[None, ..., 1], (2, 3, 4))
case("index_repeated", lambda x: x[[0, 2, 0, 0]], lambda x: x[[0, 2, 0, 0]], (3, 4))
case("index_2d_arrays", lambda x: x[[0, 1, 1], [2, 2, 0]], lambda x: x[[0, 1, 1], [2, 2, 0]],
     (3, 4))
case("index_mask", lambda x: x[x > 0], lambda x: x[x > 0], (3, 4), domain="nonzero")
case("index_mixed", lambda x: x[1:, [0, 0, 2]], lambda x: x[1:, [0, 0, 2]], (3, 4))
case("gather", lambda x: x.gather(1, ag.tensor([[0, 0, 2], [1, 3, 3]])),
     lambda x: x.gather(1, __import__("torch").tensor([[0, 0, 2], [1, 3, 3]])), (2, 4))
case("gather_dim0_smaller", lambda x: x.gather(0, ag.tensor([[2, 0]])),
     lambda x: x.gather(0, __import__("torch").tensor([[2, 0]])), (3, 4))
case("gather_0d", lambda x: x.gather(0, ag.tensor(0)),
     lambda x: x.gather(0, __import__("torch").tensor(0)), ())
case("masked_fill", lambda x: x.masked_fill(ag.tensor([True, False, True]), -1.0),
     lambda x: x.masked_fill(__import__("torch").tensor([True, False, True]), -1.0), (2, 3))
case("cat", lambda a, b: ag.cat([a, b], 1), lambda a, b: __import__("torch").cat([a, b], 1),
     (2, 3), (2, 2))
case("cat_negative_dim", lambda a, b, c: ag.cat([a, b, c], -1),
     lambda a, b, c: __import__("torch").cat([a, b, c], -1), (2, 1), (2, 3), (2, 2))
case("stack", lambda a, b: ag.stack([a, b], -1), lambda a, b: __import__("torch").stack([a, b], -1),
     (2, 3), (2, 3))
case("split", lambda x: x.split(2, 1)[1] * x.split(2, 1)[0][:, :1],
     lambda x: x.split(2, 1)[1] * x.split(2, 1)[0][:, :1], (3, 4))
case("split_sections", lambda x: ag.cat(list(x.split([1, 3], -1))[::-1], -1),
     lambda x: __import__("torch").cat(list(x.split([1, 3], -1))[::-1], -1), (3, 4))
case("chunk", lambda x: x.chunk(3, 0)[2] + x.chunk(3, 0)[0],
     lambda x: x.chunk(3, 0)[2] + x.chunk(3, 0)[0], (6, 2))
case("pad", lambda x: ag.pad(x, (1, 2, 0, 1), 0.5),
     lambda x: __import__("torch").nn.functional.pad(x, (1, 2, 0, 1), value=0.5), (2, 3, 4))
case("pad_last", lambda x: ag.pad(x, (2, 0)),
     lambda x: __import__("torch").nn.functional.pad(x, (2, 0)), (3,))
case("matmul_2d", lambda a, b: a @ b, lambda a, b: a @ b, (3, 4), (4, 2))
case("matmul_1d_1d", lambda a, b: a @ b, lambda a, b: a @ b, (4,), (4,))
case("matmul_1d_2d", lambda a, b: a @ b, lambda a, b: a @ b, (4,), (4, 3))
case("matmul_2d_1d", lambda a, b: a @ b, lambda a, b: a @ b, (3, 4), (4,))
case("matmul_batched", lambda a, b: a @ b, lambda a, b: a @ b, (2, 3, 4), (2, 4, 2))
case("matmul_batched_broadcast", lambda a, b: a @ b, lambda a, b: a @ b, (2, 1, 3, 4), (3, 4, 2))
case("matmul_batched_1d", lambda a, b: a @ b, lambda a, b: a @ b, (2, 3, 4), (4,))
case("matmul_1d_batched", lambda a, b: a @ b, lambda a, b: a @ b, (4,), (2, 4, 3))
case("unfold2d", lambda x: ag.unfold2d(x, 2), lambda x: _torch_unfold(x, 2, 1, 1), (1, 2, 3, 4))
case("unfold2d_stride_dilation", lambda x: ag.unfold2d(x, (2, 3), 2, (1, 2)),
     lambda x: _torch_unfold(x, (2, 3), 2, (1, 2)), (2, 1, 5, 7))


def _torch_unfold(x, kernel, stride, dilation):
    """torch's im2col in glassgrad's (N, C, kh, kw, OH, OW) layout."""
    import torch
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (kh, kw), (sh, sw), (dh, dw) = pair(kernel), pair(stride), pair(dilation)
    n, c, h, w = x.shape
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (w - dw * (kw - 1) - 1) // sw + 1
    cols = torch.nn.functional.unfold(x, (kh, kw), dilation=(dh, dw), stride=(sh, sw))
    return cols.reshape(n, c, kh, kw, oh, ow)


BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES), "duplicate case names"
