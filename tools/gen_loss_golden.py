#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/loss.json (and loss_large.json, the 100,000-class cases): what PyTorch 1.13 computes for cross_entropy, CrossEntropyLoss and
nll_loss in every form they accept, and the message of every input they reject.

Run with the Debian PyTorch 1.13: /usr/bin/python3 tools/gen_loss_golden.py. Every case seeds its own draws,
so the output is the same on every run.

A tensor is {"dtype", "shape", "b64"}: the row-major elements as little-endian bytes (float32, float64 or
int64), base64, so nan and inf travel as they are. A large input is {"dtype", "shape", "gen": {"seed", "fn",
"scale", "offset"}, "sum"} instead: torch.manual_seed(seed); torch.<fn>(shape) * scale + offset, which the
C# generator reproduces bit for bit, with the float64 sum of its elements as a check. Other non-finite numbers
(label_smoothing) are the strings "NaN", "Infinity", "-Infinity".

cases[]:  {name, op, input, target, weight?, ignore_index, reduction, label_smoothing, output, grad_fn,
           grad_output, grad, double?}
          op is "cross_entropy" (F.cross_entropy), "module" (nn.CrossEntropyLoss) or "nll_loss";
          grad is input.grad after output.backward(grad_output). double, where present, is
          {v, grad, grad_output_grad}: with gx = d output/d input built with create_graph=True and
          grad_output requiring grad, the gradients of (gx * v).sum() for input and grad_output.
          A gradient that PyTorch leaves None is written as zeros.
errors[]: {name, op, input, target, weight?, ignore_index, reduction, label_smoothing, num_classes?, dim?,
           index?, src?, value?, error, message}
          op is also "one_hot" or "scatter"; error is Python's exception class.
"""
import base64
import itertools
import json
import math
import pathlib

import torch
import torch.nn.functional as F

GOLDEN = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden"
OUTPUT = GOLDEN / "loss.json"
# The 100,000-class cases hold most of the bytes; they get a file of their own so each stays small.
LARGE_OUTPUT = GOLDEN / "loss_large.json"
F32, F64, I64 = torch.float32, torch.float64, torch.int64
NAMES = {F32: "float32", F64: "float64", I64: "int64"}
SHORT = {F32: "f32", F64: "f64"}
ELEMENT = {F32: "<f4", F64: "<f8", I64: "<i8"}
REDUCTIONS = ("none", "mean", "sum")
LAYOUTS = {                       # input shape per layout; the class dim is 0 for (C), else 1
    "C": (5,),
    "NC": (4, 5),
    "NCd": (2, 5, 3),
    "NCdd": (2, 4, 3, 2),
    "NCddd": (2, 3, 2, 2, 2),
}

cases, errors = [], []
SEEDS = itertools.count(1001)


def next_seed():
    seed = next(SEEDS)
    torch.manual_seed(seed)
    return seed


def encode(t):
    data = t.detach().contiguous().numpy().astype(ELEMENT[t.dtype]).tobytes()
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "b64": base64.b64encode(data).decode("ascii")}


def grad_or_zeros(t):
    """A leaf's gradient; None (no path from the output reached it) is written as zeros."""
    return torch.zeros_like(t) if t.grad is None else t.grad


def generated(fn, shape, scale=1.0, offset=0.0, dtype=F32):
    """A large tensor stored as the draw that makes it."""
    seed = next_seed()
    t = getattr(torch, fn)(shape, dtype=dtype) * scale + offset
    spec = {"dtype": NAMES[dtype], "shape": list(shape), "gen": {"seed": seed, "fn": fn, "scale": scale, "offset": offset},
            "sum": float(t.double().sum())}
    return t, spec


def describe(t):
    return t[1] if isinstance(t, tuple) else encode(t)


def value(t):
    return t[0] if isinstance(t, tuple) else t


def class_dim(shape):
    return 0 if len(shape) == 1 else 1


def target_shape(shape):
    return () if len(shape) == 1 else (shape[0],) + tuple(shape[2:])


def call(op, x, target, weight, ignore_index, reduction, label_smoothing):
    if op == "nll_loss":
        return F.nll_loss(x, target, weight=weight, ignore_index=ignore_index, reduction=reduction)
    if op == "module":
        return torch.nn.CrossEntropyLoss(weight=weight, ignore_index=ignore_index, reduction=reduction,
                                         label_smoothing=label_smoothing)(x, target)
    return F.cross_entropy(x, target, weight=weight, ignore_index=ignore_index, reduction=reduction,
                           label_smoothing=label_smoothing)


def number(v):
    """JSON has no nan or inf: they are written as the strings .NET parses."""
    return v if math.isfinite(v) else "NaN" if math.isnan(v) else "Infinity" if v > 0 else "-Infinity"


