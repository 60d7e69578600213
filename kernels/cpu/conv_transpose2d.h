// 2-D transposed convolution (PyTorch's conv_transpose2d) on the CPU. It is the adjoint of
// conv2d: its forward is conv2d's input gradient and its input gradient is conv2d's
// forward, so it reuses conv2d's im2col/col2im + GEMM kernels with the roles swapped.
// x is [N, C_in, H, W], weight [C_in, C_out, kh, kw], y [N, C_out, H_out, W_out]; `g`
// describes the conv2d that maps y's grid back onto x's: channels = C_out, height/width =
// H_out/W_out, out_channels = C_in, out_h/out_w = H/W.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// conv_transpose2d.cpp, and leuko::cpu::reference, the readable reference in
// conv_transpose2d_reference.cpp: the same adjoint, on conv2d's reference kernels (loops with
// sums in double; no OpenMP, no BLAS). PyTorch's values check the mapping itself.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"
#include "kernels/cpu/conv2d.h"

LEUKO_CPU_BACKENDS(
    // y = conv_transpose(x, weight) + bias (bias [C_out] may be null); overwrites y.
    void conv_transpose2d_forward(const float* x, const float* weight, const float* bias, float* y,
                                  const ConvGeometry& g);
    // grad_x = conv2d(grad_y, weight): overwrites grad_x.
    void conv_transpose2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                                         const ConvGeometry& g);
    // grad_weight [C_in, C_out, kh, kw] summed over the batch; overwrites it.
    void conv_transpose2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                                          const ConvGeometry& g);
    // grad_bias [C_out] = sum of grad_y over batch and positions; overwrites it.
    void conv_transpose2d_backward_bias(const float* grad_y, float* grad_bias,
                                        const ConvGeometry& g);)
