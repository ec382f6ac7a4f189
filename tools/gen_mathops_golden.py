#!/usr/bin/env python3
"""Generates Autograd.Tests/Golden/mathops.json: PyTorch 1.13's pointwise math, reductions and cascade sums.

Run with the system interpreter that has torch:  /usr/bin/python3 tools/gen_mathops_golden.py
Deterministic (one seeded generator). PyTorch runs with one intra-op thread (this machine's default), whose
summation order the library reproduces.

Layout (read by Autograd.Tests/MathOpsGolden.cs):
  cases[]:   {name, op, args, inputs[], outputs[] (tensor + grad_fn), grads[] (null where no gradient)}
             backward ran with a gradient of ones on output 0 when it is floating and requires grad.
  errors[]:  {name, op, args, inputs[], message}
  cascade[]: {name, op (sum|mean|sumto), input (randn|randn_negzero|ones01), dtype, seed, shape, dims, keepdim, target, result}
             the input is torch.randn(shape, dtype) after torch.manual_seed(seed), or torch.ones(shape) * 0.1;
             sumto is the gradient of x (shape target) in ((x + zeros(shape)) * randn(shape)).sum().
Tensors are {dtype, shape, values, requires_grad}; non-finite values are the strings "nan", "inf", "-inf".
"""

import json
import math
import os

import torch

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Autograd.Tests", "Golden", "mathops.json")
F32, F64, I64 = torch.float32, torch.float64, torch.int64
NAMES = {F32: "float32", F64: "float64", I64: "int64"}
gen = torch.Generator().manual_seed(1312)


def number(v):
    if isinstance(v, (int, bool)):
        return int(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def spec(t, requires_grad=None):
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape),
            "values": [number(v) for v in t.detach().reshape(-1).tolist()],
            "requires_grad": t.requires_grad if requires_grad is None else requires_grad}


def uniform(shape, lo, hi, dtype=F32):
    return (torch.rand(shape, generator=gen, dtype=F64) * (hi - lo) + lo).to(dtype)


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, float("nan"), float("inf"), float("-inf")]

cases, errors = [], []


def case(name, op, inputs, fn, args=None, backward=True):
    inputs = [t.detach().clone().requires_grad_(rg) for t, rg in inputs]
    outs = fn(*inputs)
    outs = list(outs) if isinstance(outs, tuple) else [outs]
    grads = [None] * len(inputs)
    if backward and outs[0].requires_grad and outs[0].dtype in (F32, F64):
        outs[0].backward(torch.ones_like(outs[0]))
        grads = [None if t.grad is None else spec(t.grad) for t in inputs]
    cases.append({"name": name, "op": op, "args": args or {},
                  "inputs": [spec(t) for t in inputs],
                  "outputs": [dict(spec(o), grad_fn=None if o.grad_fn is None else type(o.grad_fn).__name__) for o in outs],
                  "grads": grads})


def error(name, op, inputs, fn, args=None):
    try:
        fn(*inputs)
    except Exception as e:  # noqa: BLE001 - any PyTorch error is the expected message
        errors.append({"name": name, "op": op, "args": args or {}, "inputs": [spec(t) for t in inputs],
                       "message": str(e).split("\n")[0]})
        return
    raise AssertionError(f"{name} did not fail")


