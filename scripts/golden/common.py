"""Helpers shared by the golden-data generators: a safetensors writer (written here, no
extra package needed) and a fixed seed. Each generator module in this folder defines
generate(out_dir) and writes small files named after its op stem."""
import json
import os
import struct

import torch

SEED = 20261121


def save(path, tensors, metadata=None):
    """Writes {name: tensor} as safetensors (F32 / I64, little endian), sorted by name."""
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blobs, offset = [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        if t.dtype == torch.float64:
            t = t.float()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def convolution_case(tensors, name, g, x_shape, w_shape, out_channels, has_bias, config, conv):
    """One case of a convolution's golden file, keys "<name>.<tensor>": float32 input x,
    weight and (when has_bias) bias drawn from g in [-1, 1), `conv(x, w, b)` and every
    gradient computed in float64 for a drawn upstream gradient grad_y, and "<name>.config"
    holding the integer list `config` (stride, padding, ...)."""
    x = torch.rand(x_shape, generator=g) * 2 - 1
    w = torch.rand(w_shape, generator=g) * 2 - 1
    b = torch.rand(out_channels, generator=g) * 2 - 1
    x64 = x.double().requires_grad_()
    w64 = w.double().requires_grad_()
    b64 = b.double().requires_grad_() if has_bias else None
    y = conv(x64, w64, b64)
    grad_y = torch.rand(y.shape, generator=g) * 2 - 1
    y.backward(grad_y.double())
    tensors[f"{name}.config"] = torch.tensor(config, dtype=torch.int64)
    tensors[f"{name}.x"] = x
    tensors[f"{name}.weight"] = w
    tensors[f"{name}.y"] = y
    tensors[f"{name}.grad_y"] = grad_y
    tensors[f"{name}.grad_x"] = x64.grad
    tensors[f"{name}.grad_weight"] = w64.grad
    if has_bias:
        tensors[f"{name}.bias"] = b
        tensors[f"{name}.grad_bias"] = b64.grad
