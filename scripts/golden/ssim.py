"""Golden data for ssim: mean SSIM and its gradients w.r.t. both images.

The reference follows pytorch_msssim's `ssim` at its defaults (not installed here, so it is
written from the definition): an 11-tap Gaussian window with sigma 1.5 normalized to sum 1,
applied per channel (grouped conv2d) along W then along H with valid filtering;
sigma^2 = filter(x^2) - mu^2, sigma_xy = filter(xy) - mu_x mu_y; C1 = (0.01 L)^2,
C2 = (0.03 L)^2; map = luminance * contrast-structure; mean per (sample, channel), then over
channels and batch. It runs in float64 on the float32 inputs that are stored, so the golden
values are exact to float32 rounding and the tests measure only leuko's own error; torch
autograd gives the gradients.

Files: ssim_range1.safetensors and ssim_range255.safetensors (data_range 1 and 255, the
latter the study's setting on [0,1] images). Keys per case "<shape>/x", "/y", "/ssim" [1],
"/loss" [1] (= 1 - ssim, formed in float64), "/grad_x", "/grad_y" (of ssim).
"""
import os

import torch
import torch.nn.functional as F

from common import SEED, save

WINDOW, SIGMA, K1, K2 = 11, 1.5, 0.01, 0.03
SHAPES = [(1, 1, 11, 11), (2, 3, 13, 17), (1, 3, 32, 24)]


def gaussian_window():
    coords = torch.arange(WINDOW, dtype=torch.float64) - WINDOW // 2
    g = torch.exp(-(coords ** 2) / (2 * SIGMA ** 2))
    return g / g.sum()


def gaussian_filter(t, g):
    """Depthwise valid correlation with the separable window: along W, then along H."""
    channels = t.shape[1]
    along_w = g.view(1, 1, 1, WINDOW).repeat(channels, 1, 1, 1)
    along_h = g.view(1, 1, WINDOW, 1).repeat(channels, 1, 1, 1)
    t = F.conv2d(t, along_w, groups=channels)
    return F.conv2d(t, along_h, groups=channels)


def ssim(x, y, data_range):
    g = gaussian_window()
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    mu_x, mu_y = gaussian_filter(x, g), gaussian_filter(y, g)
    var_x = gaussian_filter(x * x, g) - mu_x ** 2
    var_y = gaussian_filter(y * y, g) - mu_y ** 2
    cov = gaussian_filter(x * y, g) - mu_x * mu_y
    luminance = (2 * mu_x * mu_y + c1) / (mu_x ** 2 + mu_y ** 2 + c1)
    contrast_structure = (2 * cov + c2) / (var_x + var_y + c2)
    ssim_map = luminance * contrast_structure
    return ssim_map.flatten(2).mean(-1).mean()


def generate(out_dir):
    gen = torch.Generator().manual_seed(SEED)
    for data_range in (1, 255):
        tensors = {}
        for shape in SHAPES:
            # A reconstruction-like pair in [0,1]: an image and a noisy, clipped copy.
            x = torch.rand(shape, generator=gen)
            y = (x + 0.2 * torch.randn(shape, generator=gen)).clamp(0, 1)
            x64 = x.double().requires_grad_(True)
            y64 = y.double().requires_grad_(True)
            value = ssim(x64, y64, float(data_range))
            value.backward()
            key = "x".join(str(s) for s in shape)
            tensors[key + "/x"] = x
            tensors[key + "/y"] = y
            tensors[key + "/ssim"] = value.detach().reshape(1)
            tensors[key + "/loss"] = (1 - value.detach()).reshape(1)
            tensors[key + "/grad_x"] = x64.grad
            tensors[key + "/grad_y"] = y64.grad
        save(os.path.join(out_dir, f"ssim_range{data_range}.safetensors"), tensors,
             {"data_range": data_range, "shapes": SHAPES})
