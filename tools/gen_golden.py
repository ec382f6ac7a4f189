#!/usr/bin/env python3
"""Generates Autograd.Tests/Golden/ops.json: what real PyTorch 1.13 computes for the engine's ops.

Run with the system interpreter that has torch:  /usr/bin/python3 tools/gen_golden.py
The output is deterministic (one seeded generator, cases in a fixed order).

Layout of the JSON (read by Autograd.Tests/GoldenCases.cs):
  cases[]:  {name, op, args, inputs[], outputs[], backward, grad_output, grads[]}
  errors[]: {name, kind, op, args, inputs[], message, family, torch_type}
  seed:     the values of the seed programs (SEED.md)
A tensor is {dtype, shape, values, requires_grad}; an output adds grad_fn and str.
Non-finite values are written as the strings "nan", "inf", "-inf" (JSON has no such numbers).
"""

import json
import math
import os
import sys

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Autograd.Tests", "Golden", "ops.json")

F32, F64, I64 = torch.float32, torch.float64, torch.int64
FLOATS = (F32, F64)
DTYPE_NAMES = {F32: "float32", F64: "float64", I64: "int64"}
SHORT = {F32: "f32", F64: "f64", I64: "i64"}
REDUCTIONS = ("none", "mean", "sum")

# 0-d, 1-d, 2-d and 3-d shapes used by the unary and reduction ops.
SHAPES = [(), (5,), (4, 7), (2, 3, 4)]

gen = torch.Generator().manual_seed(20240601)


# ---------------------------------------------------------------- tensors

def number(v):
    """One element as JSON: exact double (float32 values are exact as doubles), int, or a non-finite marker."""
    if isinstance(v, int):
        return v
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def spec(t, requires_grad=None):
    return {
        "dtype": DTYPE_NAMES[t.dtype],
        "shape": list(t.shape),
        "values": [number(v) for v in t.detach().reshape(-1).tolist()],
        "requires_grad": t.requires_grad if requires_grad is None else requires_grad,
    }


def shape_name(shape):
    return "x".join(str(s) for s in shape) if shape else "scalar"


def distinct(t):
    """Max needs no ties and the finite differences need the argmax stable, so reject repeated values."""
    flat = t.reshape(-1)
    return flat.unique().numel() == flat.numel()


def rand(shape, dtype, low=0.0, high=1.0):
    """Uniform values in [low, high), all distinct; Int64 gets small integers (distinct where the range allows)."""
    if dtype == I64:
        return torch.randint(int(low), int(high), shape, generator=gen, dtype=I64)
    while True:
        t = (torch.rand(shape, generator=gen, dtype=dtype) * (high - low) + low).to(dtype)
        if distinct(t):
            return t


def randn(shape, dtype):
    while True:
        t = torch.randn(shape, generator=gen, dtype=dtype)
        if distinct(t):
            return t


def leaf(t, requires_grad):
    t = t.detach().clone()
    t.requires_grad_(requires_grad and t.dtype in FLOATS)
    return t


def float_input(shape, dtype, low=-1.0, high=1.0, requires_grad=True):
    return leaf(rand(shape, dtype, low, high), requires_grad)


# ---------------------------------------------------------------- op table

def _ce_weight(inputs):
    return inputs[2] if len(inputs) > 2 else None


