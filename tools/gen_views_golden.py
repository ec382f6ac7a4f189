#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/views.json: PyTorch 1.13's view ops, their geometry, write-through and gradients.

Each case starts from x = torch.arange(n, dtype=float64).reshape(shape) * 0.5 + 1 (requires grad), y = x * 1 (a
non-leaf base), and applies a chain of steps to y. It records the result's values, sizes, strides, storage offset,
is_contiguous and grad_fn name; then the gradient of sum(result * w) with respect to x, where w = arange(numel) + 1 in
the result's shape. A write case then multiplies the result in place by 3 (under autograd), and records the base's
values, its grad_fn and version, the view's grad_fn, and the gradient of sum(base * base) with respect to x.
Error cases record the message of a failing step. Run: /usr/bin/python3 tools/gen_views_golden.py
"""
import json
import pathlib

import torch

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden" / "views.json"


def apply(t, step):
    op, args = step[0], step[1:]
    if op == "view": return t.view(*args)
    if op == "reshape": return t.reshape(*args)
    if op == "transpose": return t.transpose(*args)
    if op == "t": return t.t()
    if op == "permute": return t.permute(*args)
    if op == "movedim": return t.movedim(*args)
    if op == "expand": return t.expand(*args)
    if op == "narrow": return t.narrow(*args)
    if op == "select": return t.select(*args)
    if op == "diagonal": return t.diagonal(*args)
    if op == "unfold": return t.unfold(*args)
    if op == "as_strided": return t.as_strided(args[0], args[1], args[2])
    if op == "unsqueeze": return t.unsqueeze(*args)
    if op == "squeeze": return t.squeeze(*args)
    if op == "flatten": return t.flatten(*args)
    if op == "unflatten": return t.unflatten(args[0], tuple(args[1]))
    if op == "split": return t.split(args[0], args[1])[args[2]]
    if op == "split_sizes": return t.split(args[0], args[1])[args[2]]
    if op == "chunk": return t.chunk(args[0], args[1])[args[2]]
    if op == "unbind": return t.unbind(args[0])[args[1]]
    if op == "contiguous": return t.contiguous()
    if op == "ravel": return t.ravel()
    raise ValueError(op)


def values(t):
    return t.detach().reshape(-1).tolist()


CASES = [
    ([2, 3], [["t"]]),
    ([2, 3], [["t"], ["view", 1, 3, 2]]),
    ([2, 3], [["t"], ["unsqueeze", 0]]),
    ([2, 3], [["t"], ["reshape", 6]]),
    ([2, 3], [["t"], ["contiguous"]]),
    ([2, 3], [["t"], ["ravel"]]),
    ([2, 3, 4], [["transpose", 0, 2]]),
    ([2, 3, 4], [["transpose", 0, 2], ["reshape", 4, 6]]),
    ([2, 3, 4], [["transpose", 1, 2], ["reshape", 2, 12]]),
    ([2, 3, 4], [["permute", 2, 0, 1]]),
    ([2, 3, 4], [["permute", 2, 0, 1], ["flatten", 1]]),
    ([2, 3, 4], [["movedim", 0, 2]]),
    ([2, 3, 4], [["view", 6, 4]]),
    ([2, 3, 4], [["view", -1]]),
    ([2, 3, 4], [["narrow", 1, 1, 2]]),
    ([2, 3, 4], [["narrow", 1, 1, 2], ["reshape", 2, 8]]),
    ([2, 3, 4], [["narrow", 2, 1, 2], ["view", 2, 3, 2, 1]]),
    ([2, 3, 4], [["narrow", 0, 1, 1], ["view", 12]]),
    ([2, 3, 4], [["select", 1, 2]]),
    ([2, 3, 4], [["select", -1, 0]]),
    ([3, 4], [["diagonal"]]),
    ([3, 4], [["diagonal", 1]]),
    ([3, 4], [["diagonal", -1]]),
    ([2, 3, 4], [["diagonal", 0, 1, 2]]),
    ([2, 3, 3], [["diagonal", 1, -1, -2]]),
    ([7], [["unfold", 0, 3, 2]]),
    ([2, 5], [["unfold", 1, 2, 1]]),
    ([12], [["as_strided", [3, 3], [2, 1], 1]]),
    ([3, 1], [["expand", 3, 4]]),
    ([3, 1], [["expand", 2, 3, 4]]),
    ([3, 1], [["expand", -1, 2]]),
    ([1, 3, 1], [["squeeze"]]),
    ([1, 3, 1], [["squeeze", 2]]),
    ([2, 6], [["unflatten", 1, [2, 3]]]),
    ([5, 2], [["split", 2, 0, 2]]),
    ([5, 2], [["split_sizes", [1, 4], 0, 1]]),
    ([5, 2], [["chunk", 2, 0, 1]]),
    ([2, 3], [["unbind", 1, 2]]),
    ([4, 4], [["t"], ["narrow", 0, 1, 2], ["select", 1, 3]]),
    ([4, 4], [["narrow", 1, 1, 3], ["t"], ["diagonal"]]),
]

ERRORS = [
    ([2, 3], [["t"], ["view", 6]]),
    ([2, 3], [["expand", 3, 3]]),
    ([2, 3], [["expand", 3]]),
    ([2, 3], [["narrow", 1, 2, 2]]),
    ([2, 3], [["select", 0, 2]]),
    ([2, 3], [["diagonal", 0, 1, 1]]),
    ([2, 3], [["permute", 0]]),
    ([2, 3], [["permute", 0, 0]]),
    ([2, 3], [["unfold", 1, 4, 1]]),
    ([2, 3], [["view", 4]]),
    ([2, 3], [["view", -1, -1]]),
    ([5, 2], [["split_sizes", [1, 2], 0, 0]]),
    ([5, 2], [["chunk", 0, 0, 0]]),
]


def case(shape, steps):
    n = 1
    for s in shape: n *= s
    x = (torch.arange(n, dtype=torch.float64).reshape(shape) * 0.5 + 1).requires_grad_()
    y = x * 1
    r = y
    for step in steps: r = apply(r, step)
    w = torch.arange(r.numel(), dtype=torch.float64).reshape(r.shape) + 1
    gx, = torch.autograd.grad((r * w).sum(), x)
    out = {"shape": shape, "steps": steps, "values": values(r), "size": list(r.shape), "stride": list(r.stride()),
           "offset": r.storage_offset(), "contiguous": r.is_contiguous(), "grad_fn": type(r.grad_fn).__name__,
           "grad": values(gx)}
    multi = steps[-1][0] in ("split", "split_sizes", "chunk", "unbind")
    if not multi and steps[-1][0] not in ("expand", "unfold", "as_strided") and r.storage().data_ptr() == y.storage().data_ptr():
        x2 = x.detach().clone().requires_grad_()
        y2 = x2 * 1
        r2 = y2
        for step in steps: r2 = apply(r2, step)
        r2.mul_(3)
        g2, = torch.autograd.grad((y2 * y2).sum(), x2)
        out["write"] = {"base": values(y2), "base_grad_fn": type(y2.grad_fn).__name__, "version": y2._version,
                        "view_grad_fn": type(r2.grad_fn).__name__, "grad": values(g2)}
    return out


def error(shape, steps):
    n = 1
    for s in shape: n *= s
    r = torch.arange(n, dtype=torch.float32).reshape(shape)
    try:
        for step in steps: r = apply(r, step)
    except (RuntimeError, IndexError, ValueError) as e:
        return {"shape": shape, "steps": steps, "message": str(e).split("\n")[0]}
    raise AssertionError(f"no error for {steps}")


def main():
    data = {"cases": [case(s, st) for s, st in CASES], "errors": [error(s, st) for s, st in ERRORS]}
    OUTPUT.write_text(json.dumps(data, indent=1))


if __name__ == "__main__":
    main()
