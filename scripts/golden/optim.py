"""Golden data for engine/optim: torch.optim.SGD / Adam / AdamW / RMSprop run for STEPS steps
from fixed initial parameters with fixed per-step gradients; Adam under OneCycleLR with
clip_grad_value_ (study A's recipe); clip_grad_norm_ and clip_grad_value_.

optim.safetensors, per case <case>: <case>.p<k>.init, <case>.p<k>.grads [STEPS, ...] and
<case>.p<k>.after [STEPS, ...] (parameter k after each step). The cases' hyperparameters are
repeated in tests/optim/optim_golden_test.cpp. optim_clip_grad.safetensors: see clip_cases()."""
import math
import os

import torch

from common import SEED, save

STEPS = 5
SHAPES = [(3, 4), (5,)]  # a matrix and an odd-sized vector


def optimizer_cases():
    O = torch.optim
    return {
        "sgd": lambda p: O.SGD(p, lr=0.1),
        "sgd_momentum": lambda p: O.SGD(p, lr=0.1, momentum=0.9),
        "sgd_dampening": lambda p: O.SGD(p, lr=0.1, momentum=0.9, dampening=0.5),
        "sgd_nesterov": lambda p: O.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
        "sgd_weight_decay": lambda p: O.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.05),
        "adam": lambda p: O.Adam(p, lr=0.01),
        "adam_weight_decay": lambda p: O.Adam(p, lr=0.01, weight_decay=0.1),
        "adam_betas": lambda p: O.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6),
        "adamw": lambda p: O.AdamW(p, lr=0.01),
        "adamw_weight_decay": lambda p: O.AdamW(p, lr=0.01, weight_decay=0.5),
        "rmsprop": lambda p: O.RMSprop(p, lr=0.01),
        "rmsprop_momentum": lambda p: O.RMSprop(p, lr=0.01, momentum=0.9),
        "rmsprop_centered": lambda p: O.RMSprop(p, lr=0.01, centered=True),
        "rmsprop_all": lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1,
                                           momentum=0.5, centered=True),
    }


def run_case(name, make, out, g):
    inits = [torch.randn(s, generator=g) for s in SHAPES]
    grads = [torch.randn((STEPS,) + s, generator=g) for s in SHAPES]
    params = [t.clone().requires_grad_() for t in inits]
    opt = make(params)
    after = [[] for _ in params]
    for step in range(STEPS):
        for p, gr in zip(params, grads):
            p.grad = gr[step].clone()
        opt.step()
        for k, p in enumerate(params):
            after[k].append(p.detach().clone())
    for k in range(len(params)):
        out[f"{name}.p{k}.init"] = inits[k]
        out[f"{name}.p{k}.grads"] = grads[k]
        out[f"{name}.p{k}.after"] = torch.stack(after[k])


def onecycle_adam_case(out, g):
    """Study A's step: clip_grad_value_(0.1) -> Adam(wd 1e-4) step -> OneCycle step, 12 steps."""
    steps = 12
    init = torch.randn(4, 3, generator=g)
    grads = torch.randn(steps, 4, 3, generator=g) * 0.3
    p = init.clone().requires_grad_()
    opt = torch.optim.Adam([p], lr=0.01, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=steps)
    after = []
    for step in range(steps):
        p.grad = grads[step].clone()
        torch.nn.utils.clip_grad_value_([p], 0.1)
        opt.step()
        sched.step()
        after.append(p.detach().clone())
    out["onecycle_adam.p0.init"] = init
    out["onecycle_adam.p0.grads"] = grads
    out["onecycle_adam.p0.after"] = torch.stack(after)


def clip_cases(g):
    """Two gradients [6, 7] and [11] per case; <case>.g<k> before, <case>.clipped<k> after,
    <case>.total_norm the returned norm."""
    out = {}
    cases = {"norm2": (1.0, 2.0), "norm2_no_clip": (100.0, 2.0), "norm1": (2.0, 1.0),
             "norm3": (0.5, 3.0), "norm_inf": (0.25, math.inf)}
    for name, (max_norm, norm_type) in cases.items():
        grads = [torch.randn(6, 7, generator=g), torch.randn(11, generator=g)]
        params = [torch.zeros_like(t, requires_grad=True) for t in grads]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        for k, p in enumerate(params):
            out[f"{name}.g{k}"] = grads[k]
            out[f"{name}.clipped{k}"] = p.grad
        out[f"{name}.total_norm"] = total.reshape(1)
    grads = [torch.randn(6, 7, generator=g) * 0.2, torch.randn(11, generator=g) * 0.2]
    params = [torch.zeros_like(t, requires_grad=True) for t in grads]
    for p, gr in zip(params, grads):
        p.grad = gr.clone()
    torch.nn.utils.clip_grad_value_(params, 0.1)
    for k, p in enumerate(params):
        out[f"value.g{k}"] = grads[k]
        out[f"value.clipped{k}"] = p.grad
    return out


def generate(out_dir):
    g = torch.Generator().manual_seed(SEED)
    out = {}
    for name, make in optimizer_cases().items():
        run_case(name, make, out, g)
    onecycle_adam_case(out, g)
    save(os.path.join(out_dir, "optim.safetensors"), out, {"steps": STEPS})
    save(os.path.join(out_dir, "optim_clip_grad.safetensors"), clip_cases(g))
