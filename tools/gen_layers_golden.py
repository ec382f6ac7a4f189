"""Writes Autograd.Tests/Golden/layers.json: PyTorch 1.13's layers (conv, pooling, normalization, embedding) run on
fixed inputs: initial parameters after torch.manual_seed, outputs, grad_fn names, input and parameter gradients,
running statistics, module reprs and error messages. Run with /usr/bin/python3 from the repository root."""
import json
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64"}


def spec(t):
    t = t.detach()
    values = t.reshape(-1).tolist()
    if t.dtype.is_floating_point:
        # JSON has no infinities: non-finite values are written as the strings "inf", "-inf", "nan".
        values = [float(v) if math.isfinite(v) else str(float(v)) for v in values]
    return {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "values": values}


def data(shape, seed, dtype=torch.float32, integers=False):
    g = torch.Generator().manual_seed(seed)
    t = torch.randn(shape, generator=g, dtype=torch.float64)
    t = t.mul(2).round() if integers else t
    return t.to(dtype)


CASES = []


def module_case(name, ctor, args, seed, input_, set_params=None, steps=1, train=True, integer_input=False):
    torch.manual_seed(seed)
    module = ctor()
    init = {k: spec(v) for k, v in module.named_parameters()}
    if set_params:
        with torch.no_grad():
            for k, v in set_params.items():
                dict(module.named_parameters())[k].copy_(v)
    module.train(train)
    runs = []
    for step in range(steps):
        x = input_(step)
        if x.dtype.is_floating_point:
            x.requires_grad_(True)
        module.zero_grad(set_to_none=True)
        y = module(x)
        gy = data(list(y.shape), 1000 + seed + step, y.dtype)
        y.backward(gy)
        runs.append({
            "input": spec(x),
            "output": spec(y),
            "grad_fn": type(y.grad_fn).__name__ if y.grad_fn is not None else None,
            "grad_output": spec(gy),
            "input_grad": spec(x.grad) if x.grad is not None else None,
            "param_grads": {k: spec(v.grad) for k, v in module.named_parameters()},
            "buffers": {k: spec(v) for k, v in module.named_buffers()},
        })
    CASES.append({"name": name, "module": type(module).__name__, "args": args, "seed": seed, "train": train,
                  "repr": repr(module), "init": init,
                  "set_params": {k: spec(v) for k, v in (set_params or {}).items()}, "runs": runs})


def fixed(shape, seed, **kw):
    return lambda step: data(shape, seed + step, **kw)


# Convolutions
module_case("conv2d_basic", lambda: nn.Conv2d(1, 4, 3), {"in": 1, "out": 4, "k": 3}, 1, fixed([2, 1, 6, 6], 11))
module_case("conv2d_tuples_groups_nobias",
            lambda: nn.Conv2d(2, 4, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2, bias=False),
            {"in": 2, "out": 4, "kh": 3, "kw": 2, "sh": 2, "sw": 1, "ph": 1, "pw": 0, "dh": 1, "dw": 2, "groups": 2, "bias": False}, 2, fixed([2, 2, 7, 7], 12))
module_case("conv2d_stride_pad_depthwise", lambda: nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3),
            {"in": 3, "out": 6, "k": 3, "stride": 2, "padding": 1, "groups": 3}, 3, fixed([1, 3, 5, 5], 13))
module_case("conv2d_unbatched", lambda: nn.Conv2d(2, 3, 2), {"in": 2, "out": 3, "k": 2}, 4, fixed([2, 4, 4], 14))
module_case("conv2d_dilation", lambda: nn.Conv2d(2, 2, 3, padding=2, dilation=2), {"in": 2, "out": 2, "k": 3, "padding": 2, "dilation": 2}, 5, fixed([1, 2, 6, 5], 15))
module_case("conv1d_stride_pad_dilation", lambda: nn.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2),
            {"in": 2, "out": 4, "k": 3, "stride": 2, "padding": 1, "dilation": 2}, 6, fixed([3, 2, 9], 16))
