// The readable reference of softmax and log_softmax (softmax.h): the same kernels, names and
// signatures, one [size] line of the [outer, size, inner] array at a time, in double with the
// C library's exp and log; no OpenMP.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner);
void softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                      int64_t size, int64_t inner);
void log_softmax_forward(const float* x, float* y, int64_t outer, int64_t size, int64_t inner);
void log_softmax_backward(const float* y, const float* grad_y, float* grad_x, int64_t outer,
                          int64_t size, int64_t inner);

}  // namespace leuko::cpu::reference
