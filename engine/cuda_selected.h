// Device::cuda's entries in the kernel tables (engine/device_kernels.h) of the products that a
// vendor library can also run: the convolutions (cuDNN) and the GEMMs (cuBLAS). Each runs the
// library, or the project's own kernel where engine/cuda_options.h selects it (and, for a
// convolution, where cuDNN cannot describe the grid). They have the signatures of the
// project's kernels (kernels/cuda/conv2d.h, matmul.h), so an op lists them in place of cuda::...:
//
//   DeviceKernels<...>{&cpu::conv2d_forward, LEUKO_REAL_CUDA(&cuda_selected::conv2d_forward),
//                      &cuda_emu::conv2d_forward}
//
// Device::cuda_emu has no cuDNN or cuBLAS and always runs the project's kernels. These exist
// only in a build with nvcc (LEUKO_WITH_CUDA); LEUKO_REAL_CUDA drops them otherwise.
#pragma once

#include <cstdint>

#include "kernels/op_params.h"

namespace leuko::cuda_selected {

// As leuko::cuda::conv2d_forward, conv2d_backward_input and conv2d_backward_weight.
void conv2d_forward(const float* x, const float* weight, const float* bias, float* y,
                    const ConvGeometry& g);
void conv2d_backward_input(const float* grad_y, const float* weight, const float* bias,
                           float* grad_x, const ConvGeometry& g);
void conv2d_backward_weight(const float* grad_y, const float* x, float* grad_weight,
                            const ConvGeometry& g);
// As leuko::cuda::gemm and linear_forward.
void gemm(bool transpose_a, bool transpose_b, int64_t batch, int64_t m, int64_t n, int64_t k,
          float alpha, const float* a, int64_t lda, int64_t stride_a, const float* b, int64_t ldb,
          int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c);
void linear_forward(const float* x, const float* weight, const float* bias, float* y, int64_t rows,
                    int64_t in, int64_t out);

}  // namespace leuko::cuda_selected