# Each op maps (inputs, args) to its output(s); the C# dispatcher in GoldenCases.cs mirrors this table.
OPS = {
    "add": lambda i, a: i[0] + i[1],
    "sub": lambda i, a: i[0] - i[1],
    "mul": lambda i, a: i[0] * i[1],
    "div": lambda i, a: i[0] / i[1],
    "mul_self": lambda i, a: i[0] * i[0],
    "add_scalar": lambda i, a: i[0] + a["scalar"],
    "radd_scalar": lambda i, a: a["scalar"] + i[0],
    "sub_scalar": lambda i, a: i[0] - a["scalar"],
    "rsub_scalar": lambda i, a: a["scalar"] - i[0],
    "mul_scalar": lambda i, a: i[0] * a["scalar"],
    "rmul_scalar": lambda i, a: a["scalar"] * i[0],
    "div_scalar": lambda i, a: i[0] / a["scalar"],
    "rdiv_scalar": lambda i, a: a["scalar"] / i[0],
    "neg": lambda i, a: -i[0],
    "exp": lambda i, a: i[0].exp(),
    "log": lambda i, a: i[0].log(),
    "sum": lambda i, a: i[0].sum() if "dim" not in a else i[0].sum(a["dim"], keepdim=a["keepdim"]),
    "mean": lambda i, a: i[0].mean() if "dim" not in a else i[0].mean(a["dim"], keepdim=a["keepdim"]),
    "max": lambda i, a: i[0].max() if "dim" not in a else tuple(i[0].max(a["dim"], keepdim=a["keepdim"])),
    "unsqueeze": lambda i, a: i[0].unsqueeze(a["dim"]),
    "view": lambda i, a: i[0].view(a["shape"]),
    "reshape": lambda i, a: i[0].reshape(a["shape"]),
    "softmax": lambda i, a: i[0].softmax(a["dim"]),
    "log_softmax": lambda i, a: i[0].log_softmax(a["dim"]),
    "scatter_value": lambda i, a: i[0].scatter(a["dim"], i[1], a["value"]),
    "scatter_src": lambda i, a: i[0].scatter(a["dim"], i[1], i[2]),
    "one_hot": lambda i, a: F.one_hot(i[0], a["num_classes"]),
    "matmul": lambda i, a: i[0].matmul(i[1]),
    "clone": lambda i, a: i[0].clone(),
    "cross_entropy": lambda i, a: F.cross_entropy(
        i[0], i[1], weight=_ce_weight(i), ignore_index=a["ignore_index"],
        reduction=a["reduction"], label_smoothing=a["label_smoothing"]),
    "nll_loss": lambda i, a: F.nll_loss(
        i[0], i[1], weight=_ce_weight(i), ignore_index=a["ignore_index"], reduction=a["reduction"]),
}

# Ops whose result cannot carry a gradient (integer outputs).
NOT_DIFFERENTIABLE = {"one_hot"}


# ---------------------------------------------------------------- cases

cases = []
names = set()


def add_case(name, op, inputs, args=None, grad_output=True):
    """Runs the op in PyTorch and records inputs, outputs and the gradients of a backward pass.

    grad_output=True backpropagates a fixed random tensor of the first output's shape (or nothing for
    a 0-d output: out.backward()); the stored grad_output is null in the latter case."""
    args = dict(args or {})
    assert name not in names, name
    names.add(name)
    # Fresh leaves, so that a tensor shared between cases never carries a gradient from an earlier backward.
    inputs = [leaf(t, t.requires_grad) for t in inputs]
    result = OPS[op](inputs, args)
    outputs = list(result) if isinstance(result, tuple) else [result]
    case = {
        "name": name,
        "op": op,
        "args": args,
        "inputs": [spec(t) for t in inputs],
        "outputs": [dict(spec(o), grad_fn=type(o.grad_fn).__name__ if o.grad_fn else None, str=str(o))
                    for o in outputs],
        "backward": False,
        "grad_output": None,
        "grads": [None] * len(inputs),
    }
    first = outputs[0]
    if first.requires_grad and grad_output:
        g = None if first.dim() == 0 else randn(first.shape, first.dtype)
        first.backward(g)
        case["backward"] = True
        case["grad_output"] = None if g is None else spec(g, requires_grad=False)
        case["grads"] = [spec(t.grad, requires_grad=False) if t.requires_grad and t.grad is not None else None
                         for t in inputs]
    cases.append(case)


def dims_of(rank, extra=0):
    """Every valid dim, negative ones included; a 0-d tensor takes dims as if it had one."""
    n = max(rank, 1) + extra
    return list(range(-n, n))


def dim_name(d):
    return f"m{-d}" if d < 0 else str(d)


def binary_cases():
    pairs = [
        ((4, 7), (4, 7)), ((4, 7), (7,)), ((4, 1), (1, 7)), ((2, 3, 4), (3, 1)),
        ((), (4, 7)), ((4, 7), ()), ((5,), (5,)), ((2, 1, 4), (3, 1)), ((1,), (2, 3, 4)),
    ]
    dtype_pairs = [(F32, F32), (F64, F64), (F32, F64), (F64, F32)]
    for op in ("add", "sub", "mul", "div"):
        for sa, sb in pairs:
            for da, db in dtype_pairs:
                # Divisors stay away from zero so the quotient and its gradient are well conditioned.
                b_low = 0.5 if op == "div" else -1.0
                a = float_input(sa, da)
                b = float_input(sb, db, low=b_low, high=2.0)
                add_case(f"{op}_{SHORT[da]}_{shape_name(sa)}_{SHORT[db]}_{shape_name(sb)}", op, [a, b])
        # Only one side requires grad.
        a = float_input((4, 7), F32)
        b = float_input((7,), F32, low=0.5, high=2.0, requires_grad=False)
        add_case(f"{op}_f32_4x7_f32_7_rhs_const", op, [a, b])
        add_case(f"{op}_f32_7_f32_4x7_lhs_const", op, [b.clone(), a])
        # Int64 with Int64 (div is true division, giving float32) and Int64 with float32.
        ia = leaf(rand((4, 7), I64, 1, 10), False)
        ib = leaf(rand((7,), I64, 1, 10), False)
        add_case(f"{op}_i64_4x7_i64_7", op, [ia, ib])
        add_case(f"{op}_i64_4x7_f32_7", op, [ia, float_input((7,), F32, low=0.5, high=2.0)])
        add_case(f"{op}_f64_7_i64_4x7", op, [float_input((7,), F64, low=0.5, high=2.0), ia])
    for shape in SHAPES:
        for dt in FLOATS:
            add_case(f"mul_self_{SHORT[dt]}_{shape_name(shape)}", "mul_self", [float_input(shape, dt)])


