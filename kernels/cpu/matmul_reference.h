// The readable reference of matmul (matmul.h): the same kernels, names and signatures, as the
// textbook triple loop with sums in double; no OpenMP, no BLAS.
#pragma once

#include <cstdint>

namespace leuko::cpu::reference {

void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
          int64_t ldc);

void matmul_forward(const float* a, const float* b, float* out, int64_t batch, int64_t m, int64_t k,
                    int64_t n);
void matmul_backward_a(const float* grad_out, const float* b, float* grad_a, int64_t batch,
                       int64_t m, int64_t k, int64_t n);
void matmul_backward_b(const float* a, const float* grad_out, float* grad_b, int64_t batch,
                       int64_t m, int64_t k, int64_t n);

void broadcast_rows(const float* row, float* out, int64_t rows, int64_t cols);
void sum_rows(const float* x, float* out, int64_t rows, int64_t cols);

}  // namespace leuko::cpu::reference