module_case("conv1d_unbatched_groups", lambda: nn.Conv1d(4, 2, 1, groups=2), {"in": 4, "out": 2, "k": 1, "groups": 2}, 7, fixed([4, 5], 17))
# Pooling
module_case("maxpool_2", lambda: nn.MaxPool2d(2), {"k": 2}, 0, fixed([2, 3, 6, 6], 21))
module_case("maxpool_3_2_1", lambda: nn.MaxPool2d(3, 2, 1), {"k": 3, "stride": 2, "padding": 1}, 0, fixed([1, 2, 7, 7], 22))
module_case("maxpool_ties_overlap_unbatched", lambda: nn.MaxPool2d(2, 1), {"k": 2, "stride": 1}, 0, fixed([2, 5, 5], 23, integers=True))
module_case("avgpool_2", lambda: nn.AvgPool2d(2), {"k": 2}, 0, fixed([2, 3, 6, 6], 24))
module_case("avgpool_3_2_1", lambda: nn.AvgPool2d(3, 2, 1), {"k": 3, "stride": 2, "padding": 1}, 0, fixed([1, 2, 7, 6], 25))
module_case("adaptive_1", lambda: nn.AdaptiveAvgPool2d(1), {"size": 1}, 0, fixed([2, 3, 5, 5], 26))
module_case("adaptive_2x3", lambda: nn.AdaptiveAvgPool2d((2, 3)), {"h": 2, "w": 3}, 0, fixed([2, 3, 5, 7], 27))
module_case("adaptive_3_unbatched", lambda: nn.AdaptiveAvgPool2d(3), {"size": 3}, 0, fixed([3, 7, 5], 28))
# Normalization
module_case("layernorm_5", lambda: nn.LayerNorm(5), {"shape": [5]}, 0, fixed([2, 3, 5], 31),
            set_params={"weight": data([5], 311), "bias": data([5], 312)})
module_case("layernorm_3x4_noaffine", lambda: nn.LayerNorm([3, 4], eps=1e-3, elementwise_affine=False),
            {"shape": [3, 4], "eps": 1e-3, "affine": False}, 0, fixed([2, 3, 4], 32))
module_case("batchnorm2d_train", lambda: nn.BatchNorm2d(3), {"features": 3}, 0, fixed([4, 3, 3, 2], 41),
            set_params={"weight": data([3], 411), "bias": data([3], 412)}, steps=3)
module_case("batchnorm2d_eval", lambda: nn.BatchNorm2d(3), {"features": 3}, 0, fixed([2, 3, 2, 2], 42),
            set_params={"weight": data([3], 421), "bias": data([3], 422)}, train=False)
module_case("batchnorm1d_2d_input", lambda: nn.BatchNorm1d(4, momentum=0.3), {"features": 4, "momentum": 0.3}, 0, fixed([5, 4], 43), steps=2)
module_case("batchnorm1d_3d_cumulative_noaffine", lambda: nn.BatchNorm1d(2, eps=1e-3, momentum=None, affine=False),
            {"features": 2, "eps": 1e-3, "momentum": None, "affine": False}, 0, fixed([3, 2, 6], 44), steps=3)
# Embedding
module_case("embedding", lambda: nn.Embedding(10, 3), {"num": 10, "dim": 3}, 51,
            lambda step: torch.tensor([[1, 4, 4, 9], [0, 4, 1, 1]]))
module_case("embedding_padding", lambda: nn.Embedding(6, 4, padding_idx=2), {"num": 6, "dim": 4, "padding": 2}, 52,
            lambda step: torch.tensor([2, 5, 2, 0, 5]))
module_case("embedding_padding_negative", lambda: nn.Embedding(5, 2, padding_idx=-1), {"num": 5, "dim": 2, "padding": -1}, 53,
            lambda step: torch.tensor([[4], [3]]))

# MultiheadAttention: (output, head-averaged weights), gradients of the inputs and parameters from output.backward.
ATTENTION = []