def scalar_cases():
    scalars = {"add": 2.0, "sub": 2.0, "mul": -1.5, "div": 0.5}
    for op, s in scalars.items():
        for variant in (f"{op}_scalar", f"r{op}_scalar"):
            for shape in ((), (4, 7), (2, 3, 4)):
                for dt in FLOATS:
                    low = 0.5 if variant == "rdiv_scalar" else -1.0
                    x = float_input(shape, dt, low=low, high=2.0)
                    add_case(f"{variant}_{SHORT[dt]}_{shape_name(shape)}", variant, [x], {"scalar": s})
            # An Int64 tensor with a (Python float) scalar gives float32, as the C# double overloads must.
            add_case(f"{variant}_i64_4x7", variant, [leaf(rand((4, 7), I64, 1, 10), False)], {"scalar": s})
        add_case(f"{op}_scalar_f32_4x7_s3", f"{op}_scalar", [float_input((4, 7), F32, 0.5, 2.0)], {"scalar": 3.0})
    for shape in SHAPES:
        for dt in FLOATS:
            add_case(f"neg_{SHORT[dt]}_{shape_name(shape)}", "neg", [float_input(shape, dt)])
    add_case("neg_i64_4x7", "neg", [leaf(rand((4, 7), I64, -9, 10), False)])


def unary_cases():
    for op in ("exp", "log", "clone"):
        low = 0.05 if op == "log" else -2.0
        for shape in SHAPES:
            for dt in FLOATS:
                add_case(f"{op}_{SHORT[dt]}_{shape_name(shape)}", op, [float_input(shape, dt, low, 2.0)])
        add_case(f"{op}_i64_4x7", op, [leaf(rand((4, 7), I64, 1, 10), False)])
        if op != "clone":
            add_case(f"{op}_f32_4x7_via_torch", op, [float_input((4, 7), F32, low, 2.0)], {"via": "torch"})
    add_case("exp_f32_4x7_no_grad", "exp", [float_input((4, 7), F32, requires_grad=False)])


def reduction_cases():
    for op in ("sum", "mean", "max"):
        for shape in SHAPES:
            for dt in FLOATS:
                x = float_input(shape, dt)
                add_case(f"{op}_all_{SHORT[dt]}_{shape_name(shape)}", op, [x])
                for d in dims_of(len(shape)):
                    for keep in (False, True):
                        x = float_input(shape, dt)
                        add_case(f"{op}_d{dim_name(d)}_k{int(keep)}_{SHORT[dt]}_{shape_name(shape)}", op, [x],
                                 {"dim": d, "keepdim": keep})
        if op != "mean":  # mean of an integer tensor is an error in PyTorch
            xi = leaf(torch.randperm(28, generator=gen).reshape(4, 7), False)
            add_case(f"{op}_all_i64_4x7", op, [xi])
            add_case(f"{op}_d1_k0_i64_4x7", op, [xi], {"dim": 1, "keepdim": False})
    add_case("sum_all_f32_4x7_via_torch", "sum", [float_input((4, 7), F32)], {"via": "torch"})
    add_case("sum_d1_k1_f32_4x7_via_torch", "sum", [float_input((4, 7), F32)], {"dim": 1, "keepdim": True, "via": "torch"})
    add_case("max_dm1_k0_f32_4x7_via_torch", "max", [float_input((4, 7), F32)], {"dim": -1, "keepdim": False, "via": "torch"})


