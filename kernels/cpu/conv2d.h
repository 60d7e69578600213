// 2-D convolution (cross-correlation, as in PyTorch) on the CPU by im2col + GEMM, forward
// and backward. Tensors are contiguous NCHW; weight is [out_channels, channels, kh, kw]; the
// sizes are one ConvGeometry (kernels/op_params.h).
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// conv2d.cpp, and leuko::cpu::reference, the readable reference in conv2d_reference.cpp: written as
// the definition's loops, one output element at a time, with sums in double; no OpenMP, no BLAS, no
// im2col. The tests hold the fast kernels, the CUDA ones and PyTorch's values against it.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"
#include "kernels/op_params.h"

namespace leuko::cpu {

// columns [C*kh*kw, (row_end - row_begin) * out_w], rows `ld` floats apart: row (c, i, j)
// holds the input pixel that kernel tap (i, j) of channel c sees at every output position of
// output rows [row_begin, row_end), 0 where it falls in the padding.
void im2col(const float* image, const ConvGeometry& g, int64_t row_begin, int64_t row_end,
            float* columns, int64_t ld);
// The adjoint of im2col: adds every column entry into the image pixel it was read from
// (accumulates into image [C, H, W]).
void col2im_add(const float* columns, const ConvGeometry& g, int64_t row_begin, int64_t row_end,
                float* image, int64_t ld);

}  // namespace leuko::cpu

LEUKO_CPU_BACKENDS(
    // y [N, O, out_h, out_w] = conv(x [N, C, H, W], weight) + bias (bias may be null).
    void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                        const ConvGeometry& g);
    // grad_x [N, C, H, W] from grad_y [N, O, out_h, out_w] (overwrites grad_x).
    void conv2d_backward_input(const float* grad_y, const float* weight, float* grad_x,
                               const ConvGeometry& g);
    // grad_weight [O, C, kh, kw] summed over the batch (overwrites grad_weight).
    void conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                                const ConvGeometry& g);
    // grad_bias [O] = sum of grad_y over batch and positions (overwrites grad_bias).
    void conv2d_backward_bias(const float* grad_y, float* grad_bias, int64_t batch,
                              int64_t out_channels, int64_t positions);)
