"""Golden data for conv2d: output and the gradients of input, weight and bias for a fixed
upstream gradient, over several geometries (odd sizes, stride, padding, dilation, a
pointwise kernel, no bias). One file, tests/golden/conv2d.safetensors, keys
"<case>.<tensor>"; "<case>.config" holds [stride_h, stride_w, pad_h, pad_w, dil_h, dil_w].
Inputs are float32; the reference is computed in float64, so the test measures only the
engine's own rounding."""
import os

import torch
import torch.nn.functional as F

from common import SEED, convolution_case, save

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
        convolution_case(
            tensors, name, g, shape, (out_ch, shape[1]) + kernel, out_ch, has_bias,
            stride + padding + dilation,
            lambda x, w, b, s=stride, p=padding, d=dilation: F.conv2d(x, w, b, s, p, d))
    save(os.path.join(out_dir, "conv2d.safetensors"), tensors)