def attention_case(name, args, seed, shapes, form, mask=None):
    torch.manual_seed(seed)
    module = nn.MultiheadAttention(args["embed"], args["heads"], batch_first=args.get("batch_first", False))
    init = {k: spec(v) for k, v in module.named_parameters()}
    with torch.no_grad():
        for k, v in module.named_parameters():
            if "bias" in k:
                v.copy_(data(list(v.shape), seed + 100 + len(k)))
    xs = [data(shape, seed + 10 + i).requires_grad_(True) for i, shape in enumerate(shapes)]
    q, k, v = {"self": lambda: (xs[0], xs[0], xs[0]), "kv": lambda: (xs[0], xs[1], xs[1]), "separate": lambda: tuple(xs)}[form]()
    out, weights = module(q, k, v, attn_mask=mask)
    gy = data(list(out.shape), seed + 1000)
    (out * gy).sum().add(weights.sum() * 0).backward()
    ATTENTION.append({"name": name, "args": args, "seed": seed, "form": form, "repr": repr(module), "init": init,
                      "params": {k: spec(v) for k, v in module.named_parameters()},
                      "inputs": [spec(x) for x in xs], "mask": spec(mask) if mask is not None else None,
                      "output": spec(out), "weights": spec(weights), "grad_output": spec(gy),
                      "output_grad_fn": type(out.grad_fn).__name__, "weights_grad_fn": type(weights.grad_fn).__name__,
                      "input_grads": [spec(x.grad) for x in xs],
                      "param_grads": {k: spec(v.grad) for k, v in module.named_parameters()}})


attention_case("self_attention", {"embed": 8, "heads": 2}, 61, [[3, 2, 8]], "self")
attention_case("batch_first_kv_causal_mask", {"embed": 8, "heads": 4, "batch_first": True}, 62, [[2, 3, 8], [2, 4, 8]], "kv",
               mask=torch.triu(torch.full((3, 4), float("-inf")), diagonal=2))
attention_case("unbatched_separate", {"embed": 6, "heads": 3}, 63, [[4, 6], [5, 6], [5, 6]], "separate")

# Float64 functional cases: tight tolerance.
FUNCTIONAL = []


def functional_case(name, fn, inputs, args):
    xs = [x.clone().requires_grad_(x.dtype.is_floating_point) for x in inputs]
    y = fn(*xs)
    gy = data(list(y.shape), 7000 + len(FUNCTIONAL), y.dtype)
    y.backward(gy)
    FUNCTIONAL.append({"name": name, "args": args, "inputs": [spec(x) for x in xs], "output": spec(y),
                       "grad_fn": type(y.grad_fn).__name__, "grad_output": spec(gy),
                       "grads": [spec(x.grad) if x.grad is not None else None for x in xs]})


d = torch.float64
functional_case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1, groups=2),
                [data([2, 4, 5, 6], 81, d), data([6, 2, 3, 3], 82, d), data([6], 83, d)], {"stride": 2, "padding": 1, "groups": 2})
