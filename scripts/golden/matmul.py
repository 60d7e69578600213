"""Golden data for matmul, 2-D and batched 3-D: output and both gradients for a fixed
upstream gradient. One file, tests/golden/matmul.safetensors, keys "<case>.<tensor>".
Inputs are float32; the reference is computed in float64."""
import os

import torch

from common import SEED, save

# case -> (a shape, b shape)
CASES = {
    "2d": ((5, 7), (7, 3)),
    "3d": ((3, 4, 6), (3, 6, 5)),
    "2d_tall": ((40, 33), (33, 17)),
}


def generate(out_dir):
    g = torch.Generator().manual_seed(SEED + 3)
    tensors = {}
    for name, (a_shape, b_shape) in CASES.items():
        a = torch.rand(a_shape, generator=g) * 2 - 1
        b = torch.rand(b_shape, generator=g) * 2 - 1
        a64 = a.double().requires_grad_()
        b64 = b.double().requires_grad_()
        y = torch.matmul(a64, b64)
        grad_y = torch.rand(y.shape, generator=g) * 2 - 1
        y.backward(grad_y.double())
        tensors.update({f"{name}.a": a, f"{name}.b": b, f"{name}.y": y,
                        f"{name}.grad_y": grad_y, f"{name}.grad_a": a64.grad,
                        f"{name}.grad_b": b64.grad})
    save(os.path.join(out_dir, "matmul.safetensors"), tensors)
