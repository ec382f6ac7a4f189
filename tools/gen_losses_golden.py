#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/losses_nn.json: what PyTorch 1.13 computes for the elementwise losses (MSE, L1,
SmoothL1, Huber, BCE, BCEWithLogits, KLDiv, and the NLLLoss / CrossEntropyLoss modules), the activations (GELU exact and
tanh, SiLU, LeakyReLU, ELU, Softplus, ReLU, Tanh, Sigmoid, Softmax, LogSoftmax), F.normalize, F.cosine_similarity and
F.pad, with module reprs and the messages of the calls PyTorch rejects.

Run with the Debian PyTorch 1.13: /usr/bin/python3 tools/gen_losses_golden.py. Every case seeds its own draws, so
the output is the same on every run.

A tensor is {"dtype", "shape", "b64", "requires_grad"}: the row-major elements as little-endian bytes, base64.
cases[]:  {name, fn, via, args, inputs[], output, grad_fn, grad_output, grads[]}: grads[i] is inputs[i].grad after
          output.backward(grad_output), null where the input does not require grad.
errors[]: {name, fn, via, args, inputs[], message, family}: family "argument" (ValueError, RuntimeError, IndexError,
          TypeError) or "unsupported" (NotImplementedError).
reprs[]:  {key, text}: repr(module) for the module the key names.
"""
import base64
import itertools
import json
import pathlib
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.simplefilter("ignore")
OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden" / "losses_nn.json"
F32, F64, I64 = torch.float32, torch.float64, torch.int64
NAMES = {F32: "float32", F64: "float64", I64: "int64"}
ELEMENT = {F32: "<f4", F64: "<f8", I64: "<i8"}
REDUCTIONS = ("none", "mean", "sum")
SEEDS = itertools.count(7001)
cases, errors, reprs = [], [], []


def seed():
    torch.manual_seed(next(SEEDS))


def encode(t):
    data = t.detach().contiguous().numpy().astype(ELEMENT[t.dtype]).tobytes()
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "b64": base64.b64encode(data).decode("ascii"),
            "requires_grad": bool(t.requires_grad)}


def leaf(t, requires_grad=True):
    t = t.detach().clone()
    if requires_grad and t.dtype != I64:
        t.requires_grad_(True)
    return t


# How each fn is called; the C# test maps the same names onto the library.
def call(fn, via, args, x):
    red = args.get("reduction", "mean")
    if fn == "mse":
        return nn.MSELoss(reduction=red)(x[0], x[1]) if via == "module" else F.mse_loss(x[0], x[1], reduction=red)
    if fn == "l1":
        return nn.L1Loss(reduction=red)(x[0], x[1]) if via == "module" else F.l1_loss(x[0], x[1], reduction=red)
    if fn == "smooth_l1":
        return (nn.SmoothL1Loss(reduction=red, beta=args["beta"])(x[0], x[1]) if via == "module"
                else F.smooth_l1_loss(x[0], x[1], reduction=red, beta=args["beta"]))
    if fn == "huber":
        return (nn.HuberLoss(reduction=red, delta=args["delta"])(x[0], x[1]) if via == "module"
                else F.huber_loss(x[0], x[1], reduction=red, delta=args["delta"]))
    if fn == "bce":
        w = x[2] if len(x) > 2 else None
        return nn.BCELoss(weight=w, reduction=red)(x[0], x[1]) if via == "module" else F.binary_cross_entropy(x[0], x[1], w, reduction=red)
    if fn == "bce_logits":
        w = x[2] if args.get("weight") else None
        pw = x[-1] if args.get("pos_weight") else None
        return (nn.BCEWithLogitsLoss(weight=w, reduction=red, pos_weight=pw)(x[0], x[1]) if via == "module"
                else F.binary_cross_entropy_with_logits(x[0], x[1], w, reduction=red, pos_weight=pw))
    if fn == "kl_div":
        return (nn.KLDivLoss(reduction=red, log_target=args["log_target"])(x[0], x[1]) if via == "module"
                else F.kl_div(x[0], x[1], reduction=red, log_target=args["log_target"]))
    if fn == "nll":
        w = x[2] if len(x) > 2 else None
        return nn.NLLLoss(weight=w, ignore_index=args["ignore_index"], reduction=red)(x[0], x[1])
    if fn == "cross_entropy":
        w = x[2] if len(x) > 2 else None
        return nn.CrossEntropyLoss(weight=w, ignore_index=args["ignore_index"], reduction=red,
                                   label_smoothing=args["label_smoothing"])(x[0], x[1])
    if fn == "gelu":
        return nn.GELU(approximate=args["approximate"])(x[0]) if via == "module" else F.gelu(x[0], approximate=args["approximate"])
    if fn == "silu":
        return nn.SiLU()(x[0]) if via == "module" else F.silu(x[0])
    if fn == "leaky_relu":
        return nn.LeakyReLU(args["negative_slope"])(x[0]) if via == "module" else F.leaky_relu(x[0], args["negative_slope"])
    if fn == "elu":
        return nn.ELU(args["alpha"])(x[0]) if via == "module" else F.elu(x[0], args["alpha"])
    if fn == "softplus":
        return (nn.Softplus(args["beta"], args["threshold"])(x[0]) if via == "module"
                else F.softplus(x[0], args["beta"], args["threshold"]))
    if fn == "relu":
        return nn.ReLU()(x[0]) if via == "module" else F.relu(x[0])
    if fn == "tanh":
        return nn.Tanh()(x[0]) if via == "module" else torch.tanh(x[0])
    if fn == "sigmoid":
        return nn.Sigmoid()(x[0]) if via == "module" else torch.sigmoid(x[0])
    if fn == "softmax":
        return nn.Softmax(args["dim"])(x[0]) if via == "module" else F.softmax(x[0], args["dim"])
    if fn == "log_softmax":
        return nn.LogSoftmax(args["dim"])(x[0]) if via == "module" else F.log_softmax(x[0], args["dim"])
    if fn == "normalize":
        return F.normalize(x[0], p=args["p"], dim=args["dim"])
    if fn == "cosine_similarity":
        return F.cosine_similarity(x[0], x[1], dim=args["dim"])
    if fn == "pad":
        if "value" in args:
            return F.pad(x[0], args["pad"], mode=args["mode"], value=args["value"])
        return F.pad(x[0], args["pad"], mode=args["mode"])
    raise ValueError(fn)


def case(name, fn, args, inputs, via="functional"):
    x = [leaf(t, rg) for t, rg in inputs]
    out = call(fn, via, args, x)
    entry = {"name": name, "fn": fn, "via": via, "args": args, "inputs": [encode(t) for t in x],
             "output": encode(out), "grad_fn": None if out.grad_fn is None else type(out.grad_fn).__name__,
             "grad_output": None, "grads": [None] * len(x)}
    if out.requires_grad:
        seed()
        grad_output = torch.randn(out.shape, dtype=out.dtype)
        out.backward(grad_output)
        entry["grad_output"] = encode(grad_output)
        entry["grads"] = [None if t.grad is None else encode(t.grad) for t in x]
    cases.append(entry)


def error(name, fn, args, inputs, via="functional"):
    x = [leaf(t, False) for t in inputs]
    try:
        call(fn, via, args, x)
    except NotImplementedError as e:
        errors.append({"name": name, "fn": fn, "via": via, "args": args, "inputs": [encode(t) for t in x],
                       "message": str(e), "family": "unsupported"})
        return
    except (ValueError, RuntimeError, IndexError, TypeError) as e:
        errors.append({"name": name, "fn": fn, "via": via, "args": args, "inputs": [encode(t) for t in x],
                       "message": str(e), "family": "argument"})
        return
    raise AssertionError(f"{name}: PyTorch accepted it")


def randn(*shape, dtype=F32, scale=1.0):
    seed()
    return torch.randn(shape, dtype=dtype) * scale


def rand(*shape, dtype=F32):
    seed()
    return torch.rand(shape, dtype=dtype)


# ---- losses ----
for dtype in (F32, F64):
    d = NAMES[dtype]
    for red in REDUCTIONS:
        for via in ("functional", "module"):
            a = {"reduction": red}
            case(f"mse {d} {red} {via}", "mse", a, [(randn(4, 5, dtype=dtype), True), (randn(4, 5, dtype=dtype), True)], via)
            case(f"l1 {d} {red} {via}", "l1", a, [(randn(4, 5, dtype=dtype), True), (randn(4, 5, dtype=dtype), True)], via)
        case(f"mse broadcast {d} {red}", "mse", {"reduction": red}, [(randn(3, 1, dtype=dtype), True), (randn(3, dtype=dtype), True)])
        case(f"l1 broadcast {d} {red}", "l1", {"reduction": red}, [(randn(2, 3, dtype=dtype), True), (randn(3, dtype=dtype), False)])
        case(f"mse 0-d {d} {red}", "mse", {"reduction": red}, [(randn(dtype=dtype), True), (randn(dtype=dtype), True)])
        for beta in (1.0, 0.5, 0.0):
            case(f"smooth_l1 beta {beta} {d} {red}", "smooth_l1", {"reduction": red, "beta": beta},
                 [(randn(4, 6, dtype=dtype, scale=1.5), True), (randn(4, 6, dtype=dtype), True)])
        case(f"smooth_l1 module {d} {red}", "smooth_l1", {"reduction": red, "beta": 2.0},
             [(randn(3, 4, dtype=dtype, scale=2), True), (randn(3, 4, dtype=dtype), True)], "module")
        for delta in (1.0, 0.3, 2.5):
            case(f"huber delta {delta} {d} {red}", "huber", {"reduction": red, "delta": delta},
                 [(randn(4, 6, dtype=dtype, scale=1.5), True), (randn(4, 6, dtype=dtype), True)])
        case(f"huber module {d} {red}", "huber", {"reduction": red, "delta": 0.7},
             [(randn(3, 4, dtype=dtype, scale=2), True), (randn(3, 4, dtype=dtype), True)], "module")
        # BCE: probabilities including 0 and 1 (the -100 clamp) and targets between 0 and 1.
        p = rand(4, 5, dtype=dtype)
        p[0, 0], p[1, 1], p[2, 2] = 0.0, 1.0, 1e-30 if dtype == F64 else 1e-20
        bce_target = rand(4, 5, dtype=dtype)
        bce_target[0, 1], bce_target[3, 3] = 0.0, 1.0
        for via in ("functional", "module"):
            case(f"bce {d} {red} {via}", "bce", {"reduction": red}, [(p, True), (bce_target, True)], via)
        case(f"bce weight {d} {red}", "bce", {"reduction": red}, [(p, True), (bce_target, False), (rand(5, dtype=dtype), False)])
        case(f"bce weight full {d} {red}", "bce", {"reduction": red}, [(p, True), (bce_target, True), (rand(4, 5, dtype=dtype), False)], "module")
        logits = randn(4, 5, dtype=dtype, scale=3)
        logits[0, 0], logits[1, 1], logits[2, 2] = 40.0, -40.0, 0.0
        for via in ("functional", "module"):
            case(f"bce_logits {d} {red} {via}", "bce_logits", {"reduction": red}, [(logits, True), (bce_target, True)], via)
        case(f"bce_logits weight {d} {red}", "bce_logits", {"reduction": red, "weight": True},
             [(logits, True), (bce_target, True), (rand(5, dtype=dtype), False)])
        case(f"bce_logits pos_weight {d} {red}", "bce_logits", {"reduction": red, "pos_weight": True},
             [(logits, True), (bce_target, True), (rand(5, dtype=dtype) * 3, False)])
        case(f"bce_logits weight and pos_weight {d} {red}", "bce_logits", {"reduction": red, "weight": True, "pos_weight": True},
             [(logits, True), (bce_target, True), (rand(4, 1, dtype=dtype), False), (rand(5, dtype=dtype) * 3, False)], "module")
    for red in REDUCTIONS + ("batchmean",):
        for log_target in (False, True):
            for via in ("functional", "module"):
                logp = F.log_softmax(randn(3, 5, dtype=dtype), 1)
                q = F.softmax(randn(3, 5, dtype=dtype), 1)
                target = q.log() if log_target else q
                case(f"kl_div {d} {red} log_target {log_target} {via}", "kl_div", {"reduction": red, "log_target": log_target},
                     [(logp, True), (target, True)], via)
        case(f"kl_div broadcast {d} {red}", "kl_div", {"reduction": red, "log_target": False},
             [(F.log_softmax(randn(2, 4, dtype=dtype), 1), True), (F.softmax(randn(4, dtype=dtype), 0), False)])
        case(f"kl_div 0-d {d} {red}", "kl_div", {"reduction": red, "log_target": False},
             [(torch.tensor(-0.7, dtype=dtype), True), (torch.tensor(0.4, dtype=dtype), False)])
    for red in REDUCTIONS:
        seed()
        target = torch.tensor([0, 3, 1, -100, 2])
        case(f"nll module {d} {red}", "nll", {"reduction": red, "ignore_index": -100},
             [(F.log_softmax(randn(5, 4, dtype=dtype), 1), True), (target, False), (rand(4, dtype=dtype), False)], "module")
        case(f"cross_entropy module {d} {red}", "cross_entropy", {"reduction": red, "ignore_index": -100, "label_smoothing": 0.1},
             [(randn(5, 4, dtype=dtype), True), (target, False)], "module")

# ---- activations ----
for dtype in (F32, F64):
    d = NAMES[dtype]
    x = randn(40, dtype=dtype, scale=3)
    x[:8] = torch.tensor([0.0, -0.0, 25.0, -25.0, 1e-3, -1e-3, 6.0, -6.0], dtype=dtype)
    big = torch.cat([x, torch.tensor([15.0, 20.0, 21.0, -30.0, 100.0], dtype=dtype)])
    for approximate in ("none", "tanh"):
        case(f"gelu {approximate} {d}", "gelu", {"approximate": approximate}, [(x.view(5, 8), True)])
    case(f"gelu module {d}", "gelu", {"approximate": "none"}, [(x[:10], True)], "module")
    case(f"silu {d}", "silu", {}, [(x.view(4, 10), True)])
    case(f"silu module {d}", "silu", {}, [(x[:10], True)], "module")
    for slope in (0.01, 0.2, -0.5):
        case(f"leaky_relu {slope} {d}", "leaky_relu", {"negative_slope": slope}, [(x.view(8, 5), True)])
    case(f"leaky_relu module {d}", "leaky_relu", {"negative_slope": 0.1}, [(x[:10], True)], "module")
    for alpha in (1.0, 0.5):
        case(f"elu {alpha} {d}", "elu", {"alpha": alpha}, [(x, True)])
    case(f"elu module {d}", "elu", {"alpha": 1.3}, [(x[:10], True)], "module")
    for beta, threshold in ((1.0, 20.0), (2.0, 10.0), (0.5, 5.0)):
        case(f"softplus {beta} {threshold} {d}", "softplus", {"beta": beta, "threshold": threshold}, [(big, True)])
    case(f"softplus module {d}", "softplus", {"beta": 1.0, "threshold": 20.0}, [(big, True)], "module")
    for fn in ("relu", "tanh", "sigmoid"):
        case(f"{fn} {d}", fn, {}, [(x.view(5, 8), True)])
        case(f"{fn} module {d}", fn, {}, [(x[:10], True)], "module")
    for fn in ("softmax", "log_softmax"):
        for dim in (0, 1, -1):
            case(f"{fn} dim {dim} {d}", fn, {"dim": dim}, [(x.view(5, 8), True)])
        case(f"{fn} module {d}", fn, {"dim": 1}, [(x.view(5, 8), True)], "module")

# ---- normalize, cosine_similarity, pad ----
for dtype in (F32, F64):
    d = NAMES[dtype]
    v = randn(3, 4, 2, dtype=dtype)
    v[1, :, 0] = 0.0
    for p in (2.0, 1.0, 3.0):
        for dim in (1, 0, -1):
            case(f"normalize p {p} dim {dim} {d}", "normalize", {"p": p, "dim": dim}, [(v, True)])
    for dim in (1, 0, -1):
        case(f"cosine_similarity dim {dim} {d}", "cosine_similarity", {"dim": dim}, [(randn(3, 4, 2, dtype=dtype), True), (randn(3, 4, 2, dtype=dtype), True)])
    case(f"cosine_similarity broadcast {d}", "cosine_similarity", {"dim": -1}, [(randn(3, 4, dtype=dtype), True), (randn(4, dtype=dtype), True)])
    zero = torch.zeros(2, 3, dtype=dtype)
    zero[0] = torch.tensor([1e-5, 0.0, 0.0], dtype=dtype)
    case(f"cosine_similarity small norms {d}", "cosine_similarity", {"dim": 1}, [(zero, True), (randn(2, 3, dtype=dtype), True)])
    t = randn(2, 3, 4, dtype=dtype)
    for pad in ([1, 2], [0, 0], [1, 1, 2, 0], [-1, 2], [-1, -1], [2, -1, 1, -1], [1, 0, 0, 1, 1, 1], [0, 0, 0, 0]):
        case(f"pad constant {pad} {d}", "pad", {"pad": pad, "mode": "constant"}, [(t, True)])
    case(f"pad constant value {d}", "pad", {"pad": [1, 1, 1, 1], "mode": "constant", "value": 2.5}, [(t, True)])
    for mode in ("reflect", "replicate"):
        for pad in ([1, 2], [2, 0], [-1, 1], [1, 2, 2, 1]):
            case(f"pad {mode} {pad} {d}", "pad", {"pad": pad, "mode": mode}, [(t, True)])
        case(f"pad {mode} 3d {d}", "pad", {"pad": [1, 1, 1, 0, 0, 1], "mode": mode}, [(randn(1, 2, 2, 3, 3, dtype=dtype), True)])
        case(f"pad {mode} unbatched 2d {d}", "pad", {"pad": [1, 1], "mode": mode}, [(randn(3, 4, dtype=dtype), True)])

# ---- errors ----
f = lambda *s: torch.rand(s)
error("mse shapes", "mse", {"reduction": "mean"}, [f(3, 2), f(4)])
error("mse long", "mse", {"reduction": "mean"}, [torch.tensor([1, 2]), torch.tensor([1, 2])])
error("mse batchmean", "mse", {"reduction": "batchmean"}, [f(2), f(2)])
error("l1 shapes", "l1", {"reduction": "mean"}, [f(3, 2), f(4)])
error("smooth_l1 negative beta", "smooth_l1", {"reduction": "mean", "beta": -1.0}, [f(3, 2), f(3, 2)])
error("huber zero delta", "huber", {"reduction": "mean", "delta": 0.0}, [f(3, 2), f(3, 2)])
error("huber negative delta", "huber", {"reduction": "mean", "delta": -1.0}, [f(3, 2), f(3, 2)])
error("huber shapes", "huber", {"reduction": "mean", "delta": 1.0}, [f(3, 2), f(4)])
error("bce input above 1", "bce", {"reduction": "mean"}, [torch.tensor([0.5, 1.5]), torch.tensor([1.0, 0.0])])
error("bce input below 0", "bce", {"reduction": "mean"}, [torch.tensor([-0.1, 0.5]), torch.tensor([1.0, 0.0])])
error("bce nan input", "bce", {"reduction": "mean"}, [torch.tensor([float("nan")]), torch.tensor([1.0])])
error("bce size", "bce", {"reduction": "mean"}, [f(3, 1), f(3)])
error("bce size 2", "bce", {"reduction": "mean"}, [f(3), f(3, 1)])
error("bce target dtype", "bce", {"reduction": "mean"}, [f(2), torch.rand(2, dtype=F64)])
error("bce weight shape", "bce", {"reduction": "mean"}, [f(3, 2), f(3, 2), f(3)])
error("bce batchmean", "bce", {"reduction": "batchmean"}, [f(2), f(2)])
error("bce_logits size", "bce_logits", {"reduction": "mean"}, [f(3, 1), f(3)])
error("bce_logits pos_weight shape", "bce_logits", {"reduction": "mean", "pos_weight": True}, [f(3, 2), f(3, 2), f(3)])
error("bce_logits weight shape", "bce_logits", {"reduction": "mean", "weight": True}, [f(3, 2), f(3, 2), f(3)])
error("bce_logits long target", "bce_logits", {"reduction": "mean"}, [f(2), torch.tensor([1, 0])])
error("kl_div shapes", "kl_div", {"reduction": "mean", "log_target": False}, [f(3, 2), f(4)])
error("cross_entropy batchmean", "cross_entropy", {"reduction": "batchmean", "ignore_index": -100, "label_smoothing": 0.0},
      [f(2, 3), torch.tensor([0, 1])], "module")
error("nll batchmean", "nll", {"reduction": "batchmean", "ignore_index": -100}, [f(2, 3), torch.tensor([0, 1])], "module")
error("gelu approximate", "gelu", {"approximate": "foo"}, [f(2)])
error("gelu long", "gelu", {"approximate": "none"}, [torch.tensor([1, 2])])
error("silu long", "silu", {}, [torch.tensor([1, 2])])
error("leaky_relu long", "leaky_relu", {"negative_slope": 0.01}, [torch.tensor([1, 2])])
error("elu long", "elu", {"alpha": 1.0}, [torch.tensor([1, 2])])
error("softplus long", "softplus", {"beta": 1.0, "threshold": 20.0}, [torch.tensor([1, 2])])
error("normalize long", "normalize", {"p": 2.0, "dim": 1}, [torch.tensor([[1, 2]])])
error("normalize dim", "normalize", {"p": 2.0, "dim": 1}, [f(2)])
error("cosine_similarity dim", "cosine_similarity", {"dim": 1}, [f(2), f(2)])
error("cosine_similarity shapes", "cosine_similarity", {"dim": -1}, [f(3, 2), f(3)])
error("pad odd", "pad", {"pad": [1], "mode": "constant"}, [f(3, 2)])
error("pad too long", "pad", {"pad": [1, 1, 1, 1, 1, 1], "mode": "constant"}, [f(3, 2)])
error("pad crop too far", "pad", {"pad": [-1, -2], "mode": "constant"}, [f(3, 2)])
error("pad negative size", "pad", {"pad": [-2, -1, 1, 0], "mode": "constant"}, [f(3, 2)])
error("pad reflect too large", "pad", {"pad": [2, 2], "mode": "reflect"}, [f(1, 3, 2)])
error("pad reflect 1d", "pad", {"pad": [1, 1], "mode": "reflect"}, [f(3)])
error("pad replicate 4d with 2", "pad", {"pad": [1, 1], "mode": "replicate"}, [f(1, 1, 3, 3)])
error("pad mode", "pad", {"pad": [1, 1], "mode": "foo"}, [f(1, 3, 3)])
error("pad reflect value", "pad", {"pad": [1, 1], "mode": "reflect", "value": 2.5}, [f(1, 3, 3)])

# ---- reprs ----
for key, module in [
    ("GELU", nn.GELU()), ("GELU tanh", nn.GELU(approximate="tanh")), ("SiLU", nn.SiLU()),
    ("LeakyReLU", nn.LeakyReLU()), ("LeakyReLU 0.2", nn.LeakyReLU(0.2)), ("ELU", nn.ELU()), ("ELU 0.5", nn.ELU(alpha=0.5)),
    ("Softplus", nn.Softplus()), ("Softplus 2 10.5", nn.Softplus(beta=2, threshold=10.5)),
    ("Softmax 1", nn.Softmax(dim=1)), ("LogSoftmax -1", nn.LogSoftmax(dim=-1)),
    ("ReLU", nn.ReLU()), ("Tanh", nn.Tanh()), ("Sigmoid", nn.Sigmoid()),
    ("MSELoss", nn.MSELoss()), ("L1Loss sum", nn.L1Loss(reduction="sum")), ("SmoothL1Loss 0.5", nn.SmoothL1Loss(beta=0.5)),
    ("HuberLoss 2", nn.HuberLoss(delta=2.0)), ("BCELoss", nn.BCELoss()),
    ("BCEWithLogitsLoss pos_weight", nn.BCEWithLogitsLoss(pos_weight=torch.ones(3))), ("KLDivLoss log_target", nn.KLDivLoss(log_target=True)),
    ("NLLLoss", nn.NLLLoss()), ("CrossEntropyLoss smoothing", nn.CrossEntropyLoss(label_smoothing=0.1)),
    ("Sequential", nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.LeakyReLU(0.2), nn.Softmax(dim=-1))),
]:
    reprs.append({"key": key, "text": repr(module)})

try:
    nn.MSELoss()(torch.rand(2))
except TypeError as e:
    missing_target = str(e)

# Exact GELU on float32 over its whole range, where PyTorch runs oneDNN's gelu_erf (contiguous, more than one element):
# a length that is not a multiple of the vector width, and the extremes of its exp (underflow, overflow, infinities).
# Last, so that its seeding leaves every case above as it was.
wide = torch.cat([torch.linspace(-12, 12, 2001), torch.tensor([0.0, -0.0, 1e-30, -1e-30, 88.0, -88.0, 1e20, -1e20,
                                                              float("inf"), float("-inf")])])
case("gelu none wide float32", "gelu", {"approximate": "none"}, [(wide, True)])

# Softmax of a non-floating tensor: PyTorch names the last dim's kernel per op and the other dims' shared one.
for fn in ("softmax", "log_softmax"):
    for dim in (1, 0):
        error(f"{fn} long dim {dim}", fn, {"dim": dim}, [torch.tensor([[1, 2], [3, 4]])])
    error(f"{fn} long 0-d", fn, {"dim": 0}, [torch.tensor(3)])

OUTPUT.write_text(json.dumps({"torch": torch.__version__, "cases": cases, "errors": errors, "reprs": reprs,
                              "missing_target": missing_target}, indent=None, separators=(",", ":")) + "\n")
print(f"{len(cases)} cases, {len(errors)} errors, {len(reprs)} reprs -> {OUTPUT} ({OUTPUT.stat().st_size} bytes)")
