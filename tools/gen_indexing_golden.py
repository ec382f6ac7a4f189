#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/indexing.json: PyTorch 1.13's x[...] getter and setter and the index ops.

An index is a list of entries: {"i": n} an integer, {"s": [start, stop, step]} a slice (nulls omitted), {"e": 1} the
Ellipsis, {"n": 1} None, {"t": values, "shape": shape, "bool": b} an int64 index tensor or a bool mask.
Getter cases index y = x * 1, where x = arange(n, float64).reshape(shape) * 0.5 + 1 requires grad; they record the
result's values, shape, grad_fn, whether it is a view (then its strides and offset), and the gradient of
sum(result * w) with respect to x, w = arange(numel) + 1. A view case also multiplies the view in place by 3 and
records y (write-through). Setter cases run h = x * 2; h[index] = value inside the graph and record h, its grad_fn
and version, and the gradients of sum(h * h) with respect to x (and the value when it requires grad); they also set
into plain tensors of each dtype. Error cases record PyTorch's exception type and message.
Run: /usr/bin/python3 tools/gen_indexing_golden.py
"""
import json
import math
import pathlib

import torch

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden" / "indexing.json"


def I(n): return {"i": n}
def S(start=None, stop=None, step=None): return {"s": [start, stop, step]}
E = {"e": 1}
N = {"n": 1}
def T(values, shape=None): return {"t": values, "shape": shape if shape is not None else [len(values)], "bool": False}
def M(values, shape=None): return {"t": values, "shape": shape if shape is not None else [len(values)], "bool": True}


def entry(e):
    if "i" in e: return e["i"]
    if "s" in e: return slice(*e["s"])
    if "e" in e: return Ellipsis
    if "n" in e: return None
    return torch.tensor(e["t"], dtype=torch.bool if e["bool"] else torch.long).reshape(e["shape"])


def index(spec):
    """A single entry is passed alone, as x[i] (not x[(i,)]): Python takes other paths for it, as C#'s x[i] should."""
    return entry(spec[0]) if len(spec) == 1 else tuple(entry(e) for e in spec)


def flat(t): return t.detach().reshape(-1).tolist()


def name(t): return type(t.grad_fn).__name__ if t.grad_fn is not None else None


def numel(shape):
    n = 1
    for s in shape: n *= s
    return n


def base(shape, scale=0.5):
    x = (torch.arange(numel(shape), dtype=torch.float64).reshape(shape) * scale + 1).requires_grad_()
    return x


