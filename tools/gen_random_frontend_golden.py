#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/random_frontend.json and Autograd.Tests/Golden/factories.json.

Run with the Debian PyTorch 1.13 (/usr/bin/python3) on an AVX2 machine, single-threaded (as that build runs by
default; set here explicitly, since arange and linspace split their work by thread, and each part's vectorized
blocks start from the part's own start).

random_frontend.json: each case starts a fresh torch.Generator with `seed` and replays `calls` in order. Every
call records what PyTorch returned: a tensor is {"dtype", "shape", "hex"} (each element's bit pattern, 8 hex
digits per float32, 16 per float64 and int64, row-major) or, when large, {"dtype", "shape", "sha256"} of its
little-endian bytes. A call that draws is followed by {"op": "rand"} draws, so the number of words each call
takes from the generator is checked too. "get_state" records torch's get_state() bytes; "set_state" gives
bytes that PyTorch made, which the replay must accept (5056 bytes, or PyTorch's legacy 5048-byte layout).

factories.json: arange and linspace results, in the same tensor encoding.
"""
import hashlib
import json
import pathlib
import struct

import torch

torch.set_num_threads(1)

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden"
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}
BIT_VIEWS = {"float32": torch.int32, "float64": torch.int64, "int64": torch.int64}
HEX_DIGITS = {"float32": 8, "float64": 16, "int64": 16}
FULL_LIMIT = 4096


def dtype_name(tensor):
    return {v: k for k, v in DTYPES.items()}[tensor.dtype]


def encode(tensor):
    name = dtype_name(tensor)
    result = {"dtype": name, "shape": list(tensor.shape)}
    if tensor.numel() > FULL_LIMIT:
        result["sha256"] = hashlib.sha256(tensor.contiguous().numpy().tobytes()).hexdigest()
        return result
    width = HEX_DIGITS[name]
    mask = (1 << (4 * width)) - 1
    result["hex"] = "".join(f"{v & mask:0{width}x}" for v in tensor.view(BIT_VIEWS[name]).flatten().tolist())
    return result


def decode(encoded):
    name = encoded["dtype"]
    width = HEX_DIGITS[name]
    text = encoded["hex"]
    words = [int(text[i:i + width], 16) for i in range(0, len(text), width)]
    signed = [w - (1 << (4 * width)) if w >= 1 << (4 * width - 1) else w for w in words]
    return torch.tensor(signed, dtype=BIT_VIEWS[name]).view(DTYPES[name]).reshape(encoded["shape"])


def state_hex(generator):
    return bytes(generator.get_state().tolist()).hex()


def state_tensor(hex_text):
    return torch.tensor(list(bytes.fromhex(hex_text)), dtype=torch.uint8)


def run(generator, call):
    op = call["op"]
    if op == "rand":
        return torch.rand(call["shape"], dtype=DTYPES[call.get("dtype", "float32")], generator=generator)
    if op == "randn":
        return torch.randn(call["shape"], dtype=DTYPES[call.get("dtype", "float32")], generator=generator)
    if op == "randint":
        return torch.randint(call["low"], call["high"], call["shape"], generator=generator)
    if op == "randperm":
        return torch.randperm(call["n"], generator=generator)
    if op == "multinomial":
        return torch.multinomial(decode(call["input"]), call["num_samples"], call["replacement"], generator=generator)
    if op == "normal":
        return torch.normal(call["mean"], call["std"], call["shape"], generator=generator)
    if op == "normal_":
        return torch.empty(call["shape"], dtype=DTYPES[call["dtype"]]).normal_(call["mean"], call["std"], generator=generator)
    if op == "bernoulli":
        return torch.bernoulli(decode(call["input"]), generator=generator)
    raise ValueError(op)


def replay(seed, calls):
    generator = torch.Generator()
    generator.manual_seed(seed)
    recorded = []
    for call in calls:
        if call["op"] == "get_state":
            recorded.append({"op": "get_state", "hex": state_hex(generator)})
        elif call["op"] == "set_state":
            generator.set_state(state_tensor(call["hex"]))
            recorded.append(dict(call))
        else:
            recorded.append({**call, "result": encode(run(generator, call))})
            recorded.append({"op": "rand", "shape": [3], "result": encode(run(generator, {"op": "rand", "shape": [3]}))})
    return {"seed": seed, "calls": recorded}


def probs(shape, dtype, seed, zeros=0.0, offset=0.01):
    """Random weights (probabilities for bernoulli with offset 0), a share `zeros` of them zero."""
    g = torch.Generator().manual_seed(seed)
    p = torch.rand(shape, dtype=DTYPES[dtype], generator=g) + offset
    if zeros:
        p[torch.rand(shape, generator=g) < zeros] = 0
        if p.dim() == 1:
            p[0] = 0.5
        else:
            p[:, 0] = 0.5
    return encode(p)


def random_cases():
    seeds = [0, 1, 42, 1234, 2**32 + 5, -7, 67280421310721]
    for seed in seeds:
        yield replay(seed, [
            {"op": "randint", "low": 0, "high": 10, "shape": [20]},
            {"op": "randint", "low": -5, "high": 3, "shape": [3, 4]},
            {"op": "randint", "low": 0, "high": 2**32 - 1, "shape": [5]},
            {"op": "randint", "low": 0, "high": 2**32, "shape": [5]},
            {"op": "randint", "low": -2**40, "high": 2**41 + 3, "shape": [6]},
            {"op": "randint", "low": -2**62, "high": 2**62, "shape": [4]},
            {"op": "randint", "low": 7, "high": 8, "shape": [2, 2]},
            {"op": "randint", "low": 0, "high": 3, "shape": [0]},
        ])
        yield replay(seed, [{"op": "randperm", "n": n} for n in [0, 1, 2, 3, 5, 10, 100, 1000]])
        yield replay(seed, [
            {"op": "normal", "mean": 0.0, "std": 1.0, "shape": [5]},
            {"op": "normal", "mean": 2.5, "std": 0.3, "shape": [3]},
            {"op": "normal", "mean": -1.0, "std": 4.0, "shape": [16]},
            {"op": "normal", "mean": 3.0, "std": 0.01, "shape": [7, 5]},
            {"op": "normal", "mean": 1.0, "std": 0.0, "shape": [20]},
            {"op": "normal_", "mean": 0.5, "std": 2.0, "shape": [3], "dtype": "float64"},
            {"op": "normal_", "mean": 0.5, "std": 2.0, "shape": [40], "dtype": "float64"},
            {"op": "normal_", "mean": -3.0, "std": 0.7, "shape": [2, 9], "dtype": "float32"},
            {"op": "normal_", "mean": -3.0, "std": 0.7, "shape": [1], "dtype": "float32"},
            {"op": "randn", "shape": [1], "dtype": "float64"},
        ])
        yield replay(seed, [
            {"op": "bernoulli", "input": probs([10], "float32", seed % 1000 + 1, offset=0)},
            {"op": "bernoulli", "input": probs([3, 7], "float64", seed % 1000 + 2, offset=0)},
            {"op": "bernoulli", "input": encode(torch.tensor([0.0, 1.0, 0.5, 1.0, 0.0]))},
            {"op": "multinomial", "input": probs([6], "float32", seed % 1000 + 3), "num_samples": 4, "replacement": False},
            {"op": "multinomial", "input": probs([6], "float32", seed % 1000 + 4), "num_samples": 10, "replacement": True},
            {"op": "multinomial", "input": probs([6], "float32", seed % 1000 + 5), "num_samples": 1, "replacement": True},
            {"op": "multinomial", "input": probs([4, 9], "float32", seed % 1000 + 6), "num_samples": 9, "replacement": False},
            {"op": "multinomial", "input": probs([4, 9], "float64", seed % 1000 + 7), "num_samples": 20, "replacement": True},
            {"op": "multinomial", "input": probs([3, 12], "float64", seed % 1000 + 8, zeros=0.4), "num_samples": 7, "replacement": True},
            {"op": "multinomial", "input": probs([3, 300], "float32", seed % 1000 + 9), "num_samples": 3, "replacement": False},
            {"op": "multinomial", "input": probs([3, 300], "float64", seed % 1000 + 10), "num_samples": 1, "replacement": False},
            {"op": "multinomial", "input": probs([1000], "float32", seed % 1000 + 11, zeros=0.5), "num_samples": 50, "replacement": False},
        ])

    # randperm around and far above the sizes where block effects could show, and at 2^24 + 3.
    yield replay(5, [{"op": "randperm", "n": n} for n in [4095, 4096, 4097, 65536, 100003]])
    yield replay(77, [{"op": "randperm", "n": 2**24 + 3}])

    # State: torch's bytes after seeding, after draws, with a cached double normal; set_state from bytes torch made.
    donor = torch.Generator().manual_seed(99)
    torch.rand(700, generator=donor)
    torch.randn(3, dtype=torch.float64, generator=donor)   # leaves a cached normal
    donor_state = state_hex(donor)
    yield replay(3, [
        {"op": "get_state"},
        {"op": "rand", "shape": [5]},
        {"op": "get_state"},
        {"op": "randn", "shape": [1], "dtype": "float64"},
        {"op": "get_state"},
        {"op": "randn", "shape": [1], "dtype": "float64"},
        {"op": "get_state"},
        {"op": "rand", "shape": [620]},
        {"op": "get_state"},
        {"op": "set_state", "hex": donor_state},
        {"op": "get_state"},
        {"op": "randn", "shape": [2], "dtype": "float64"},
        {"op": "get_state"},
    ])
    legacy = bytearray(bytes.fromhex(donor_state)[:5048])
    struct.pack_into("<dddi", legacy, 5016, 0.3, 0.0, 1.7, 1)   # normal_x, normal_y, normal_rho, normal_is_valid
    yield replay(4, [
        {"op": "set_state", "hex": legacy.hex()},
        {"op": "randn", "shape": [1], "dtype": "float64"},
        {"op": "get_state"},
    ])
    seeded = torch.Generator().manual_seed(2**63 - 1)
    yield replay(-1, [{"op": "get_state"}, {"op": "set_state", "hex": state_hex(seeded)}, {"op": "get_state"}])


def tensor_case(kind, args, result):
    return {"op": kind, **args, "result": encode(result)}


def factory_cases():
    for start, end, step in [(0, 10, 1), (0, 10, 3), (10, 0, -3), (-5, 5, 2), (3, 4, 1), (0, 0, 1), (5, 5, -1),
                             (-(2**40), 2**40, 2**38 + 1), (0, 100000, 1), (7, 70000, 7)]:
        yield tensor_case("arange_long", {"start": start, "end": end, "step": step}, torch.arange(start, end, step))
    floats = [(0.0, 1.0, 0.1), (0.0, 1.0, 0.3), (1.0, 0.0, -0.1), (-2.5, 7.25, 0.37), (0.0, 10.0, 1.0),
              (0.1, 100.3, 0.7), (0.0, 1e-3, 1e-5), (-1e6, 1e6, 12345.678), (0.0, 3.0, 1.5), (1.0, 1.0, 0.5),
              (0.0, 20.0, 0.01), (0.0, 50000.0, 0.5)]
    for dtype in ["float32", "float64"]:
        for start, end, step in floats:
            result = torch.arange(start, end, step, dtype=DTYPES[dtype])
            yield tensor_case("arange_double", {"start": start, "end": end, "step": step, "dtype": dtype}, result)
    for start, end, step in [(0.0, 5.0, 1.5), (0.5, 5.0, 1.5), (-3.7, 8.2, 2.0), (10.0, -3.0, -2.5)]:
        result = torch.arange(start, end, step, dtype=torch.int64)
        yield tensor_case("arange_double", {"start": start, "end": end, "step": step, "dtype": "int64"}, result)

    spans = [(0.0, 1.0), (-1.0, 1.0), (3.0, -7.5), (0.1, 0.7), (-1e4, 3.3e3), (1e-7, 2e-7), (5.0, 5.0), (0.0, 1e20)]
    for dtype in ["float32", "float64"]:
        for start, end in spans:
            for steps in [0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 50, 100, 257, 1000, 4099]:
                result = torch.linspace(start, end, steps, dtype=DTYPES[dtype])
                yield tensor_case("linspace", {"start": start, "end": end, "steps": steps, "dtype": dtype}, result)
        for start, end, steps in [(0.0, 1.0, 32768), (-3.0, 11.0, 100001), (1.0, 0.0, 65537)]:
            result = torch.linspace(start, end, steps, dtype=DTYPES[dtype])
            yield tensor_case("linspace", {"start": start, "end": end, "steps": steps, "dtype": dtype}, result)
    for start, end, steps in [(0.0, 10.0, 5), (0.0, 10.0, 7), (0.0, -10.0, 7), (-3.7, 8.9, 11), (0.0, 100.0, 33), (5.0, -95.0, 41)]:
        result = torch.linspace(start, end, steps, dtype=torch.int64)
        yield tensor_case("linspace", {"start": start, "end": end, "steps": steps, "dtype": "int64"}, result)


def write(name, payload):
    path = ROOT / name
    path.write_text(json.dumps(payload, separators=(",", ":")) + "\n")
    print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    write("random_frontend.json", {"torch": torch.__version__, "cases": list(random_cases())})
    write("factories.json", {"torch": torch.__version__, "cases": list(factory_cases())})