def shape_cases():
    for shape in SHAPES:
        for dt in FLOATS:
            for d in dims_of(len(shape) + 1):
                add_case(f"unsqueeze_d{dim_name(d)}_{SHORT[dt]}_{shape_name(shape)}", "unsqueeze",
                         [float_input(shape, dt)], {"dim": d})
    add_case("unsqueeze_d1_i64_4x7", "unsqueeze", [leaf(rand((4, 7), I64, 0, 10), False)], {"dim": 1})

    views = {
        (): [[1], [], [-1], [1, 1]],
        (1,): [[]],
        (1, 1): [[], [-1]],
        (5,): [[5, 1], [1, -1], [-1]],
        (4, 7): [[28], [-1], [7, 4], [2, 14], [-1, 7], [2, 2, 7], [1, 28], [4, 7], [2, -1, 7]],
        (2, 3, 4): [[6, 4], [-1], [4, -1, 2], [24, 1], [2, 12]],
    }
    for op in ("view", "reshape"):
        for shape, targets in views.items():
            for dt in FLOATS:
                for target in targets:
                    tname = "_".join(dim_name(s) for s in target) or "scalar"
                    add_case(f"{op}_{SHORT[dt]}_{shape_name(shape)}_to_{tname}", op,
                             [float_input(shape, dt)], {"shape": target})
        add_case(f"{op}_i64_4x7_to_7_4", op, [leaf(rand((4, 7), I64, 0, 10), False)], {"shape": [7, 4]})


def softmax_cases():
    for op in ("softmax", "log_softmax"):
        for shape in SHAPES:
            for dt in FLOATS:
                for d in dims_of(len(shape)):
                    add_case(f"{op}_d{dim_name(d)}_{SHORT[dt]}_{shape_name(shape)}", op,
                             [float_input(shape, dt, -3.0, 3.0)], {"dim": d})
        add_case(f"{op}_dm1_f32_4x7_via_torch", op, [float_input((4, 7), F32, -3.0, 3.0)], {"dim": -1, "via": "torch"})
        # Large logits: the max is subtracted first, so nothing overflows.
        big = leaf(torch.tensor([[1000.0, 0.0, -1000.0], [50.0, 60.0, 70.0]]), True)
        add_case(f"{op}_d1_f32_large_logits", op, [big], {"dim": 1})


def distinct_index(shape, dim, size):
    """An index tensor of `shape` whose entries along `dim` are distinct positions in [0, size)."""
    dim = dim % len(shape)
    moved = list(shape)
    n = moved.pop(dim)
    rows = [torch.randperm(size, generator=gen)[:n] for _ in range(math.prod(moved))]
    stacked = torch.stack(rows).reshape(*moved, n) if rows else torch.zeros(*moved, n, dtype=I64)
    return leaf(stacked.movedim(-1, dim).contiguous(), False)


def scatter_cases():
    layouts = [  # (self shape, dim, index shape)
        ((4, 7), 1, (4, 1)), ((4, 7), -1, (4, 2)), ((4, 7), 0, (2, 7)), ((4, 7), 1, (2, 3)),
        ((4, 7), -2, (3, 5)), ((5,), 0, (3,)), ((2, 3, 4), 2, (2, 3, 2)), ((2, 3, 4), 1, (2, 2, 4)),
        ((2, 3, 4), -3, (1, 3, 4)),
    ]
    for shape, dim, ishape in layouts:
        for dt in FLOATS:
            tag = f"d{dim_name(dim)}_{SHORT[dt]}_{shape_name(shape)}_idx{shape_name(ishape)}"
            index = distinct_index(ishape, dim, shape[dim])
            add_case(f"scatter_value_{tag}", "scatter_value", [float_input(shape, dt), index],
                     {"dim": dim, "value": 1.5})
            add_case(f"scatter_src_{tag}", "scatter_src",
                     [float_input(shape, dt), index, float_input(ishape, dt)], {"dim": dim})
    # src may be larger than index; only its leading index-shaped block is read. (PyTorch 1.13 cannot
    # backpropagate into such a src, so it requires no grad here.)
    add_case("scatter_src_d1_f32_4x7_idx2x3_src4x7", "scatter_src",
             [float_input((4, 7), F32), distinct_index((2, 3), 1, 7), float_input((4, 7), F32, requires_grad=False)],
             {"dim": 1})
    # The seed's one-hot construction: constant self, and the src form with only src requiring grad.
    y = leaf(torch.tensor([[1], [3], [5], [0]]), False)
    add_case("scatter_value_d1_f32_zeros_seed", "scatter_value", [leaf(torch.zeros(4, 7), False), y],
             {"dim": 1, "value": 1.0})
    add_case("scatter_src_d1_f32_const_self", "scatter_src",
             [leaf(torch.zeros(4, 7), False), y, float_input((4, 1), F32)], {"dim": 1})
    add_case("scatter_value_d1_i64_4x7", "scatter_value",
             [leaf(rand((4, 7), I64, 0, 10), False), y], {"dim": 1, "value": 5.0})