GETS = [
    ([2, 3, 4], [I(1)]), ([2, 3, 4], [I(-1)]), ([2, 3, 4], [S()]), ([2, 3, 4], [E]), ([2, 3, 4], []), ([2, 3, 4], [N]),
    ([2, 3, 4], [S(), I(0)]), ([2, 3, 4], [E, I(0)]), ([2, 3, 4], [I(0), S(), S(None, None, 2)]), ([2, 3, 4], [S(), S()]),
    ([2, 3, 4], [S(1)]), ([2, 3, 4], [S(-5)]), ([2, 3, 4], [S(0, 2)]), ([2, 3, 4], [S(), S(1, 2)]), ([2, 3, 4], [S(1, 1)]),
    ([2, 3, 4], [S(2, 1)]), ([2, 3, 4], [S(5)]), ([2, 3, 4], [S(), S(-10, 2)]), ([2, 3, 4], [S(), S(), S(1, None, 2)]),
    ([2, 3, 4], [S(), S(), S(0, 3, 2)]), ([2, 3, 4], [S(), S(), S(-1)]), ([2, 3, 4], [S(None, -1), I(-2), S(1, -1)]),
    ([2, 3, 4], [N, N, E, N]), ([2, 3, 4], [E, I(0), E]), ([2, 3, 4], [E, E]), ([2, 3, 4], [S(None, None, 2), S(1), E]),
    ([2, 3, 4], [I(1), N, S(None, None, 3)]), ([5], [S(-2)]), ([5], [S(None, -2)]), ([5], [S(1, 4, 2)]), ([3], [S(-5)]),
    ([], [E]), ([], []), ([], [N]),
    # advanced
    ([2, 3, 4], [T([0, 1])]), ([2, 3, 4], [S(), T([0, 2])]), ([2, 3, 4], [T([0, 1]), S(), T([0, 2])]),
    ([2, 3, 4], [S(), T([0, 1]), T([0, 2])]), ([2, 3, 4], [I(0), S(), T([0, 2])]), ([2, 3, 4], [T([0]), I(0), T([0, 2])]),
    ([2, 3, 4], [N, T([0, 1]), N, T([1, 2])]), ([2, 3, 4], [T([0, 1]), T([1, 2])]), ([2, 3, 4], [T([0, 1, 1], [3])]),
    ([2, 3, 4], [T([0, 1, 1, 1], [2, 2])]), ([2, 3, 4], [S(), T([0, 1, 2, 1], [2, 2]), I(0)]),
    ([2, 3, 4], [I(0), S(), T([2], [1, 1])]), ([2, 3, 4], [T([1]), S(), T([0, 1], [2, 1])]),
    ([2, 3, 4], [T([1]), S(1), T([0, 1], [2, 1])]), ([2, 3, 4], [S(1), T([1, 2]), T([0, 1], [2, 1])]),
    ([2, 3, 4], [T([], [0])]), ([2, 3, 4], [T([-1])]), ([2, 3, 4], [T([-1, 0, -2], [3]), E, T([3, -4, 0], [3])]),
    ([2, 3, 4], [T(1, [])]), ([2, 3, 4], [S(), T(-1, [])]), ([2, 3, 4], [M(True, [])]), ([2, 3, 4], [M(False, [])]),
    ([2, 3, 4], [I(0), M(True, [])]), ([2, 3, 4], [E, M(False, [])]), ([2, 3, 4], [M(True, []), I(1)]),
    ([2, 3, 4], [M(True, []), T([0, 1])]), ([], [M(True, [])]),
    ([2, 3, 4], [M([True, False, True, False, True, True], [2, 3])]), ([2, 3, 4], [I(0), M([True, False, True])]),
    ([2, 3, 4], [S(), M([True, False, True]), I(1)]), ([2, 3, 4], [M([False, True])]), ([2, 3, 4], [E, M([True, False, True, True])]),
    ([2, 3, 4], [M([True] * 24, [2, 3, 4])]), ([2, 3, 4], [M([False] * 24, [2, 3, 4])]),
    ([4, 3], [T([0, 0, 3, 0]), S(None, None, 2)]), ([4, 3], [T([1, 1]), T([2, 2])]), ([5], [T([4, 4, 0, 4])]),
]

GET_ERRORS = [
    ([2, 3, 4], [I(2)]), ([2, 3, 4], [I(-3)]), ([2, 3, 4], [S(), I(5)]), ([2, 3, 4], [N, I(5)]), ([2, 3, 4], [N, S(), I(5)]),
    ([2, 3, 4], [E, I(5)]), ([2, 3, 4], [I(0), I(5)]), ([2, 3, 4], [I(0), I(0), I(0), I(0)]), ([2, 3, 4], [S(), S(), S(), S()]),
    ([2, 3, 4], [T(5, [])]), ([2, 3, 4], [S(), T(5, [])]), ([2, 3, 4], [T([5])]), ([2, 3, 4], [T([-3])]),
    ([2, 3, 4], [S(), T([0, 5])]), ([2, 3, 4], [T([0, 1]), T([0, 7])]), ([2, 3, 4], [T([0, 1]), T([0, 1, 2])]),
    ([2, 3, 4], [M([True, False, True])]), ([2, 3, 4], [M([True, False, True], [1, 3])]),
    ([2, 3, 4], [E, M([True, False, True])]), ([2, 3, 4], [M([True, False, True, False, True, True], [2, 3]), I(0)]),
    ([2, 3, 4], [M([True, False, True, False, True, True], [2, 3]), S(1, 3)]),
    ([], [I(0)]), ([], [I(1)]), ([], [I(-1)]), ([], [S()]), ([], [I(0), I(0)]), ([], [N, I(0)]), ([], [T(0, [])]), ([], [T([0])]),
]

# (shape, index, value): value is a number or {"t": values, "shape": shape, "dtype": "float64", "grad": bool}
def V(values, shape=None, dtype="float64", grad=False):
    return {"t": values, "shape": shape if shape is not None else [len(values)], "dtype": dtype, "grad": grad}


