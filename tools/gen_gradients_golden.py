#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/gradients.json: Jacobians, Hessians and higher-order gradients from PyTorch 1.13's
torch.autograd, and the messages of its errors, for GradientsTests.

Every value case draws its tensors from torch.manual_seed(seed) with torch.rand(shape, dtype=float64), in the order
written, so the C# test draws the same bits from Torch.ManualSeed and Torch.Rand. A case is
{"name", "seed", "shape", "values"} (row-major float64); an error case is {"name", "message"}.
Run with /usr/bin/python3 (Debian's python3-torch); the C# side of each case lives in GradientsTests under the same name.
"""
import json
import pathlib

import torch
import torch.nn.functional as F
from torch.autograd import grad
from torch.autograd.functional import hessian, jacobian

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden" / "gradients.json"


def rand(*shape):
    return torch.rand(shape, dtype=torch.float64)


def softmax_jacobian():
    return jacobian(lambda t: torch.softmax(t, 0), rand(5))


def log_softmax_jacobian_2d():
    return jacobian(lambda t: torch.log_softmax(t, 1), rand(2, 3))


def matmul_jacobian():
    x, w = rand(2, 3), rand(3, 4)
    return jacobian(lambda t: t @ w, x)


def max_dim_jacobian():
    return jacobian(lambda t: t.max(1).values, rand(3, 4))


def jacobian_is_differentiable():
    # The Jacobian taken with create_graph is itself a function of x: the gradient of its squared sum.
    x = rand(4).requires_grad_()
    j = jacobian(lambda t: torch.softmax(t * t, 0), x, create_graph=True)
    return grad((j * j).sum(), x)[0]


def cross_entropy_hessian():
    x, t = rand(3, 4), torch.tensor([1, 0, 3])
    return hessian(lambda z: F.cross_entropy(z, t), x)


def cross_entropy_hessian_weighted_sum_ignored():
    x, w, t = rand(3, 4), rand(4), torch.tensor([2, 0, 3])
    return hessian(lambda z: F.cross_entropy(z, t, weight=w, ignore_index=0, reduction="sum"), x)


def cross_entropy_hessian_spatial():
    x, t = rand(2, 3, 2), torch.tensor([[0, 2], [1, 1]])
    return hessian(lambda z: F.cross_entropy(z, t), x)


def nll_log_softmax_hessian():
    x, t = rand(2, 3), torch.tensor([2, 1])
    return hessian(lambda z: F.nll_loss(torch.log_softmax(z, 1), t, reduction="sum"), x)


def entropy_hessian():
    return hessian(lambda t: -(torch.softmax(t, 0) * torch.log_softmax(t, 0)).sum(), rand(6))


def log_sum_exp_matmul_hessian():
    x, w = rand(2, 3), rand(3, 2)
    return hessian(lambda t: (t @ w).exp().sum().log(), x)


def reciprocal_max_mean_hessian():
    return hessian(lambda t: (1 / (t + 1)).mean() * t.max() + (t / t.sum(0, keepdim=True)).sum(), rand(2, 3))


def gradient_penalty():
    # d/dw of |d loss / d x|^2: a gradient of a gradient through MatMul and the fused cross-entropy.
    x, w = rand(3, 4).requires_grad_(), rand(4, 5).requires_grad_()
    loss = F.cross_entropy(x @ w, torch.tensor([1, 0, 4]))
    gx = grad(loss, x, create_graph=True)[0]
    return grad((gx * gx).sum(), w)[0]


def hessian_vector_product():
    x, v = rand(5).requires_grad_(), rand(5)
    g = grad((torch.softmax(x, 0) * torch.log(x + 1)).sum(), x, create_graph=True)[0]
    return grad(g, x, v)[0]


def backward_create_graph():
    # backward(create_graph=True) leaves a differentiable x.grad = 3x^2; its gradient is 6x.
    x = rand(4).requires_grad_()
    (x * x * x).sum().backward(create_graph=True)
    return grad(x.grad.sum(), x)[0]


def third_derivative():
    x = rand(3).requires_grad_()
    g1 = grad((x * x * x.exp()).sum(), x, create_graph=True)[0]
    g2 = grad(g1.sum(), x, create_graph=True)[0]
    return grad(g2.sum(), x)[0]


def scatter_gather_hessian():
    index = torch.tensor([[1, 0], [2, 2]])
    return hessian(lambda t: (t.gather(1, index).exp().sum() * t.scatter(1, index, 0.5).sum()), rand(2, 3))


def activations_pow_hessian():
    x, w = rand(2, 3), rand(3, 2)
    return hessian(lambda t: (t @ w).tanh().sigmoid().pow(3).sum() + t.abs().sqrt().pow(t).sum(), x)


def cross_entropy_label_smoothing_hessian():
    x, w, t = rand(3, 4), rand(4), torch.tensor([3, 1, 1])
    return hessian(lambda z: F.cross_entropy(z, t, weight=w, ignore_index=1, label_smoothing=0.2), x)


def cross_entropy_probabilities_hessian():
    x, p = rand(2, 3), rand(2, 3)
    return hessian(lambda z: F.cross_entropy(z, p, label_smoothing=0.1, reduction="sum"), x)


VALUE_CASES = [
    softmax_jacobian, log_softmax_jacobian_2d, matmul_jacobian, max_dim_jacobian, jacobian_is_differentiable,
    cross_entropy_hessian, cross_entropy_hessian_weighted_sum_ignored, cross_entropy_hessian_spatial,
    nll_log_softmax_hessian, entropy_hessian, log_sum_exp_matmul_hessian, reciprocal_max_mean_hessian,
    gradient_penalty, hessian_vector_product, backward_create_graph, third_derivative, scatter_gather_hessian,
    activations_pow_hessian, cross_entropy_label_smoothing_hessian, cross_entropy_probabilities_hessian,
]


def value_case(index, case):
    seed = 100 + index
    torch.manual_seed(seed)
    result = case()
    return {"name": case.__name__, "seed": seed, "shape": list(result.shape), "values": result.flatten().tolist()}


def message_of(action):
    try:
        action()
    except Exception as error:  # the message is what the test compares
        return str(error)
    raise AssertionError("expected an error")


def error_cases():
    x, z, c = rand(3).requires_grad_(), rand(3).requires_grad_(), rand(3)
    used_once = (x * x).sum()
    grad(used_once, x)
    cases = {
        "unused_input": lambda: grad((x * 2).sum(), [x, z]),
        "input_without_grad": lambda: grad((x * 2).sum(), c),
        "output_without_grad": lambda: grad(c.sum(), x),
        "non_scalar_output": lambda: grad(x * 2, x),
        "no_inputs": lambda: grad((x * 2).sum(), []),
        "too_few_grad_outputs": lambda: grad([(x * 2).sum(), x.sum()], x, [torch.ones((), dtype=torch.float64)]),
        "grad_output_shape": lambda: grad(x * 2, x, torch.ones(2, dtype=torch.float64)),
        "graph_freed": lambda: grad(used_once, x),
        "hessian_of_vector": lambda: hessian(lambda t: t * 2, c),
        "gradcheck_without_grad": lambda: torch.autograd.gradcheck(lambda t: t * 2, (c,)),
        "scatter_src_larger_than_index": lambda: x.view(1, 3).scatter(1, torch.tensor([[2, 0]]), z.view(1, 3)).sum().backward(),
    }
    return [{"name": name, "message": message_of(action)} for name, action in cases.items()]


def main():
    golden = {
        "torch_version": torch.__version__,
        "values": [value_case(i, case) for i, case in enumerate(VALUE_CASES)],
        "errors": error_cases(),
    }
    OUTPUT.write_text(json.dumps(golden, indent=1) + "\n")
    print(f"wrote {len(golden['values'])} value cases and {len(golden['errors'])} error cases to {OUTPUT}")


if __name__ == "__main__":
    main()
