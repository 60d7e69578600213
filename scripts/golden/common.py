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
