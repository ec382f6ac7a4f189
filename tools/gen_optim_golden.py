"""Writes Autograd.Tests/Golden/optim.json from PyTorch 1.13 (run with /usr/bin/python3).

Sections:
- optimizers: 22 steps of an optimizer (the for-loop implementation, foreach=False) from a fixed start. Each step's
  gradients are given (drawn once from a seeded generator, some None), assigned to p.grad, then step(); the parameters
  after every step and the optimizer's final state_dict (state tensors and param_groups) are recorded bit-exactly.
- schedulers: the learning rates (get_last_lr) after construction and after every step, and OneCycleLR's momentum.
- clip: clip_grad_norm_ / clip_grad_value_ on given gradients: the returned total norm and the clipped gradients.
- modules: repr text, state_dict keys and shapes, named_modules names, load_state_dict error messages.
"""
import json
import math
import pathlib
import warnings

import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
ROOT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden"
STEPS = 22


def encode(values):
    return [("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")) if isinstance(v, float) and not math.isfinite(v) else v
            for v in values]


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", ""), "data": encode(t.flatten().tolist())}


def value_json(v):
    if isinstance(v, torch.Tensor):
        return {"tensor": tensor_json(v)}
    if isinstance(v, tuple):
        return list(v)
    return v


# name -> (dtype, factory, groups): groups=True passes two param groups (the first two parameters, then the third)
# whose per-group options are given by the factory.
OPTIMIZERS = {
    "sgd_dampening": (torch.float32, lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.3, foreach=False)),
    "sgd_maximize_decay": (torch.float32, lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.5, weight_decay=0.01, maximize=True, foreach=False)),
    "sgd_plain_f64": (torch.float64, lambda ps: torch.optim.SGD(ps, lr=0.07, foreach=False)),
    "sgd_nesterov": (torch.float32, lambda ps: torch.optim.SGD(ps, lr=0.03, momentum=0.7, nesterov=True, foreach=False)),
    "adam_amsgrad": (torch.float32, lambda ps: torch.optim.Adam(ps, lr=0.01, amsgrad=True, foreach=False)),
    "adam_maximize_decay": (torch.float32, lambda ps: torch.optim.Adam(ps, lr=0.02, weight_decay=0.05, maximize=True, foreach=False)),
    "adam_amsgrad_f64": (torch.float64, lambda ps: torch.optim.Adam(ps, lr=0.003, betas=(0.8, 0.9), amsgrad=True, foreach=False)),
    "adamw": (torch.float32, lambda ps: torch.optim.AdamW(ps, foreach=False)),
    "adamw_tuned": (torch.float32, lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.85, 0.98), eps=1e-6, weight_decay=0.1, foreach=False)),
    "adamw_amsgrad_maximize": (torch.float32, lambda ps: torch.optim.AdamW(ps, lr=0.005, amsgrad=True, maximize=True, foreach=False)),
    "adamw_f64": (torch.float64, lambda ps: torch.optim.AdamW(ps, lr=0.02, weight_decay=0.03, foreach=False)),
    "rmsprop": (torch.float32, lambda ps: torch.optim.RMSprop(ps, foreach=False)),
    "rmsprop_centered": (torch.float32, lambda ps: torch.optim.RMSprop(ps, lr=0.005, centered=True, foreach=False)),
    "rmsprop_momentum": (torch.float32, lambda ps: torch.optim.RMSprop(ps, lr=0.002, momentum=0.9, alpha=0.9, foreach=False)),
    "rmsprop_all": (torch.float32, lambda ps: torch.optim.RMSprop(ps, lr=0.003, alpha=0.95, eps=1e-6, weight_decay=0.02, momentum=0.5, centered=True, maximize=True, foreach=False)),
    "rmsprop_f64": (torch.float64, lambda ps: torch.optim.RMSprop(ps, lr=0.01, centered=True, momentum=0.3, foreach=False)),
    "adagrad": (torch.float32, lambda ps: torch.optim.Adagrad(ps, foreach=False)),
    "adagrad_tuned": (torch.float32, lambda ps: torch.optim.Adagrad(ps, lr=0.05, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.2, eps=1e-8, foreach=False)),
    "adagrad_maximize_f64": (torch.float64, lambda ps: torch.optim.Adagrad(ps, lr=0.1, lr_decay=0.5, maximize=True, foreach=False)),
    "adadelta": (torch.float32, lambda ps: torch.optim.Adadelta(ps, foreach=False)),
    "adadelta_tuned": (torch.float32, lambda ps: torch.optim.Adadelta(ps, lr=0.5, rho=0.95, eps=1e-5, weight_decay=0.01, foreach=False)),
    "adadelta_maximize_f64": (torch.float64, lambda ps: torch.optim.Adadelta(ps, rho=0.8, maximize=True, foreach=False)),
    "sgd_groups": (torch.float32, lambda ps: torch.optim.SGD(
        [{"params": ps[:2]}, {"params": ps[2:], "lr": 0.01, "momentum": 0.5, "nesterov": True}], lr=0.1, momentum=0.9, foreach=False)),
    "adam_groups": (torch.float32, lambda ps: torch.optim.Adam(
        [{"params": ps[:2], "amsgrad": True}, {"params": ps[2:], "lr": 0.05, "betas": (0.7, 0.95), "weight_decay": 0.1}], lr=0.01, foreach=False)),
    "rmsprop_groups": (torch.float32, lambda ps: torch.optim.RMSprop(
        [{"params": ps[:1], "centered": True}, {"params": ps[1:], "momentum": 0.8, "lr": 0.001}], foreach=False)),
}

