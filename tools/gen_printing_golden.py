"""Generates Autograd.Tests/Golden/printing.json: tensors and PyTorch 1.13's str() of them.

Run with /usr/bin/python3 (torch 1.13). Each case stores dtype, shape, the flat values
(or, for big tensors, a recipe the C# side replays), requires_grad, grad_fn and the expected text.
"""

import json
import math
import os

import torch

DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}
NAMES = {v: k for k, v in DTYPES.items()}
OUT = os.path.join(os.path.dirname(__file__), "..", "Autograd.Tests", "Golden", "printing.json")

cases = []


def encode(value):
    """JSON-safe value: non-finite floats and negative zero as strings, the rest exact (repr round-trips)."""
    if isinstance(value, int):
        return value
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0 and math.copysign(1, value) < 0:
        return "-0"
    return value


def recipe_values(recipe, count, dtype):
    """value_i = ((i * mul + add) % mod + offset) * scale, computed in double then cast, as the C# test does."""
    ints = [(i * recipe["mul"] + recipe["add"]) % recipe["mod"] + recipe["offset"] for i in range(count)]
    if dtype == torch.int64:
        return torch.tensor(ints, dtype=torch.int64)
    return torch.tensor([float(k) * recipe["scale"] for k in ints], dtype=torch.float64).to(dtype)


def add(name, t, grad_fn_op=None, requires_grad=False, recipe=None):
    """Records str() of t (as a leaf), or of grad_fn_op(leaf) for a non-leaf."""
    if requires_grad or grad_fn_op is not None:
        t = t.detach().requires_grad_(True)
    shown = grad_fn_op(t) if grad_fn_op is not None else t
    case = {
        "name": name,
        "dtype": NAMES[shown.dtype],
        "shape": list(shown.shape),
        "requires_grad": shown.is_leaf and shown.requires_grad,
        "grad_fn": type(shown.grad_fn).__name__ if shown.grad_fn is not None else None,
        "expected": str(shown),
    }
    if recipe is not None:
        assert grad_fn_op is None
        case["recipe"] = recipe
    else:
        case["data"] = [encode(v) for v in shown.detach().reshape(-1).tolist()]
    assert name not in {c["name"] for c in cases}, name
    cases.append(case)


def add_recipe(name, shape, dtype, requires_grad=False, **recipe):
    recipe = {"mul": 7919, "add": 13, "mod": 1000, "offset": 0, "scale": 1.0, **recipe}
    t = recipe_values(recipe, math.prod(shape), dtype).reshape(shape)
    add(name, t, requires_grad=requires_grad, recipe=recipe)


nan, inf = float("nan"), float("inf")
f32, f64, i64 = torch.float32, torch.float64, torch.int64

# 0-d tensors.
for i, v in enumerate([0.0, 1.0, -1.5, 3.14159, 1e-5, 1e10, nan, inf, -inf, -0.0, 123456789.0, 0.5, 2.5e-4, 1e8, 1e9 + 0.5]):
    add(f"scalar_f32_{i}", torch.tensor(v, dtype=f32))
for i, v in enumerate([0.1, -2.0, 1e-300, 1e300, 0.00012345678]):
    add(f"scalar_f64_{i}", torch.tensor(v, dtype=f64))
for i, v in enumerate([0, -7, 2**62, -(2**63), 123456789012]):
    add(f"scalar_i64_{i}", torch.tensor(v, dtype=i64))
add("scalar_requires_grad", torch.tensor(2.5), requires_grad=True)
add("scalar_f64_sum_grad_fn", torch.randn(3, dtype=f64), grad_fn_op=lambda x: x.sum())
add("scalar_mean_grad_fn", torch.tensor([1.0, 2.0]), grad_fn_op=lambda x: x.mean())

# Random 1-d values across magnitudes: fixed, scientific and the switch between them.
torch.manual_seed(0)
for exp in range(-7, 11):
    for dtype in (f32, f64):
        add(f"randn_1d_e{exp}_{NAMES[dtype]}", torch.randn(7, dtype=dtype) * 10.0**exp)
torch.manual_seed(1)
for n in (1, 2, 5, 13, 40, 100, 333):
    add(f"rand_1d_n{n}", torch.rand(n))
    add(f"randn_1d_n{n}_f64", torch.randn(n, dtype=f64) * 100)
