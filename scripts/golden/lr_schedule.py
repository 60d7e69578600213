"""Golden data for engine/optim/lr_schedule: the lr (and momentum / beta1) that
torch.optim.lr_scheduler sets after each of its steps, from construction (step 0) to the end.

lr_schedule.safetensors, per case <case>: <case>.lr [n] and <case>.momentum [n] (SGD's momentum
or Adam's beta1; constant where not cycled), float64 values rounded to float32. The cases'
settings are repeated in tests/optim/lr_schedule_test.cpp."""
import os

import torch

from common import save

SCHEDULES = {
    # name: (optimizer kind, initial lr, scheduler factory, scheduler steps)
    "onecycle_default": ("adam", 0.01,
                         lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.01,
                                                                       total_steps=100), 100),
    "onecycle_epochs": ("adam", 0.01,
                        lambda o: torch.optim.lr_scheduler.OneCycleLR(
                            o, max_lr=0.01, epochs=3, steps_per_epoch=7), 21),
    "onecycle_linear_sgd": ("sgd", 0.1,
                            lambda o: torch.optim.lr_scheduler.OneCycleLR(
                                o, max_lr=0.5, total_steps=37, pct_start=0.25,
                                anneal_strategy="linear", div_factor=10.0,
                                final_div_factor=100.0, base_momentum=0.8,
                                max_momentum=0.9), 37),
    "onecycle_three_phase": ("sgd", 0.1,
                             lambda o: torch.optim.lr_scheduler.OneCycleLR(
                                 o, max_lr=1.0, total_steps=50, three_phase=True), 50),
    "onecycle_no_momentum": ("adam", 0.01,
                             lambda o: torch.optim.lr_scheduler.OneCycleLR(
                                 o, max_lr=0.003, total_steps=30, cycle_momentum=False), 30),
    "steplr": ("sgd", 0.1, lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
               12),
    "cosine": ("sgd", 0.1,
               lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=1e-3),
               25),
}


def generate(out_dir):
    out = {}
    for name, (kind, lr, make, steps) in SCHEDULES.items():
        p = torch.zeros(1, requires_grad=True)
        opt = (torch.optim.Adam([p], lr=lr) if kind == "adam"
               else torch.optim.SGD([p], lr=lr, momentum=0.9))
        sched = make(opt)
        lrs, momenta = [], []
        for step in range(steps + 1):
            group = opt.param_groups[0]
            lrs.append(group["lr"])
            momenta.append(group["betas"][0] if kind == "adam" else group["momentum"])
            if step < steps:
                opt.step()
                sched.step()
        out[f"{name}.lr"] = torch.tensor(lrs, dtype=torch.float64)
        out[f"{name}.momentum"] = torch.tensor(momenta, dtype=torch.float64)
    save(os.path.join(out_dir, "lr_schedule.safetensors"), out)
