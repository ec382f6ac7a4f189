#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/training.json and the .npy fixtures under Autograd.Tests/Golden/npy/.

Run with the Debian PyTorch 1.13 (/usr/bin/python3). Floats are stored as exact JSON numbers (a float32 widened to
float64 prints exactly), or as "nan"/"inf"/"-inf" strings.

- ops: one op applied to seeded inputs: its output, grad_fn name, and the inputs' gradients for an upstream
  gradient `upstream` (out.backward(upstream)). The C# test maps `op` to the same call.
- linear_init: torch.manual_seed(seed); nn.Linear(i, o, bias): the weight and bias (bit-exact).
- dropout: torch.manual_seed(seed); rand input; F.dropout(x, p): the output (bit-exact).
- optim: ten steps of an optimizer from the same start; step t's loss is (p * a_t).sum() so its gradient is a_t
  exactly; the parameters after every step (bit-exact).
- mlp: a Linear-ReLU-Linear model trained five steps with CrossEntropy and SGD with momentum; losses and parameters.
- npy: the fixtures np.save (or np.lib.format.write_array) wrote, with their dtype, shape and values.
"""
import json
import math
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden"
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}


def encode(values):
    out = []
    for v in values:
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            out.append("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
        else:
            out.append(v)
    return out


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "data": encode(t.flatten().tolist())}


# Each op: name -> (input specs, function). An input spec is (shape, dtype, kind, requires_grad); kind picks values.
def values(shape, dtype, kind):
    if dtype == "int64":
        return torch.randint(-3, 4, shape)
    x = torch.rand(shape, dtype=DTYPES[dtype])
    if kind == "signed":
        x = x * 4 - 2
    elif kind == "positive":
        x = x + 0.25
    elif kind == "ties":
        x = torch.floor(x * 3)
    return x


F32, F64 = "float32", "float64"
OPS = {
    "relu": ([((3, 5), F32, "signed", True)], lambda x: x.relu()),
    "relu_f64": ([((7,), F64, "signed", True)], lambda x: torch.relu(x)),
    "tanh": ([((4, 3), F32, "signed", True)], lambda x: x.tanh()),
    "tanh_f64": ([((6,), F64, "signed", True)], lambda x: x.tanh()),
    "sigmoid": ([((4, 3), F32, "signed", True)], lambda x: x.sigmoid()),
    "sigmoid_f64": ([((6,), F64, "signed", True)], lambda x: torch.sigmoid(x)),
    "sqrt": ([((2, 5), F32, "positive", True)], lambda x: x.sqrt()),
    "abs": ([((9,), F32, "signed", True)], lambda x: x.abs()),
    "pow_2": ([((3, 4), F32, "signed", True)], lambda x: x.pow(2)),
    "pow_3": ([((3, 4), F32, "signed", True)], lambda x: x.pow(3)),
    "pow_0.5": ([((5,), F32, "positive", True)], lambda x: x.pow(0.5)),
    "pow_-1": ([((5,), F32, "positive", True)], lambda x: x.pow(-1)),
    "pow_-2": ([((5,), F32, "positive", True)], lambda x: x.pow(-2)),
    "pow_-0.5": ([((5,), F32, "positive", True)], lambda x: x.pow(-0.5)),
    "pow_2.5": ([((5,), F64, "positive", True)], lambda x: x.pow(2.5)),
    "pow_0": ([((5,), F32, "signed", True)], lambda x: x.pow(0)),
    "pow_tensor": ([((2, 3), F64, "positive", True), ((3,), F64, "signed", True)], lambda x, e: x.pow(e)),
    "squeeze": ([((2, 1, 3, 1), F32, "signed", True)], lambda x: x.squeeze()),
    "squeeze_dim": ([((2, 1, 3), F32, "signed", True)], lambda x: x.squeeze(1)),
    "squeeze_dim_kept": ([((2, 1, 3), F32, "signed", True)], lambda x: x.squeeze(0)),
    "flatten": ([((2, 3, 4), F32, "signed", True)], lambda x: x.flatten()),
    "flatten_1": ([((2, 3, 4), F32, "signed", True)], lambda x: x.flatten(1)),
    "transpose": ([((2, 3, 4), F32, "signed", True)], lambda x: x.transpose(0, 2)),
    "t": ([((2, 3), F32, "signed", True)], lambda x: x.t()),
    "matmul_1d1d": ([((4,), F64, "signed", True), ((4,), F64, "signed", True)], torch.matmul),
    "matmul_2d1d": ([((3, 4), F64, "signed", True), ((4,), F64, "signed", True)], torch.matmul),
    "matmul_1d2d": ([((4,), F64, "signed", True), ((4, 2), F64, "signed", True)], torch.matmul),
    "matmul_2d2d": ([((3, 4), F64, "signed", True), ((4, 2), F64, "signed", True)], torch.matmul),
    "matmul_3d1d": ([((2, 3, 4), F64, "signed", True), ((4,), F64, "signed", True)], torch.matmul),
    "matmul_3d2d": ([((2, 3, 4), F64, "signed", True), ((4, 2), F64, "signed", True)], torch.matmul),
    "matmul_1d3d": ([((4,), F64, "signed", True), ((2, 4, 3), F64, "signed", True)], torch.matmul),
    "matmul_2d3d": ([((5, 4), F64, "signed", True), ((2, 4, 3), F64, "signed", True)], torch.matmul),
    "matmul_3d3d": ([((2, 3, 4), F64, "signed", True), ((2, 4, 5), F64, "signed", True)], torch.matmul),
    "matmul_broadcast": ([((2, 1, 3, 4), F64, "signed", True), ((5, 4, 2), F64, "signed", True)], torch.matmul),
    "matmul_4d4d": ([((2, 2, 3, 4), F64, "signed", True), ((2, 2, 4, 2), F64, "signed", True)], torch.matmul),
    "matmul_f32": ([((2, 3, 4), F32, "signed", True), ((4, 5), F32, "signed", True)], torch.matmul),
    "matmul_int": ([((2, 3), "int64", "", False), ((3,), "int64", "", False)], torch.matmul),
    "bmm": ([((2, 3, 4), F64, "signed", True), ((2, 4, 2), F64, "signed", True)], torch.bmm),
    "addmm": ([((3,), F64, "signed", True), ((4, 5), F64, "signed", True), ((5, 3), F64, "signed", True)], torch.addmm),
    "add_alpha": ([((3, 4), F32, "signed", True), ((4,), F32, "signed", True)], lambda a, b: torch.add(a, b, alpha=-0.37)),
    "sub_alpha": ([((3, 4), F32, "signed", True), ((3, 4), F32, "signed", True)], lambda a, b: torch.sub(a, b, alpha=2.5)),
    "addcmul": ([((3, 4), F32, "signed", True), ((3, 4), F32, "signed", True), ((4,), F32, "signed", True)],
                lambda s, a, b: torch.addcmul(s, a, b, value=0.7)),
    "addcdiv": ([((3, 4), F32, "signed", True), ((3, 4), F32, "signed", True), ((3, 4), F32, "positive", True)],
                lambda s, a, b: torch.addcdiv(s, a, b, value=-0.3)),
    "where": ([((3, 4), F32, "signed", False), ((3, 4), F32, "signed", True), ((4,), F32, "signed", True)],
              lambda c, a, b: torch.where(c > 0, a, b)),
    "eq": ([((3, 4), F32, "ties", False), ((4,), F32, "ties", False)], lambda a, b: a.eq(b)),
    "ne": ([((3, 4), F32, "ties", False), ((4,), F32, "ties", False)], lambda a, b: a.ne(b)),
    "lt": ([((3, 4), F32, "ties", False), ((4,), F32, "ties", False)], lambda a, b: a.lt(b)),
    "le": ([((3, 4), F32, "ties", False), ((4,), F32, "ties", False)], lambda a, b: a.le(b)),
    "gt": ([((3, 4), F32, "ties", False), ((4,), F32, "ties", False)], lambda a, b: a.gt(b)),
    "ge": ([((3, 4), F32, "ties", False), ((4,), F32, "ties", False)], lambda a, b: a.ge(b)),
    "gt_scalar": ([((3, 4), F32, "signed", False)], lambda a: a > 0.1),
    "argmax": ([((3, 4), F32, "ties", False)], lambda a: a.argmax()),
    "argmax_dim": ([((3, 4), F32, "ties", False)], lambda a: a.argmax(1)),
    "argmax_dim0_keep": ([((3, 4), F32, "ties", False)], lambda a: a.argmax(0, keepdim=True)),
    "float_of_long": ([((5,), "int64", "", False)], lambda a: a.float()),
}


def op_cases():
    cases = []
    for index, (name, (specs, fn)) in enumerate(OPS.items()):
        torch.manual_seed(100 + index)
        inputs = [values(shape, dtype, kind).requires_grad_(grad) for shape, dtype, kind, grad in specs]
        out = fn(*inputs)
        case = {"name": name, "inputs": [dict(tensor_json(t), requires_grad=t.requires_grad) for t in inputs],
                "output": tensor_json(out), "grad_fn": None if out.grad_fn is None else type(out.grad_fn).__name__}
        if out.requires_grad:
            upstream = torch.randn(out.shape, dtype=out.dtype)
            out.backward(upstream)
            case["upstream"] = tensor_json(upstream)
            case["grads"] = [None if t.grad is None else tensor_json(t.grad) for t in inputs]
        cases.append(case)
    return cases


def linear_init():
    cases = []
    for seed, fan_in, fan_out, bias in [(0, 4, 3, True), (1, 2, 64, True), (1234, 64, 3, True), (7, 5, 2, False), (3, 100, 10, True)]:
        torch.manual_seed(seed)
        layer = torch.nn.Linear(fan_in, fan_out, bias=bias)
        cases.append({"seed": seed, "in": fan_in, "out": fan_out, "bias": bias, "weight": tensor_json(layer.weight),
                      "bias_values": tensor_json(layer.bias) if bias else None})
    return cases


def dropout():
    cases = []
    for seed, shape, p, dtype in [(3, (20,), 0.3, F32), (5, (4, 6), 0.5, F32), (9, (3, 3), 0.8, F64)]:
        torch.manual_seed(seed)
        x = torch.rand(shape, dtype=DTYPES[dtype])
        y = F.dropout(x, p)
        cases.append({"seed": seed, "p": p, "input": tensor_json(x), "output": tensor_json(y)})
    return cases


OPTIMIZERS = {
    "sgd": lambda ps: torch.optim.SGD(ps, lr=0.1),
    "sgd_momentum": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9),
    "sgd_nesterov_decay": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, weight_decay=0.01, nesterov=True),
    "adam": lambda ps: torch.optim.Adam(ps),
    "adam_tuned": lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    "adam_f64": lambda ps: torch.optim.Adam(ps, lr=0.02),
}


def optim():
    cases = []
    for name, make in OPTIMIZERS.items():
        torch.manual_seed(42)
        dtype = torch.float64 if name.endswith("f64") else torch.float32
        params = [torch.randn(3, 4, dtype=dtype, requires_grad=True), torch.randn(5, dtype=dtype, requires_grad=True)]
        start = [tensor_json(p) for p in params]
        optimizer = make(params)
        steps = []
        for _ in range(10):
            coefficients = [torch.randn(p.shape, dtype=dtype) for p in params]
            optimizer.zero_grad()
            sum((p * a).sum() for p, a in zip(params, coefficients)).backward()
            optimizer.step()
            steps.append({"coefficients": [tensor_json(a) for a in coefficients], "params": [tensor_json(p) for p in params]})
        cases.append({"name": name, "start": start, "steps": steps})
    return cases


def mlp():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    x = torch.randn(16, 2)
    y = torch.randint(0, 3, (16,))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"x": tensor_json(x), "y": tensor_json(y), "losses": losses, "repr": repr(model),
            "names": [n for n, _ in model.named_parameters()], "params": [tensor_json(p) for p in model.parameters()]}


def npy():
    folder = ROOT / "npy"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    arrays = {
        "f32_2x3": rng.standard_normal((2, 3)).astype(np.float32),
        "f64_scalar": np.array(math.pi),
        "i64_1d": np.array([-5, 0, 7, 2**40, -(2**62)], dtype=np.int64),
        "f32_3d": rng.standard_normal((2, 3, 4)).astype(np.float32),
        "f64_empty": np.zeros((0, 3)),
        "f64_fortran": np.asfortranarray(rng.standard_normal((3, 4))),
        "f32_fortran_3d": np.asfortranarray(rng.standard_normal((2, 3, 2)).astype(np.float32)),
        "f8_bigendian": rng.standard_normal((2, 2)).astype(">f8"),
        "i64_v2": np.arange(6, dtype=np.int64).reshape(2, 3),
    }
    cases = []
    for name, array in arrays.items():
        path = folder / f"{name}.npy"
        if name.endswith("_v2"):
            with open(path, "wb") as f:
                np.lib.format.write_array(f, array, version=(2, 0))
        else:
            np.save(path, array)
        dtype = {"f": "float", "i": "int"}[array.dtype.kind] + str(array.dtype.itemsize * 8)
        cases.append({"file": f"{name}.npy", "dtype": dtype, "shape": list(array.shape),
                      "data": encode(np.ascontiguousarray(array).astype(array.dtype.newbyteorder("=")).flatten().tolist()),
                      "numpy_layout": not array.dtype.byteorder == ">" and not name.endswith(("_v2", "fortran", "fortran_3d"))})
    return cases


def main():
    golden = {"ops": op_cases(), "linear_init": linear_init(), "dropout": dropout(), "optim": optim(), "mlp": mlp(), "npy": npy()}
    (ROOT / "training.json").write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
