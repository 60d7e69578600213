// The readable reference of conv2d (conv2d.h): the same kernels, names and signatures, written
// as the definition's loops, one output element at a time, with sums in double; no OpenMP,
// no BLAS, no im2col. The tests hold the fast kernels, the CUDA ones and PyTorch's values
// against it.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko::cpu::reference {

void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                    const ConvGeometry& g);
void conv2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                           const ConvGeometry& g);
void conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                            const ConvGeometry& g);
void conv2d_backward_bias(const float* grad_y, float* grad_bias, int64_t batch,
                          int64_t out_channels, int64_t positions);

}  // namespace leuko::cpu::reference
