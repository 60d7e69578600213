// The project's own GEMM on the device (tiled in shared memory, register-blocked; see
// tiled_gemm.cuh): matmul's plain and batched products and linear's forward with its bias.
#pragma once

#include <cstdint>

#include "kernels/cuda/backends.h"

LEUKO_CUDA_BACKENDS(
    // C[z] = alpha * op(A[z]) op(B[z]) + beta * C[z] for z < batch, all row-major; op(X) is X
    // or X^T; lda/ldb/ldc are row strides as stored, stride_a/b/c the distance between the
    // matrices of the batch. With beta == 0, C is only written (never read).
    void gemm(bool transpose_a, bool transpose_b, int64_t batch, int64_t m, int64_t n, int64_t k,
              float alpha, const float* a, int64_t lda, int64_t stride_a, const float* b,
              int64_t ldb, int64_t stride_b, float beta, float* c, int64_t ldc, int64_t stride_c);
    // y [rows, out] = x [rows, in] weight^T (weight [out, in]) + bias [out]; bias may be null.
    void linear_forward(const float* x, const float* weight, const float* bias, float* y,
                        int64_t rows, int64_t in, int64_t out);)
