// The readable reference of the sum over dimensions (reduce.h): the same kernel, name and
// signature, one input element at a time, sums in double.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void sum_forward(const float* x, const int64_t* shape, int ndim, const int64_t* out_strides,
                 float* out, int64_t out_numel);

}  // namespace leuko::cpu::reference
