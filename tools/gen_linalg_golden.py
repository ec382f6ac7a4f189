#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/linalg.json (torch.linalg values, gradients, grad_fn names and error messages from
PyTorch 1.13, for LinalgTests) and samples/gaussian_process.pytorch.json (the Gaussian-process fit of
samples/gaussian_process.cs, run by PyTorch).

A case applies a "program" to its inputs; both this file and LinalgTests implement each program the same way. Outputs
are quantities that do not depend on the sign choices of eigen/singular vectors (LAPACK's and MathNet's differ):
eigh gives [L, V diag(w) V^T] and svd [S, U_k diag(w) Vh_k] with w = 1..k. The loss is sum_i sum(outputs[i] * weights[i]);
grads are its gradients with respect to the inputs (null when PyTorch gives none). Run with /usr/bin/python3.
"""
import json
import math
import pathlib

import torch

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "Autograd.Tests" / "Golden" / "linalg.json"
GP_OUTPUT = ROOT / "samples" / "gaussian_process.pytorch.json"


def spec(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def weights_for(w):
    return torch.arange(1, w + 1)


def ord_value(ord):
    """Orders are stored as numbers, or as "inf" / "-inf" (JSON has no infinities) or a matrix norm's name."""
    return {"inf": math.inf, "-inf": -math.inf}.get(ord, ord)


def ord_arg(ord):
    return ("inf" if ord > 0 else "-inf") if isinstance(ord, float) and math.isinf(ord) else ord


def run(program, args, inputs):
    """The program's raw outputs (whose grad_fns are recorded) and its sign-invariant outputs."""
    if program == "cholesky":
        out = torch.linalg.cholesky(inputs[0], upper=args["upper"])
        return [out], [out]
    if program == "solve":
        out = torch.linalg.solve(inputs[0], inputs[1])
        return [out], [out]
    if program == "inv":
        out = torch.linalg.inv(inputs[0])
        return [out], [out]
    if program == "det":
        out = torch.linalg.det(inputs[0])
        return [out], [out]
    if program == "slogdet":
        sign, logabsdet = torch.linalg.slogdet(inputs[0])
        return [sign, logabsdet], [sign, logabsdet]
    if program == "eigh":
        values, vectors = torch.linalg.eigh(inputs[0], UPLO=args["uplo"])
        w = weights_for(values.shape[-1]).to(values.dtype)
        return [values, vectors], [values, (vectors * w) @ vectors.mT]
    if program == "svd":
        u, s, vh = torch.linalg.svd(inputs[0], full_matrices=args["full"])
        k = s.shape[-1]
        w = weights_for(k).to(s.dtype)
        return [u, s, vh], [s, (u[..., :, :k] * w) @ vh[..., :k, :]]
    if program == "qr":
        q, r = torch.linalg.qr(inputs[0], mode=args["mode"])
        return [q, r], ([r] if args["mode"] == "r" else [q, r])
    if program == "lstsq":
        out = torch.linalg.lstsq(inputs[0], inputs[1]).solution
        return [out], [out]
    if program == "vector_norm":
        out = torch.linalg.vector_norm(inputs[0], ord_value(args["ord"]), dim=args.get("dims"), keepdim=args["keepdim"])
        return [out], [out]
    if program == "matrix_norm":
        out = torch.linalg.matrix_norm(inputs[0], ord_value(args["ord"]), dim=args.get("dims", (-2, -1)), keepdim=args["keepdim"])
        return [out], [out]
    raise ValueError(program)


def case(name, program, args, inputs, differentiable=True):
    inputs = [t.detach().clone().requires_grad_(differentiable) for t in inputs]
    raw, outputs = run(program, args, inputs)
    weights = [torch.randn(o.shape, dtype=o.dtype) for o in outputs]
    grads = [None] * len(inputs)
    if differentiable:
        loss = sum((o * w).sum() for o, w in zip(outputs, weights))
        grads = list(torch.autograd.grad(loss, inputs, allow_unused=True))
    return {
        "name": name, "program": program, "args": args, "dtype": str(inputs[0].dtype).replace("torch.", ""),
        "inputs": [spec(t) for t in inputs], "weights": [spec(w) for w in weights], "outputs": [spec(o) for o in outputs],
        "shapes": [list(r.shape) for r in raw],
        "grad_fns": [type(r.grad_fn).__name__ if r.grad_fn is not None else None for r in raw],
        "grads": [None if g is None else spec(g) for g in grads],
    }


