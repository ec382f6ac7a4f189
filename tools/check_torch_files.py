"""Checks files that the library wrote, with PyTorch 1.13 and NumPy (run by hand, not in CI):

    python3 tools/check_torch_files.py DIR

- every DIR/NAME.pt loads with torch.load(path, weights_only=True), and its tensors (by their path in the object:
  "/key/0/...", "." for a bare tensor) equal those of DIR/NAME.npz, which np.load reads;
- every DIR/NAME.safetensors is parsed by the format's specification (the safetensors package is not installable
  here) and equals DIR/NAME.safetensors.npz;
- a DIR/mlp_finetuned.pt from samples/from_pytorch.cs ({'state_dict', 'inputs', 'outputs'}) loads into
  nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)), which reproduces the saved outputs.
Exits non-zero on any difference.
"""
import glob
import json
import os
import struct
import sys

import numpy as np
import torch

NAMES = {"F32": np.float32, "F64": np.float64, "I64": np.int64, "BOOL": np.bool_}


def flatten(obj, path, out):
    if isinstance(obj, torch.Tensor):
        out[path or "."] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            flatten(v, f"{path}/{k}", out)
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            flatten(v, f"{path}/{i}", out)
    return out


def same(name, got, want):
    want = torch.from_numpy(np.asarray(want))
    if got.dtype != want.dtype or tuple(got.shape) != tuple(want.shape) or not torch.equal(got, want):
        print(f"FAIL {name}: {got.dtype} {tuple(got.shape)} vs {want.dtype} {tuple(want.shape)}")
        return False
    return True


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    data = raw[8 + n:]
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], dtype=NAMES[v["dtype"]]).reshape(v["shape"])
            for k, v in header.items()}


def check_mlp(path):
    saved = torch.load(path, weights_only=True)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    model.load_state_dict(saved["state_dict"])
    with torch.no_grad():
        outputs = model(saved["inputs"])
    difference = (outputs - saved["outputs"]).abs().max().item()
    print(f"{os.path.basename(path)}: PyTorch's outputs of the C# model differ from C#'s by at most {difference:.3g}")
    return difference <= 1e-5


def main(folder):
    ok, count = True, 0
    for path in sorted(glob.glob(os.path.join(folder, "*.pt"))):
        count += 1
        if os.path.basename(path) == "mlp_finetuned.pt":
            ok &= check_mlp(path)
            continue
        loaded = torch.load(path, weights_only=True)
        tensors = flatten(loaded, "", {})
        expected = np.load(path[:-3] + ".npz")
        if sorted(tensors) != sorted(expected.files):
            print(f"FAIL {path}: tensors {sorted(tensors)} vs {sorted(expected.files)}")
            ok = False
            continue
        ok &= all(same(f"{path}:{k}", t, expected[k]) for k, t in tensors.items())
        print(f"{os.path.basename(path)}: {type(loaded).__name__} with {len(tensors)} tensors loaded by torch.load(weights_only=True)")
    for path in sorted(glob.glob(os.path.join(folder, "*.safetensors"))):
        count += 1
        tensors = read_safetensors(path)
        expected = np.load(path + ".npz")
        ok &= sorted(tensors) == sorted(expected.files) and all(same(f"{path}:{k}", torch.from_numpy(v.copy()), expected[k]) for k, v in tensors.items())
        print(f"{os.path.basename(path)}: {len(tensors)} tensors")
    print(f"{count} files checked: {'all equal' if ok else 'DIFFERENCES'}")
    return 0 if ok and count > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