# ------------------------------------------------------------------ pointwise math
UNARY = {
    "sin": (torch.sin, -10, 10), "cos": (torch.cos, -10, 10), "tan": (torch.tan, -1.5, 1.5),
    "asin": (torch.asin, -0.99, 0.99), "acos": (torch.acos, -0.99, 0.99), "atan": (torch.atan, -10, 10),
    "sinh": (torch.sinh, -5, 5), "cosh": (torch.cosh, -5, 5), "log1p": (torch.log1p, -0.9, 10),
    "expm1": (torch.expm1, -5, 5), "log2": (torch.log2, 0.01, 100), "log10": (torch.log10, 0.01, 100),
    "floor": (torch.floor, -5, 5), "ceil": (torch.ceil, -5, 5), "round": (torch.round, -5, 5),
    "trunc": (torch.trunc, -5, 5), "sign": (torch.sign, -5, 5), "rsqrt": (torch.rsqrt, 0.01, 100),
    "square": (torch.square, -5, 5), "erf": (torch.erf, -3, 3), "erfc": (torch.erfc, -3, 3),
    "erfinv": (torch.erfinv, -0.999, 0.999), "lgamma": (torch.lgamma, -4.5, 10), "digamma": (torch.digamma, -4.5, 10),
}
ROUNDING = {"floor", "ceil", "round", "trunc", "sign", "square"}
for op, (fn, lo, hi) in UNARY.items():
    for dtype in (F32, F64):
        x = uniform((3, 40), lo, hi, dtype)
        case(f"{op}_{NAMES[dtype]}", op, [(x, True)], fn)
        # Wide range for the float32 ulp comparison.
        if dtype == F32:
            case(f"{op}_float32_wide", op, [(uniform((200,), lo, hi, dtype), False)], fn)
    case(f"{op}_special", op, [(torch.tensor(SPECIAL), True)], fn)
    ints = torch.tensor([-3, -1, 0, 1, 2, 7])
    if op in ("asin", "acos", "erfinv"):
        ints = torch.tensor([-1, 0, 1])
    case(f"{op}_int64", op, [(ints, False)], fn)
    case(f"{op}_0d", op, [(uniform((), max(lo, 0.1), hi), True)], fn)
case("round_half_even", "round", [(torch.tensor([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 4.4999995, 1e8 + 1]), False)], torch.round)
case("digamma_poles", "digamma", [(torch.tensor([0.0, -0.0, -1.0, -2.0, -3.5, 1e-8, 30.0]), False)], torch.digamma)
case("lgamma_poles", "lgamma", [(torch.tensor([0.0, -0.0, -1.0, -2.0, -3.5, 1e-8, 1.0, 2.0]), False)], torch.lgamma)
case("erfinv_edges", "erfinv", [(torch.tensor([1.0, -1.0, 1.5, 0.0]), False)], torch.erfinv)

BINARY = {"maximum": torch.maximum, "minimum": torch.minimum, "atan2": torch.atan2}
for op, fn in BINARY.items():
    for dtype in (F32, F64):
        a, b = uniform((4, 5), -3, 3, dtype), uniform((5,), -3, 3, dtype)
        case(f"{op}_{NAMES[dtype]}_broadcast", op, [(a, True), (b, True)], fn)
    a = torch.tensor([1.0, 2.0, float("nan"), 3.0, float("nan"), 0.0, -0.0, 5.0])
    b = torch.tensor([1.0, 3.0, 1.0, float("nan"), float("nan"), -0.0, 0.0, 5.0])
    case(f"{op}_ties_nan", op, [(a, True), (b, True)], fn)
    if op != "atan2":
        case(f"{op}_int64", op, [(torch.tensor([1, 5, -3]), False), (torch.tensor([2, 5, -7]), False)], fn)
case("atan2_int64", "atan2", [(torch.tensor([1, 0, -3]), False), (torch.tensor([2, 0, 4]), False)], torch.atan2)

for lo, hi in [(-0.5, 0.5), (None, 0.3), (-0.2, None), (0.5, -0.5)]:
    x = torch.cat([uniform((20,), -1, 1), torch.tensor([-0.5, 0.5, 0.3, -0.2, float("nan")])])
    case(f"clamp_{lo}_{hi}", "clamp", [(x, True)], lambda t, lo=lo, hi=hi: torch.clamp(t, lo, hi), {"min": lo, "max": hi})
