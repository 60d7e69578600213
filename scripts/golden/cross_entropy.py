"""Golden data for cross_entropy: loss and gradient w.r.t. the logits, from
torch.nn.functional.cross_entropy (mean reduction; with class weights the mean is
sum_i w[y_i] * nll_i / sum_i w[y_i]). Computed in float64 from the stored float32 inputs.

cross_entropy.safetensors, per case "<case>/logits" [N, K], "/labels" int64 [N],
"/weights" [K] (weighted cases only), "/loss" [1], "/grad" [N, K] (d loss / d logits):
  weighted_n7_k5   N=7, K=5, class weights in [0.2, 3) (one class weighted 0)
  plain_n16_k5     N=16, K=5, no weights
  weighted_n1_k2   N=1, K=2, with weights
  large_n4_k5      logits of magnitude ~1000 with weights (numerical stability)
"""
import os

import torch
import torch.nn.functional as F

from common import SEED, save


def case(logits, labels, weights=None):
    x64 = logits.double().requires_grad_(True)
    w64 = weights.double() if weights is not None else None
    loss = F.cross_entropy(x64, labels, weight=w64)
    loss.backward()
    out = {"logits": logits, "labels": labels, "loss": loss.detach().reshape(1), "grad": x64.grad}
    if weights is not None:
        out["weights"] = weights
    return out


def generate(out_dir):
    gen = torch.Generator().manual_seed(SEED)
    weights5 = 0.2 + 2.8 * torch.rand(5, generator=gen)
    weights5[3] = 0.0
    cases = {
        "weighted_n7_k5": case(2 * torch.randn(7, 5, generator=gen),
                               torch.tensor([0, 4, 1, 3, 2, 4, 0]), weights5),
        "plain_n16_k5": case(2 * torch.randn(16, 5, generator=gen),
                             torch.randint(0, 5, (16,), generator=gen)),
        "weighted_n1_k2": case(torch.randn(1, 2, generator=gen), torch.tensor([1]),
                               torch.tensor([0.3, 1.7])),
        "large_n4_k5": case(1000 * torch.randn(4, 5, generator=gen), torch.tensor([2, 0, 4, 1]),
                            weights5),
    }
    tensors = {f"{name}/{key}": t for name, values in cases.items() for key, t in values.items()}
    save(os.path.join(out_dir, "cross_entropy.safetensors"), tensors)