def add_case(name, op, x, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0,
             double=True):
    args = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    xv, tv, wv = value(x), value(target), None if weight is None else value(weight)
    leaf = xv.detach().clone().requires_grad_()
    out = call(op, leaf, tv, wv, **args)
    grad_output = torch.rand(out.shape, dtype=out.dtype) + 0.5
    out.backward(grad_output)
    case = {"name": name, "op": op, "input": describe(x), "target": describe(target),
            "weight": None if weight is None else describe(weight), **args, "label_smoothing": number(label_smoothing),
            "output": encode(out), "grad_fn": type(out.grad_fn).__name__,
            "grad_output": encode(grad_output), "grad": encode(grad_or_zeros(leaf))}
    if double:
        leaf = xv.detach().clone().requires_grad_()
        go = grad_output.clone().requires_grad_()
        (gx,) = torch.autograd.grad(call(op, leaf, tv, wv, **args), leaf, go, create_graph=True)
        v = torch.randn(gx.shape, dtype=gx.dtype)
        (gx * v).sum().backward()
        case["double"] = {"v": encode(v), "grad": encode(grad_or_zeros(leaf)), "grad_output_grad": encode(grad_or_zeros(go))}
    cases.append(case)


def add_error(name, op, x=None, target=None, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0,
              **extra):
    entry = {"name": name, "op": op}
    try:
        if op == "one_hot":
            F.one_hot(target, extra["num_classes"])
        elif op == "scatter":
            src = extra.get("src")
            x.scatter(extra["dim"], extra["index"], src if src is not None else extra["value"])
        else:
            call(op, x, target, weight, ignore_index, reduction, label_smoothing)
    except (RuntimeError, ValueError, IndexError) as e:
        entry.update(error=type(e).__name__, message=str(e))
    else:
        raise AssertionError(f"{name}: PyTorch accepted it")
    for key, t in (("input", x), ("target", target), ("weight", weight),
                   ("index", extra.get("index")), ("src", extra.get("src"))):
        if t is not None:
            entry[key] = encode(t)
    if op in ("cross_entropy", "module", "nll_loss"):
        entry.update(ignore_index=ignore_index, reduction=reduction, label_smoothing=number(label_smoothing))
    for key in ("num_classes", "dim", "value"):
        if key in extra:
            entry[key] = extra[key]
    errors.append(entry)


# ---------------------------------------------------------------- random data

def logits(shape, dtype=F32, scale=2.0):
    next_seed()
    return torch.randn(shape, dtype=dtype) * scale


def classes(shape, n_classes, ignore_index=None, ignored=0):
    """Class targets for input `shape`, with the first `ignored` positions set to ignore_index."""
    t = torch.randint(0, n_classes, target_shape(shape))
    if ignored:
        t.view(-1)[:ignored] = ignore_index
    return t


def weights(n_classes, dtype=F32):
    return torch.rand(n_classes, dtype=dtype) + 0.5


def probabilities(shape, dtype=F32, normalized=True):
    p = torch.rand(shape, dtype=dtype)
    return p.softmax(class_dim(shape)) if normalized else p


# ---------------------------------------------------------------- cases

def class_target_cases():
    """Class indices with and without weights and ignored positions, every layout, both losses, both dtypes."""
    for op in ("cross_entropy", "nll_loss"):
        for dtype in (F32, F64):
            for layout, shape in LAYOUTS.items():
                n_classes = shape[class_dim(shape)]
                for reduction in REDUCTIONS:
                    for weighted in (False, True):
                        tag = f"{op}_{SHORT[dtype]}_{layout}_{reduction}{'_weight' if weighted else ''}"
                        x = logits(shape, dtype)
                        w = weights(n_classes, dtype) if weighted else None
                        add_case(tag, op, x, classes(shape, n_classes), w, reduction=reduction)
                        if layout == "C":
                            add_case(tag + "_ignored", op, logits(shape, dtype), torch.tensor(-100), w,
                                     reduction=reduction)
                            continue
                        add_case(tag + "_ignore_some", op, logits(shape, dtype),
                                 classes(shape, n_classes, -100, ignored=2), w, reduction=reduction)
                        add_case(tag + "_ignore_class1", op, logits(shape, dtype),
                                 classes(shape, n_classes), w, ignore_index=1, reduction=reduction)