SETS = [
    ([3, 4], [I(0)], 0.0), ([3, 4], [S(), I(0)], 0.0), ([3, 4], [I(0)], V([1, 2, 3, 4], grad=True)),
    ([3, 4], [I(0)], V([1, 2, 3, 4], [1, 4])), ([3, 4], [S(), I(0)], V([1, 2, 3], [1, 1, 3], grad=True)),
    ([3, 4], [S(1, 3)], V([7, 8, 9, 10], [4], grad=True)), ([3, 4], [S(None, None, 2), S(1)], 5.5),
    ([3, 4], [E], 2.0), ([3, 4], [E], V([1, 2, 3, 4], grad=True)), ([3, 4], [E], V(3.0, [], grad=True)), ([3, 4], [N], V([1, 2, 3, 4])),
    ([3, 4], [I(-1), S(-2)], V([5, 6], [2], "float32")), ([3, 4], [I(1)], V(2.5, [], grad=True)),
    ([3, 4], [T([0, 2])], 1.5), ([3, 4], [T([0, 2]), I(1)], V([10, 20], grad=True)), ([3, 4], [I(1), T([0, 2])], V([10, 20], grad=True)),
    ([3, 4], [T([0, 1])], V([1, 2, 3, 4], [1, 1, 4], grad=True)), ([3, 4], [T([0, 0]), T([1, 1])], V([1, 2])),
    ([3, 4], [S(1, 3), T([0, 2])], V([7, 8], [2, 1], grad=True)), ([3, 4], [M([True, False, True, False] * 3, [3, 4])], float("-inf")),
    ([3, 4], [M([True, False, True, False] * 3, [3, 4])], V([0, 1, 2, 3, 4, 5], grad=True)), ([3, 4], [S(), M([False, True, True, False])], V([9], grad=True)),
    ([3, 4], [T([2, 0, 2])], V([1, 2, 3, 4], grad=True)), ([2, 3, 4], [T([1]), S(), T([0, 1], [2, 1])], V([5, 6, 7], [3], grad=True)),
    ([3, 4], [T(1, [])], 4.0), ([3, 4], [M(True, [])], V([1, 2, 3, 4])),
]

SET_DTYPES = [
    ("float32", [I(0)], 0.1), ("float64", [I(0)], 0.1), ("int64", [I(0)], 2.7), ("int64", [T([0])], 2.7),
    ("int64", [I(0)], V(2.7, [], "float32")), ("float32", [I(0)], V([0.1, 0.2, 0.3, 0.4], [4], "float64")),
    ("float32", [M([True, False, True, False] * 3, [3, 4])], float("-inf")), ("int64", [S(), I(1)], V([7, 8, 9], [3], "int64")),
    ("bool", [I(1)], 1.0), ("float64", [T([0, 2]), T([1, 3])], -0.5),
]

SET_ERRORS = [
    ([3, 4], [I(0)], V([1, 1, 1, 1, 1, 1, 1, 1], [2, 4])), ([3, 4], [I(0)], V([1, 1, 1], [3])),
    ([3, 4], [T([0, 1])], V([1, 1, 1], [3])), ([3, 4], [T([0, 1])], V([1] * 16, [2, 2, 4])),
    ([3, 4], [T([0, 1])], V([1] * 4, [4], "float32")), ([3, 4], [M([True, False, True, False] * 3, [3, 4])], V([1] * 5, [5])),
    ([3, 4], [I(5)], 1.0), ([3, 4], [T([5])], 1.0),
]


def value_of(v, like_dtype):
    if not isinstance(v, dict): return v
    dtype = getattr(torch, v["dtype"])
    t = torch.tensor(v["t"], dtype=dtype).reshape(v["shape"])
    return t.requires_grad_() if v["grad"] else t


def get_case(shape, spec):
    x = base(shape)
    y = x * 1
    r = y[index(spec)]
    w = torch.arange(r.numel(), dtype=torch.float64).reshape(r.shape) + 1
    gx, = torch.autograd.grad((r * w).sum(), x)
    view = r._base is not None
    out = {"shape": shape, "index": spec, "values": flat(r), "size": list(r.shape), "grad_fn": name(r), "view": view,
           "grad": flat(gx)}
    if view:
        out["stride"] = list(r.stride())
        out["offset"] = r.storage_offset()
        x2 = base(shape)
        y2 = x2 * 1
        r2 = y2[index(spec)]
        r2.mul_(3)
        g2, = torch.autograd.grad((y2 * y2).sum(), x2)
        out["write"] = {"base": flat(y2), "base_grad_fn": name(y2), "grad": flat(g2)}
    return out


def set_case(shape, spec, v):
    x = base(shape)
    h = x * 2
    value = value_of(v, torch.float64)
    h[index(spec)] = value
    inputs = [x] + ([value] if isinstance(value, torch.Tensor) and value.requires_grad else [])
    grads = torch.autograd.grad((h * h).sum(), inputs)
    return {"shape": shape, "index": spec, "value": v, "result": flat(h), "grad_fn": name(h), "version": h._version,
            "grads": [flat(g) for g in grads]}