def one_hot_cases():
    add_case("one_hot_1d_infer", "one_hot", [leaf(torch.tensor([0, 2, 1, 3]), False)], {"num_classes": -1})
    add_case("one_hot_1d_5", "one_hot", [leaf(torch.tensor([0, 2, 1, 3]), False)], {"num_classes": 5})
    add_case("one_hot_scalar_4", "one_hot", [leaf(torch.tensor(2), False)], {"num_classes": 4})
    add_case("one_hot_2d_infer", "one_hot", [leaf(torch.tensor([[0, 1], [2, 0]]), False)], {"num_classes": -1})


def matmul_cases():
    pairs = [((4, 7), (7, 3)), ((1, 5), (5, 1)), ((3, 3), (3, 3)), ((5, 1), (1, 4)),
             ((4, 3), (3,)), ((4,), (4, 3)), ((6,), (6,))]
    for sa, sb in pairs:
        for dt in FLOATS:
            add_case(f"matmul_{SHORT[dt]}_{shape_name(sa)}_{shape_name(sb)}", "matmul",
                     [float_input(sa, dt), float_input(sb, dt)])
    a = float_input((4, 7), F32)
    add_case("matmul_f32_4x7_7x3_rhs_const", "matmul", [a, float_input((7, 3), F32, requires_grad=False)])
    add_case("matmul_f32_4x7_7x3_via_torch", "matmul", [a, float_input((7, 3), F32)], {"via": "torch"})
    add_case("matmul_i64_3x4_4x2", "matmul", [leaf(rand((3, 4), I64, -5, 6), False), leaf(rand((4, 2), I64, -5, 6), False)])


def loss_args(reduction="mean", ignore_index=-100, label_smoothing=0.0, **extra):
    return dict(reduction=reduction, ignore_index=ignore_index, label_smoothing=label_smoothing, **extra)


def loss_cases():
    targets_nc = leaf(torch.tensor([1, 3, 5, 0]), False)
    target_c = leaf(torch.tensor(2), False)
    for dt in FLOATS:
        for red in REDUCTIONS:
            add_case(f"cross_entropy_{red}_{SHORT[dt]}_4x7", "cross_entropy",
                     [float_input((4, 7), dt, -2.0, 2.0), targets_nc], loss_args(red))
            add_case(f"cross_entropy_{red}_{SHORT[dt]}_5", "cross_entropy",
                     [float_input((5,), dt, -2.0, 2.0), target_c], loss_args(red))
            # nll_loss takes log-probabilities; any real values are valid inputs.
            add_case(f"nll_loss_{red}_{SHORT[dt]}_4x7", "nll_loss",
                     [float_input((4, 7), dt, -3.0, 0.0), targets_nc], {"reduction": red, "ignore_index": -100})
            add_case(f"nll_loss_{red}_{SHORT[dt]}_5", "nll_loss",
                     [float_input((5,), dt, -3.0, 0.0), target_c], {"reduction": red, "ignore_index": -100})
    weight = leaf(rand((7,), F32, 0.5, 2.0), False)
    ignored = leaf(torch.tensor([1, -100, 5, 0]), False)
    for red in REDUCTIONS:
        x = float_input((4, 7), F32, -2.0, 2.0)
        add_case(f"cross_entropy_{red}_f32_4x7_weight", "cross_entropy", [x, targets_nc, weight], loss_args(red))
        add_case(f"nll_loss_{red}_f32_4x7_weight", "nll_loss", [float_input((4, 7), F32, -3.0, 0.0), targets_nc, weight],
                 {"reduction": red, "ignore_index": -100})
        add_case(f"cross_entropy_{red}_f32_4x7_ignore", "cross_entropy",
                 [float_input((4, 7), F32, -2.0, 2.0), ignored], loss_args(red))
        add_case(f"cross_entropy_{red}_f32_4x7_ignore3", "cross_entropy",
                 [float_input((4, 7), F32, -2.0, 2.0), targets_nc], loss_args(red, ignore_index=3))
        add_case(f"cross_entropy_{red}_f32_4x7_smooth", "cross_entropy",
                 [float_input((4, 7), F32, -2.0, 2.0), ignored], loss_args(red, label_smoothing=0.1))
        add_case(f"cross_entropy_{red}_f32_4x7_weight_smooth", "cross_entropy",
                 [float_input((4, 7), F32, -2.0, 2.0), targets_nc, weight], loss_args(red, label_smoothing=0.2))
        probs = leaf(rand((4, 7), F32).softmax(1), False)
        add_case(f"cross_entropy_{red}_f32_4x7_probs", "cross_entropy",
                 [float_input((4, 7), F32, -2.0, 2.0), probs], loss_args(red))
        add_case(f"cross_entropy_{red}_f32_2x3x4_spatial", "cross_entropy",
                 [float_input((2, 3, 4), F32, -2.0, 2.0), leaf(torch.tensor([[0, 1, 2, 1], [2, 2, 0, 1]]), False)],
                 loss_args(red))
        add_case(f"nll_loss_{red}_f32_4x7_ignore", "nll_loss", [float_input((4, 7), F32, -3.0, 0.0), ignored],
                 {"reduction": red, "ignore_index": -100})
    # The stable form (SEED.md): log-sum-exp keeps ±1000 logits finite.
    big = leaf(torch.tensor([1000.0, 0.0, -1000.0]), True)
    add_case("cross_entropy_mean_f32_3_large_logits", "cross_entropy", [big, target_c], loss_args())
    add_case("cross_entropy_mean_f32_4x7_module", "cross_entropy",
             [float_input((4, 7), F32, -2.0, 2.0), targets_nc], loss_args(via="module"))
    # Every target ignored: the weighted mean is 0/0.
    add_case("cross_entropy_mean_f32_3x4_all_ignored", "cross_entropy",
             [float_input((3, 4), F32), leaf(torch.tensor([-100, -100, -100]), False)], loss_args())


