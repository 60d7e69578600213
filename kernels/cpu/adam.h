// One Adam / AdamW update of a parameter tensor, with torch.optim.Adam's and AdamW's
// semantics. The step-dependent scalars (bias corrections) are computed once per step by the
// caller, so the kernel is a pure elementwise pass.
#pragma once

#include <cstdint>

namespace leuko::cpu {

// The caller computes the derived scalars (1 - beta, bias corrections) in double, as PyTorch
// does, so each is rounded to float once.
struct AdamHyperparameters {
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float eps;
  float l2_weight_decay;        // Adam: added to the gradient as l2_weight_decay * param
  float decay_factor;           // AdamW: param *= 1 - lr * weight_decay first (1 for Adam)
  float step_size;              // lr / (1 - beta1^step)
  float bias_correction2_sqrt;  // sqrt(1 - beta2^step)
};

// exp_avg = beta1 exp_avg + (1 - beta1) g;  exp_avg_sq = beta2 exp_avg_sq + (1 - beta2) g^2;
// param -= step_size * exp_avg / (sqrt(exp_avg_sq) / bias_correction2_sqrt + eps).
void adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
               const AdamHyperparameters& h);

}  // namespace leuko::cpu
