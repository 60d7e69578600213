// 2-D pooling on the GPU, forward and backward, over the planes of [N, C, H, W] device
// tensors: the same functions, geometry (Pool2dShape, kernels/op_params.h) and rules as
// kernels/cpu/pool.h (windows clipped to the input, PyTorch's tie and NaN rule and divisors).
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"
#include "kernels/op_params.h"

LEUKO_CUDA_BACKENDS(
    // y = max over each window; indices = h * in_w + w of the winner inside its plane.
    void max_pool2d_forward(const float* x, const Pool2dShape& shape, float* y, int32_t* indices);
    // grad_x[i] = sum of the output gradients whose winner is i (0 if none).
    void max_pool2d_backward(const float* grad_y, const int32_t* indices, const Pool2dShape& shape,
                             float* grad_x);
    // y = window sum / divisor (count_include_pad: the padded window; else its inside part).
    void avg_pool2d_forward(const float* x, const Pool2dShape& shape, bool count_include_pad,
                            float* y);
    void avg_pool2d_backward(const float* grad_y, const Pool2dShape& shape, bool count_include_pad,
                             float* grad_x);
    // y[p] = mean of plane p; backward spreads grad_y[p] / plane_size over the plane.
    void global_avg_pool_forward(const float* x, int64_t planes, int64_t plane_size, float* y);
    void global_avg_pool_backward(const float* grad_y, int64_t planes, int64_t plane_size,
                                  float* grad_x);)