# ---------------------------------------------------------------- errors

errors = []

ARGUMENT, INVALID = "argument", "invalid_operation"


def add_error(name, kind, family, action, op=None, args=None, inputs=()):
    """Records PyTorch's message for a failing call. `action` performs the call on the given inputs."""
    try:
        action()
    except Exception as e:  # noqa: BLE001 - any PyTorch error type is recorded
        errors.append({
            "name": name, "kind": kind, "op": op, "args": dict(args or {}),
            "inputs": [spec(t) for t in inputs], "message": str(e), "family": family,
            "torch_type": type(e).__name__,
        })
        return
    raise AssertionError(f"{name}: PyTorch raised nothing")


def add_op_error(name, op, inputs, args=None, family=ARGUMENT):
    add_error(name, "op", family, lambda: OPS[op](inputs, dict(args or {})), op, args, inputs)


def error_cases():
    x = float_input((4, 7), F32)
    add_op_error("broadcast_4x7_4x5", "add", [x, float_input((4, 5), F32)])
    add_op_error("broadcast_mul_2x3x4_2x1", "mul", [float_input((2, 3, 4), F32), float_input((2, 1), F32)])
    add_op_error("broadcast_sub_5_4", "sub", [float_input((5,), F64), float_input((4,), F64)])
    add_op_error("broadcast_div_4x7_7x4", "div", [x, float_input((7, 4), F32)])

    dim_ops = {
        "sum": {"keepdim": False}, "mean": {"keepdim": False}, "max": {"keepdim": False},
        "softmax": {}, "log_softmax": {}, "unsqueeze": {},
    }
    index = leaf(torch.zeros(4, 1, dtype=I64), False)
    for op, extra in dim_ops.items():
        rank_bump = 1 if op == "unsqueeze" else 0
        for bad in (2 + rank_bump, -3 - rank_bump):
            add_op_error(f"dim_out_of_range_{op}_{dim_name(bad)}", op, [x], dict(extra, dim=bad))
        add_op_error(f"dim_out_of_range_{op}_scalar", op, [float_input((), F32)], dict(extra, dim=1 + rank_bump))
    for bad in (2, -3):
        add_op_error(f"dim_out_of_range_scatter_value_{dim_name(bad)}", "scatter_value", [x, index], {"dim": bad, "value": 1.0})
        add_op_error(f"dim_out_of_range_scatter_src_{dim_name(bad)}", "scatter_src",
                     [x, index, float_input((4, 1), F32)], {"dim": bad})

    add_op_error("view_wrong_size", "view", [x], {"shape": [5, 5]})
    add_op_error("view_wrong_size_infer", "view", [x], {"shape": [-1, 5]})
    add_op_error("view_two_inferred", "view", [x], {"shape": [-1, -1]})
    add_op_error("view_scalar_of_many", "view", [x], {"shape": []})
    add_op_error("reshape_wrong_size", "reshape", [x], {"shape": [5, 5]})

    add_op_error("matmul_mismatch", "matmul", [x, float_input((5, 3), F32)])
    add_op_error("matmul_mismatch_mv", "matmul", [x, float_input((5,), F32)])
    add_op_error("matmul_scalar_operand", "matmul", [float_input((), F32), float_input((5, 2), F32)])
    add_op_error("matmul_dtype_mismatch", "matmul", [x, float_input((7, 2), F64)])

    oob = leaf(torch.tensor([[9], [0], [0], [0]]), False)
    add_op_error("scatter_value_index_out_of_range", "scatter_value", [x, oob], {"dim": 1, "value": 1.0})
    add_op_error("scatter_src_index_out_of_range", "scatter_src", [x, oob, float_input((4, 1), F32)], {"dim": 1})
    add_op_error("scatter_value_negative_index", "scatter_value",
                 [x, leaf(torch.tensor([[-1], [0], [0], [0]]), False)], {"dim": 1, "value": 1.0})
    add_op_error("scatter_index_rank", "scatter_value", [x, leaf(torch.tensor([1, 0, 0, 0]), False)], {"dim": 1, "value": 1.0})
    add_op_error("scatter_index_too_large", "scatter_value", [x, leaf(torch.zeros(5, 1, dtype=I64), False)],
                 {"dim": 1, "value": 1.0})
    add_op_error("scatter_src_dtype", "scatter_src", [x, index, float_input((4, 1), F64)], {"dim": 1})

    ce = loss_args()
    add_op_error("cross_entropy_target_out_of_range", "cross_entropy", [x, leaf(torch.tensor([1, 3, 9, 0]), False)], ce)
    add_op_error("cross_entropy_target_negative", "cross_entropy", [x, leaf(torch.tensor([1, 3, -2, 0]), False)], ce)
    add_op_error("cross_entropy_1d_target_out_of_range", "cross_entropy", [float_input((7,), F32), leaf(torch.tensor(9), False)], ce)
    add_op_error("cross_entropy_batch_mismatch", "cross_entropy", [x, leaf(torch.tensor([1, 3, 0]), False)], ce)
    add_op_error("nll_loss_target_out_of_range", "nll_loss", [x, leaf(torch.tensor([1, 3, 9, 0]), False)],
                 {"reduction": "mean", "ignore_index": -100})
    add_op_error("nll_loss_batch_mismatch", "nll_loss", [x, leaf(torch.tensor([1, 3, 0]), False)],
                 {"reduction": "mean", "ignore_index": -100})
    add_op_error("one_hot_class_too_large", "one_hot", [leaf(torch.tensor([1, 5]), False)], {"num_classes": 3})
    add_op_error("one_hot_negative_class", "one_hot", [leaf(torch.tensor([1, -1]), False)], {"num_classes": 3})
    add_op_error("mean_int64", "mean", [leaf(torch.tensor([1, 2]), False)])

    graph_errors()


