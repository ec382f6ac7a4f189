"""Fixtures for the file formats (Autograd.Tests/Golden/formats/, samples/data/) written by PyTorch 1.13 and NumPy.

Run with /usr/bin/python3 (torch 1.13) from the repository root:
    python3 tools/gen_formats_golden.py

Writes:
- torch.save files: single tensors of each dtype, 0-d, empty, non-contiguous views with offsets and strides sharing one
  storage, a state dict (Linear + BatchNorm1d: float32 parameters, an int64 0-d buffer), a Parameter, mixed containers,
  a state dict whose storages say 'cuda:0' (made by patching the pickle's location strings: this machine has no GPU),
  and malicious files (a pickle calling os.system, a storage claiming 2**31-1 elements).
- .npz files by np.savez and np.savez_compressed.
- a .safetensors file built from the format's specification (the safetensors package is not installable here):
  8-byte little-endian header length, compact JSON with __metadata__ first then the tensors ordered by descending
  dtype alignment and name, spaces padding to 8 bytes, then the data.
- formats.json: the expected contents of each file.
- samples/data/mlp_state_dict.pt: nn.Sequential(Linear(4, 8), ReLU(), Linear(8, 3)) trained here, and
  samples/data/mlp_check.pt: {'inputs', 'outputs'} of that model for samples/from_pytorch.cs.
"""
import io
import json
import math
import os
import pickle
import struct
import zipfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Autograd.Tests", "Golden", "formats")
SAMPLE_DATA = os.path.join(ROOT, "samples", "data")


def value(x):
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
    return x


def describe(obj):
    """JSON of an object: tensors as {dtype, shape, data}, containers recursively."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().contiguous()
        return {"tensor": True, "dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                "data": [value(v) for v in t.flatten().tolist()], "requires_grad": obj.requires_grad}
    if isinstance(obj, dict):
        return {"dict": [[k, describe(v)] for k, v in obj.items()], "ordered": type(obj).__name__ == "OrderedDict"}
    if isinstance(obj, (list, tuple)):
        return {"list" if isinstance(obj, list) else "tuple": [describe(v) for v in obj]}
    return {"value": value(obj), "type": type(obj).__name__}


def save_torch(name, obj):
    path = os.path.join(OUT, name)
    torch.save(obj, path)
    back = torch.load(path)
    return {"file": name, "object": describe(back)}


def patch_pickle(src, dst, patch):
    """Copies a torch.save zip, changing data.pkl with patch(bytes) -> bytes (records stored, as torch writes them)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                data = patch(data)
            zout.writestr(info.filename, data)


def binunicode(text):
    raw = text.encode()
    return b"X" + struct.pack("<I", len(raw)) + raw


