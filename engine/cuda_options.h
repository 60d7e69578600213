// Which implementation runs convolutions and matrix products on a GPU device.
//
// On Device::cuda (a real GPU) the engine uses cuDNN and cuBLAS by default; the project's
// own implicit-GEMM convolution and tiled GEMM can be selected instead, engine-wide, e.g.
// to benchmark them against the vendor libraries. Device::cuda_emu always runs the
// project's kernels (under the SIMT emulator there is no cuDNN or cuBLAS).
//
// The gpu_* functions below are what the conv2d, conv_transpose2d, matmul and linear ops
// call for a non-CPU tensor: they route to the selected implementation for the device.
#pragma once

#include <cstdint>

#include "engine/storage.h"
#include "kernels/cuda/conv2d.h"

namespace leuko {

enum class ConvAlgorithm { cudnn, implicit_gemm };
enum class GemmAlgorithm { cublas, tiled };

void set_cuda_conv_algorithm(ConvAlgorithm algorithm);
ConvAlgorithm cuda_conv_algorithm();
void set_cuda_gemm_algorithm(GemmAlgorithm algorithm);
GemmAlgorithm cuda_gemm_algorithm();

// C[z] = alpha * op(A[z]) op(B[z]) + beta * C[z] (see kernels/cuda/gemm.h).
void gpu_gemm(Device device, const char* op, bool transpose_a, bool transpose_b, int64_t batch,
              int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
              int64_t stride_a, const float* b, int64_t ldb, int64_t stride_b, float beta, float* c,
              int64_t ldc, int64_t stride_c);
// y = x weight^T + bias (bias may be null).
void gpu_linear_forward(Device device, const float* x, const float* weight, const float* bias,
                        float* y, int64_t rows, int64_t in, int64_t out);
// The three convolution products (see kernels/cuda/conv2d.h); bias may be null.
void gpu_conv2d_forward(Device device, const char* op, const float* x, const float* weight,
                        const float* bias, float* y, const ConvGeometry& problem);
void gpu_conv2d_backward_input(Device device, const char* op, const float* grad_y,
                               const float* weight, const float* bias, float* grad_x,
                               const ConvGeometry& problem);
void gpu_conv2d_backward_weight(Device device, const char* op, const float* grad_y, const float* x,
                                float* grad_weight, const ConvGeometry& problem);

}  // namespace leuko