def label_smoothing_cases():
    for dtype, amounts in ((F32, (0.1, 0.35, 1.0)), (F64, (0.2,))):
        for smoothing in amounts:
            for layout, shape in LAYOUTS.items():
                n_classes = shape[class_dim(shape)]
                for reduction in REDUCTIONS:
                    for weighted in (False, True):
                        tag = f"cross_entropy_{SHORT[dtype]}_{layout}_{reduction}_smooth{smoothing}"
                        tag += "_weight" if weighted else ""
                        w = weights(n_classes, dtype) if weighted else None
                        add_case(tag, "cross_entropy", logits(shape, dtype), classes(shape, n_classes), w,
                                 reduction=reduction, label_smoothing=smoothing)
                        ignored = classes(shape, n_classes, -100, ignored=1)
                        add_case(tag + "_ignore_some", "cross_entropy", logits(shape, dtype), ignored, w,
                                 reduction=reduction, label_smoothing=smoothing)
    # Smoothing of 0, below 0 or nan is no smoothing: PyTorch takes the plain path (NllLossBackward0).
    for smoothing in (0.0, -0.5, float("nan")):
        add_case(f"cross_entropy_f32_NC_mean_smooth{smoothing}", "cross_entropy", logits((4, 5)),
                 classes((4, 5), 5), label_smoothing=smoothing)
    add_case("cross_entropy_f32_NC_mean_smooth0.3_ignore_class2", "cross_entropy", logits((6, 4)),
             classes((6, 4), 4), weights(4), ignore_index=2, label_smoothing=0.3)


def probability_target_cases():
    for layout, shape in LAYOUTS.items():
        n_classes = shape[class_dim(shape)]
        for reduction in REDUCTIONS:
            for weighted in (False, True):
                for smoothing in (0.0, 0.2, 1.0):
                    tag = f"cross_entropy_f32_{layout}_{reduction}_probs"
                    tag += ("_weight" if weighted else "") + (f"_smooth{smoothing}" if smoothing else "")
                    w = weights(n_classes) if weighted else None
                    add_case(tag, "cross_entropy", logits(shape), probabilities(shape), w, reduction=reduction,
                             label_smoothing=smoothing)
    shape = (3, 4)
    for reduction in REDUCTIONS:
        add_case(f"cross_entropy_f64_NC_{reduction}_probs_weight_smooth0.1", "cross_entropy", logits(shape, F64),
                 probabilities(shape, F64), weights(4, F64), reduction=reduction, label_smoothing=0.1)
        add_case(f"cross_entropy_f32_NC_{reduction}_probs_unnormalized", "cross_entropy", logits(shape),
                 probabilities(shape, normalized=False) * 2 - 0.5, reduction=reduction)
        # Mixed dtypes promote: the loss takes the widest of input, target and weight.
        add_case(f"cross_entropy_f32_NC_{reduction}_probs_f64_target", "cross_entropy", logits(shape),
                 probabilities(shape, F64), reduction=reduction)
        add_case(f"cross_entropy_f64_NC_{reduction}_probs_f32_target", "cross_entropy", logits(shape, F64),
                 probabilities(shape), reduction=reduction)
        add_case(f"cross_entropy_f32_NC_{reduction}_probs_f64_weight", "cross_entropy", logits(shape),
                 probabilities(shape), weights(4, F64), reduction=reduction)
        add_case(f"cross_entropy_f32_NC_{reduction}_probs_i64_weight", "cross_entropy", logits(shape),
                 probabilities(shape), torch.tensor([1, 2, 0, 3]), reduction=reduction)
    # A negative ignore_index other than -100 is allowed with probabilities (and does nothing).
    add_case("cross_entropy_f32_NC_mean_probs_ignore_minus1", "cross_entropy", logits(shape), probabilities(shape),
             ignore_index=-1)


def module_cases():
    shape = (4, 6)
    add_case("module_f32_NC_mean", "module", logits(shape), classes(shape, 6))
    add_case("module_f32_NC_sum_weight_ignore_smooth", "module", logits(shape), classes(shape, 6, -100, 1),
             weights(6), reduction="sum", label_smoothing=0.25)
    add_case("module_f32_NCdd_none_weight", "module", logits((2, 6, 2, 3)), classes((2, 6, 2, 3), 6), weights(6),
             reduction="none")
    add_case("module_f32_NC_mean_probs_smooth", "module", logits(shape), probabilities(shape), label_smoothing=0.15)
    add_case("module_f64_C_none_ignore3", "module", logits((6,), F64), torch.tensor(3), ignore_index=3,
             reduction="none")


def nonfinite(rows):
    return torch.tensor(rows, dtype=F32)