# A second backward through the same graph fails exactly where PyTorch freed saved tensors; ops that saved
# nothing (add, view, sum, ...) backpropagate again and accumulate. Both outcomes are recorded.
TWICE = [
    ("add_scalar", {"scalar": 2.0}), ("sub_scalar", {"scalar": 2.0}), ("rsub_scalar", {"scalar": 2.0}),
    ("mul_scalar", {"scalar": 2.0}), ("div_scalar", {"scalar": 2.0}), ("rdiv_scalar", {"scalar": 2.0}),
    ("neg", {}), ("exp", {}), ("log", {}), ("add", {}), ("sub", {}), ("mul", {}), ("div", {}),
    ("sum", {"dim": 1, "keepdim": False}), ("mean", {}), ("mean", {"dim": 1, "keepdim": False}),
    ("max", {}), ("max", {"dim": 1, "keepdim": False}), ("unsqueeze", {"dim": 0}), ("view", {"shape": [-1]}),
    ("reshape", {"shape": [7, 4]}), ("clone", {}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": 1}),
    ("matmul", {}), ("scatter_value", {"dim": 1, "value": 1.5}), ("scatter_src", {"dim": 1}),
    ("cross_entropy", loss_args()), ("nll_loss", {"reduction": "mean", "ignore_index": -100}),
]

backward_twice_ok = []


def twice_inputs(op):
    inputs = [float_input((4, 7), F32, 0.5, 2.0)]
    if op in ("add", "sub", "mul", "div"):
        inputs.append(float_input((4, 7), F32, 0.5, 2.0))
    elif op == "matmul":
        inputs.append(float_input((7, 3), F32))
    elif op.startswith("scatter"):
        inputs.append(distinct_index((4, 1), 1, 7))
        if op == "scatter_src":
            inputs.append(float_input((4, 1), F32))
    elif op in ("cross_entropy", "nll_loss"):
        inputs.append(leaf(torch.tensor([1, 3, 5, 0]), False))
    return inputs


def backward_twice_cases():
    """out = op(inputs).sum(); out.backward(); out.backward(): an error case, or the grads after both passes."""
    for op, args in TWICE:
        inputs = twice_inputs(op)
        fresh = [leaf(t, t.requires_grad) for t in inputs]
        name = f"backward_twice_{op}" + ("_dim" if "dim" in args and op in ("sum", "mean", "max") else "")
        out = OPS[op](fresh, args)
        out = (out[0] if isinstance(out, tuple) else out).sum()
        out.backward()
        try:
            out.backward()
        except RuntimeError as e:
            errors.append({"name": name, "kind": "backward_twice", "op": op, "args": args,
                           "inputs": [spec(t) for t in inputs], "message": str(e), "family": INVALID,
                           "torch_type": type(e).__name__})
            continue
        backward_twice_ok.append({"name": name, "op": op, "args": args, "inputs": [spec(t) for t in inputs],
                                  "grads": [spec(t.grad, requires_grad=False) if t.grad is not None else None
                                            for t in fresh]})


def graph_errors():
    """Misuse of the graph. The C# side replays each `kind` with the same op on the same inputs."""
    x = float_input((4, 7), F32)
    add_error("backward_non_scalar", "backward_non_scalar", INVALID, lambda: x.exp().backward(), "exp", {}, [x])
    add_error("backward_non_scalar_1_element_shape", "backward_non_scalar", INVALID,
              lambda: x.sum(1, keepdim=True).backward(), "sum", {"dim": 1, "keepdim": True}, [x])
    backward_twice_cases()
    const = float_input((4, 7), F32, requires_grad=False)
    add_error("backward_without_grad", "backward_no_grad", INVALID, lambda: const.exp().sum().backward(), "exp", {}, [const])
    add_error("backward_leaf_without_grad", "backward_no_grad", INVALID, lambda: const.sum().backward(), "sum", {}, [const])

    def wrong_gradient_shape():
        x.exp().backward(torch.ones(3))
    add_error("backward_gradient_shape", "backward_gradient_shape", ARGUMENT, wrong_gradient_shape, "exp", {}, [x])

    ints = leaf(torch.tensor([1, 2, 3]), False)

    def int_requires_grad():
        ints.requires_grad = True
    add_error("requires_grad_int64", "requires_grad_int64", ARGUMENT, int_requires_grad, None, {}, [ints])

    for value in (False, True):
        def non_leaf(value=value):
            (x * 2.0).requires_grad = value
        add_error(f"requires_grad_{str(value).lower()}_non_leaf", "requires_grad_non_leaf", INVALID,
                  non_leaf, "mul_scalar", {"scalar": 2.0, "value": value}, [x])


# ---------------------------------------------------------------- seed programs (SEED.md)

def manual_softmax(x, dim=1):
    x = x - torch.max(x, dim=dim)[0].unsqueeze(dim=dim)
    return torch.exp(x) / torch.sum(torch.exp(x), dim=dim).unsqueeze(dim=dim)


def seed_programs():
    torch.manual_seed(1234)
    x = torch.rand(4, 7)
    y = torch.LongTensor([1, 3, 5, 0])
    x1 = x.clone().requires_grad_()
    x2 = x.clone().requires_grad_()
    out = torch.nn.CrossEntropyLoss()(x1, y)
    out.backward()
    gt = torch.zeros(4, 7).scatter(1, y.view(4, 1), 1)
    loss = -(torch.log(manual_softmax(x2, dim=-1)) * gt).sum() / 4
    loss.backward()
    xr = x.clone().requires_grad_()
    torch.manual_seed(1234)
    rand64 = torch.rand(3, dtype=F64)
    return {
        "x": spec(x),
        "target": spec(y),
        "softmax": {"values": spec(torch.softmax(xr, dim=-1)), "str": str(torch.softmax(xr, dim=-1))},
        "manual_softmax": {"values": spec(manual_softmax(xr, dim=-1)), "str": str(manual_softmax(xr, dim=-1))},
        "library_loss": {"value": out.item(), "str": str(out), "grad": spec(x1.grad), "grad_str": str(x1.grad)},
        "manual_loss": {"value": loss.item(), "str": str(loss), "grad": spec(x2.grad), "grad_str": str(x2.grad)},
        "direct_grad": spec((torch.softmax(x, dim=-1) - gt) / 4),
        "rand_float64_seed1234": spec(rand64),
    }


def main():
    torch.set_printoptions(profile="default")
    for make in (binary_cases, scalar_cases, unary_cases, reduction_cases, shape_cases, softmax_cases,
                 scatter_cases, one_hot_cases, matmul_cases, loss_cases, error_cases):
        make()
    document = {
        "generator": "tools/gen_golden.py",
        "torch": torch.__version__,
        "cases": cases,
        "errors": errors,
        "backward_twice_ok": backward_twice_ok,
        "seed": seed_programs(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(document, f, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
        f.write("\n")
    print(f"{len(cases)} cases, {len(errors)} error cases, {os.path.getsize(OUT)} bytes -> {os.path.relpath(OUT)}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
