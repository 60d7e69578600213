"""Golden data for conv2d: output and the gradients of input, weight and bias for a fixed
upstream gradient, over several geometries (odd sizes, stride, padding, dilation, a
pointwise kernel, no bias). One file, tests/golden/conv2d.safetensors, keys
"<case>.<tensor>"; "<case>.config" holds [stride_h, stride_w, pad_h, pad_w, dil_h, dil_w].
Inputs are float32; the reference is computed in float64, so the test measures only the
engine's own rounding."""
import os

import torch
import torch.nn.functional as F

from common import SEED, save

# case -> (input [N, C, H, W], out channels, kernel, stride, padding, dilation, bias)
CASES = {
    "k3p1": ((2, 3, 7, 5), 4, (3, 3), (1, 1), (1, 1), (1, 1), True),
    "k3s2p1": ((1, 4, 9, 8), 5, (3, 3), (2, 2), (1, 1), (1, 1), True),
    "rect_nobias": ((3, 2, 8, 7), 3, (3, 2), (2, 1), (2, 0), (1, 2), False),
    "pointwise": ((2, 6, 5, 5), 4, (1, 1), (1, 1), (0, 0), (1, 1), True),
    "k5s2p2d2": ((2, 3, 11, 10), 2, (5, 5), (2, 2), (2, 2), (2, 2), True),
    "k3_wide": ((2, 8, 10, 10), 6, (3, 3), (1, 1), (1, 1), (1, 1), True),
}


def generate(out_dir):
    g = torch.Generator().manual_seed(SEED)
    tensors = {}
    for name, (shape, out_ch, kernel, stride, padding, dilation, has_bias) in CASES.items():
        x = torch.rand(shape, generator=g) * 2 - 1
        w = torch.rand((out_ch, shape[1]) + kernel, generator=g) * 2 - 1
        b = torch.rand(out_ch, generator=g) * 2 - 1
        x64 = x.double().requires_grad_()
        w64 = w.double().requires_grad_()
        b64 = b.double().requires_grad_() if has_bias else None
        y = F.conv2d(x64, w64, b64, stride, padding, dilation)
        grad_y = torch.rand(y.shape, generator=g) * 2 - 1
        y.backward(grad_y.double())
        tensors[f"{name}.config"] = torch.tensor(stride + padding + dilation, dtype=torch.int64)
        tensors[f"{name}.x"] = x
        tensors[f"{name}.weight"] = w
        tensors[f"{name}.y"] = y
        tensors[f"{name}.grad_y"] = grad_y
        tensors[f"{name}.grad_x"] = x64.grad
        tensors[f"{name}.grad_weight"] = w64.grad
        if has_bias:
            tensors[f"{name}.bias"] = b
            tensors[f"{name}.grad_bias"] = b64.grad
    save(os.path.join(out_dir, "conv2d.safetensors"), tensors)