case("clamp_int64", "clamp", [(torch.tensor([-5, 0, 3, 9]), False)], lambda t: torch.clamp(t, -1, 4), {"min": -1, "max": 4})
x = torch.cat([uniform((12,), -1, 1), torch.tensor([0.25, -0.25])]).reshape(2, 7)
lo_t, hi_t = uniform((7,), -0.6, 0.0), uniform((2, 1), 0.0, 0.6)
lo_t[1] = 0.25
case("clamp_tensor", "clamp_tensor", [(x, True), (lo_t, True), (hi_t, True)], lambda t, a, b: torch.clamp(t, a, b))
case("clamp_tensor_min", "clamp_tensor_min", [(x, True), (lo_t, True)], lambda t, a: torch.clamp(t, min=a))
case("clamp_tensor_max", "clamp_tensor_max", [(x, True), (hi_t, True)], lambda t, b: torch.clamp(t, max=b))
for w in [0.0, 0.3, 0.5, 0.75, 1.0, -0.5, 1.7]:
    for dtype in (F32, F64):
        case(f"lerp_{w}_{NAMES[dtype]}", "lerp", [(uniform((3, 30), -10, 10, dtype), True), (uniform((30,), -10, 10, dtype), True)],
             lambda s, e, w=w: torch.lerp(s, e, w), {"weight": w})
error("clamp_none", "clamp", [torch.ones(3)], lambda t: torch.clamp(t), {"min": None, "max": None})

# ------------------------------------------------------------------ reductions
x34 = uniform((3, 4, 5), -2, 2)
tied = torch.tensor([[1.0, 3.0, 3.0, 2.0], [0.0, 0.0, -1.0, 0.0], [5.0, 5.0, 5.0, 5.0]])
nan_row = torch.tensor([[1.0, float("nan"), 2.0, 0.0], [4.0, 1.0, float("nan"), float("nan")]])
for dims, keep in [(None, False), ([0], False), ([1, 2], False), ([0, 2], True), ([-1], True), ([], False)]:
    a = {"dims": dims, "keepdim": keep}
    tag = f"{dims}_{keep}"
    case(f"sum_{tag}", "sum_dims", [(x34, True)], lambda t: t.sum(dims if dims is not None else tuple(range(t.dim())), keepdim=keep) if dims is not None else t.sum(), a)
    case(f"mean_{tag}", "mean_dims", [(x34, True)], lambda t: t.mean(dims, keepdim=keep) if dims is not None else t.mean(), a)
    case(f"amax_{tag}", "amax", [(x34, True)], lambda t: torch.amax(t, dims if dims is not None else (), keep), a)
    case(f"amin_{tag}", "amin", [(x34, True)], lambda t: torch.amin(t, dims if dims is not None else (), keep), a)
    for corr in (0, 1, 2):
        ac = dict(a, correction=corr)
        case(f"var_{tag}_{corr}", "var", [(x34.double(), True)], lambda t: torch.var(t, dims, correction=corr, keepdim=keep), ac)
        case(f"std_{tag}_{corr}", "std", [(x34, True)], lambda t: torch.std(t, dims, correction=corr, keepdim=keep), ac)
    for p in (2.0, 1.0, 3.0, float("inf")):
        ap = dict(a, p=number(p))
        case(f"norm_{tag}_{p}", "norm", [(x34, True)], lambda t: torch.norm(t, p, dims, keep), ap)
for dims, keep in [([1], False), ([0, 1], True), (None, False)]:
    a = {"dims": dims, "keepdim": keep}
    case(f"amax_tied_{dims}_{keep}", "amax", [(tied, True)], lambda t: torch.amax(t, dims if dims is not None else (), keep), a)
    case(f"amin_tied_{dims}_{keep}", "amin", [(tied, True)], lambda t: torch.amin(t, dims if dims is not None else (), keep), a)
    case(f"amax_nan_{dims}_{keep}", "amax", [(nan_row, True)], lambda t: torch.amax(t, dims if dims is not None else (), keep), a)
