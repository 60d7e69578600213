// The readable reference of add_relu (add_relu.h): the same kernels, names and signatures,
// one element at a time; no OpenMP.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void add_relu_forward(const float* a, const float* b, int64_t n, float* y);
void add_relu_backward(const float* grad_y, const float* y, int64_t n, float* grad_ab);

}  // namespace leuko::cpu::reference
