// The readable reference of conv_transpose2d (conv_transpose2d.h): the same kernels, names and
// signatures, as the definition's loops with sums in double; no OpenMP, no BLAS, and no use
// of conv2d. `g` is the conv2d that maps y's grid back onto x's, as in conv_transpose2d.h.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko::cpu::reference {

void conv_transpose2d_forward(const float* x, const float* weight, const float* bias, float* y,
                              const ConvGeometry& g);
void conv_transpose2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                                     const ConvGeometry& g);
void conv_transpose2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                                      const ConvGeometry& g);
void conv_transpose2d_backward_bias(const float* grad_y, float* grad_bias, const ConvGeometry& g);

}  // namespace leuko::cpu::reference
