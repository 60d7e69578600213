// One Adam / AdamW update of a parameter tensor, with torch.optim.Adam's and AdamW's
// semantics. The step-dependent scalars (bias corrections) are computed once per step by the
// caller, so the kernel is a pure elementwise pass.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// adam.cpp, and leuko::cpu::reference, the readable reference in adam_reference.cpp:
// torch.optim.Adam's and AdamW's algorithm one element at a time, in double; no OpenMP.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"
#include "kernels/op_params.h"

LEUKO_CPU_BACKENDS(
    // exp_avg = beta1 exp_avg + (1 - beta1) g;  exp_avg_sq = beta2 exp_avg_sq + (1 - beta2) g^2;
    // param -= step_size * exp_avg / (sqrt(exp_avg_sq) / bias_correction2_sqrt + eps).
    void adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
                   const AdamHyperparameters& h);)