def set_dtype_case(dtype, spec, v):
    t = torch.arange(12, dtype=torch.float64).reshape(3, 4).to(getattr(torch, dtype))
    t[index(spec)] = value_of(v, t.dtype)
    return {"dtype": dtype, "index": spec, "value": v, "result": [float(e) for e in flat(t)]}


def error(shape, spec, v=None):
    t = torch.arange(numel(shape), dtype=torch.float64).reshape(shape)
    try:
        if v is None: t[index(spec)]
        else: t[index(spec)] = value_of(v, t.dtype)
    except (RuntimeError, IndexError, ValueError) as e:
        return {"shape": shape, "index": spec, "value": v, "type": type(e).__name__, "message": str(e).split("\n")[0]}
    raise AssertionError(f"no error for {spec}")


def leaf_errors():
    out = []
    for spec, v in [([I(0)], 1.0), ([T([0])], 1.0), ([E], 1.0), ([M([True, False, True])], 1.0), ([T([0]), E], 1.0),
                    ([E, S(1)], 1.0), ([S(), E], 1.0), ([], 1.0)]:
        x = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        try:
            x[index(spec)] = v
        except RuntimeError as e:
            out.append({"index": spec, "message": str(e)})
    return out


# Index ops: (op, shape, args); the input is base(shape) (float64, requires grad) unless noted.
def L(values): return {"long": values}
def B(values, shape): return {"bool": values, "shape": shape}
def F(values, shape): return {"float": values, "shape": shape}


def arg(a):
    if isinstance(a, dict) and "long" in a: return torch.tensor(a["long"], dtype=torch.long)
    if isinstance(a, dict) and "bool" in a: return torch.tensor(a["bool"], dtype=torch.bool).reshape(a["shape"])
    if isinstance(a, dict) and "float" in a:
        return (torch.tensor(a["float"], dtype=torch.float64).reshape(a["shape"])).requires_grad_()
    if isinstance(a, list) and a and isinstance(a[0], dict): return tuple(arg(e) for e in a)
    return a


OPS = [
    ("index_select", [3, 4], [1, L([2, 0, 2])]), ("index_select", [3, 4], [0, L([1])]), ("index_select", [3, 4], [-1, L(3)]),
    ("index_select", [3, 4], [0, L([])]), ("index_select", [5], [0, L([4, 4, 0])]),
    ("index_add", [3, 4], [1, L([2, 0, 2]), F([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3])]),
    ("index_add", [3, 4], [0, L([1, 1]), F([1, 2, 3, 4, 5, 6, 7, 8], [2, 4])]),
    ("index_add", [4], [0, L(3), F([5], [])]),
    ("index_put", [3, 4], [[L([0, 2])], F([1, 2, 3, 4], [4]), False]), ("index_put", [3, 4], [[L([0, 0]), L([1, 1])], F([1, 2], [2]), True]),
    ("index_put", [3, 4], [[L([0, 0]), L([1, 1])], F([1, 2], [2]), False]), ("index_put", [3, 4], [[B([True, False, True], [3])], F([7], []), True]),
    ("index_put", [3, 4], [[B([True, False, True, False] * 3, [3, 4])], F([1, 2, 3, 4, 5, 6], [6]), False]),
    ("index_put", [2, 3, 4], [[L([1, 0]), L([[2], [1]])], F([1, 2, 3, 4], [4]), True]),
    ("masked_fill", [3, 4], [B([True, False, True, False], [4]), -1.5]), ("masked_fill", [4], [B([True, False], [2, 1]), 2.0]),
    ("masked_fill", [2, 1], [B([True, False, False, True], [2, 2]), 0.25]),
    ("masked_fill_", [3, 4], [B([True, False, True], [3, 1]), 9.0]),
    ("masked_select", [3, 4], [B([True, False, True, False], [4])]), ("masked_select", [4], [B([True, False, True], [3, 1])]),
    ("masked_select", [2, 3], [B([False] * 6, [2, 3])]),
]

