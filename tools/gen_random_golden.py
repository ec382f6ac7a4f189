#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/random.json: what PyTorch's CPU generator draws, as exact bit patterns.

Run with the Debian PyTorch 1.13 (/usr/bin/python3) on an AVX2 machine: float32 randn of 16 or more
elements goes through PyTorch's AVX2 kernel there.

Each case starts a fresh torch.Generator with `seed` and replays `calls` in order. A call is
{"op": "rand" | "randn", "dtype": "float32" | "float64", "shape": [...], "bits": hex} where `bits` is
every element's bit pattern in row-major order, 8 hex digits per float32 and 16 per float64, or
{"op": "manual_seed", "seed": s}.
"""
import json
import pathlib

import torch

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden" / "random.json"
DTYPES = {"float32": torch.float32, "float64": torch.float64}
BIT_VIEWS = {"float32": torch.int32, "float64": torch.int64}
HEX_DIGITS = {"float32": 8, "float64": 16}
DEFAULT_SEED = torch.Generator().initial_seed()
SEEDS = [0, 1, 1234, 2**32 + 5, 2**40 + 7, -1, -5, 2**63 - 1, DEFAULT_SEED]


def bits_hex(tensor, dtype):
    width = HEX_DIGITS[dtype]
    mask = (1 << (4 * width)) - 1
    return "".join(f"{v & mask:0{width}x}" for v in tensor.view(BIT_VIEWS[dtype]).flatten().tolist())


def replay(seed, calls):
    """Fills in `bits` of every draw in `calls`, drawn from a fresh generator seeded with `seed`."""
    generator = torch.Generator()
    generator.manual_seed(seed)
    recorded = []
    for call in calls:
        if call["op"] == "manual_seed":
            generator.manual_seed(call["seed"])
            recorded.append(dict(call))
            continue
        draw = torch.rand if call["op"] == "rand" else torch.randn
        values = draw(call["shape"], dtype=DTYPES[call["dtype"]], generator=generator)
        recorded.append({**call, "bits": bits_hex(values, call["dtype"])})
    return {"seed": seed, "calls": recorded}


def call(op, dtype, *shape):
    return {"op": op, "dtype": dtype, "shape": list(shape)}


def reseed(seed):
    return {"op": "manual_seed", "seed": seed}


def cases():
    single_calls = [
        call("rand", "float32", 4, 7), call("rand", "float64", 5),
        call("randn", "float32", 1), call("randn", "float32", 2), call("randn", "float32", 15),
        call("randn", "float32", 16), call("randn", "float32", 17), call("randn", "float32", 4, 7),
        call("randn", "float64", 1), call("randn", "float64", 15), call("randn", "float64", 16),
        call("randn", "float64", 17), call("randn", "float64", 33),
    ]
    for seed in SEEDS:
        for single in single_calls:
            yield replay(seed, [single])

    # Sizes 16..100 cover every tail length of the float32 block kernel; 1..15 the cached scalar path.
    for seed in [0, 1234, 2**32 + 5]:
        yield replay(seed, [call("randn", "float32", n) for n in range(16, 101)])
        yield replay(seed, [call("randn", "float32", n) for n in range(1, 16)])
        yield replay(seed, [call("randn", "float64", n) for n in range(1, 41)])
    for seed in [0, 7, 1234, 2**40 + 7]:
        yield replay(seed, [call("randn", "float32", 1000), call("randn", "float32", 64, 64)])
    for seed in [3, 1234]:
        yield replay(seed, [call("randn", "float64", 1000), call("rand", "float64", 1000), call("rand", "float32", 1000)])

    # Mixed sequences: the cached normal survives rand and block draws and is shared by both dtypes;
    # manual_seed drops it.
    yield replay(11, [call("randn", "float32", 3), call("rand", "float32", 5), call("randn", "float64", 1),
                      call("randn", "float32", 20), call("randn", "float32", 1), call("rand", "float64", 3),
                      call("randn", "float64", 2, 3)])
    yield replay(12, [call("randn", "float32", 1), reseed(12), call("randn", "float32", 1)])
    yield replay(13, [call("randn", "float32", 5), reseed(42), call("randn", "float64", 3), call("rand", "float32", 2),
                      call("randn", "float32", 17), call("randn", "float32", 1)])
    yield replay(14, [call("randn", "float64", 1), call("randn", "float32", 16), call("randn", "float32", 1)])
    yield replay(15, [call("rand", "float32", 0), call("randn", "float32", 0), call("randn", "float32"),
                      call("randn", "float64"), call("rand", "float32")])
    yield replay(1234, [call("rand", "float32", 4, 7), reseed(1234), call("rand", "float32", 4, 7),
                        call("randn", "float32", 3), reseed(-7), call("randn", "float32", 3)])


def main():
    golden = {"torch_version": torch.__version__, "default_seed": DEFAULT_SEED, "cases": list(cases())}
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(golden, separators=(",", ":")) + "\n")
    print(f"wrote {len(golden['cases'])} cases to {OUTPUT}")


if __name__ == "__main__":
    main()
