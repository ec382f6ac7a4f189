#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/function.json: custom torch.autograd.Function behaviour in PyTorch 1.13.

Run with the Debian PyTorch 1.13 (/usr/bin/python3), single-threaded.

Tensors are {"dtype", "shape", "hex"} (each element's bit pattern, row-major; 8 hex digits per float32, 16 per float64).

"legendre": LegendrePolynomial3 of PyTorch's tutorial (forward 0.5 * (5x^3 - 3x), saving x; backward
grad_output * 1.5 * (5x^2 - 1)) on x, per dtype: the output, its grad_fn name, x.grad of y.sum(), the first gradient
taken with create_graph (and its grad_fn name) and the gradient of that gradient's sum.

"training": the tutorial's loop (polynomial_custom_function.py): y = sin(x) on linspace(-pi, pi, 2000) (y recorded, so the
replay starts from PyTorch's sines), y_pred =
a + b * P3(c + d * x), loss = sum of squares, plain gradient steps with learning rate 5e-6, a, b, c, d starting at
0, -1, 0, 0.3. The loss of every step t with t % 100 == 99 and the final a, b, c, d, per dtype.

"scaled": a two-input Function MulBy(x, w) = x * w (x of shape [2, 3], w of shape [3]) whose backward computes only
the gradients ctx.needs_input_grad asks for and returns g * x for w (shape [2, 3]: PyTorch sums it to [3]). For each
combination of requires_grad: needs_input_grad as Forward saw it, and each input's gradient (null if none).

"errors": the messages of a backward returning too many gradients, a gradient of a wrong shape, saved input and
saved output modified in place, saved tensors read after backward, and a second backward.
"""
import json
import math
import pathlib

import torch

torch.set_num_threads(1)

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden"
NAMES = {torch.float32: "float32", torch.float64: "float64"}
BITS = {torch.float32: (torch.int32, 8), torch.float64: (torch.int64, 16)}


def encode(t):
    view, width = BITS[t.dtype]
    mask = (1 << (4 * width)) - 1
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape),
            "hex": "".join(f"{v & mask:0{width}x}" for v in t.detach().contiguous().view(view).flatten().tolist())}


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class MulBy(torch.autograd.Function):
    seen = None

    @staticmethod
    def forward(ctx, x, w):
        MulBy.seen = list(ctx.needs_input_grad)
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return (g * w if ctx.needs_input_grad[0] else None, g * x if ctx.needs_input_grad[1] else None)


class TooMany(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g, g


class WrongShape(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return torch.ones(4)


class SavesOutput(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g * y


def message(call):
    try:
        call()
    except RuntimeError as e:
        return str(e)
    raise AssertionError("no error")


def legendre(dtype):
    x = torch.tensor([-1.3, -0.7, -0.2, 0.0, 0.35, 0.8, 1.1, 2.5], dtype=dtype, requires_grad=True)
    y = LegendrePolynomial3.apply(x)
    y.sum().backward()
    g, = torch.autograd.grad(LegendrePolynomial3.apply(x).sum(), x, create_graph=True)
    gg, = torch.autograd.grad(g.sum(), x)
    return {"x": encode(x), "y": encode(y), "grad_fn": y.grad_fn.name(), "grad": encode(x.grad),
            "grad_grad_fn": g.grad_fn.name(), "first": encode(g), "second": encode(gg)}


def training(dtype):
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.sin(x)
    a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for t in range(2000):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return {"dtype": NAMES[dtype], "y": encode(y), "losses": losses, "a": a.item(), "b": b.item(), "c": c.item(), "d": d.item()}


def scaled():
    cases = []
    for x_grad, w_grad in ((True, True), (True, False), (False, True)):
        x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -3.0]], dtype=torch.float64, requires_grad=x_grad)
        w = torch.tensor([2.0, -0.5, 1.25], dtype=torch.float64, requires_grad=w_grad)
        out = MulBy.apply(x, w)
        (out * torch.arange(6, dtype=torch.float64).view(2, 3)).sum().backward()
        cases.append({"requires_grad": [x_grad, w_grad], "needs_input_grad": MulBy.seen, "out": encode(out),
                      "grad_fn": out.grad_fn.name(),
                      "x_grad": None if x.grad is None else encode(x.grad),
                      "w_grad": None if w.grad is None else encode(w.grad)})
    return cases


def errors():
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    result = {
        "too many": message(lambda: TooMany.apply(x).sum().backward()),
        "wrong shape": message(lambda: WrongShape.apply(x).sum().backward()),
    }

    def saved_input_modified():
        a = x * 1
        y = LegendrePolynomial3.apply(a)
        a.add_(1)
        y.sum().backward()
    result["saved input modified"] = message(saved_input_modified)

    def saved_output_modified():
        y = SavesOutput.apply(x)
        y.mul_(2)
        y.sum().backward()
    result["saved output modified"] = message(saved_output_modified)

    def freed():
        y = LegendrePolynomial3.apply(x)
        y.sum().backward()
        return y.grad_fn.saved_tensors
    result["freed"] = message(freed)

    def twice():
        y = LegendrePolynomial3.apply(x).sum()
        y.backward()
        y.backward()
    result["twice"] = message(twice)
    return result


def main():
    out = {
        "legendre": [legendre(torch.float32), legendre(torch.float64)],
        "training": [training(torch.float32), training(torch.float64)],
        "scaled": scaled(),
        "errors": errors(),
    }
    (ROOT / "function.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