functional_case("conv1d", lambda x, w, b: F.conv1d(x, w, b, dilation=2), [data([2, 3, 8], 84, d), data([2, 3, 2], 85, d), data([2], 86, d)], {"dilation": 2})
functional_case("max_pool2d", lambda x: F.max_pool2d(x, 3, 2, 1), [data([2, 2, 5, 5], 87, d)], {"k": 3, "stride": 2, "padding": 1})
functional_case("avg_pool2d", lambda x: F.avg_pool2d(x, 2, 1, 1), [data([1, 2, 4, 5], 88, d)], {"k": 2, "stride": 1, "padding": 1})
functional_case("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2)), [data([2, 1, 7, 5], 89, d)], {"h": 3, "w": 2})
functional_case("layer_norm", lambda x, w, b: F.layer_norm(x, [4], w, b), [data([3, 4], 90, d), data([4], 91, d), data([4], 92, d)], {"shape": [4]})
functional_case("batch_norm_train", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                [data([4, 3, 5], 93, d), data([3], 94, d), data([3], 95, d)], {"training": True})
functional_case("embedding", lambda w: F.embedding(torch.tensor([[0, 2], [2, 2]]), w, padding_idx=0), [data([3, 2], 96, d)], {"padding": 0})


def message(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the message is the golden value
        return str(e)
    raise AssertionError("no error")


w = torch.randn(2, 1, 3, 3)
ERRORS = {
    "conv2d_rank": message(lambda: F.conv2d(torch.randn(5, 5), w)),
    "conv2d_channels": message(lambda: F.conv2d(torch.randn(1, 3, 5, 5), w)),
    "conv2d_groups_channels": message(lambda: F.conv2d(torch.randn(1, 4, 5, 5), torch.randn(2, 3, 3, 3), groups=2)),
    "conv2d_groups_weight": message(lambda: F.conv2d(torch.randn(1, 2, 4, 4), torch.randn(3, 1, 3, 3), groups=2)),
    "conv2d_kernel_too_large": message(lambda: F.conv2d(torch.randn(1, 1, 2, 2), w)),
    "conv2d_bias": message(lambda: F.conv2d(torch.randn(1, 1, 4, 4), w, torch.randn(3))),
    "conv2d_stride": message(lambda: F.conv2d(torch.randn(1, 1, 4, 4), w, stride=0)),
    "conv2d_dtype": message(lambda: F.conv2d(torch.randn(1, 1, 4, 4), w.double())),
    "conv1d_rank": message(lambda: F.conv1d(torch.randn(5), torch.randn(2, 1, 3))),
    "conv_groups_module": message(lambda: nn.Conv2d(3, 4, 3, groups=2)),
    "maxpool_rank": message(lambda: F.max_pool2d(torch.randn(5, 5), 2)),
    "maxpool_too_small": message(lambda: F.max_pool2d(torch.randn(1, 1, 2, 2), 3)),
    "maxpool_padding": message(lambda: F.max_pool2d(torch.randn(1, 1, 4, 4), 2, padding=2)),
    "avgpool_padding": message(lambda: F.avg_pool2d(torch.randn(1, 1, 4, 4), 2, padding=2)),
    "adaptive_rank": message(lambda: F.adaptive_avg_pool2d(torch.randn(5), 2)),
    "embedding_range": message(lambda: nn.Embedding(10, 3)(torch.tensor([10]))),
    "embedding_dtype": message(lambda: nn.Embedding(10, 3)(torch.tensor([1.0]))),
    "layernorm_shape": message(lambda: F.layer_norm(torch.randn(2, 3), [4])),
    "layernorm_weight": message(lambda: F.layer_norm(torch.randn(2, 3), [3], torch.randn(2))),
    "batchnorm2d_rank": message(lambda: nn.BatchNorm2d(3)(torch.randn(2, 3, 4))),
    "batchnorm1d_rank": message(lambda: nn.BatchNorm1d(3)(torch.randn(2, 3, 4, 4))),
    "batchnorm_one_value": message(lambda: nn.BatchNorm1d(3)(torch.randn(1, 3))),
    "batchnorm_channels": message(lambda: nn.BatchNorm2d(2)(torch.randn(2, 3, 2, 2))),
}

REPRS = {
    "Conv2d(1, 32, 3)": repr(nn.Conv2d(1, 32, 3)),
    "Conv2d(2, 4, (3, 2), stride (2, 2), padding (1, 1), dilation (2, 2), groups 2, no bias)":
        repr(nn.Conv2d(2, 4, (3, 2), stride=2, padding=1, dilation=2, groups=2, bias=False)),
    "Conv1d(2, 4, 3)": repr(nn.Conv1d(2, 4, 3)),
    "MaxPool2d(2)": repr(nn.MaxPool2d(2)),
    "AvgPool2d(3, 1, 1)": repr(nn.AvgPool2d(3, 1, 1)),
    "AdaptiveAvgPool2d(1)": repr(nn.AdaptiveAvgPool2d(1)),
    "AdaptiveAvgPool2d((2, 3))": repr(nn.AdaptiveAvgPool2d((2, 3))),
    "LayerNorm([4, 5])": repr(nn.LayerNorm([4, 5])),
    "LayerNorm(8, 1e-6, false)": repr(nn.LayerNorm(8, eps=1e-6, elementwise_affine=False)),
    "BatchNorm2d(16)": repr(nn.BatchNorm2d(16)),
    "BatchNorm1d(3, momentum null, no affine, no stats)": repr(nn.BatchNorm1d(3, momentum=None, affine=False, track_running_stats=False)),
    "Embedding(3, 4)": repr(nn.Embedding(3, 4)),
    "Embedding(10, 3, padding 1)": repr(nn.Embedding(10, 3, padding_idx=1)),
}

with open("Autograd.Tests/Golden/layers.json", "w") as f:
    json.dump({"modules": CASES, "attention": ATTENTION, "functional": FUNCTIONAL, "errors": ERRORS, "reprs": REPRS}, f)