DROPPED_KEYS = {"foreach", "differentiable", "capturable", "fused"}


def state_dict_json(optimizer):
    sd = optimizer.state_dict()
    state = {str(k): {name: value_json(v) for name, v in entry.items()} for k, entry in sd["state"].items()}
    groups = [{k: value_json(v) for k, v in g.items() if k not in DROPPED_KEYS} for g in sd["param_groups"]]
    return {"state": state, "param_groups": groups}


def optimizers():
    cases = []
    for name, (dtype, make) in OPTIMIZERS.items():
        torch.manual_seed(7)
        params = [torch.randn(3, 4, dtype=dtype).requires_grad_(), torch.randn(5, dtype=dtype).requires_grad_(),
                  torch.randn(2, 3, dtype=dtype).requires_grad_()]
        start = [tensor_json(p) for p in params]
        optimizer = make(params)
        steps = []
        for step in range(STEPS):
            grads = []
            for i, p in enumerate(params):
                # parameter 1 has no gradient at steps 0 and 5 (lazy state, skipped update); magnitudes vary by step
                if i == 1 and step in (0, 5):
                    grads.append(None)
                else:
                    grads.append(torch.randn(p.shape, dtype=dtype) * (0.5 + step % 4))
            for p, g in zip(params, grads):
                p.grad = g
            optimizer.step()
            steps.append({"grads": [None if g is None else tensor_json(g) for g in grads],
                          "params": [tensor_json(p) for p in params]})
        cases.append({"name": name, "start": start, "steps": steps, "state_dict": state_dict_json(optimizer)})
    return cases


def scheduler_case(name, make, steps=40, lrs=(0.1,), optimizer="sgd", metrics=None):
    params = [torch.zeros(2, requires_grad=True) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs)]
    opt = torch.optim.SGD(groups, lr=lrs[0], momentum=0.9) if optimizer == "sgd" else torch.optim.Adam(groups, lr=lrs[0])
    scheduler = make(opt)
    lrs_seq = [list(scheduler.get_last_lr()) if metrics is None else [g["lr"] for g in opt.param_groups]]
    momenta = [[g["momentum"] if "momentum" in g else g["betas"][0] for g in opt.param_groups]]
    for step in range(steps):
        opt.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[step])
        lrs_seq.append(list(scheduler.get_last_lr()) if metrics is None else [g["lr"] for g in opt.param_groups])
        momenta.append([g["momentum"] if "momentum" in g else g["betas"][0] for g in opt.param_groups])
    return {"name": name, "optimizer": optimizer, "lrs": list(lrs), "metrics": metrics, "lr": lrs_seq, "momentum": momenta}


