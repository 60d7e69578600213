#!/usr/bin/python3
"""Exports randomly initialized, fixed-seed torchvision ResNet-18 and ResNet-50 to
safetensors, with their outputs on a fixed input, so a test can check that leuko loads
torchvision weights by name and computes the same function. Run with Debian's
python3-torchvision:

    /usr/bin/python3 scripts/export_torchvision.py OUT_DIR

Real ImageNet weights are exported the same way: replace the random init with
torchvision.models.resnet18(weights="IMAGENET1K_V1") on a machine that can download them,
then `leuko train --weights resnet18.safetensors ...` loads the file.
"""
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden"))
from common import save  # noqa: E402


def export(name, model, out_dir):
    torch.manual_seed(1)
    # Non-trivial BN: random affine parameters, and running statistics calibrated on a few
    # random batches (as training would), so activations keep a realistic scale through
    # all the layers and eval-mode BN is really exercised.
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
            m.momentum = None  # cumulative average over the calibration batches
            m.reset_running_stats()
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(8, 3, 64, 64))
    x = torch.rand(2, 3, 64, 64)
    model.eval()
    with torch.no_grad():
        eval_out = model(x)
    save(os.path.join(out_dir, name + ".safetensors"), dict(model.state_dict()))
    save(os.path.join(out_dir, name + "_io.safetensors"), {"input": x, "output_eval": eval_out})


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(2)
    export("resnet18", torchvision.models.resnet18(weights=None), out_dir)
    export("resnet50", torchvision.models.resnet50(weights=None), out_dir)
    print("exported resnet18 and resnet50 to", out_dir)


if __name__ == "__main__":
    main()
