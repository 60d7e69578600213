// Matrix products on the CPU: one row-major GEMM entry point over OpenBLAS (shared by
// matmul, linear, conv2d and conv_transpose2d), the batched matmul forward/backward, and
// the small bias loops that linear wraps around its GEMM.
//
// Declared for both CPU implementations (kernels/cpu/backends.h): leuko::cpu, the fast kernels in
// matmul.cpp, and leuko::cpu::reference, the readable reference in matmul_reference.cpp: as the
// textbook triple loop with sums in double; no OpenMP, no BLAS.
#pragma once

#include <cstdint>

#include "kernels/cpu/backends.h"

LEUKO_CPU_BACKENDS(
    // C[m,n] = alpha * op(A) * op(B) + beta * C, all row-major; op(X) is X or X^T.
    // lda/ldb/ldc are the row strides of A, B, C as stored (before any transpose).
    void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
              const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
              int64_t ldc);

    // out[i] = a[i] x b[i] for i < batch, with a[i] [m,k], b[i] [k,n], out[i] [m,n] contiguous.
    void matmul_forward(const float* a, const float* b, float* out, int64_t batch, int64_t m,
                        int64_t k, int64_t n);
    // grad_a[i] = grad_out[i] x b[i]^T
    void matmul_backward_a(const float* grad_out, const float* b, float* grad_a, int64_t batch,
                           int64_t m, int64_t k, int64_t n);
    // grad_b[i] = a[i]^T x grad_out[i]
    void matmul_backward_b(const float* a, const float* grad_out, float* grad_b, int64_t batch,
                           int64_t m, int64_t k, int64_t n);

    // out[r, :] = row for every r < rows: a bias broadcast that a following GEMM with beta = 1
    // adds its product to, so the bias costs no extra pass over the output.
    void broadcast_rows(const float* row, float* out, int64_t rows, int64_t cols);
    // out[c] = sum_r x[r, c]: the bias gradient of linear.
    void sum_rows(const float* x, float* out, int64_t rows, int64_t cols);)