for name, t in [("tied", tied), ("nan", nan_row), ("plain", x34), ("nan_first", torch.tensor([1.0, float("nan"), 2.0]))]:
    case(f"max_all_{name}", "max_all", [(t, True)], torch.max)
    case(f"min_all_{name}", "min_all", [(t, True)], torch.min)
    case(f"argmin_all_{name}", "argmin_all", [(t, False)], torch.argmin)
    for dim in range(t.dim()):
        for keep in (False, True):
            a = {"dim": dim, "keepdim": keep}
            case(f"min_dim_{name}_{dim}_{keep}", "min_dim", [(t, True)], lambda u: tuple(torch.min(u, dim, keep)), a)
            case(f"argmin_{name}_{dim}_{keep}", "argmin", [(t, False)], lambda u: torch.argmin(u, dim, keep), a)
            case(f"logsumexp_{name}_{dim}_{keep}", "logsumexp", [(t, True)], lambda u: torch.logsumexp(u, dim, keep), a)
            case(f"prod_dim_{name}_{dim}_{keep}", "prod_dim", [(t, True)], lambda u: torch.prod(u, dim, keep), a)
        case(f"cumsum_{name}_{dim}", "cumsum", [(t, True)], lambda u: torch.cumsum(u, dim), {"dim": dim})
        case(f"cumprod_{name}_{dim}", "cumprod", [(t, True)], lambda u: torch.cumprod(u, dim), {"dim": dim})
        for desc in (False, True):
            a = {"dim": dim, "descending": desc}
            case(f"sort_{name}_{dim}_{desc}", "sort", [(t, True)], lambda u: tuple(torch.sort(u, dim, desc)), a)
            case(f"argsort_{name}_{dim}_{desc}", "argsort", [(t, False)], lambda u: torch.sort(u, dim, desc)[1], a)
    case(f"prod_all_{name}", "prod_all", [(t, True)], torch.prod)
    case(f"count_nonzero_{name}", "count_nonzero", [(t, False)], torch.count_nonzero)
lse = torch.tensor([[float("inf"), 1.0], [float("-inf"), float("-inf")], [1000.0, 1000.0]])
case("logsumexp_inf", "logsumexp", [(lse, False)], lambda u: torch.logsumexp(u, 1, False), {"dim": 1, "keepdim": False})
zeros = torch.tensor([[2.0, 0.0, 3.0, 4.0], [0.0, 5.0, 0.0, 2.0], [1.0, 2.0, 3.0, 4.0]])
case("prod_all_zero", "prod_all", [(torch.tensor([2.0, 0.0, 3.0, 4.0]), True)], torch.prod)
case("prod_all_two_zeros", "prod_all", [(torch.tensor([2.0, 0.0, 3.0, 0.0]), True)], torch.prod)
for dim in (0, 1):
    case(f"prod_zero_{dim}", "prod_dim", [(zeros, True)], lambda u: torch.prod(u, dim), {"dim": dim, "keepdim": False})
    case(f"cumprod_zero_{dim}", "cumprod", [(zeros, True)], lambda u: torch.cumprod(u, dim), {"dim": dim})
case("count_nonzero_dims", "count_nonzero_dims", [(zeros, False)], lambda u: torch.count_nonzero(u, (1,)), {"dims": [1]})
case("cumsum_int64", "cumsum", [(torch.tensor([[1, 2, 3], [4, 5, 6]]), False)], lambda u: torch.cumsum(u, 1), {"dim": 1})
case("sum_int64", "sum_dims", [(torch.tensor([[1, 2, 3], [4, 5, 6]]), False)], lambda u: u.sum([0]), {"dims": [0], "keepdim": False})
case("sum_empty", "sum_dims", [(torch.zeros(0, 3), True)], lambda u: u.sum([0]), {"dims": [0], "keepdim": False})
case("amax_int64", "amax", [(torch.tensor([[1, 9, 3], [4, 5, 6]]), False)], lambda u: torch.amax(u, [1]), {"dims": [1], "keepdim": False})
case("mean_empty", "mean_dims", [(torch.zeros(0), True)], lambda u: u.mean(), {"dims": None, "keepdim": False})
for k, dim, largest in [(2, -1, True), (3, 1, False), (1, 0, True), (4, 1, True)]:
    a = {"k": k, "dim": dim, "largest": largest}
    case(f"topk_{k}_{dim}_{largest}", "topk", [(x34[0], True)], lambda u: tuple(torch.topk(u, k, dim, largest, True)), a)
