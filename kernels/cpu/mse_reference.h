// The readable reference of the mean squared error (mse.h): the same kernels, names and
// signatures, one element at a time, the sum in double; no OpenMP.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

float mse_forward(const float* prediction, const float* target, int64_t n);
void mse_backward(const float* prediction, const float* target, int64_t n, float grad_loss,
                  float* grad_prediction, float* grad_target);

}  // namespace leuko::cpu::reference
