"""Golden data for the activations and for softmax / log_softmax.

Computed in float64 from the stored float32 inputs with torch's own functions, so the
golden values are exact to float32 rounding and the tests measure only leuko's error.

activation.safetensors:
  "x" [4, 3, 5, 7] ~ 3 * N(0, 1) and "x_extreme" [10] (saturation, just around 0);
  for each of them "<key>/relu", "/leaky_relu_0.1", "/elu_1", "/elu_0.5", "/sigmoid",
  "/tanh" (forward values).
softmax.safetensors (softmax is the normalizing activation, kept beside the others here):
  "x" [3, 4, 5] ~ 4 * N(0, 1), "grad_output" [3, 4, 5] ~ N(0, 1); for dim in 0, 1, 2:
  "softmax/dim<d>", "log_softmax/dim<d>" (forward) and "softmax_grad/dim<d>",
  "log_softmax_grad/dim<d>" (vector-Jacobian product with grad_output).
"""
import os

import torch
import torch.nn.functional as F

from common import SEED, save

ACTIVATIONS = {
    "relu": F.relu,
    "leaky_relu_0.1": lambda t: F.leaky_relu(t, 0.1),
    "elu_1": lambda t: F.elu(t, 1.0),
    "elu_0.5": lambda t: F.elu(t, 0.5),
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
}


def activations(gen):
    x = 3 * torch.randn(4, 3, 5, 7, generator=gen)
    x_extreme = torch.tensor([-100.0, -30.0, -9.0, -1e-3, -1e-6, 0.0, 1e-6, 1e-3, 30.0, 100.0])
    tensors = {"x": x, "x_extreme": x_extreme}
    for key, t in (("x", x), ("x_extreme", x_extreme)):
        for name, f in ACTIVATIONS.items():
            tensors[f"{key}/{name}"] = f(t.double())
    return tensors


def softmaxes(gen):
    x = 4 * torch.randn(3, 4, 5, generator=gen)
    grad_output = torch.randn(3, 4, 5, generator=gen)
    tensors = {"x": x, "grad_output": grad_output}
    for dim in range(3):
        for name, f in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
            x64 = x.double().requires_grad_(True)
            y = f(x64, dim)
            y.backward(grad_output.double())
            tensors[f"{name}/dim{dim}"] = y.detach()
            tensors[f"{name}_grad/dim{dim}"] = x64.grad
    return tensors


def generate(out_dir):
    gen = torch.Generator().manual_seed(SEED)
    save(os.path.join(out_dir, "activation.safetensors"), activations(gen))
    save(os.path.join(out_dir, "softmax.safetensors"), softmaxes(gen))
