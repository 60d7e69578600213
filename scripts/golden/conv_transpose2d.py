"""Golden data for conv_transpose2d: output and the gradients of input, weight and bias
for a fixed upstream gradient, over several geometries (stride 2 with output_padding,
kernel 2 stride 2, dilation, rectangular settings, no bias). One file,
tests/golden/conv_transpose2d.safetensors, keys "<case>.<tensor>"; "<case>.config" holds
[stride_h, stride_w, pad_h, pad_w, out_pad_h, out_pad_w, dil_h, dil_w]. Inputs are
float32; the reference is computed in float64."""
import os

import torch
import torch.nn.functional as F

from common import SEED, convolution_case, save

# case -> (input [N, C_in, H, W], out channels, kernel, stride, padding, output_padding,
#          dilation, bias)
CASES = {
    "k3": ((2, 3, 4, 5), 2, (3, 3), (1, 1), (0, 0), (0, 0), (1, 1), True),
    "k3s2p1op1": ((1, 4, 5, 4), 3, (3, 3), (2, 2), (1, 1), (1, 1), (1, 1), True),
    "k2s2_nobias": ((2, 2, 3, 4), 3, (2, 2), (2, 2), (0, 0), (0, 0), (1, 1), False),
    "rect_d2": ((1, 3, 4, 4), 2, (3, 2), (2, 1), (1, 0), (1, 0), (2, 1), True),
    "s1d2op1": ((2, 2, 4, 4), 3, (3, 3), (1, 1), (1, 1), (1, 1), (2, 2), True),
}


def generate(out_dir):
    g = torch.Generator().manual_seed(SEED + 1)
    tensors = {}
    for name, (shape, out_ch, kernel, stride, padding, out_pad, dilation, has_bias) in CASES.items():
        convolution_case(
            tensors, name, g, shape, (shape[1], out_ch) + kernel, out_ch, has_bias,
            stride + padding + out_pad + dilation,
            lambda x, w, b, s=stride, p=padding, o=out_pad, d=dilation:
                F.conv_transpose2d(x, w, b, s, p, o, 1, d))
    save(os.path.join(out_dir, "conv_transpose2d.safetensors"), tensors)