def edge_cases():
    inf, nan = float("inf"), float("nan")
    # The stable form: log-sum-exp keeps ±1000 finite (the by-hand log(softmax) gives nan here).
    big = torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0], [0.0, 0.0, 1000.0]])
    big_target = torch.tensor([2, 1, 0])
    for reduction in REDUCTIONS:
        add_case(f"edge_large_logits_{reduction}", "cross_entropy", big, big_target, reduction=reduction)
        add_case(f"edge_large_logits_{reduction}_smooth0.1_weight", "cross_entropy", big, big_target,
                 torch.tensor([0.5, 1.0, 2.0]), reduction=reduction, label_smoothing=0.1)
        add_case(f"edge_large_logits_{reduction}_probs", "cross_entropy", big, torch.rand(3, 3).softmax(1),
                 reduction=reduction)
        add_case(f"edge_large_logits_nll_{reduction}", "nll_loss", big, big_target, reduction=reduction)
    add_case("edge_large_logits_C", "cross_entropy", torch.tensor([1000.0, 0.0, -1000.0]), torch.tensor(2))
    add_case("edge_large_logits_spatial", "cross_entropy", big.T.reshape(1, 3, 3), big_target.reshape(1, 3))

    # +inf, -inf and nan logits; rows are: +inf somewhere, -inf at the target, -inf elsewhere, all -inf, nan, fine.
    rows = [[inf, 0.0, 1.0], [-inf, 0.5, 1.0], [0.5, -inf, 1.0], [-inf, -inf, -inf], [nan, 0.0, 1.0], [0.1, 0.2, 0.3]]
    x = nonfinite(rows)
    target = torch.tensor([1, 0, 0, 2, 1, 2])
    soft = torch.tensor([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5], [0.2, 0.3, 0.5], [0.2, 0.3, 0.5],
                         [0.1, 0.1, 0.8]])
    for reduction in REDUCTIONS:
        for i, row in enumerate(rows):
            one = nonfinite([row, [0.1, 0.2, 0.3]])
            pair = torch.stack([target[i], torch.tensor(1)])
            add_case(f"edge_nonfinite_row{i}_{reduction}", "cross_entropy", one, pair, reduction=reduction,
                     double=False)
            add_case(f"edge_nonfinite_row{i}_{reduction}_smooth0.2", "cross_entropy", one, pair,
                     reduction=reduction, label_smoothing=0.2, double=False)
            add_case(f"edge_nonfinite_row{i}_{reduction}_probs", "cross_entropy", one,
                     torch.stack([soft[i], soft[5]]), reduction=reduction, double=False)
            add_case(f"edge_nonfinite_row{i}_{reduction}_nll", "nll_loss", one, pair, reduction=reduction,
                     double=False)
        # An ignored row still passes its nan softmax into the gradient, as PyTorch's log_softmax backward does.
        ignored = torch.tensor([-100, 0, 0, -100, -100, 2])
        add_case(f"edge_nonfinite_ignored_{reduction}", "cross_entropy", x, ignored, reduction=reduction, double=False)
        add_case(f"edge_nonfinite_ignored_{reduction}_smooth1.0_weight", "cross_entropy", x, ignored,
                 torch.tensor([1.0, 2.0, 0.5]), reduction=reduction, label_smoothing=1.0, double=False)
        add_case(f"edge_nonfinite_ignored_{reduction}_nll", "nll_loss", x, ignored, reduction=reduction, double=False)
        add_case(f"edge_inf_target_logit_{reduction}_smooth1.0", "cross_entropy", nonfinite([[-inf, 1.0, 2.0]]),
                 torch.tensor([0]), reduction=reduction, label_smoothing=1.0, double=False)

    # Empty batches and empty spatial sizes.
    for reduction in REDUCTIONS:
        add_case(f"edge_empty_batch_{reduction}", "cross_entropy", logits((0, 4)), torch.zeros(0, dtype=I64),
                 reduction=reduction)
        add_case(f"edge_empty_batch_{reduction}_weight_smooth0.1", "cross_entropy", logits((0, 4)),
                 torch.zeros(0, dtype=I64), weights(4), reduction=reduction, label_smoothing=0.1)
        add_case(f"edge_empty_batch_{reduction}_probs", "cross_entropy", logits((0, 4)), torch.zeros(0, 4),
                 reduction=reduction)
        add_case(f"edge_empty_batch_{reduction}_nll", "nll_loss", logits((0, 4)), torch.zeros(0, dtype=I64),
                 reduction=reduction)
        add_case(f"edge_empty_spatial_NCd_{reduction}", "cross_entropy", logits((2, 3, 0)),
                 torch.zeros(2, 0, dtype=I64), reduction=reduction)
        add_case(f"edge_empty_spatial_NCdd_{reduction}", "cross_entropy", logits((2, 3, 0, 2)),
                 torch.zeros(2, 0, 2, dtype=I64), reduction=reduction)
        add_case(f"edge_empty_spatial_NCd_{reduction}_probs", "cross_entropy", logits((2, 3, 0)),
                 torch.zeros(2, 3, 0), reduction=reduction)
        add_case(f"edge_no_classes_all_ignored_{reduction}", "cross_entropy", logits((3, 0)),
                 torch.full((3,), -100), reduction=reduction)

    # One class: the loss is 0 (or what the weight and smoothing make of it) and the gradient 0.
    for reduction in REDUCTIONS:
        add_case(f"edge_one_class_{reduction}", "cross_entropy", logits((4, 1)), torch.zeros(4, dtype=I64),
                 reduction=reduction)
        add_case(f"edge_one_class_{reduction}_weight_smooth0.5", "cross_entropy", logits((4, 1)),
                 torch.zeros(4, dtype=I64), torch.tensor([3.0]), reduction=reduction, label_smoothing=0.5)
        add_case(f"edge_one_class_{reduction}_probs", "cross_entropy", logits((4, 1)), torch.rand(4, 1),
                 reduction=reduction)
        add_case(f"edge_one_class_{reduction}_nll", "nll_loss", logits((4, 1)), torch.zeros(4, dtype=I64),
                 reduction=reduction)

    # 100,000 classes.
    n = 100_000
    add_case("edge_100k_classes_mean", "cross_entropy", generated("randn", (1, n), 3.0), torch.tensor([31337]),
             double=False)
    add_case("edge_100k_classes_sum_weight_smooth0.1", "cross_entropy", generated("randn", (1, n), 3.0),
             torch.tensor([99999]), generated("rand", (n,), 1.0, 0.5), reduction="sum", label_smoothing=0.1,
             double=False)
    add_case("edge_100k_classes_mean_probs", "cross_entropy", generated("randn", (1, n), 3.0),
             generated("rand", (1, n), 2.0 / n), double=False)

    # Every target ignored: Mean is 0/0 (nan) with a zero gradient; a total weight of 0 gives nan everywhere.
    for reduction in REDUCTIONS:
        all_ignored = torch.full((3,), -100)
        add_case(f"edge_all_ignored_{reduction}", "cross_entropy", logits((3, 4)), all_ignored, reduction=reduction)
        add_case(f"edge_all_ignored_{reduction}_weight_smooth0.2", "cross_entropy", logits((3, 4)), all_ignored,
                 weights(4), reduction=reduction, label_smoothing=0.2)
        add_case(f"edge_all_ignored_{reduction}_nll", "nll_loss", logits((3, 4)), all_ignored, reduction=reduction)
        add_case(f"edge_all_ignored_spatial_{reduction}", "cross_entropy", logits((2, 3, 2, 2)),
                 torch.full((2, 2, 2), 1), ignore_index=1, reduction=reduction)
        add_case(f"edge_zero_total_weight_{reduction}", "cross_entropy", logits((3, 4)), torch.tensor([1, 1, 2]),
                 torch.tensor([1.0, 0.0, 0.0, 1.0]), reduction=reduction, double=False)
        add_case(f"edge_zero_total_weight_{reduction}_smooth0.2", "cross_entropy", logits((3, 4)),
                 torch.tensor([1, 1, 2]), torch.tensor([1.0, 0.0, 0.0, 1.0]), reduction=reduction,
                 label_smoothing=0.2, double=False)

    # nll_loss of a (C) input against a (C) target reads only the first target (PyTorch's kernel does).
    for reduction in REDUCTIONS:
        add_case(f"edge_nll_C_input_C_target_{reduction}", "nll_loss", logits((3,)), torch.tensor([2, 0, 1]),
                 reduction=reduction)
    add_case("edge_nll_C_input_C_target_first_ignored", "nll_loss", logits((3,)), torch.tensor([-100, 7, 1]))