def schedulers():
    lr_lambda_power = lambda e: 0.95 ** e
    lr_lambda_inverse = lambda e: 1 / (e + 1)
    plateau_metrics = [1.0, 0.9, 0.95, 0.91, 0.9, 0.9, 0.89999, 0.95, 0.8, 0.8, 0.8, 0.8, 0.79995, 0.85, 0.86, 0.87,
                       0.88, 0.7, 0.7, 0.7, 0.71, 0.72, 0.73, 0.74, 0.75, 0.5, 0.5, 0.5, 0.5, 0.5]
    return [
        scheduler_case("step", lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3)),
        scheduler_case("step_gamma", lambda o: torch.optim.lr_scheduler.StepLR(o, 4, gamma=0.7), lrs=(0.1, 0.03)),
        scheduler_case("multistep", lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[2, 5, 5, 11, 30])),
        scheduler_case("multistep_gamma", lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [3, 7], gamma=0.3), lrs=(0.5, 0.01)),
        scheduler_case("exponential", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
        scheduler_case("exponential_groups", lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.97), lrs=(0.1, 0.007)),
        scheduler_case("cosine", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10), steps=45),
        scheduler_case("cosine_eta_min", lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7, eta_min=0.001), steps=45, lrs=(0.1, 0.05)),
        scheduler_case("lambda_power", lambda o: torch.optim.lr_scheduler.LambdaLR(o, lr_lambda_power)),
        scheduler_case("lambda_inverse", lambda o: torch.optim.lr_scheduler.LambdaLR(o, lr_lambda_inverse), lrs=(0.1, 0.3)),
        scheduler_case("onecycle", lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=40), steps=39),
        scheduler_case("onecycle_adam", lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.01, total_steps=25), steps=24, optimizer="adam", lrs=(0.001,)),
        scheduler_case("onecycle_tuned", lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o, max_lr=0.5, total_steps=30, pct_start=0.25, anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0,
            three_phase=True, base_momentum=0.8, max_momentum=0.9), steps=29, lrs=(0.1, 0.2)),
        scheduler_case("onecycle_no_momentum", lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o, max_lr=0.2, total_steps=12, cycle_momentum=False), steps=11),
        scheduler_case("plateau", lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, patience=2), steps=30, metrics=plateau_metrics),
        scheduler_case("plateau_max", lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
            o, mode="max", factor=0.5, patience=1, threshold=0.01), steps=30, metrics=[-m for m in plateau_metrics], lrs=(0.1, 0.02)),
        scheduler_case("plateau_abs_cooldown", lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
            o, factor=0.3, patience=1, threshold=0.05, threshold_mode="abs", cooldown=2, min_lr=0.002), steps=30, metrics=plateau_metrics),
    ]


def clip():
    cases = []
    for name, norm_type, max_norm in [("norm2", 2.0, 1.0), ("norm2_large", 2.0, 100.0), ("norm1", 1.0, 2.0), ("norm3", 3.0, 0.5),
                                      ("norminf", math.inf, 0.3), ("norm2_f64", 2.0, 0.7)]:
        torch.manual_seed(3)
        dtype = torch.float64 if name.endswith("f64") else torch.float32
        params = [torch.zeros(4, 3, dtype=dtype, requires_grad=True), torch.zeros(7, dtype=dtype, requires_grad=True),
                  torch.zeros(2, dtype=dtype, requires_grad=True)]
        grads = [torch.randn(p.shape, dtype=dtype) for p in params]
        params[0].grad, params[1].grad = grads[0].clone(), grads[1].clone()   # the third has no gradient
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        cases.append({"name": name, "norm_type": "inf" if math.isinf(norm_type) else norm_type, "max_norm": max_norm,
                      "grads": [tensor_json(g) for g in grads[:2]], "total": tensor_json(total),
                      "clipped": [tensor_json(p.grad) for p in params[:2]]})
    torch.manual_seed(4)
    p = torch.zeros(3, 5, requires_grad=True)
    g = torch.randn(3, 5)
    p.grad = g.clone()
    torch.nn.utils.clip_grad_value_([p], 0.6)
    cases.append({"name": "value", "clip_value": 0.6, "grads": [tensor_json(g)], "clipped": [tensor_json(p.grad)]})
    return cases