def safetensors_bytes(tensors, metadata):
    """The safetensors writer's layout, from the format's specification."""
    rank = {"BOOL": 0, "F32": 1, "F64": 2, "I64": 3}
    names = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.bool: "BOOL"}
    order = sorted(tensors.items(), key=lambda kv: (-rank[names[kv[1].dtype]], kv[0].encode()))
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset, blobs = 0, []
    for name, t in order:
        raw = t.contiguous().numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(SAMPLE_DATA, exist_ok=True)
    torch.manual_seed(0)
    cases = []

    cases.append(save_torch("tensor_f32.pt", torch.randn(2, 3)))
    cases.append(save_torch("tensor_f64.pt", torch.tensor([[1.5, -0.0], [float("inf"), float("nan")]], dtype=torch.float64)))
    cases.append(save_torch("tensor_i64.pt", torch.tensor([-(2 ** 62), -1, 0, 7, 2 ** 40])))
    cases.append(save_torch("scalar.pt", torch.tensor(3.25)))
    cases.append(save_torch("empty.pt", torch.zeros(0, 3)))
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    cases.append(save_torch("views.pt", [base.t(), base[1], base[:, 1::2], base[2:, 3:], base.reshape(2, 12)[1]]))
    shared = torch.arange(10, dtype=torch.int64)
    cases.append(save_torch("shared.pt", {"whole": shared, "tail": shared[4:], "same": shared}))
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    model(torch.randn(5, 3))  # updates the running statistics and num_batches_tracked
    cases.append(save_torch("state_dict.pt", model.state_dict()))
    cases.append(save_torch("parameter.pt", torch.nn.Parameter(torch.randn(3))))
    cases.append(save_torch("mixed.pt", [torch.ones(2, dtype=torch.float64), 3, -5, 100000, 2 ** 40, 2.5,
                                         {"x": torch.tensor([1, 2])}, True, None, "hi", (1, "two")]))

    cuda = "state_dict_cuda.pt"
    patch_pickle(os.path.join(OUT, "state_dict.pt"), os.path.join(OUT, cuda),
                 lambda data: data.replace(binunicode("cpu"), binunicode("cuda:0")))
    assert b"cuda:0" in zipfile.ZipFile(os.path.join(OUT, cuda)).read("state_dict/data.pkl")
    cases.append({"file": cuda, "object": describe(torch.load(os.path.join(OUT, cuda), map_location="cpu"))})

    # A pickle that would run os.system if unpickled without restrictions.
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pickle.dumps(Evil(), protocol=2))
        z.writestr("archive/version", "3\n")
    with open(os.path.join(OUT, "evil_global.pt"), "wb") as f:
        f.write(evil.getvalue())
    # A storage whose persistent id claims 2**31 - 1 float64 elements (16 GiB) while its record holds 16 bytes.
    torch.save(torch.zeros(2, dtype=torch.float64), os.path.join(OUT, "small.pt"))
    patch_pickle(os.path.join(OUT, "small.pt"), os.path.join(OUT, "huge_storage.pt"),
                 lambda data: data.replace(b"cpuq\x04K\x02t", b"cpuq\x04J\xff\xff\xff\x7ft"))
    assert zipfile.ZipFile(os.path.join(OUT, "huge_storage.pt")).read("small/data.pkl") != zipfile.ZipFile(os.path.join(OUT, "small.pt")).read("small/data.pkl")
    os.remove(os.path.join(OUT, "small.pt"))

    arrays = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.array([-3, 0, 2 ** 50], dtype=np.int64),
              "c": np.array(0.1, dtype=np.float64), "d": np.zeros((0, 2), dtype=np.float32)}
    np.savez(os.path.join(OUT, "arrays.npz"), **arrays)
    np.savez_compressed(os.path.join(OUT, "compressed.npz"), **arrays)
    npz = {"arrays": {k: describe(torch.from_numpy(v)) for k, v in arrays.items()}}

    st = {"weight": torch.randn(2, 3), "bias": torch.randn(2), "steps": torch.tensor([1, 2, 3]),
          "scale": torch.tensor(0.5, dtype=torch.float64), "emb.ü": torch.zeros(0, 4)}
    with open(os.path.join(OUT, "model.safetensors"), "wb") as f:
        f.write(safetensors_bytes(st, {"format": "pt"}))
    with open(os.path.join(OUT, "no_metadata.safetensors"), "wb") as f:
        f.write(safetensors_bytes({"attn.0": torch.arange(6, dtype=torch.float32).reshape(1, 2, 3)}, None))
    safetensors = {"model": {k: describe(v) for k, v in st.items()},
                   "no_metadata": {"attn.0": describe(torch.arange(6, dtype=torch.float32).reshape(1, 2, 3))},
                   "model_bytes": list(open(os.path.join(OUT, "model.safetensors"), "rb").read()[:8])}

    with open(os.path.join(OUT, "formats.json"), "w") as f:
        json.dump({"torch": cases, "npz": npz, "safetensors": safetensors}, f)

    # The sample's model: trained here on a toy task (class = argmax of the first three inputs).
    torch.manual_seed(1)
    mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    x = torch.randn(256, 4)
    y = x[:, :3].argmax(1)
    optimizer = torch.optim.SGD(mlp.parameters(), lr=0.5)
    for _ in range(300):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(mlp(x), y).backward()
        optimizer.step()
    torch.save(mlp.state_dict(), os.path.join(SAMPLE_DATA, "mlp_state_dict.pt"))
    inputs = torch.tensor([[1.0, 0.0, 0.0, 0.5], [0.0, 2.0, -1.0, 0.0], [-1.0, -1.0, 1.5, 0.3], [0.2, 0.1, 0.0, -2.0]])
    with torch.no_grad():
        outputs = mlp(inputs)
    torch.save({"inputs": inputs, "outputs": outputs}, os.path.join(SAMPLE_DATA, "mlp_check.pt"))
    print("accuracy", (mlp(x).argmax(1) == y).float().mean().item())
    print(outputs)


if __name__ == "__main__":
    main()
