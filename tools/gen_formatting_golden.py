"""Golden values for Autograd.Tests/FormattingTests.cs from PyTorch 1.13: format(tensor, spec), torch.Size's text,
item()'s errors, tolist()'s nesting and in-place compound assignment (+= -= *= /=).

Run with the Debian PyTorch: /usr/bin/python3 tools/gen_formatting_golden.py
"""
import json
import math
import pathlib
import struct

import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64, "bool": torch.bool}


def bits(value, dtype):
    """The element's bit pattern as big-endian hex (8 digits for float32, 16 for float64 and int64)."""
    if dtype == "float32":
        return struct.pack(">f", value).hex()
    if dtype == "float64":
        return struct.pack(">d", value).hex()
    if dtype == "int64":
        return struct.pack(">q", value).hex()
    return "01" if value else "00"


def error_of(call):
    try:
        call()
    except Exception as e:  # noqa: BLE001 - the message is the golden value
        return {"type": type(e).__name__, "message": str(e)}
    raise AssertionError("expected an error")


# Python format spec and the .NET standard numeric format meant to print the same text.
FLOAT_SPECS = [(".4f", "F4"), (".0f", "F0"), (".2f", "F2"), (".10f", "F10"), (",.2f", "N2"), (",.0f", "N0")]
FLOAT_VALUES = [1.8978, -3.25, 0.125, 2.5, 3.5, 2.675, 0.0, -0.0, 1234567.891, 1e-7, 6.02e23, -1e30,
                math.nan, math.inf, -math.inf, 9.995, 0.30000000000000004]
formats = []
for dtype in ("float32", "float64"):
    for value in FLOAT_VALUES:
        t = torch.tensor(value, dtype=DTYPES[dtype])
        stored = t.item()
        for py_spec, net in FLOAT_SPECS:
            formats.append({"dtype": dtype, "hex": bits(stored, dtype), "spec": py_spec, "net": net,
                            "text": format(t, py_spec)})
for value in [0, 7, -42, 1234567, 9223372036854775807, -9223372036854775808]:
    t = torch.tensor(value, dtype=torch.int64)
    # Python formats an int with "f" through float; the C# side formats the long exactly, so those specs are
    # compared only where float holds the int exactly (|v| <= 2**53).
    specs = [("d", "D"), (",", "N0")] + ([(".2f", "F2"), (",.1f", "N1")] if abs(value) <= 2 ** 53 else [])
    for py_spec, net in specs:
        formats.append({"dtype": "int64", "hex": bits(value, "int64"), "spec": py_spec, "net": net,
                        "text": format(t, py_spec)})
for value in [True, False]:
    t = torch.tensor(value)
    for py_spec, net in [("d", "D"), (".1f", "F1")]:
        formats.append({"dtype": "bool", "hex": bits(value, "bool"), "spec": py_spec, "net": net,
                        "text": format(t, py_spec)})

format_errors = []
for shape in [[1], [2, 3], [0], [1, 1]]:
    error = error_of(lambda: format(torch.zeros(shape), ".4f"))
    format_errors.append({"shape": shape, **error})

sizes = [{"shape": shape, "text": str(torch.zeros(shape).shape), "numel": torch.zeros(shape).shape.numel()}
         for shape in [[], [4, 7], [0], [1], [2, 0, 3], [2, 3, 4, 5]]]

item_errors = []
for shape in [[6], [2, 3], [0], [3, 0]]:
    item_errors.append({"shape": shape, "as": "float", **error_of(lambda: torch.zeros(shape).item())})
for dtype in ("float32", "float64"):
    for value in [math.nan, math.inf, -math.inf]:
        item_errors.append({"shape": [], "dtype": dtype, "hex": bits(value, dtype), "as": "long",
                            **error_of(lambda: int(torch.tensor(value, dtype=DTYPES[dtype])))})

items = []
for value, dtype, shape in [(-2.7, "float32", []), (2.7, "float64", [1, 1]), (1e10, "float32", [1]),
                            (-7, "int64", [1, 1, 1]), (True, "bool", [])]:
    t = torch.tensor(value, dtype=DTYPES[dtype]).reshape(shape)
    items.append({"dtype": dtype, "shape": shape, "hex": bits(t.item(), dtype), "long": int(t),
                  "double_hex": bits(float(t), "float64"), "bool": bool(t)})

tolist = []
for shape, perm in [([2, 3, 4], None), ([2, 3, 4], [2, 0, 1]), ([3, 5], [1, 0]), ([2, 1, 2, 3], None)]:
    t = torch.arange(math.prod(shape), dtype=torch.int64).reshape(shape)
    if perm is not None:
        t = t.permute(perm)
    tolist.append({"shape": shape, "permute": perm, "result_shape": list(t.shape),
                   "flat": t.flatten().tolist(), "nested": t.tolist()})

# Compound assignment: what Python's in-place operators do to a graph.
compound = {}
x = torch.tensor([1.5, -2.0, 3.0], requires_grad=True)
y = x * 2
record = []
for op, rhs in [("+=", 1.0), ("-=", "x"), ("*=", "x"), ("/=", 4.0), ("*=", 3.0), ("/=", "x+1"), ("+=", "x"), ("-=", 0.5)]:
    other = x if rhs == "x" else (x + 1) if rhs == "x+1" else rhs
    if op == "+=":
        y += other
    elif op == "-=":
        y -= other
    elif op == "*=":
        y *= other
    else:
        y /= other
    record.append({"op": op, "rhs": rhs, "grad_fn": type(y.grad_fn).__name__, "version": y._version,
                   "values": y.detach().tolist()})
y.sum().backward()
compound["chain"] = {"x": [1.5, -2.0, 3.0], "steps": record, "x_grad": x.grad.tolist()}

p = torch.tensor([0.5, 1.0], requires_grad=True)
compound["leaf_error"] = error_of(lambda: p.__isub__(torch.ones(2)))
compound["leaf_scalar_error"] = error_of(lambda: p.__imul__(2.0))
compound["int_error"] = error_of(lambda: torch.arange(3).__iadd__(1.5))
compound["shape_error"] = error_of(lambda: torch.zeros(3).__iadd__(torch.ones(2, 3)))

out = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden" / "formatting.json"
out.write_text(json.dumps({"torch": torch.__version__, "formats": formats, "format_errors": format_errors,
                           "sizes": sizes, "item_errors": item_errors, "items": items, "tolist": tolist,
                           "compound": compound}, indent=1))
print(f"{out}: {len(formats)} formats, {len(item_errors)} item errors")
