// One Adam / AdamW update of a parameter tensor, with torch.optim.Adam's and AdamW's
// semantics. The step-dependent scalars (bias corrections) are computed once per step by the
// caller, so the kernel is a pure elementwise pass.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko::cpu {

// exp_avg = beta1 exp_avg + (1 - beta1) g;  exp_avg_sq = beta2 exp_avg_sq + (1 - beta2) g^2;
// param -= step_size * exp_avg / (sqrt(exp_avg_sq) / bias_correction2_sqrt + eps).
void adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
               const AdamHyperparameters& h);

}  // namespace leuko::cpu