add("ratio_just_under_1000", torch.tensor([1.0, 999.5]))
add("ratio_just_over_1000", torch.tensor([1.0, 1000.5]))
add("min_just_under_1e-4", torch.tensor([0.5, 0.0000999]))
add("min_just_over_1e-4", torch.tensor([0.5, 0.000101]))
add("max_just_over_1e8", torch.tensor([123456789.5, 100000000.25], dtype=f64))
add("rounding_ties", torch.tensor([0.03125, 0.09375, 1.03125, -1.09375, 2.5, 0.5]))
add("rounding_ties_sci", torch.tensor([1e-5, 0.03125, 1.09375], dtype=f64))
add("negative_alignment", torch.tensor([-1.25, 10.5, -100.125, 3.0]))
add("negative_zero_mixed", torch.tensor([-0.0, 1.5, -2.25]))
add("negative_zero_int_mode", torch.tensor([-0.0, 1.0]))
add("negative_zero_only", torch.tensor([-0.0, 0.0]))
add("zeros_f32", torch.zeros(4))
add("zeros_f64_2d", torch.zeros(2, 3, dtype=f64))
add("subnormal_f32", torch.tensor([1e-40, 1.0]))
add("tiny_f64", torch.tensor([1e-310, -5e-324, 1.0], dtype=f64))
add("huge_f32", torch.tensor([3.0e38, -1.0e30, 1.0]))
add("huge_f64", torch.tensor([1e300, -1e200, 1.5], dtype=f64))

# Integral floats: "1." form, and scientific when the range or size is large.
add("int_mode_arange", torch.arange(10, dtype=f32))
add("int_mode_negative", torch.tensor([-5.0, 3.0, 120.0, -7.0]))
add("int_mode_1e7", torch.tensor([12345678.0, 1.0e7, 2.0e4]))
add("int_mode_ratio_sci", torch.tensor([1.0, 2000.0]))
add("int_mode_ratio_exact_1000", torch.tensor([1.0, 1000.0]))
add("int_mode_1e8_boundary", torch.tensor([1.0e8, 2.0e5], dtype=f64))
add("int_mode_over_1e8", torch.tensor([1.0e9, 2.0e8]))
add("int_mode_sci_ties", torch.tensor([123455.0, 123445.0, 1.0], dtype=f64))
add("int_mode_f64_2d", torch.tensor([[1.0, -2.0], [300.0, 4.0]], dtype=f64))

# nan / inf.
add("nan_inf_with_values", torch.tensor([1.5, nan, -inf, inf, -2.25]))
add("nan_inf_int_mode", torch.tensor([1.0, nan, -inf, 100.0]))
add("nan_inf_sci", torch.tensor([1e-6, nan, inf, 3.0]))
add("all_nan", torch.tensor([nan, nan]))
add("nan_inf_zero_only", torch.tensor([0.0, nan, inf, -inf]))
add("nan_inf_f64_2d", torch.tensor([[nan, 1e10], [-inf, 0.5]], dtype=f64))

# int64.
torch.manual_seed(2)
add("int64_small", torch.randint(-10, 10, (12,)))
add("int64_positive", torch.randint(0, 100, (5,)))
add("int64_large", torch.randint(-(10**15), 10**15, (6,)))
add("int64_extremes", torch.tensor([2**63 - 1, -(2**63), 0, 1], dtype=i64))
add("int64_2d", torch.randint(-1000, 1000, (4, 5)))
add("int64_3d", torch.randint(0, 7, (2, 3, 4)))
add("int64_wide", torch.randint(-100000, 100000, (3, 20)))
add("int64_long_row", torch.arange(-50, 50))
add("int64_single", torch.tensor([42]))

# Empty tensors.
for shape in [(0,), (2, 0), (0, 3), (0, 2, 3), (3, 0, 2), (1, 1, 0, 1)]:
    tag = "x".join(map(str, shape))
    for dtype in (f32, f64, i64):
        add(f"empty_{tag}_{NAMES[dtype]}", torch.zeros(shape, dtype=dtype))
add("empty_requires_grad", torch.zeros(0), requires_grad=True)
add("empty_2d_f64_requires_grad", torch.zeros(0, 4, dtype=f64), requires_grad=True)
add("empty_grad_fn", torch.zeros(0, 3), grad_fn_op=lambda x: x * 2)
add("empty_f64_grad_fn", torch.zeros(2, 0, dtype=f64), grad_fn_op=lambda x: x * 2)

# Ranks 2..6, small.
torch.manual_seed(3)
for shape in [(1, 1), (2, 3), (3, 1), (4, 4), (2, 2, 2), (3, 1, 4), (2, 3, 4), (1, 2, 1, 3), (2, 2, 2, 2),
              (3, 2, 2, 3), (2, 1, 2, 1, 2), (1, 2, 1, 2, 1, 2)]:
    tag = "x".join(map(str, shape))
    add(f"randn_{tag}", torch.randn(shape))
    add(f"randn_{tag}_f64_sci", torch.randn(shape, dtype=f64) * 1e-5)
    add(f"int_{tag}", torch.randint(-20, 20, shape))

