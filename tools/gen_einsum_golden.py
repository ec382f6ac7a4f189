#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/einsum.json: torch.einsum's values and gradients (float64) for a set of equations,
and its messages for bad equations. Operand k is torch.rand(shape, dtype=float64) drawn after torch.manual_seed(k + 1);
the gradient of sum(result * w), w = arange(numel) + 1 in the result's shape, is recorded for every operand.
Run: /usr/bin/python3 tools/gen_einsum_golden.py
"""
import json
import pathlib

import torch

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden" / "einsum.json"

CASES = [
    ("ij,jk->ik", [[2, 3], [3, 4]]),
    ("ij,jk", [[2, 3], [3, 4]]),
    ("bij,bjk->bik", [[2, 2, 3], [2, 3, 4]]),
    ("ii->i", [[3, 3]]),
    ("ii", [[3, 3]]),
    ("ij->ji", [[2, 3]]),
    ("ij->", [[2, 3]]),
    ("i,i->", [[4], [4]]),
    ("i,j->ij", [[3], [2]]),
    ("ij,ij->ij", [[2, 3], [2, 3]]),
    ("...ij,...jk->...ik", [[2, 1, 2, 3], [3, 3, 4]]),
    ("bhqd,bhkd->bhqk", [[2, 2, 3, 4], [2, 2, 5, 4]]),
    ("ijk,ikl,ilm->ijm", [[2, 2, 3], [2, 3, 2], [2, 2, 3]]),
    ("iij->j", [[2, 2, 3]]),
    ("i...->...", [[2, 3, 4]]),
    ("ab,bc,cd->", [[2, 3], [3, 4], [4, 2]]),
    ("b i d, b j d -> b i j", [[2, 3, 4], [2, 5, 4]]),
    ("ij,kj->ik", [[2, 3], [4, 3]]),
    ("i,ij->j", [[3], [3, 2]]),
    ("Ab,bA->A", [[2, 3], [3, 2]]),
]

ERRORS = [
    ("ij,jk->ik", [[2, 3]]),
    ("ij->ik", [[2, 3]]),
    ("ijk", [[2, 3]]),
    ("ii", [[2, 3]]),
    ("i.j", [[2, 3]]),
]


def operands(shapes):
    result = []
    for k, shape in enumerate(shapes):
        torch.manual_seed(k + 1)
        result.append(torch.rand(shape, dtype=torch.float64).requires_grad_())
    return result


def main():
    cases = []
    for equation, shapes in CASES:
        ops = operands(shapes)
        r = torch.einsum(equation, *ops)
        w = torch.arange(r.numel(), dtype=torch.float64).reshape(r.shape) + 1
        grads = torch.autograd.grad((r * w).sum(), ops)
        cases.append({"equation": equation, "shapes": shapes, "size": list(r.shape), "values": r.detach().reshape(-1).tolist(),
                      "grads": [g.reshape(-1).tolist() for g in grads]})
    errors = []
    for equation, shapes in ERRORS:
        try:
            torch.einsum(equation, *operands(shapes))
            raise AssertionError(equation)
        except RuntimeError as e:
            errors.append({"equation": equation, "shapes": shapes, "message": str(e).split("\n")[0]})
    OUTPUT.write_text(json.dumps({"cases": cases, "errors": errors}, indent=1))


if __name__ == "__main__":
    main()