# ---------------------------------------------------------------- errors

def error_cases():
    x = torch.randn(4, 7)
    good = torch.tensor([1, 3, 0, 6])
    long_input = torch.zeros(4, 7, dtype=I64)
    for op in ("cross_entropy", "nll_loss"):
        # Target dtype wrong for the form.
        add_error(f"{op}_float_class_target", op, x, torch.rand(4))
        add_error(f"{op}_double_class_target", op, x, torch.rand(4, dtype=F64))
        add_error(f"{op}_float_target_C", op, torch.randn(7), torch.tensor(1.0))
        add_error(f"{op}_float_target_NCd", op, torch.randn(2, 3, 4), torch.rand(2, 4))
        add_error(f"{op}_float_target_NCdd", op, torch.randn(2, 3, 4, 5), torch.rand(2, 4, 5))
        # Targets out of range.
        add_error(f"{op}_target_too_large", op, x, torch.tensor([1, 3, 9, 0]))
        add_error(f"{op}_target_equal_to_classes", op, x, torch.tensor([1, 3, 7, 0]))
        add_error(f"{op}_target_negative", op, x, torch.tensor([1, 3, -2, 0]))
        add_error(f"{op}_target_negative_other_ignore", op, x, torch.tensor([1, -100, 0, 0]), ignore_index=-1)
        add_error(f"{op}_target_C_too_large", op, torch.randn(7), torch.tensor(9))
        add_error(f"{op}_target_C_negative", op, torch.randn(7), torch.tensor(-1))
        add_error(f"{op}_target_NCd_too_large", op, torch.randn(2, 3, 4), torch.tensor([[0, 1, 5, 1], [0, 0, 0, 0]]))
        add_error(f"{op}_target_NCdd_too_large", op, torch.randn(2, 3, 4, 5), torch.full((2, 4, 5), 5))
        add_error(f"{op}_target_NCdd_negative", op, torch.randn(2, 3, 4, 5), torch.full((2, 4, 5), -3))
        add_error(f"{op}_target_NCddd_too_large", op, torch.randn(2, 3, 2, 2, 2), torch.full((2, 2, 2, 2), 4))
        add_error(f"{op}_target_no_classes", op, torch.randn(3, 0), torch.tensor([-100, 0, -100]))
        # Batch and spatial size mismatches.
        add_error(f"{op}_batch_mismatch", op, x, torch.tensor([1, 3, 0]))
        add_error(f"{op}_batch_mismatch_0d_target", op, x, torch.tensor(1))
        add_error(f"{op}_batch_mismatch_NCd", op, torch.randn(2, 3, 4), torch.zeros(3, 4, dtype=I64))
        add_error(f"{op}_empty_batch_0d_target", op, torch.randn(0, 3), torch.tensor(1))
        add_error(f"{op}_empty_batch_0d_target_NCd", op, torch.randn(0, 3, 2), torch.tensor(1))
        add_error(f"{op}_empty_batch_0d_target_NCdd", op, torch.randn(0, 3, 2, 2), torch.tensor(1))
        add_error(f"{op}_batch_mismatch_NCdd", op, torch.randn(2, 3, 4, 5), torch.zeros(3, 4, 5, dtype=I64))
        add_error(f"{op}_multi_target", op, x, torch.zeros(4, 2, dtype=I64))
        add_error(f"{op}_C_input_target_1", op, torch.randn(7), torch.tensor([1]))
        add_error(f"{op}_C_input_target_2x2", op, torch.randn(7), torch.zeros(2, 2, dtype=I64))
        add_error(f"{op}_spatial_mismatch_NCd", op, torch.randn(2, 3, 4), torch.zeros(2, 5, dtype=I64))
        add_error(f"{op}_spatial_rank_NCd", op, torch.randn(2, 3, 4), torch.zeros(2, dtype=I64))
        add_error(f"{op}_spatial_rank_NCd_extra", op, torch.randn(2, 3, 4), torch.zeros(2, 4, 1, dtype=I64))
        add_error(f"{op}_spatial_mismatch_NCdd", op, torch.randn(2, 3, 4, 5), torch.zeros(2, 4, 6, dtype=I64))
        add_error(f"{op}_spatial_rank_NCdd", op, torch.randn(2, 3, 4, 5), torch.zeros(2, 20, dtype=I64))
        add_error(f"{op}_spatial_mismatch_NCddd", op, torch.randn(2, 3, 2, 2, 2), torch.zeros(2, 2, 2, 3, dtype=I64))
        # Weight of the wrong length, rank or dtype.
        add_error(f"{op}_weight_length", op, x, good, torch.rand(5))
        add_error(f"{op}_weight_rank", op, x, good, torch.rand(1, 7))
        add_error(f"{op}_weight_0d", op, x, good, torch.tensor(1.0))
        add_error(f"{op}_weight_double", op, x, good, torch.rand(7, dtype=F64))
        add_error(f"{op}_weight_long", op, x, good, torch.ones(7, dtype=I64))
        add_error(f"{op}_weight_float_for_double", op, x.double(), good, torch.rand(7))
        add_error(f"{op}_weight_length_NCd", op, torch.randn(2, 3, 4), torch.zeros(2, 4, dtype=I64), torch.rand(4))
        add_error(f"{op}_weight_length_NCdd", op, torch.randn(2, 3, 4, 5), torch.zeros(2, 4, 5, dtype=I64),
                  torch.rand(5))
        add_error(f"{op}_weight_double_NCdd", op, torch.randn(2, 3, 4, 5), torch.zeros(2, 4, 5, dtype=I64),
                  torch.rand(3, dtype=F64))
        # Input of rank 0 or an integer input.
        add_error(f"{op}_input_rank0", op, torch.tensor(1.0), torch.tensor([0]))
        add_error(f"{op}_long_input", op, long_input, good)
        add_error(f"{op}_long_input_C", op, torch.zeros(3, dtype=I64), torch.tensor(1))
        add_error(f"{op}_long_input_NCd", op, torch.zeros(2, 3, 4, dtype=I64), torch.zeros(2, 4, dtype=I64))
        # Which check PyTorch makes first when several fail.
        add_error(f"{op}_order_float_target_and_batch", op, x, torch.rand(3))
        add_error(f"{op}_order_float_target_and_weight_length", op, x, torch.rand(4), torch.rand(5))
        add_error(f"{op}_order_float_target_and_weight_dtype", op, x, torch.rand(4), torch.rand(7, dtype=F64))
        add_error(f"{op}_order_out_of_range_and_weight_dtype", op, x, torch.tensor([9, 0, 0, 0]),
                  torch.rand(7, dtype=F64))
        add_error(f"{op}_order_out_of_range_and_weight_length", op, x, torch.tensor([9, 0, 0, 0]), torch.rand(5))
        add_error(f"{op}_order_weight_dtype_and_length", op, x, good, torch.rand(5, dtype=F64))
        add_error(f"{op}_order_multi_target_and_weight_length", op, x, torch.zeros(4, 2, dtype=I64), torch.rand(5))
        add_error(f"{op}_order_long_input_and_batch", op, long_input, torch.tensor([1, 2]))
        add_error(f"{op}_order_long_input_and_weight_length", op, long_input, good, torch.rand(2))
        add_error(f"{op}_order_NCd_out_of_range_and_weight_length", op, torch.randn(2, 3, 4), torch.full((2, 4), 7),
                  torch.rand(4))
        add_error(f"{op}_order_NCdd_float_target_and_rank", op, torch.randn(2, 3, 4, 5), torch.zeros(2, 5))

    add_error("nll_loss_input_rank0_0d_target", "nll_loss", torch.tensor(1.0), torch.tensor(0))
    add_error("nll_loss_probability_shaped_target", "nll_loss", x, torch.rand(4, 7))

    ce = "cross_entropy"
    # Probability targets: dtype, shape, ignore_index, weight, rank 0.
    add_error("ce_probs_long_target", ce, x, torch.zeros(4, 7, dtype=I64))
    add_error("ce_probs_long_target_C", ce, torch.randn(7), torch.zeros(7, dtype=I64))
    add_error("ce_probs_wrong_class_count", ce, x, torch.rand(4, 6))
    add_error("ce_probs_wrong_batch", ce, x, torch.rand(3, 7))
    add_error("ce_probs_extra_dim", ce, x, torch.rand(4, 7, 1))
    add_error("ce_probs_wrong_spatial", ce, torch.randn(2, 3, 4), torch.rand(2, 3, 5))
    add_error("ce_probs_ignore_index", ce, x, torch.rand(4, 7), ignore_index=0)
    add_error("ce_probs_weight_length", ce, x, torch.rand(4, 7), torch.rand(5))
    add_error("ce_probs_weight_rank", ce, x, torch.rand(4, 7), torch.rand(1, 7))
    add_error("ce_probs_long_input", ce, long_input, torch.rand(4, 7))
    add_error("ce_probs_long_input_NCd", ce, torch.zeros(2, 3, 4, dtype=I64), torch.rand(2, 3, 4))
    add_error("ce_probs_input_rank0", ce, torch.tensor(1.0), torch.tensor(0.5))
    add_error("ce_class_input_rank0_0d_target", ce, torch.tensor(1.0), torch.tensor(0))
    add_error("ce_input_rank0_smoothing", ce, torch.tensor(1.0), torch.tensor([0]), label_smoothing=0.1)
    add_error("ce_order_probs_ignore_and_weight", ce, x, torch.rand(4, 7), torch.rand(5), ignore_index=1)
    add_error("ce_order_probs_rank0_and_weight", ce, torch.tensor(1.0), torch.tensor(0.5), torch.rand(3))
    add_error("ce_order_probs_long_and_smoothing", ce, x, torch.zeros(4, 7, dtype=I64), label_smoothing=2.0)
    add_error("ce_order_probs_weight_and_smoothing", ce, x, torch.rand(4, 7), torch.rand(5), label_smoothing=2.0)
    add_error("ce_order_probs_long_input_and_smoothing", ce, long_input, torch.rand(4, 7), label_smoothing=3.0)
    # Label smoothing above 1 (below 0 and nan are accepted by PyTorch as no smoothing).
    for smoothing in (1.5, 2.0, 1.0000001, 1.23456789, 1e6, 1e20, float("inf")):
        add_error(f"ce_smoothing_{smoothing}", ce, x, good, label_smoothing=smoothing)
    add_error("ce_smoothing_probs_1.5", ce, x, torch.rand(4, 7), label_smoothing=1.5)
    add_error("ce_order_smoothing_and_batch", ce, x, torch.tensor([1, 0, 0]), label_smoothing=2.0)
    add_error("ce_order_smoothing_and_long_input", ce, long_input, good, label_smoothing=3.0)
    add_error("ce_smoothing_weight_length", ce, x, good, torch.rand(5), label_smoothing=0.1)
    add_error("ce_smoothing_weight_double", ce, x, good, torch.rand(7, dtype=F64), label_smoothing=0.1)
    add_error("ce_smoothing_weight_rank_NCdd", ce, torch.randn(2, 3, 4, 5), torch.zeros(2, 4, 5, dtype=I64),
              torch.rand(1, 3), label_smoothing=0.1)
    add_error("module_weight_length", "module", x, good, torch.rand(5))
    add_error("module_smoothing", "module", x, good, label_smoothing=1.5)

    # one_hot and scatter.
    add_error("one_hot_negative", "one_hot", target=torch.tensor([1, -1]), num_classes=3)
    add_error("one_hot_negative_inferred", "one_hot", target=torch.tensor([1, -1]), num_classes=-1)
    add_error("one_hot_too_small", "one_hot", target=torch.tensor([1, 5]), num_classes=3)
    add_error("one_hot_zero_classes", "one_hot", target=torch.tensor([0]), num_classes=0)
    add_error("one_hot_minus2_classes", "one_hot", target=torch.tensor([1]), num_classes=-2)
    add_error("one_hot_float", "one_hot", target=torch.tensor([1.0]), num_classes=3)
    add_error("one_hot_empty_inferred", "one_hot", target=torch.zeros(0, dtype=I64), num_classes=-1)
    add_error("one_hot_empty_zero_classes", "one_hot", target=torch.zeros(0, dtype=I64), num_classes=0)
    zeros = torch.zeros(4, 7)
    add_error("scatter_index_rank", "scatter", zeros, dim=1, index=torch.tensor([1, 0, 0, 0]), value=1.0)
    add_error("scatter_index_rank3", "scatter", zeros, dim=1, index=torch.zeros(4, 1, 1, dtype=I64), value=1.0)
    add_error("scatter_index_rank_0d_self", "scatter", torch.tensor(1.0), dim=0, index=torch.zeros(1, 1, dtype=I64),
              value=2.0)
    add_error("scatter_index_float", "scatter", zeros, dim=1, index=torch.zeros(4, 1), value=1.0)
    add_error("scatter_index_float_and_rank", "scatter", zeros, dim=1, index=torch.zeros(4), value=1.0)
    add_error("scatter_src_index_float", "scatter", zeros, dim=1, index=torch.zeros(4, 1), src=torch.ones(4, 1))
    add_error("scatter_src_index_rank", "scatter", zeros, dim=1, index=torch.tensor([1, 0, 0, 0]), src=torch.ones(4, 1))
    add_error("scatter_src_rank", "scatter", zeros, dim=1, index=torch.zeros(4, 1, dtype=I64), src=torch.ones(4))
    add_error("scatter_src_dtype", "scatter", zeros, dim=1, index=torch.zeros(4, 1, dtype=I64),
              src=torch.ones(4, 1, dtype=F64))


def lines(entries):
    """One entry a line: compact, and a regenerated file diffs case by case."""
    return ",\n".join(json.dumps(e, allow_nan=False) for e in entries)


def main():
    class_target_cases()
    label_smoothing_cases()
    probability_target_cases()
    module_cases()
    edge_cases()
    error_cases()
    names = [c["name"] for c in cases] + [e["name"] for e in errors]
    assert len(names) == len(set(names)), "duplicate case names"
    large = [c for c in cases if c["name"].startswith("edge_100k")]
    small = [c for c in cases if c not in large]
    write(OUTPUT, small, errors)
    write(LARGE_OUTPUT, large, [])


def write(path, file_cases, file_errors):
    path.write_text(f'{{"torch": "{torch.__version__}",\n"cases": [\n{lines(file_cases)}\n],\n"errors": [\n{lines(file_errors)}\n]}}\n')
    print(f"{len(file_cases)} cases, {len(file_errors)} errors -> {path}")


if __name__ == "__main__":
    main()