# Wide rows that wrap at linewidth 80.
torch.manual_seed(4)
add("wide_2x30", torch.randn(2, 30))
add("wide_1x100", torch.rand(1, 100))
add("wide_3x50_f64", torch.randn(3, 50, dtype=f64))
add("wide_2x2x25", torch.randn(2, 2, 25))
add("wide_2x3x2x20_sci", torch.randn(2, 3, 2, 20) * 1e6)
add("wide_100", torch.randn(100))
add("wide_int_mode_60", torch.arange(60, dtype=f32) * 3 - 90)
add("wide_nan_row", torch.tensor([nan] * 40))

# Summarized (> 1000 elements), all ranks; data rebuilt from a recipe.
add_recipe("big_1001", (1001,), f32, scale=0.001)
add_recipe("big_2000_f64", (2000,), f64, offset=-500, scale=0.01)
add_recipe("big_1500_int", (1500,), i64, offset=-500)
add_recipe("big_1200_int_mode", (1200,), f32, offset=-500)
add_recipe("big_2000_sci", (2000,), f32, mod=100003, offset=1, scale=1e-3)
add_recipe("big_40x30", (40, 30), f32, offset=-500, scale=0.125)
add_recipe("big_1001x1", (1001, 1), f32, scale=0.5)
add_recipe("big_1x1001", (1, 1001), f64, scale=1.5)
add_recipe("big_5x300", (5, 300), f32, scale=1e-3)
add_recipe("big_300x5_int", (300, 5), i64, mod=1000000, offset=-500000)
add_recipe("big_10x10x11", (10, 10, 11), f32, offset=-500, scale=3.3)
add_recipe("big_2x3x200", (2, 3, 200), f64, scale=1e5)
add_recipe("big_7x7x7x7", (7, 7, 7, 7), f32, scale=0.01)
add_recipe("big_6x6x6x6", (6, 6, 6, 6), f32, scale=0.01)
add_recipe("big_8x2x8x9_int", (8, 2, 8, 9), i64, offset=-10**12, mod=10**13, mul=987654321)
add_recipe("big_3x4x5x6x7", (3, 4, 5, 6, 7), f32, offset=-500, scale=0.25)
add_recipe("big_requires_grad", (33, 33), f32, requires_grad=True, scale=0.01)
add_recipe("big_f64_requires_grad", (1100,), f64, requires_grad=True, scale=1e-7, offset=1)
add_recipe("big_sci_wide", (4, 400), f32, offset=1, mod=10**7, scale=1e3)

# requires_grad leaves and grad_fn non-leaves, with suffixes that fit or wrap.
torch.manual_seed(5)
add("requires_grad_1d", torch.randn(3), requires_grad=True)
add("requires_grad_f64_1d", torch.randn(3, dtype=f64), requires_grad=True)
add("requires_grad_2d", torch.randn(2, 3), requires_grad=True)
add("requires_grad_f64_2d", torch.randn(3, 2, dtype=f64), requires_grad=True)
add("requires_grad_wide", torch.randn(2, 30), requires_grad=True)
add("requires_grad_f64_wide", torch.randn(40, dtype=f64), requires_grad=True)
add("grad_fn_mul", torch.randn(3), grad_fn_op=lambda x: x * 2)
add("grad_fn_add_2d", torch.randn(2, 2), grad_fn_op=lambda x: x + 1)
add("grad_fn_f64_mul", torch.randn(4, dtype=f64), grad_fn_op=lambda x: x * 2)
add("grad_fn_f64_exp_3d", torch.randn(2, 2, 2, dtype=f64), grad_fn_op=lambda x: x.exp())
add("grad_fn_wide", torch.randn(2, 30), grad_fn_op=lambda x: x * 2)
add("grad_fn_f64_wide", torch.randn(3, 30, dtype=f64), grad_fn_op=lambda x: x.tanh())
add("grad_fn_view", torch.randn(6), grad_fn_op=lambda x: x.view(2, 3))
add("grad_fn_big", torch.randn(1100), grad_fn_op=lambda x: x * 2)
add("grad_fn_f64_big_2d", torch.randn(50, 50, dtype=f64), grad_fn_op=lambda x: x * 2)
# Row lengths that put the suffix exactly at and around the 80-column limit.
for n in range(1, 12):
    add(f"suffix_fit_f64_{n}", torch.full((n,), 1.5, dtype=f64), requires_grad=True)
    add(f"suffix_fit_grad_fn_{n}", torch.full((n,), 0.25), grad_fn_op=lambda x: x * 2)
    add(f"suffix_fit_f64_grad_fn_{n}", torch.full((n,), -2.0, dtype=f64), grad_fn_op=lambda x: x * 2)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump(cases, f, indent=0, allow_nan=False)
print(f"{len(cases)} cases written to {os.path.normpath(OUT)}")
