"""Golden data for batch_norm: forward output, gradients (for a fixed upstream gradient)
and the running buffers after the call, for training and eval mode, 4-D and 2-D input,
affine on and off. One file, tests/golden/batch_norm.safetensors, keys "<case>.<tensor>"."""
import os

import torch
import torch.nn.functional as F

from common import SEED, save

# case name -> (input shape, affine, training, momentum, eps)
CASES = {
    "train4d": ((3, 5, 4, 6), True, True, 0.1, 1e-5),
    "eval4d": ((3, 5, 4, 6), True, False, 0.1, 1e-5),
    "train2d": ((7, 6), True, True, 0.1, 1e-5),
    "eval2d": ((7, 6), True, False, 0.1, 1e-5),
    "train4d_plain": ((2, 3, 5, 3), False, True, 0.3, 1e-3),
}


def generate(out_dir):
    g = torch.Generator().manual_seed(SEED)
    tensors = {}
    for name, (shape, affine, training, momentum, eps) in CASES.items():
        channels = shape[1]
        # An offset mean and a spread other than 1, so the normalization has work to do.
        x = (torch.rand(shape, generator=g) * 4 - 1).requires_grad_()
        running_mean = torch.rand(channels, generator=g) - 0.5
        running_var = torch.rand(channels, generator=g) + 0.5
        tensors[f"{name}.x"] = x
        tensors[f"{name}.running_mean"] = running_mean.clone()
        tensors[f"{name}.running_var"] = running_var.clone()
        weight = bias = None
        if affine:
            weight = (torch.rand(channels, generator=g) + 0.5).requires_grad_()
            bias = (torch.rand(channels, generator=g) - 0.5).requires_grad_()
            tensors[f"{name}.weight"] = weight
            tensors[f"{name}.bias"] = bias
        y = F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)
        grad_y = torch.rand(shape, generator=g) * 2 - 1
        y.backward(grad_y)
        tensors[f"{name}.y"] = y
        tensors[f"{name}.grad_y"] = grad_y
        tensors[f"{name}.grad_x"] = x.grad
        if affine:
            tensors[f"{name}.grad_weight"] = weight.grad
            tensors[f"{name}.grad_bias"] = bias.grad
        tensors[f"{name}.running_mean_after"] = running_mean
        tensors[f"{name}.running_var_after"] = running_var
    save(os.path.join(out_dir, "batch_norm.safetensors"), tensors)
