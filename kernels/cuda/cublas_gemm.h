// cuBLAS's sgemm behind the same interface as the project's GEMM (kernels/cuda/matmul.h), for
// the real GPU backend only: these exist in leuko::cuda (the nvcc build), not in the
// emulated backend. The engine uses them on Device::cuda unless the project's kernels are
// selected (engine/cuda_options.h).
#pragma once

#include <cstdint>

namespace leuko::cuda {

// C[z] = alpha * op(A[z]) op(B[z]) + beta * C[z], row-major, as leuko::cuda::gemm.
void cublas_gemm(bool transpose_a, bool transpose_b, int64_t batch, int64_t m, int64_t n, int64_t k,
                 float alpha, const float* a, int64_t lda, int64_t stride_a, const float* b,
                 int64_t ldb, int64_t stride_b, float beta, float* c, int64_t ldc,
                 int64_t stride_c);
// y [rows, out] = x [rows, in] weight^T + bias (bias may be null), as linear_forward.
void cublas_linear_forward(const float* x, const float* weight, const float* bias, float* y,
                           int64_t rows, int64_t in, int64_t out);

}  // namespace leuko::cuda
