#!/usr/bin/python3
"""Regenerates tests/golden/*.safetensors with Debian's python3-torch (/usr/bin/python3).
Every module in scripts/golden/ (except common.py) has generate(out_dir). The files are
small and committed, so the test suite itself never needs PyTorch.

    /usr/bin/python3 scripts/make_golden.py            # all
    /usr/bin/python3 scripts/make_golden.py conv2d ssim  # only these modules
"""
import importlib
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "golden")


def main():
    sys.path.insert(0, os.path.join(HERE, "golden"))
    torch.set_num_threads(1)
    names = sys.argv[1:] or sorted(
        f[:-3] for f in os.listdir(os.path.join(HERE, "golden"))
        if f.endswith(".py") and f != "common.py")
    os.makedirs(OUT, exist_ok=True)
    for name in names:
        importlib.import_module(name).generate(OUT)
        print("golden:", name)


if __name__ == "__main__":
    main()