case("topk_nan", "topk", [(torch.tensor([1.0, float("nan"), 3.0, 2.0]), True)], lambda u: tuple(torch.topk(u, 2)), {"k": 2, "dim": -1, "largest": True})
case("sort_nan_ties", "sort", [(torch.tensor([2.0, float("nan"), 1.0, 2.0, float("-inf"), float("nan"), 1.0]), True)],
     lambda u: tuple(torch.sort(u)), {"dim": -1, "descending": False})
case("sort_nan_ties_desc", "sort", [(torch.tensor([2.0, float("nan"), 1.0, 2.0, float("-inf"), float("nan"), 1.0]), True)],
     lambda u: tuple(torch.sort(u, descending=True)), {"dim": -1, "descending": True})

error("topk_k", "topk", [torch.ones(3)], lambda u: torch.topk(u, 4), {"k": 4, "dim": -1, "largest": True})
error("sum_repeated_dim", "sum_dims", [torch.ones(2, 3)], lambda u: u.sum([0, 0]), {"dims": [0, 0], "keepdim": False})
error("min_empty", "min_all", [torch.ones(0)], torch.min)
error("min_dim_empty", "min_dim", [torch.ones(0, 2)], lambda u: torch.min(u, 0), {"dim": 0, "keepdim": False})
error("argmin_empty", "argmin_all", [torch.ones(0)], torch.argmin)
error("prod_dim_range", "prod_dim", [torch.ones(2)], lambda u: torch.prod(u, 2), {"dim": 2, "keepdim": False})

# ------------------------------------------------------------------ cascade sums
cascade = []


def cascade_case(op, kind, dtype, seed, shape, dims=None, keepdim=False, target=None):
    if kind in ("randn", "randn_negzero"):
        torch.manual_seed(seed)
        x = torch.randn(shape, dtype=dtype)
        if kind == "randn_negzero":
            # every third column all -0.0: PyTorch's sums give +0.0 there
            x = torch.where(torch.arange(shape[-1]) % 3 == 0, torch.full(shape, -0.0, dtype=dtype), x)
    else:
        x = torch.ones(shape, dtype=dtype) * 0.1
    if op == "sum":
        r = x.sum() if dims is None else x.sum(dims, keepdim)
    elif op == "mean":
        r = x.mean() if dims is None else x.mean(dims, keepdim)
    else:
        leaf = torch.zeros(target, dtype=dtype, requires_grad=True)
        ((leaf + torch.zeros(shape, dtype=dtype)) * x).sum().backward()
        r = leaf.grad
    cascade.append({"name": f"{op}_{kind}_{NAMES[dtype]}_{list(shape)}_{dims}_{keepdim}_{target}", "op": op, "input": kind,
                    "dtype": NAMES[dtype], "seed": seed, "shape": list(shape), "dims": dims, "keepdim": keepdim,
                    "target": target, "result": spec(r, False)})


sizes = list(range(1, 70)) + [127, 128, 129, 255, 256, 257, 1000, 1023, 1024, 1025, 4095, 4096, 4097, 32767, 32768, 32769,
                              65536, 131071, 131072 + 5, 524288 + 3, 1_000_000, 4_194_304 + 17, 10_000_000]
for n in sizes:
    cascade_case("sum", "randn", F32, n, (n,))
for n in [1, 3, 4, 5, 15, 16, 17, 1000, 65537, 1_000_000]:
    cascade_case("sum", "randn", F64, n, (n,))
    cascade_case("mean", "randn", F32, n + 1, (n,))