class WithBuffer(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.register_buffer("running", torch.zeros(2))
        self.register_buffer("count", torch.tensor(0))
        self.register_buffer("scratch", torch.zeros(1), persistent=False)
        self.scale = nn.Parameter(torch.ones(2))
        self.act = nn.ReLU()


def modules():
    torch.manual_seed(0)
    models = {
        "linear": nn.Linear(4, 3),
        "linear_nobias": nn.Linear(2, 5, bias=False),
        "relu": nn.ReLU(),
        "tanh": nn.Tanh(),
        "sigmoid": nn.Sigmoid(),
        "dropout": nn.Dropout(),
        "dropout_p": nn.Dropout(0.25),
        "identity": nn.Identity(),
        "flatten": nn.Flatten(),
        "flatten_args": nn.Flatten(0, 1),
        "unflatten": nn.Unflatten(1, (2, 5)),
        "sequential": nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 3)),
        "nested": nn.Sequential(nn.Flatten(), nn.Sequential(nn.Linear(6, 4), nn.Tanh()),
                                nn.ModuleList([nn.Linear(4, 4), nn.Identity()]),
                                nn.ModuleDict({"head": nn.Linear(4, 2), "act": nn.Sigmoid()})),
        "module_list": nn.ModuleList([nn.Linear(1, 2), nn.ReLU()]),
        "module_dict": nn.ModuleDict({"b": nn.Linear(2, 2), "a": nn.Identity()}),
        "empty_sequential": nn.Sequential(),
        "with_buffer": WithBuffer(),
    }
    out = {}
    for name, m in models.items():
        sd = m.state_dict()
        out[name] = {"repr": repr(m), "keys": list(sd.keys()), "shapes": [list(v.shape) for v in sd.values()],
                     "named_modules": [n for n, _ in m.named_modules()],
                     "buffers": [n for n, _ in m.named_buffers()],
                     "children": [type(c).__name__ for c in m.children()]}
    errors = {}
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    good = seq.state_dict()

    def message(sd, strict=True):
        try:
            result = seq.load_state_dict(sd, strict=strict)
            return {"missing": result.missing_keys, "unexpected": result.unexpected_keys}
        except RuntimeError as e:
            return {"error": str(e)}

    missing = dict(good)
    del missing["0.bias"]
    del missing["2.weight"]
    errors["missing"] = message(missing)
    unexpected = dict(good)
    unexpected["1.weight"] = torch.zeros(1)
    unexpected["extra"] = torch.zeros(1)
    errors["unexpected"] = message(unexpected)
    both = dict(missing)
    both["3.bias"] = torch.zeros(1)
    errors["both"] = message(both)
    mismatch = dict(good)
    mismatch["0.weight"] = torch.zeros(2, 3)
    mismatch["2.bias"] = torch.zeros(2)
    errors["size_mismatch"] = message(mismatch)
    mismatch_missing = dict(mismatch)
    del mismatch_missing["0.bias"]
    errors["size_mismatch_missing"] = message(mismatch_missing)
    errors["not_strict"] = message(both, strict=False)
    return {"models": out, "load_errors": errors}


def main():
    golden = {"optimizers": optimizers(), "schedulers": schedulers(), "clip": clip(), "modules": modules()}
    path = ROOT / "optim.json"
    path.write_text(json.dumps(golden, separators=(",", ":")))
    print(f"wrote {path} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
