// The readable reference of dropout (dropout.h): the same kernels, names and signatures, one
// element at a time with the mask's uniform number written out; no OpenMP.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void dropout_forward(const float* x, int64_t n, float p, uint64_t seed, float* y);
void dropout_backward(const float* grad_y, int64_t n, float p, uint64_t seed, float* grad_x);

}  // namespace leuko::cpu::reference