cascade_case("sum", "ones01", F32, 0, (1, 10_000_000), [1])
cascade_case("sum", "ones01", F32, 0, (10_000_000,))
cascade_case("sum", "randn", F32, 16, (16,))
for shape, dims, keep in [((3, 5), [0], False), ((3, 5), [1], False), ((100, 7), [0], False), ((100, 8), [0], False),
                          ((100, 40), [0], True), ((33, 100), [1], False), ((1000, 45), [0], False), ((7, 2, 33), [0, 2], False),
                          ((5, 3, 4), [0, 2], False), ((4, 5, 6), [0, 1], False), ((4, 5, 6), [1, 2], True), ((4, 5, 6), [1], True),
                          ((2, 3, 4, 5), [0, 2], False), ((3, 1, 50, 2), [0, 2], False), ((300, 300), [0], False), ((300, 300), [1], False),
                          ((64, 1000), [0], False), ((1000, 64), [1], False), ((2, 70000), [1], False), ((70000, 3), [0], False),
                          ((20000, 40), [0], False), ((50, 2500), [0], False), ((4099, 45), [0], False), ((1, 5), [0], False), ((6, 1, 7), [1], False), ((5, 6, 7), [0, 1, 2], False)]:
    cascade_case("sum", "randn", F32, sum(shape), shape, dims, keep)
    cascade_case("mean", "randn", F32, sum(shape) + 1, shape, dims, keep)
    cascade_case("sum", "randn", F64, sum(shape) + 2, shape, dims, keep)
for shape, target in [((5, 300), [5, 1]), ((5, 300), [300]), ((4, 30, 20), [30, 1]), ((4, 30, 20), [4, 1, 20]), ((100000,), [1]),
                      ((3, 4000), [1, 4000]), ((50, 60), [1, 1])]:
    cascade_case("sumto", "randn", F32, len(shape), shape, target=target)
# Column sums long enough for 32-row cascade steps (level power 5) while the leftover columns' groups of four use 16.
cascade_case("sum", "randn", F32, 530_000, (530_000, 40), [0])
cascade_case("sum", "randn", F64, 530_001, (530_000, 21), [0])
# Wide column sums: carries into level 3 (4096 rows of 16-row blocks), last blocks of one and two rows, two strips,
# and columns of -0.0 beside the others.
for shape in [(4100, 100), (4113, 72), (17, 9000), (18, 300), (257, 64), (33, 1000)]:
    cascade_case("sum", "randn", F32, sum(shape), shape, [0])
    cascade_case("sum", "randn_negzero", F32, sum(shape) + 3, shape, [0])
    cascade_case("sum", "randn_negzero", F64, sum(shape) + 4, shape, [0])
cascade_case("sum", "randn_negzero", F32, 7, (40, 7), [1])
cascade_case("sum", "randn_negzero", F32, 8, (3, 5000), None)

# tanh and sigmoid where a formula loses small arguments or the sign of zero (last: no random draws after them).
EDGES = [0.0, -0.0, 1e-30, -1e-30, 1e-8, -3e-5, 2.0 ** -15, 0.1, -0.3, 0.49, 0.5, -0.5, 0.51, 1.0, 3.0, -7.0, 20.0, -20.0,
         float("inf"), float("-inf"), float("nan")]
for dtype in (F32, F64):
    case(f"tanh_edges_{NAMES[dtype]}", "tanh", [(torch.tensor(EDGES, dtype=dtype), True)], torch.tanh)
    case(f"sigmoid_edges_{NAMES[dtype]}", "sigmoid", [(torch.tensor(EDGES + [-100.0, 100.0], dtype=dtype), True)], torch.sigmoid)

with open(OUT, "w") as f:
    json.dump({"cases": cases, "errors": errors, "cascade": cascade}, f, separators=(",", ":"))
print(f"{len(cases)} cases, {len(errors)} errors, {len(cascade)} cascade sums -> {OUT}")
