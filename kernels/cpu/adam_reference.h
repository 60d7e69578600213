// The readable reference of the Adam / AdamW update (adam.h): the same kernel, name and
// signature, torch.optim.Adam's and AdamW's algorithm one element at a time, in double; no
// OpenMP.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko::cpu::reference {

void adam_step(float* param, const float* grad, float* exp_avg, float* exp_avg_sq, int64_t n,
               const AdamHyperparameters& h);

}  // namespace leuko::cpu::reference