def spd(*shape, dtype):
    n = shape[-1]
    m = torch.randn(shape, dtype=dtype)
    return m @ m.mT / n + torch.eye(n, dtype=dtype)


def general(*shape, dtype, shift=2.0):
    n = shape[-1]
    return torch.randn(shape, dtype=dtype) / math.sqrt(n) + shift * torch.eye(n, dtype=dtype)


def symmetric(*shape, dtype):
    m = torch.randn(shape, dtype=dtype)
    return (m + m.mT) / 2


def value_cases():
    cases = []
    for dtype in (torch.float64, torch.float32):
        d = "f64" if dtype == torch.float64 else "f32"
        randn = lambda *shape: torch.randn(shape, dtype=dtype)
        for shape in [(1, 1), (3, 3), (2, 4, 4), (2, 1, 3, 3)]:
            s = "x".join(map(str, shape))
            for upper in (False, True):
                cases.append(case(f"cholesky {s} upper={upper} {d}", "cholesky", {"upper": upper}, [spd(*shape, dtype=dtype)]))
            cases.append(case(f"inv {s} {d}", "inv", {}, [general(*shape, dtype=dtype)]))
            cases.append(case(f"det {s} {d}", "det", {}, [general(*shape, dtype=dtype)]))
            cases.append(case(f"det negative {s} {d}", "det", {}, [general(*shape, dtype=dtype, shift=-2.0)]))
            cases.append(case(f"slogdet {s} {d}", "slogdet", {}, [general(*shape, dtype=dtype, shift=-2.0)]))
            for uplo in ("L", "U"):
                cases.append(case(f"eigh {s} {uplo} {d}", "eigh", {"uplo": uplo}, [symmetric(*shape, dtype=dtype)]))
        # eigh reads one triangle of a non-symmetric input; the cholesky of a non-symmetric input too.
        for uplo in ("L", "U"):
            cases.append(case(f"eigh non-symmetric {uplo} {d}", "eigh", {"uplo": uplo}, [randn(4, 4)]))
        for upper in (False, True):
            a = spd(3, 3, dtype=dtype)
            a[0, 2] += 0.3
            cases.append(case(f"cholesky non-symmetric upper={upper} {d}", "cholesky", {"upper": upper}, [a]))
        for a_shape, b_shape in [((3, 3), (3, 2)), ((3, 3), (3,)), ((2, 3, 3), (2, 3)), ((3, 3), (2, 3, 1)), ((2, 1, 3, 3), (4, 3, 2)), ((1, 1), (1, 4))]:
            cases.append(case(f"solve {a_shape} {b_shape} {d}", "solve", {}, [general(*a_shape, dtype=dtype), randn(*b_shape)]))
        for shape in [(3, 3), (5, 3), (3, 5), (2, 4, 2), (2, 2, 5), (1, 1)]:
            s = "x".join(map(str, shape))
            for full in (False, True):
                cases.append(case(f"svd {s} full={full} {d}", "svd", {"full": full}, [randn(*shape)]))
            for mode in ("reduced", "complete", "r"):
                differentiable = mode == "reduced" or (mode == "complete" and shape[-2] <= shape[-1])
                cases.append(case(f"qr {s} {mode} {d}", "qr", {"mode": mode}, [randn(*shape)], differentiable))
        for a_shape, b_shape in [((5, 3), (5, 2)), ((3, 5), (3, 2)), ((2, 4, 3), (2, 4)), ((4, 4), (4, 1)), ((2, 3, 3), (1, 3, 2)), ((2, 5), (2,))]:
            # PyTorch 1.13's lstsq backward fails for vector right-hand sides (its pinv-based formula mixes up the shapes).
            differentiable = len(b_shape) == len(a_shape)
            cases.append(case(f"lstsq {a_shape} {b_shape} {d}", "lstsq", {}, [randn(*a_shape), randn(*b_shape)], differentiable))
        for ord in (2.0, 1.0, math.inf, -math.inf, 0.0, 3.0, 0.5, 1.5):
            for shape, dims, keepdim in [((5,), None, False), ((3, 4), None, True), ((2, 3, 4), [0, 2], False), ((2, 3, 4), [1], True), ((2, 3), [-1], False)]:
                cases.append(case(f"vector_norm ord={ord} {shape} dims={dims} keepdim={keepdim} {d}", "vector_norm",
                                  {"ord": ord_arg(ord), "dims": dims, "keepdim": keepdim}, [randn(*shape)]))
        for ord in ("fro", "nuc", 2.0, -2.0, 1.0, -1.0, math.inf, -math.inf):
            for shape, dims, keepdim in [((3, 4), None, False), ((2, 4, 3), None, True), ((3, 2, 4), [0, 2], False), ((3, 2, 4), [2, 0], True)]:
                args = {"ord": ord_arg(ord), "keepdim": keepdim}
                if dims is not None:
                    args["dims"] = dims
                cases.append(case(f"matrix_norm ord={ord} {shape} dims={dims} keepdim={keepdim} {d}", "matrix_norm", args, [randn(*shape)]))
    return cases


