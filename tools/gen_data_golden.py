#!/usr/bin/python3
"""Writes Autograd.Tests/Golden/data.json: torch.utils.data's orders and random draws in PyTorch 1.13.

Run with the Debian PyTorch 1.13 (/usr/bin/python3).

"loaders": each case seeds the default generator with `seed`, builds TensorDataset(X, Y) with X = arange(2n) as an
(n, 2) float32 tensor and Y = arange(n) (int64), and a DataLoader(batch_size, shuffle, drop_last, generator) where
`generator_seed` (if not null) seeds a torch.Generator given to the loader. Each entry of `epochs` is a pass that
takes `take` batches (null: all) and records every batch's Y values; after the passes, `rand` is torch.rand(4) from
the default generator and `generator_rand` torch.rand(4) from the loader's generator (float32 bit patterns as hex),
so the number of words each pass takes is checked too. `length` is len(loader).

"splits": random_split(TensorDataset(arange(n)), lengths, generator) with the default generator seeded with `seed`
(generator_seed null) or a fresh generator; each subset's indices, then the rand draws as above.

"random_int64": torch.empty((), dtype=torch.int64).random_(generator) for a generator seeded with `seed`, `count`
times, then the generator's next torch.rand(2).

"errors": the messages of invalid calls.
"""
import json
import pathlib
import struct

import torch
from torch.utils.data import DataLoader, TensorDataset, random_split

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Autograd.Tests" / "Golden"


def float_hex(tensor):
    return "".join(f"{struct.unpack('<I', struct.pack('<f', v))[0]:08x}" for v in tensor.flatten().tolist())


def dataset(n):
    x = torch.arange(2 * n, dtype=torch.float32).view(n, 2)
    y = torch.arange(n)
    return TensorDataset(x, y)


def loader_case(seed, n, batch_size, shuffle, drop_last, generator_seed, takes):
    torch.manual_seed(seed)
    generator = None if generator_seed is None else torch.Generator().manual_seed(generator_seed)
    loader = DataLoader(dataset(n), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last, generator=generator)
    epochs = []
    for take in takes:
        batches = []
        iterator = iter(loader)
        for x, y in iterator:
            assert torch.equal(x, torch.stack([y * 2, y * 2 + 1], 1).float())
            batches.append(y.tolist())
            if take is not None and len(batches) == take:
                break
        epochs.append({"take": take, "batches": batches})
    case = {
        "seed": seed, "n": n, "batch_size": batch_size, "shuffle": shuffle, "drop_last": drop_last,
        "generator_seed": generator_seed, "length": len(loader), "epochs": epochs,
        "rand": float_hex(torch.rand(4)),
    }
    if generator is not None:
        case["generator_rand"] = float_hex(torch.rand(4, generator=generator))
    return case


def loader_take_zero(seed, n, shuffle, generator_seed):
    """iter(loader) alone (no batch taken): only the base seed is drawn."""
    torch.manual_seed(seed)
    generator = None if generator_seed is None else torch.Generator().manual_seed(generator_seed)
    loader = DataLoader(dataset(n), batch_size=2, shuffle=shuffle, generator=generator)
    iter(loader)
    case = {"seed": seed, "n": n, "batch_size": 2, "shuffle": shuffle, "drop_last": False, "generator_seed": generator_seed,
            "length": len(loader), "epochs": [{"take": 0, "batches": []}], "rand": float_hex(torch.rand(4))}
    if generator is not None:
        case["generator_rand"] = float_hex(torch.rand(4, generator=generator))
    return case


def split_case(seed, n, lengths, generator_seed):
    torch.manual_seed(seed)
    generator = None if generator_seed is None else torch.Generator().manual_seed(generator_seed)
    data = TensorDataset(torch.arange(n))
    subsets = random_split(data, lengths, generator=generator) if generator is not None else random_split(data, lengths)
    case = {"seed": seed, "n": n, "lengths": lengths, "generator_seed": generator_seed,
            "subsets": [[int(s[i][0]) for i in range(len(s))] for s in subsets],
            "indices": [list(s.indices) for s in subsets], "rand": float_hex(torch.rand(4))}
    if generator is not None:
        case["generator_rand"] = float_hex(torch.rand(4, generator=generator))
    return case


def message(call):
    try:
        call()
    except Exception as e:  # noqa: BLE001 - the message is what is recorded
        return str(e)
    raise AssertionError("no error")


def main():
    loaders = []
    for seed in (0, 1, 42, 1234, 2**40 + 7):
        loaders.append(loader_case(seed, 10, 3, True, False, None, [None, None]))
    for n, batch_size, drop_last in ((10, 3, True), (10, 5, False), (10, 5, True), (7, 10, False), (7, 10, True), (1, 1, False),
                                     (100, 16, False), (300, 64, True)):
        loaders.append(loader_case(3, n, batch_size, True, drop_last, None, [None, None, None]))
    for n, batch_size, drop_last in ((10, 3, False), (10, 3, True), (10, 5, False), (0, 4, False), (5, 1, True)):
        loaders.append(loader_case(5, n, batch_size, False, drop_last, None, [None, None]))
    for generator_seed, shuffle, drop_last in ((0, True, False), (7, True, True), (99, False, False), (2**33, True, False)):
        loaders.append(loader_case(11, 10, 4, shuffle, drop_last, generator_seed, [None, None]))
    # Passes left early: the base seed and the order are drawn, the end-of-pass permutation is not.
    loaders.append(loader_case(8, 10, 3, True, False, None, [1, 2, None]))
    loaders.append(loader_case(8, 10, 3, True, False, 21, [1, 2, None]))
    loaders.append(loader_case(8, 9, 3, True, False, 21, [3, None]))
    loaders.append(loader_case(8, 9, 3, True, True, 21, [3, None]))
    loaders.append(loader_take_zero(13, 10, True, None))
    loaders.append(loader_take_zero(13, 10, True, 4))
    loaders.append(loader_take_zero(13, 10, False, None))

    splits = [
        split_case(0, 10, [3, 7], None),
        split_case(42, 10, [3, 7], 42),
        split_case(5, 30, [0.3, 0.3, 0.4], 42),
        split_case(5, 11, [0.5, 0.5], None),
        split_case(5, 10, [0.25, 0.25, 0.25, 0.25], None),
        split_case(6, 5, [1], None),
        split_case(6, 5, [0, 5], 3),
        split_case(9, 100, [50, 30, 20], None),
    ]

    random_int64 = []
    for seed in (0, 1, 5, 67280421310721, 2**63 - 1):
        g = torch.Generator().manual_seed(seed)
        values = [int(torch.empty((), dtype=torch.int64).random_(generator=g).item()) for _ in range(5)]
        random_int64.append({"seed": seed, "values": values, "rand": float_hex(torch.rand(2, generator=g))})

    errors = {
        "size mismatch": message(lambda: TensorDataset(torch.zeros(3, 2), torch.zeros(4))),
        "split sum": message(lambda: random_split(dataset(5), [2, 2])),
        "split fraction": message(lambda: random_split(dataset(5), [1.5, -0.5])),
        "batch size": message(lambda: DataLoader(dataset(5), batch_size=0)),
        "empty shuffle": message(lambda: DataLoader(dataset(0), shuffle=True)),
    }

    out = {"loaders": loaders, "splits": splits, "random_int64": random_int64, "errors": errors}
    (ROOT / "data.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
