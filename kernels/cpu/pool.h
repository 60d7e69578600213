// 2-D pooling over planes: an [N, C, H, W] tensor is N*C independent [H, W] planes, each
// pooled alone. Windows that reach into the padding or past the input are clipped to it;
// padded positions hold no value (max pooling never picks them; average pooling counts
// them only with count_include_pad, as PyTorch does).
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// pool.cpp, and leuko::cpu::reference, the readable reference in pool_reference.cpp: one window at
// a time, sums in double; no OpenMP, no separable passes, no 2x2 fast path.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"
#include "kernels/op_params.h"

LEUKO_CPU_BACKENDS(
    // y = max over each window; indices[o] = h * in_w + w of the winner inside its plane (int32:
    // a plane holds fewer than 2^31 pixels; half the memory PyTorch's int64 indices take),
    // numbered as PyTorch's return_indices. On ties the first maximum in row-major order wins,
    // as in PyTorch; a NaN in a window wins and propagates.
    void max_pool2d_forward(const float* x, const Pool2dShape& shape, float* y, int32_t* indices);
    // grad_x = 0, then each output's gradient is added at its winner's position.
    void max_pool2d_backward(const float* grad_y, const int32_t* indices, const Pool2dShape& shape,
                             float* grad_x);

    // y = sum over each window / divisor, where the divisor counts the window's positions inside
    // input-plus-padding (count_include_pad) or inside the input only.
    void avg_pool2d_forward(const float* x, const Pool2dShape& shape, bool count_include_pad,
                            float* y);
    // grad_x: each output's gradient / divisor spread over its (clipped) window.
    void avg_pool2d_backward(const float* grad_y, const Pool2dShape& shape, bool count_include_pad,
                             float* grad_x);

    // y[p] = mean of plane p (plane_size values, summed in double); backward spreads
    // grad_y[p] / plane_size over the plane.
    void global_avg_pool_forward(const float* x, int64_t planes, int64_t plane_size, float* y);
    void global_avg_pool_backward(const float* grad_y, int64_t planes, int64_t plane_size,
                                  float* grad_x);)
