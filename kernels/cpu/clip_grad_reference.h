// The readable reference of gradient clipping's loops (clip_grad.h): the same functions, names
// and signatures, one element at a time; no OpenMP, no fast paths for p = 1 and 2.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

double sum_abs_pow(const float* x, int64_t n, double p);
float max_abs(const float* x, int64_t n);
void scale_inplace(float* x, int64_t n, float factor);
void clamp_inplace(float* x, int64_t n, float limit);

}  // namespace leuko::cpu::reference
