// The readable reference of pooling (pool.h): the same kernels, names and signatures, one
// window at a time, sums in double; no OpenMP, no separable passes, no 2x2 fast path.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko::cpu::reference {

void max_pool2d_forward(const float* x, const Pool2dShape& shape, float* y, int32_t* indices);
void max_pool2d_backward(const float* grad_y, const int32_t* indices, const Pool2dShape& shape,
                         float* grad_x);
void avg_pool2d_forward(const float* x, const Pool2dShape& shape, bool count_include_pad, float* y);
void avg_pool2d_backward(const float* grad_y, const Pool2dShape& shape, bool count_include_pad,
                         float* grad_x);
void global_avg_pool_forward(const float* x, int64_t planes, int64_t plane_size, float* y);
void global_avg_pool_backward(const float* grad_y, int64_t planes, int64_t plane_size,
                              float* grad_x);

}  // namespace leuko::cpu::reference
