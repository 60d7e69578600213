// The readable reference of concat (concat.h): the same kernels, names and signatures, one
// element at a time; no OpenMP, no memcpy.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void concat_forward(const float* const* inputs, const int64_t* row_sizes, int64_t count,
                    int64_t outer, float* out);
void concat_backward(const float* grad_out, const int64_t* row_sizes, int64_t count, int64_t outer,
                     float* const* grad_inputs);

}  // namespace leuko::cpu::reference