def message(f):
    try:
        f()
    except Exception as e:  # noqa: BLE001 - the message is the point
        return str(e)
    raise AssertionError("no error")


def error_cases():
    """Messages for the inputs LinalgTests builds under the same names."""
    not_pd = torch.tensor([[1.0, 2.0], [2.0, 1.0]])
    singular = torch.tensor([[1.0, 2.0], [2.0, 4.0]])
    eye = torch.eye(2)
    c = torch.zeros(3, 4, dtype=torch.float64, requires_grad=True)
    return {
        "cholesky not positive-definite": message(lambda: torch.linalg.cholesky(not_pd)),
        "cholesky batched not positive-definite": message(lambda: torch.linalg.cholesky(torch.stack([eye, not_pd]))),
        "cholesky 3x3 minor 3": message(lambda: torch.linalg.cholesky(torch.tensor([[4.0, 2, 0], [2, 2, 1], [0, 1, 0.5]]))),
        "cholesky non-square": message(lambda: torch.linalg.cholesky(torch.zeros(3, 4))),
        "cholesky vector": message(lambda: torch.linalg.cholesky(torch.zeros(3))),
        "cholesky long": message(lambda: torch.linalg.cholesky(torch.zeros(3, 3, dtype=torch.long))),
        "inv singular": message(lambda: torch.linalg.inv(singular)),
        "inv batched singular": message(lambda: torch.linalg.inv(torch.stack([eye, singular]))),
        "inv non-square": message(lambda: torch.linalg.inv(torch.zeros(2, 3))),
        "solve singular": message(lambda: torch.linalg.solve(singular, torch.ones(2))),
        "solve batched singular": message(lambda: torch.linalg.solve(torch.stack([eye, singular]), torch.ones(2, 2))),
        "solve incompatible": message(lambda: torch.linalg.solve(torch.eye(3), torch.ones(2))),
        "solve dtype": message(lambda: torch.linalg.solve(torch.eye(3), torch.ones(3, dtype=torch.float64))),
        "solve non-square": message(lambda: torch.linalg.solve(torch.zeros(2, 3), torch.ones(2))),
        "det non-square": message(lambda: torch.linalg.det(torch.zeros(3, 2))),
        "slogdet vector": message(lambda: torch.linalg.slogdet(torch.zeros(3))),
        "eigh uplo": message(lambda: torch.linalg.eigh(torch.eye(3), UPLO="X")),
        "eigh long": message(lambda: torch.linalg.eigh(torch.zeros(3, 3, dtype=torch.long))),
        "svd long": message(lambda: torch.linalg.svd(torch.zeros(2, 3, dtype=torch.long))),
        "qr mode": message(lambda: torch.linalg.qr(torch.eye(3), mode="X")),
        "qr r backward": message(lambda: torch.linalg.qr(c, mode="r")[1].sum().backward()),
        "qr complete backward": message(lambda: torch.linalg.qr(c.mT, mode="complete")[1].sum().backward()),
        "lstsq rows": message(lambda: torch.linalg.lstsq(torch.zeros(3, 2), torch.zeros(4, 2))),
        "lstsq vector rows": message(lambda: torch.linalg.lstsq(torch.zeros(3, 2), torch.zeros(4))),
        "lstsq ranks": message(lambda: torch.linalg.lstsq(torch.zeros(3, 3), torch.zeros(2, 3, 2))),
        "lstsq vector": message(lambda: torch.linalg.lstsq(torch.zeros(3), torch.zeros(3))),
        "lstsq dtype": message(lambda: torch.linalg.lstsq(torch.eye(3), torch.ones(3, dtype=torch.float64))),
        "vector_norm long": message(lambda: torch.linalg.vector_norm(torch.zeros(3, dtype=torch.long))),
        "vector_norm repeated dim": message(lambda: torch.linalg.vector_norm(torch.zeros(3, 3), dim=(0, 0))),
        "matrix_norm order": message(lambda: torch.linalg.matrix_norm(torch.eye(3), 3)),
        "matrix_norm named order": message(lambda: torch.linalg.matrix_norm(torch.eye(3), "abc")),
        "matrix_norm vector": message(lambda: torch.linalg.matrix_norm(torch.zeros(3))),
        "matrix_norm same dims": message(lambda: torch.linalg.matrix_norm(torch.eye(3), dim=(0, 0))),
    }


