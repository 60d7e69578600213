// One Adam / AdamW update of a parameter tensor on the GPU, with torch.optim.Adam's and
// AdamW's semantics: the CPU kernel's formula and hyperparameters (kernels/op_params.h; the
// caller computes the step-dependent bias corrections once per step on the host).
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"
#include "kernels/op_params.h"

LEUKO_CUDA_BACKENDS(
    // As cpu::adam_step; all pointers on the device.
    void adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                   const AdamHyperparameters& h);)
