"""Golden data for linear: output and all gradients for a fixed upstream gradient, with
and without bias, for one row and for a batch. One file, tests/golden/linear.safetensors,
keys "<case>.<tensor>". Inputs are float32; the reference is computed in float64."""
import os

import torch
import torch.nn.functional as F

from common import SEED, save

# case -> (rows N, in_features, out_features, bias)
CASES = {
    "small": (4, 7, 3, True),
    "row_nobias": (1, 5, 6, False),
    "batch16": (16, 64, 10, True),
}


def generate(out_dir):
    g = torch.Generator().manual_seed(SEED + 2)
    tensors = {}
    for name, (rows, fan_in, fan_out, has_bias) in CASES.items():
        x = torch.rand(rows, fan_in, generator=g) * 2 - 1
        w = torch.rand(fan_out, fan_in, generator=g) * 2 - 1
        b = torch.rand(fan_out, generator=g) * 2 - 1
        x64 = x.double().requires_grad_()
        w64 = w.double().requires_grad_()
        b64 = b.double().requires_grad_() if has_bias else None
        y = F.linear(x64, w64, b64)
        grad_y = torch.rand(y.shape, generator=g) * 2 - 1
        y.backward(grad_y.double())
        tensors.update({f"{name}.x": x, f"{name}.weight": w, f"{name}.y": y,
                        f"{name}.grad_y": grad_y, f"{name}.grad_x": x64.grad,
                        f"{name}.grad_weight": w64.grad})
        if has_bias:
            tensors[f"{name}.bias"] = b
            tensors[f"{name}.grad_bias"] = b64.grad
    save(os.path.join(out_dir, "linear.safetensors"), tensors)
