"""Golden data for max_pool2d (its gradient shows which element won each window),
avg_pool2d (count_include_pad both ways) and global average pooling: forward and backward
for a fixed upstream gradient. One file, tests/golden/pool.safetensors, keys
"<case>.<tensor>". Max-pool inputs are a shuffled ramp, so every window has one clear winner."""
import os

import torch
import torch.nn.functional as F

from common import SEED, save

# case name -> (kind, input shape, kernel, stride, padding, ceil_mode, count_include_pad)
CASES = {
    "max_k2s2": ("max", (2, 3, 7, 9), 2, 2, 0, False, None),
    "max_k3s2p1": ("max", (2, 3, 9, 11), 3, 2, 1, False, None),
    "max_k3s2p1_ceil": ("max", (1, 2, 8, 8), 3, 2, 1, True, None),
    "max_k2s2p1_ceil": ("max", (1, 2, 5, 7), 2, 2, 1, True, None),
    "max_rect": ("max", (2, 2, 6, 7), (2, 3), (1, 2), (1, 0), False, None),
    "avg_k2s2": ("avg", (2, 3, 7, 9), 2, 2, 0, False, True),
    "avg_k3s2p1_incl": ("avg", (2, 3, 9, 11), 3, 2, 1, False, True),
    "avg_k3s2p1_excl": ("avg", (2, 3, 9, 11), 3, 2, 1, False, False),
    "avg_k3s2p1_ceil_incl": ("avg", (1, 2, 8, 8), 3, 2, 1, True, True),
    "avg_k3s2p1_ceil_excl": ("avg", (1, 2, 8, 8), 3, 2, 1, True, False),
    "avg_k2s2p1_ceil_excl": ("avg", (1, 2, 5, 7), 2, 2, 1, True, False),
    "global": ("global", (2, 3, 5, 7), None, None, None, None, None),
}


def generate(out_dir):
    g = torch.Generator().manual_seed(SEED)
    tensors = {}
    for name, (kind, shape, kernel, stride, padding, ceil_mode, include_pad) in CASES.items():
        n = torch.Size(shape).numel()
        x = (torch.randperm(n, generator=g).float() / n * 2 - 1).reshape(shape).requires_grad_()
        if kind == "max":
            y = F.max_pool2d(x, kernel, stride, padding, ceil_mode=ceil_mode)
        elif kind == "avg":
            y = F.avg_pool2d(x, kernel, stride, padding, ceil_mode=ceil_mode,
                             count_include_pad=include_pad)
        else:
            y = F.adaptive_avg_pool2d(x, 1)
        grad_y = torch.rand(y.shape, generator=g) * 2 - 1
        y.backward(grad_y)
        tensors[f"{name}.x"] = x
        tensors[f"{name}.y"] = y
        tensors[f"{name}.grad_y"] = grad_y
        tensors[f"{name}.grad_x"] = x.grad
    save(os.path.join(out_dir, "pool.safetensors"), tensors)