def gaussian_process():
    """samples/gaussian_process.cs in PyTorch: an RBF kernel's log lengthscale, log signal variance and log noise
    variance fit by Adam on the negative log marginal likelihood, through a Cholesky factor L of the kernel matrix K:
    0.5 |L^-1 y|^2 + sum(log diag L) + n/2 log 2 pi."""
    dtype = torch.float64
    n, steps, lr = 24, 300, 0.05
    x = torch.tensor([-3 + 6 * i / (n - 1) for i in range(n)], dtype=dtype)
    y = torch.tensor([math.sin(1.3 * v) + 0.3 * math.cos(4.1 * v + 0.5) * math.sin(2.7 * v) for v in x.tolist()], dtype=dtype)
    eye = torch.eye(n, dtype=dtype)
    log_lengthscale = torch.tensor(0.0, dtype=dtype, requires_grad=True)
    log_signal = torch.tensor(0.0, dtype=dtype, requires_grad=True)
    log_noise = torch.tensor(math.log(0.1), dtype=dtype, requires_grad=True)
    optimizer = torch.optim.Adam([log_lengthscale, log_signal, log_noise], lr=lr)
    squared_distances = (x.unsqueeze(1) - x.unsqueeze(0)).pow(2)

    def nll():
        lengthscale = log_lengthscale.exp()
        k = log_signal.exp() * torch.exp(squared_distances * (-0.5) / (lengthscale * lengthscale)) + log_noise.exp() * eye
        chol = torch.linalg.cholesky(k)
        z = torch.linalg.solve(chol, y)
        return 0.5 * (z * z).sum() + (chol * eye).sum(1).log().sum() + 0.5 * n * math.log(2 * math.pi)

    for _ in range(steps):
        optimizer.zero_grad()
        loss = nll()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        final = nll()
    return {"steps": steps, "lr": lr, "lengthscale": log_lengthscale.exp().item(), "signal_variance": log_signal.exp().item(),
            "noise_variance": log_noise.exp().item(), "nll": final.item()}


def main():
    torch.manual_seed(0)
    golden = {"cases": value_cases(), "errors": error_cases()}
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":"), allow_nan=False) + "\n")
    GP_OUTPUT.write_text(json.dumps(gaussian_process(), indent=1) + "\n")


if __name__ == "__main__":
    main()
