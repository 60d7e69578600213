"""Golden values for the data pipeline's resize and rotation: PIL's Image.resize(BILINEAR)
(what torchvision's Resize does to PIL images: bilinear with antialias) and
Image.rotate(NEAREST, expand=False, fillcolor=0) (torchvision's RandomRotation), applied
to a small synthetic RGB image made here. Values are stored as 0..255 in float32."""
import os

import numpy as np
import torch
from PIL import Image

from common import SEED, save

# (height, width) targets: shrink by non-integer factors (antialias matters), enlarge,
# shrink one axis while enlarging the other, and a 1-pixel edge case.
SIZES = [(13, 19), (8, 5), (37, 47), (40, 13), (1, 1)]
ANGLES = [17.3, -9.0, 45.0]


def source_image():
    """A 24x32 RGB image with smooth gradients, sharp edges and noise: every resampling
    weight is exercised and errors would show."""
    rng = np.random.default_rng(SEED)
    h, w = 24, 32
    y, x = np.mgrid[0:h, 0:w]
    r = 255 * x / (w - 1)
    g = 255 * ((x // 5 + y // 5) % 2)
    b = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 4.0)
    image = np.stack([r, g, b], axis=-1) + rng.normal(0, 20, (h, w, 3))
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def as_tensor(array):
    return torch.from_numpy(np.asarray(array, dtype=np.float32).copy())


def generate(out_dir):
    source = source_image()
    image = Image.fromarray(source, "RGB")
    tensors = {"input": as_tensor(source)}
    for h, w in SIZES:
        tensors[f"resize_{h}x{w}"] = as_tensor(image.resize((w, h), Image.BILINEAR))
    for angle in ANGLES:
        rotated = image.rotate(angle, resample=Image.NEAREST, expand=False, fillcolor=0)
        tensors[f"rotate_{angle:g}"] = as_tensor(rotated)
    save(os.path.join(out_dir, "resize.safetensors"), tensors,
         {"sizes": SIZES, "angles": ANGLES, "layout": "HWC, values 0..255"})