OP_ERRORS = [
    ("index_select", [3, 4], [1, L([[1]])]), ("index_select", [3, 4], [1, F([1], [1])]), ("index_select", [3, 4], [1, L([4])]),
    ("index_select", [3, 4], [1, L([-1])]), ("index_select", [3, 4], [2, L([0])]), ("index_select", [], [0, L([1])]),
    ("index_add", [3, 4], [1, L([2, 0, 2]), F([1] * 6, [3, 2])]), ("index_add", [3, 4], [1, L([4, 0, 0]), F([1] * 9, [3, 3])]),
    ("index_add", [3, 4], [1, L([[1]]), F([1] * 9, [3, 3])]), ("index_add", [3, 4], [1, L([1, 2]), F([1] * 9, [3, 3])]),
    ("index_add", [3, 4], [1, L([2, 0, 2]), F([1] * 9, [3, 3, 1])]), ("index_add", [3], [0, L([-1]), F([1], [1])]),
    ("index_put", [3, 4], [[L([0, 0]), L([1, 1]), L([1]), L([1])], F([1, 2], [2]), False]),
    ("index_put", [3, 4], [[F([1], [1])], F([2], []), False]), ("index_put", [3, 4], [[L([1]), L([4])], F([2], []), False]),
    ("index_put", [3, 4], [[L([0, 1])], F([1, 2, 3], [3]), False]),
    ("masked_fill", [3, 4], [B([True, False, True], [3]), 1.0]), ("masked_fill_", [4], [B([True, False], [2, 1]), 1.0]),
    ("masked_select", [3, 4], [B([True, False, True], [3])]), ("masked_select", [3, 4], [L([1, 0, 1, 0])]),
]


def run_op(op, x, args):
    if op == "index_put": return x.index_put(args[0], args[1], accumulate=args[2])
    if op == "masked_fill_": return (x * 1).masked_fill_(*args)
    return getattr(x, op)(*args)


def op_case(op, shape, raw):
    x = base(shape)
    args = [arg(a) for a in raw]
    r = run_op(op, x, args)
    sources = [x] + [a for a in args if isinstance(a, torch.Tensor) and a.requires_grad]
    w = torch.arange(r.numel(), dtype=torch.float64).reshape(r.shape) + 1
    grads = torch.autograd.grad((r * w).sum(), sources, allow_unused=True)
    return {"op": op, "shape": shape, "args": raw, "values": flat(r), "size": list(r.shape), "grad_fn": name(r),
            "grads": [flat(g) if g is not None else None for g in grads]}


def op_error(op, shape, raw):
    x = torch.arange(numel(shape), dtype=torch.float64).reshape(shape)
    try:
        run_op(op, x, [arg(a) for a in raw])
    except (RuntimeError, IndexError) as e:
        return {"op": op, "shape": shape, "args": raw, "type": type(e).__name__, "message": str(e).split("\n")[0]}
    raise AssertionError(f"no error for {op} {raw}")


def nonzero_cases():
    out = []
    for dtype, values, shape in [("float64", [0, 1.5, 0, float("nan"), -0.0, 2], [2, 3]), ("int64", [0, 3, 0, 1], [4]),
                                 ("bool", [True, False, True, True], [2, 2]), ("float32", [3], []), ("float32", [0], []),
                                 ("float32", [], [0, 2])]:
        t = torch.tensor(values, dtype=getattr(torch, dtype)).reshape(shape)
        r = t.nonzero()
        out.append({"dtype": dtype, "values": [float(v) for v in values], "shape": shape, "result": flat(r), "size": list(r.shape)})
    return out


def finite(o):
    """JSON has no infinities or NaN: they are written as the strings "inf", "-inf" and "nan"."""
    if isinstance(o, float) and not math.isfinite(o): return "nan" if math.isnan(o) else ("inf" if o > 0 else "-inf")
    if isinstance(o, list): return [finite(e) for e in o]
    if isinstance(o, dict): return {k: finite(v) for k, v in o.items()}
    return o


def main():
    data = {
        "gets": [get_case(s, i) for s, i in GETS],
        "get_errors": [error(s, i) for s, i in GET_ERRORS],
        "sets": [set_case(s, i, v) for s, i, v in SETS],
        "set_dtypes": [set_dtype_case(d, i, v) for d, i, v in SET_DTYPES],
        "set_errors": [error(s, i, v) for s, i, v in SET_ERRORS],
        "leaf_errors": leaf_errors(),
        "ops": [op_case(*c) for c in OPS],
        "op_errors": [op_error(*c) for c in OP_ERRORS],
        "nonzero": nonzero_cases(),
    }
    text = json.dumps(finite(data), indent=None, allow_nan=False)
    OUTPUT.write_text(text.replace("}, {", "},\n{"))


if __name__ == "__main__":
    main()
